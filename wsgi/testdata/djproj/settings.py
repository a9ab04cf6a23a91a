"""A minimal Django project for the bridge's tests: no database."""

SECRET_KEY = "narwhal-test-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "djproj.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
LOGGING_CONFIG = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
