from django.db import models


class TimeStampedModel(models.Model):
    """Adds the ``created_at``/``updated_at`` pair every domain record carries."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
