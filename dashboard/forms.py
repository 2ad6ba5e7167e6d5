"""The dashboard's controls: a date range, the bucket interval and the RFM model, all from the query string."""

from datetime import date
from typing import Any

from django import forms

from analytics.periods import Interval, bucket_count

INTERVAL_CHOICES = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
MODEL_CHOICES = [("quantile", "Quantile (R and F grid)"), ("kmeans", "k-means"), ("dbscan", "DBSCAN")]
# Points a chart draws at most, to keep it readable (and its query bounded) for any range a user types.
MAX_BUCKETS = 400


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    start_date = forms.DateField(label="From", widget=DateInput(), input_formats=["%Y-%m-%d"])
    end_date = forms.DateField(label="To", widget=DateInput(), input_formats=["%Y-%m-%d"])
    interval = forms.ChoiceField(label="Interval", choices=INTERVAL_CHOICES)
    model = forms.ChoiceField(label="RFM model", choices=MODEL_CHOICES)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end, interval = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("interval")
        if start and end and start > end:
            self.add_error("end_date", "The end date is before the start date.")
        elif start and end and interval and bucket_count(start, end, Interval(interval)) > MAX_BUCKETS:
            self.add_error("interval", f"That range has more than {MAX_BUCKETS} {interval}s; pick a longer interval.")
        return cleaned


def default_filters(*, last_day: date | None, first_day: date | None, today: date) -> dict[str, str]:
    """The twelve calendar months up to the latest order (or today), starting no earlier than the first order."""
    end = last_day or today
    year, month = (end.year, end.month - 11) if end.month > 11 else (end.year - 1, end.month + 1)
    start = date(year, month, 1)
    if first_day and first_day > start:
        start = first_day.replace(day=1)
    return {"start_date": start.isoformat(), "end_date": end.isoformat(), "interval": "month", "model": "quantile"}


class RunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        window = f"{obj.start_date or 'the first order'} to {obj.end_date or obj.reference_date}"
        return f"Run {obj.pk}: {obj.get_algorithm_display()}, {window}, {obj.customers_count:,} customers"


class RfmCompareForm(forms.Form):
    """Two finished runs; the page orders them earlier → later as the API does."""

    run = RunChoiceField(label="Run", queryset=None, empty_label=None)
    other = RunChoiceField(label="Compared with", queryset=None, empty_label=None)

    def __init__(self, *args: Any, runs, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = runs
        self.fields["other"].queryset = runs

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("run") and cleaned.get("run") == cleaned.get("other"):
            self.add_error("other", "Pick another run to compare with.")
        return cleaned
