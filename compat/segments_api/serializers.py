"""Seed 000's records in its camelCase, read from ours."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compat.segments_api.criteria import OUR_CRITERIA_NAMES, criteria_to_original
from customers.models import Customer, Segment
from customers.selectors import member_average_order_value
from ingestion.models import ImportJob

CRITERIA_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "All keys optional. Counting only the order lines in the date range (inclusive) and in the "
    "categories and regions given, a customer matches when their number of orders (purchases) and their "
    "revenue (line totals, shipping excluded) are within the bounds.",
    "properties": {
        "minPurchases": {"type": "integer", "minimum": 0, "default": 1},
        "maxPurchases": {"type": "integer", "minimum": 0},
        "minRevenue": {"type": "number", "minimum": 0},
        "maxRevenue": {"type": "number", "minimum": 0},
        "categories": {"type": "array", "items": {"type": "string"}, "description": "Category names."},
        "regions": {"type": "array", "items": {"type": "string"}, "description": "Order regions."},
        "startDate": {"type": "string", "format": "date", "description": "A date-time is read as its date."},
        "endDate": {"type": "string", "format": "date", "description": "A date-time is read as its date."},
    },
}


@extend_schema_field(CRITERIA_SCHEMA)
class SegmentsCriteriaField(serializers.Field):
    """Stored criteria shown under the original's names (documentation and rendering)."""

    def to_representation(self, value: dict) -> dict:
        return criteria_to_original(value)

    def to_internal_value(self, data: Any) -> Any:
        return data


class SegmentsSegmentSerializer(serializers.ModelSerializer):
    criteria = SegmentsCriteriaField()
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)
    customerCount = serializers.IntegerField(
        source="customers_count", read_only=True, allow_null=True, help_text="Added: members at the last refresh."
    )
    totalRevenue = serializers.DecimalField(
        source="total_revenue",
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Added: the members' revenue over the matching lines, at the last refresh.",
    )
    refreshedAt = serializers.DateTimeField(source="refreshed_at", read_only=True, allow_null=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "criteria",
            "createdAt",
            "updatedAt",
            "customerCount",
            "totalRevenue",
            "refreshedAt",
        ]
        read_only_fields = fields


class SegmentsWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.SerializerMethodField(help_text="The criterion the warning is about, if one.")
    value = serializers.CharField(allow_null=True)

    def get_field(self, warning: Any) -> str | None:
        return OUR_CRITERIA_NAMES.get(warning.field, warning.field) if warning.field else None


class SegmentsCreatedSegmentSerializer(SegmentsSegmentSerializer):
    """A segment as just created, with what may be wrong with its criteria (added)."""

    warnings = serializers.SerializerMethodField()

    class Meta(SegmentsSegmentSerializer.Meta):
        fields = [*SegmentsSegmentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(SegmentsWarningSerializer(many=True))
    def get_warnings(self, segment: Segment) -> list[dict]:
        return SegmentsWarningSerializer(self.context.get("warnings", []), many=True).data


class SegmentsSegmentRequestSerializer(serializers.Serializer):
    """The original's body (documentation; the segments serializer of /api/v1/ validates it)."""

    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    criteria = SegmentsCriteriaField(required=False)


class SegmentsCustomerSerializer(serializers.ModelSerializer):
    """A member with their stats over the segment's matching order lines only."""

    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    ordersCount = serializers.IntegerField(source="orders_count", read_only=True, help_text="Purchases (orders).")
    totalRevenue = serializers.DecimalField(source="total_revenue", max_digits=16, decimal_places=2, read_only=True)
    averageOrderValue = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "email",
            "gender",
            "region",
            "createdAt",
            "ordersCount",
            "totalRevenue",
            "averageOrderValue",
            "categories",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_averageOrderValue(self, customer: Customer) -> Decimal:
        return member_average_order_value(customer)

    def get_categories(self, customer: Customer) -> list[str]:
        return sorted(customer.categories or [])


class SegmentsRefreshLogSerializer(serializers.ModelSerializer):
    """An import job as the original's refresh log entry; row errors stay at /api/v1/data/logs/{id}/."""

    filePath = serializers.CharField(source="source", read_only=True)
    recordsTotal = serializers.IntegerField(source="rows_total", read_only=True, allow_null=True)
    recordsProcessed = serializers.IntegerField(source="rows_processed", read_only=True)
    recordsCreated = serializers.IntegerField(source="rows_created", read_only=True)
    recordsUpdated = serializers.IntegerField(source="rows_updated", read_only=True)
    recordsRejected = serializers.IntegerField(source="rows_rejected", read_only=True)
    startedAt = serializers.DateTimeField(source="started_at", read_only=True, allow_null=True)
    completedAt = serializers.DateTimeField(source="completed_at", read_only=True, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "recordsProcessed",
            "startedAt",
            "completedAt",
            "filePath",
            "kind",
            "recordsTotal",
            "recordsCreated",
            "recordsUpdated",
            "recordsRejected",
            "error",
            "createdAt",
        ]
        read_only_fields = fields


class SegmentsRefreshRequestSerializer(serializers.Serializer):
    filePath = serializers.CharField(
        max_length=1000, help_text="A sales CSV inside the server's IMPORT_ROOT (relative to it, or absolute)."
    )
