from django.urls import path
from rest_framework.routers import DefaultRouter

from ingestion.views import ImportJobStartApi, ImportJobViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("data/logs", ImportJobViewSet, basename="import-job")

urlpatterns = [
    path("data/refresh/", ImportJobStartApi.as_view(), name="data-refresh"),
    *router.urls,
]
