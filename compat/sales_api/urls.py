"""Seed 002's paths after its ``/api/v1/``, exactly as it writes them (no trailing slashes)."""

from django.urls import path

from compat.sales_api.views import SalesByGroupViewSet, SalesByUserViewSet

urlpatterns = [
    path("sales/by-user", SalesByUserViewSet.as_view({"get": "by_user"}), name="compat-sales-by-user"),
    path("sales/by-group", SalesByGroupViewSet.as_view({"get": "by_group"}), name="compat-sales-by-group"),
]
