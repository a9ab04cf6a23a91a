def app(environ, start_response):
    body = b"Hello, World!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = app


def factory(greeting="Hello", times=1):
    def made(environ, start_response):
        body = (greeting * times).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    return made


class Holder:
    inner = staticmethod(app)


holder = Holder()
not_callable = 42
