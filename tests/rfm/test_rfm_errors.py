"""rfm_scores bad input: the right GrowthkitError subclass with a pinned message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit import rfm


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return gk.datasets.simulate_transactions(50, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"bins": 0}, gk.DataError, r"^`bins` must be an integer >= 1, got 0: 1 rows\.$"),
        ({"bins": -3}, gk.DataError, r"`bins` must be an integer >= 1, got -3: 1 rows\."),
        ({"bins": 2.5}, gk.DataError, r"`bins` must be an integer >= 1, got 2.5: 1 rows\."),
        ({"bins": True}, gk.DataError, r"`bins` must be an integer >= 1, got True"),
        ({"bins": 100}, gk.DataError, r"`bins` must be at most 99, got 100: 1 rows\. Use 5"),
        (
            {"segments": "fancy"},
            gk.SchemaError,
            r"^`segments` must be one of 'standard', got 'fancy': 1 rows\.$",
        ),
        (
            {"segments": ["Champions"]},
            gk.SchemaError,
            r"`segments` must be 'standard' or a mapping from segment name to rule, got list",
        ),
        ({"segments": {}}, gk.SchemaError, r"`segments` is an empty mapping: 1 rows\."),
        (
            {"segments": {"A": 3}},
            gk.SchemaError,
            r"`segments\['A'\]` must be a callable \(r, f, m\) -> mask or a mapping of score "
            r"ranges, got int: 1 rows\.",
        ),
        (
            {"segments": {"A": {"x": (1, 2)}}},
            gk.SchemaError,
            r"`segments\['A'\]` has unknown score 'x': 1 rows\. Use 'r', 'f' or 'm'",
        ),
        (
            {"segments": {"A": {"r": (4, 2)}}},
            gk.SchemaError,
            r"`segments\['A'\]\['r'\]` must be an inclusive \(low, high\) pair of ints, "
            r"got \(4, 2\): 1 rows\.",
        ),
        (
            {"segments": {"A": lambda r, f, m: r}},
            gk.SchemaError,
            r"`segments\['A'\]` must return a bool mask of shape \(\d+,\), got dtype int64",
        ),
        (
            {"segments": {"A": {"r": (1, 2)}}, "fallback": 3},
            gk.SchemaError,
            r"`fallback` must be a str, got 3: 1 rows\.",
        ),
        (
            {"edges": {"frequency": [1, 2, 3]}},
            gk.DataError,
            r"^`edges\['frequency'\]` must hold bins - 1 = 4 edges, got 3: 1 rows\.$",
        ),
        (
            {"edges": {"frequency": [1, 5, 3, 7]}},
            gk.DataError,
            r"^`edges\['frequency'\]` must be strictly increasing: 1 rows\. Sort the edges",
        ),
        (
            {"edges": {"monetary": [10, 10, 20, 30]}},
            gk.DataError,
            r"`edges\['monetary'\]` must be strictly increasing: 1 rows\.",
        ),
        (
            {"edges": {"recency_days": [30, 90, 180, np.inf]}},
            gk.DataError,
            r"`edges\['recency_days'\]` has non-finite values: 1 rows\.",
        ),
        (
            {"edges": {"r": [1, 2, 3, 4]}},
            gk.SchemaError,
            r"`edges` has unknown dimension 'r': 1 rows\. Use 'recency_days', 'frequency'",
        ),
        (
            {"edges": [1, 2, 3, 4]},
            gk.SchemaError,
            r"`edges` must be a mapping from dimension to edges, got list: 1 rows\.",
        ),
        (
            {"edges": {"monetary": ["a", "b", "c", "d"]}},
            gk.SchemaError,
            r"`edges\['monetary'\]` must be numbers: 1 rows\.",
        ),
        (
            {"amount_col": None},
            gk.SchemaError,
            r"`amount_col` is required \(monetary is total spend\): 1 rows\. Pass amount_col=",
        ),
        (
            {"observation_end": "2021-01-01"},
            gk.DataError,
            r"`timestamp` has orders after observation_end \(2021-01-01 00:00:00\): \d+ rows\.",
        ),
    ],
)
def test_bad_arguments(
    tx: pd.DataFrame, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        rfm.rfm_scores(tx, **kwargs)  # type: ignore[arg-type]


def test_negative_amounts(tx: pd.DataFrame) -> None:
    bad = tx.copy()
    bad.loc[bad.index[:3], "amount"] = -1.0
    with pytest.raises(gk.DataError, match=r"^`amount` has negative values: 3 rows\. Refunds"):
        rfm.rfm_scores(bad)


def test_negative_amounts_in_a_prepared_log(tx: pd.DataFrame) -> None:
    bad = tx.copy()
    bad.loc[bad.index[:2], "amount"] = -5.0
    log = gk.prepare_transactions(bad, amount_col="amount", allow_negative_amounts=True)
    with pytest.raises(gk.DataError, match=r"`amount` has negative values: 2 rows\."):
        rfm.rfm_scores(log)


def test_prepared_log_without_amounts(tx: pd.DataFrame) -> None:
    log = gk.prepare_transactions(tx)
    with pytest.raises(gk.SchemaError, match=r"`amount` was asked for but the prepared log"):
        rfm.rfm_scores(log)


def test_missing_column_and_nan(tx: pd.DataFrame) -> None:
    with pytest.raises(gk.SchemaError, match=r"`spend` column not found"):
        rfm.rfm_scores(tx, amount_col="spend")
    bad = tx.copy()
    bad.loc[bad.index[0], "amount"] = np.nan
    with pytest.raises(gk.DataError, match=r"`amount` has missing values \(NaN\): 1 rows\."):
        rfm.rfm_scores(bad)


def test_empty_log() -> None:
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype="int64"),
            "timestamp": pd.Series([], dtype="datetime64[ns]"),
            "amount": pd.Series([], dtype="float64"),
        }
    )
    with pytest.raises(gk.DataError, match=r"`customer_id` is empty: 0 rows\."):
        rfm.rfm_scores(empty)
