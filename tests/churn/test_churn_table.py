"""survival_table: naive pandas twin, invariants, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit import _blocks, _threads
from growthkit.churn import _table as table_module
from growthkit.churn import survival_table
from growthkit.churn._warning import _sub_log


def naive_survival_table(
    tx: pd.DataFrame, *, inactivity_days: int, observation_end: object = None, amount: bool
) -> pd.DataFrame:
    """Independent twin: groupby on the raw frame, calendar days via normalize()."""
    times = tx["timestamp"]
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    end = times.max() if observation_end is None else pd.Timestamp(str(observation_end))
    day = (times.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days
    frame = pd.DataFrame({"customer_id": tx["customer_id"], "day": day, "t": times})
    if amount:
        frame["amount"] = tx["amount"]
    g = frame.groupby("customer_id", sort=True, observed=True)
    first = g["day"].min()
    last = g["day"].max()
    end_day = (end.normalize() - pd.Timestamp("1970-01-01")).days
    since = end_day - last
    churned = since > inactivity_days
    out = pd.DataFrame(index=first.index)
    out["duration"] = np.where(churned, last + inactivity_days - first, end_day - first)
    out["churned"] = churned
    out["orders"] = g.size().astype(np.int64)
    if amount:
        out["spend"] = g["amount"].sum()
    out["tenure_days"] = end_day - first
    n = out["orders"]
    out["mean_gap_days"] = np.where(n > 1, (last - first) / (n - 1).clip(lower=1), 0.0)
    out["days_since_last"] = since
    out["cohort"] = g["t"].min().dt.to_period("M")
    return out


@pytest.mark.parametrize("id_type", ["int", "str", "category"])
def test_matches_naive_twin(id_type: str) -> None:
    tx = gk.datasets.simulate_transactions(400, seed=11, id_type=id_type)  # type: ignore[arg-type]
    got = survival_table(tx, amount_col="amount", inactivity_days=60)
    want = naive_survival_table(tx, inactivity_days=60, amount=True)
    want.index = want.index.astype(got.index.dtype)
    pd.testing.assert_frame_equal(got, want, check_index_type=False, check_names=False)
    assert got.index.name == "customer_id"
    assert got.index.is_monotonic_increasing


def test_matches_naive_twin_random_observation_end_and_tz() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700 * 86400, n), unit="s")
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 300, n),
            "timestamp": pd.DatetimeIndex(stamps).tz_localize(
                "Europe/Berlin", ambiguous="NaT", nonexistent="shift_forward"
            ),
        }
    ).dropna()
    end = pd.Timestamp("2025-01-10")
    got = survival_table(tx, inactivity_days=45, observation_end=end)
    want = naive_survival_table(tx, inactivity_days=45, observation_end=end, amount=False)
    pd.testing.assert_frame_equal(got, want, check_names=False)


def _random_log(
    rng: np.random.Generator, n: int, unit: str, lo: str, hi: str, ids: int = 500
) -> pd.DataFrame:
    """Unsorted orders of ``ids`` sparse int ids, times uniform in ``[lo, hi)`` at ``unit``."""
    a, b = (np.datetime64(x).astype(f"datetime64[{unit}]").astype(np.int64) for x in (lo, hi))
    ticks = rng.integers(a, b, n)
    return pd.DataFrame(
        {
            "customer_id": rng.choice(rng.integers(-(10**7), 10**7, ids), n),
            "timestamp": pd.Series(ticks.astype(f"datetime64[{unit}]")),
            "amount": rng.gamma(2.0, 30.0, n).round(2),
        }
    )


@pytest.mark.parametrize(
    ("unit", "lo", "hi", "ids"),
    [
        ("ns", "2021-03-01", "2024-02-29", 500),
        ("us", "1969-06-01", "1970-09-01", 500),  # days before and after the epoch
        # 694k days (20 bits) and 8192 customers per bucket (13 bits): 64-bit row keys,
        # and months computed per customer rather than looked up.
        ("s", "1000-01-01", "2900-01-01", 12_000),
    ],
)
def test_kernel_paths_match_naive_twin(
    monkeypatch: pytest.MonkeyPatch, unit: str, lo: str, hi: str, ids: int
) -> None:
    """One bucket in one thread, and many buckets in two threads (forced on a small log)."""
    tx = _random_log(np.random.default_rng(len(lo) + len(unit)), 20_000, unit, lo, hi, ids)
    plain = survival_table(tx, amount_col="amount", inactivity_days=30)
    want = naive_survival_table(tx, inactivity_days=30, amount=True)
    pd.testing.assert_frame_equal(plain, want, check_names=False)
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", table_module._STATE_BYTES << 3)
    monkeypatch.setattr(_threads, "PARALLEL_ROWS", 64)
    blocked = survival_table(tx, amount_col="amount", inactivity_days=30)
    # Both paths sum each customer's amounts in row order: bitwise equal.
    pd.testing.assert_frame_equal(blocked, plain, check_exact=True)


def test_customers_without_orders_in_a_truncated_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """evaluate_early_warning builds tables of truncated logs that keep every customer."""
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", table_module._STATE_BYTES << 2)
    tx = _random_log(np.random.default_rng(3), 2000, "ns", "2023-01-01", "2024-01-01")
    log = gk.prepare_transactions(tx, amount_col="amount")
    end = log.to_ticks(pd.Timestamp("2023-03-01"))
    sub, present = _sub_log(log, end)
    assert 0 < present.sum() < log.n_customers
    got = table_module._table(sub, end, 20)
    assert (got.loc[~present, "orders"] == 0).all()
    kept = tx.loc[tx["timestamp"] <= pd.Timestamp("2023-03-01")]
    want = survival_table(
        kept, amount_col="amount", inactivity_days=20, observation_end="2023-03-01"
    )
    pd.testing.assert_frame_equal(got.loc[present], want)


def test_worked_example_from_docstring() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01", "2024-11-15"]),
        }
    )
    t = survival_table(tx, observation_end="2024-12-31")
    assert t["duration"].tolist() == [150, 213]
    assert t["churned"].tolist() == [True, False]
    assert t["mean_gap_days"].tolist() == [60.0, 167.0]
    assert t["tenure_days"].tolist() == [365, 213]


def test_prepared_log_gives_same_table_and_input_not_mutated(small_log: pd.DataFrame) -> None:
    before = small_log.copy(deep=True)
    a = survival_table(small_log, amount_col="amount")
    b = survival_table(gk.prepare_transactions(small_log, amount_col="amount"), amount_col="amount")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(small_log, before)
    assert "spend" not in survival_table(small_log).columns


def test_single_customer_and_single_day() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [7, 7],
            "timestamp": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 11:00"]),
        }
    )
    t = survival_table(tx)
    assert t.loc[7, "duration"] == 0
    assert not t.loc[7, "churned"]
    assert t.loc[7, "orders"] == 2
    assert t.loc[7, "mean_gap_days"] == 0.0


@given(
    days=st.lists(st.integers(0, 1000), min_size=1, max_size=60),
    ids=st.lists(st.integers(0, 6), min_size=60, max_size=60),
    k=st.integers(1, 400),
    extra=st.integers(0, 300),
)
def test_invariants(days: list[int], ids: list[int], k: int, extra: int) -> None:
    n = len(days)
    tx = pd.DataFrame(
        {
            "customer_id": ids[:n],
            "timestamp": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )
    end = tx["timestamp"].max() + pd.Timedelta(days=extra)
    t = survival_table(tx, inactivity_days=k, observation_end=end)
    assert (t["duration"] >= 0).all()
    assert t["orders"].sum() == n
    assert (t["churned"] == (t["days_since_last"] > k)).all()
    churned = t["churned"]
    assert (t.loc[churned, "duration"] >= k).all()
    assert (t.loc[churned, "duration"] < t.loc[churned, "tenure_days"]).all()
    assert (t.loc[~churned, "duration"] == t.loc[~churned, "tenure_days"]).all()
    assert np.isfinite(t["mean_gap_days"]).all()
    assert (t["mean_gap_days"] * (t["orders"] - 1) <= t["tenure_days"]).all()


@pytest.mark.parametrize("bad", [0, -5, 1.5, True])
def test_bad_inactivity_days(small_log: pd.DataFrame, bad: object) -> None:
    with pytest.raises(gk.DataError, match=r"^`inactivity_days` must be an integer >= 1, got"):
        survival_table(small_log, inactivity_days=bad)  # type: ignore[arg-type]


def test_inactivity_days_of_the_wrong_type(small_log: pd.DataFrame) -> None:
    # Text where a number belongs is the wrong kind of input (the house rule, _validate.py).
    with pytest.raises(gk.SchemaError, match=r"^`inactivity_days` must be an integer >= 1, got"):
        survival_table(small_log, inactivity_days="90")  # type: ignore[arg-type]


def test_orders_after_observation_end(small_log: pd.DataFrame) -> None:
    with pytest.raises(gk.DataError, match=r"^`timestamp` has orders after observation_end"):
        survival_table(small_log, observation_end="2022-06-01")


def test_missing_column(small_log: pd.DataFrame) -> None:
    with pytest.raises(gk.SchemaError, match=r"^`spend` column not found"):
        survival_table(small_log, amount_col="spend")
