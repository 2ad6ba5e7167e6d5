from rest_framework.routers import DefaultRouter

from customers.views import CustomerViewSet, MembershipViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("customers", CustomerViewSet, basename="customer")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = router.urls
