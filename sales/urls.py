from rest_framework.routers import DefaultRouter

from sales.views import AgentViewSet, OrderViewSet, TeamViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("teams", TeamViewSet, basename="team")
router.register("agents", AgentViewSet, basename="agent")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
