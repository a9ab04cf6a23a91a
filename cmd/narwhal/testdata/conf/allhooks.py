# Every server hook gunicorn 23 runs (but ssl_context), each appending its
# name, the pid of the process it ran in and what it saw to a file.
import os

LOG = os.environ["NARWHAL_TEST_HOOK_LOG"]
workers = 2


def _rec(*words):
    with open(LOG, "a") as f:
        f.write(" ".join(str(w) for w in words) + " pid=%d\n" % os.getpid())


def on_starting(server):
    _rec("on_starting", server.pid, server.cfg.workers)


def on_reload(server):
    _rec("on_reload", server.pid)


def when_ready(server):
    server.log.info("when_ready hook says hello")
    _rec("when_ready", server.pid)


def pre_fork(server, worker):
    _rec("pre_fork", worker.pid, worker.age)


def post_fork(server, worker):
    _rec("post_fork", worker.pid, worker.age)


def post_worker_init(worker):
    _rec("post_worker_init", worker.pid)


def worker_int(worker):
    _rec("worker_int", worker.pid)


def worker_abort(worker):
    _rec("worker_abort", worker.pid)


def pre_exec(server):
    _rec("pre_exec", server.pid)


def pre_request(worker, req):
    _rec("pre_request", req.method, req.path)
    if req.path == "/boom":
        raise RuntimeError("a broken pre_request hook")


def post_request(worker, req, environ, resp):
    _rec("post_request", req.path, resp.status_code)


def child_exit(server, worker):
    _rec("child_exit", worker.pid)


def worker_exit(server, worker):
    _rec("worker_exit", worker.pid)


def nworkers_changed(server, new_value, old_value):
    _rec("nworkers_changed", new_value, old_value)


def on_exit(server):
    _rec("on_exit", server.pid)
