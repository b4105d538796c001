"""Service embedding: cold import, first-call latency with the kernel cache, thread scaling.

Run: ``pytest benchmarks/bench_embedding.py --benchmark-enable -s``; the figures are printed
and recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import growthkit as gk

FIRST_CALL = """
import time
t0 = time.perf_counter()
import growthkit as gk
t1 = time.perf_counter()
tx = gk.datasets.load_cdnow()
log = gk.prepare_transactions(tx, amount_col="amount")
t2 = time.perf_counter()
gk.customer_summary(log, amount_col="amount")
t3 = time.perf_counter()
print(f"{t1 - t0:.4f} {t3 - t2:.4f}")
"""


def _run(env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], env=env, capture_output=True, text=True, check=True
    )
    imp, first = (float(x) for x in out.stdout.split())
    return imp, first


def test_cold_import_and_first_call(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    cold = _run(env)  # compiles and writes the cache
    warm = sorted(_run(env) for _ in range(3))[1]  # median of three cached starts
    print(
        f"\nimport {warm[0] * 1e3:.1f} ms; first customer_summary: "
        f"compiling {cold[1] * 1e3:.0f} ms, from cache {warm[1] * 1e3:.0f} ms"
    )


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.benchmark(group="threads-customer_summary")
def test_thread_throughput(benchmark: Any, threads: int) -> None:
    tx = gk.datasets.simulate_transactions(20_000, seed=1)
    log = gk.prepare_transactions(tx, amount_col="amount")
    gk.customer_summary(log, amount_col="amount")
    calls = 8

    def work() -> None:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda _: gk.customer_summary(log, amount_col="amount"), range(calls)))

    started = time.perf_counter()
    benchmark.pedantic(work, rounds=3, iterations=1)
    assert time.perf_counter() >= started
