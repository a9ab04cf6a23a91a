"""Request-body readers: each path reads wsgi.input a different way and
answers with the byte count and sha256 of what it read."""
import hashlib


def app(environ, start_response):
    inp = environ["wsgi.input"]
    path = environ["PATH_INFO"]
    h = hashlib.sha256()
    n = 0
    lines = 0
    if path == "/read":
        data = inp.read()
        h.update(data)
        n = len(data)
    elif path == "/readn":
        while True:
            chunk = inp.read(7919)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
    elif path == "/readline":
        while True:
            line = inp.readline()
            if not line:
                break
            lines += 1
            h.update(line)
            n += len(line)
    elif path == "/readlines":
        for line in inp.readlines():
            lines += 1
            h.update(line)
            n += len(line)
    elif path == "/iter":
        for line in inp:
            lines += 1
            h.update(line)
            n += len(line)
    past = inp.read(10)
    body = ("%d %s %d %r" % (n, h.hexdigest(), lines, past)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
