"""Each original's exception handler: the unified decision (status, message, headers) in its envelope."""

import pytest
from django.db import OperationalError
from rest_framework.exceptions import NotAuthenticated, Throttled, ValidationError

from common.exceptions import ConflictError
from compat.purchases_api.envelopes import purchases_exception_handler
from compat.retail_api.envelopes import retail_exception_handler
from compat.segments_api.envelopes import segments_exception_handler


class View:
    compat_field_names = {"unit_price": "price", "lines": "transaction_details", "product": "product_id"}


def test_a_database_outage_is_a_503_with_retry_after_in_every_envelope():
    for handler in (retail_exception_handler, purchases_exception_handler, segments_exception_handler):
        response = handler(OperationalError("server closed the connection"), {"view": View()})
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
    body = retail_exception_handler(OperationalError("gone"), {"view": View()}).data
    assert body == {"status": "error", "message": "The database is unavailable; try again shortly.", "data": None}


def test_nested_field_errors_are_flattened_under_the_originals_names():
    exc = ValidationError({"unit_price": ["Too low."], "lines": [{}, {"product": ["Gone."], "quantity": ["Zero."]}]})

    body = retail_exception_handler(exc, {"view": View()}).data

    assert body["data"] == {
        "price": ["Too low."],
        "transaction_details.1.product_id": ["Gone."],
        "transaction_details.1.quantity": ["Zero."],
    }
    assert body["message"] == (
        "price: Too low.; transaction_details.1.product_id: Gone.; transaction_details.1.quantity: Zero."
    )


def test_a_domain_error_keeps_its_status_and_names_its_field():
    response = purchases_exception_handler(ConflictError("Out of stock.", field="lines"), {"view": View()})
    assert (response.status_code, response.data) == (
        409,
        {"error": "Out of stock.", "details": {"transaction_details": ["Out of stock."]}},
    )


@pytest.mark.parametrize(
    ("exc", "status", "header"), [(NotAuthenticated(), 401, None), (Throttled(wait=7), 429, "Retry-After")]
)
def test_statuses_and_headers_come_from_the_unified_handler(exc, status, header):
    response = segments_exception_handler(exc, {"view": View()})
    assert response.status_code == status
    assert set(response.data) == {"error", "details"}
    if header:
        assert response[header] == "7"


def test_an_error_the_unified_handler_does_not_know_is_left_to_raise():
    assert retail_exception_handler(RuntimeError("bug"), {"view": View()}) is None
