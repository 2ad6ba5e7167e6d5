from django.urls import path
from rest_framework.routers import DefaultRouter

from customers.views import (
    CustomerViewSet,
    MembershipViewSet,
    SegmentChangeListApi,
    SegmentMemberListApi,
    SegmentSnapshotListApi,
    SegmentViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("customers", CustomerViewSet, basename="customer")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("segments", SegmentViewSet, basename="segment")

urlpatterns = [
    *router.urls,
    path("segments/<int:pk>/customers/", SegmentMemberListApi.as_view(), name="segment-customers"),
    path("segments/<int:pk>/history/", SegmentSnapshotListApi.as_view(), name="segment-history"),
    path("segments/<int:pk>/changes/", SegmentChangeListApi.as_view(), name="segment-changes"),
]
