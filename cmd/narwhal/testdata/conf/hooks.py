"""TestConfigFileCheckConfig: a valid server hook passes --check-config."""
wsgi_app = "hello:app"


def post_fork(server, worker):
    pass
