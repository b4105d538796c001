"""growthkit's CLV month and holdout spend against lifetimes 0.11.3's definitions (issue 17).

lifetimes' ``_customer_lifetime_value`` (lifetimes/utils.py) sums, for i = factor, 2 factor,
..., time * factor, ``value * (predict(i) - predict(i - factor)) / (1 + d) ** (i / factor)``
with ``factor`` = 30 days (``freq="D"``) or 4.345 weeks (``freq="W"``); its
``calibration_and_holdout_data`` averages the holdout order rows for
``monetary_value_holdout``. Both are written out below as the reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.clv import DAYS_PER_MONTH, BetaGeo, customer_lifetime_value


def lifetimes_clv(model: BetaGeo, value: float, s: pd.DataFrame, factor: float) -> np.ndarray:
    f, r, t = s["frequency"], s["recency"], s["T"]
    total = np.zeros(len(s))
    for i in np.arange(1, 13) * factor:
        step = model.expected_purchases(i, f, r, t) - model.expected_purchases(i - factor, f, r, t)
        total += value * step / 1.01 ** (i / factor)
    return total


@pytest.mark.parametrize(("unit", "factor", "largest"), [(1.0, 30.0, 0.0130), (7.0, 4.345, 7e-4)])
def test_time_unit_days_reproduces_the_lifetimes_month(
    unit: float, factor: float, largest: float
) -> None:
    s = gk.datasets.load_cdnow_summary()  # weekly; the daily case rescales the model
    model = BetaGeo(r=0.243, alpha=4.414 * 7 / unit, a=0.793, b=2.426)
    s = s.assign(recency=s["recency"] * 7 / unit, T=s["T"] * 7 / unit)
    reference = lifetimes_clv(model, 10.0, s, factor)
    exact = customer_lifetime_value(model, 10.0, s, time_unit_days=DAYS_PER_MONTH / factor)
    np.testing.assert_allclose(exact, reference, rtol=1e-12, atol=0)
    # growthkit's own month (30.4375 days) is longer: up to 1.3 % (daily), 0.07 % (weekly).
    ours = customer_lifetime_value(model, 10.0, s, time_unit_days=unit)
    rel = np.abs(ours.to_numpy() / reference - 1)
    assert 0 < rel.max() < largest
    assert bool(np.all(ours.to_numpy() >= reference))


def test_monetary_value_holdout_is_per_purchase_period() -> None:
    # 95 of the 684 CDNOW holdout buyers (weekly, calendar weeks as lifetimes' freq="W")
    # have more order rows than purchase weeks; lifetimes averages the rows, growthkit the
    # weeks, so frequency_holdout * monetary_value_holdout is the holdout spend.
    tx = gk.datasets.load_cdnow()
    split = gk.calibration_holdout_summary(
        tx,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        period="W",
        calendar=True,
        amount_col="amount",
    )
    holdout = tx[(tx["timestamp"] > "1997-09-30") & (tx["timestamp"] <= "1998-06-30")]
    spend = holdout.groupby("customer_id")["amount"].sum().reindex(split.index, fill_value=0.0)
    per_row = holdout.groupby("customer_id")["amount"].mean().reindex(split.index, fill_value=0)
    buyers = split["frequency_holdout"] > 0
    np.testing.assert_allclose(
        split["frequency_holdout"] * split["monetary_value_holdout"], spend, rtol=1e-12
    )
    differ = ~np.isclose(split["monetary_value_holdout"], per_row)
    assert (int(differ.sum()), int(buyers.sum())) == (95, 684)
