"""WSGI test apps for package wsgi's tests.

Every app can also be loaded as ``apps:lint('name')``: wrapped in
wsgiref.validate.validator with its WSGIWarnings turned into errors, and
anything the validator reports outside a request (a failed assertion in
``__del__``, a warning) recorded in PROBLEMS, which the ``state`` app shows.
"""

import hashlib
import io
import json
import os
import sys
import time
import warnings
from wsgiref.validate import WSGIWarning, validator

warnings.simplefilter("error", WSGIWarning)

PROBLEMS = []
CLOSED = []


def _unraisable(hook_args):
    PROBLEMS.append("unraisable: %r" % (hook_args.exc_value,))


sys.unraisablehook = _unraisable


def lint(name, *args):
    app = globals()[name]
    if args:
        app = app(*args)
    return validator(app)


def state(environ, start_response):
    """Report and optionally reset the module's records."""
    body = json.dumps({
        "problems": PROBLEMS,
        "closed": CLOSED,
        "blocks": sys.getallocatedblocks(),
    }).encode()
    if environ["QUERY_STRING"] == "reset":
        del PROBLEMS[:]
        del CLOSED[:]
        del KEPT[:]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "12")])
    return [b"Hello world!"]


def tuple_parts(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return (b"a", b"", b"bc", b"d" * 100000, b"e")


def tail_big(environ, start_response):
    """A list whose last item is past the gathering buffer."""
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [b"head", b"t" * 100000]


def echo(environ, start_response):
    """The environ as {key: [type name, value]} in JSON."""
    out = {}
    for k, v in environ.items():
        if isinstance(v, (str, bool, int)):
            out[k] = [type(v).__name__, v]
        elif isinstance(v, tuple):
            out[k] = ["tuple", list(v)]
        else:
            out[k] = [type(v).__name__, None]
    out["_file_wrapper_is_type"] = ["bool", isinstance(environ["wsgi.file_wrapper"], type)]
    out["_input_body"] = ["str", environ["wsgi.input"].read(1 << 20).decode("latin-1")]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(out).encode()]


def _read_all(inp, mode):
    if mode == "read":
        return [inp.read()]
    if mode == "readn":
        parts = []
        while True:
            b = inp.read(7919)
            if not b:
                return parts
            parts.append(b)
    if mode == "readnone":
        return [inp.read(None)]
    if mode == "readline":
        parts = []
        while True:
            line = inp.readline()
            if not line:
                return parts
            parts.append(line)
    if mode == "readline_n":
        parts = []
        while True:
            line = inp.readline(100)
            if not line:
                return parts
            assert len(line) <= 100
            parts.append(line)
    if mode == "readlines":
        return inp.readlines()
    if mode == "readlines_hint":
        parts = []
        while True:
            lines = inp.readlines(5000)
            if not lines:
                return parts
            parts.extend(lines)
    if mode == "iter":
        return list(inp)
    if mode == "mixed":
        parts = [inp.read(3), inp.readline(), inp.read(70000), inp.readline(5)]
        parts.extend(inp.readlines())
        return parts
    raise ValueError(mode)


def body(environ, start_response):
    """Read wsgi.input the way QUERY_STRING says; report sha256 and shape."""
    inp = environ["wsgi.input"]
    mode = environ["QUERY_STRING"]
    parts = _read_all(inp, mode)
    for p in parts:
        assert type(p) is bytes, type(p)
    if mode in ("readline", "readlines", "iter", "readlines_hint"):
        for p in parts[:-1]:
            assert p.endswith(b"\n"), p[-20:]
    data = b"".join(parts)
    # Past the end every read gives b''.
    if type(inp).__name__ == "Input":  # the validator insists on read(size)
        assert inp.read() == b""
    assert inp.read(10) == b"" and inp.readline() == b""
    assert inp.readlines() == []
    out = {"len": len(data), "sha": hashlib.sha256(data).hexdigest(),
           "parts": len(parts)}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(out).encode()]


class Closing:
    """An iterable whose close() is recorded in CLOSED."""

    def __init__(self, tag, chunks, fail_at=None):
        self.tag = tag
        self.chunks = chunks
        self.fail_at = fail_at

    def __iter__(self):
        for i, c in enumerate(self.chunks):
            if i == self.fail_at:
                raise RuntimeError("boom-in-iteration")
            yield c

    def close(self):
        CLOSED.append(self.tag)


def gen(environ, start_response):
    n = int(environ["QUERY_STRING"] or "10")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Closing("gen", [b"chunk%d\n" % i for i in range(n)])


def gen_big(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return Closing("gen_big", [bytes([i]) * 100000 for i in range(20)])


def gen_fail_after(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Closing("gen_fail_after", [b"one", b"two", b"three"], fail_at=2)


def gen_lazy_start(environ, start_response):
    """start_response called from inside the generator (PEP 3333 allows it)."""
    def body():
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b""
        yield b"lazy"
    return body()


def list_close(environ, start_response):
    """A list subclass with close(): gathered, and still closed."""
    class L(list):
        def close(self):
            CLOSED.append("list_close")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return L([b"x", b"y"])


def fail_before(environ, start_response):
    raise ValueError("boom-before-start")


def fail_after_start(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    raise ValueError("boom-after-start-before-body")


def no_start(environ, start_response):
    return [b"nobody called start_response"]


def nonbytes(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["a str, not bytes"]


def nonbytes_gen(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Closing("nonbytes_gen", [b"ok", "bad"])


def exc_info_before(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise KeyError("replaced")
    except KeyError:
        start_response("503 Service Unavailable",
                       [("Content-Type", "text/plain")], sys.exc_info())
    return [b"sorry"]


def exc_info_after(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        yield b"partial"
        try:
            raise KeyError("boom-exc-info-after")
        except KeyError:
            start_response("500 Internal Server Error",
                           [("Content-Type", "text/plain")], sys.exc_info())
        yield b"never"
    return body()


def twice(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b""]


def writer(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"a")
    write(b"")
    write(b"bb")
    return [b"ccc"]


def write_str(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write("not bytes")
    return []


def headers(environ, start_response):
    """Hop-by-hop headers are dropped, Connection: close is reported."""
    start_response("201 Created", [
        ("Content-Type", "text/plain"),
        ("Connection", "keep-alive, Close"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Server", "app"),
        ("Date", "yesterday"),
        ("X-Multi", "1"),
        ("X-Multi", "2"),
        ("X-Space", "  padded\t"),
        ("X-Latin", "caf\xe9"),
    ])
    return [b"ok"]


def bad_header(environ, start_response):
    """start_response with the header named by QUERY_STRING must raise."""
    cases = {
        "status_int": (200, [("Content-Type", "text/plain")]),
        "status_short": ("20 OK", [("Content-Type", "text/plain")]),
        "status_nospace": ("200OK", [("Content-Type", "text/plain")]),
        "status_crlf": ("200 OK\r\nX: y", [("Content-Type", "text/plain")]),
        "name_space": ("200 OK", [("Bad Name", "x")]),
        "name_colon": ("200 OK", [("Bad:", "x")]),
        "name_bytes": ("200 OK", [(b"X-Bytes", "x")]),
        "value_lf": ("200 OK", [("X-Bad", "a\nb")]),
        "value_nul": ("200 OK", [("X-Bad", "a\x00b")]),
        "value_nonlatin": ("200 OK", [("X-Bad", "\u4e2d")]),
        "value_int": ("200 OK", [("X-Bad", 1)]),
        "not_pair": ("200 OK", [("X-Bad",)]),
        "cl_bad": ("200 OK", [("Content-Length", "12a")]),
        "cl_conflict": ("200 OK", [("Content-Length", "1"), ("Content-Length", "2")]),
    }
    status, hdrs = cases[environ["QUERY_STRING"]]
    try:
        start_response(status, hdrs)
    except (TypeError, ValueError) as e:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [type(e).__name__.encode()]
    return [b"accepted"]


def cl_long(environ, start_response):
    """More bytes than Content-Length: the rest is dropped (gunicorn)."""
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "5")])
    return Closing("cl_long", [b"abc", b"defgh", b"ijk"])


def cl_short(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "100")])
    return [b"only this"]


def file(environ, start_response):
    """file_wrapper over the file named by QUERY_STRING (path[,skip[,cl]])."""
    args = environ["QUERY_STRING"].split(",")
    f = open(args[0], "rb")
    if len(args) > 1:
        f.read(int(args[1]))  # a buffered read: tell() != lseek()
    hdrs = [("Content-Type", "application/octet-stream")]
    if len(args) > 2:
        hdrs.append(("Content-Length", args[2]))
    start_response("200 OK", hdrs)
    return environ["wsgi.file_wrapper"](f)


class TrackedBytesIO(io.BytesIO):
    def close(self):
        CLOSED.append("bytesio")
        super().close()


def file_nofileno(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return environ["wsgi.file_wrapper"](TrackedBytesIO(b"0123456789" * 3000), 4096)


def errors(environ, start_response):
    err = environ["wsgi.errors"]
    err.write("errors-write-marker\n")
    err.writelines(["errors-lines-1\n", "errors-lines-2 caf\xe9\n"])
    err.flush()
    print("stderr-print-marker", file=sys.stderr)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"logged"]


def keep_environ(environ, start_response):
    """Keeps environ past the request: its wsgi.input must read b'' later."""
    prev = KEPT[0] if KEPT else None
    KEPT[:] = [environ]
    late = prev["wsgi.input"].read() if prev else b"first"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [late or b"empty"]


KEPT = []


def stuck_here(environ, start_response):
    while True:
        time.sleep(0.01)


def head(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "11")])
    return Closing("head", [b"hello", b" world"])


def interp(environ, start_response):
    import flask  # noqa: F401 -- Debian's dist-packages must be on sys.path
    out = {"executable": sys.executable, "prefix": sys.prefix,
           "base_prefix": sys.base_prefix, "path": sys.path,
           "version": list(sys.version_info[:3]), "cwd": os.getcwd(),
           "flask": flask.__file__, "env": os.environ.get("NARWHAL_TEST_ENV")}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(out).encode()]


# Loading targets.
class Obj:
    def __init__(self):
        self.attr = hello


obj = Obj()
not_callable = 42
application = hello


def factory(*args, **kwargs):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr((args, kwargs)).encode()]
    return app


def factory_raises():
    raise TypeError("raised-inside-factory")


def factory_none():
    return None


def lint_spec(spec):
    """Any app, wrapped in the validator: apps:lint_spec('module:name')."""
    import importlib
    module, _, name = spec.partition(":")
    return validator(getattr(importlib.import_module(module), name or "application"))


def blocks(environ, start_response):
    """QUERY_STRING one-byte blocks from a generator: per-callback cost."""
    n = int(environ["QUERY_STRING"] or "1")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return (b"x" for _ in range(n))


def broken_pipe(environ, start_response):
    """Write to a socket whose peer is gone, on this thread and on a Python
    thread: Python code expects EPIPE (BrokenPipeError), never a signal."""
    import socket
    import threading

    def attempt(out):
        a, b = socket.socketpair()
        b.close()
        try:
            a.send(b"x" * 100000)
            a.send(b"x")
            out.append("sent")
        except BrokenPipeError:
            out.append("EPIPE")
        finally:
            a.close()

    here, there = [], []
    attempt(here)
    t = threading.Thread(target=attempt, args=(there,))
    t.start()
    t.join()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s %s" % (here[0], there[0])).encode()]


def subproc(environ, start_response):
    """Apps run subprocesses; the worker is a multithreaded Go process."""
    import subprocess
    out = subprocess.run(["/bin/echo", "from-child"], capture_output=True, check=True).stdout
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [out]
