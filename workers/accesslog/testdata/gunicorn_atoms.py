# Renders access-log lines with gunicorn's own code, for the differential
# test in python_test.go: stdin is a JSON object {"formats": [...],
# "records": [...]}; stdout is a JSON list, per record, of a list, per
# format, of {"out": str} or {"error": str}.
#
# The atoms come from the installed gunicorn's Logger.atoms and SafeAtoms
# (identical in 20.1 and 23.0), with _get_user replaced by gunicorn 23.0's
# (20.1 decodes the whole credential as UTF-8 and requires a ':').
# Strings arrive latin-1 decoded, as gunicorn's environ holds them.

import base64
import binascii
import datetime
import json
import sys
import time

from gunicorn.glogging import Logger, SafeAtoms


class Resp:
    def __init__(self, rec):
        self.status = rec["status"]
        self.sent = rec["sent"]
        self.headers = [tuple(h) for h in rec["resp_headers"]]


class Req:
    def __init__(self, rec):
        # gunicorn's parser upper-cases names (http/message.py).
        self.headers = [(n.upper(), v) for n, v in rec["req_headers"]]


def environ_of(rec, req):
    env = {
        "REQUEST_METHOD": rec["method"],
        "RAW_URI": rec["raw_uri"],
        "SERVER_PROTOCOL": rec["protocol"],
        "PATH_INFO": rec["path_info"],
        "QUERY_STRING": rec["query"],
        "REMOTE_ADDR": rec["remote_addr"],
    }
    # gunicorn http/wsgi.py create(): repeated headers are joined with ",".
    for name, value in req.headers:
        if name in ("CONTENT-TYPE", "CONTENT-LENGTH"):
            continue
        key = "HTTP_" + name.replace("-", "_")
        if key in env:
            value = "%s,%s" % (env[key], value)
        env[key] = value
    for name, value in rec["env"]:
        env[name] = value
    return env


class Log(Logger):
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now

    def debug(self, *args, **kwargs):
        pass

    # gunicorn 23.0 glogging.py
    def _get_user(self, environ):
        user = None
        http_auth = environ.get("HTTP_AUTHORIZATION")
        if http_auth and http_auth.lower().startswith('basic'):
            auth = http_auth.split(" ", 1)
            if len(auth) == 2:
                try:
                    auth = base64.b64decode(auth[1].strip().encode('utf-8'))
                    user = auth.split(b":", 1)[0].decode("UTF-8")
                except (TypeError, binascii.Error, UnicodeDecodeError) as exc:
                    self.debug("Couldn't get username: %s", exc)
        return user


def main():
    data = json.load(sys.stdin)
    results = []
    for rec in data["records"]:
        now = time.strftime('[%d/%b/%Y:%H:%M:%S %z]', time.localtime(rec["unix"]))
        req, resp = Req(rec), Resp(rec)
        env = environ_of(rec, req)
        delta = datetime.timedelta(microseconds=rec["micros"])
        atoms = Log(now).atoms(resp, req, env, delta)
        atoms["p"] = "<%d>" % rec["pid"]
        safe = SafeAtoms(atoms)
        row = []
        for fmt in data["formats"]:
            try:
                row.append({"out": fmt % safe})
            except Exception as exc:
                row.append({"error": "%s: %s" % (type(exc).__name__, exc)})
        results.append(row)
    json.dump(results, sys.stdout)


main()
