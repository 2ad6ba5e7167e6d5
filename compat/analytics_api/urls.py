"""Seed 003's paths after its ``/api/``, exactly as it writes them (no trailing slashes)."""

from django.urls import path

from compat.analytics_api.views import AnalyticsDataViewSet, AnalyticsRefreshViewSet

urlpatterns = [
    path("analytics/data", AnalyticsDataViewSet.as_view({"get": "data"}), name="compat-analytics-data"),
    path(
        "analytics/refresh-cache",
        AnalyticsRefreshViewSet.as_view({"post": "refresh_cache"}),
        name="compat-analytics-refresh-cache",
    ),
]
