"""The project's domain error and the one place that maps errors to HTTP."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 5


class ApplicationError(Exception):
    """A business rule refused the request; ``field`` names the input at fault."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The request is valid but clashes with the current state (stock, references)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class InsufficientStock(ConflictError):
    default_code = "insufficient_stock"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain and Django errors into DRF's JSON error shapes; never a 500 for bad input."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.default_code, **exc.extra}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable or gave up on the statement (restart, lock timeout): worth a retry.
        logger.warning("database unavailable answering %s: %s", context.get("view").__class__.__name__, exc)
        return Response(
            {"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            {"detail": "This record is referenced by other records and cannot be deleted.", "code": "protected"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)
