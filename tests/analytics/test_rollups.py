"""Rollups: the rollup and raw paths agree on every report, and every kind of write keeps the rollups exact."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from analytics.models import (
    AgentDailySales,
    AgentMonthlySales,
    CategoryDailySales,
    CustomerMonthlySales,
    CustomerTotalSales,
    ProductMonthlySales,
    RegionPaymentDailySales,
    RollupState,
)
from analytics.params import Grouping, metrics_query_from, sales_query_from, top_query_from
from analytics.params import TopBy as By
from analytics.rollups import rollups_rebuild, rollups_usable
from analytics.selectors.metrics import metrics_report
from analytics.selectors.sales import sales_by_agent, sales_by_team
from analytics.selectors.sources import Source
from analytics.selectors.top import top_customers, top_products
from catalog.services import product_update
from ingestion.services import import_job_create_local, import_job_run
from sales.demo_data import generate_demo_data
from tests.analytics.shop import Shop, build_world, local
from tests.factories import make_agent, make_category, make_customer, make_product
from tests.ingestion.csv_files import sales_row, write_csv

pytestmark = pytest.mark.django_db

ROLLUP_MODELS = (
    AgentDailySales,
    AgentMonthlySales,
    CategoryDailySales,
    RegionPaymentDailySales,
    CustomerMonthlySales,
    CustomerTotalSales,
    ProductMonthlySales,
)
RANGES = [
    {},
    {"start_date": "2024-12-01", "end_date": "2025-01-31"},
    {"start_date": "2024-11-25", "end_date": "2025-02-03"},
    {"start_date": "2025-01-06", "end_date": "2025-01-19"},
    {"start_date": "2024-12-18"},
    {"end_date": "2025-01-08"},
]


def snapshot() -> dict[str, set[tuple]]:
    """Every rollup row, without its id: what a rebuild must reproduce exactly."""
    return {
        model.__name__: {tuple(sorted(model_to_dict(row, exclude=["id"]).items())) for row in model.objects.all()}
        for model in ROLLUP_MODELS
    }


def assert_rollups_exact() -> None:
    """The rollups as the writes left them equal the rollups rebuilt from the orders."""
    kept = snapshot()
    rollups_rebuild()
    assert kept == snapshot()
    assert sum(len(rows) for rows in kept.values()) > 0


def both(report, query) -> None:
    rollup, raw = report(query, source=Source.ROLLUP), report(query, source=Source.RAW)
    assert rollup == raw, query
    return rollup


@pytest.mark.parametrize("params", RANGES)
def test_rollup_and_raw_paths_agree_on_every_report(world, params):
    answered = 0
    for interval in ("day", "week", "month", "quarter", "year"):
        for extra in ({}, {"role": "Agent"}, {"sort_by": "average_revenue", "order": "asc"}):
            query = {**params, "interval": interval, **extra}
            answered += len(both(sales_by_agent, sales_query_from(query, group=Grouping.AGENT)))
            answered += len(both(sales_by_team, sales_query_from(query, group=Grouping.TEAM)))
        metrics = {
            **params,
            "interval": interval,
            "limit": "1000",
            "metrics": "revenue,orders,units,customers,average_order_value",
            "segment_by": "region,category,payment_method,team,agent_role,tier",
        }
        both(metrics_report, metrics_query_from(metrics))
        both(metrics_report, metrics_query_from({**metrics, "compare": "previous_period"}))
    for by in ("revenue", "orders", "units"):
        answered += len(
            both(top_customers, top_query_from({**params, "by": by, "limit": "100"}, default_by=By.REVENUE))
        )
        answered += len(both(top_products, top_query_from({**params, "by": by, "limit": "3"}, default_by=By.UNITS)))
    assert answered > 50


def test_rollup_and_raw_paths_agree_in_a_zone_behind_utc(new_york, db):
    build_world(seed=5, orders=40, start=date(2024, 12, 20), days=30)
    for params in RANGES:
        for interval in ("day", "week", "month"):
            both(sales_by_agent, sales_query_from({**params, "interval": interval}, group=Grouping.AGENT))
            both(
                metrics_report,
                metrics_query_from({**params, "interval": interval, "segment_by": "region,team", "limit": "1000"}),
            )
        both(top_customers, top_query_from(params, default_by=By.REVENUE))
    assert_rollups_exact()


def test_every_order_write_keeps_the_rollups_exact(db):
    shop = Shop()
    agents = [make_agent(), make_agent()]
    customers = [make_customer(), make_customer()]
    products = [make_product(unit_price="3.00"), make_product(unit_price="8.50"), make_product(unit_price="1.25")]
    sales = [
        shop.sell(
            at=local(date(2025, 1, 31), 22),
            customer=customers[0],
            agent=agents[0],
            lines=[(products[0], 2), (products[1], 1)],
        ),
        shop.sell(at=local(date(2025, 1, 31), 9), customer=customers[1], agent=agents[0], lines=[(products[1], 4)]),
        shop.sell(at=local(date(2025, 2, 1), 9), customer=customers[1], lines=[(products[2], 1)]),
    ]
    assert_rollups_exact()

    shop.change(sales[0], at=local(date(2025, 3, 2), 10))  # to another day and month
    assert_rollups_exact()
    shop.change(sales[1], agent=agents[1])
    assert_rollups_exact()
    shop.change(sales[1], customer=customers[0])
    assert_rollups_exact()
    shop.change(sales[2], lines=[(products[0], 5), (products[1], 1)])
    assert_rollups_exact()
    shop.cancel(sales[0])
    assert_rollups_exact()
    assert AgentDailySales.objects.filter(day=date(2025, 3, 2)).count() == 0


def test_order_writes_through_the_api_and_admin_keep_the_rollups_exact(manager_client, superuser, client):
    product, customer, agent = make_product(unit_price="4.00"), make_customer(), make_agent()
    created = manager_client.post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "agent": agent.pk,
            "ordered_at": "2025-01-10T10:00:00Z",
            "lines": [{"product": product.pk, "quantity": 3}],
        },
        format="json",
    )
    assert created.status_code == 201
    order_id = created.json()["id"]
    assert_rollups_exact()
    assert (
        manager_client.patch(
            f"/api/v1/orders/{order_id}/", {"ordered_at": "2025-02-10T10:00:00Z"}, format="json"
        ).status_code
        == 200
    )
    assert_rollups_exact()
    assert AgentMonthlySales.objects.get(month=date(2025, 2, 1), agent=agent).revenue == Decimal("12.00")

    client.force_login(superuser)
    response = client.post(f"/admin/sales/order/{order_id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AgentDailySales.objects.exists()
    assert not CustomerMonthlySales.objects.exists()


def test_imports_keep_the_rollups_exact_even_when_a_file_moves_an_order(tmp_path, db):
    first = write_csv(
        tmp_path / "first.csv",
        [
            sales_row(order_id="O-1", product_id="P-1", date_of_sale="2025-01-30", quantity_sold="2"),
            sales_row(
                order_id="O-1", product_id="P-2", product_name="Pan", category="Cookware", date_of_sale="2025-01-30"
            ),
            sales_row(
                order_id="O-2",
                product_id="P-2",
                product_name="Pan",
                category="Cookware",
                customer_id="C-2",
                customer_email="c2@example.com",
                date_of_sale="2025-02-14",
                region="South",
            ),
        ],
    )
    assert import_job_run(job_id=import_job_create_local(kind="sales", path=first).pk).status == "succeeded"
    assert_rollups_exact()

    # The same orders again, O-1 moved to March and the pan moved to another category.
    second = write_csv(
        tmp_path / "second.csv",
        [
            sales_row(order_id="O-1", product_id="P-1", date_of_sale="2025-03-03", quantity_sold="2"),
            sales_row(
                order_id="O-1", product_id="P-2", product_name="Pan", category="Kitchen", date_of_sale="2025-03-03"
            ),
            sales_row(
                order_id="O-2",
                product_id="P-2",
                product_name="Pan",
                category="Kitchen",
                customer_id="C-2",
                customer_email="c2@example.com",
                date_of_sale="2025-02-14",
                region="South",
            ),
        ],
    )
    assert import_job_run(job_id=import_job_create_local(kind="sales", path=second).pk).status == "succeeded"
    assert_rollups_exact()
    assert not AgentDailySales.objects.filter(day=date(2025, 1, 30)).exists()
    assert set(CategoryDailySales.objects.values_list("category__name", flat=True)) == {"Kitchen"}


def test_a_product_moved_to_another_category_takes_its_history(viewer_client, db):
    shop = Shop()
    product = make_product(category=make_category(name="Old shelf"))
    shop.sell(at=local(date(2025, 1, 5)), customer=make_customer(), lines=[(product, 2)])
    before = viewer_client.get("/api/v1/analytics/metrics/", {"segment_by": "category", "metrics": "units"}).json()

    product_update(product=product, category=make_category(name="New shelf"))

    after = viewer_client.get("/api/v1/analytics/metrics/", {"segment_by": "category", "metrics": "units"}).json()
    assert before[0]["segment_data"]["category"] == {"Old shelf": 2}
    assert after[0]["segment_data"]["category"] == {"New shelf": 2}
    assert_rollups_exact()


def test_demo_data_is_rolled_up(db):
    generate_demo_data(customers=20, orders=150, years=1, seed=3, today=date(2025, 6, 1))

    assert AgentDailySales.objects.exists()
    assert_rollups_exact()


def test_rollups_built_in_another_zone_are_left_alone_until_rebuilt(settings, world):
    utc_answer = sales_by_agent(sales_query_from({"interval": "day"}, group=Grouping.AGENT))
    settings.ANALYTICS_TIME_ZONE = "Asia/Tokyo"

    assert not rollups_usable()
    tokyo = sales_query_from({"interval": "day"}, group=Grouping.AGENT)
    raw = sales_by_agent(tokyo, source=Source.RAW)
    assert sales_by_agent(tokyo) == raw != utc_answer  # read raw while the rollups are in UTC
    world.shop.sell(at=local(date(2025, 1, 2)), customer=world.customers[0], lines=[(world.products[0], 1)])

    out = StringIO()
    call_command("rebuild_rollups", stdout=out, stderr=StringIO())

    assert "Rebuilt 7 rollup tables" in out.getvalue()
    assert RollupState.objects.get().time_zone == "Asia/Tokyo"
    assert rollups_usable()
    assert sales_by_agent(tokyo) == sales_by_agent(tokyo, source=Source.RAW)
    assert_rollups_exact()


def test_rebuild_rollups_prints_progress_and_moves_the_data_version(world):
    from analytics.selectors import data_version_current

    version = data_version_current()
    err = StringIO()
    call_command("rebuild_rollups", stdout=StringIO(), stderr=err)

    assert "Rebuilding rollups" in err.getvalue()
    assert "7/7" in err.getvalue()
    assert data_version_current() > version


def test_a_refresh_of_days_without_orders_leaves_no_rows(db):
    shop = Shop()
    sale = shop.sell(at=local(date(2025, 1, 5)), customer=make_customer(), lines=[(make_product(), 1)])
    shop.cancel(sale)

    assert all(not model.objects.exists() for model in ROLLUP_MODELS)


def test_a_products_import_that_moves_a_product_to_another_category_moves_its_history(tmp_path, db):
    sales = write_csv(
        tmp_path / "sales.csv",
        [
            sales_row(order_id="O-1", product_id="P-1", category="Kitchen", date_of_sale="2025-01-30"),
            sales_row(order_id="O-2", product_id="P-1", category="Kitchen", date_of_sale="2025-02-14"),
        ],
    )
    assert import_job_run(job_id=import_job_create_local(kind="sales", path=sales).pk).status == "succeeded"
    products = write_csv(
        tmp_path / "products.csv",
        [{"Product ID": "P-1", "Product Name": "Kettle", "Category": "Appliances", "Unit Price": "19.99"}],
        header=["Product ID", "Product Name", "Category", "Unit Price"],
    )

    assert import_job_run(job_id=import_job_create_local(kind="products", path=products).pk).status == "succeeded"

    assert set(CategoryDailySales.objects.values_list("category__name", flat=True)) == {"Appliances"}
    assert CategoryDailySales.objects.count() == 2
    assert_rollups_exact()
