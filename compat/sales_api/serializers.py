"""Seed 002's rows, read from our sales-by-agent and sales-by-team rows."""

from datetime import UTC, date
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.periods import local_midnight
from analytics.selectors.sales import SalesRow
from sales.models import AgentRole

MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": False}


def js_instant(day: date, zone: ZoneInfo) -> str:
    """A bucket's start as JavaScript's ``toISOString()`` writes it: UTC, milliseconds, ``Z``."""
    return local_midnight(day, zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@extend_schema_field(OpenApiTypes.DATETIME)
class JsInstantField(serializers.Field):
    def to_representation(self, value: date) -> str:
        return js_instant(value, self.context["zone"])


class SalesByUserRowSerializer(serializers.Serializer):
    period = JsInstantField(help_text="Start of the bucket (local midnight in ANALYTICS_TIME_ZONE), in UTC.")
    user_id = serializers.IntegerField(source="agent_id", help_text="The agent's id.")
    user_name = serializers.CharField(source="agent_name")
    user_role = serializers.ChoiceField(source="agent_role", choices=AgentRole.choices)
    sales_count = serializers.IntegerField(help_text="Distinct orders.")
    total_revenue = serializers.DecimalField(**MONEY, help_text="Sum of line totals, shipping excluded.")
    average_revenue = serializers.DecimalField(**MONEY, help_text="total_revenue / sales_count, half-up to cents.")


class SalesByGroupRowSerializer(serializers.Serializer):
    period = JsInstantField(help_text="Start of the bucket (local midnight in ANALYTICS_TIME_ZONE), in UTC.")
    group_id = serializers.IntegerField(source="team_id", help_text="The team's id.")
    group_name = serializers.CharField(source="team_name")
    sales_count = serializers.IntegerField(help_text="Distinct orders.")
    total_revenue = serializers.DecimalField(**MONEY, help_text="Sum of line totals, shipping excluded.")
    average_revenue = serializers.DecimalField(**MONEY, help_text="total_revenue / sales_count, half-up to cents.")


def rows_data(rows: list[SalesRow], *, serializer: type[serializers.Serializer], zone: ZoneInfo) -> list[dict]:
    return serializer(rows, many=True, context={"zone": zone}).data
