"""A WSGI app that answers every request with a 1 MiB body in one chunk:
the large-response app of the side-by-side benchmark (bench/matrix_test.go)."""

BODY = bytes(range(256)) * 4096  # 1 MiB, not all one byte, so a check can tell


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(BODY)))])
    return [BODY]
