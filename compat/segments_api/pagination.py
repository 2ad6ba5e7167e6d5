"""Seed 000's ``?page=&limit=`` and its ``meta`` block: ``{"page", "limit", "total", "totalPages"}``."""

import math
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def _positive_int(request: Request, name: str, *, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [f"Must be a whole number of at least 1, got {raw!r}."]})
    return int(raw)


class PageLimitPagination(BasePagination):
    """A page past the last answers an empty ``data`` (as the original's skip/take did), not 404.

    ``limit`` above 100 is capped, as ``page_size`` is on ``/api/v1/``; ``meta.limit`` says so.
    """

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.page = _positive_int(request, "page", default=1)
        self.limit = min(_positive_int(request, "limit", default=DEFAULT_LIMIT), MAX_LIMIT)
        self.total = queryset.count()
        start = (self.page - 1) * self.limit
        return list(queryset[start : start + self.limit]) if start < self.total else []

    def meta(self) -> dict[str, int]:
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "totalPages": math.ceil(self.total / self.limit),
        }

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response({"data": data, "meta": self.meta()})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        count = {"type": "integer"}
        return {
            "type": "object",
            "required": ["data", "meta"],
            "properties": {
                "data": schema,
                "meta": {
                    "type": "object",
                    "required": ["page", "limit", "total", "totalPages"],
                    "properties": {"page": count, "limit": count, "total": count, "totalPages": count},
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": f"Rows per page (at most {MAX_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            },
        ]
