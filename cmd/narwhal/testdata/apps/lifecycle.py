"""An app for the master's lifecycle tests: which worker answered, slow
requests, and a request that never returns to Go (a pure-Python loop)."""
import os
import time


def spin_forever():
    n = 0
    while True:
        n += 1


LEAK = []


def slow_function(seconds):
    time.sleep(seconds)


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/slowfn":
        slow_function(float(environ.get("QUERY_STRING") or "1"))
        body = b"done"
    elif path == "/leak":
        LEAK.append(bytearray(16 << 20))  # 16 MiB that is never freed
        body = b"%d" % os.getpid()
    elif path == "/sleep":
        time.sleep(float(environ.get("QUERY_STRING") or "1"))
        body = b"slept %d" % os.getpid()
    elif path == "/spin":
        spin_forever()
    else:
        body = b"%d" % os.getpid()
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Pid", str(os.getpid()))])
    return [body]
