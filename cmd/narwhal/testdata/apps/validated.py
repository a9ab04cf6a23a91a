"""wrap('module', 'attr') returns module.attr wrapped in wsgiref's PEP 3333
validator with its warnings turned into errors, so any violation shows as a
500 and a traceback."""
import importlib
import warnings
from wsgiref.validate import WSGIWarning, validator

warnings.simplefilter("error", WSGIWarning)


def wrap(module, attr="app"):
    return validator(getattr(importlib.import_module(module), attr))
