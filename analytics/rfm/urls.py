from django.urls import path
from rest_framework.routers import DefaultRouter

from analytics.rfm.views import RfmRunCompareApi, RfmRunCustomersApi, RfmRunViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rfm-runs", RfmRunViewSet, basename="rfm-run")

urlpatterns = [
    path("rfm-runs/<int:pk>/customers/", RfmRunCustomersApi.as_view(), name="rfm-run-customers"),
    path("rfm-runs/<int:pk>/compare/", RfmRunCompareApi.as_view(), name="rfm-run-compare"),
    *router.urls,
]
