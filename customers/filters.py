import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common.filters import StrictOrderingFilter
from customers.models import Customer, Membership, Segment, SegmentChange, SegmentSnapshot


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


class SegmentFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    refreshed_after = django_filters.IsoDateTimeFilter(field_name="refreshed_at", lookup_expr="gte")

    class Meta:
        model = Segment
        fields = ["name", "refreshed_after"]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InstantField(forms.Field):
    """A date (``YYYY-MM-DD``, a whole day in ANALYTICS_TIME_ZONE) or an ISO 8601 date-time."""

    default_error_messages = {
        "invalid": "Enter a date (YYYY-MM-DD) or an ISO 8601 date-time.",
        # Days further out cannot be turned into instants in every time zone.
        "range": "Must be in the years 2 to 9998.",
    }

    def to_python(self, value: str | None) -> date | datetime | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            parsed = date.fromisoformat(text) if _ISO_DATE.match(text) else parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not 2 <= parsed.year <= 9998:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        if isinstance(parsed, datetime) and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, ZoneInfo(settings.ANALYTICS_TIME_ZONE))
        return parsed


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.ANALYTICS_TIME_ZONE))


class SinceFilter(django_filters.Filter):
    """At or after the instant; a date means from the start of that day."""

    field_class = InstantField

    def filter(self, qs, value):
        if value is None:
            return qs
        start = value if isinstance(value, datetime) else _day_start(value)
        return qs.filter(**{f"{self.field_name}__gte": start})


class UntilFilter(django_filters.Filter):
    """At or before the instant; a date means through the end of that day."""

    field_class = InstantField

    def filter(self, qs, value):
        if value is None:
            return qs
        if isinstance(value, datetime):
            return qs.filter(**{f"{self.field_name}__lte": value})
        return qs.filter(**{f"{self.field_name}__lt": _day_start(value + timedelta(days=1))})


class _WindowForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since is not None and until is not None:
            start = since if isinstance(since, datetime) else _day_start(since)
            # A date-time ``until`` is inclusive, a date one ends where the next day starts.
            empty = start > until if isinstance(until, datetime) else start >= _day_start(until + timedelta(days=1))
            if empty:
                self.add_error("since", "Must not be after until.")
        return cleaned


class SegmentSnapshotFilter(django_filters.FilterSet):
    since = SinceFilter(field_name="taken_at", label="Snapshots taken at or after (date or date-time)")
    until = UntilFilter(field_name="taken_at", label="Snapshots taken at or before (date or date-time)")

    class Meta:
        model = SegmentSnapshot
        form = _WindowForm
        fields = ["since", "until", "line", "reason"]


class SegmentChangeFilter(django_filters.FilterSet):
    since = SinceFilter(field_name="at", label="Changes at or after (date or date-time)")
    until = UntilFilter(field_name="at", label="Changes at or before (date or date-time)")

    class Meta:
        model = SegmentChange
        form = _WindowForm
        fields = ["since", "until", "direction", "customer", "snapshot"]


class TieBreakOrderingFilter(StrictOrderingFilter):
    """Allowlisted ordering with ``id`` as the last key, so equal stats still page in a stable order."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view) or []
        keys = [*ordering, *(["id"] if not {"id", "-id"} & set(ordering) else [])]
        return queryset.order_by(*keys)
