"""narwhal's Python-side helpers for the wsgi bridge.

Compiled once by Init (from the file embedded in the Go package) into the
module ``_narwhal``. Only the slow paths live here: start-up paths, app
loading, traceback formatting and stack dumps. The request path is C.
"""

import os
import sys


class AppImportError(Exception):
    """gunicorn.errors.AppImportError: a load failure shown without traceback."""


def setup(chdir, pythonpath, errfd):
    # gunicorn app/base.py chdir(): chdir before loading and put the
    # directory first on sys.path (default: the current directory).
    chdir = os.path.abspath(chdir) if chdir else os.getcwd()
    os.chdir(chdir)
    if chdir not in sys.path:
        sys.path.insert(0, chdir)
    # gunicorn app/base.py run(): each --pythonpath entry is made absolute
    # and inserted at the front, in order.
    for path in pythonpath:
        path = os.path.abspath(path)
        if path not in sys.path:
            sys.path.insert(0, path)
    if errfd != 2:
        sys.stderr = open(errfd, "w", buffering=1, encoding="utf-8",
                          errors="backslashreplace", closefd=False)


def _called_with_wrong_args(f, tb):
    # gunicorn util._called_with_wrong_args: did the TypeError come from the
    # call itself (bad factory arguments) or from inside the factory?
    while tb is not None:
        if tb.tb_frame.f_code is getattr(f, "__code__", None):
            return False
        tb = tb.tb_next
    return True


def import_app(module):
    """gunicorn 20.1 util.import_app, message for message."""
    import ast
    import importlib

    parts = module.split(":", 1)
    if len(parts) == 1:
        obj = "application"
    else:
        module, obj = parts[0], parts[1]

    try:
        mod = importlib.import_module(module)
    except ImportError:
        if module.endswith(".py") and os.path.exists(module):
            msg = "Failed to find application, did you mean '%s:%s'?"
            raise ImportError(msg % (module.rsplit(".", 1)[0], obj))
        raise

    try:
        expression = ast.parse(obj, mode="eval").body
    except SyntaxError:
        raise AppImportError(
            "Failed to parse %r as an attribute name or function call." % obj)

    attrs = []
    # Extension over gunicorn 20.1: a dotted "obj.attr" target (gunicorn
    # 20.0 allowed it through eval); each part is a plain getattr.
    while isinstance(expression, ast.Attribute):
        attrs.insert(0, expression.attr)
        expression = expression.value
    if attrs and not isinstance(expression, ast.Name):
        raise AppImportError(
            "Failed to parse %r as an attribute name or function call." % obj)

    if isinstance(expression, ast.Name):
        name = expression.id
        args = kwargs = None
    elif isinstance(expression, ast.Call):
        if not isinstance(expression.func, ast.Name):
            raise AppImportError(
                "Function reference must be a simple name: %r" % obj)
        name = expression.func.id
        try:
            args = [ast.literal_eval(arg) for arg in expression.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value)
                      for kw in expression.keywords}
        except ValueError:
            raise AppImportError(
                "Failed to parse arguments as literal values: %r" % obj)
    else:
        raise AppImportError(
            "Failed to parse %r as an attribute name or function call." % obj)

    try:
        app = getattr(mod, name)
    except AttributeError:
        raise AppImportError(
            "Failed to find attribute %r in %r." % (name, module))
    for attr in attrs:
        try:
            app = getattr(app, attr)
        except AttributeError:
            raise AppImportError(
                "Failed to find attribute %r in %r." % (attr, name))
        name = attr

    if args is not None:
        try:
            app = app(*args, **kwargs)
        except TypeError as e:
            if _called_with_wrong_args(app, e.__traceback__.tb_next):
                import traceback
                raise AppImportError(
                    "".join(traceback.format_exception_only(TypeError, e)).strip())
            raise

    if app is None:
        raise AppImportError("Failed to find application object: %r" % obj)
    if not callable(app):
        raise AppImportError("Application object must be callable.")
    return app


def paste_global_conf(raw):
    """gunicorn Config.paste_global_conf: --paste-global KEY=VALUE entries
    as a dict; a backslash escapes an "=" in the key or the value."""
    import re
    conf = {}
    for s in raw:
        try:
            k, v = re.split(r"(?<!\\)=", s, maxsplit=1)
        except ValueError:
            # gunicorn raises RuntimeError with these words; the traceback
            # would only show this module, so it is left out.
            raise AppImportError("environment setting %r invalid" % s)
        conf[k.replace("\\=", "=")] = v.replace("\\=", "=")
    return conf


def load_pasteapp(config_uri, raw_global_conf, logging_config):
    """gunicorn's --paste (20.1 and 23 alike): WSGIApplication.load_pasteapp
    and pasterapp.get_wsgi_app. config_uri is the absolute ini path with an
    optional "#app_section" that PasteDeploy reads as the app's name."""
    defaults = paste_global_conf(raw_global_conf)
    try:
        from paste.deploy import loadapp
    except ImportError as e:
        raise AppImportError(
            "--paste needs PasteDeploy, which cannot be imported (%s); "
            "install Debian's python3-pastedeploy" % e)
    if logging_config:
        _paste_logging(config_uri.split("#")[0])
    if ":" not in config_uri:
        config_uri = "config:%s" % config_uri
    return loadapp(config_uri, name=None, relative_to=os.getcwd(),
                   global_conf=defaults)


def _paste_logging(config_file):
    # gunicorn's WSGIApplication.init makes an ini with a [loggers] section
    # its logconfig, which glogging.Logger.setup passes to fileConfig. The
    # server's own log lines are Go's, so here it configures the app's
    # Python logging only, in the worker, before the app is loaded.
    import configparser
    parser = configparser.ConfigParser()
    parser.read([config_file])
    if not parser.has_section("loggers"):
        return
    import logging.config
    logging.config.fileConfig(
        config_file,
        defaults={"__file__": config_file,
                  "here": os.path.dirname(config_file)},
        disable_existing_loggers=False)


def load_app(spec, env, paste=None, paste_logging=False):
    """Apply raw_env, import the app: (app, script_name, msg, traceback).
    paste is None for an APP_MODULE spec, else the --paste-global entries
    and spec is a PasteDeploy config URI."""
    # gunicorn workers/base.py init_process: cfg.env goes into os.environ.
    for k, v in env.items():
        os.environ[k] = v
    script_name = os.environ.get("SCRIPT_NAME", "")
    try:
        if paste is not None:
            return (load_pasteapp(spec, paste, paste_logging), script_name, "", "")
        return (import_app(spec), script_name, "", "")
    except AppImportError as e:
        return (None, script_name, str(e), "")
    except BaseException as e:
        import traceback
        msg = "".join(traceback.format_exception_only(type(e), e)).strip()
        return (None, script_name, msg, format_exc(e))


def flush_stdio():
    """Flush sys.stdout and sys.stderr, as the interpreter's finalization
    does when a gunicorn worker exits (narwhal's exits without it)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def format_exc(exc):
    """The traceback of exc as Python prints it, minus this module's frames."""
    import traceback
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


class RequestTimeout(BaseException):
    """Raised inside a request that ran past request_timeout. A
    BaseException, like gevent.Timeout, so the app's `except Exception`
    does not swallow it; the server answers 504 Gateway Timeout."""


def thread_stack(ident):
    """One thread's stack, most recent call last, as tracebacks show it."""
    import traceback
    frame = sys._current_frames().get(ident)
    if frame is None:
        return "(no Python frame)\n"
    return "".join(traceback.format_stack(frame))


def dump_stacks(me):
    """Every thread's stack but thread me's (the caller's real thread id:
    under gevent, threading.get_ident names greenlets), formatted like
    faulthandler.dump_traceback."""
    import threading
    import traceback
    names = {t.ident: t.name for t in threading.enumerate()}
    out = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        out.append("Thread 0x%016x (%s) (most recent call first):\n"
                   % (ident, names.get(ident, "app thread")))
        for fs in reversed(traceback.extract_stack(frame)):
            out.append('  File "%s", line %s in %s\n'
                       % (fs.filename, fs.lineno, fs.name))
        out.append("\n")
    return "".join(out)
