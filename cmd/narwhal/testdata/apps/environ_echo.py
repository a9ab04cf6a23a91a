"""Returns the WSGI environ as JSON: every str/int/bool value as is, other
objects as their type name, so tests can assert keys, types and values."""
import json


def describe(v):
    if isinstance(v, (str, bool, int)) or v is None:
        return v
    if isinstance(v, tuple):
        return {"tuple": list(v)}
    return {"type": type(v).__name__}


def app(environ, start_response):
    out = {k: describe(v) for k, v in environ.items()}
    out["_types"] = {k: type(v).__name__ for k, v in environ.items()}
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n) if n else environ["wsgi.input"].read(-1) if environ.get("HTTP_TRANSFER_ENCODING") else b""
    out["_body_len"] = len(body)
    data = json.dumps(out, sort_keys=True).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
