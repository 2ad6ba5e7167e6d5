from collections.abc import Iterator
from itertools import islice

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common.filters import StrictOrderingFilter
from customers.criteria import criteria_parse
from customers.filters import (
    CustomerFilter,
    MembershipFilter,
    SegmentChangeFilter,
    SegmentFilter,
    SegmentSnapshotFilter,
    TieBreakOrderingFilter,
)
from customers.models import Customer, RefreshReason, Segment, SegmentChange, SegmentSnapshot
from customers.parsers import CriteriaJSONParser
from customers.permissions import SegmentPermission, SegmentReadPermission, SegmentRefreshPermission
from customers.renderers import CSVRenderer, csv_lines
from customers.selectors import (
    customer_list,
    member_average_order_value,
    membership_list,
    segment_change_list,
    segment_list,
    segment_member_customers,
    segment_members,
    segment_snapshot_list,
    segment_warnings,
)
from customers.serializers import (
    CustomerSerializer,
    MembershipSerializer,
    SegmentChangeSerializer,
    SegmentMemberSerializer,
    SegmentPreviewRequestSerializer,
    SegmentPreviewSerializer,
    SegmentRefreshSerializer,
    SegmentSerializer,
    SegmentSnapshotSerializer,
    SegmentWithWarningsSerializer,
)
from customers.services import (
    customer_create,
    customer_delete,
    customer_update,
    membership_create,
    membership_delete,
    membership_update,
    segment_create,
    segment_delete,
    segment_refresh,
    segment_update,
)
from sales.selectors import order_list
from sales.serializers import OrderSerializer


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ["name", "email", "code", "phone", "region"]
    ordering_fields = ["id", "code", "name", "email", "region", "created_at", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        return customer_list()

    def perform_create(self, serializer):
        serializer.instance = customer_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = customer_update(customer=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        customer_delete(customer=instance)

    @extend_schema(
        responses=OrderSerializer(many=True),
        filters=False,
        description="The customer's orders, newest first, with their lines and products.",
    )
    @action(detail=True, methods=["get"], url_path="orders", filter_backends=[])
    def orders(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        page = self.paginate_queryset(order_list(customer_id=customer.pk).order_by("-ordered_at", "-id"))
        return self.get_paginated_response(OrderSerializer(page, many=True).data)


class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["id", "number", "tier", "start_date", "end_date", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        return membership_list()

    def perform_create(self, serializer):
        serializer.instance = membership_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = membership_update(membership=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        membership_delete(membership=instance)


PREVIEW_SIZE = 20


def _with_warnings(segment: Segment) -> dict:
    warnings = segment_warnings(criteria=criteria_parse(segment.criteria), customers_count=segment.customers_count or 0)
    return SegmentWithWarningsSerializer(segment, context={"warnings": warnings}).data


@extend_schema_view(
    create=extend_schema(
        responses={201: SegmentWithWarningsSerializer},
        description="Create a segment; its first refresh runs at once. `warnings` name criteria that select nothing.",
    ),
    update=extend_schema(
        responses=SegmentWithWarningsSerializer,
        description="New criteria start a new history line and refresh the segment at once.",
    ),
    partial_update=extend_schema(
        responses=SegmentWithWarningsSerializer,
        description="New criteria start a new history line and refresh the segment at once.",
    ),
)
class SegmentViewSet(viewsets.ModelViewSet):
    """Rule-based customer segments (SPEC §6); managers write, viewers read."""

    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter
    parser_classes = [CriteriaJSONParser]
    search_fields = ["name", "description"]
    ordering_fields = ["id", "name", "customers_count", "total_revenue", "refreshed_at", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return segment_list()

    def get_permissions(self):
        if self.action == "preview":
            return [SegmentReadPermission()]
        if self.action == "refresh":
            return [SegmentRefreshPermission()]
        return super().get_permissions()

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refresh = segment_create(**serializer.validated_data)
        return Response(_with_warnings(refresh.segment), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        segment_update(segment=serializer.instance, **serializer.validated_data)
        return Response(_with_warnings(segment_list().get(pk=serializer.instance.pk)))

    def perform_destroy(self, instance: Segment) -> None:
        segment_delete(segment=instance)

    @extend_schema(
        request=SegmentPreviewRequestSerializer,
        responses=SegmentPreviewSerializer,
        filters=False,
        description="The customers some criteria would select (the count, and the first 20 by id with their "
        "stats), and warnings about names that match nothing; nothing is saved. Viewers may preview.",
    )
    @action(detail=False, methods=["post"], url_path="preview", filter_backends=[])
    def preview(self, request: Request) -> Response:
        body = SegmentPreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        criteria = body.validated_data["criteria"]
        members = segment_members(criteria=criteria)
        count = members.count()
        preview = {
            "count": count,
            "results": segment_member_customers(members.order_by("customer_id")[:PREVIEW_SIZE]) if count else [],
            "warnings": segment_warnings(criteria=criteria, customers_count=count),
        }
        return Response(SegmentPreviewSerializer(preview).data)

    @extend_schema(
        request=None,
        responses=SegmentRefreshSerializer,
        filters=False,
        description="Refresh the segment now (managers): a snapshot if its members or revenue moved, "
        "and who entered and left since the last one.",
    )
    @action(detail=True, methods=["post"], url_path="refresh", filter_backends=[])
    def refresh(self, request: Request, pk: str | None = None) -> Response:
        segment = self.get_object()
        result = segment_refresh(segment_id=segment.pk, reason=RefreshReason.MANUAL)
        return Response(SegmentRefreshSerializer(result).data)


SEGMENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The segment's id.")
CSV_CHUNK = 2000
MEMBER_CSV_COLUMNS = [
    "id",
    "code",
    "name",
    "email",
    "region",
    "orders_count",
    "total_revenue",
    "average_order_value",
    "categories",
]


class _SegmentSubListApi(generics.ListAPIView):
    """A paginated list that belongs to one segment (``pk`` in the path)."""

    permission_classes = [SegmentPermission]

    def segment(self) -> Segment:
        if not hasattr(self, "_segment"):
            self._segment = get_object_or_404(segment_list(), pk=self.kwargs["pk"])
        return self._segment


@extend_schema(
    parameters=[SEGMENT_ID],
    description="The segment's members now, with orders_count, total_revenue, average_order_value and "
    "categories counted over the matching order lines only. `?format=csv` answers every member "
    "(filters and ordering applied, not paginated) as a CSV file.",
)
class SegmentMemberListApi(_SegmentSubListApi):
    serializer_class = SegmentMemberSerializer
    filterset_class = CustomerFilter
    filter_backends = [DjangoFilterBackend, SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "email", "code"]
    ordering_fields = ["id", "orders_count", "total_revenue", "average_order_value"]
    ordering = ["id"]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        # Filters and search are about customers: the members are sought among those they keep.
        customers = customer_list()
        for backend in (DjangoFilterBackend, SearchFilter):
            customers = backend().filter_queryset(self.request, customers, self)
        return segment_members(
            criteria=criteria_parse(self.segment().criteria),
            customers=customers if customers.query.has_filters() else None,
        )

    def filter_queryset(self, rows):
        # Ordering is on the rows' stats, with the customer id breaking ties so pages stay stable.
        terms = StrictOrderingFilter().get_ordering(self.request, rows, self) or self.ordering
        keys = [term.replace("id", "customer_id") if term.lstrip("-") == "id" else term for term in terms]
        if not {"customer_id", "-customer_id"} & set(keys):
            keys.append("customer_id")
        return rows.order_by(*keys)

    def list(self, request: Request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format != "csv":
            page = segment_member_customers(self.paginate_queryset(rows))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        response = StreamingHttpResponse(
            csv_lines(header=MEMBER_CSV_COLUMNS, rows=self._csv_rows(rows)), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="segment-{self.segment().pk}-members.csv"'
        return response

    @staticmethod
    def _csv_rows(rows) -> Iterator[list]:
        stream = rows.iterator(chunk_size=CSV_CHUNK)
        while chunk := list(islice(stream, CSV_CHUNK)):
            for member in segment_member_customers(chunk):
                yield [
                    member.id,
                    member.code,
                    member.name,
                    member.email,
                    member.region,
                    member.orders_count,
                    member.total_revenue,
                    member_average_order_value(member),
                    "; ".join(sorted(member.categories or [])),
                ]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when the rows were asked for as CSV.
        renderer = getattr(request, "accepted_renderer", None)
        if getattr(response, "status_code", 200) >= 400 and renderer is not None and renderer.format == "csv":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


@extend_schema(
    parameters=[SEGMENT_ID],
    description="The segment's snapshots, oldest first: member count and revenue at each refresh that "
    "moved them, and the criteria they were computed with (a new `line` begins when the criteria change).",
)
class SegmentSnapshotListApi(_SegmentSubListApi):
    serializer_class = SegmentSnapshotSerializer
    filterset_class = SegmentSnapshotFilter
    filter_backends = [*generics.ListAPIView.filter_backends[:1], TieBreakOrderingFilter]
    ordering_fields = ["id", "taken_at", "customers_count", "total_revenue"]
    ordering = ["taken_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SegmentSnapshot.objects.none()
        return segment_snapshot_list(segment=self.segment())


@extend_schema(
    parameters=[SEGMENT_ID],
    description="Customers who entered or left the segment, oldest first; `since` and `until` take a "
    "date (the whole day in ANALYTICS_TIME_ZONE) or an ISO 8601 date-time, both inclusive.",
)
class SegmentChangeListApi(_SegmentSubListApi):
    serializer_class = SegmentChangeSerializer
    filterset_class = SegmentChangeFilter
    filter_backends = [*generics.ListAPIView.filter_backends[:1], TieBreakOrderingFilter]
    ordering_fields = ["id", "at"]
    ordering = ["at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SegmentChange.objects.none()
        return segment_change_list(segment=self.segment())
