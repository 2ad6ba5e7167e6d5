"""Seed 004 (the retail FastAPI backend): its routes over our services, selectors and serializers.

Each view renames the original's fields to ours, lets the serializer of the
matching ``/api/v1/`` route validate, calls the same service, and answers in
``{"status", "message", "data"}``.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.serializers import LoginSerializer, RegisterSerializer
from accounts.services import token_issue, user_register
from analytics.dashboard.answer import dashboard_answer
from analytics.dashboard.params import dashboard_query_parse
from analytics.rfm.models import RfmAlgorithm
from catalog.selectors import category_list, product_list
from catalog.serializers import ProductSerializer
from catalog.services import product_create, product_soft_delete, product_update
from compat.pagination import LinkHeaderPagination
from compat.retail_api.envelopes import (
    TAG,
    RetailDeletedEnvelope,
    RetailErrorEnvelope,
    retail_envelope,
    retail_exception_handler,
    success,
)
from compat.retail_api.serializers import (
    ACCOUNT_FIELDS,
    MEMBERSHIP_FIELDS,
    PRODUCT_FIELDS,
    TRANSACTION_DETAIL_FIELDS,
    TRANSACTION_FIELDS,
    RetailAccountSerializer,
    RetailCategorySerializer,
    RetailCredentialsSerializer,
    RetailDashboardSerializer,
    RetailLoginSerializer,
    RetailMembershipRequestSerializer,
    RetailMembershipSerializer,
    RetailProductRequestSerializer,
    RetailProductSerializer,
    RetailTransactionDetailSerializer,
    RetailTransactionRequestSerializer,
    RetailTransactionSerializer,
)
from compat.translate import body_as, inverse
from compat.views import CompatViewSet
from customers.selectors import membership_list
from customers.serializers import MembershipSerializer
from customers.services import membership_create, membership_delete, membership_update
from sales.selectors import order_list
from sales.serializers import OrderSerializer
from sales.services import order_create

ERRORS = {
    400: OpenApiResponse(RetailErrorEnvelope, description="Bad input; `data` names the fields."),
    401: OpenApiResponse(RetailErrorEnvelope, description="No or bad credentials."),
    403: OpenApiResponse(RetailErrorEnvelope, description="The user's role may not do this."),
    404: OpenApiResponse(RetailErrorEnvelope, description="No such record."),
}
WRITE_ERRORS = {**ERRORS, 409: OpenApiResponse(RetailErrorEnvelope, description="Not enough stock.")}
PUBLIC_ERRORS = {400: ERRORS[400], 429: OpenApiResponse(RetailErrorEnvelope, description="Too many attempts.")}

AccountEnvelope = retail_envelope("RetailAccountEnvelope", RetailAccountSerializer())
LoginEnvelope = retail_envelope("RetailLoginEnvelope", RetailLoginSerializer())
CategoryListEnvelope = retail_envelope("RetailCategoryListEnvelope", RetailCategorySerializer(many=True))
ProductEnvelope = retail_envelope("RetailProductEnvelope", RetailProductSerializer())
ProductListEnvelope = retail_envelope("RetailProductListEnvelope", RetailProductSerializer(many=True))
TransactionEnvelope = retail_envelope("RetailTransactionEnvelope", RetailTransactionSerializer())
TransactionListEnvelope = retail_envelope("RetailTransactionListEnvelope", RetailTransactionSerializer(many=True))
TransactionDetailsEnvelope = retail_envelope(
    "RetailTransactionDetailsEnvelope", RetailTransactionDetailSerializer(many=True)
)
DashboardEnvelope = retail_envelope("RetailDashboardEnvelope", RetailDashboardSerializer())
MembershipEnvelope = retail_envelope("RetailMembershipEnvelope", RetailMembershipSerializer())
MembershipListEnvelope = retail_envelope("RetailMembershipListEnvelope", RetailMembershipSerializer(many=True))


class RetailViewSet(CompatViewSet):
    compat_prefix = "/compat/retail-api/"
    compat_name = "retail_api"

    def get_exception_handler(self):
        return retail_exception_handler


@extend_schema(tags=[TAG])
class RetailRegisterViewSet(RetailViewSet):
    """``POST /register``: anyone may register; new users are read-only viewers (as ``auth/register/``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RetailCredentialsSerializer, responses={201: AccountEnvelope, **PUBLIC_ERRORS}, auth=[])
    def register(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=body_as(request.data, ACCOUNT_FIELDS))
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        data = RetailAccountSerializer(user).data
        return Response(success("User registered successfully", data), status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class RetailLoginViewSet(RetailViewSet):
    """``POST /login``: the answer adds the API ``token`` every other route needs (as ``auth/login/``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=RetailCredentialsSerializer, responses={200: LoginEnvelope, **PUBLIC_ERRORS}, auth=[])
    def login(self, request: Request) -> Response:
        serializer = LoginSerializer(data=body_as(request.data, ACCOUNT_FIELDS), context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        data = {**RetailAccountSerializer(user).data, "token": token_issue(user=user).key}
        return Response(success("User logged in successfully", data))


DASHBOARD_PARAMETERS = ("start_date", "end_date", "model")


@extend_schema(tags=[TAG])
class RetailDashboardViewSet(RetailViewSet):
    """``GET dashboard/``: the answer of ``/api/v1/analytics/dashboard/`` (same cache), under the original's names."""

    def get_queryset(self):
        return order_list()  # for the model permissions: reading sales

    @extend_schema(
        parameters=[
            OpenApiParameter("start_date", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive."),
            OpenApiParameter(
                "end_date", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive; also the RFM reference date."
            ),
            OpenApiParameter(
                "model",
                str,
                enum=RfmAlgorithm.values,
                description="kmeans or dbscan as in the original; default quantile.",
            ),
        ],
        responses={200: DashboardEnvelope, **ERRORS},
    )
    def dashboard(self, request: Request) -> Response:
        # Only the original's parameters: others were ignored there, so they are here.
        params = {name: request.query_params[name] for name in DASHBOARD_PARAMETERS if name in request.query_params}
        answer = dashboard_answer(query=dashboard_query_parse(params))
        return Response(success("Dashboard data retrieved successfully", RetailDashboardSerializer(answer).data))


@extend_schema(tags=[TAG])
class RetailCategoryViewSet(RetailViewSet):
    pagination_class = LinkHeaderPagination

    def get_queryset(self):
        return category_list()

    @extend_schema(responses={200: CategoryListEnvelope, **ERRORS})
    def list(self, request: Request) -> Response:
        page, headers = self.page_of(self.get_queryset())
        data = RetailCategorySerializer(page, many=True).data
        return Response(success("Product categories retrieved successfully", data), headers=headers)


@extend_schema(tags=[TAG])
class RetailProductViewSet(RetailViewSet):
    pagination_class = LinkHeaderPagination
    lookup_url_kwarg = "product_id"
    object_label = "product"
    compat_field_names = inverse(PRODUCT_FIELDS)

    def get_queryset(self):
        return product_list()

    @extend_schema(responses={200: ProductListEnvelope, **ERRORS})
    def list(self, request: Request) -> Response:
        page, headers = self.page_of(self.get_queryset())
        data = RetailProductSerializer(page, many=True).data
        return Response(success("Products retrieved successfully", data), headers=headers)

    @extend_schema(responses={200: ProductEnvelope, **ERRORS})
    def retrieve(self, request: Request, product_id: str) -> Response:
        return Response(success("Product found", RetailProductSerializer(self.get_object()).data))

    @extend_schema(request=RetailProductRequestSerializer, responses={201: ProductEnvelope, **ERRORS})
    def create(self, request: Request) -> Response:
        serializer = ProductSerializer(data=body_as(request.data, PRODUCT_FIELDS))
        serializer.is_valid(raise_exception=True)
        product = product_create(**serializer.validated_data)
        data = RetailProductSerializer(product).data
        return Response(success("Product created successfully", data), status=status.HTTP_201_CREATED)

    @extend_schema(request=RetailProductRequestSerializer, responses={200: ProductEnvelope, **ERRORS})
    def update(self, request: Request, product_id: str) -> Response:
        product = self.get_object()
        serializer = ProductSerializer(product, data=body_as(request.data, PRODUCT_FIELDS))
        serializer.is_valid(raise_exception=True)
        product = product_update(product=product, **serializer.validated_data)
        return Response(success("Product updated successfully", RetailProductSerializer(product).data))

    @extend_schema(
        responses={200: RetailDeletedEnvelope, **ERRORS},
        description="Soft delete: the product leaves lists and its detail answers 404; past orders keep it.",
    )
    def destroy(self, request: Request, product_id: str) -> Response:
        product_soft_delete(product=self.get_object())
        return Response(success("Product deleted successfully", True))


def _transaction_body(data: Any) -> dict[str, Any]:
    """The original's transaction under the orders serializer's names, details as order lines."""
    body = body_as(data, TRANSACTION_FIELDS)
    if isinstance(body.get("lines"), list):
        body["lines"] = [
            body_as(detail, TRANSACTION_DETAIL_FIELDS, at=f"transaction_details.{index}")
            for index, detail in enumerate(body["lines"])
        ]
    return body


@extend_schema(tags=[TAG])
class RetailTransactionViewSet(RetailViewSet):
    """Transactions are our orders; their details are the order lines."""

    pagination_class = LinkHeaderPagination
    lookup_url_kwarg = "transaction_id"
    object_label = "transaction"
    compat_field_names = {**inverse(TRANSACTION_FIELDS), **inverse(TRANSACTION_DETAIL_FIELDS)}

    def get_queryset(self):
        return order_list()

    @extend_schema(responses={200: TransactionListEnvelope, **ERRORS})
    def list(self, request: Request) -> Response:
        # A list shows no lines: drop the selector's prefetch of them.
        page, headers = self.page_of(self.get_queryset().prefetch_related(None).order_by("-ordered_at", "-id"))
        data = RetailTransactionSerializer(page, many=True).data
        return Response(success("Transactions retrieved successfully", data), headers=headers)

    @extend_schema(
        responses={200: TransactionDetailsEnvelope, **ERRORS},
        operation_id="compat_retail_api_transaction_details_list",
        description="The transaction's details: one per order line.",
    )
    def retrieve(self, request: Request, transaction_id: str) -> Response:
        lines = self.get_object().lines.all()
        data = RetailTransactionDetailSerializer(lines, many=True).data
        return Response(success("Transaction details retrieved successfully", data))

    @extend_schema(request=RetailTransactionRequestSerializer, responses={201: TransactionEnvelope, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        serializer = OrderSerializer(data=_transaction_body(request.data))
        serializer.is_valid(raise_exception=True)
        order = order_create(**serializer.validated_data)
        data = RetailTransactionSerializer(order).data
        return Response(success("Transaction created successfully", data), status=status.HTTP_201_CREATED)


def _membership_body(data: Any) -> dict[str, Any]:
    body = body_as(data, MEMBERSHIP_FIELDS)
    if isinstance(body.get("tier"), str):
        body["tier"] = body["tier"].strip().lower()
    return body


@extend_schema(tags=[TAG])
class RetailMembershipViewSet(RetailViewSet):
    pagination_class = LinkHeaderPagination
    lookup_url_kwarg = "membership_id"
    object_label = "membership"
    compat_field_names = inverse(MEMBERSHIP_FIELDS)

    def get_queryset(self):
        return membership_list()

    @extend_schema(responses={200: MembershipListEnvelope, **ERRORS})
    def list(self, request: Request) -> Response:
        page, headers = self.page_of(self.get_queryset())
        data = RetailMembershipSerializer(page, many=True).data
        return Response(success("Memberships retrieved successfully", data), headers=headers)

    @extend_schema(responses={200: MembershipEnvelope, **ERRORS})
    def retrieve(self, request: Request, membership_id: str) -> Response:
        return Response(success("Membership found", RetailMembershipSerializer(self.get_object()).data))

    @extend_schema(request=RetailMembershipRequestSerializer, responses={201: MembershipEnvelope, **ERRORS})
    def create(self, request: Request) -> Response:
        serializer = MembershipSerializer(data=_membership_body(request.data))
        serializer.is_valid(raise_exception=True)
        membership = membership_create(**serializer.validated_data)
        data = RetailMembershipSerializer(membership).data
        return Response(success("Membership created successfully", data), status=status.HTTP_201_CREATED)

    @extend_schema(request=RetailMembershipRequestSerializer, responses={200: MembershipEnvelope, **ERRORS})
    def update(self, request: Request, membership_id: str) -> Response:
        membership = self.get_object()
        # The original's update names no customer: the membership keeps its own.
        body = {**_membership_body(request.data), "customer": membership.customer_id}
        serializer = MembershipSerializer(membership, data=body)
        serializer.is_valid(raise_exception=True)
        membership = membership_update(membership=membership, **serializer.validated_data)
        return Response(success("Membership updated successfully", RetailMembershipSerializer(membership).data))

    @extend_schema(responses={200: RetailDeletedEnvelope, **ERRORS})
    def destroy(self, request: Request, membership_id: str) -> Response:
        membership_delete(membership=self.get_object())
        return Response(success("Membership deleted successfully", True))
