"""Calls a slow upstream HTTP server (the URL is the query string) with
urllib or requests, to show that the gevent-like class yields while a
request waits on the network."""
import urllib.parse
import urllib.request


def app(environ, start_response):
    url = urllib.parse.unquote(environ["QUERY_STRING"])
    if environ["PATH_INFO"] == "/requests":
        import requests
        body = requests.get(url, timeout=10).content
    else:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
