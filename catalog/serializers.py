from rest_framework import serializers

from catalog.models import Category, Product


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "description"]


class ProductSerializer(serializers.ModelSerializer):
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "category",
            "description",
            "unit_price",
            "stock",
            "is_deleted",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"code": {"required": False, "help_text": "External id; generated when omitted."}}
