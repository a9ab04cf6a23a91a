"""A Bottle app for the bridge's framework tests."""

import hashlib
import os

import bottle

HERE = os.path.abspath(__file__)
app = bottle.Bottle()
bottle.BaseRequest.MEMFILE_MAX = 20 * 1024 * 1024


@app.get("/hello")
def hello():
    bottle.response.content_type = "text/plain"
    return "hello bottle"


@app.post("/form")
def form():
    bottle.response.content_type = "text/plain"
    return "name=%s" % bottle.request.forms.getunicode("name")


@app.post("/upload")
def upload():
    data = bottle.request.files["file"].file.read()
    bottle.response.content_type = "text/plain"
    return "size=%d sha=%s field=%s" % (
        len(data), hashlib.sha256(data).hexdigest()[:16], bottle.request.forms.getunicode("field"))


@app.get("/meta/<rest:path>")
def meta(rest):
    r = bottle.request
    return {"path": r.path, "path_info": r.environ["PATH_INFO"],
            "query": r.query.getunicode("q"), "host": r.urlparts.netloc, "scheme": r.urlparts.scheme}


@app.get("/stream")
def stream():
    bottle.response.content_type = "text/plain"
    return (b"part%d;" % i for i in range(5))


@app.get("/file")
def file():
    return bottle.static_file(os.path.basename(HERE), root=os.path.dirname(HERE),
                              mimetype="text/plain")


@app.get("/fail")
def fail():
    raise RuntimeError("bottle-view-failed")
