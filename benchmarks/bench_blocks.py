"""The customer-block layout: the figures behind its constants, and old vs new.

Run as a script (the machine is shared: every table interleaves its variants round by round
and reports medians and ratios, not one-off times):

- ``python benchmarks/bench_blocks.py threads``: building the layout of simulated logs of
  2**16..2**23 orders on 1 thread vs the policy's threads; justifies
  ``growthkit._threads.PARALLEL_ROWS``.
- ``python benchmarks/bench_blocks.py bytes``: RFM's per-customer fold (32 bytes of state a
  customer), layout included, with blocks sized for 2**14..2**22 bytes of state and without
  blocks, at 10^6 and 10^7 orders; justifies ``growthkit._blocks.BLOCK_BYTES``.
- ``python benchmarks/bench_blocks.py compare --old DIR``: ``rfm_scores``,
  ``cohort_matrix``, ``growth_accounting`` and ``survival_table`` at 10^6 and 10^7 orders,
  this tree against the growthkit in ``DIR`` (e.g. ``git worktree add /tmp/old <commit>``),
  one worker process per tree fed the same calls in turn. Each call gets a fresh prepared
  log ("cold": the layout is built inside the timed call) and, for this tree, also the
  same log again ("warm": the layout computed once is reused); with ``--frames`` also the
  DataFrame, as the module benchmarks time it (preparation included).

Logs are the benchmarks' own simulated ones: ``bench_rfm`` (seed 11, shuffled a little,
amounts rounded), ``bench_cohort`` (seed 42) and ``bench_churn`` (seed 2024).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

ORDERS_PER_CUSTOMER = 2.7  # simulate_transactions' default process
END = pd.Timestamp("2025-01-01")


def simulated(n_orders: int, seed: int, *, shuffle: bool = False) -> pd.DataFrame:
    import growthkit as gk

    tx = gk.datasets.simulate_transactions(round(n_orders / ORDERS_PER_CUSTOMER), seed=seed)
    if shuffle:
        # bench_rfm: logs arrive roughly but not exactly in time order.
        rng = np.random.default_rng(0)
        tx = tx.iloc[np.argsort(np.arange(len(tx)) + rng.integers(0, 1000, len(tx)))]
        tx = tx.reset_index(drop=True)
        tx["amount"] = tx["amount"].round()
    return tx


def median_table(
    variants: dict[str, Callable[[], object]], rounds: int, check: bool = True
) -> dict[str, float]:
    """Median seconds per variant, variants interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    outputs: dict[str, object] = {}
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            out = fn()
            times[name].append(time.perf_counter() - start)
            outputs.setdefault(name, out)
    if check:
        first = next(iter(outputs.values()))
        for out in outputs.values():
            assert_same(out, first)
    return {name: statistics.median(t) for name, t in times.items()}


def assert_same(a: object, b: object) -> None:
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, tuple):
        assert isinstance(b, tuple)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# --- threads: PARALLEL_ROWS --------------------------------------------------------------


def threaded(threads: int, log: Any, shift: int, *, fold: bool) -> object:
    """The layout (and the RFM fold) of ``log`` on ``threads`` threads."""
    from growthkit import _blocks, _threads

    os.environ[_threads.ENV_VAR] = str(threads)
    if fold:
        return rfm_fold(log, shift)
    layout = _blocks.build(log.codes, log.ticks, log.amounts, log.n_customers, shift)
    return (layout.offsets, layout.codes, layout.ticks, layout.amounts)


def bench_threads(rounds: int) -> None:
    import growthkit as gk
    from growthkit import _blocks, _threads

    threads = _threads.num_threads()
    print(
        f"threads: layout alone, and layout + RFM fold, 1 vs {threads} threads "
        f"(bench_rfm's log), medians of {rounds}"
    )
    print("| orders | layout, 1 | layout, policy | ratio | + fold, 1 | + fold, policy | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    saved = os.environ.get(_threads.ENV_VAR)
    parallel_rows = _threads.PARALLEL_ROWS
    _threads.PARALLEL_ROWS = 0
    try:
        for bits in range(16, 24):
            tx = simulated(1 << bits, seed=11, shuffle=True)
            log = gk.prepare_transactions(tx, amount_col="amount")
            shift = _blocks.shift_for(32, log.n_customers)

            m = median_table(
                {
                    "one": functools.partial(threaded, 1, log, shift, fold=False),
                    "many": functools.partial(threaded, threads, log, shift, fold=False),
                    "fold one": functools.partial(threaded, 1, log, shift, fold=True),
                    "fold many": functools.partial(threaded, threads, log, shift, fold=True),
                },
                rounds,
                check=False,
            )
            print(
                f"| 2**{bits} | {m['one'] * 1e3:.1f} ms | {m['many'] * 1e3:.1f} ms "
                f"| {m['many'] / m['one']:.2f} | {m['fold one'] * 1e3:.1f} ms "
                f"| {m['fold many'] * 1e3:.1f} ms | {m['fold many'] / m['fold one']:.2f} |",
                flush=True,
            )
    finally:
        _threads.PARALLEL_ROWS = parallel_rows
        if saved is None:
            os.environ.pop(_threads.ENV_VAR, None)
        else:
            os.environ[_threads.ENV_VAR] = saved


# --- bytes: BLOCK_BYTES ------------------------------------------------------------------


def rfm_fold(log: Any, shift: int | None) -> tuple[Any, ...]:
    """RFM's per-customer aggregates: one pass (``shift=None``) or block by block."""
    from growthkit import _blocks, _threads
    from growthkit._kernels import aggregate as agg

    amounts = log.amounts if log.amounts is not None else np.empty(0, dtype=np.float64)
    n = log.n_customers
    if shift is None:
        return tuple(agg.customer_aggregates(log.codes, log.ticks, amounts, n))
    layout = _blocks.build(log.codes, log.ticks, log.amounts, n, shift)
    outs = (
        np.empty(n, np.int64),
        np.empty(n, np.float64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
    )
    placed = layout.amounts if layout.amounts is not None else amounts

    def run(blocks: range) -> None:
        for b in blocks:
            rows = layout.rows(b)
            lo, hi = b << shift, min((b + 1) << shift, n)
            got = agg.customer_aggregates(
                layout.codes[rows],
                layout.ticks[rows],
                placed[rows] if placed.size else placed,
                hi - lo,
            )
            for out, part in zip(outs, got, strict=True):
                out[lo:hi] = part

    threads = _threads.threads_for(log.n_rows)
    _threads.thread_map(run, layout.balanced(threads), threads=threads)
    return outs


def bench_bytes(rounds: int) -> None:
    import growthkit as gk

    for n_orders in (10**6, 10**7):
        log = gk.prepare_transactions(
            simulated(n_orders, seed=11, shuffle=True), amount_col="amount"
        )
        variants: dict[str, Callable[[], object]] = {
            "unblocked": functools.partial(rfm_fold, log, None)
        }
        for bits in range(14, 23, 2):
            shift = ((1 << bits) // 32).bit_length() - 1
            variants[f"2**{bits}"] = functools.partial(rfm_fold, log, shift)
        medians = median_table(variants, rounds)
        base = medians["2**18"]
        print(
            f"bytes: RFM fold of {log.n_rows} orders, {log.n_customers} customers, "
            f"layout included, medians of {rounds}"
        )
        print("| block state bytes | time | vs 2**18 |")
        print("| --- | ---: | ---: |")
        for name, t in medians.items():
            print(f"| {name} | {t * 1e3:.0f} ms | {t / base:.2f} |")


# --- compare: old tree vs this tree ------------------------------------------------------

CALLS = ("rfm_scores", "cohort_matrix", "cohort_revenue", "growth_accounting", "survival_table")


def worker() -> None:
    """Answer ``call size warm`` lines with ``seconds digest``; logs made once per size."""
    import growthkit as gk
    from growthkit.churn import survival_table
    from growthkit.cohort import cohort_matrix, growth_accounting
    from growthkit.rfm import rfm_scores

    frames: dict[tuple[str, int], pd.DataFrame] = {}
    logs: dict[tuple[str, int], Any] = {}

    def inputs(call: str, n: int) -> tuple[pd.DataFrame, Any]:
        kind = {"rfm_scores": "rfm", "survival_table": "churn"}.get(call, "cohort")
        if (kind, n) not in logs:
            if kind == "rfm":
                tx = simulated(n, seed=11, shuffle=True)
            else:
                tx = simulated(n, seed=42 if kind == "cohort" else 2024)
            frames[kind, n] = tx
            logs[kind, n] = gk.prepare_transactions(tx, amount_col="amount")
        return frames[kind, n], logs[kind, n]

    run: dict[str, Callable[[Any], Any]] = {
        "rfm_scores": lambda tx: rfm_scores(tx, amount_col="amount", observation_end=END).table,
        "cohort_matrix": lambda tx: cohort_matrix(tx).counts,
        "cohort_revenue": lambda tx: cohort_matrix(tx, value="revenue", amount_col="amount").counts,
        "growth_accounting": lambda tx: growth_accounting(tx, amount_col="amount"),
        "survival_table": lambda tx: survival_table(tx, amount_col="amount"),
    }
    print(json.dumps({"file": gk.__file__}), flush=True)
    for line in sys.stdin:
        call, size, mode = line.split()
        frame, base = inputs(call, int(size))
        # "cold": a fresh Transactions over the same arrays (nothing derived from it kept);
        # "warm": the same prepared log every time; "frame": the DataFrame (preparation
        # included).
        tx = frame if mode == "frame" else base if mode == "warm" else dataclasses.replace(base)
        start = time.perf_counter()
        out = run[call](tx)
        seconds = time.perf_counter() - start
        digest = pd.util.hash_pandas_object(out.reset_index(), index=False).sum()
        print(json.dumps({"seconds": seconds, "digest": int(digest)}), flush=True)


def bench_compare(
    old: str, rounds: int, sizes: list[int], calls: list[str], *, frames: bool
) -> None:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = {}
    for name, tree in (("old", old), ("new", here)):
        env = dict(os.environ, PYTHONPATH=tree)
        procs[name] = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd="/",
        )
        assert procs[name].stdout is not None
        loaded = json.loads(procs[name].stdout.readline())["file"]
        assert loaded.startswith(os.path.abspath(tree)), (name, loaded)

    def ask(name: str, call: str, n: int, mode: str) -> tuple[float, int]:
        proc = procs[name]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{call} {n} {mode}\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
        return float(reply["seconds"]), int(reply["digest"])

    runs = [("old", "cold"), ("new", "cold"), ("new", "warm")]
    if frames:
        runs += [("old", "frame"), ("new", "frame")]
    print(f"compare: medians of {rounds} interleaved runs; ratios are new / old")
    head = "| call | orders | old cold | new cold | ratio | new warm | warm / old cold |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    if frames:
        head += " old frame | new frame | ratio |"
        rule += " ---: | ---: | ---: |"
    print(head)
    print(rule)
    for n in sizes:
        for call in calls:
            for name in procs:  # JIT compile and log simulation, untimed
                ask(name, call, n, "cold")
            times: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
            digests = set()
            for _ in range(rounds):
                for name, mode in runs:
                    seconds, digest = ask(name, call, n, mode)
                    times[name, mode].append(seconds)
                    digests.add(digest)
            assert len(digests) == 1, f"{call} at {n}: outputs differ"
            m = {run: statistics.median(t) for run, t in times.items()}
            old_t, new_t, warm_t = m["old", "cold"], m["new", "cold"], m["new", "warm"]
            line = (
                f"| {call} | {n:.0e} | {old_t:.3f} s | {new_t:.3f} s | {new_t / old_t:.2f} "
                f"| {warm_t:.3f} s | {warm_t / old_t:.2f} |"
            )
            if frames:
                old_f, new_f = m["old", "frame"], m["new", "frame"]
                line += f" {old_f:.3f} s | {new_f:.3f} s | {new_f / old_f:.2f} |"
            print(line, flush=True)
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["threads", "bytes", "compare", "worker"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--old", help="root of the old growthkit tree (compare)")
    parser.add_argument("--sizes", default="1e6,1e7")
    parser.add_argument("--calls", default=",".join(CALLS))
    parser.add_argument(
        "--frames", action="store_true", help="also time calls on the DataFrame (compare)"
    )
    args = parser.parse_args()
    if args.what == "worker":
        worker()
    elif args.what == "threads":
        bench_threads(args.rounds)
    elif args.what == "bytes":
        bench_bytes(args.rounds)
    else:
        sizes = [int(float(s)) for s in args.sizes.split(",")]
        bench_compare(args.old, args.rounds, sizes, args.calls.split(","), frames=args.frames)


if __name__ == "__main__":
    main()
