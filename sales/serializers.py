from rest_framework import serializers

from catalog.models import Product
from customers.models import Customer, Membership
from sales.models import Agent, Order, OrderLine, Team


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class AgentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = ["id", "code", "name", "role", "team", "user"]
        extra_kwargs = {"code": {"required": False, "help_text": "External id; generated when omitted."}}


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Defaults to the product's price."
    )
    discount = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "product", "product_code", "product_name", "quantity", "unit_price", "discount", "line_total"]
        read_only_fields = ["line_total"]
        extra_kwargs = {"quantity": {"min_value": 1}}


class OrderSerializer(serializers.ModelSerializer):
    """Orders with nested lines; the server computes line totals, subtotal and total."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), allow_null=True, required=False)
    membership = serializers.PrimaryKeyRelatedField(queryset=Membership.objects.all(), allow_null=True, required=False)
    shipping_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    lines = OrderLineSerializer(many=True, allow_empty=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "code",
            "customer",
            "agent",
            "membership",
            "ordered_at",
            "region",
            "payment_method",
            "shipping_cost",
            "subtotal",
            "total_amount",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["subtotal", "total_amount", "created_at", "updated_at"]
        extra_kwargs = {
            "code": {"required": False, "help_text": "External id; generated when omitted."},
            "ordered_at": {"required": False, "help_text": "Defaults to now."},
            "region": {"required": False, "help_text": "Defaults to the customer's region."},
        }

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        products = [line["product"].pk for line in lines]
        if len(products) != len(set(products)):
            raise serializers.ValidationError("Each product may appear on one line only.")
        return lines

    def validate(self, attrs: dict) -> dict:
        customer = attrs.get("customer", getattr(self.instance, "customer", None))
        membership = attrs.get("membership", getattr(self.instance, "membership", None))
        if membership is not None and customer is not None and membership.customer_id != customer.pk:
            raise serializers.ValidationError({"membership": ["The membership belongs to another customer."]})
        return attrs
