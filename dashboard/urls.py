from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("rfm/", views.rfm_runs, name="rfm-runs"),
    path("rfm/compare/", views.rfm_compare, name="rfm-compare"),
]
