"""Service embedding: cold import, first-call latency with the kernel cache, thread scaling.

Run: ``pytest benchmarks/bench_embedding.py -s -m slow``; the figures are printed and
recorded in docs/robustness.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


PER_KERNEL = """
import json, sys, time
import numba.core.dispatcher as dispatcher

loads = []
original = dispatcher.Dispatcher.compile

def timed(self, sig):
    started = time.perf_counter()
    misses = sum(self._cache_misses.values())
    try:
        return original(self, sig)
    finally:
        name = self.py_func.__module__.rsplit(".", 1)[-1] + "." + self.py_func.__name__
        compiled = sum(self._cache_misses.values()) > misses
        loads.append((name, time.perf_counter() - started, compiled))

dispatcher.Dispatcher.compile = timed
import growthkit as gk
tx = gk.datasets.simulate_transactions(200, seed=1)  # pays numba's own start-up
calls = {
    "customer_summary": lambda: gk.customer_summary(tx, amount_col="amount"),
    "calibration_holdout_summary": lambda: gk.calibration_holdout_summary(
        tx, calibration_end="2023-06-30"),
    "rfm_scores": lambda: gk.rfm_scores(tx),
    "cohort_matrix": lambda: gk.cohort_matrix(tx, period="W"),
    "growth_accounting": lambda: gk.growth_accounting(tx, amount_col="amount"),
    "survival_table": lambda: gk.survival_table(tx),
}
if sys.argv[1] == "warm":
    started = time.perf_counter()
    gk.warm_up()
    warm = time.perf_counter() - started
else:
    warm = 0.0
loads.clear()
first = {}
for name, call in calls.items():
    started = time.perf_counter()
    call()
    first[name] = time.perf_counter() - started
print(json.dumps({"warm_up": warm, "first": first, "loads": loads}))
"""


def _per_kernel(env: dict[str, str], mode: str) -> dict[str, Any]:
    import json

    out = subprocess.run(
        [sys.executable, "-c", PER_KERNEL, mode],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_first_call_latency_per_kernel(tmp_path: Path) -> None:
    """First call per kernel and per function in a fresh process, cache filled.

    ``cold``: no warm-up, so each function's first call loads its kernels from the cache
    (numba's own start-up is paid before, by the simulated log). ``warm``: after
    ``gk.warm_up()``. The bar (issue #10) is under 50 ms per kernel.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "growthkit", "warmup"], env=env, check=True, capture_output=True
    )
    runs = {mode: [_per_kernel(env, mode) for _ in range(3)] for mode in ("cold", "warm")}
    kernels: dict[str, list[float]] = {}
    for run in runs["cold"]:
        for name, seconds, compiled in run["loads"]:
            assert not compiled, f"{name} compiled although the cache was filled"
            kernels.setdefault(name, []).append(seconds)
    print("\nkernel load from the on-disk cache (median of 3 fresh processes):")
    for name, values in sorted(kernels.items()):
        print(f"  {name:<40} {1e3 * sorted(values)[len(values) // 2]:6.1f} ms")
    print("first call per function, median of 3 fresh processes (cold | after warm_up):")
    for name in runs["cold"][0]["first"]:
        cold = sorted(r["first"][name] for r in runs["cold"])[1]
        warm = sorted(r["first"][name] for r in runs["warm"])[1]
        print(f"  {name:<28} {1e3 * cold:7.1f} ms | {1e3 * warm:6.1f} ms")
    warm_up = sorted(r["warm_up"] for r in runs["warm"])[1]
    print(f"gk.warm_up() itself: {warm_up:.2f} s; load average {os.getloadavg()[0]:.2f}")
    for run in runs["warm"]:
        assert not run["loads"], f"loaded after warm_up: {run['loads']}"


CALLS: dict[str, Callable[[Any], Any]] = {
    "customer_summary": lambda log: gk.customer_summary(log, amount_col="amount"),
    "cohort_matrix": lambda log: gk.cohort_matrix(log, period="W").counts,
}


def _same(left: Any, right: Any) -> bool:
    return bool(left.equals(right))


def _gil_probe(call: Callable[[], Any], seconds: float = 2.0) -> tuple[float, float]:
    """Share of ``call``'s wall time during which a pure-Python thread could not run.

    A probe thread counts loop iterations (each needs the GIL) while the main thread
    repeats ``call``; comparing its rate with its rate next to ``time.sleep`` gives the
    share of time the GIL was unavailable to it: ``1 - rate_during / rate_alone``.
    Returns (GIL-held share, mean seconds per call).
    """

    def rate(work: Callable[[], None]) -> tuple[float, float, int]:
        stop = threading.Event()
        counter = [0]

        def probe() -> None:
            n = 0
            while not stop.is_set():
                n += 1
            counter[0] = n

        thread = threading.Thread(target=probe)
        thread.start()
        t0 = time.perf_counter()
        calls = 0
        while time.perf_counter() - t0 < seconds:
            work()
            calls += 1
        elapsed = time.perf_counter() - t0
        stop.set()
        thread.join()
        return counter[0] / elapsed, elapsed, calls

    def work() -> None:
        call()

    alone, _, _ = rate(lambda: time.sleep(0.01))
    during, elapsed, calls = rate(work)
    return max(0.0, 1.0 - during / alone), elapsed / calls


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CALLS))
def test_thread_scaling(name: str) -> None:
    """Throughput of 2 threads doing N calls each vs 1 thread doing 2N (results identical).

    The bar (issue #10) is a ratio of at least 1.6 on two cores; the load average is
    printed beside it because the machine is shared.
    """
    fn = CALLS[name]
    tx = gk.datasets.simulate_transactions(
        int(os.environ.get("GROWTHKIT_BENCH_CUSTOMERS", "40000")), seed=1
    )
    log = gk.prepare_transactions(tx, amount_col="amount")
    reference = fn(log)
    calls = 6

    def serial() -> list[Any]:
        return [fn(log) for _ in range(2 * calls)]

    def threaded() -> list[Any]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(lambda _: [fn(log) for _ in range(calls)], range(2)))
        return parts[0] + parts[1]

    best = {"1": float("inf"), "2": float("inf")}
    for _ in range(3):  # best of three, alternating, to damp the shared machine's noise
        for label, work in (("1", serial), ("2", threaded)):
            t0 = time.perf_counter()
            results = work()
            best[label] = min(best[label], time.perf_counter() - t0)
            assert all(_same(r, reference) for r in results)
    ratio = best["1"] / best["2"]
    held, per_call = _gil_probe(lambda: fn(log))
    print(
        f"\n{name}: 1 thread x {2 * calls} calls {best['1']:.2f} s, 2 threads x {calls} calls "
        f"{best['2']:.2f} s -> throughput ratio {ratio:.2f}; GIL held {100 * held:.0f} % of "
        f"a {per_call * 1e3:.0f} ms call; load average {os.getloadavg()[0]:.2f}"
    )
