"""A PasteDeploy app factory for paste_test.go: the app answers with what
the factory was given, as JSON."""

import json
import logging


def factory(global_conf, **local_conf):
    seen = {
        "global": {k: v for k, v in global_conf.items()
                   if k not in ("__file__", "here")},
        "local": local_conf,
    }
    log = logging.getLogger(local_conf.get("logger", "pasteapp"))
    body = json.dumps(seen, sort_keys=True).encode()

    def app(environ, start_response):
        log.warning("pasteapp served %s", local_conf.get("name"))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    return app


def raising_factory(global_conf, **local_conf):
    raise ValueError("raised-inside-paste-factory")
