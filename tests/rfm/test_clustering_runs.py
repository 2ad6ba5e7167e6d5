"""k-means and DBSCAN runs: clusters, their names, noise, and the evaluation on a bounded sample."""

import pytest

from tests.factories import make_customer, make_product
from tests.rfm.conftest import customer_rows
from tests.rfm.dataset import WINDOW, place_orders

pytestmark = pytest.mark.django_db

# Three groups far apart in every dimension: by construction, the clusters a good k-means must find.
GROUPS = {
    "loyal": [("2024-06-28", [20]), ("2024-06-10", [20]), ("2024-05-20", [20]), ("2024-05-10", [20])],
    "middling": [("2024-04-15", [4]), ("2024-03-15", [4])],
    "lapsed": [("2024-01-05", [1])],
}


@pytest.fixture
def three_groups(db) -> dict[str, set[int]]:
    products = [make_product(unit_price="10.00", stock=100_000)]
    members: dict[str, set[int]] = {}
    for group, orders in GROUPS.items():
        members[group] = set()
        for i in range(4):
            customer = make_customer(name=f"{group} {i}")
            # A day's shift per customer, so the members of a group are close but not identical.
            place_orders(customer, [(day[:-2] + f"{int(day[-2:]) - i:02d}", units) for day, units in orders], products)
            members[group].add(customer.pk)
    return members


def test_kmeans_with_three_clusters_finds_the_three_groups_each_its_own_segment(three_groups, start_run, viewer_client):
    run = start_run(algorithm="kmeans", n_clusters=3, **WINDOW)

    assert (run["status"], run["customers_count"], run["clusters_count"]) == ("succeeded", 12, 3)
    assert run["parameters"]["n_clusters_chosen_by"] == "given"
    assert len(run["segments"]) == 3
    assert sorted(s["cluster"] for s in run["segments"]) == [0, 1, 2]
    rows = customer_rows(viewer_client, run["id"])
    found = {}
    for row in rows:
        found.setdefault((row["cluster"], row["segment"]), set()).add(row["customer"])
    assert len(found) == 3  # each cluster has exactly one segment name
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, three_groups.values()))
    names_by_group = {
        group: next(segment for (_cluster, segment), customers in found.items() if customers == members)
        for group, members in three_groups.items()
    }
    assert len(set(names_by_group.values())) == 3
    assert names_by_group["loyal"] == "Champions"  # latest, most frequent: R 5, F 5 at its centre
    assert names_by_group["lapsed"] == "Hibernating"  # oldest, one order: R 1, F 1


def test_kmeans_without_n_clusters_chooses_k_by_silhouette_and_says_so(three_groups, start_run):
    run = start_run(algorithm="kmeans", **WINDOW)

    parameters = run["parameters"]
    assert "best silhouette" in parameters["n_clusters_chosen_by"]
    assert set(parameters["silhouette_by_k"]) <= {str(k) for k in range(2, 9)}
    best = max(parameters["silhouette_by_k"], key=parameters["silhouette_by_k"].get)
    assert parameters["n_clusters"] == int(best) == run["clusters_count"] == 3


def test_evaluation_is_computed_on_a_sample_of_bounded_size(three_groups, start_run, settings):
    settings.RFM_EVALUATION_SAMPLE_SIZE = 6
    run = start_run(algorithm="kmeans", n_clusters=3, **WINDOW)

    evaluation = run["evaluation"]
    assert evaluation["sample_size"] == 6
    assert -1 <= evaluation["silhouette_score"] <= 1
    assert evaluation["davies_bouldin_index"] >= 0


def test_three_well_separated_clusters_score_a_high_silhouette(three_groups, start_run):
    run = start_run(algorithm="kmeans", n_clusters=3, **WINDOW)

    assert run["evaluation"]["sample_size"] == 12
    assert run["evaluation"]["silhouette_score"] > 0.7


@pytest.fixture
def crowd_and_outlier(db) -> tuple[set[int], int]:
    """Six customers with identical histories, and one with a history far from theirs."""
    products = [make_product(unit_price="10.00", stock=100_000)]
    crowd = set()
    for i in range(6):
        customer = make_customer(name=f"crowd {i}")
        place_orders(customer, [("2024-06-01", [2]), ("2024-05-01", [2])], products)
        crowd.add(customer.pk)
    outlier = make_customer(name="outlier")
    place_orders(outlier, [("2024-01-02", [90])], products)
    return crowd, outlier.pk


def test_dbscan_puts_the_outlier_in_a_noise_segment_and_one_cluster_has_no_evaluation(
    crowd_and_outlier, start_run, viewer_client
):
    crowd, outlier = crowd_and_outlier

    run = start_run(algorithm="dbscan", eps=0.5, min_samples=3, **WINDOW)

    assert run["status"] == "succeeded", run
    segments = {s["cluster"]: (s["segment"], s["count"], s["total_revenue"]) for s in run["segments"]}
    assert set(segments) == {0, -1}
    assert segments[-1] == ("Noise", 1, 900.0)
    assert segments[0][1:] == (6, 240.0)  # six customers of 2 x 20.00
    rows = {row["customer"]: row for row in customer_rows(viewer_client, run["id"])}
    assert (rows[outlier]["segment"], rows[outlier]["cluster"]) == ("Noise", -1)
    assert {rows[pk]["cluster"] for pk in crowd} == {0}
    # One cluster (noise is not a cluster): silhouette and Davies-Bouldin are undefined.
    assert run["clusters_count"] == 1
    assert run["evaluation"] == {"silhouette_score": None, "davies_bouldin_index": None, "sample_size": None}


def test_dbscan_above_its_fit_bound_runs_on_a_sample_and_labels_every_customer(
    crowd_and_outlier, start_run, viewer_client, settings
):
    crowd, outlier = crowd_and_outlier
    settings.RFM_DBSCAN_FIT_SAMPLE_SIZE = 5

    run = start_run(algorithm="dbscan", eps=0.5, min_samples=3, **WINDOW)

    assert run["parameters"]["fit_sample_size"] == 5
    rows = {row["customer"]: row for row in customer_rows(viewer_client, run["id"])}
    assert set(rows) == crowd | {outlier}
    assert rows[outlier]["segment"] == "Noise"
    assert len({rows[pk]["segment"] for pk in crowd}) == 1  # the crowd stays one cluster


def test_clusters_whose_centres_share_a_grid_cell_are_numbered_by_revenue(db, start_run, viewer_client):
    # Given two groups that ordered on the last day (R 5, F 1: New Customers) at 10.00 and 1,000.00,
    # and one group that ordered once in January
    product = make_product(unit_price="10.00", stock=100_000)
    groups = {"small": ("2024-06-30", 1), "big": ("2024-06-30", 100), "old": ("2024-01-05", 1)}
    members: dict[str, set[int]] = {}
    for group, (day, units) in groups.items():
        members[group] = set()
        for i in range(4):
            customer = make_customer(name=f"{group} {i}")
            place_orders(customer, [(day, [units])], [product])
            members[group].add(customer.pk)

    run = start_run(algorithm="kmeans", n_clusters=3, **WINDOW)

    rows = customer_rows(viewer_client, run["id"])
    segment_of = {group: {row["segment"] for row in rows if row["customer"] in ids} for group, ids in members.items()}
    assert segment_of["big"] == {"New Customers (1 of 2)"}
    assert segment_of["small"] == {"New Customers (2 of 2)"}
    assert segment_of["old"] == {"Hibernating"}
