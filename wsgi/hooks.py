"""Server hooks (gunicorn.conf.py's on_starting, post_fork, pre_request,
...): the objects they receive and the calls that run them, executed as the
_narwhal_hooks module.

gunicorn passes its Arbiter, Worker, Request and Response objects; hook
code uses a small part of them (server.log, server.cfg, server.pid,
worker.pid, worker.age, worker.log, req.method, req.path, req.headers,
resp.status), which these classes provide. A hook that raises is logged
with its traceback and the server goes on, as in gunicorn.
"""
import json
import os
import time
import traceback

_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
_fd = 2
_level = 20
_cfg = None


def setup(fd, level, cfg_json):
    """Where log lines go, which level passes, and the settings for cfg."""
    global _fd, _level, _cfg
    _fd = fd
    _level = _LEVELS.get(level, 20)
    _cfg = Config(json.loads(cfg_json))


class Log:
    """gunicorn's glogging.Logger, as far as hook code uses it: lines in
    narwhal's (gunicorn's) error-log format, on the error log."""

    def _log(self, level, name, msg, args, exc=False):
        if level < _level:
            return
        try:
            text = msg % args if args else str(msg)
        except Exception:
            text = "%s %r" % (msg, args)
        if exc:
            text += "\n" + traceback.format_exc().rstrip()
        line = "[%s] [%d] [%s] %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S %z"), os.getpid(), name, text)
        os.write(_fd, line.encode("utf-8", "replace"))

    def debug(self, msg, *args, **kwargs):
        self._log(10, "DEBUG", msg, args)

    def info(self, msg, *args, **kwargs):
        self._log(20, "INFO", msg, args)

    def warning(self, msg, *args, **kwargs):
        self._log(30, "WARNING", msg, args)

    warn = warning

    def error(self, msg, *args, **kwargs):
        self._log(40, "ERROR", msg, args)

    def critical(self, msg, *args, **kwargs):
        self._log(50, "CRITICAL", msg, args)

    def exception(self, msg, *args, **kwargs):
        self._log(40, "ERROR", msg, args, exc=True)

    def log(self, lvl, msg, *args, **kwargs):
        if isinstance(lvl, str):
            lvl = _LEVELS.get(lvl.lower(), 20)
        name = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}.get(lvl, "INFO")
        self._log(lvl, name, msg, args)

    def reopen_files(self):
        pass

    def close_on_exec(self):
        pass


LOG = Log()


class Config:
    """server.cfg and worker.cfg: every setting as an attribute."""

    def __init__(self, values):
        self.__dict__.update(values)

    @property
    def settings(self):
        return dict(self.__dict__)


class Server:
    """The master (gunicorn's Arbiter) as hooks see it."""

    def __init__(self, pid, num_workers, proc_name, master_name="Master"):
        self.pid = pid
        self.num_workers = num_workers
        self.proc_name = proc_name
        self.master_name = master_name
        self.cfg = _cfg
        self.log = LOG

    def __repr__(self):
        return "<narwhal.Arbiter %s>" % self.pid


class Worker:
    """A worker as hooks see it; in the master before it started (pre_fork)
    its pid is None."""

    def __init__(self, pid, ppid, age):
        self.pid = pid
        self.ppid = ppid
        self.age = age
        self.cfg = _cfg
        self.log = LOG
        self.alive = True
        self.booted = pid is not None

    def __str__(self):
        return "<Worker %s>" % self.pid


class Request:
    """pre_request's and post_request's req, built from the environ."""

    def __init__(self, environ):
        self.method = environ.get("REQUEST_METHOD")
        self.uri = environ.get("RAW_URI")
        self.path = environ.get("PATH_INFO")
        self.query = environ.get("QUERY_STRING")
        self.fragment = ""
        proto = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
        self.version = tuple(int(x) for x in proto.split("/", 1)[1].split("."))
        self.scheme = environ.get("wsgi.url_scheme")
        self.remote_addr = environ.get("REMOTE_ADDR")
        self.headers = [(k[5:].replace("_", "-"), v) for k, v in environ.items() if k.startswith("HTTP_")]
        for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if k in environ:
                self.headers.append((k.replace("_", "-"), environ[k]))


class Response:
    """post_request's resp: what the app started."""

    def __init__(self):
        self.status = None
        self.status_code = None
        self.headers = []
        self.sent = 0


def _build(spec):
    kind = spec.pop("_kind", None) if isinstance(spec, dict) else None
    if kind == "server":
        return Server(**spec)
    if kind == "worker":
        return Worker(**spec)
    return spec


def call(fn, name, spec_json):
    """Run a hook; an exception is logged, never raised (gunicorn)."""
    try:
        fn(*[_build(a) for a in json.loads(spec_json)])
    except Exception:
        LOG.exception("Exception in %s hook", name)


class _Closing:
    """The app's result, with post_request after its close()."""

    def __init__(self, result, after):
        self._result = result
        self._after = after

    def __iter__(self):
        return iter(self._result)

    def close(self):
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._after()


def wrap(app, pre, post, worker_json):
    """The app with pre_request before and post_request after each
    request, as gunicorn's handle_request calls them."""
    worker = _build(json.loads(worker_json))

    def run_post(req, environ, resp):
        try:
            post(worker, req, environ, resp)
        except Exception:
            LOG.exception("Exception in post_request hook")

    def wrapped(environ, start_response):
        req = Request(environ)
        if pre is not None:
            try:
                pre(worker, req)
            except Exception:
                LOG.exception("Exception in pre_request hook")
        resp = Response()

        def sr(status, headers, exc_info=None):
            resp.status = status
            try:
                resp.status_code = int(status.split(None, 1)[0])
            except ValueError:
                pass
            resp.headers = headers
            if exc_info is not None:
                return start_response(status, headers, exc_info)
            return start_response(status, headers)

        try:
            result = app(environ, sr)
        except BaseException:
            if post is not None:
                run_post(req, environ, resp)
            raise
        if post is None:
            return result
        return _Closing(result, lambda: run_post(req, environ, resp))

    return wrapped
