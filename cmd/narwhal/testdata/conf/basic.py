"""TestConfigFileServes: everything needed to serve comes from this file."""
import os

here = os.path.dirname(os.path.abspath(__file__))

workers = 2
bind = "127.0.0.1:0"
pythonpath = os.path.join(here, "..", "apps")
wsgi_app = "environ_echo:app"
# gunicorn puts raw_env into os.environ in each worker; SCRIPT_NAME is read
# from there, so the environ_echo app shows it.
raw_env = ["SCRIPT_NAME=/mounted", "NARWHAL_RAW_ENV=from-file"]
# gunicorn's forked workers inherit what the config file puts in os.environ.
os.environ["NARWHAL_CONF_OS_ENV"] = "set-by-config"
print("basic.py executed")
