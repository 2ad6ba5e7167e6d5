"""Seed 001's paths, exactly as it writes them (no trailing slashes)."""

from django.urls import path

from compat.purchases_api.views import (
    PurchasesAnalyticViewSet,
    PurchasesBackfillViewSet,
    PurchasesPurchaseViewSet,
    PurchasesUserPurchasesViewSet,
    PurchasesUserViewSet,
)

RECORD = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("users", PurchasesUserViewSet.as_view({"post": "create"}), name="compat-purchases-users"),
    path("users/<str:id>", PurchasesUserViewSet.as_view(RECORD), name="compat-purchases-user"),
    path("purchases", PurchasesPurchaseViewSet.as_view({"post": "create"}), name="compat-purchases-purchases"),
    path(
        "purchases/user/<str:id>",
        PurchasesUserPurchasesViewSet.as_view({"get": "list"}),
        name="compat-purchases-user-purchases",
    ),
    path(
        "purchases/analytic/most_valuable_customer",
        PurchasesAnalyticViewSet.as_view({"get": "most_valuable_customer"}),
        name="compat-purchases-most-valuable-customer",
    ),
    path(
        "purchases/analytic/most_popular_product",
        PurchasesAnalyticViewSet.as_view({"get": "most_popular_product"}),
        name="compat-purchases-most-popular-product",
    ),
    path("purchases/<str:id>", PurchasesPurchaseViewSet.as_view(RECORD), name="compat-purchases-purchase"),
    path(
        "products/data/backfill",
        PurchasesBackfillViewSet.as_view({"get": "backfill"}),
        name="compat-purchases-backfill",
    ),
]
