"""Quintile scores and the RxF segment grid.

Scores come from cut points (the 20/40/60/80% quantiles, linearly interpolated
as numpy, pandas and ``statistics.quantiles(method="inclusive")`` do): a value's
score is one more than the number of cut points strictly below it. Equal values
therefore always get equal scores, whatever the ties do to the bucket sizes.
Recency is reversed: the most recent customers score 5.
"""

from collections.abc import Sequence

import numpy as np

QUINTILES = (0.2, 0.4, 0.6, 0.8)

# The widely used RxF grid; it covers each of the 25 (R, F) cells exactly once.
SEGMENT_GRID: tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...] = (
    ((5,), (4, 5), "Champions"),
    ((3, 4), (4, 5), "Loyal Customers"),
    ((4, 5), (2, 3), "Potential Loyalists"),
    ((5,), (1,), "New Customers"),
    ((4,), (1,), "Promising"),
    ((3,), (3,), "Need Attention"),
    ((3,), (1, 2), "About to Sleep"),
    ((1, 2), (3, 4), "At Risk"),
    ((1, 2), (5,), "Can't Lose Them"),
    ((1, 2), (1, 2), "Hibernating"),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(name for _r, _f, name in SEGMENT_GRID)


def _grid_lookup() -> np.ndarray:
    """``lookup[r, f]`` is the index in ``SEGMENT_NAMES`` of cell (r, f); row and column 0 are unused."""
    lookup = np.full((6, 6), -1, dtype=np.int8)
    for index, (r_scores, f_scores, _name) in enumerate(SEGMENT_GRID):
        for r in r_scores:
            for f in f_scores:
                if lookup[r, f] != -1:
                    raise AssertionError(f"cell R={r} F={f} is in two segments")
                lookup[r, f] = index
    if (lookup[1:, 1:] == -1).any():
        raise AssertionError("the RxF grid leaves a cell without a segment")
    return lookup


_GRID = _grid_lookup()


def segment_of(*, r_score: int, f_score: int) -> str:
    """The grid's segment name for one (R, F) pair of scores."""
    return SEGMENT_NAMES[_GRID[r_score, f_score]]


def segment_indexes(*, r_scores: np.ndarray, f_scores: np.ndarray) -> np.ndarray:
    """Index into ``SEGMENT_NAMES`` of every customer's cell, vectorised."""
    return _GRID[r_scores, f_scores]


def quintile_cut_points(values: np.ndarray) -> list[float]:
    """The four cut points of one dimension; empty input has none."""
    if len(values) == 0:
        return []
    return [float(cut) for cut in np.quantile(values.astype(np.float64), QUINTILES)]


def quintile_scores(values: np.ndarray, cut_points: Sequence[float], *, reverse: bool = False) -> np.ndarray:
    """1-5 per value: one more than the cut points strictly below it (5 minus that when ``reverse``)."""
    below = np.searchsorted(np.asarray(cut_points, dtype=np.float64), values.astype(np.float64), side="left")
    scores = (5 - below) if reverse else (1 + below)
    return scores.astype(np.int16)
