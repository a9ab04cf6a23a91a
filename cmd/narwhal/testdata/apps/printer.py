"""Writes to stdout and stderr on every request (--capture-output tests)."""

import os
import sys


def app(environ, start_response):
    # Block-buffered unless PYTHONUNBUFFERED: flushed when the worker exits.
    print("printer-stdout-marker")
    print("printer-stderr-marker", file=sys.stderr)
    # Straight to descriptor 2, past Python's sys.stderr.
    os.write(2, b"printer-fd2-marker\n")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"printed\n"]
