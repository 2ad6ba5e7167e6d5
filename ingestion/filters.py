import django_filters

from ingestion.models import ImportJob, ImportKind, ImportStatus


class ImportJobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ImportKind.choices)
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = ImportJob
        fields = ["status", "kind", "created_by", "created_from", "created_to"]
