from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("segments/", views.segments, name="segments"),
    path("segments/<int:pk>/", views.segment_detail, name="segment"),
    path("rfm/", views.rfm_runs, name="rfm-runs"),
    path("rfm/compare/", views.rfm_compare, name="rfm-compare"),
]
