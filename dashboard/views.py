"""Staff pages: thin views that turn the page's controls into the analytics selectors' queries and render."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from analytics.rfm.selectors import rfm_runs_in_order
from customers.selectors import segment_list
from dashboard.access import staff_page
from dashboard.forms import DashboardFilterForm, RfmCompareForm, default_filters
from dashboard.panels import overview
from dashboard.rfm import comparable_runs, heat_rows, migration_answer
from dashboard.segments import HISTORY_POINTS, MEMBERS_PER_PAGE, history, member_page
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
    panels = None
    if span is not None and form.is_valid():
        panels = overview(request=request, **form.cleaned_data)
    context = _page_context(
        request,
        title="Sales dashboard",
        section="overview",
        has_orders=span is not None,
        form=form,
        panels=panels,
        interval=panels.interval if panels else defaults["interval"],
        sales_columns=", ".join(column.name for column in SALES_COLUMNS if column.required),
    )
    # Controls the user typed that do not make a range are a 400, the form naming the field at fault.
    return TemplateResponse(request, "dashboard/index.html", context, status=400 if form.errors else 200)


RUNS_PER_PAGE = 25


@staff_page
def rfm_runs(request: HttpRequest) -> HttpResponse:
    """The finished RFM runs, newest first, and a form to compare two of them."""
    runs = comparable_runs()
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    choices = list(runs[:2])
    form = RfmCompareForm(
        runs=runs, initial={"run": choices[0].pk, "other": choices[1].pk} if len(choices) == 2 else None
    )
    context = _page_context(request, title="RFM runs", section="rfm", page=page, form=form, crumbs=[("RFM runs", "")])
    return TemplateResponse(request, "dashboard/rfm_runs.html", context)


@staff_page
def rfm_compare(request: HttpRequest) -> HttpResponse:
    """Where the customers of each segment of the earlier run are in the later one, as a heat map."""
    runs = comparable_runs()
    form = RfmCompareForm(request.GET or None, runs=runs)
    answer = rows = earlier = later = None
    if form.is_valid():
        earlier, later = rfm_runs_in_order(form.cleaned_data["run"], form.cleaned_data["other"])
        answer = migration_answer(earlier=earlier, later=later)
        rows = heat_rows(answer)
    context = _page_context(
        request,
        title="RFM runs compared",
        section="rfm",
        form=form,
        answer=answer,
        rows=rows,
        earlier=earlier,
        later=later,
        crumbs=[("RFM runs", reverse("dashboard:rfm-runs")), ("Compared", "")],
    )
    return TemplateResponse(
        request, "dashboard/rfm_compare.html", context, status=400 if form.is_bound and form.errors else 200
    )


SEGMENTS_PER_PAGE = 50


@staff_page
def segments(request: HttpRequest) -> HttpResponse:
    """Every segment with its size at the last refresh."""
    page = Paginator(segment_list(), SEGMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = _page_context(request, title="Segments", section="segments", page=page, crumbs=[("Segments", "")])
    return TemplateResponse(request, "dashboard/segments.html", context)


@staff_page
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A segment's members now (paginated) and its history: member count, entered and left per snapshot."""
    segment = get_object_or_404(segment_list(), pk=pk)
    page, members = member_page(segment=segment, number=request.GET.get("page"))
    snapshots = history(segment=segment)
    context = _page_context(
        request,
        title=f"Segment: {segment.name}",
        section="segments",
        segment=segment,
        page=page,
        members=members,
        members_answer={"count": page.paginator.count, "results": members},
        snapshots=snapshots,
        history_points=HISTORY_POINTS,
        members_per_page=MEMBERS_PER_PAGE,
        crumbs=[("Segments", reverse("dashboard:segments")), (segment.name, "")],
    )
    return TemplateResponse(request, "dashboard/segment_detail.html", context)
