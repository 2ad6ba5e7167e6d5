"""Aggregates over order lines that every backend computes alike."""

from django.db.models import Aggregate, JSONField, Sum


class Revenue(Sum):
    """The sum of line totals, exact to the cent on every backend.

    SQLite stores decimals as doubles, whose sums drift (0.10 + 0.20 > 0.30, which would move
    customers across a revenue bound), so there whole cents are summed (exact below 2**53 cents)
    and divided once.
    """

    def as_sqlite(self, compiler, connection, **extra_context):
        cents = self.copy()
        cents.template = "%(function)s(%(distinct)sROUND(%(expressions)s * 100))"
        sql, params = cents.as_sql(compiler, connection, **extra_context)
        return f"(CAST(({sql}) / 100.0 AS NUMERIC))", params


class DistinctNames(Aggregate):
    """The distinct values of a text column as a JSON list, in no particular order (NULL for none)."""

    function = "JSON_GROUP_ARRAY"
    allow_distinct = True
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
