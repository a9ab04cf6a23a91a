"""A Flask app for the bridge's framework tests."""

import hashlib
import os

from flask import Flask, Response, jsonify, request, send_file

app = Flask(__name__)
HERE = os.path.abspath(__file__)


@app.route("/hello")
def hello():
    return Response("hello flask", mimetype="text/plain")


@app.route("/form", methods=["POST"])
def form():
    return Response("name=%s" % request.form["name"], mimetype="text/plain")


@app.route("/upload", methods=["POST"])
def upload():
    data = request.files["file"].read()
    return Response("size=%d sha=%s field=%s" % (
        len(data), hashlib.sha256(data).hexdigest()[:16], request.form["field"]),
        mimetype="text/plain")


@app.route("/meta/<path:rest>")
def meta(rest):
    return jsonify(path=request.path, path_info=request.environ["PATH_INFO"],
                   query=request.args.get("q"), host=request.host, scheme=request.scheme)


@app.route("/stream")
def stream():
    return Response((b"part%d;" % i for i in range(5)), mimetype="text/plain")


@app.route("/file")
def file():
    return send_file(HERE, mimetype="text/plain")


@app.route("/fail")
def fail():
    raise RuntimeError("flask-view-failed")
