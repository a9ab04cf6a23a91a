"""A Falcon app for the bridge's framework tests."""

import hashlib
import os

import falcon

HERE = os.path.abspath(__file__)


class Hello:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "hello falcon"

    on_head = on_get  # Falcon 3 does not map HEAD to GET by itself


class Form:
    def on_post(self, req, resp):
        form = falcon.uri.parse_query_string(req.bounded_stream.read().decode())
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "name=%s" % form["name"]


class Upload:
    def on_post(self, req, resp):
        fields = {}
        data = b""
        for part in req.get_media():
            if part.name == "file":
                data = part.stream.read()
            else:
                fields[part.name] = part.text
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "size=%d sha=%s field=%s" % (
            len(data), hashlib.sha256(data).hexdigest()[:16], fields["field"])


class Meta:
    # Falcon 3.1 has no path converter: a sink takes the whole prefix.
    def __call__(self, req, resp):
        resp.media = {"path": req.path, "path_info": req.env["PATH_INFO"],
                      "query": req.get_param("q"), "host": req.netloc, "scheme": req.scheme}


class Stream:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = (b"part%d;" % i for i in range(5))


class File:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = open(HERE, "rb")
        resp.content_length = os.path.getsize(HERE)


class Fail:
    def on_get(self, req, resp):
        raise RuntimeError("falcon-view-failed")


app = falcon.App()
app.add_route("/hello", Hello())
app.add_route("/form", Form())
app.add_route("/upload", Upload())
app.add_sink(Meta(), "/meta/")
app.add_route("/stream", Stream())
app.add_route("/file", File())
app.add_route("/fail", Fail())
