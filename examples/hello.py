"""The demo app `make run` serves: a plain WSGI callable, no framework."""


def app(environ, start_response):
    body = b"Hello from narwhal\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
