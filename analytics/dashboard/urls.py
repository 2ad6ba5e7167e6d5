from django.urls import path

from analytics.dashboard.views import DashboardApi

urlpatterns = [path("dashboard/", DashboardApi.as_view(), name="analytics-dashboard")]
