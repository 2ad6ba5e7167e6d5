"""The RxF grid and quintile scores, against the spec's table and a second way of computing quantiles."""

import random
import statistics

import numpy as np
import pytest

from analytics.rfm.scoring import quintile_cut_points, quintile_scores, segment_of

# The spec's table, written out cell by cell.
SPEC_GRID = """
5 4 Champions|5 5 Champions
3 4 Loyal Customers|3 5 Loyal Customers|4 4 Loyal Customers|4 5 Loyal Customers
4 2 Potential Loyalists|4 3 Potential Loyalists|5 2 Potential Loyalists|5 3 Potential Loyalists
5 1 New Customers
4 1 Promising
3 3 Need Attention
3 1 About to Sleep|3 2 About to Sleep
1 3 At Risk|1 4 At Risk|2 3 At Risk|2 4 At Risk
1 5 Can't Lose Them|2 5 Can't Lose Them
1 1 Hibernating|1 2 Hibernating|2 1 Hibernating|2 2 Hibernating
"""


def test_the_grid_names_all_25_cells_exactly_as_the_spec_writes_them():
    cells = [cell.split(" ", 2) for line in SPEC_GRID.strip().splitlines() for cell in line.split("|")]
    expected = {(int(r), int(f)): name for r, f, name in cells}
    assert len(expected) == 25
    assert {(r, f): segment_of(r_score=r, f_score=f) for r in range(1, 6) for f in range(1, 6)} == expected


def test_cut_points_match_statistics_quantiles_inclusive():
    rng = random.Random(3)
    values = [rng.randint(0, 400) for _ in range(257)]
    assert quintile_cut_points(np.array(values)) == pytest.approx(statistics.quantiles(values, n=5, method="inclusive"))


def test_equal_values_always_get_equal_scores_and_recency_is_reversed():
    # Given values with heavy ties: six 1s, two 2s, one 3 and one 7 (cuts 1, 1, 1.4, 2.2 by hand)
    values = np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 7])
    cuts = quintile_cut_points(values)
    assert cuts == pytest.approx([1.0, 1.0, 1.4, 2.2])

    scores = quintile_scores(values, cuts).tolist()
    reversed_scores = quintile_scores(values, cuts, reverse=True).tolist()

    assert scores == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert reversed_scores == [5, 5, 5, 5, 5, 5, 2, 2, 1, 1]


def test_scores_never_split_ties_on_random_data():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 6, size=1000)
    scores = quintile_scores(values, quintile_cut_points(values))
    for value in np.unique(values):
        assert len(set(scores[values == value].tolist())) == 1
    assert (np.diff(scores[np.argsort(values, kind="stable")]) >= 0).all()  # monotone in the value
