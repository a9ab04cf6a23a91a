"""TestConfigFileCheckConfig: a server hook, not supported by narwhal yet."""
wsgi_app = "hello:app"


def post_fork(server, worker):
    pass
