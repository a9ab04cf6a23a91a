"""PasteDeploy app factories for paste_test.go (served by narwhal --paste
and by Debian's gunicorn --paste for parity)."""

import logging


def factory(global_conf, **local_conf):
    # global_conf: the ini's [DEFAULT] section, overridden by --paste-global.
    greeting = global_conf.get("greeting", "(no greeting)")
    name = local_conf.get("name", "(no name)")
    body = ("%s from %s\n" % (greeting, name)).encode()
    log = logging.getLogger("pasteapp")

    def app(environ, start_response):
        log.info("pasteapp served %s", name)
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app
