"""Result objects of growthkit.cohort and growthkit.rfm: ==, pickle, read-only frames."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return gk.datasets.simulate_transactions(400, start="2023-01-01", end="2023-12-31", seed=3)


def _results(tx: pd.DataFrame) -> list[tuple[Any, Any, Any, list[str]]]:
    """(result, the same result made again, a different result, its frame fields)."""
    return [
        (
            gk.cohort_matrix(tx, period="M"),
            gk.cohort_matrix(tx, period="M"),
            gk.cohort_matrix(tx, period="Q"),
            ["counts", "sizes"],
        ),
        (
            gk.rfm_scores(tx, amount_col="amount"),
            gk.rfm_scores(tx, amount_col="amount"),
            gk.rfm_scores(tx, amount_col="amount", bins=3),
            ["table"],
        ),
        (
            gk.lifecycle_stages(tx, amount_col="amount"),
            gk.lifecycle_stages(tx, amount_col="amount"),
            gk.lifecycle_stages(tx, amount_col="amount", new_days=10),
            ["table"],
        ),
    ]


def _write(data: pd.DataFrame | pd.Series) -> None:
    if isinstance(data, pd.DataFrame):
        data.iloc[0, 0] = 99
    else:
        data.iloc[0] = 99


@pytest.mark.parametrize("case", range(3))
def test_equality_and_hash(tx: pd.DataFrame, case: int) -> None:
    result, again, other, _ = _results(tx)[case]
    assert result == again and hash(result) == hash(again)
    assert result != other
    assert result != "not a result"


@pytest.mark.parametrize("case", range(3))
def test_pickle_round_trip(tx: pd.DataFrame, case: int) -> None:
    result, _, _, fields = _results(tx)[case]
    back = pickle.loads(pickle.dumps(result))
    assert back == result
    for name in fields:  # still read-only after the round trip
        with pytest.raises(ValueError, match="read-only"):
            _write(getattr(back, name))


@pytest.mark.parametrize("case", range(3))
def test_frames_cannot_be_changed_through_the_result(tx: pd.DataFrame, case: int) -> None:
    result, again, _, fields = _results(tx)[case]
    for name in fields:
        with pytest.raises(ValueError, match="read-only"):
            _write(getattr(result, name))
    assert result == again


def test_rfm_edges_are_read_only(tx: pd.DataFrame) -> None:
    result = gk.rfm_scores(tx, amount_col="amount")
    with pytest.raises(TypeError):
        result.edges["monetary"] = np.zeros(4)  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        result.edges["monetary"][0] = 0.0


def test_constructor_copies_the_callers_frames(tx: pd.DataFrame) -> None:
    matrix = gk.cohort_matrix(tx)
    counts, sizes = matrix.counts.copy(), matrix.sizes.copy()
    rebuilt = gk.cohort.CohortMatrix(
        counts, sizes, matrix.value, matrix.period, matrix.cumulative, matrix.definition
    )
    assert rebuilt == matrix
    counts.iloc[0, 0] = -1.0  # the caller's frame stays the caller's, and writeable
    assert rebuilt == matrix
