"""lifecycle_stages against a naive pandas twin, plus thresholds and the repeat rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit import rfm


def naive_lifecycle(
    tx: pd.DataFrame,
    end: pd.Timestamp,
    new_days: int = 30,
    at_risk_days: int = 90,
    lost_days: int = 180,
    share: float = 0.2,
) -> pd.DataFrame:
    g = tx.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "recency_days": (end - g["timestamp"].max()).dt.days,
            "tenure_days": (end - g["timestamp"].min()).dt.days,
            "frequency": g.size(),
            "monetary": g["amount"].sum(),
        }
    )
    out["stage"] = np.select(
        [
            out["recency_days"] > lost_days,
            out["recency_days"] > at_risk_days,
            out["tenure_days"] <= new_days,
        ],
        ["lost", "at_risk", "new"],
        "active",
    )
    # Customers spending strictly more than x: n - rank(max).
    bigger = len(out) - out["monetary"].rank(method="max")
    out["high_value"] = bigger < share * len(out)
    frame: pd.DataFrame = out
    return frame


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("new_days", "at_risk_days", "lost_days", "share"),
    [(30, 90, 180, 0.2), (7, 30, 60, 0.05), (200, 60, 120, 0.5)],
)
def test_matches_naive_twin(
    seed: int, new_days: int, at_risk_days: int, lost_days: int, share: float
) -> None:
    tx = gk.datasets.simulate_transactions(300, seed=seed, start="2023-01-01", end="2024-01-01")
    tx["amount"] = tx["amount"].round()
    end = pd.Timestamp("2024-01-01")
    res = rfm.lifecycle_stages(
        tx,
        observation_end=end,
        new_days=new_days,
        at_risk_days=at_risk_days,
        lost_days=lost_days,
        high_value_share=share,
    )
    want = naive_lifecycle(tx, end, new_days, at_risk_days, lost_days, share)
    t = res.table
    for col in ("recency_days", "tenure_days", "frequency"):
        assert t[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(t["monetary"], want["monetary"])
    assert t["stage"].astype(str).tolist() == want["stage"].tolist()
    assert t["high_value"].tolist() == want["high_value"].tolist()
    assert res.repeat_purchase_rate == pytest.approx((want["frequency"] >= 2).mean())
    assert res.high_value_min_monetary == want.loc[want["high_value"], "monetary"].min()


def test_stage_boundaries_are_exclusive_of_the_threshold_day() -> None:
    end = pd.Timestamp("2024-12-31")
    days_ago = [0, 30, 31, 90, 91, 180, 181]
    tx = pd.DataFrame(
        {
            "customer_id": list(range(7)) + list(range(7)),
            "timestamp": [end - pd.Timedelta(days=400)] * 7
            + [end - pd.Timedelta(days=d) for d in days_ago],
            "amount": 1.0,
        }
    )
    res = rfm.lifecycle_stages(tx, observation_end=end)
    assert res.table["stage"].astype(str).tolist() == [
        "active",
        "active",
        "active",
        "active",
        "at_risk",
        "at_risk",
        "lost",
    ]
    new = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": [end - pd.Timedelta(days=30), end - pd.Timedelta(days=31)],
            "amount": 1.0,
        }
    )
    assert rfm.lifecycle_stages(new, observation_end=end).table["stage"].astype(str).tolist() == [
        "new",
        "active",
    ]


def test_summary_and_str(cdnow: pd.DataFrame) -> None:
    res = rfm.lifecycle_stages(cdnow, new_days=400)
    s = res.stage_summary()
    assert list(s.index) == list(rfm.LIFECYCLE_STAGES)
    assert list(s.columns) == [
        "customers",
        "share",
        "high_value",
        "repeat_purchase_rate",
        "revenue",
        "revenue_share",
    ]
    assert s["customers"].sum() == len(res.table) == 2357
    assert s["high_value"].sum() == res.table["high_value"].sum()
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    assert res.repeat_purchase_rate == pytest.approx(
        (cdnow.groupby("customer_id").size() >= 2).mean()
    )
    assert "repeat_purchase_rate=" in str(res) and "at_risk" in str(res)
    assert res.to_frame().equals(res.table)


def test_without_amounts() -> None:
    tx = gk.datasets.simulate_transactions(50, seed=1)
    res = rfm.lifecycle_stages(tx, amount_col=None)
    assert "monetary" not in res.table
    assert not res.table["high_value"].any()
    assert np.isnan(res.high_value_min_monetary)
    assert "revenue" not in res.stage_summary()


def test_high_value_ties_share_the_flag() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": range(10),
            "timestamp": pd.Timestamp("2024-01-01"),
            "amount": [5.0] * 4 + [1.0] * 6,
        }
    )
    res = rfm.lifecycle_stages(tx, high_value_share=0.2)
    # Four customers tie at the top: nobody spends more than them, so all four are flagged.
    assert res.table["high_value"].sum() == 4
    assert res.high_value_min_monetary == 5.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"new_days": 0}, gk.DataError, r"`new_days` must be an integer >= 1, got 0: 1 rows\."),
        ({"at_risk_days": 2.5}, gk.DataError, r"`at_risk_days` must be an integer >= 1"),
        (
            {"at_risk_days": 90, "lost_days": 90},
            gk.DataError,
            r"`lost_days` \(90\) must exceed at_risk_days \(90\): 1 rows\.",
        ),
        (
            {"high_value_share": 1.0},
            gk.DataError,
            r"`high_value_share` must lie strictly between 0 and 1, got 1.0: 1 rows\.",
        ),
    ],
)
def test_bad_thresholds(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    tx = gk.datasets.simulate_transactions(20, seed=1)
    with pytest.raises(error, match=match):
        rfm.lifecycle_stages(tx, **kwargs)  # type: ignore[arg-type]
