from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def index():
    return "flask index"


@app.route("/json")
def data():
    return jsonify({"k%d" % i: i for i in range(10)})


@app.route("/echo", methods=["POST"])
def echo():
    return jsonify(form=request.form.to_dict(), args=request.args.to_dict(), length=request.content_length)
