"""What every compat view shares: no filters of /api/v1/, ids parsed with a clear 404, readable operation ids.

Authentication and permissions are the project defaults (token or session,
``ModelRolePermission``), exactly as on ``/api/v1/``; each original's base view only
adds its exception handler, its prefix and its field names.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.openapi import AutoSchema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.metadata import SimpleMetadata
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

# The largest id a BigAutoField holds; a longer number names no record.
MAX_ID = 2**63 - 1


class CompatAutoSchema(AutoSchema):
    """Operation ids ``compat_<original>_<path words>_<action>``, without the original's own ``api/v1``."""

    def get_operation_id(self) -> str:
        rest = self.path.removeprefix(self.view.compat_prefix)
        words = [word.replace("-", "_") for word in rest.split("/") if word and not word.startswith("{")]
        listing = self.method == "GET" and self._is_list_view()
        action = "list" if listing else self.method_mapping[self.method.lower()]
        return "_".join(["compat", self.view.compat_name, *words, action])


def object_id(raw: str, *, label: str) -> int:
    """The integer id in a path; UUIDs and other strings name nothing here (404 saying why)."""
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    raise NotFound(f"No {label} with id {raw!r}: ids on this server are positive integers, not UUIDs or names.")


class CompatMetadata(SimpleMetadata):
    """``OPTIONS``: the route's name, description and media types; its methods are in ``Allow``.

    The request bodies are translated by hand, not declared by one serializer, so
    there are no ``actions`` to describe (the OpenAPI schema documents them).
    """

    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }


class CompatViewSet(viewsets.GenericViewSet):
    """Base of every compat view: the project's auth and roles, the original's shapes."""

    schema = CompatAutoSchema()
    # The originals spoke JSON only; a browser asking for HTML gets the JSON too.
    renderer_classes = [JSONRenderer]
    metadata_class = CompatMetadata
    filter_backends: list = []
    pagination_class = None
    compat_prefix = ""
    compat_name = ""
    # Our field name -> the original's, for error messages (``unit_price`` -> ``price``).
    compat_field_names: Mapping[str, str] = {}
    object_label = "record"
    lookup_url_kwarg = "id"

    def get_object(self) -> Model:
        pk = object_id(self.kwargs[self.lookup_url_kwarg], label=self.object_label)
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise NotFound(f"No {self.object_label} with id {pk}.")
        self.check_object_permissions(self.request, obj)
        return obj

    def page_of(self, queryset: QuerySet) -> tuple[list[Any], dict[str, str]]:
        """One page of ``queryset`` and the headers that lead to the others."""
        page = self.paginate_queryset(queryset)
        return page, self.paginator.page_headers()
