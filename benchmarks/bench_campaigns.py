"""Benchmarks of growthkit.campaigns: evaluation from the order log, uplift metrics.

Each group holds growthkit and its idiomatic alternative on identical data; outputs are
asserted equal before anything is timed, and the JIT is warmed up.

    pytest benchmarks/bench_campaigns.py --benchmark-enable -m "not slow"  # 10^5
    pytest benchmarks/bench_campaigns.py --benchmark-enable -m slow        # 10^6

- ``test_evaluation``: :func:`~growthkit.campaigns.evaluate_campaign` (win-back z-test,
  Welch tests of orders and revenue per customer, the ratio test of revenue per order,
  incremental revenue) on a simulated campaign log of about N orders, from the raw frame
  and from a prepared log, against what an analyst writes in pandas + scipy (boolean
  window filter, ``groupby().agg``, ``reindex`` onto the assignment, a z-test by hand,
  ``scipy.stats.ttest_ind(equal_var=False)`` twice; no ratio test, so pandas does less).
- ``test_uplift``: :func:`~growthkit.campaigns.evaluate_uplift` (both curves, AUUC, Qini
  coefficient, uplift at 30%) on N units against scikit-uplift's ``qini_auc_score``,
  ``uplift_auc_score`` and ``uplift_at_k`` (the same three numbers); and the single
  ``qini_auc_score`` against sklift's.

Results: benchmarks/RESULTS_campaigns.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import growthkit as gk
from growthkit.campaigns import evaluate_campaign, evaluate_uplift, qini_auc_score
from growthkit.datasets import SimulatedCampaign, simulate_campaign

ORDERS_PER_CUSTOMER = 3.55  # simulate_campaign's default segments, one year of history
_SIMS: dict[int, SimulatedCampaign] = {}
SIZES = [pytest.param(10**5, id="1e5"), pytest.param(10**6, id="1e6", marks=pytest.mark.slow)]


def sim_of(n_orders: int) -> SimulatedCampaign:
    if n_orders not in _SIMS:
        _SIMS[n_orders] = simulate_campaign(int(n_orders / ORDERS_PER_CUSTOMER), seed=2024)
    return _SIMS[n_orders]


def run(benchmark: Any, func: Callable[[], Any], rounds: int = 5) -> Any:
    if benchmark.disabled:
        return benchmark(func)
    return benchmark.pedantic(func, rounds=rounds, iterations=1, warmup_rounds=1)


# --------------------------------------------------------------------------------------
# evaluation from the order log
# --------------------------------------------------------------------------------------


def pandas_evaluation(sim: SimulatedCampaign) -> dict[str, float]:
    """Win-back z-test and Welch tests of orders and revenue per customer, by hand."""
    o = sim.orders
    stop = sim.send_date + pd.Timedelta(days=sim.window_days)
    inside = o[(o["timestamp"] >= sim.send_date) & (o["timestamp"] < stop)]
    agg = inside.groupby("customer_id")["amount"].agg(["size", "sum"])
    a = sim.assignment.set_index("customer_id")
    per = agg.reindex(a.index, fill_value=0)
    treated = (a["arm"] == "treatment").to_numpy()
    won = (per["size"] > 0).to_numpy()
    n_t, n_h = treated.sum(), (~treated).sum()
    p_t, p_h = won[treated].mean(), won[~treated].mean()
    pooled = won.mean()
    z = (p_t - p_h) / np.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_h))
    revenue = per["sum"].to_numpy()
    orders = per["size"].to_numpy(dtype=float)
    rev = stats.ttest_ind(revenue[treated], revenue[~treated], equal_var=False)
    ords = stats.ttest_ind(orders[treated], orders[~treated], equal_var=False)
    return {
        "winback_pvalue": float(2 * special.ndtr(-abs(z))),
        "orders_pvalue": float(ords.pvalue),
        "revenue_pvalue": float(rev.pvalue),
        "incremental_revenue": float((revenue[treated].mean() - revenue[~treated].mean()) * n_t),
    }


def check_evaluation(sim: SimulatedCampaign, ours: gk.campaigns.CampaignEvaluation) -> None:
    want = pandas_evaluation(sim)
    np.testing.assert_allclose(float(ours.winback_rate.pvalue), want["winback_pvalue"], rtol=1e-6)
    np.testing.assert_allclose(
        float(ours.orders_per_customer.pvalue), want["orders_pvalue"], rtol=1e-6
    )
    np.testing.assert_allclose(
        float(ours.revenue_per_customer.pvalue), want["revenue_pvalue"], rtol=1e-6
    )
    np.testing.assert_allclose(ours.incremental_revenue, want["incremental_revenue"], rtol=1e-9)


@pytest.mark.parametrize("n_orders", SIZES)
@pytest.mark.parametrize(
    "impl", ["pandas + scipy", "growthkit (DataFrame)", "growthkit (prepared)"]
)
def test_evaluation(benchmark: Any, n_orders: int, impl: str) -> None:
    sim = sim_of(n_orders)
    benchmark.group = f"campaign evaluation, {n_orders:.0e} orders"
    benchmark.extra_info["orders"] = len(sim.orders)
    if impl == "pandas + scipy":
        run(benchmark, lambda: pandas_evaluation(sim))
        return
    tx: Any = sim.orders
    if impl == "growthkit (prepared)":
        tx = gk.prepare_transactions(sim.orders, amount_col="amount")

    def ours() -> gk.campaigns.CampaignEvaluation:
        return evaluate_campaign(tx, sim.assignment, send_date=sim.send_date)

    check_evaluation(sim, ours())
    run(benchmark, ours)


# --------------------------------------------------------------------------------------
# uplift metrics
# --------------------------------------------------------------------------------------


def uplift_data(n: int) -> tuple[np.ndarray[Any, Any], ...]:
    rng = np.random.default_rng(7)
    t = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    y = (rng.random(n) < 0.1 + 0.05 * t * (score > 0)).astype(np.int64)
    return y, score, t


def sklift_three(y: Any, s: Any, t: Any) -> tuple[float, float, float]:
    from sklift.metrics import qini_auc_score as q  # type: ignore[import-untyped]
    from sklift.metrics import uplift_at_k as at_k
    from sklift.metrics import uplift_auc_score as u

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # sklearn's stable_cumsum deprecation
        return float(u(y, s, t)), float(q(y, s, t)), float(at_k(y, s, t, strategy="overall"))


@pytest.mark.parametrize("n_units", SIZES)
@pytest.mark.parametrize("impl", ["scikit-uplift", "growthkit"])
def test_uplift(benchmark: Any, n_units: int, impl: str) -> None:
    pytest.importorskip("sklift")
    y, s, t = uplift_data(n_units)
    benchmark.group = f"uplift: AUUC + Qini + uplift@30%, {n_units:.0e} units"
    if impl == "scikit-uplift":
        run(benchmark, lambda: sklift_three(y, s, t), rounds=3)
        return
    ev = evaluate_uplift(y, s, t)
    want = sklift_three(y, s, t)
    got = (ev.auuc, ev.qini_coefficient, ev.uplift_at_k)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    run(benchmark, lambda: evaluate_uplift(y, s, t), rounds=3)


@pytest.mark.parametrize("n_units", SIZES)
@pytest.mark.parametrize("impl", ["scikit-uplift", "growthkit"])
def test_qini(benchmark: Any, n_units: int, impl: str) -> None:
    sm = pytest.importorskip("sklift.metrics")
    y, s, t = uplift_data(n_units)
    benchmark.group = f"qini_auc_score, {n_units:.0e} units"

    def theirs() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return float(sm.qini_auc_score(y, s, t))

    if impl == "scikit-uplift":
        run(benchmark, theirs, rounds=3)
        return
    assert abs(qini_auc_score(y, s, t) - theirs()) <= 1e-12
    run(benchmark, lambda: qini_auc_score(y, s, t), rounds=3)
