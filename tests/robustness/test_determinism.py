"""Results are bit-identical across customer-id dtypes and across repeated runs.

Each transaction-level function is run on the same log with ids as int64, Python strings,
a categorical (with unused categories), pandas' string dtype and pyarrow strings (when
pyarrow is installed). Customer-indexed results are mapped back to the integer id and
compared with ``check_exact=True``; cohort and growth tables do not depend on ids at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk

N_CUSTOMERS = 400


def _log() -> pd.DataFrame:
    tx = gk.datasets.simulate_transactions(N_CUSTOMERS, seed=11)
    # shuffled rows and ids that sort differently as ints and as strings
    tx = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    codes = pd.factorize(tx["customer_id"])[0]
    tx["customer_id"] = (codes * 7919) % 100_003
    return tx


def _id_variants(ids: pd.Series) -> dict[str, Any]:
    text = "c" + ids.astype(str)
    variants: dict[str, Any] = {
        "int64": ids.astype(np.int64),
        "str": text.astype(object),
        "category": pd.Categorical(text, categories=[*sorted(set(text)), "unused"]),
        "string": text.astype("string"),
    }
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pass
    else:
        variants["pyarrow"] = text.astype("string[pyarrow]")
    return variants


def _canonical(result: Any) -> pd.DataFrame:
    """The result as a frame, customer labels mapped back to the integer id, sorted."""
    frame: pd.DataFrame = (result.to_frame() if hasattr(result, "to_frame") else result).copy()
    if frame.index.name == "customer_id":
        frame.index = pd.Index(
            [int(str(label).lstrip("c")) for label in frame.index], name="customer_id"
        )
        frame = frame.sort_index()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(str)
    out: pd.DataFrame = frame
    return out


CASES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "customer_summary": lambda tx: gk.customer_summary(tx, amount_col="amount", period="W"),
    "cohort_matrix": lambda tx: (
        gk.cohort_matrix(tx, amount_col="amount", period="M", value="revenue").counts
    ),
    "cohort_matrix_customers": lambda tx: gk.cohort_matrix(tx, period="W").counts,
    "growth_accounting": lambda tx: gk.growth_accounting(tx, amount_col="amount", period="M"),
    "rfm_scores": lambda tx: gk.rfm_scores(tx, amount_col="amount").table,
    "survival_table": lambda tx: gk.survival_table(tx, amount_col="amount"),
}


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return _log()


@pytest.mark.parametrize("name", list(CASES))
def test_bit_identical_across_id_dtypes_and_runs(name: str, log: pd.DataFrame) -> None:
    fn = CASES[name]
    reference = _canonical(fn(log))
    assert len(reference) > 0
    for kind, ids in _id_variants(log["customer_id"]).items():
        tx = log.assign(customer_id=ids)
        first = _canonical(fn(tx))
        second = _canonical(fn(tx))
        pd.testing.assert_frame_equal(first, second, check_exact=True, obj=f"{kind} rerun")
        pd.testing.assert_frame_equal(
            first, reference, check_exact=True, check_index_type=False, obj=f"{kind} vs int64"
        )
        if name not in ("cohort_matrix", "cohort_matrix_customers", "growth_accounting"):
            continue
        # id-free tables: the raw bits match too (not only values that compare equal)
        np.testing.assert_array_equal(
            first.to_numpy(dtype=np.float64).view(np.int64),
            reference.to_numpy(dtype=np.float64).view(np.int64),
        )


def test_cohort_revenue_bit_identical_beyond_one_customer_block() -> None:
    """20,000 customers: the kernels split them into blocks, which follow the id order.

    Revenue cells are summed in row order whatever the blocks (a fix found by this
    sweep), so integer, string and categorical ids still give the same bits.
    """
    tx = gk.datasets.simulate_transactions(20_000, seed=5).sample(frac=1.0, random_state=2)
    tx["amount"] = tx["amount"] * np.random.default_rng(1).uniform(0.5, 1.5, len(tx))
    tx["customer_id"] = (tx["customer_id"] * 7919) % 100_003
    reference = gk.cohort_matrix(tx, amount_col="amount", value="revenue", period="W").counts
    for kind, ids in _id_variants(tx["customer_id"]).items():
        got = gk.cohort_matrix(
            tx.assign(customer_id=ids), amount_col="amount", value="revenue", period="W"
        ).counts
        np.testing.assert_array_equal(
            got.to_numpy().view(np.int64), reference.to_numpy().view(np.int64), err_msg=kind
        )
