"""Deployment checks (``manage.py check --deploy``): the backends the settings name can be loaded.

Celery loads its broker transport and result backend, and Django its cache
client, on first use: a package missing from the environment would only show
as a 500 on the first request that needs one. These checks load them at once,
without connecting to anything.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

HINT = "Install the runtime requirements: pip install -r requirements.txt."


def _celery_broker_transport() -> None:
    from salesanalytics.celery import app

    app.connection_for_write().transport  # noqa: B018 - resolving it imports the transport module


def _celery_result_backend() -> None:
    from salesanalytics.celery import app

    app.backend  # noqa: B018 - resolving it imports the backend module


def _cache_client() -> None:
    from django.core.cache import caches

    getattr(caches["default"], "client", None)  # django-redis builds its client class here


def _loads(check_id: str, what: str, load: Callable[[], None]) -> list[CheckMessage]:
    try:
        load()
    except Exception as exc:  # whatever loading raised is the message
        return [Error(f"The {what} cannot be loaded: {exc.__class__.__name__}: {exc}", hint=HINT, id=check_id)]
    return []


@register(Tags.compatibility, deploy=True)
def backends_load(app_configs, **kwargs) -> list[CheckMessage]:
    """The broker transport, result backend and cache client of these settings load here."""
    messages = _loads("common.E003", "cache client", _cache_client)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        messages += _loads("common.E001", "Celery broker transport", _celery_broker_transport)
        if settings.CELERY_RESULT_BACKEND:
            messages += _loads("common.E002", "Celery result backend", _celery_result_backend)
    return messages
