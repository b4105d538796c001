"""Invariants of growthkit.campaigns (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as hs

from growthkit.campaigns import assign_holdout, evaluate_campaign, evaluate_uplift
from growthkit.datasets import simulate_campaign

units = hs.integers(min_value=4, max_value=60).flatmap(
    lambda n: hs.tuples(
        hs.lists(hs.integers(0, 1), min_size=n, max_size=n),
        hs.lists(hs.integers(-3, 3), min_size=n, max_size=n),
        hs.lists(hs.integers(0, 1), min_size=n, max_size=n),
    )
)


@given(units)
@settings(max_examples=60)
def test_curves_depend_only_on_the_ranking(data: tuple[list[int], list[int], list[int]]) -> None:
    y, s, t = (np.array(x) for x in data)
    y = y * 2.5  # not 0/1: curves only (the normalised scores are NaN, never a DataError)
    if t.min() == t.max():
        return  # one arm: a DataError, tested elsewhere
    a = evaluate_uplift(y, s, t, k=1, strategy="by_group")
    b = evaluate_uplift(y, np.exp(s.astype(float)) * 10 - 4, t, k=1, strategy="by_group")
    np.testing.assert_array_equal(a.curve.to_numpy(), b.curve.to_numpy())
    # the curves start at the origin and end at the overall effect
    n_t, n_c = t.sum(), (1 - t).sum()
    y_t, y_c = (y * t).sum(), (y * (1 - t)).sum()
    assert a.curve.iloc[0].tolist() == [0, 0.0, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(a.curve["qini"].iloc[-1], y_t - y_c * n_t / n_c, atol=1e-12)
    np.testing.assert_allclose(a.curve["uplift"].iloc[-1], (y_t / n_t - y_c / n_c) * len(y))


@given(
    hs.lists(hs.sampled_from(["a", "b", "c"]), min_size=1, max_size=80),
    hs.floats(0.05, 0.95),
    hs.text(max_size=8),
)
@settings(max_examples=60)
def test_holdout_quota_per_stratum(strata: list[str], share: float, salt: str) -> None:
    ids = [f"id{i}" for i in range(len(strata))]
    a = assign_holdout(ids, salt=salt, holdout_share=share, strata=strata)
    counts = a.counts()
    for stratum, n in pd.Series(strata).value_counts().items():
        assert counts.loc[str(stratum), "holdout"] == np.floor(share * n + 0.5)
    b = assign_holdout(ids[::-1], salt=salt, holdout_share=share, strata=strata[::-1])
    assert (b.table["arm"].loc[ids] == a.table["arm"]).all()


def test_swapping_arms_flips_the_effects() -> None:
    sim = simulate_campaign(3_000, seed=5)
    swapped = sim.assignment.assign(
        arm=np.where(sim.assignment["arm"] == "treatment", "holdout", "treatment")
    )
    a = evaluate_campaign(sim.orders, sim.assignment, send_date=sim.send_date)
    b = evaluate_campaign(sim.orders, swapped, send_date=sim.send_date)
    for name in ("winback_rate", "orders_per_customer", "revenue_per_customer"):
        ra, rb = getattr(a, name), getattr(b, name)
        np.testing.assert_allclose(float(ra.effect), -float(rb.effect), rtol=1e-12)
        np.testing.assert_allclose(float(ra.pvalue), float(rb.pvalue), rtol=1e-9)
        assert float(ra.ci_low) <= float(ra.effect) <= float(ra.ci_high)


def test_tz_aware_log_and_string_ids() -> None:
    sim = simulate_campaign(2_000, seed=6)
    orders = sim.orders.assign(
        customer_id=sim.orders["customer_id"].map(lambda i: f"C{i:05d}"),
        timestamp=sim.orders["timestamp"].dt.tz_localize("Asia/Tokyo"),
    )
    assignment = sim.assignment.assign(
        customer_id=sim.assignment["customer_id"].map(lambda i: f"C{i:05d}")
    )
    got = evaluate_campaign(orders, assignment, send_date="2024-06-01")
    want = evaluate_campaign(sim.orders, sim.assignment, send_date=sim.send_date)
    assert got.revenue_per_customer == want.revenue_per_customer
    assert got.send_date == pd.Timestamp("2024-06-01", tz="Asia/Tokyo")
