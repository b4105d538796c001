"""Benchmarks of growthkit.churn: the survival table and the early-warning pipeline.

Each group holds growthkit and its idiomatic alternative on identical data; outputs are
asserted equal before anything is timed, and the JIT is warmed up (first call timed apart
in ``test_first_call``).

    pytest benchmarks/bench_churn.py --benchmark-enable                 # 10^3, 10^5
    pytest benchmarks/bench_churn.py --benchmark-disable -m "not slow"  # smoke run
    pytest benchmarks/bench_churn.py --benchmark-enable -m slow         # 10^6, 10^7
    python benchmarks/bench_churn.py 1000000                           # pipeline time split

The pipeline split (``python benchmarks/bench_churn.py N``) runs the early-warning pipeline
on N simulated customers and prints growthkit's part (table, compression, ranking) apart
from lifelines' part (fit, conditional survival), plus the compressed-vs-plain checks.
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
from growthkit.churn import early_warning, fit_churn_model, survival_table

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
PIPELINE_SIZES = [
    pytest.param(1_000, id="1e3"),
    pytest.param(100_000, id="1e5"),
    pytest.param(1_000_000, id="1e6", marks=pytest.mark.slow),
]


def growthkit_pipeline(tx: pd.DataFrame, model: str) -> pd.DataFrame:
    table = survival_table(tx, amount_col="amount", inactivity_days=K)
    fitted = fit_churn_model(table, model=model, covariates=COVARIATES)  # type: ignore[arg-type]
    return early_warning(fitted, table, horizon_days=30, n_drivers=1).table


def lifelines_pipeline(tx: pd.DataFrame, model: str) -> pd.DataFrame:
    """The plain way: pandas table, lifelines fit on every customer, lifelines scores."""
    from lifelines import CoxPHFitter, WeibullAFTFitter

    table = pandas_survival_table(tx, K)
    data = table[["duration", "churned", *COVARIATES]].astype(float)
    if model != "coxph":
        data = data.loc[data["duration"] > 0]
    fitter = (CoxPHFitter if model == "coxph" else WeibullAFTFitter)()
    fitter.fit(data, "duration", "churned")
    current = table.loc[~table["churned"]]
    s = fitter.predict_survival_function(
        current[COVARIATES], times=[30.0], conditional_after=current["duration"].to_numpy()
    )
    p = 1.0 - s.to_numpy().ravel()
    return pd.DataFrame({"churn_probability": p}, index=current.index).sort_values(
        "churn_probability", ascending=False, kind="stable"
    )


@pytest.mark.parametrize("n_customers", PIPELINE_SIZES)
@pytest.mark.parametrize("model", ["weibull", "coxph"])
@pytest.mark.parametrize("impl", ["growthkit", "lifelines"])
def test_pipeline(benchmark: Any, impl: str, model: str, n_customers: int) -> None:
    if model == "coxph" and n_customers >= 10**6 and impl == "lifelines":
        pytest.skip("plain CoxPHFitter on 10^6 rows: 2-3 minutes per round; see RESULTS_churn.md")
    tx = log_of(int(n_customers * ORDERS_PER_CUSTOMER))
    benchmark.group = f"churn-pipeline-{model}-{n_customers:.0e}-customers"
    key = (model, n_customers)
    if key not in _CHECKED:  # once per group, not once per implementation
        got = growthkit_pipeline(tx, model)
        if n_customers <= 100_000:
            want = lifelines_pipeline(tx, model)
            np.testing.assert_allclose(
                got["churn_probability"].to_numpy(),
                want["churn_probability"].to_numpy(),
                rtol=1e-3,
                atol=1e-6,
            )
        _CHECKED.add(key)
    func = (
        (lambda: growthkit_pipeline(tx, model))
        if impl == "growthkit"
        else (lambda: lifelines_pipeline(tx, model))
    )
    run(benchmark, func, rounds=1 if n_customers >= 10**6 else 3)


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
