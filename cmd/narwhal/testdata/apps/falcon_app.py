import falcon


class Items:
    def on_get(self, req, resp, item_id):
        resp.media = {"id": item_id, "q": req.get_param("q")}

    def on_post(self, req, resp, item_id):
        resp.media = {"id": item_id, "got": req.get_media()}
        resp.status = falcon.HTTP_201


app = falcon.App()
app.add_route("/items/{item_id}", Items())
