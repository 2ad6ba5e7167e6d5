from django.core.validators import MaxValueValidator
from django.db import models

# Counts (stock, quantities) fit a 32-bit integer column on every backend, SQLite included.
MAX_COUNT = 2_147_483_647
count_validators = [MaxValueValidator(MAX_COUNT)]


class TimeStampedModel(models.Model):
    """Adds the ``created_at``/``updated_at`` pair every domain record carries."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
