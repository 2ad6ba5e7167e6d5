import django_filters

from customers.models import Customer, Membership


class CustomerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(lookup_expr="iexact")
    email = django_filters.CharFilter(lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Customer
        fields = ["code", "region", "gender", "email", "created_after", "created_before"]


class MembershipFilter(django_filters.FilterSet):
    start_date_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_date_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    active_on = django_filters.DateFilter(method="filter_active_on", label="Active on date")

    class Meta:
        model = Membership
        fields = ["customer", "tier", "number", "start_date_from", "start_date_to", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value).exclude(end_date__lt=value)
