from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from tests.foundation.naive import naive_summary


def random_log(seed: int, n: int = 400, customers: int = 40, days: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01").value
    ticks = start + rng.integers(0, days * 86_400, n) * 1_000_000_000
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, n) * 7 + 3,
            "timestamp": pd.to_datetime(ticks),
            "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
@pytest.mark.parametrize("calendar", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_summary_matches_naive_twin(period: str, calendar: bool, seed: int) -> None:
    tx = random_log(seed)
    end = tx["timestamp"].max() + pd.Timedelta(days=3)
    got = gk.customer_summary(
        tx,
        amount_col="amount",
        observation_end=end,
        period=period,  # type: ignore[arg-type]
        calendar=calendar,
    )
    want = naive_summary(
        tx, amount_col="amount", observation_end=end, period=period, calendar=calendar
    )
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=1e-9)


def test_cdnow_weekly_matches_published_summary(
    cdnow: pd.DataFrame, cdnow_summary_published: pd.DataFrame
) -> None:
    # Reference: Fader & Hardie's published CDNOW calibration summary (x, t_x, T, zbar),
    # calibration period 1997-01-01..1997-09-30 in weeks, rounded to 2 decimals.
    calibration = cdnow[cdnow["timestamp"] <= "1997-09-30"]
    got = gk.customer_summary(
        calibration, amount_col="amount", period="W", observation_end="1997-09-30"
    )
    pub = cdnow_summary_published
    assert got.index.equals(pub.index)
    np.testing.assert_array_equal(got["frequency"], pub["frequency"])
    for col in ["recency", "T", "monetary_value"]:
        np.testing.assert_allclose(got[col], pub[col], atol=0.005 + 1e-9)


def test_calibration_holdout_cdnow(
    cdnow: pd.DataFrame, cdnow_summary_published: pd.DataFrame
) -> None:
    got = gk.calibration_holdout_summary(
        cdnow,
        amount_col="amount",
        period="W",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    np.testing.assert_array_equal(got["frequency"], cdnow_summary_published["frequency"])
    holdout = cdnow[cdnow["timestamp"] > "1997-09-30"]
    per_day = holdout.groupby(["customer_id", "timestamp"])["amount"].sum().reset_index()
    freq = per_day.groupby("customer_id").size().reindex(got.index, fill_value=0)
    mean = per_day.groupby("customer_id")["amount"].mean().reindex(got.index, fill_value=0.0)
    np.testing.assert_array_equal(got["frequency_holdout"], freq)
    np.testing.assert_allclose(got["monetary_value_holdout"], mean)
    # 273 days from 1997-09-30 to 1998-06-30: the 39-week holdout of the BTYD literature.
    np.testing.assert_allclose(got["duration_holdout"], 273 / 7)


def test_holdout_only_customers_with_calibration_orders() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-05", "2024-02-20"]),
        }
    )
    got = gk.calibration_holdout_summary(tx, calibration_end="2024-01-31")
    assert list(got.index) == [1, 2]
    assert got.loc[1, "frequency_holdout"] == 1
    assert got.loc[2, "frequency_holdout"] == 0
    assert got.loc[1, "duration_holdout"] == 20.0


def test_id_dtypes_give_identical_results() -> None:
    tx = random_log(5)
    as_int = gk.customer_summary(tx, amount_col="amount")
    labels = {c: f"id{c:05d}" for c in tx["customer_id"].unique()}
    tx_str = tx.assign(customer_id=tx["customer_id"].map(labels))
    as_str = gk.customer_summary(tx_str, amount_col="amount")
    tx_cat = tx_str.assign(
        customer_id=pd.Categorical(
            tx_str["customer_id"], categories=[*sorted(labels.values()), "unused"]
        )
    )
    as_cat = gk.customer_summary(tx_cat, amount_col="amount")
    # zero-padded labels sort like the ints, so rows line up one to one
    np.testing.assert_array_equal(as_int.to_numpy(), as_str.to_numpy())
    np.testing.assert_array_equal(as_int.to_numpy(), as_cat.to_numpy())
    assert list(as_str.index) == [labels[c] for c in as_int.index]
    assert "unused" not in as_cat.index


def test_tz_aware_uses_local_calendar_days() -> None:
    naive = pd.to_datetime(["2024-03-01 23:30", "2024-03-02 00:30", "2024-03-09 12:00"])
    tx = pd.DataFrame({"customer_id": [1, 1, 1], "timestamp": naive})
    aware = tx.assign(timestamp=naive.tz_localize("America/New_York"))
    a = gk.customer_summary(tx, observation_end="2024-03-10")
    b = gk.customer_summary(aware, observation_end="2024-03-10")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[1, "frequency"] == 2  # three orders on three local days
    utc = aware.assign(timestamp=aware["timestamp"].dt.tz_convert("UTC"))
    c = gk.customer_summary(utc, observation_end=pd.Timestamp("2024-03-10", tz="UTC"))
    # 23:30 and 00:30 New York are both 2024-03-02 in UTC: one fewer purchase day.
    assert c.loc[1, "frequency"] == 1


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_any_datetime_unit(unit: str) -> None:
    tx = random_log(3)
    ref = gk.customer_summary(tx, amount_col="amount")
    other = tx.assign(timestamp=tx["timestamp"].to_numpy().astype(f"datetime64[{unit}]"))
    pd.testing.assert_frame_equal(gk.customer_summary(other, amount_col="amount"), ref)


def test_prepared_log_equals_frame_path() -> None:
    tx = random_log(4)
    log = gk.prepare_transactions(tx, amount_col="amount")
    pd.testing.assert_frame_equal(
        gk.customer_summary(log, amount_col="amount"), gk.customer_summary(tx, amount_col="amount")
    )
    no_amounts = gk.customer_summary(log)
    assert list(no_amounts.columns) == ["frequency", "recency", "T"]


def test_input_not_mutated() -> None:
    tx = random_log(6)
    before = tx.copy(deep=True)
    gk.customer_summary(tx, amount_col="amount", period="W")
    gk.calibration_holdout_summary(tx, amount_col="amount", calibration_end="2023-04-01")
    pd.testing.assert_frame_equal(tx, before)


def test_one_customer_one_order() -> None:
    tx = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-01-01"])})
    got = gk.customer_summary(tx)
    assert got.loc["a"].to_numpy().tolist() == [0, 0.0, 0.0]


def test_duplicate_rows_are_one_purchase_day_with_summed_value() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-05", "2024-01-05"]),
            "amount": [10.0, 5.0, 5.0, 2.0],
        }
    )
    got = gk.customer_summary(tx, amount_col="amount")
    assert got.loc[1].to_numpy().tolist() == [1, 4.0, 4.0, 12.0]


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 400), st.floats(0, 1e6)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["D", "W", "M", "Q", "Y"]),
    st.booleans(),
)
def test_summary_invariants(
    rows: list[tuple[int, int, float]], period: str, calendar: bool
) -> None:
    ids, days, amounts = zip(*rows, strict=True)
    tx = pd.DataFrame(
        {
            "customer_id": list(ids),
            "timestamp": pd.Timestamp("2020-01-01") + pd.to_timedelta(list(days), unit="D"),
            "amount": list(amounts),
        }
    )
    s = gk.customer_summary(tx, amount_col="amount", period=period, calendar=calendar)  # type: ignore[arg-type]
    assert (s["frequency"] >= 0).all()
    assert (s["recency"] >= 0).all()
    assert (s["recency"] <= s["T"] + 1e-12).all()
    assert ((s["frequency"] == 0) <= (s["recency"] == 0)).all()
    assert (s["monetary_value"] >= 0).all()
    assert np.isfinite(s.to_numpy(dtype=float)).all()
    assert len(s) == len(set(ids))
