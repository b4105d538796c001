"""funnel (5 steps, strict order, 1-day window) vs the best pandas, polars and duckdb ways.

Run: ``pytest benchmarks/bench_funnel.py --benchmark-enable`` (add ``-m slow`` for 10^6 and
10^7 events). The alternatives compute the same thing as growthkit, users reaching each
step with the attempt that gets furthest (see ``growthkit.funnel.funnel``), in one pass
of window functions over the events sorted by user, time and step: ``L0`` is the latest
first-step time so far, and a step-``j`` row extends a chain when it lies within the
window of the latest start that reached step ``j - 1`` so far (a forward fill per user).
The "first step starts the window" formulation (a ``group_by`` with filtered minima) is
faster but answers a different question (it undercounts users who come back), so it is
not a valid twin. Outputs (users per step) are asserted equal before timing; growthkit
also computes the per-user times and their quantiles, which the others do not.

``python benchmarks/bench_funnel.py 1e6 1e7`` measures every method side by side in one
process (medians of interleaved rounds) and prints the table of
``benchmarks/RESULTS_funnel.md``.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

import growthkit as gk
from growthkit import funnel as gf

STEPS = list(gk.datasets.EVENT_STEPS)
WINDOW = pd.Timedelta(days=1)
# users -> about 5.6 events each (one return session on average)
SIZES = [
    pytest.param(180, id="1e3"),
    pytest.param(18_000, id="1e5"),
    pytest.param(180_000, id="1e6", marks=pytest.mark.slow),
    pytest.param(1_800_000, id="1e7", marks=pytest.mark.slow),
]


@functools.lru_cache(maxsize=1)
def make_log(n_users: int) -> pd.DataFrame:
    """Simulated shop events (visit .. purchase), in time order as logs arrive."""
    return gk.datasets.simulate_events(n_users, seed=42, returns=1.0)[
        ["user_id", "timestamp", "event"]
    ].copy()


def growthkit_counts(events: pd.DataFrame | gf.Events) -> npt.NDArray[np.int64]:
    return np.asarray(gf.funnel(events, STEPS, window=WINDOW).counts[0], dtype=np.int64)


def pandas_counts(tx: pd.DataFrame) -> npt.NDArray[np.int64]:
    step = tx["event"].map({s: i for i, s in enumerate(STEPS)}).astype("int8")
    df = pd.DataFrame({"u": tx["user_id"], "t": tx["timestamp"].to_numpy(), "s": step})
    df = df.sort_values(["u", "t", "s"], kind="stable", ignore_index=True)
    window = np.timedelta64(WINDOW.value, "ns")
    depth = np.where(df["s"].to_numpy() == 0, 1, 0)
    latest = df["t"].where(df["s"] == 0).groupby(df["u"]).ffill()
    for j in range(1, len(STEPS)):
        ok = (df["s"] == j) & (df["t"] - latest <= window)
        depth = np.where(ok, j + 1, depth)
        latest = latest.where(ok).groupby(df["u"]).ffill()
    reached = pd.Series(depth).groupby(df["u"].to_numpy()).max()
    hist = np.bincount(reached.to_numpy(), minlength=len(STEPS) + 1)
    return np.cumsum(hist[::-1])[::-1][1:].astype(np.int64)


def polars_counts(frame: Any) -> npt.NDArray[np.int64]:
    """One lazy query: sort by user, time, step; forward fills that stop at user boundaries.

    Fastest of the polars forms tried: ``forward_fill().over("u")`` took 1.5x as long and
    ``over("u", order_by=["t", "s"])`` (no global sort) 1.1x as long at 10^7 events.
    """
    import polars as pl

    window = pl.duration(nanoseconds=WINDOW.value)
    step = pl.col("event").cast(pl.String).replace_strict(STEPS, list(range(len(STEPS))))
    q = (
        frame.lazy()
        .select(pl.col("user_id").alias("u"), pl.col("timestamp").alias("t"), step.alias("s"))
        .sort("u", "t", "s")
    )

    def latest_so_far(cond: Any, value: Any, name: str) -> Any:
        # sorted by user: carry the user along the fill and drop values of the previous user
        return q.with_columns(
            pl.when(cond).then(value).forward_fill().alias(name),
            pl.when(cond).then(pl.col("u")).forward_fill().alias("fill_u"),
        ).with_columns(pl.when(pl.col("fill_u") == pl.col("u")).then(pl.col(name)).alias(name))

    q = latest_so_far(pl.col("s") == 0, pl.col("t"), "l0")
    depth = pl.when(pl.col("s") == 0).then(1).otherwise(0)
    for j in range(1, len(STEPS)):
        ok = ((pl.col("s") == j) & (pl.col("t") - pl.col(f"l{j - 1}") <= window)).fill_null(False)
        q = q.with_columns(ok.alias(f"ok{j}"))
        q = latest_so_far(pl.col(f"ok{j}"), pl.col(f"l{j - 1}"), f"l{j}")
        depth = pl.when(pl.col(f"ok{j}")).then(j + 1).otherwise(depth)
    reached = q.group_by("u").agg(depth.max().alias("d")).group_by("d").len().collect()
    hist = np.zeros(len(STEPS) + 1, dtype=np.int64)
    hist[reached["d"].to_numpy()] = reached["len"].to_numpy()
    return np.cumsum(hist[::-1])[::-1][1:]


def _duckdb_sql() -> str:
    cte = [
        "s0 AS (SELECT user_id AS u, timestamp AS t, "
        + "CASE event "
        + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STEPS))
        + " END AS s FROM ev WHERE event IN ("
        + ", ".join(f"'{s}'" for s in STEPS)
        + "))",
        "c0 AS (SELECT *, last_value(CASE WHEN s = 0 THEN t END IGNORE NULLS) OVER w AS l0, "
        "CASE WHEN s = 0 THEN 1 ELSE 0 END AS d0 FROM s0 "
        "WINDOW w AS (PARTITION BY u ORDER BY t, s ROWS UNBOUNDED PRECEDING))",
    ]
    for j in range(1, len(STEPS)):
        ok = f"(s = {j} AND t - l{j - 1} <= INTERVAL {WINDOW.days} DAY)"
        cte.append(
            f"c{j} AS (SELECT *, last_value(CASE WHEN {ok} THEN l{j - 1} END IGNORE NULLS) "
            f"OVER w AS l{j}, CASE WHEN {ok} THEN {j + 1} ELSE d{j - 1} END AS d{j} FROM c{j - 1} "
            "WINDOW w AS (PARTITION BY u ORDER BY t, s ROWS UNBOUNDED PRECEDING))"
        )
    last = len(STEPS) - 1
    return (
        "WITH "
        + ",\n".join(cte)
        + f",\nper AS (SELECT u, max(d{last}) AS d FROM c{last} GROUP BY u)\n"
        + "SELECT d, count(*) AS n FROM per GROUP BY d"
    )


DUCKDB_FUNNEL = _duckdb_sql()


def duckdb_counts(con: Any) -> npt.NDArray[np.int64]:
    rows = con.execute(DUCKDB_FUNNEL).fetchall()
    hist = np.zeros(len(STEPS) + 1, dtype=np.int64)
    for d, n in rows:
        hist[int(d)] = int(n)
    return np.cumsum(hist[::-1])[::-1][1:]


def _duckdb(tx: pd.DataFrame) -> Any:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    frame = tx.assign(event=tx["event"].astype(str))
    con.register("ev_frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM ev_frame")
    return con


# --- pytest-benchmark group ---------------------------------------------------------------


@pytest.fixture(scope="module")
def warm() -> None:
    """Compile every kernel once on a tiny log, outside all timings."""
    growthkit_counts(make_log(50))


@pytest.mark.parametrize("n_users", SIZES)
@pytest.mark.benchmark(group="funnel")
def test_funnel_growthkit(benchmark: Any, n_users: int, warm: None) -> None:
    tx = make_log(n_users)
    np.testing.assert_array_equal(growthkit_counts(tx), pandas_counts(tx))
    benchmark.pedantic(growthkit_counts, args=(tx,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_users", SIZES)
@pytest.mark.benchmark(group="funnel")
def test_funnel_growthkit_prepared(benchmark: Any, n_users: int, warm: None) -> None:
    log = gf.prepare_events(make_log(n_users))
    benchmark.pedantic(growthkit_counts, args=(log,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_users", SIZES)
@pytest.mark.benchmark(group="funnel")
def test_funnel_pandas(benchmark: Any, n_users: int, warm: None) -> None:
    tx = make_log(n_users)
    want = benchmark.pedantic(pandas_counts, args=(tx,), rounds=3, iterations=1)
    np.testing.assert_array_equal(growthkit_counts(tx), want)


@pytest.mark.parametrize("n_users", SIZES)
@pytest.mark.benchmark(group="funnel")
def test_funnel_polars(benchmark: Any, n_users: int, warm: None) -> None:
    pl = pytest.importorskip("polars")
    tx = make_log(n_users)
    frame = pl.from_pandas(tx)
    np.testing.assert_array_equal(growthkit_counts(tx), polars_counts(frame))
    benchmark.pedantic(polars_counts, args=(frame,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_users", SIZES)
@pytest.mark.benchmark(group="funnel")
def test_funnel_duckdb(benchmark: Any, n_users: int, warm: None) -> None:
    tx = make_log(n_users)
    con = _duckdb(tx)
    np.testing.assert_array_equal(growthkit_counts(tx), duckdb_counts(con))
    benchmark.pedantic(duckdb_counts, args=(con,), rounds=3, iterations=1)


# --- side-by-side runner --------------------------------------------------------------------


def _measure(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def side_by_side(n_events: int, rounds: int = 5) -> None:
    """Time every method on one log, rounds interleaved, and print a markdown table."""
    import duckdb
    import polars as pl

    n_users = max(int(n_events / 5.6), 10)
    tx = make_log(n_users)
    log = gf.prepare_events(tx)
    frame = pl.from_pandas(tx)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("ev_frame", tx.assign(event=tx["event"].astype(str)))
    con.execute("CREATE TABLE ev AS SELECT * FROM ev_frame")
    methods: list[tuple[str, Callable[[], Any]]] = [
        ("growthkit (DataFrame)", lambda: growthkit_counts(tx)),
        ("growthkit (prepared)", lambda: growthkit_counts(log)),
        ("pandas", lambda: pandas_counts(tx)),
        ("polars", lambda: polars_counts(frame)),
        ("duckdb", lambda: duckdb_counts(con)),
    ]
    want = growthkit_counts(log)
    for name, fn in methods:
        np.testing.assert_array_equal(fn(), want, err_msg=name)
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    load = os.getloadavg()[0]
    for _ in range(rounds):
        for name, fn in methods:
            times[name].append(_measure(fn))
    after = os.getloadavg()[0]
    print(f"\n## {len(tx):,} events, {tx['user_id'].nunique():,} users")
    print(f"load average {load:.1f} before, {after:.1f} after; counts {want.tolist()}\n")
    base = float(np.median(times["growthkit (prepared)"]))
    frame_base = float(np.median(times["growthkit (DataFrame)"]))
    print("| method | median s | min s | prepared is faster by | DataFrame is faster by |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, _ in methods:
        med = float(np.median(times[name]))
        print(
            f"| {name} | {med:.3f} | {min(times[name]):.3f} | {med / base:.1f}x "
            f"| {med / frame_base:.1f}x |"
        )


def main(sizes: list[int], rounds: int = 5) -> None:
    growthkit_counts(make_log(50))
    for n_events in sizes:
        side_by_side(n_events, rounds)


if __name__ == "__main__":
    main([int(float(x)) for x in sys.argv[1:]] or [1_000_000])
