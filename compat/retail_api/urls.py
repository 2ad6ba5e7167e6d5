"""Seed 004's paths, exactly as it writes them (a trailing slash on collections only)."""

from django.urls import path

from compat.retail_api.views import (
    RetailCategoryViewSet,
    RetailDashboardViewSet,
    RetailLoginViewSet,
    RetailMembershipViewSet,
    RetailProductViewSet,
    RetailRegisterViewSet,
    RetailTransactionViewSet,
)

COLLECTION = {"get": "list", "post": "create"}
RECORD = {"get": "retrieve", "put": "update", "delete": "destroy"}

urlpatterns = [
    path("register", RetailRegisterViewSet.as_view({"post": "register"}), name="compat-retail-register"),
    path("login", RetailLoginViewSet.as_view({"post": "login"}), name="compat-retail-login"),
    path("dashboard/", RetailDashboardViewSet.as_view({"get": "dashboard"}), name="compat-retail-dashboard"),
    path("product-categories/", RetailCategoryViewSet.as_view({"get": "list"}), name="compat-retail-categories"),
    path("products/", RetailProductViewSet.as_view(COLLECTION), name="compat-retail-products"),
    path("products/<str:product_id>", RetailProductViewSet.as_view(RECORD), name="compat-retail-product"),
    path("transactions/", RetailTransactionViewSet.as_view(COLLECTION), name="compat-retail-transactions"),
    path(
        "transactions/<str:transaction_id>",
        RetailTransactionViewSet.as_view({"get": "retrieve"}),
        name="compat-retail-transaction",
    ),
    path("memberships/", RetailMembershipViewSet.as_view(COLLECTION), name="compat-retail-memberships"),
    path("memberships/<str:membership_id>", RetailMembershipViewSet.as_view(RECORD), name="compat-retail-membership"),
]
