"""TestConfigFilePrintConfigParity: the same file read by Debian's gunicorn
and by narwhal; --print-config must agree on every setting named here."""
workers = 3
threads = 2
bind = ["127.0.0.1:8123", "unix:/tmp/narwhal-parity.sock"]
backlog = 64
timeout = 45
graceful_timeout = 7
keepalive = 3
max_requests = 1000
max_requests_jitter = 50
worker_class = "gthread"
worker_connections = 500
proc_name = "parity-app"
loglevel = "warning"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s'
raw_env = ("A=1", "B=two words")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarded_allow_ips = "10.0.0.1,10.0.0.2"
limit_request_line = 8190
limit_request_fields = 50
umask = 0o22
daemon = False
capture_output = False
reuse_port = True
pidfile = "/tmp/narwhal-parity.pid"
preload_app = False
sendfile = False
disable_redirect_access_to_syslog = True
proxy_protocol = False
strip_header_spaces = False


def post_fork(server, worker):
    pass


def pre_request(worker, req):
    pass
