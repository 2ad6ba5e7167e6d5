from rest_framework import viewsets

from sales.filters import AgentFilter, OrderFilter, TeamFilter
from sales.selectors import agent_list, order_list, team_list
from sales.serializers import AgentSerializer, OrderSerializer, TeamSerializer
from sales.services import (
    agent_create,
    agent_delete,
    agent_update,
    order_create,
    order_delete,
    order_update,
    team_create,
    team_delete,
    team_update,
)


class TeamViewSet(viewsets.ModelViewSet):
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    ordering = ["name"]

    def get_queryset(self):
        return team_list()

    def perform_create(self, serializer):
        serializer.instance = team_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = team_update(team=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        team_delete(team=instance)


class AgentViewSet(viewsets.ModelViewSet):
    serializer_class = AgentSerializer
    filterset_class = AgentFilter
    search_fields = ["name", "code", "team__name"]
    ordering_fields = ["id", "code", "name", "role", "team"]
    ordering = ["id"]

    def get_queryset(self):
        return agent_list()

    def perform_create(self, serializer):
        serializer.instance = agent_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = agent_update(agent=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        agent_delete(agent=instance)


class OrderViewSet(viewsets.ModelViewSet):
    """Orders with nested lines. Writes reserve stock atomically; short stock answers 409."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["code", "customer__name", "customer__code", "region", "payment_method"]
    ordering_fields = ["id", "code", "ordered_at", "subtotal", "total_amount", "shipping_cost", "created_at"]
    ordering = ["-ordered_at", "-id"]

    def get_queryset(self):
        return order_list()

    def perform_create(self, serializer):
        order = order_create(**serializer.validated_data)
        serializer.instance = order_list().get(pk=order.pk)

    def perform_update(self, serializer):
        order = order_update(order=serializer.instance, **serializer.validated_data)
        serializer.instance = order_list().get(pk=order.pk)

    def perform_destroy(self, instance):
        order_delete(order=instance)
