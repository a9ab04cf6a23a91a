"""Apps that fail at different moments."""
import sys


def before(environ, start_response):
    raise RuntimeError("boom before start_response")


def after(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])

    def gen():
        yield b"partial"
        raise RuntimeError("boom after headers")
    return gen()


def exc_info(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("handled")
    except ValueError:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
    return [b"replaced"]


def bad_header(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain\r\nX-Injected: 1")])
    return [b"never"]


def not_bytes(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["a str, not bytes"]
