"""Streaming responses: generators whose close() is recorded, file_wrapper,
write(), and responses without Content-Length."""
import os

CLOSED_LOG = os.environ.get("NARWHAL_TEST_CLOSED_LOG", "/dev/null")


class Recorded:
    def __init__(self, name, chunks, delay=0):
        self.name, self.chunks, self.delay = name, chunks, delay

    def __iter__(self):
        import time
        for c in self.chunks:
            if self.delay:
                time.sleep(self.delay)
            yield c

    def close(self):
        with open(CLOSED_LOG, "a") as f:
            f.write(self.name + "\n")


def app(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ.get("QUERY_STRING", "")
    if path == "/gen":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Recorded(qs or "gen", [b"a" * 1000] * 100)
    if path == "/slowgen":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Recorded(qs or "slowgen", [b"x" * 65536] * 200, delay=0.01)
    if path == "/file":
        f = open(os.environ["NARWHAL_TEST_FILE"], "rb")
        size = os.fstat(f.fileno()).st_size
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
        return environ["wsgi.file_wrapper"](f, 65536)
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"returned"]
    if path == "/big":
        chunk = b"z" * (1 << 20)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(5 * len(chunk)))])
        return [chunk] * 5
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]
