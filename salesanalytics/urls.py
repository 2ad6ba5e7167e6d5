from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.health import healthz, readyz

api_v1 = [
    path("auth/", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("catalog.urls")),
    path("", include("sales.urls")),
    path("", include("ingestion.urls")),
    path("analytics/", include("analytics.urls")),
    path("analytics/", include("analytics.rfm.urls")),
    path("analytics/", include("analytics.dashboard.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path("api/v1/", include(api_v1)),
    # The five original backends' own routes and envelopes (docs/compat.md).
    path("compat/segments-api/api/v1/", include("compat.segments_api.urls")),
    path("compat/purchases-api/", include("compat.purchases_api.urls")),
    path("compat/sales-api/api/v1/", include("compat.sales_api.urls")),
    path("compat/analytics-api/api/", include("compat.analytics_api.urls")),
    path("compat/retail-api/", include("compat.retail_api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
