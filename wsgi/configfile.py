"""narwhal's config file loader: gunicorn's -c/--config, in Python.

Compiled on first use (from the file embedded in the Go package) into the
module ``_narwhal_config``. load() executes a config file or imports a
``python:`` module as gunicorn's Application.load_config_from_module_name_or_
filename does, and encodes its globals for Go (configfile.go decodes them):

    N T F            None, True, False
    i <int64>        int and its subclasses (IntEnum), within int64
    f <float64>      float
    s <str>          str: uint32 length + UTF-8 (surrogateescape)
    l <n> items      list, tuple, set, frozenset
    d <n> (str, v)   dict; keys that are not str are given as str(key)
    c <n> <str> <n>  callable: index into the returned list, __qualname__,
                     arity (gunicorn's util.get_arity; -1 if unknown)
    o <str> <str>    anything else: type name, str(value)

Numbers are little endian; <n> is a uint32, <int64> and <float64> 8 bytes.
"""

import importlib.machinery
import os
import struct
import sys

_u32 = struct.Struct("<I").pack
_i64 = struct.Struct("<q").pack
_f64 = struct.Struct("<d").pack
_i32 = struct.Struct("<i").pack

# gunicorn's validate_class settings: a function there is called for its
# value, and a class is kept (see _class_value).
_CLASS_SETTINGS = ("worker_class", "logger_class")


def _exec_file(filename):
    """gunicorn app/base.py get_config_from_filename, minus its exit."""
    import importlib.util

    module_name = "__config__"
    if os.path.splitext(filename)[1] == ".pyc":
        spec = importlib.util.spec_from_file_location(module_name, filename)
    else:
        spec = importlib.util.spec_from_file_location(
            module_name, filename, loader=_SourceLoader(module_name, filename))
        # Compiled from the current source every time: a HUP must see an
        # edit even when the __pycache__ entry has the same size and mtime
        # second (gunicorn would reuse it). The code's file name is the
        # spec's absolute one, as in gunicorn's tracebacks.
        spec.loader = _SourceLoader(module_name, spec.origin)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = mod
    spec.loader.exec_module(mod)
    return mod


class _SourceLoader(importlib.machinery.SourceFileLoader):
    """A SourceFileLoader that neither reads nor writes __pycache__."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


def load(spec):
    """Execute spec and return (encoded, callables).

    The encoding is a list: ["ok", globals, environ changes] with None for a
    removed variable, or ["error", file, line, summary, traceback].
    """
    try:
        return _load(spec)
    finally:
        # The process may exit from Go next (--check-config, an error):
        # what the file printed must not stay in Python's buffers.
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except Exception:
                pass


def _load(spec):
    before = dict(os.environ)
    filename = None
    try:
        if spec.startswith("python:"):
            # gunicorn's get_config_from_module_name: a plain import, so a
            # module already imported is not executed again.
            mod = importlib.import_module(spec[len("python:"):])
        else:
            filename = os.path.abspath(spec)
            mod = _exec_file(spec)
        names = {}
        for k, v in vars(mod).items():
            # Settings never start with "_"; gunicorn ignores other names.
            if isinstance(k, str) and not k.startswith("_"):
                if k in _CLASS_SETTINGS:
                    v = _class_value(v)
                names[k] = v
    except BaseException as e:
        return _encode(["error"] + _describe(e, filename), []), []
    after = dict(os.environ)
    env = {k: v for k, v in after.items() if before.get(k) != v}
    env.update({k: None for k in before if k not in after})
    objs = []
    return _encode(["ok", names, env], objs), objs


def _class_value(v):
    """gunicorn's validate_class, as far as narwhal's validators need it.

    A function or method is called and its result used. A class of
    gunicorn's own becomes its import path, which narwhal's validators
    know ("gunicorn.workers.gthread.ThreadWorker"); any other class stays a
    callable, which they refuse by name.
    """
    import inspect
    if inspect.isfunction(v) or inspect.ismethod(v):
        v = v()
    if inspect.isclass(v) and v.__module__.startswith("gunicorn."):
        return v.__module__ + "." + v.__qualname__
    return v


def _arity(f):
    """gunicorn util.get_arity: the number of positional parameters."""
    import inspect
    try:
        sig = inspect.signature(f)
    except Exception:  # TypeError, ValueError: no signature
        return -1
    positionals = (inspect.Parameter.POSITIONAL_ONLY,
                   inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in sig.parameters.values() if p.kind in positionals)


def _str(v):
    try:
        return str(v)
    except Exception:
        try:
            return repr(v)
        except Exception:
            return "<unprintable %s object>" % type(v).__name__


def _bytes(s):
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace")


def _encode(value, objs):
    out = []
    active = set()  # ids of the containers being encoded: cycles

    def text(s):
        b = _bytes(s)
        out.append(_u32(len(b)))
        out.append(b)

    def other(v):
        out.append(b"o")
        text(type(v).__qualname__)
        text(_str(v))

    def enc(v):
        if v is None:
            out.append(b"N")
        elif v is True or v is False:
            out.append(b"T" if v else b"F")
        elif isinstance(v, int):
            if -(1 << 63) <= v < (1 << 63):
                out.append(b"i")
                out.append(_i64(int(v)))
            else:
                other(v)
        elif isinstance(v, float):
            out.append(b"f")
            out.append(_f64(float(v)))
        elif isinstance(v, str):
            out.append(b"s")
            text(str.__str__(v))
        elif isinstance(v, (list, tuple, set, frozenset, dict)):
            if id(v) in active:
                other(v)
                return
            active.add(id(v))
            if isinstance(v, dict):
                out.append(b"d")
                out.append(_u32(len(v)))
                for k, item in list(v.items()):
                    text(k if isinstance(k, str) else _str(k))
                    enc(item)
            else:
                items = list(v)
                out.append(b"l")
                out.append(_u32(len(items)))
                for item in items:
                    enc(item)
            active.discard(id(v))
        elif callable(v):
            out.append(b"c")
            out.append(_u32(len(objs)))
            objs.append(v)
            name = getattr(v, "__qualname__", None)
            text(name if isinstance(name, str) else type(v).__qualname__)
            out.append(_i32(_arity(v)))
        else:
            other(v)

    enc(value)
    return b"".join(out)


def _describe(e, filename):
    """[file, line, summary, traceback] of an exception from a config file.

    The place is the config file's own line when it is in the traceback
    (or the SyntaxError is in it), else the innermost frame. The traceback
    is Python's, without this module's and importlib's frames.
    """
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if not _hidden(f.filename)]
    summary = traceback.format_exception_only(type(e), e)[-1].strip()
    where, line = "", 0
    if isinstance(e, SyntaxError) and e.filename and e.lineno:
        if filename is None or _same(e.filename, filename):
            where, line = e.filename, e.lineno
            summary = "%s: %s" % (type(e).__name__, e.msg)
        else:  # in a module the file imports: "... (helper.py, line 2)"
            summary = "%s: %s" % (type(e).__name__, _str(e))
    if not where:
        mine = [f for f in frames if filename is not None and _same(f.filename, filename)]
        pick = mine[-1] if mine else (frames[-1] if frames else None)
        if pick is not None:
            where, line = pick.filename, pick.lineno or 0
    text = ""
    if frames:
        text = "Traceback (most recent call last):\n"
        text += "".join(traceback.StackSummary.from_list(frames).format())
    text += "".join(traceback.format_exception_only(type(e), e))
    return [where, line, summary, text]


def _hidden(filename):
    return (filename == __file__ or filename.startswith("<frozen importlib")
            or filename == importlib.__file__)


def _same(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
