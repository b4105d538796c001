"""cohort_matrix and growth_accounting vs the idiomatic pandas, polars and duckdb ways.

Run: ``pytest benchmarks/bench_cohort.py --benchmark-enable`` (add ``-m slow`` for 10^6 and
10^7 orders). Each group times growthkit from the DataFrame (preparation included), from a
prepared log, and the kernels alone (period table built beforehand), beside pandas
(groupby/transform min + nunique + unstack), polars, duckdb SQL and a numpy lower bound (one
``bincount`` pass over the customer codes: the cheapest possible per-customer scatter over
the same arrays). Outputs are asserted equal before timing.

``python benchmarks/bench_cohort.py 1e6 1e7`` measures every method side by side in one
process (medians of interleaved rounds, plus first-call time and peak extra RSS) and prints
the markdown table of ``benchmarks/RESULTS_cohort.md``.
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
from growthkit import cohort

SIZES = [
    pytest.param(370, id="1e3"),
    pytest.param(37_000, id="1e5"),
    pytest.param(370_000, id="1e6", marks=pytest.mark.slow),
    pytest.param(3_700_000, id="1e7", marks=pytest.mark.slow),
]


@functools.lru_cache(maxsize=1)
def make_log(n_customers: int) -> pd.DataFrame:
    """Simulated CDNOW-like log over 3 years (36 months), in time order as logs arrive."""
    return gk.datasets.simulate_transactions(n_customers, seed=42)[
        ["customer_id", "timestamp"]
    ].copy()


# --- cohort matrix (distinct customers, monthly) ------------------------------------------


def months(ts: pd.Series) -> pd.Series:
    out: pd.Series = ts.dt.year * 12 + ts.dt.month - 1
    return out


def pandas_cohort(tx: pd.DataFrame) -> pd.DataFrame:
    month = months(tx["timestamp"])
    first = month.groupby(tx["customer_id"]).transform("min")
    out: pd.DataFrame = (
        tx.groupby([first.rename("cohort"), (month - first).rename("age")])["customer_id"]
        .nunique()
        .unstack(fill_value=0)
    )
    return out


def polars_cohort(frame: Any) -> Any:
    import polars as pl

    ts = pl.col("timestamp")
    month = ts.dt.year().cast(pl.Int64) * 12 + ts.dt.month().cast(pl.Int64) - 1
    return (
        frame.lazy()
        .select(pl.col("customer_id"), month.alias("m"))
        .with_columns(pl.col("m").min().over("customer_id").alias("cohort"))
        .group_by("cohort", (pl.col("m") - pl.col("cohort")).alias("age"))
        .agg(pl.col("customer_id").n_unique().alias("n"))
        .collect()
    )


DUCKDB_COHORT = """
WITH t AS (SELECT customer_id, year(timestamp) * 12 + month(timestamp) - 1 AS m FROM tx),
c AS (SELECT customer_id, m, min(m) OVER (PARTITION BY customer_id) AS cohort FROM t)
SELECT cohort, m - cohort AS age, count(DISTINCT customer_id) AS n FROM c GROUP BY 1, 2
"""


def growthkit_cohort(tx: pd.DataFrame | gk.Transactions) -> cohort.CohortMatrix:
    return cohort.cohort_matrix(tx, period="M")


def kernel_setup(log: gk.Transactions) -> Any:
    """What ``cohort_matrix`` computes before its kernels: period range and lookup table."""
    return cohort._prepare(log, "M", None)


def kernel_cohort(prep: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Partition pass (periods looked up inline) + block kernel, no validation or wrapping."""
    from growthkit._kernels import cohort as ck

    shift, offsets, rows, values, layout, _ = cohort._partition(prep, state_bytes=8, amounts=False)
    result: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] = ck.cohort_customers(
        offsets, rows, values, layout, shift, 1, prep.n_periods
    )
    return result


def numpy_floor(log: gk.Transactions) -> npt.NDArray[np.intp]:
    return np.bincount(log.codes, minlength=log.n_customers)


def long_cohort(frame: pd.DataFrame) -> pd.Series:
    """Any (cohort, age, n) table as a sorted Series of non-zero cells keyed by months."""
    cells = frame[["cohort", "age", "n"]].astype("int64")
    s = cells.set_index(["cohort", "age"])["n"]
    out: pd.Series = s[s > 0].sort_index()
    return out


def gk_long_cohort(m: cohort.CohortMatrix) -> pd.Series:
    long = m.to_frame()
    cohort_month = long["cohort"].map(lambda p: p.year * 12 + p.month - 1)
    return long_cohort(
        pd.DataFrame({"cohort": cohort_month, "age": long["age"], "n": long["customers"]})
    )


def assert_same_cohort(got: cohort.CohortMatrix, want: pd.Series) -> None:
    pd.testing.assert_series_equal(gk_long_cohort(got), want, check_names=False)


def pandas_cohort_long(tx: pd.DataFrame) -> pd.Series:
    wide = pandas_cohort(tx)
    out = wide.stack()
    out.index = out.index.set_names(["cohort", "age"])
    return long_cohort(out.rename("n").reset_index())


# --- growth accounting (counts, monthly) --------------------------------------------------


GROWTH = ["active", "new", "retained", "resurrected", "churned"]


def pandas_growth(tx: pd.DataFrame) -> pd.DataFrame:
    act = (
        pd.DataFrame({"c": tx["customer_id"], "m": months(tx["timestamp"])})
        .drop_duplicates()
        .sort_values(["c", "m"])
    )
    prev = act.groupby("c")["m"].shift()
    first = act.groupby("c")["m"].transform("min")
    is_new = act["m"] == first
    retained = prev == act["m"] - 1
    out = pd.DataFrame(
        {
            "active": act.groupby("m").size(),
            "new": is_new.groupby(act["m"]).sum(),
            "retained": retained.groupby(act["m"]).sum(),
            "resurrected": (~is_new & ~retained).groupby(act["m"]).sum(),
        }
    )
    out = out.reindex(range(out.index.min(), out.index.max() + 1), fill_value=0)
    out["churned"] = out["active"].shift(1, fill_value=0) - out["retained"]
    return out[GROWTH].astype("int64")


def polars_growth(frame: Any) -> Any:
    import polars as pl

    ts = pl.col("timestamp")
    month = ts.dt.year().cast(pl.Int64) * 12 + ts.dt.month().cast(pl.Int64) - 1
    act = (
        frame.lazy()
        .select(pl.col("customer_id"), month.alias("m"))
        .unique()
        .sort("customer_id", "m")
        .with_columns(
            pl.col("m").shift(1).over("customer_id").alias("prev"),
            pl.col("m").min().over("customer_id").alias("first"),
        )
        .with_columns(
            (pl.col("m") == pl.col("first")).alias("new"),
            (pl.col("prev") == pl.col("m") - 1).fill_null(False).alias("retained"),
        )
        .group_by("m")
        .agg(
            pl.len().alias("active"),
            pl.col("new").sum(),
            pl.col("retained").sum(),
            (~pl.col("new") & ~pl.col("retained")).sum().alias("resurrected"),
        )
        .sort("m")
        .with_columns(
            (pl.col("active").shift(1).fill_null(0) - pl.col("retained")).alias("churned")
        )
    )
    return act.collect()


DUCKDB_GROWTH = """
WITH act AS (
  SELECT DISTINCT customer_id, year(timestamp) * 12 + month(timestamp) - 1 AS m FROM tx
), flags AS (
  SELECT m,
         lag(m) OVER (PARTITION BY customer_id ORDER BY m) AS prev,
         min(m) OVER (PARTITION BY customer_id) AS first
  FROM act
), per AS (
  SELECT m, count(*) AS active,
         count(*) FILTER (WHERE m = first) AS new,
         count(*) FILTER (WHERE prev = m - 1) AS retained,
         count(*) FILTER (WHERE m <> first AND (prev IS NULL OR prev <> m - 1)) AS resurrected
  FROM flags GROUP BY m
)
SELECT m, active, new, retained, resurrected,
       coalesce(lag(active) OVER (ORDER BY m), 0) - retained AS churned
FROM per ORDER BY m
"""


def growthkit_growth(tx: pd.DataFrame | gk.Transactions) -> pd.DataFrame:
    return cohort.growth_accounting(tx, period="M")


def assert_same_growth(got: pd.DataFrame, want: pd.DataFrame) -> None:
    # Every month of the simulated window has orders, so the periods line up one to one.
    np.testing.assert_array_equal(got[GROWTH].to_numpy(np.int64), want[GROWTH].to_numpy(np.int64))


# --- pytest-benchmark groups ----------------------------------------------------------------


def _first_call(benchmark: Any, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    benchmark.extra_info["first_call_s"] = time.perf_counter() - start
    return out


@pytest.fixture(scope="module")
def warm() -> None:
    """Compile every kernel once on a tiny log, outside all timings."""
    tiny = make_log(50)
    growthkit_cohort(tiny)
    growthkit_growth(tiny)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_growthkit(benchmark: Any, n_customers: int, warm: None) -> None:
    tx = make_log(n_customers)
    got = _first_call(benchmark, lambda: growthkit_cohort(tx))
    assert_same_cohort(got, pandas_cohort_long(tx))
    benchmark.pedantic(growthkit_cohort, args=(tx,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_growthkit_prepared(benchmark: Any, n_customers: int, warm: None) -> None:
    log = gk.prepare_transactions(make_log(n_customers))
    benchmark.pedantic(growthkit_cohort, args=(log,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_kernel(benchmark: Any, n_customers: int, warm: None) -> None:
    log = gk.prepare_transactions(make_log(n_customers))
    prep = kernel_setup(log)
    active, _ = kernel_cohort(prep)
    assert int(active[:, 0].sum()) == log.n_customers
    benchmark.pedantic(kernel_cohort, args=(prep,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_numpy_floor(benchmark: Any, n_customers: int) -> None:
    log = gk.prepare_transactions(make_log(n_customers))
    assert int(numpy_floor(log).sum()) == log.n_rows
    benchmark.pedantic(numpy_floor, args=(log,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_pandas(benchmark: Any, n_customers: int) -> None:
    tx = make_log(n_customers)
    want = benchmark.pedantic(pandas_cohort_long, args=(tx,), rounds=3, iterations=1)
    assert_same_cohort(growthkit_cohort(tx), want)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_polars(benchmark: Any, n_customers: int) -> None:
    pl = pytest.importorskip("polars")
    tx = make_log(n_customers)
    frame = pl.from_pandas(tx)
    assert_same_cohort(growthkit_cohort(tx), long_cohort(polars_cohort(frame).to_pandas()))
    benchmark.pedantic(polars_cohort, args=(frame,), rounds=3, iterations=1)


def _duckdb(tx: pd.DataFrame) -> Any:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("tx_frame", tx)
    con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
    return con


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="cohort_matrix")
def test_cohort_duckdb(benchmark: Any, n_customers: int) -> None:
    tx = make_log(n_customers)
    con = _duckdb(tx)
    assert_same_cohort(growthkit_cohort(tx), long_cohort(con.execute(DUCKDB_COHORT).df()))
    benchmark.pedantic(lambda: con.execute(DUCKDB_COHORT).df(), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="growth_accounting")
def test_growth_growthkit(benchmark: Any, n_customers: int, warm: None) -> None:
    tx = make_log(n_customers)
    got = _first_call(benchmark, lambda: growthkit_growth(tx))
    assert_same_growth(got, pandas_growth(tx))
    benchmark.pedantic(growthkit_growth, args=(tx,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="growth_accounting")
def test_growth_growthkit_prepared(benchmark: Any, n_customers: int, warm: None) -> None:
    log = gk.prepare_transactions(make_log(n_customers))
    benchmark.pedantic(growthkit_growth, args=(log,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="growth_accounting")
def test_growth_pandas(benchmark: Any, n_customers: int) -> None:
    tx = make_log(n_customers)
    want = benchmark.pedantic(pandas_growth, args=(tx,), rounds=3, iterations=1)
    assert_same_growth(growthkit_growth(tx), want)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="growth_accounting")
def test_growth_polars(benchmark: Any, n_customers: int) -> None:
    pl = pytest.importorskip("polars")
    tx = make_log(n_customers)
    frame = pl.from_pandas(tx)
    assert_same_growth(growthkit_growth(tx), polars_growth(frame).to_pandas())
    benchmark.pedantic(polars_growth, args=(frame,), rounds=3, iterations=1)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="growth_accounting")
def test_growth_duckdb(benchmark: Any, n_customers: int) -> None:
    tx = make_log(n_customers)
    con = _duckdb(tx)
    assert_same_growth(growthkit_growth(tx), con.execute(DUCKDB_GROWTH).df())
    benchmark.pedantic(lambda: con.execute(DUCKDB_GROWTH).df(), rounds=3, iterations=1)


# --- side-by-side runner --------------------------------------------------------------------


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _peak_extra(fn: Callable[[], Any]) -> float:
    """Peak resident memory above the current one during ``fn()``, in MiB (Linux).

    Writing 5 to ``/proc/self/clear_refs`` resets the high-water mark ``VmHWM``.
    """
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = _status("VmRSS")
    fn()
    return (_status("VmHWM") - base) / 2**20


def _measure(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _setup(n_customers: int) -> list[tuple[str, str, Callable[[], Any]]]:
    import duckdb
    import polars as pl

    tx = make_log(n_customers)
    log = gk.prepare_transactions(tx)
    prep = kernel_setup(log)
    frame = pl.from_pandas(tx)
    con = duckdb.connect()
    con.register("tx_frame", tx)
    con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
    return [
        ("cohort_matrix", "growthkit (DataFrame)", lambda: growthkit_cohort(tx)),
        ("cohort_matrix", "growthkit (prepared)", lambda: growthkit_cohort(log)),
        ("cohort_matrix", "growthkit kernel only", lambda: kernel_cohort(prep)),
        ("cohort_matrix", "numpy bincount floor", lambda: numpy_floor(log)),
        ("cohort_matrix", "pandas", lambda: pandas_cohort(tx)),
        ("cohort_matrix", "polars", lambda: polars_cohort(frame)),
        ("cohort_matrix", "duckdb", lambda: con.execute(DUCKDB_COHORT).df()),
        ("growth_accounting", "growthkit (DataFrame)", lambda: growthkit_growth(tx)),
        ("growth_accounting", "growthkit (prepared)", lambda: growthkit_growth(log)),
        ("growth_accounting", "pandas", lambda: pandas_growth(tx)),
        ("growth_accounting", "polars", lambda: polars_growth(frame)),
        ("growth_accounting", "duckdb", lambda: con.execute(DUCKDB_GROWTH).df()),
    ]


def check(n_customers: int) -> None:
    """Assert that every method gives the same cohort matrix and growth table."""
    import duckdb
    import polars as pl

    tx = make_log(n_customers)
    frame = pl.from_pandas(tx)
    con = duckdb.connect()
    con.register("tx", tx)
    want = pandas_cohort_long(tx)
    assert_same_cohort(growthkit_cohort(tx), want)
    pd.testing.assert_series_equal(
        long_cohort(polars_cohort(frame).to_pandas()), want, check_names=False
    )
    pd.testing.assert_series_equal(
        long_cohort(con.execute(DUCKDB_COHORT).df()), want, check_names=False
    )
    want_growth = pandas_growth(tx)
    assert_same_growth(growthkit_growth(tx), want_growth)
    assert_same_growth(polars_growth(frame).to_pandas(), want_growth)
    assert_same_growth(con.execute(DUCKDB_GROWTH).df(), want_growth)


def run(n_customers: int, rounds: int = 5) -> list[tuple[str, str, float, float]]:
    """Median and min wall time of every method, rounds interleaved across methods."""
    check(n_customers)
    methods = _setup(n_customers)
    times: dict[tuple[str, str], list[float]] = {(g, n): [] for g, n, _ in methods}
    for _ in range(rounds):  # interleaved, so load on the shared machine hits all alike
        for group, name, fn in methods:
            times[(group, name)].append(_measure(fn))
    return [
        (g, n, float(np.median(times[(g, n)])), float(min(times[(g, n)]))) for g, n, _ in methods
    ]


def memory(n_customers: int, index: int) -> None:
    """Peak extra RSS of one method, first call after JIT warm-up (run in a fresh process)."""
    growthkit_cohort(make_log(50))
    growthkit_growth(make_log(50))
    make_log.cache_clear()
    group, name, fn = _setup(n_customers)[index]
    print(f"{group}\t{name}\t{_peak_extra(fn):.0f}")


def main(argv: list[str]) -> None:
    sizes = {"1e5": 37_000, "1e6": 370_000, "1e7": 3_700_000}
    if argv and argv[0] == "--memory":
        memory(sizes[argv[1]], int(argv[2]))
        return
    start = time.perf_counter()
    growthkit_cohort(make_log(50))
    growthkit_growth(make_log(50))
    print(f"JIT compile (first calls on a tiny log): {time.perf_counter() - start:.1f} s\n")
    for label in argv or ["1e6"]:
        load_before = os.getloadavg()[0]
        rows = run(sizes[label])
        n_rows = len(make_log(sizes[label]))
        print(f"### {n_rows:,} orders ({label}), monthly, {os.cpu_count()} cores")
        print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
        print(
            "| group | method | median s | min s | vs growthkit (DataFrame) "
            "| vs growthkit (prepared) |"
        )
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        ref: dict[tuple[str, str], float] = {(g, n): m for g, n, m, _ in rows}
        for group, name, median, best in rows:
            frame = median / ref[(group, "growthkit (DataFrame)")]
            prepared = median / ref[(group, "growthkit (prepared)")]
            print(
                f"| {group} | {name} | {median:.3f} | {best:.3f} | {frame:.2f}x | {prepared:.2f}x |"
            )
        print(flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
