"""Embedding in services: on-disk kernel cache shared by processes, thread safety."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

import growthkit as gk

SCRIPT = """
import growthkit as gk
tx = gk.datasets.load_cdnow()
s = gk.customer_summary(tx, amount_col="amount", period="W")
print(round(float(s.to_numpy(dtype=float).sum()), 6))
"""


def test_kernel_cache_shared_by_concurrent_processes(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outputs)) == 1
    assert any((tmp_path / "cache").rglob("*.nbi")), "kernels were not cached on disk"
    # a later process loads the cached kernels and computes the same numbers
    again = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == outputs[0]


def test_threads_give_identical_results() -> None:
    tx = gk.datasets.simulate_transactions(3000, seed=2)
    log = gk.prepare_transactions(tx, amount_col="amount")
    serial = gk.customer_summary(log, amount_col="amount")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: gk.customer_summary(log, amount_col="amount"), range(8)))
    for result in results:
        pd.testing.assert_frame_equal(result, serial)
    with ThreadPoolExecutor(max_workers=4) as pool:
        prepared = list(pool.map(lambda _: gk.prepare_transactions(tx), range(4)))
    for p in prepared:
        assert p.customers.equals(log.customers)


WARM_THEN_WORK = """
import pkgutil, importlib, json
import numba
import numpy as np
import growthkit as gk
import growthkit._kernels as kernels
from growthkit._kernels import clv as clv_kernels
from growthkit.clv import BetaGeo, ParetoNBD

gk.warm_up()

def dispatchers():
    found = {}
    for info in pkgutil.iter_modules(kernels.__path__):
        module = importlib.import_module(f"growthkit._kernels.{info.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, numba.core.dispatcher.Dispatcher):
                found[f"{info.name}.{name}"] = obj
    for name, pair in clv_kernels._KERNELS.items():
        found[f"clv.{name}.serial"], found[f"clv.{name}.threaded"] = pair
    return found

before = {k: set(d.signatures) for k, d in dispatchers().items()}
tx = gk.datasets.simulate_transactions(500, seed=4)
shuffled = tx.sample(frac=1.0, random_state=1)
for frame in (tx, shuffled, shuffled.assign(customer_id=shuffled["customer_id"].astype(str)),
              shuffled.assign(customer_id=shuffled["customer_id"].astype("category"))):
    log = gk.prepare_transactions(frame, amount_col="amount")
    for data in (frame, log):
        gk.customer_summary(data, amount_col="amount", period="W")
        gk.customer_summary(data, period="M", calendar=True)
        gk.calibration_holdout_summary(data, calibration_end="2023-06-30", amount_col="amount")
        gk.rfm_scores(data)
        gk.lifecycle_stages(data)
        gk.cohort_matrix(data, period="W")
        gk.cohort_matrix(data, amount_col="amount", value="revenue", period="D")
        gk.growth_accounting(data, amount_col="amount")
        gk.growth_accounting(data, period="Q")
        gk.survival_table(data)
events = gk.datasets.simulate_events(400, seed=5).sample(frac=1.0, random_state=2)
by_name = events.assign(
    user_id="u" + events["user_id"].astype(str),
    event=events["event"].astype(str),
    timestamp=events["timestamp"].dt.tz_localize("UTC"),
)
steps = ["visit", "view", "add_to_cart", "purchase"]
for frame in (events, by_name, events.iloc[::-1]):  # the last one's columns are strided
    prepared = gk.prepare_events(frame, properties=["device"])
    for data in (frame, prepared):
        gk.funnel.funnel(data, steps, window="2D", by="device")
        gk.funnel.funnel(data, steps, order="any", period="D")
        gk.funnel.paths(data, "view", direction="before", length=2)
        gk.funnel.paths(data, "visit", collapse_repeats=True)
        gk.funnel.transition_matrix(data)
        gk.funnel.activity(data, event="purchase")
        gk.funnel.event_retention(data, period="W", cumulative=True)
        gk.funnel.report_section(data, steps=steps)
s = gk.datasets.load_cdnow_summary()
for cls in (BetaGeo, ParetoNBD):
    m = cls.fit(s["frequency"], s["recency"], s["T"])
    m.expected_purchases(39.0, s["frequency"], s["recency"], s["T"])
    m.probability_alive(s["frequency"], s["recency"], s["T"])
after = {k: set(d.signatures) for k, d in dispatchers().items()}
grown = sorted(k for k in after if after[k] != before.get(k, set()))
print(json.dumps(grown))
"""


def test_warm_up_loads_every_kernel_a_workload_needs() -> None:
    """After ``gk.warm_up()`` no call of a typical workload loads or compiles a kernel."""
    out = subprocess.run(
        [sys.executable, "-c", WARM_THEN_WORK], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_warmup_command_prints_its_steps() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "growthkit", "warmup"], capture_output=True, text=True, check=True
    )
    assert "customer_summary" in out.stdout and "total" in out.stdout
