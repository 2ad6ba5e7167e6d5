"""A side thread that marks a long job alive, so a dead worker's job can be told from a slow one."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(*, rows: models.QuerySet, every_seconds: float, name: str) -> Iterator[None]:
    """Set ``heartbeat_at`` on ``rows`` every ``every_seconds`` until the block ends.

    ``rows`` should select the job only while it still runs, so a beat never
    revives a job a sweep has failed. Skipped inside an outer transaction (tests,
    callers holding one): a second connection could not see the job row there,
    and SQLite would wait on its lock.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every_seconds):
                rows.update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat must never break the job itself
            logger.warning("heartbeat %s stopped", name, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
