from django.urls import path

from analytics.views import (
    CacheRefreshApi,
    MetricsApi,
    SalesByAgentApi,
    SalesByTeamApi,
    TopCustomersApi,
    TopProductsApi,
)

urlpatterns = [
    path("sales/by-agent/", SalesByAgentApi.as_view(), name="analytics-sales-by-agent"),
    path("sales/by-team/", SalesByTeamApi.as_view(), name="analytics-sales-by-team"),
    path("metrics/", MetricsApi.as_view(), name="analytics-metrics"),
    path("top-customers/", TopCustomersApi.as_view(), name="analytics-top-customers"),
    path("top-products/", TopProductsApi.as_view(), name="analytics-top-products"),
    path("cache/refresh/", CacheRefreshApi.as_view(), name="analytics-cache-refresh"),
]
