"""Staff pages: thin views that turn the page's controls into the analytics selectors' queries and render."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from dashboard.access import staff_page
from dashboard.forms import DashboardFilterForm, default_filters
from ingestion.readers import SALES_COLUMNS
from sales.selectors import order_time_span


def _page_context(request: HttpRequest, *, title: str, section: str, **extra) -> dict:
    """The admin's own context (header, theme, sidebar), so the pages look and behave like the admin."""
    return {
        **admin.site.each_context(request),
        "title": title,
        "section": section,
        "currency": settings.DASHBOARD_CURRENCY,
        **extra,
    }


@staff_page
def dashboard_index(request: HttpRequest) -> HttpResponse:
    zone = ZoneInfo(settings.ANALYTICS_TIME_ZONE)
    span = order_time_span()
    first_day, last_day = (
        (None, None) if span is None else (span[0].astimezone(zone).date(), span[1].astimezone(zone).date())
    )
    defaults = default_filters(first_day=first_day, last_day=last_day, today=timezone.now().astimezone(zone).date())
    given = {name: request.GET[name] for name in DashboardFilterForm.base_fields if request.GET.get(name)}
    form = DashboardFilterForm(data={**defaults, **given})
    context = _page_context(
        request,
        title="Sales dashboard",
        section="overview",
        has_orders=span is not None,
        form=form,
        panels=None,
        sales_columns=", ".join(column.name for column in SALES_COLUMNS if column.required),
    )
    return TemplateResponse(request, "dashboard/index.html", context)
