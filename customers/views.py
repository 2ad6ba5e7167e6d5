from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.filters import CustomerFilter, MembershipFilter
from customers.selectors import customer_list, membership_list
from customers.serializers import CustomerSerializer, MembershipSerializer
from customers.services import (
    customer_create,
    customer_delete,
    customer_update,
    membership_create,
    membership_delete,
    membership_update,
)
from sales.selectors import order_list
from sales.serializers import OrderSerializer


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ["name", "email", "code", "phone", "region"]
    ordering_fields = ["id", "code", "name", "email", "region", "created_at", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        return customer_list()

    def perform_create(self, serializer):
        serializer.instance = customer_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = customer_update(customer=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        customer_delete(customer=instance)

    @extend_schema(
        responses=OrderSerializer(many=True),
        filters=False,
        description="The customer's orders, newest first, with their lines and products.",
    )
    @action(detail=True, methods=["get"], url_path="orders", filter_backends=[])
    def orders(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        page = self.paginate_queryset(order_list(customer_id=customer.pk).order_by("-ordered_at", "-id"))
        return self.get_paginated_response(OrderSerializer(page, many=True).data)


class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["id", "number", "tier", "start_date", "end_date", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        return membership_list()

    def perform_create(self, serializer):
        serializer.instance = membership_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = membership_update(membership=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        membership_delete(membership=instance)
