"""Seed 004's records, read from ours: UUID ids become our integer ids, field names stay the original's."""

from datetime import datetime

from django.contrib.auth.models import User
from rest_framework import serializers

from accounts.roles import role_of
from catalog.models import Category, Product
from customers.models import Membership
from sales.models import Order, OrderLine

# The original's request fields -> ours, for our own serializers to validate.
PRODUCT_FIELDS = {
    "category_id": "category",
    "name": "name",
    "description": "description",
    "stock": "stock",
    "price": "unit_price",
}
TRANSACTION_FIELDS = {
    "customer_id": "customer",
    "membership_id": "membership",
    "date": "ordered_at",
    "transaction_details": "lines",
}
TRANSACTION_DETAIL_FIELDS = {"product_id": "product", "quantity": "quantity", "price_per_unit": "unit_price"}
MEMBERSHIP_FIELDS = {"customer_id": "customer", "start_period": "start_date", "end_period": "end_date", "tier": "tier"}
ACCOUNT_FIELDS = {"username": "username", "password": "password", "email": "email"}


class RetailAccountSerializer(serializers.ModelSerializer):
    """Login users have no update time; both timestamps are the registration time."""

    role = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)
    updated_at = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "role", "created_at", "updated_at"]
        read_only_fields = fields

    def get_role(self, user: User) -> str:
        return role_of(user)


class RetailLoginSerializer(RetailAccountSerializer):
    """The logged-in user with the API token the original never gave (documentation of the answer)."""

    token = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <token>`.")

    class Meta(RetailAccountSerializer.Meta):
        fields = [*RetailAccountSerializer.Meta.fields, "token"]
        read_only_fields = fields


class RetailCredentialsSerializer(serializers.Serializer):
    """The original's body (documentation; our register and login serializers validate it)."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class RetailCategorySerializer(serializers.ModelSerializer):
    """Our categories keep no timestamps: both are null."""

    created_at = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "description", "created_at", "updated_at"]

    def get_created_at(self, category: Category) -> datetime | None:
        return None

    def get_updated_at(self, category: Category) -> datetime | None:
        return None


class RetailProductSerializer(serializers.ModelSerializer):
    category_id = serializers.IntegerField(read_only=True)
    price = serializers.DecimalField(source="unit_price", max_digits=12, decimal_places=2, read_only=True)
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "category_id", "name", "description", "stock", "price", "deleted", "created_at", "updated_at"]
        read_only_fields = fields


class RetailProductRequestSerializer(serializers.Serializer):
    """The original's body (documentation; the products serializer of /api/v1/ validates it)."""

    category_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    stock = serializers.IntegerField(required=False, min_value=0)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    updated_at = serializers.DateTimeField(required=False, help_text="Accepted and ignored: the server sets it.")


class RetailTransactionSerializer(serializers.ModelSerializer):
    customer_id = serializers.IntegerField(read_only=True)
    membership_id = serializers.IntegerField(read_only=True, allow_null=True)
    date = serializers.DateTimeField(source="ordered_at", read_only=True)

    class Meta:
        model = Order
        fields = ["id", "customer_id", "membership_id", "date", "total_amount", "created_at", "updated_at"]
        read_only_fields = fields


class RetailTransactionDetailSerializer(serializers.ModelSerializer):
    """An order line; lines keep no timestamps of their own, so these are the order's."""

    transaction_id = serializers.IntegerField(source="order_id", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    price_per_unit = serializers.DecimalField(source="unit_price", max_digits=12, decimal_places=2, read_only=True)
    total_amount = serializers.DecimalField(source="line_total", max_digits=14, decimal_places=2, read_only=True)
    created_at = serializers.DateTimeField(source="order.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="order.updated_at", read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "transaction_id",
            "product_id",
            "quantity",
            "price_per_unit",
            "discount",
            "total_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RetailTransactionDetailRequestSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    price_per_unit = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Defaults to the product's price."
    )


class RetailTransactionRequestSerializer(serializers.Serializer):
    """The original's body (documentation; the orders serializer of /api/v1/ validates it)."""

    customer_id = serializers.IntegerField()
    membership_id = serializers.IntegerField(required=False, allow_null=True)
    date = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    transaction_details = RetailTransactionDetailRequestSerializer(many=True)


class RetailMembershipSerializer(serializers.ModelSerializer):
    customer_id = serializers.IntegerField(read_only=True)
    start_period = serializers.DateField(source="start_date", read_only=True)
    end_period = serializers.DateField(source="end_date", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "customer_id", "start_period", "end_period", "tier", "created_at", "updated_at"]
        read_only_fields = fields


class RetailMembershipRequestSerializer(serializers.Serializer):
    """The original's body (documentation; the memberships serializer of /api/v1/ validates it)."""

    customer_id = serializers.IntegerField(help_text="On create only; a membership keeps its customer.")
    start_period = serializers.DateField()
    end_period = serializers.DateField(required=False, allow_null=True)
    tier = serializers.CharField(help_text="bronze, silver or gold (any letter case).")


class RetailDashboardSegmentSerializer(serializers.Serializer):
    RFMCategory = serializers.CharField(
        source="segment", help_text="Our segment name (the RxF grid's, or a cluster's)."
    )
    count = serializers.IntegerField()
    total_revenue = serializers.DecimalField(max_digits=18, decimal_places=2)


class RetailDashboardEvaluationSerializer(serializers.Serializer):
    silhouette_score = serializers.FloatField(allow_null=True)
    davies_bouldin_index = serializers.FloatField(allow_null=True)


class RetailDashboardCustomerSegmentsSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    segmentation = RetailDashboardSegmentSerializer(many=True)
    evaluation = RetailDashboardEvaluationSerializer()
    status = serializers.CharField(help_text="Added: running while a large range is segmented; ask again.")
    run_id = serializers.IntegerField(allow_null=True, help_text="Added: the RFM run the segments come from.")
    error = serializers.CharField(allow_null=True, help_text="Added: why the run failed, if it did.")


class RetailDashboardSerializer(serializers.Serializer):
    """The unified dashboard's answer under the original's names."""

    total_sales = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Revenue: the line totals.")
    total_transactions = serializers.IntegerField(help_text="Orders.")
    products_sold = serializers.IntegerField(help_text="Units.")
    new_memberships = serializers.IntegerField(help_text="Memberships starting in the range.")
    customer_segments = RetailDashboardCustomerSegmentsSerializer()
