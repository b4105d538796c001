"""Load every compiled kernel once, at service start instead of on the first request.

The numba kernels are compiled on first use and cached on disk (next to the package, or in
``NUMBA_CACHE_DIR``). A fresh process still pays, on its first call, numba's own start-up
(about 0.5-1 s: its lowering registries) plus 5-30 ms per kernel read from the cache, and
scipy's import. :func:`warm_up` pays all of that at once on a tiny log, so that every
later first call costs what a second call costs.
"""

from __future__ import annotations

import importlib
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

__all__ = ["cache_dir", "check_cache_dir", "warm_up"]


def cache_dir() -> Path:
    """Where numba keeps growthkit's compiled kernels: ``NUMBA_CACHE_DIR`` or the package."""
    configured = os.environ.get("NUMBA_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "_kernels" / "__pycache__"


def check_cache_dir() -> Path:
    """Check that the kernel cache can be written and that only its owner can write it.

    numba loads cached kernels by unpickling them, so whoever can write the cache can run
    code in every process that loads it. Raises :class:`~growthkit.DataError` when the
    cache cannot be written (numba would compile in every process, or cache somewhere
    else) or when other users can write to it.
    """
    from growthkit._output import check_out_dir
    from growthkit._validate import message
    from growthkit.errors import DataError

    where = cache_dir()
    fix = "Set NUMBA_CACHE_DIR to a directory only you can write to."
    check_out_dir(where, name="NUMBA_CACHE_DIR", fix=fix)
    if where.is_dir() and where.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise DataError(
            message(
                "NUMBA_CACHE_DIR",
                f"is writable by other users ({where})",
                0,
                f"They could plant code that every process loads: chmod go-w {where}.",
            )
        )
    return where


def warm_up() -> dict[str, float]:
    """Load (or compile and cache) every kernel of growthkit; returns seconds per step.

    Call it once when a service or worker process starts (or run
    ``python -m growthkit warmup`` in a container build to fill the on-disk cache, with
    ``NUMBA_CACHE_DIR`` set when the package directory is read-only). With the cache
    filled it takes about a second, most of it numba's and scipy's own start-up;
    without it, the first run compiles every kernel (about a minute) and writes the
    cache for every later process.

    The steps run each transaction-level function on a 60-customer simulated log with
    integer and with string ids, the customer-block layout, each event-log function
    (:mod:`growthkit.funnel`) on a 60-user simulated event log, the BG/NBD and Pareto/NBD
    kernels (serial and threaded), a Bayesian A/B test, and import lifelines for the churn
    models. Results are discarded; nothing global changes besides numba's and Python's
    caches.

    Returns
    -------
    dict
        Step name -> wall seconds, in the order run.

    Examples
    --------
    >>> import growthkit as gk
    >>> timings = gk.warm_up()
    >>> sorted(timings)[:3]
    ['bayes_proportion', 'calibration_holdout_summary', 'clv_predictions']
    """
    import numpy as np
    import pandas as pd

    import growthkit as gk
    from growthkit._kernels import clv as clv_kernels
    from growthkit.clv import BetaGeo, ParetoNBD

    timings: dict[str, float] = {}

    def step(name: str, fn: Callable[[], _T]) -> _T:
        started = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - started
        return out

    tx: pd.DataFrame = step("simulate", lambda: gk.datasets.simulate_transactions(60, seed=0))
    by_name = tx.assign(customer_id=tx["customer_id"].astype(str))
    shuffled = tx.iloc[::-1]  # out-of-order rows take the sorting kernels
    cut = tx["timestamp"].quantile(0.5)

    by_category = tx.assign(customer_id=by_name["customer_id"].astype("category"))
    step(
        "prepare_transactions",
        lambda: (
            gk.prepare_transactions(by_name, amount_col="amount"),
            gk.prepare_transactions(by_category, amount_col="amount"),
        ),
    )
    step(
        "customer_summary",
        lambda: (
            gk.customer_summary(tx, amount_col="amount"),
            gk.customer_summary(shuffled, period="W", calendar=True),
        ),
    )
    step(
        "calibration_holdout_summary",
        lambda: gk.calibration_holdout_summary(tx, calibration_end=cut, amount_col="amount"),
    )
    step(
        "rfm_scores",
        lambda: (gk.rfm_scores(tx), gk.lifecycle_stages(tx)),
    )
    step(
        "cohort_matrix",
        lambda: (
            gk.cohort_matrix(shuffled, period="W"),
            gk.cohort_matrix(tx, amount_col="amount", value="revenue"),
        ),
    )
    step(
        "growth_accounting",
        lambda: (gk.growth_accounting(tx), gk.growth_accounting(tx, amount_col="amount")),
    )
    step("survival_table", lambda: gk.survival_table(shuffled))

    def blocks() -> None:
        # the customer-block layout, with amounts and without (rfm, cohorts, churn read it)
        for log in (gk.prepare_transactions(tx, amount_col="amount"), gk.prepare_transactions(tx)):
            log.customer_blocks(0)

    step("customer_blocks", blocks)
    step("funnel", _warm_funnel)

    x = np.array([0.0, 2.0, 5.0])
    t_x = np.array([0.0, 10.0, 30.0])
    t = np.array([39.0, 39.0, 39.0])

    # Summary columns as users pass them (pandas 3 hands out read-only arrays, which numba
    # types apart from writeable ones) and as plain arrays.
    summary = pd.DataFrame({"frequency": x, "recency": t_x, "T": t})
    columns = (summary["frequency"], summary["recency"], summary["T"])

    def clv() -> None:
        for model in (
            BetaGeo(r=0.24, alpha=4.41, a=0.79, b=2.43),
            ParetoNBD(r=0.55, alpha=10.58, s=0.61, beta=11.67),
        ):
            for args in ((x, t_x, t), columns):
                model.expected_purchases(10.0, *args)
                model.probability_alive(*args)
        clv_kernels.load_kernels()  # the fits' kernels and the threaded twins

    step("clv_predictions", clv)
    step("bayes_proportion", lambda: gk.experiments.bayes_proportion(30, 100, 40, 100))
    step("lifelines", lambda: importlib.import_module("lifelines"))  # churn models' import
    return timings


def _warm_funnel() -> None:
    """Each :mod:`growthkit.funnel` function on a small event log, as frame and prepared.

    Integer users with a categorical event, and string users with string events and
    tz-aware times: the two ways event columns arrive, which take different kernels. The
    kernels reading a categorical's codes are typed apart for a contiguous column and for
    a strided one (a frame sliced with a step), so a reversed view is prepared too.
    """
    import growthkit as gk

    rows = gk.datasets.simulate_events(60, seed=0)
    strided = rows.iloc[::-1]
    gk.funnel.funnel(strided, ["visit", "view"], by="device")
    gk.funnel.paths(strided, "view")
    events = rows.sample(frac=1.0, random_state=0)  # out-of-order rows
    by_name = events.assign(
        user_id="u" + events["user_id"].astype(str),
        event=events["event"].astype(str),
        timestamp=events["timestamp"].dt.tz_localize("UTC"),
    )
    steps = ["visit", "view", "purchase"]
    for frame in (events, by_name):
        prepared = gk.prepare_events(frame, properties=["device"])
        for data in (frame, prepared):
            gk.funnel.funnel(data, steps, window="1D", by="device")
            gk.funnel.funnel(data, steps, order="any")
            gk.funnel.paths(data, "view")
            gk.funnel.paths(data, "view", direction="before", collapse_repeats=True)
            gk.funnel.transition_matrix(data)
            gk.funnel.activity(data)
            gk.funnel.event_retention(data)
            gk.funnel.report_section(data, steps=steps)
