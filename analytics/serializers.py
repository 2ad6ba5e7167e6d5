"""Output shapes of the analytics reports (rows are the selectors' dataclasses, read-only).

Bucket starts render as the local midnight that begins them, in ISO 8601 with
the zone's offset (``Z`` in UTC), the way every other timestamp of the API does.
"""

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.params import Grouping, SalesQuery
from analytics.periods import bucket_last_day, local_midnight
from analytics.selectors.sales import SalesRow
from sales.models import AgentRole

MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": False}


def iso_instant(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@extend_schema_field(OpenApiTypes.DATETIME)
class BucketStartField(serializers.Field):
    """A bucket's first local day, as the instant it begins in the report's zone (``context["zone"]``)."""

    def to_representation(self, value: date) -> str:
        return iso_instant(local_midnight(value, self.context["zone"]))


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "integer"}]})
class MetricValueField(serializers.Field):
    """Revenue and averages are decimal numbers; counts are integers."""

    def to_representation(self, value: Decimal | int) -> Decimal | int:
        return value


class _SalesRowBase(serializers.Serializer):
    period = BucketStartField(help_text="Start of the bucket: local midnight in ANALYTICS_TIME_ZONE, ISO 8601.")
    team_id = serializers.IntegerField(allow_null=True)
    team_name = serializers.CharField(allow_null=True)
    sales_count = serializers.IntegerField(help_text="Distinct orders.")
    total_revenue = serializers.DecimalField(**MONEY, help_text="Sum of line totals, shipping excluded.")
    average_revenue = serializers.DecimalField(**MONEY, help_text="total_revenue / sales_count, half-up to cents.")
    orders_url = serializers.URLField(
        help_text="The orders list filtered to exactly this row's orders; its count equals sales_count."
    )


class SalesByAgentRowSerializer(_SalesRowBase):
    agent_id = serializers.IntegerField()
    agent_name = serializers.CharField()
    agent_role = serializers.ChoiceField(choices=AgentRole.choices)

    class Meta:
        fields = [
            "period",
            "agent_id",
            "agent_name",
            "agent_role",
            "team_id",
            "team_name",
            "sales_count",
            "total_revenue",
            "average_revenue",
            "orders_url",
        ]

    def get_fields(self):
        fields = super().get_fields()
        return {name: fields[name] for name in self.Meta.fields}


class SalesByTeamRowSerializer(_SalesRowBase):
    team_id = serializers.IntegerField()
    team_name = serializers.CharField()

    class Meta:
        fields = ["period", "team_id", "team_name", "sales_count", "total_revenue", "average_revenue", "orders_url"]

    def get_fields(self):
        fields = super().get_fields()
        return {name: fields[name] for name in self.Meta.fields}


def sales_rows_data(rows: list[SalesRow], *, query: SalesQuery, request=None) -> list[dict]:
    """The rows as the serializers above describe them, built directly: a year of daily rows per agent is
    tens of thousands of rows, and generic serializer fields cost more than the query that found them."""
    zone = ZoneInfo(query.zone)
    orders_url = reverse("order-list")
    if request is not None:
        orders_url = request.build_absolute_uri(orders_url)
    by_agent = query.group is Grouping.AGENT
    role = f"&agent_role={quote(query.role)}" if query.role and not by_agent else ""

    @cache
    def instant(day: date) -> str:
        return iso_instant(local_midnight(day, zone))

    @cache
    def bounds(period: date) -> str:
        """The row's half-open instants: its bucket, cut to the query's dates."""
        first = max(period, query.start_date) if query.start_date else period
        last = bucket_last_day(period, query.interval)
        if query.end_date:
            last = min(last, query.end_date)
        return f"ordered_from={quote(instant(first))}&ordered_before={quote(instant(last + timedelta(days=1)))}"

    data = []
    for row in rows:
        if by_agent:
            item = {
                "period": instant(row.period),
                "agent_id": row.agent_id,
                "agent_name": row.agent_name,
                "agent_role": row.agent_role,
                "team_id": row.team_id,
                "team_name": row.team_name,
            }
            link = f"agent={row.agent_id}"
        else:
            item = {"period": instant(row.period), "team_id": row.team_id, "team_name": row.team_name}
            link = f"team={row.team_id}{role}"
        item["sales_count"] = row.sales_count
        item["total_revenue"] = row.total_revenue
        item["average_revenue"] = row.average_revenue
        item["orders_url"] = f"{orders_url}?{link}&{bounds(row.period)}"
        data.append(item)
    return data


class SalesByAgentSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SalesByAgentRowSerializer(many=True)


class SalesByTeamSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SalesByTeamRowSerializer(many=True)


class SeriesPointSerializer(serializers.Serializer):
    timestamp = BucketStartField(source="start", help_text="Start of the bucket (local midnight, ISO 8601).")
    value = MetricValueField()
    is_complete = serializers.BooleanField(
        help_text="False when the range starts or ends inside the bucket, or the bucket has not ended yet."
    )


class MetricResultSerializer(serializers.Serializer):
    metric = serializers.CharField()
    total_value = MetricValueField()
    time_series = SeriesPointSerializer(many=True)
    segment_data = serializers.DictField(
        child=serializers.DictField(child=MetricValueField()),
        help_text='Per dimension asked in segment_by, the metric per value over the whole range; "(none)" '
        "collects sales without a value (no agent, no membership, a blank region).",
    )
    previous_total_value = MetricValueField(required=False, help_text="With compare=previous_period only.")
    previous_time_series = SeriesPointSerializer(
        many=True, required=False, help_text="With compare=previous_period only: the same-length period before."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.previous_time_series is None:
            data.pop("previous_total_value")
            data.pop("previous_time_series")
        return data


class TopCustomerSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    total_revenue = serializers.DecimalField(**MONEY)
    orders_count = serializers.IntegerField()
    units = serializers.IntegerField()


class TopProductSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.IntegerField()
    units = serializers.IntegerField()
    total_revenue = serializers.DecimalField(**MONEY)
    orders_count = serializers.IntegerField()


class TopCustomersSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = TopCustomerSerializer(many=True)


class TopProductsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = TopProductSerializer(many=True)


class CacheRefreshSerializer(serializers.Serializer):
    data_version = serializers.IntegerField(help_text="The new data version; cached reports older than it are unused.")
