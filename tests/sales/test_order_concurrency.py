"""Concurrent orders for the last units, on real parallel database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Product
from sales.models import Order
from tests.factories import make_customer, make_product

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking is tested on PostgreSQL"),
]


def test_ten_parallel_orders_for_three_units_sell_exactly_three(manager_user):
    # Given a product with 3 units left and 10 buyers ready at the same moment
    product = make_product(stock=3)
    customer = make_customer()
    token = Token.objects.create(user=manager_user).key
    start = threading.Barrier(10)

    def place_order(_: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            start.wait()
            response = client.post(
                "/api/v1/orders/", {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": 1}]}
            )
            return response.status_code
        finally:
            connections.close_all()

    # When all ten post their order at once
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(place_order, range(10)))

    # Then exactly three win, the rest get 409, and stock never goes below zero
    assert sorted(statuses) == [201] * 3 + [409] * 7
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 3
