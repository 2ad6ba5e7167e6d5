"""Top customers and top products: ranking, ties, ranges and soft-deleted products, against plain Python."""

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from catalog.services import product_soft_delete
from tests.analytics.shop import Shop, local, money, within
from tests.factories import make_customer, make_product

pytestmark = pytest.mark.django_db

TOP_CUSTOMERS = "/api/v1/analytics/top-customers/"
TOP_PRODUCTS = "/api/v1/analytics/top-products/"


def expected_customers(sales, *, by="revenue", start=None, end=None, limit=10) -> list[dict]:
    totals = defaultdict(lambda: {"total_revenue": Decimal("0.00"), "orders_count": 0, "units": 0})
    customers = {}
    for sale in sales:
        if within(sale, start, end):
            row = totals[sale.customer.pk]
            row["total_revenue"] += sale.revenue
            row["orders_count"] += 1
            row["units"] += sale.units
            customers[sale.customer.pk] = sale.customer
    key = {"revenue": "total_revenue", "orders": "orders_count", "units": "units"}[by]
    ranked = sorted(totals.items(), key=lambda item: (-item[1][key], item[0]))[:limit]
    return [{"customer": pk, "code": customers[pk].code, "name": customers[pk].name, **row} for pk, row in ranked]


def expected_products(sales, *, by="units", start=None, end=None, limit=10) -> list[dict]:
    totals = defaultdict(lambda: {"units": 0, "total_revenue": Decimal("0.00"), "orders_count": 0})
    products = {}
    for sale in sales:
        if within(sale, start, end):
            for line in sale.lines:
                row = totals[line.product.pk]
                row["units"] += line.quantity
                row["total_revenue"] += line.total
                row["orders_count"] += 1
                products[line.product.pk] = line.product
    key = {"revenue": "total_revenue", "orders": "orders_count", "units": "units"}[by]
    ranked = sorted(totals.items(), key=lambda item: (-item[1][key], item[0]))[:limit]
    return [
        {
            "product": pk,
            "code": products[pk].code,
            "name": products[pk].name,
            "category": products[pk].category_id,
            **row,
        }
        for pk, row in ranked
    ]


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: money(v) if k == "total_revenue" else v for k, v in row.items()} for row in rows]


RANGES = [
    (None, None),
    (date(2024, 12, 1), date(2025, 1, 31)),  # whole months
    (date(2024, 12, 10), date(2025, 2, 5)),  # partial months at both ends
    (date(2025, 1, 3), date(2025, 1, 20)),  # inside one month
    (date(2024, 12, 16), None),
    (None, date(2025, 1, 14)),
]


def test_top_customers_match_a_plain_ranking(viewer_client, world):
    # Every range shape (open, whole months, partial months, inside one month) by every key.
    for start, end in RANGES:
        for by in ("revenue", "orders", "units"):
            params = {"by": by, "limit": 100}
            params |= {"start_date": start} if start else {}
            params |= {"end_date": end} if end else {}

            body = viewer_client.get(TOP_CUSTOMERS, params).json()

            expected = expected_customers(world.shop.sales, by=by, start=start, end=end, limit=100)
            assert comparable(body["results"]) == expected, params
            assert body["count"] == len(expected)


def test_top_products_match_a_plain_ranking(viewer_client, world):
    for start, end in RANGES:
        for by in ("revenue", "orders", "units"):
            params = {"by": by, "limit": 3}
            params |= {"start_date": start} if start else {}
            params |= {"end_date": end} if end else {}

            body = viewer_client.get(TOP_PRODUCTS, params).json()

            expected = expected_products(world.shop.sales, by=by, start=start, end=end, limit=3)
            assert comparable(body["results"]) == expected, params


def test_defaults_are_ten_by_revenue_and_by_units(viewer_client, db):
    shop = Shop()
    products = [make_product(unit_price=f"{i + 1}.00") for i in range(12)]
    customers = [make_customer() for _ in range(12)]
    for i, (customer, product) in enumerate(zip(customers, products, strict=True)):
        shop.sell(at=local(date(2025, 1, 1 + i)), customer=customer, lines=[(product, 12 - i)])

    top_customers = viewer_client.get(TOP_CUSTOMERS).json()
    top_products = viewer_client.get(TOP_PRODUCTS).json()

    assert top_customers["count"] == 10
    assert comparable(top_customers["results"]) == expected_customers(shop.sales)
    assert top_products["count"] == 10
    assert [row["product"] for row in top_products["results"]] == [p.pk for p in products[:10]]


def test_limit_one_is_the_seeds_most_valuable_customer_and_most_popular_product(viewer_client, world):
    customer = viewer_client.get(TOP_CUSTOMERS, {"limit": 1}).json()["results"]
    product = viewer_client.get(TOP_PRODUCTS, {"limit": 1}).json()["results"]

    assert comparable(customer) == expected_customers(world.shop.sales, limit=1)
    assert comparable(product) == expected_products(world.shop.sales, limit=1)


def test_ties_break_by_id_ascending(viewer_client, db):
    shop = Shop()
    product = make_product(unit_price="10.10")
    other = make_product(unit_price="20.20")
    first, second, third = make_customer(), make_customer(), make_customer()
    # 10.10 + 20.20 and 30.30: equal cents, reached by different sums.
    shop.sell(at=local(date(2025, 1, 5)), customer=third, lines=[(product, 1), (other, 1)])
    shop.sell(at=local(date(2025, 1, 6)), customer=second, lines=[(product, 3)])
    shop.sell(at=local(date(2025, 1, 7)), customer=first, lines=[(product, 1)])
    shop.sell(at=local(date(2025, 1, 7)), customer=first, lines=[(other, 1)])

    rows = viewer_client.get(TOP_CUSTOMERS).json()["results"]
    by_units = viewer_client.get(TOP_CUSTOMERS, {"by": "units"}).json()["results"]

    assert [row["customer"] for row in rows] == sorted([first.pk, second.pk, third.pk])
    assert {money(row["total_revenue"]) for row in rows} == {Decimal("30.30")}
    assert [row["customer"] for row in by_units] == [second.pk, first.pk, third.pk]


def test_soft_deleted_products_keep_their_history(viewer_client, db):
    shop = Shop()
    gone = make_product(unit_price="50.00")
    kept = make_product(unit_price="1.00")
    shop.sell(at=local(date(2025, 1, 5)), customer=make_customer(), lines=[(gone, 4), (kept, 1)])
    product_soft_delete(product=gone)

    products = viewer_client.get(TOP_PRODUCTS, {"by": "revenue"}).json()["results"]
    customers = viewer_client.get(TOP_CUSTOMERS).json()["results"]

    assert [(row["product"], money(row["total_revenue"])) for row in products] == [
        (gone.pk, Decimal("200.00")),
        (kept.pk, Decimal("1.00")),
    ]
    assert money(customers[0]["total_revenue"]) == Decimal("201.00")


def test_an_empty_range_is_an_empty_list(viewer_client, world):
    for route in (TOP_CUSTOMERS, TOP_PRODUCTS):
        assert viewer_client.get(route, {"start_date": "2031-01-01"}).json() == {"count": 0, "results": []}


def test_top_lists_read_a_constant_number_of_queries(viewer_client, world, django_assert_num_queries):
    # token, permission, data version, rollup state, the ranking, the winners' names
    with django_assert_num_queries(6):
        assert viewer_client.get(TOP_CUSTOMERS, {"limit": 100}).json()["count"] == 8
    with django_assert_num_queries(6):
        viewer_client.get(TOP_PRODUCTS, {"start_date": "2024-12-10", "end_date": "2025-02-05"})


def test_top_csv_has_the_same_rows(viewer_client, world):
    as_json = viewer_client.get(TOP_PRODUCTS, {"by": "revenue"}).json()["results"]

    lines = list(
        csv.DictReader(
            io.StringIO(viewer_client.get(TOP_PRODUCTS, {"by": "revenue", "format": "csv"}).content.decode())
        )
    )

    assert list(lines[0]) == ["product", "code", "name", "category", "units", "total_revenue", "orders_count"]
    assert [(int(line["product"]), money(line["total_revenue"])) for line in lines] == [
        (row["product"], money(row["total_revenue"])) for row in as_json
    ]
