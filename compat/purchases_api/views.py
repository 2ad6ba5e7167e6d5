"""Seed 001 (the purchases Express backend): users, purchases and the products backfill over our services.

A user is a customer (first and last name joined into its name); a purchase is an
order of one line, made by ``order_create`` at quantity 1 and the product's price.
"""

import time
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.cache import cached_report
from analytics.params import TopBy, top_query_from
from analytics.selectors.top import top_customers, top_products
from analytics.views import CanReadReports
from catalog.selectors import product_list
from common.exceptions import ApplicationError, ConflictError
from common.permissions import ModelRolePermission
from compat.pagination import LinkHeaderPagination
from compat.purchases_api.envelopes import TAG, PurchasesError, purchases_exception_handler
from compat.purchases_api.names import gender_value, name_join, name_split
from compat.purchases_api.serializers import (
    PurchasesPopularProductSerializer,
    PurchasesProductSerializer,
    PurchasesPurchaseInputSerializer,
    PurchasesPurchaseSerializer,
    PurchasesUserInputSerializer,
    PurchasesUserSerializer,
    PurchasesValuableCustomerSerializer,
)
from compat.schema import envelope
from compat.views import CompatViewSet, object_id
from customers.models import Customer
from customers.selectors import customer_list
from customers.serializers import CustomerSerializer
from customers.services import customer_create, customer_delete, customer_update
from ingestion.models import ImportJob, ImportKind
from ingestion.selectors import import_job_list
from ingestion.services import import_job_start_from_path
from sales.models import Order, OrderLine
from sales.selectors import order_list
from sales.services import order_create, order_delete, order_update

ERRORS = {
    400: OpenApiResponse(PurchasesError, description="Bad input; `details` names the fields."),
    401: OpenApiResponse(PurchasesError, description="No or bad credentials."),
    403: OpenApiResponse(PurchasesError, description="The user's role may not do this."),
    404: OpenApiResponse(PurchasesError, description="No such record."),
}
WRITE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(PurchasesError, description="Not enough stock, or an order that is not one purchase."),
}


class PurchasesViewSet(CompatViewSet):
    compat_prefix = "/compat/purchases-api/"
    compat_name = "purchases_api"

    def get_exception_handler(self):
        return purchases_exception_handler


def _customer_body(data: Any, *, customer: Customer | None = None) -> dict[str, Any]:
    """The original's user under the customers serializer's names; a PATCH keeps the name part it omits."""
    serializer = PurchasesUserInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    given = serializer.validated_data
    body: dict[str, Any] = {key: given[key] for key in ("email",) if key in given}
    if "gender" in given:
        body["gender"] = gender_value(given["gender"])
    if customer is None or "first_name" in given or "last_name" in given:
        current_first, current_last = name_split(customer.name) if customer else ("", "")
        body["name"] = name_join(given.get("first_name", current_first), given.get("last_name", current_last))
    return body


@extend_schema(tags=[TAG])
class PurchasesUserViewSet(PurchasesViewSet):
    object_label = "user"
    compat_field_names = {"name": "first_name"}

    def get_queryset(self):
        return customer_list()

    @extend_schema(request=PurchasesUserInputSerializer, responses={201: PurchasesUserSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        serializer = CustomerSerializer(data=_customer_body(request.data))
        serializer.is_valid(raise_exception=True)
        customer = customer_create(**serializer.validated_data)
        return Response(PurchasesUserSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PurchasesUserSerializer, **ERRORS})
    def retrieve(self, request: Request, id: str) -> Response:
        return Response(PurchasesUserSerializer(self.get_object()).data)

    @extend_schema(request=PurchasesUserInputSerializer, responses={200: PurchasesUserSerializer, **ERRORS})
    def partial_update(self, request: Request, id: str) -> Response:
        customer = self.get_object()
        serializer = CustomerSerializer(customer, data=_customer_body(request.data, customer=customer), partial=True)
        serializer.is_valid(raise_exception=True)
        customer = customer_update(customer=customer, **serializer.validated_data)
        return Response(PurchasesUserSerializer(customer).data)

    @extend_schema(
        responses={200: PurchasesUserSerializer, **ERRORS, 409: OpenApiResponse(PurchasesError)},
        description="Answers the user as it was. A user with purchases cannot be deleted (409).",
    )
    def destroy(self, request: Request, id: str) -> Response:
        customer = self.get_object()
        data = PurchasesUserSerializer(customer).data
        customer_delete(customer=customer)
        return Response(data)


def _only_line(order: Order) -> OrderLine:
    """The order's one line; an order of several lines is no single purchase (409 saying where to read it)."""
    lines = list(order.lines.all())
    if len(lines) != 1:
        raise ConflictError(
            f"Order {order.pk} has {len(lines)} lines; a purchase is an order of one line. "
            f"Read it at /api/v1/orders/{order.pk}/."
        )
    return lines[0]


@extend_schema(tags=[TAG])
class PurchasesPurchaseViewSet(PurchasesViewSet):
    object_label = "purchase"
    compat_field_names = {"customer": "user_id", "lines": "product_id", "product": "product_id"}

    def get_queryset(self):
        return order_list()

    def _answer(self, order: Order, *, status_code: int = status.HTTP_200_OK) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(PurchasesPurchaseSerializer(_only_line(order)).data, status=status_code)

    @extend_schema(
        request=PurchasesPurchaseInputSerializer, responses={201: PurchasesPurchaseSerializer, **WRITE_ERRORS}
    )
    def create(self, request: Request) -> Response:
        serializer = PurchasesPurchaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = order_create(customer=data["user_id"], lines=[{"product": data["product_id"], "quantity": 1}])
        return self._answer(order, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PurchasesPurchaseSerializer, **WRITE_ERRORS})
    def retrieve(self, request: Request, id: str) -> Response:
        return Response(PurchasesPurchaseSerializer(_only_line(self.get_object())).data)

    @extend_schema(
        request=PurchasesPurchaseInputSerializer,
        responses={200: PurchasesPurchaseSerializer, **WRITE_ERRORS},
        description="A new product is bought at its own price, in the purchase's quantity.",
    )
    def partial_update(self, request: Request, id: str) -> Response:
        order = self.get_object()
        line = _only_line(order)
        serializer = PurchasesPurchaseInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes: dict[str, Any] = {}
        if "user_id" in data:
            changes["customer"] = data["user_id"]
        if "product_id" in data and data["product_id"].pk != line.product_id:
            changes["lines"] = [{"product": data["product_id"], "quantity": line.quantity}]
        return self._answer(order_update(order=order, **changes))

    @extend_schema(
        responses={200: PurchasesPurchaseSerializer, **WRITE_ERRORS}, description="Answers the purchase as it was."
    )
    def destroy(self, request: Request, id: str) -> Response:
        order = self.get_object()
        data = PurchasesPurchaseSerializer(_only_line(order)).data
        order_delete(order=order)
        return Response(data)


@extend_schema(tags=[TAG])
class PurchasesUserPurchasesViewSet(PurchasesViewSet):
    """A user's purchases: every line of their orders, newest order first (pages count orders)."""

    pagination_class = LinkHeaderPagination

    def get_queryset(self):
        return order_list()

    @extend_schema(responses={200: PurchasesPurchaseSerializer(many=True), **ERRORS})
    def list(self, request: Request, id: str) -> Response:
        pk = object_id(id, label="user")
        if not customer_list().filter(pk=pk).exists():
            raise NotFound(f"No user with id {pk}.")
        orders, headers = self.page_of(order_list(customer_id=pk).order_by("-ordered_at", "-id"))
        lines = [line for order in orders for line in order.lines.all()]
        return Response(PurchasesPurchaseSerializer(lines, many=True).data, headers=headers)


class BackfillPermission(ModelRolePermission):
    """The original started its backfill with a GET; here that GET needs the right to start an import."""

    perms_map = {**ModelRolePermission.perms_map, "GET": ModelRolePermission.perms_map["POST"]}


def _wait_for(job: ImportJob, *, seconds: float) -> ImportJob:
    """The job once finished, or as it stands after ``seconds`` (a worker may still be busy)."""
    deadline = time.monotonic() + seconds
    job = import_job_list().get(pk=job.pk)
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job = import_job_list().get(pk=job.pk)
    return job


BackfillRunning = envelope(
    "PurchasesBackfillRunning",
    message=serializers.CharField(),
    job=serializers.UUIDField(help_text="Follow it at /api/v1/data/logs/{job}/."),
    status=serializers.CharField(),
)


@extend_schema(tags=[TAG])
class PurchasesBackfillViewSet(PurchasesViewSet):
    """``GET products/data/backfill``: the products import ``backfill_products`` runs, then the catalogue."""

    permission_classes = [BackfillPermission]
    pagination_class = LinkHeaderPagination

    def get_queryset(self):
        return import_job_list()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file_path",
                OpenApiTypes.STR,
                description="A products CSV inside the server's IMPORT_ROOT; default COMPAT_PRODUCTS_BACKFILL_FILE.",
            )
        ],
        responses={
            200: PurchasesProductSerializer(many=True),
            202: OpenApiResponse(BackfillRunning, description="The job outlived the wait; it goes on."),
            **ERRORS,
        },
        description="Managers only. Waits up to COMPAT_BACKFILL_WAIT_SECONDS for the import job, then answers the "
        "products on sale; the job's id is in the X-Import-Job header.",
    )
    def backfill(self, request: Request) -> Response:
        file_path = request.query_params.get("file_path") or str(settings.COMPAT_PRODUCTS_BACKFILL_FILE)
        job = import_job_start_from_path(kind=ImportKind.PRODUCTS, file_path=file_path, created_by=request.user)
        job = _wait_for(job, seconds=settings.COMPAT_BACKFILL_WAIT_SECONDS)
        if not job.is_finished:
            running = {
                "message": f"The backfill is still running; follow it at /api/v1/data/logs/{job.pk}/.",
                "job": str(job.pk),
                "status": job.status,
            }
            return Response(running, status=status.HTTP_202_ACCEPTED, headers={"X-Import-Job": str(job.pk)})
        if job.error:
            raise ApplicationError(f"The backfill failed: {job.error}", field="file_path")
        products, headers = self.page_of(product_list())
        headers["X-Import-Job"] = str(job.pk)
        return Response(PurchasesProductSerializer(products, many=True).data, headers=headers)


@extend_schema(tags=[TAG])
class PurchasesAnalyticViewSet(PurchasesViewSet):
    """The original's two analytics: the top customer and the top product, all time (``limit=1``)."""

    permission_classes = [CanReadReports]

    @extend_schema(
        responses={200: PurchasesValuableCustomerSerializer, **ERRORS},
        description="The user with the most revenue, as the first row of /api/v1/analytics/top-customers/?limit=1 "
        "(ties: the lowest id). 404 while nothing was sold.",
    )
    def most_valuable_customer(self, request: Request) -> Response:
        query = top_query_from({"limit": "1"}, default_by=TopBy.REVENUE)
        rows = cached_report(report="compat-most-valuable-customer", query=query, compute=lambda: top_customers(query))
        if not rows:
            raise NotFound("Nothing was purchased yet, so there is no most valuable customer.")
        top = rows[0]
        user = PurchasesUserSerializer(customer_list().get(pk=top.customer)).data
        return Response(
            {**user, "total_revenue": top.total_revenue, "orders_count": top.orders_count, "units": top.units}
        )

    @extend_schema(
        responses={200: PurchasesPopularProductSerializer, **ERRORS},
        description="The product sold in the most units, as the first row of /api/v1/analytics/top-products/?limit=1 "
        "(ties: the lowest id; soft-deleted products rank too). 404 while nothing was sold.",
    )
    def most_popular_product(self, request: Request) -> Response:
        query = top_query_from({"limit": "1"}, default_by=TopBy.UNITS)
        rows = cached_report(report="compat-most-popular-product", query=query, compute=lambda: top_products(query))
        if not rows:
            raise NotFound("Nothing was purchased yet, so there is no most popular product.")
        top = rows[0]
        product = PurchasesProductSerializer(product_list(include_deleted=True).get(pk=top.product)).data
        return Response(
            {**product, "units": top.units, "total_revenue": top.total_revenue, "orders_count": top.orders_count}
        )
