from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from catalog.filters import CategoryFilter, ProductFilter
from catalog.selectors import category_list, product_list
from catalog.serializers import CategorySerializer, ProductSerializer
from catalog.services import (
    category_create,
    category_delete,
    category_update,
    product_create,
    product_soft_delete,
    product_update,
)
from common.params import query_flag


class CategoryViewSet(viewsets.ModelViewSet):
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields = ["name", "description"]
    ordering_fields = ["id", "name"]
    ordering = ["name"]

    def get_queryset(self):
        return category_list()

    def perform_create(self, serializer):
        serializer.instance = category_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = category_update(category=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        category_delete(category=instance)


INCLUDE_DELETED = OpenApiParameter(
    "include_deleted",
    OpenApiTypes.BOOL,
    description="Managers only: include soft-deleted products (ignored for read-only users).",
)


@extend_schema_view(
    list=extend_schema(parameters=[INCLUDE_DELETED]),
    retrieve=extend_schema(parameters=[INCLUDE_DELETED]),
    update=extend_schema(parameters=[INCLUDE_DELETED]),
    partial_update=extend_schema(parameters=[INCLUDE_DELETED]),
    destroy=extend_schema(description="Soft delete: the product leaves lists but stays on past orders."),
)
class ProductViewSet(viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "code", "description", "category__name"]
    ordering_fields = ["id", "code", "name", "unit_price", "stock", "created_at", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        wants_deleted = query_flag(self.request, "include_deleted")
        may_see_deleted = self.request.user.has_perm("catalog.change_product")
        return product_list(include_deleted=wants_deleted and may_see_deleted)

    def perform_create(self, serializer):
        serializer.instance = product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = product_update(product=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        product_soft_delete(product=instance)
