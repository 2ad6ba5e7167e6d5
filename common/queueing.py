"""Sending Celery tasks from a request without letting a broker outage fail it."""

import logging
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task

logger = logging.getLogger(__name__)

BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def task_send(*, task: Task, args: tuple[Any, ...], countdown: float | None = None) -> bool:
    """Send ``task`` trying the broker once; whether it went.

    A broker that is down must not fail the request, nor hold it through
    retries: the caller keeps its record in a state a sweep or a later write can
    act on, and says so.
    """
    try:
        task.apply_async(args, countdown=countdown, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning(
            "task %s%r could not be sent to the workers (%s: %s)", task.name, args, exc.__class__.__name__, exc
        )
        return False
    return True
