"""A config given as python:config_module (gunicorn's -c python:MODULE)."""

workers = 5
bind = "127.0.0.1:9"


def on_starting(server):
    pass
