"""A WSGI app that reads the whole request body and answers with its length:
the upload app of the side-by-side benchmark (64 KiB POSTs, bench/lua/post.lua)."""


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    got = 0
    while got < length:
        chunk = stream.read(min(65536, length - got))
        if not chunk:
            break
        got += len(chunk)
    body = b"%d\n" % got
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
