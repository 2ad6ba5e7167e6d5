"""Test settings: the same backends as the environment selects, made fast."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from salesanalytics.settings.base import *  # noqa: F403
from salesanalytics.settings.base import REST_FRAMEWORK

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"login": "5/min", "register": "1000/min"},
}

# Static files are not collected for tests; WhiteNoise would only warn about it.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# Tasks run in the test process; tests about background jobs start a real worker and turn this off.
CELERY_TASK_ALWAYS_EAGER = True
