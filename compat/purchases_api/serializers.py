"""Seed 001's users, purchases and products, read from our customers, one-line orders and products."""

from rest_framework import serializers

from catalog.models import Product
from catalog.selectors import product_list
from compat.purchases_api.names import name_split
from customers.models import Customer
from customers.selectors import customer_list
from sales.models import OrderLine


class PurchasesUserSerializer(serializers.ModelSerializer):
    first_name = serializers.SerializerMethodField()
    last_name = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "email", "gender"]
        read_only_fields = fields

    def get_first_name(self, customer: Customer) -> str:
        return name_split(customer.name)[0]

    def get_last_name(self, customer: Customer) -> str:
        return name_split(customer.name)[1]


class PurchasesUserInputSerializer(serializers.Serializer):
    """The original's body, checked for types only; the customers serializer of /api/v1/ judges the values."""

    first_name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=200)
    last_name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=200)
    email = serializers.CharField(required=False, allow_blank=True)
    gender = serializers.CharField(
        required=False, allow_blank=True, help_text="male, female, other or blank; any other text is stored as other."
    )


class PurchasesProductSerializer(serializers.ModelSerializer):
    category_id = serializers.IntegerField(read_only=True)
    price = serializers.DecimalField(source="unit_price", max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "category_id", "price"]
        read_only_fields = fields


class PurchasesPurchaseSerializer(serializers.ModelSerializer):
    """A purchase is an order line; its id is the order's."""

    id = serializers.IntegerField(source="order_id", read_only=True)
    user_id = serializers.IntegerField(source="order.customer_id", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    price = serializers.DecimalField(source="unit_price", max_digits=12, decimal_places=2, read_only=True)
    total = serializers.DecimalField(source="line_total", max_digits=14, decimal_places=2, read_only=True)
    created_at = serializers.DateTimeField(source="order.created_at", read_only=True)
    product = PurchasesProductSerializer(read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "user_id", "product_id", "quantity", "price", "total", "created_at", "product"]
        read_only_fields = fields


class PurchasesPurchaseInputSerializer(serializers.Serializer):
    """``user_id`` and ``product_id`` must name a stored customer and a product on sale, else 400."""

    user_id = serializers.PrimaryKeyRelatedField(
        queryset=customer_list(),
        error_messages={
            "does_not_exist": "User {pk_value} does not exist.",
            "incorrect_type": "Must be a user id (a number), not {data_type}.",
        },
    )
    product_id = serializers.PrimaryKeyRelatedField(
        queryset=product_list(),
        error_messages={
            "does_not_exist": "Product {pk_value} does not exist.",
            "incorrect_type": "Must be a product id (a number), not {data_type}.",
        },
    )


class PurchasesValuableCustomerSerializer(PurchasesUserSerializer):
    """The user with the most revenue (documentation of the answer: the user and, added, their totals)."""

    total_revenue = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    orders_count = serializers.IntegerField(read_only=True)
    units = serializers.IntegerField(read_only=True)

    class Meta(PurchasesUserSerializer.Meta):
        fields = [*PurchasesUserSerializer.Meta.fields, "total_revenue", "orders_count", "units"]
        read_only_fields = fields


class PurchasesPopularProductSerializer(PurchasesProductSerializer):
    """The product sold in the most units (documentation of the answer: the product and, added, its totals)."""

    units = serializers.IntegerField(read_only=True)
    total_revenue = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    orders_count = serializers.IntegerField(read_only=True)

    class Meta(PurchasesProductSerializer.Meta):
        fields = [*PurchasesProductSerializer.Meta.fields, "units", "total_revenue", "orders_count"]
        read_only_fields = fields
