"""The migration matrix between two runs, over data that moved known customers."""

import csv
import io

import pytest

from sales.models import Order
from sales.services import order_delete, order_update
from tests.factories import make_customer, make_product
from tests.rfm.dataset import ORDERS, WINDOW, place_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_runs(hand_dataset, start_run):
    """A run, then B and I swap their order histories, J's orders go and a new customer N gets J's history.

    The multiset of (R, F, M) values is unchanged, so the cut points and everyone
    else's segment are too: B moves Potential Loyalists -> At Risk, I moves
    At Risk -> Potential Loyalists, J (Hibernating) is gone and N is new, Hibernating.
    """
    first = start_run(algorithm="quantile", **WINDOW)
    b, i, j = hand_dataset["B"], hand_dataset["I"], hand_dataset["J"]
    b_orders, i_orders = list(Order.objects.filter(customer=b)), list(Order.objects.filter(customer=i))
    for order in b_orders:
        order_update(order=order, customer=i)
    for order in i_orders:
        order_update(order=order, customer=b)
    for order in Order.objects.filter(customer=j):
        order_delete(order=order)
    newcomer = make_customer(name="Customer N")
    place_orders(newcomer, ORDERS["J"], [make_product(unit_price="10.00", stock=100)])
    second = start_run(algorithm="quantile", **WINDOW)
    return first, second, newcomer


def test_the_matrix_shows_the_two_moves_the_new_and_the_gone(two_runs, viewer_client):
    first, second, _newcomer = two_runs

    response = viewer_client.get(f"/api/v1/analytics/rfm-runs/{second['id']}/compare/", {"with": first["id"]})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["earlier_run"], body["later_run"]) == (first["id"], second["id"])  # whichever is asked from
    counts = {row["segment"]: row["counts"] for row in body["rows"]}
    moves = {(source, target): n for source, row in counts.items() for target, n in row.items() if n}
    assert moves == {
        ("Champions", "Champions"): 1,
        ("Potential Loyalists", "At Risk"): 1,  # B
        ("Promising", "Promising"): 2,
        ("Loyal Customers", "Loyal Customers"): 1,
        ("Need Attention", "Need Attention"): 1,
        ("Can't Lose Them", "Can't Lose Them"): 1,
        ("Hibernating", "Hibernating"): 1,  # H
        ("Hibernating", "gone"): 1,  # J
        ("At Risk", "Potential Loyalists"): 1,  # I
        ("new", "Hibernating"): 1,  # N
    }
    assert body["moved"] == 4
    assert body["from_segments"][-1] == "new" and body["to_segments"][-1] == "gone"
    assert {row["segment"]: row["total"] for row in body["rows"]}["Hibernating"] == 2


def test_the_matrix_as_csv(two_runs, viewer_client):
    first, second, _newcomer = two_runs

    response = viewer_client.get(
        f"/api/v1/analytics/rfm-runs/{first['id']}/compare/", {"with": second["id"], "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    header, rows = table[0], {row[0]: dict(zip(table[0][1:], map(int, row[1:]), strict=True)) for row in table[1:]}
    assert header[0] == "segment" and header[-2:] == ["gone", "total"]
    assert rows["Potential Loyalists"]["At Risk"] == 1
    assert rows["Hibernating"]["gone"] == 1
    assert rows["new"]["Hibernating"] == 1
    assert rows["new"]["total"] == 1


@pytest.mark.parametrize("other", ["", "abc", "-1", "1.5", "9" * 30, "\uff11"])
def test_a_bad_with_is_400_naming_it(hand_dataset, start_run, viewer_client, other):
    run = start_run(algorithm="quantile", **WINDOW)

    response = viewer_client.get(f"/api/v1/analytics/rfm-runs/{run['id']}/compare/", {"with": other})

    assert response.status_code == 400
    assert "with" in response.json()


def test_with_naming_no_run_or_itself_is_400_and_an_unknown_run_404(hand_dataset, start_run, viewer_client):
    run = start_run(algorithm="quantile", **WINDOW)
    url = f"/api/v1/analytics/rfm-runs/{run['id']}/compare/"

    assert "with" in viewer_client.get(url, {"with": run["id"] + 100}).json()
    assert "with" in viewer_client.get(url, {"with": run["id"]}).json()
    assert (
        viewer_client.get(f"/api/v1/analytics/rfm-runs/{run['id'] + 100}/compare/", {"with": run["id"]}).status_code
        == 404
    )
