"""Every compat error starts as the answer ``/api/v1/`` would give, then takes the original's envelope.

``api_exception_handler`` (the project's one exception handler) decides the status
code and the messages; this module only flattens them into ``field path -> messages``
under the original's field names, so each original's handler is a small function
that draws its own envelope around a :class:`CompatError`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rest_framework.response import Response

from common.exceptions import ApplicationError, api_exception_handler

NON_FIELD = "non_field_errors"
# Response headers a client needs to act on an error (log in, wait, use another method).
KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


@dataclass(frozen=True)
class CompatError:
    status_code: int
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)


def _flatten(detail: Any, path: tuple[str, ...], into: dict[str, list[str]]) -> None:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            # A nested serializer's own errors belong to the field that holds it.
            _flatten(value, path if key == NON_FIELD and path else (*path, str(key)), into)
    elif isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        for index, item in enumerate(detail):
            _flatten(item, (*path, str(index)), into)
    elif isinstance(detail, list):
        into.setdefault(".".join(path) or NON_FIELD, []).extend(str(item) for item in detail)
    elif detail not in (None, ""):
        into.setdefault(".".join(path) or NON_FIELD, []).append(str(detail))


def rename_path(path: str, names: Mapping[str, str]) -> str:
    """``lines.0.product`` -> ``transaction_details.0.product_id``: each segment under the original's name."""
    return ".".join(names.get(segment, segment) for segment in path.split("."))


def _message(fields: dict[str, list[str]]) -> str:
    parts = [messages[0] if path == NON_FIELD else f"{path}: {messages[0]}" for path, messages in fields.items()]
    return "; ".join(parts) or "The request is not valid."


def compat_error(
    exc: Exception, context: dict[str, Any], *, names: Mapping[str, str]
) -> tuple[CompatError, Response] | None:
    """The unified handler's status and messages for ``exc``, under the original's field names.

    None where the unified handler has no answer either (a bug, not bad input): DRF then raises it.
    """
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApplicationError):
        fields = {rename_path(exc.field, names): [exc.message]} if exc.field else {}
        return CompatError(response.status_code, exc.message, fields), response
    data = response.data
    if isinstance(data, Mapping) and "detail" in data:
        return CompatError(response.status_code, str(data["detail"])), response
    flat: dict[str, list[str]] = {}
    _flatten(data, (), flat)
    fields = {rename_path(path, names): messages for path, messages in flat.items()}
    return CompatError(response.status_code, _message(fields), fields), response


def envelope_exception_handler(
    render: Callable[[CompatError], Any],
) -> Callable[[Exception, dict[str, Any]], Response]:
    """An exception handler for one original: the unified decision, drawn in ``render``'s envelope."""

    def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
        names = getattr(context.get("view"), "compat_field_names", {})
        translated = compat_error(exc, context, names=names)
        if translated is None:
            return None
        error, unified = translated
        headers = {name: unified[name] for name in KEPT_HEADERS if name in unified}
        return Response(render(error), status=error.status_code, headers=headers)

    return handler
