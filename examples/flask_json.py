"""A Flask view that returns a JSON object of ten keys: the "framework
overhead" app of the side-by-side benchmark (bench/matrix_test.go)."""
from flask import Flask, jsonify

app = Flask(__name__)

PAYLOAD = {
    "id": 12345,
    "name": "narwhal",
    "kind": "wsgi-server",
    "language": "go",
    "workers": 2,
    "ratio": 3.5,
    "active": True,
    "tags": ["http", "wsgi", "prefork"],
    "owner": {"login": "narwhalhq", "id": 1},
    "message": "Hello, World!",
}


@app.route("/")
def index():
    return jsonify(PAYLOAD)
