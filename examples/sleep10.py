"""A WSGI app that waits 10 ms per request, like a call to a fast upstream
service: the benchmark scenario for worker classes (bench/classes_test.go)."""
import time


def app(environ, start_response):
    time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"ok\n"]
