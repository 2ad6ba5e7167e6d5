import django_filters

from sales.models import Agent, AgentRole, Order, Team


class TeamFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Team
        fields = ["name"]


class AgentFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=AgentRole.choices)

    class Meta:
        model = Agent
        fields = ["code", "role", "team", "user"]


class OrderFilter(django_filters.FilterSet):
    ordered_from = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_to = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="lte")
    ordered_before = django_filters.IsoDateTimeFilter(
        field_name="ordered_at", lookup_expr="lt", label="Ordered before (exclusive)"
    )
    start_date = django_filters.DateFilter(field_name="ordered_at", lookup_expr="date__gte", label="From date")
    end_date = django_filters.DateFilter(field_name="ordered_at", lookup_expr="date__lte", label="To date (inclusive)")
    min_total = django_filters.NumberFilter(field_name="total_amount", lookup_expr="gte")
    max_total = django_filters.NumberFilter(field_name="total_amount", lookup_expr="lte")
    region = django_filters.CharFilter(lookup_expr="iexact")
    payment_method = django_filters.CharFilter(lookup_expr="iexact")
    team = django_filters.NumberFilter(field_name="agent__team")
    agent_role = django_filters.ChoiceFilter(field_name="agent__role", choices=AgentRole.choices)
    product = django_filters.NumberFilter(field_name="lines__product", distinct=True)

    class Meta:
        model = Order
        fields = [
            "code",
            "customer",
            "agent",
            "membership",
            "team",
            "agent_role",
            "product",
            "region",
            "payment_method",
            "ordered_from",
            "ordered_to",
            "ordered_before",
            "start_date",
            "end_date",
            "min_total",
            "max_total",
        ]
