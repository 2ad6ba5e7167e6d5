"""Local development: debug on unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from salesanalytics.settings.base import *  # noqa: F403
from salesanalytics.settings.base import DEBUG, MIDDLEWARE

if DEBUG:
    # runserver serves static files itself while debugging; WhiteNoise is for collected files.
    MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
