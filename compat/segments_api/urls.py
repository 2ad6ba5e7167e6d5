"""Seed 000's paths after its ``/api/v1/``, exactly as it writes them (no trailing slashes)."""

from django.urls import path

from compat.segments_api.views import SegmentsDataViewSet, SegmentsMembersViewSet, SegmentsSegmentViewSet

urlpatterns = [
    path("segments", SegmentsSegmentViewSet.as_view({"get": "list", "post": "create"}), name="compat-segments"),
    path(
        "segments/<str:segment_id>/customers",
        SegmentsMembersViewSet.as_view({"get": "customers"}),
        name="compat-segments-customers",
    ),
    path("data/refresh", SegmentsDataViewSet.as_view({"post": "refresh"}), name="compat-segments-data-refresh"),
    path("data/logs", SegmentsDataViewSet.as_view({"get": "list"}), name="compat-segments-data-logs"),
]
