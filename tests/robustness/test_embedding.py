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
