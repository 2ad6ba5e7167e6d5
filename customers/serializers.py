from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.criteria import CriteriaError, SegmentCriteria, criteria_parse
from customers.models import Customer, Membership, Segment, SegmentChange, SegmentSnapshot
from customers.selectors import member_average_order_value


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "email",
            "gender",
            "date_of_birth",
            "phone",
            "address",
            "region",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"code": {"required": False, "help_text": "External id; generated when omitted."}}


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "customer", "number", "tier", "start_date", "end_date", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"number": {"required": False, "help_text": "Membership number; generated when omitted."}}

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": ["Must be on or after start_date."]})
        return attrs


CRITERIA_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": (
        "All keys optional. Counting only the order lines inside the window (inclusive dates in "
        "ANALYTICS_TIME_ZONE) and in the categories and regions given, a customer matches when their "
        "distinct order count is within [min_orders, max_orders] and their revenue (sum of line totals, "
        "shipping excluded) within [min_revenue, max_revenue]."
    ),
    "properties": {
        "min_orders": {"type": "integer", "minimum": 0, "default": 1},
        "max_orders": {"type": "integer", "minimum": 0},
        "min_revenue": {"type": "number", "minimum": 0, "description": "At most 2 decimal places."},
        "max_revenue": {"type": "number", "minimum": 0, "description": "At most 2 decimal places."},
        "categories": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "Category names."},
        "regions": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "Order regions."},
        "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date"},
    },
}


@extend_schema_field(CRITERIA_SCHEMA)
class SegmentCriteriaField(serializers.Field):
    """Criteria in, validated by ``criteria_parse``; errors come back keyed by the criterion at fault."""

    def to_internal_value(self, data: Any) -> SegmentCriteria:
        try:
            return criteria_parse(data)
        except CriteriaError as exc:
            raise serializers.ValidationError(exc.messages or exc.errors) from exc

    def to_representation(self, value: Any) -> dict:
        return value.as_json() if isinstance(value, SegmentCriteria) else value


class SegmentSerializer(serializers.ModelSerializer):
    criteria = SegmentCriteriaField(required=False, default=dict)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "criteria",
            "customers_count",
            "total_revenue",
            "refreshed_at",
            "history_line",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["customers_count", "total_revenue", "refreshed_at", "history_line"]
        extra_kwargs = {
            "customers_count": {"help_text": "Members as of the last refresh."},
            "total_revenue": {"help_text": "The members' revenue over the matching lines, as of the last refresh."},
            "history_line": {"help_text": "Starts at 1 and grows by one each time the criteria change."},
        }

    def validate_criteria(self, value: Any) -> SegmentCriteria:
        # The default ({}) bypasses the field's parsing.
        return value if isinstance(value, SegmentCriteria) else criteria_parse(value)


class SegmentWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["unknown_category", "unknown_region", "no_members"])
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True, help_text="The criterion the warning is about, if one.")
    value = serializers.CharField(allow_null=True, help_text="The name that matched nothing, if one.")


class SegmentWithWarningsSerializer(SegmentSerializer):
    """A segment as just written, with what may be wrong with its criteria."""

    warnings = serializers.SerializerMethodField()

    class Meta(SegmentSerializer.Meta):
        fields = [*SegmentSerializer.Meta.fields, "warnings"]

    @extend_schema_field(SegmentWarningSerializer(many=True))
    def get_warnings(self, segment: Segment) -> list[dict]:
        return SegmentWarningSerializer(self.context.get("warnings", []), many=True).data


class SegmentMemberSerializer(CustomerSerializer):
    """A member with their stats over the segment's matching order lines only."""

    orders_count = serializers.IntegerField(read_only=True)
    total_revenue = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    average_order_value = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "orders_count", "total_revenue", "average_order_value", "categories"]

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_average_order_value(self, customer: Customer) -> Decimal:
        return member_average_order_value(customer)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, customer: Customer) -> list[str]:
        return sorted(customer.categories or [])


class SegmentPreviewRequestSerializer(serializers.Serializer):
    criteria = SegmentCriteriaField()


class SegmentPreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many customers the criteria select.")
    results = SegmentMemberSerializer(many=True, help_text="The first 20 of them, by id.")
    warnings = SegmentWarningSerializer(many=True)


class SegmentSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = SegmentSnapshot
        fields = [
            "id",
            "line",
            "taken_at",
            "reason",
            "criteria",
            "customers_count",
            "total_revenue",
            "entered_count",
            "left_count",
        ]


class SegmentChangeSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = SegmentChange
        fields = ["id", "customer", "customer_code", "customer_name", "direction", "at", "snapshot"]


class SegmentRefreshSerializer(serializers.Serializer):
    segment = SegmentSerializer()
    snapshot = SegmentSnapshotSerializer(allow_null=True, help_text="Null when nothing moved since the last one.")
    entered = serializers.IntegerField()
    left = serializers.IntegerField()
