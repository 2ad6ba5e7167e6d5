"""Local development: debug on unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from salesanalytics.settings.base import *  # noqa: F403
