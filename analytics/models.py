from django.db import models


class DataVersion(models.Model):
    """One row whose ``version`` moves inside every write that changes an analytics answer.

    Cached reports are keyed by it. It lives in the database, not the cache, so
    the bump commits or rolls back with the write itself: an outage of the cache
    or a crash between commit and bump can never leave a stale answer keyed as
    current.
    """

    SINGLETON_ID = 1

    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="data_version_single_row")]

    def __str__(self) -> str:
        return f"data version {self.version}"
