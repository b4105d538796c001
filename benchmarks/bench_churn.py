"""Benchmarks of growthkit.churn: the survival table and the early-warning pipeline.

Each group holds growthkit and its idiomatic alternative on identical data; outputs are
asserted equal before anything is timed, and the JIT is warmed up (first call timed apart
in ``test_first_call``).

    pytest benchmarks/bench_churn.py --benchmark-enable                 # 10^3, 10^5
    pytest benchmarks/bench_churn.py --benchmark-disable -m "not slow"  # smoke run
    pytest benchmarks/bench_churn.py --benchmark-enable -m slow         # 10^6, 10^7
    python benchmarks/bench_churn.py 1000000                           # pipeline time split

The pipeline split (``python benchmarks/bench_churn.py N``) runs the age-clock fit on N
simulated customers and prints growthkit's part (table, compression, ranking) apart from
lifelines' part (fit, conditional survival), plus the compressed-vs-plain checks.

``test_early_warning`` times ``early_warning`` on the inter-purchase clock against the same
model written by hand (pandas gap rows, a lifelines fit, ``conditional_after``, the rule's
gate), and the default MBG/NBD list against the pandas recency ranking;
``test_evaluation`` times ``evaluate_early_warning`` against an evaluation by hand.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.churn import (
    early_warning,
    evaluate_early_warning,
    fit_churn_model,
    fit_gap_model,
    survival_table,
)

K = 90
ORDERS_PER_CUSTOMER = 2.7  # simulate_transactions' default process
_LOGS: dict[int, pd.DataFrame] = {}
_CHECKED: set[tuple[str, int]] = set()


def log_of(n_orders: int) -> pd.DataFrame:
    """A simulated log with about ``n_orders`` orders (cached per size)."""
    if n_orders not in _LOGS:
        n_customers = max(int(n_orders / ORDERS_PER_CUSTOMER), 10)
        _LOGS[n_orders] = gk.datasets.simulate_transactions(n_customers, seed=2024)
    return _LOGS[n_orders]


def run(benchmark: Any, func: Callable[[], Any], rounds: int = 5) -> Any:
    if benchmark.disabled:
        return benchmark(func)
    return benchmark.pedantic(func, rounds=rounds, iterations=1, warmup_rounds=1)


# --------------------------------------------------------------------------------------
# survival_table vs the idiomatic pandas groupby
# --------------------------------------------------------------------------------------


def pandas_survival_table(tx: pd.DataFrame, inactivity_days: int) -> pd.DataFrame:
    """What an analyst writes: groupby-agg on the raw frame, then column arithmetic."""
    g = tx.groupby("customer_id", sort=True).agg(
        first=("timestamp", "min"),
        last=("timestamp", "max"),
        orders=("timestamp", "size"),
        spend=("amount", "sum"),
    )
    first = g["first"].dt.normalize()
    last = g["last"].dt.normalize()
    end = tx["timestamp"].max().normalize()
    since = (end - last).dt.days
    churned = since > inactivity_days
    span = (last - first).dt.days
    out = pd.DataFrame(index=g.index)
    out["duration"] = np.where(churned, span + inactivity_days, (end - first).dt.days)
    out["churned"] = churned
    out["orders"] = g["orders"].astype(np.int64)
    out["spend"] = g["spend"]
    out["tenure_days"] = (end - first).dt.days.astype(np.int64)
    out["mean_gap_days"] = np.where(g["orders"] > 1, span / (g["orders"] - 1).clip(lower=1), 0.0)
    out["days_since_last"] = since.astype(np.int64)
    out["cohort"] = g["first"].dt.to_period("M")
    return out


TABLE_SIZES = [
    pytest.param(1_000, id="1e3"),
    pytest.param(100_000, id="1e5"),
    pytest.param(1_000_000, id="1e6", marks=pytest.mark.slow),
    pytest.param(10_000_000, id="1e7", marks=pytest.mark.slow),
]


def growthkit_table(tx: pd.DataFrame) -> pd.DataFrame:
    return survival_table(tx, amount_col="amount", inactivity_days=K)


def test_first_call(benchmark: Any) -> None:
    """JIT compilation + first call on a tiny log (timed apart from the warm runs)."""
    tx = log_of(1_000)
    t0 = time.perf_counter()
    growthkit_table(tx)
    benchmark.extra_info["first_call_seconds"] = time.perf_counter() - t0
    run(benchmark, lambda: growthkit_table(tx))


_PREPARED: dict[int, gk.Transactions] = {}


@pytest.mark.parametrize("n_orders", TABLE_SIZES)
@pytest.mark.parametrize("impl", ["growthkit", "growthkit_prepared", "pandas"])
def test_survival_table(benchmark: Any, impl: str, n_orders: int) -> None:
    """``growthkit_prepared`` starts from ``gk.prepare_transactions`` (paid once per log)."""
    tx = log_of(n_orders)
    benchmark.group = f"churn-survival_table-{n_orders:.0e}-orders"
    if n_orders not in _PREPARED:
        want = pandas_survival_table(tx, K)
        pd.testing.assert_frame_equal(growthkit_table(tx), want, check_names=False)
        _PREPARED[n_orders] = gk.prepare_transactions(tx, amount_col="amount")
    prepared = _PREPARED[n_orders]
    funcs: dict[str, Callable[[], Any]] = {
        "growthkit": lambda: growthkit_table(tx),
        "growthkit_prepared": lambda: survival_table(
            prepared, amount_col="amount", inactivity_days=K
        ),
        "pandas": lambda: pandas_survival_table(tx, K),
    }
    run(benchmark, funcs[impl], rounds=3 if n_orders >= 10**7 else 5)


# --------------------------------------------------------------------------------------
# early-warning pipeline: growthkit (compressed AFT) vs plain lifelines on the pandas table
# --------------------------------------------------------------------------------------

COVARIATES = ["orders", "mean_gap_days"]
H = 30
WARNING_SIZES = [
    pytest.param(1_000, id="1e3"),
    pytest.param(10_000, id="1e4"),
    pytest.param(100_000, id="1e5", marks=pytest.mark.slow),
]


def growthkit_warning(tx: pd.DataFrame, model: str) -> pd.DataFrame:
    """growthkit: gap model (or MBG/NBD) + survival table + early_warning."""
    table = survival_table(tx, inactivity_days=K)
    if model == "mbgnbd":
        from growthkit.clv import ModifiedBetaGeo

        summary = gk.customer_summary(tx, period="D")
        fitted: Any = ModifiedBetaGeo.fit(summary)
        return early_warning(
            fitted, table, horizon_days=H, summary=summary, inactivity_days=K
        ).table
    gaps = fit_gap_model(tx, model=model, covariates=COVARIATES)  # type: ignore[arg-type]
    return early_warning(gaps, table, horizon_days=H, n_drivers=1, inactivity_days=K).table


def pandas_gaps(tx: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The gap rows an analyst builds: one row per order day, days to the next one."""
    day = tx["timestamp"].dt.normalize()
    per = (
        tx.assign(day=day)
        .groupby(["customer_id", "day"], sort=True)
        .size()
        .rename("n")
        .reset_index()
    )
    per["orders"] = per.groupby("customer_id")["n"].cumsum().astype(float)
    first = per.groupby("customer_id")["day"].transform("min")
    age = (per["day"] - first).dt.days
    per["mean_gap_days"] = np.where(per["orders"] > 1, age / (per["orders"] - 1).clip(1), 0.0)
    nxt = per.groupby("customer_id")["day"].shift(-1)
    end = day.max()
    per["duration"] = np.where(nxt.notna(), (nxt - per["day"]).dt.days, (end - per["day"]).dt.days)
    per["event"] = nxt.notna().astype(float)
    return per, end


def lifelines_warning(tx: pd.DataFrame, model: str) -> pd.DataFrame:
    """By hand: pandas gap rows, a lifelines fit, conditional survival, the rule's gate."""
    from lifelines import CoxPHFitter, WeibullAFTFitter

    per, _ = pandas_gaps(tx)
    data = per[[*COVARIATES, "duration", "event"]]
    if model != "coxph":
        data = data.loc[data["duration"] > 0]
    fitter = (CoxPHFitter if model == "coxph" else WeibullAFTFitter)()
    fitter.fit(data, "duration", "event")
    last = per.loc[per["event"] == 0].set_index("customer_id")
    current = last.loc[last["duration"] <= K]
    d = current["duration"].to_numpy(dtype=float)
    p = np.zeros(len(current))
    late = d + H > K
    for w in np.unique(K + 1 - d[late]):  # one lifelines call per window length
        rows = late & (K + 1 - d == w)
        s = fitter.predict_survival_function(
            current.loc[rows, COVARIATES], times=[w], conditional_after=d[rows]
        )
        p[rows] = s.to_numpy().ravel()
    out = pd.DataFrame({"churn_probability": p}, index=current.index)
    return out.sort_values("churn_probability", ascending=False, kind="stable")


def recency_ranking(tx: pd.DataFrame) -> pd.DataFrame:
    """The one-line baseline: current customers by days since their last order."""
    day = tx["timestamp"].dt.normalize()
    d: pd.Series = (day.max() - day.groupby(tx["customer_id"]).max()).dt.days
    return (
        d[d <= K].sort_values(ascending=False, kind="stable").rename("days_since_last").to_frame()
    )


@pytest.mark.parametrize("n_customers", WARNING_SIZES)
@pytest.mark.parametrize("model", ["weibull", "coxph", "mbgnbd"])
@pytest.mark.parametrize("impl", ["growthkit", "by_hand"])
def test_early_warning(benchmark: Any, impl: str, model: str, n_customers: int) -> None:
    """early_warning vs lifelines by hand (gap models) or the pandas recency ranking."""
    tx = log_of(int(n_customers * ORDERS_PER_CUSTOMER))
    benchmark.group = f"early-warning-{model}-{n_customers:.0e}-customers"
    alternative = lifelines_warning if model != "mbgnbd" else (lambda t, m: recency_ranking(t))
    key = (f"warning-{model}", n_customers)
    if key not in _CHECKED:
        got = growthkit_warning(tx, model)
        want = alternative(tx, model)
        if model == "mbgnbd":  # another quantity: the same customers, zero where d + h <= k
            assert set(got.index) == set(want.index)
            zero = got["days_since_last"] + H <= K
            assert (got.loc[zero, "churn_probability"] == 0).all()
        else:
            pd.testing.assert_series_equal(
                got["churn_probability"].sort_index(),
                want["churn_probability"].sort_index(),
                rtol=1e-4,
                check_index_type=False,
            )
        _CHECKED.add(key)
    func = (
        (lambda: growthkit_warning(tx, model))
        if impl == "growthkit"
        else (lambda: alternative(tx, model))
    )
    run(benchmark, func, rounds=1 if n_customers >= 100_000 else 3)


def pandas_evaluation(tx: pd.DataFrame, cutoff: str) -> dict[str, float]:
    """By hand: Weibull on the gaps to the cutoff, outcome by groupby, AUC and Brier."""
    from lifelines import WeibullAFTFitter
    from scipy.stats import rankdata

    day = tx["timestamp"].dt.normalize()
    c = pd.Timestamp(cutoff)
    before = tx.loc[day <= c]
    per, _ = pandas_gaps(before)
    last = per.loc[per["event"] == 0].set_index("customer_id")
    last["duration"] = (c - last["day"]).dt.days  # censored at the cutoff
    rows = pd.concat([per.loc[per["event"] == 1], last.reset_index()], ignore_index=True)
    data = rows[[*COVARIATES, "duration", "event"]]
    fitter = WeibullAFTFitter().fit(data.loc[data["duration"] > 0], "duration", "event")
    current = last.loc[last["duration"] <= K]
    d = current["duration"].to_numpy(dtype=float)
    late = d + H > K
    s = fitter.predict_survival_function(current[COVARIATES], times=np.arange(0, K + 2))
    p = np.where(late, s.to_numpy()[K + 1] / s.to_numpy()[d.astype(int), np.arange(len(d))], 0)
    after = tx.loc[(day > c) & (day <= c + pd.Timedelta(days=H))]
    nxt = after.assign(day=day).groupby("customer_id")["day"].min().reindex(current.index)
    limit = current["day"] + pd.Timedelta(days=K + 1)
    y = (late & ~(nxt <= limit)).to_numpy()
    r = rankdata(p)
    n1 = y.sum()
    auc = (r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(y) - n1))
    return {"auc": float(auc), "brier": float(np.mean((p - y) ** 2))}


@pytest.mark.parametrize("n_customers", WARNING_SIZES[:2])
@pytest.mark.parametrize("impl", ["growthkit", "by_hand"])
def test_evaluation(benchmark: Any, impl: str, n_customers: int) -> None:
    """evaluate_early_warning (Weibull on gaps, four scores, every metric) vs one by hand."""
    tx = log_of(int(n_customers * ORDERS_PER_CUSTOMER))
    benchmark.group = f"evaluation-weibull-{n_customers:.0e}-customers"
    cut = "2024-06-30"

    def ours() -> Any:
        return evaluate_early_warning(tx, cutoff=cut, horizon_days=H, score="weibull", top_k=100)

    key = ("evaluation", n_customers)
    if key not in _CHECKED:
        got = ours().metrics.loc["weibull"]
        want = pandas_evaluation(tx, cut)
        assert got["auc"] == pytest.approx(want["auc"], rel=1e-4)
        assert got["brier"] == pytest.approx(want["brier"], rel=1e-3)
        _CHECKED.add(key)
    run(benchmark, ours if impl == "growthkit" else (lambda: pandas_evaluation(tx, cut)))


# --------------------------------------------------------------------------------------
# the time split, and compressed vs plain fits (python benchmarks/bench_churn.py N)
# --------------------------------------------------------------------------------------


def _timed(func: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = func()
    return out, time.perf_counter() - t0


def pipeline_split(n_customers: int, model: str = "weibull", plain: bool = True) -> None:
    from growthkit.churn._regression import compress_rows

    tx = gk.datasets.simulate_transactions(n_customers, seed=2024)
    print(f"{n_customers} customers, {len(tx)} orders, model {model}")
    growthkit_table(tx.head(1000))  # JIT warm-up
    table, t_table = _timed(lambda: growthkit_table(tx))
    data = table[["duration", "churned", *COVARIATES]].astype(float)
    if model != "coxph":
        data = data.loc[data["duration"] > 0].reset_index(drop=True)
    rows, t_compress = _timed(lambda: compress_rows(data, censored_only=model == "coxph"))
    fitted, t_fit_total = _timed(
        lambda: fit_churn_model(table, model=model, covariates=COVARIATES)  # type: ignore[arg-type]
    )
    fitter = fitted.fitter
    current = table.loc[~table["churned"]]
    _, t_predict = _timed(lambda: fitted.churn_probability(current, horizon_days=30))
    alerts, t_warning = _timed(lambda: early_warning(fitted, table, horizon_days=30))
    t_lifelines_fit = t_fit_total - t_compress
    t_rank = t_warning - t_predict
    print(f"  rows passed to lifelines: {len(rows)} (from {len(data)})")
    print(
        f"  growthkit: survival_table {t_table:.2f}s, compression {t_compress:.2f}s, "
        f"ranking+drivers {t_rank:.2f}s"
    )
    print(f"  lifelines: fit {t_lifelines_fit:.2f}s, conditional survival {t_predict:.2f}s")
    print(f"  coefficients: {fitted.coefficients.to_dict()}")
    if plain:
        from lifelines import CoxPHFitter, LogNormalAFTFitter, WeibullAFTFitter

        cls = {"coxph": CoxPHFitter, "weibull": WeibullAFTFitter, "lognormal": LogNormalAFTFitter}
        ref, t_plain = _timed(lambda: cls[model]().fit(data, "duration", "churned"))
        a, b = ref.params_.to_numpy(), fitter.params_.to_numpy()
        se_a, se_b = ref.standard_errors_.to_numpy(), fitter.standard_errors_.to_numpy()
        print(f"  plain lifelines fit on every row: {t_plain:.2f}s")
        print(
            f"  params max |diff| {np.max(np.abs(a - b)):.3g}, rel {np.max(np.abs(a / b - 1)):.3g}"
        )
        print(f"  standard errors max rel diff {np.max(np.abs(se_a / se_b - 1)):.3g}")
        print(f"  log-lik plain {ref.log_likelihood_:.6f}, compressed {fitter.log_likelihood_:.6f}")
    print(f"  top of the list:\n{alerts.table.head(3)}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    models = sys.argv[2].split(",") if len(sys.argv) > 2 else ["weibull"]
    plain = not (len(sys.argv) > 3 and sys.argv[3] == "noplain")
    for m in models:
        pipeline_split(n, m, plain)
