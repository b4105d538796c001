"""Fuzz every transaction-level public function with hostile order logs.

Each call must either return a result that satisfies its module's invariants or raise a
``GrowthkitError`` naming the field; any other exception is a bug. The inputs are never
mutated and the results are deterministic. ``HYPOTHESIS_PROFILE=long`` runs 10,000
examples per function (see docs/robustness.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk

DAY_NS = 86_400 * 10**9
ZONES = [None, "UTC", "America/New_York", "Asia/Kolkata"]


@st.composite
def order_logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 40))
    id_kind = draw(st.sampled_from(["int", "str", "category", "float", "object-none"]))
    raw_ids = draw(st.lists(st.integers(-3, 12), min_size=n, max_size=n))
    ids: Any
    if id_kind == "int":
        ids = np.array(raw_ids, dtype=np.int64)
    elif id_kind == "str":
        ids = np.array([f"c{i}" for i in raw_ids], dtype=object)
    elif id_kind == "category":
        ids = pd.Categorical(
            [f"c{i}" for i in raw_ids], categories=[f"c{i}" for i in range(-5, 15)]
        )
    elif id_kind == "float":
        ids = np.array([np.nan if i == -3 else float(i) for i in raw_ids])
    else:
        ids = np.array([None if i == -3 else f"c{i}" for i in raw_ids], dtype=object)
    far = draw(st.booleans())
    span_days = 200_000 if far else 900
    origin = pd.Timestamp("1700-01-01").value if far else pd.Timestamp("2022-01-01").value
    days = draw(st.lists(st.integers(0, span_days), min_size=n, max_size=n))
    secs = draw(st.lists(st.integers(0, 86_399), min_size=n, max_size=n))
    unit = "s" if far else draw(st.sampled_from(["s", "ms", "us", "ns"]))
    ticks = np.array(days, dtype=np.int64) * 86_400 + np.array(secs, dtype=np.int64)
    stamps = pd.Series(np.array(ticks, dtype="datetime64[s]").astype(f"datetime64[{unit}]"))
    if origin:
        stamps = stamps + pd.Timedelta(origin, unit="ns") if not far else stamps
    zone = draw(st.sampled_from(ZONES))
    if zone is not None and not far:
        stamps = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    if n and draw(st.integers(0, 9)) == 0:
        stamps = stamps.copy()
        stamps.iloc[0] = pd.NaT
    if n > 1 and zone is not None and draw(st.integers(0, 9)) == 0:
        mixed = stamps.astype(object)
        mixed.iloc[-1] = pd.Timestamp("2022-06-01", tz="Europe/Paris")
        stamps = mixed
    amount_pool = st.one_of(
        st.floats(0, 1e4, allow_nan=False),
        st.sampled_from([0.0, 1e12, -5.0, np.nan, np.inf, 1e300, 1.7e308]),
    )
    amounts = draw(st.lists(amount_pool, min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": stamps.to_numpy() if zone is None else stamps,
            "amount": np.array(amounts, dtype=np.float64),
        }
    )
    if n > 2 and draw(st.booleans()):
        frame = pd.concat([frame, frame.iloc[:2]], ignore_index=True)  # duplicate rows
    return frame


def _call(module: str, name: str) -> Callable[..., Any]:
    try:
        return getattr(importlib.import_module(f"growthkit.{module}"), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        pytest.skip(f"growthkit.{module}.{name} not available")


def _finite(frame: pd.DataFrame) -> None:
    numeric = frame.select_dtypes(include=[np.number, "bool"])
    values = numeric.to_numpy(dtype=np.float64)
    assert not np.isnan(values).any(), "NaN in a numeric result"


def check_summary(out: pd.DataFrame) -> None:
    _finite(out)
    assert (out["frequency"] >= 0).all() and (out["recency"] <= out["T"] + 1e-9).all()


def check_rfm(out: Any) -> None:
    table = out.table
    for col in ["r", "f", "m"]:
        assert table[col].between(1, 5).all()
    assert table["segment"].notna().all()
    _finite(table.drop(columns=["segment", "rfm_code"]))


def check_lifecycle(out: Any) -> None:
    table = out.table
    assert table["stage"].notna().all()
    assert (table["recency_days"] >= 0).all() and (table["tenure_days"] >= 0).all()
    assert (table["recency_days"] <= table["tenure_days"]).all()
    assert 0.0 <= out.repeat_purchase_rate <= 1.0
    _finite(table.drop(columns=["stage", "high_value"]))
    summary = out.stage_summary()
    assert int(summary["customers"].sum()) == len(table)


def check_cohort(out: Any) -> None:
    counts = out.counts
    assert (counts.fillna(0).to_numpy() >= 0).all()
    assert (out.sizes >= 1).all()


def check_cohort_customers(out: Any) -> None:
    check_cohort(out)
    np.testing.assert_array_equal(out.counts[0].to_numpy(), out.sizes.to_numpy())
    assert (out.retention.fillna(0).to_numpy() <= 1 + 1e-12).all()


def check_growth(out: pd.DataFrame) -> None:
    for col in ["active", "new", "retained", "resurrected", "churned"]:
        assert (out[col] >= 0).all()
    np.testing.assert_array_equal(out["active"], out["new"] + out["retained"] + out["resurrected"])


def check_survival(out: pd.DataFrame) -> None:
    assert (out["duration"] >= 0).all()
    assert out["churned"].dtype == bool


CASES: list[tuple[str, str, dict[str, Any], Callable[[Any], None]]] = [
    ("summary", "customer_summary", {"amount_col": "amount", "period": "W"}, check_summary),
    ("summary", "customer_summary", {"period": "M", "calendar": True}, check_summary),
    ("rfm", "rfm_scores", {"amount_col": "amount"}, check_rfm),
    ("rfm", "lifecycle_stages", {"amount_col": "amount"}, check_lifecycle),
    (
        "cohort",
        "cohort_matrix",
        {"period": "W", "value": "revenue", "amount_col": "amount"},
        check_cohort,
    ),
    ("cohort", "cohort_matrix", {"period": "M"}, check_cohort_customers),
    ("cohort", "growth_accounting", {"period": "M"}, check_growth),
    ("churn", "survival_table", {"amount_col": "amount", "inactivity_days": 30}, check_survival),
]


def _frame_of(out: Any) -> pd.DataFrame:
    if isinstance(out, pd.DataFrame):
        return out
    frame: pd.DataFrame = out.to_frame() if hasattr(out, "to_frame") else out.table
    return frame


@pytest.mark.parametrize(("module", "name", "kwargs", "check"), CASES, ids=lambda c: str(c)[:30])
def test_fuzz(module: str, name: str, kwargs: dict[str, Any], check: Callable[[Any], None]) -> None:
    fn = _call(module, name)

    @given(order_logs())
    def run(tx: pd.DataFrame) -> None:
        before = tx.copy(deep=True)
        try:
            out = fn(tx, **kwargs)
        except gk.GrowthkitError as exc:
            assert str(exc).startswith("`"), f"message does not name a field: {exc}"
            pd.testing.assert_frame_equal(tx, before)
            return
        pd.testing.assert_frame_equal(tx, before)
        check(out)
        again = fn(tx, **kwargs)
        pd.testing.assert_frame_equal(_frame_of(out), _frame_of(again))

    run()


def test_calibration_holdout_fuzz() -> None:
    @given(order_logs(), st.integers(0, 900))
    def run(tx: pd.DataFrame, cut: int) -> None:
        end = pd.Timestamp("2022-01-01") + pd.Timedelta(days=cut)
        try:
            out = gk.calibration_holdout_summary(tx, calibration_end=end, amount_col="amount")
        except gk.GrowthkitError:
            return
        check_summary(out)
        assert (out["frequency_holdout"] >= 0).all()

    run()
