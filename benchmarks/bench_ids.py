"""Id kinds at scale: every transaction-level function and the id factorisation (issue 16).

Run: ``python benchmarks/bench_ids.py 1e6 1e7`` (methods interleaved round by round on
identical data, medians of 3 rounds, outputs asserted equal first; ``--prepare-only`` times
just the factorisation group, ``--kinds=int,object,arrow`` picks id kinds), or
``pytest benchmarks/bench_ids.py --benchmark-enable`` (add ``-m slow`` for 10^6 and 10^7).

Data: ``n`` orders from ``n / 4`` customers over three years, amounts whole numbers (sums
exact in any order). Three id kinds on the same log: sparse int64 (random over +-2**62), 32
hexadecimal characters as Python strings (object column) and the same strings Arrow-backed
(pandas' ``str`` / ``string[pyarrow]``). growthkit starts from the pandas DataFrame
(validation and id factorisation included); polars gets a ``pl.DataFrame`` and duckdb a
native table, both built before timing.

Peers, the best single-statement formulation of each (one ``group_by`` with filtered
aggregations where the result allows it):

- ``customer_summary``: polars one ``group_by`` (``n_unique`` days, the first day's amount
  through a filtered sum); duckdb one statement (day totals, then customers).
- ``cohort_matrix``: polars / duckdb a window ``min`` over customers and one ``group_by``.
- ``growth_accounting``: the distinct (customer, month) pairs, a window lag and one
  ``group_by`` month (no single ``group_by`` can see a customer's previous month).
- ``rfm_scores``: one ``group_by`` and three ranks.
- ``survival_table``: one ``group_by`` and column arithmetic.

The factorisation group times ``prepare_transactions`` beside one pass of
``pyarrow.compute.dictionary_encode`` (string ids, Arrow column) and ``pandas.factorize``
(sparse ints), neither of which sorts.
"""

from __future__ import annotations

import functools
import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import bench_cohort
import bench_rfm
import bench_summary
import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.churn import survival_table
from growthkit.cohort import cohort_matrix, growth_accounting
from growthkit.rfm import rfm_scores

KINDS = ["int", "object", "arrow"]
FUNCTIONS = ["customer_summary", "cohort_matrix", "growth_accounting", "rfm_scores",
             "survival_table"]  # fmt: skip
END = pd.Timestamp("2025-01-01")
K = 90  # inactivity days of the survival table


def make_log(n_orders: int, kind: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_customers = max(n_orders // 4, 1)
    who = rng.integers(0, n_customers, n_orders)
    start = np.datetime64("2022-01-01T00:00:00", "s").astype(np.int64)
    seconds = rng.integers(0, 3 * 365 * 86_400, n_orders) + start
    frame = pd.DataFrame(
        {
            "customer_id": _ids(n_customers, kind, rng)[who],
            "timestamp": seconds.astype("datetime64[s]").astype("datetime64[ns]"),
            "amount": rng.integers(1, 200, n_orders).astype(np.float64),
        }
    )
    if kind == "arrow":
        frame["customer_id"] = frame["customer_id"].astype(pd.StringDtype("pyarrow"))
    return frame


def _ids(n: int, kind: str, rng: np.random.Generator) -> Any:
    if kind == "int":
        return rng.choice(np.arange(-(2**62), 2**62, 2**62 // n * 2 // 3), n, replace=False)
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    return np.array([row.tobytes().hex() for row in raw], dtype=object)


# --- growthkit ------------------------------------------------------------------------------


def gk_call(name: str, tx: Any) -> Any:
    if name == "customer_summary":
        return gk.customer_summary(tx, amount_col="amount", observation_end=END)
    if name == "cohort_matrix":
        return cohort_matrix(tx, period="M")
    if name == "growth_accounting":
        return growth_accounting(tx, period="M")
    if name == "rfm_scores":
        return rfm_scores(tx, observation_end=END, bins=bench_rfm.BINS).table
    return survival_table(tx, amount_col="amount", inactivity_days=K)


# --- polars ---------------------------------------------------------------------------------


def polars_summary(frame: Any) -> Any:
    import polars as pl

    day = pl.col("timestamp").dt.epoch("d").alias("day")
    end_day = int((END - pd.Timestamp("1970-01-01")).days)
    return (
        frame.lazy()
        .group_by("customer_id")
        .agg(
            (day.n_unique() - 1).alias("frequency"),
            (day.max() - day.min()).cast(pl.Float64).alias("recency"),
            (end_day - day.min()).cast(pl.Float64).alias("T"),
            (pl.col("amount").sum() - pl.col("amount").filter(day == day.min()).sum()).alias(
                "repeat"
            ),
        )
        .with_columns(
            pl.when(pl.col("frequency") > 0)
            .then(pl.col("repeat") / pl.col("frequency"))
            .otherwise(0.0)
            .alias("monetary_value")
        )
        .sort("customer_id")
        .collect()
    )


def polars_survival(frame: Any) -> Any:
    import polars as pl

    day = pl.col("timestamp").dt.epoch("d")
    span = pl.col("last") - pl.col("first")
    since = pl.col("end") - pl.col("last")
    churned = since > K
    return (
        frame.lazy()
        .group_by("customer_id")
        .agg(
            day.min().alias("first"),
            day.max().alias("last"),
            pl.len().alias("orders"),
            pl.col("amount").sum().alias("spend"),
        )
        .with_columns(pl.col("last").max().alias("end"))
        .select(
            "customer_id",
            pl.when(churned).then(span + K).otherwise(pl.col("end") - pl.col("first"))
            .alias("duration"),
            churned.alias("churned"),
            "orders",
            "spend",
            (pl.col("end") - pl.col("first")).alias("tenure_days"),
            pl.when(pl.col("orders") > 1).then(span / (pl.col("orders") - 1)).otherwise(0.0)
            .alias("mean_gap_days"),
            since.alias("days_since_last"),
        )
        .sort("customer_id")
        .collect()
    )  # fmt: skip


def polars_call(name: str, frame: Any) -> Any:
    if name == "customer_summary":
        return polars_summary(frame)
    if name == "cohort_matrix":
        return bench_cohort.polars_cohort(frame)
    if name == "growth_accounting":
        return bench_cohort.polars_growth(frame)
    if name == "rfm_scores":
        return bench_rfm.polars_way(frame)
    return polars_survival(frame)


# --- duckdb ---------------------------------------------------------------------------------

DUCKDB_SURVIVAL = f"""
WITH g AS (
  SELECT customer_id, min(timestamp::DATE) AS first, max(timestamp::DATE) AS last,
         count(*) AS orders, sum(amount) AS spend
  FROM tx GROUP BY customer_id
), e AS (SELECT *, max(last) OVER () AS "end" FROM g)
SELECT customer_id,
  CASE WHEN "end" - last > {K} THEN last - first + {K} ELSE "end" - first END AS duration,
  "end" - last > {K} AS churned, orders, spend, "end" - first AS tenure_days,
  CASE WHEN orders > 1 THEN (last - first) / (orders - 1) ELSE 0.0 END AS mean_gap_days,
  "end" - last AS days_since_last
FROM e ORDER BY customer_id
"""

DUCKDB = {
    "customer_summary": bench_summary.DUCKDB_SQL,
    "cohort_matrix": bench_cohort.DUCKDB_COHORT,
    "growth_accounting": bench_cohort.DUCKDB_GROWTH,
    "rfm_scores": bench_rfm.DUCKDB_SQL,
    "survival_table": DUCKDB_SURVIVAL,
}


def duckdb_call(con: Any, sql: str) -> pd.DataFrame:
    out: pd.DataFrame = con.execute(sql).df()
    return out


def duckdb_table(tx: pd.DataFrame) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("tx_frame", tx)
    con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
    con.unregister("tx_frame")
    return con


# --- equal outputs --------------------------------------------------------------------------

SURVIVAL = ["duration", "churned", "orders", "spend", "tenure_days", "mean_gap_days",
            "days_since_last"]  # fmt: skip


def assert_same(name: str, got: Any, want: Any) -> None:
    if hasattr(want, "to_pandas"):
        want = want.to_pandas()
    if name == "customer_summary":
        bench_summary.assert_same(got, want)
    elif name == "cohort_matrix":
        bench_cohort.assert_same_cohort(got, bench_cohort.long_cohort(want))
    elif name == "growth_accounting":
        bench_cohort.assert_same_growth(got, want)
    elif name == "rfm_scores":
        bench_rfm.assert_same(got, want)
    else:
        want = want.set_index("customer_id")
        np.testing.assert_array_equal(np.asarray(got.index), np.asarray(want.index))
        for col in SURVIVAL:
            np.testing.assert_allclose(
                got[col].to_numpy(np.float64), want[col].to_numpy(np.float64), rtol=1e-12
            )


def prepare_peer(tx: pd.DataFrame, kind: str) -> Callable[[], Any]:
    """One pass of the peer factorisation over the same id column."""
    ids = tx["customer_id"]
    if kind == "int":
        values = ids.to_numpy()
        return lambda: pd.factorize(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    column = ids.array._pa_array if kind == "arrow" else pa.array(ids.to_numpy(dtype=object))
    return lambda: pc.dictionary_encode(column)


# --- side-by-side runner --------------------------------------------------------------------


def methods(n_orders: int, kind: str, names: list[str]) -> list[tuple[str, str, Callable[[], Any]]]:
    import polars as pl

    tx = make_log(n_orders, kind)
    frame = pl.from_pandas(tx)
    con = duckdb_table(tx)
    out: list[tuple[str, str, Callable[[], Any]]] = []
    for name in names:
        got = gk_call(name, tx)
        assert_same(name, got, polars_call(name, frame))
        assert_same(name, got, con.execute(DUCKDB[name]).df())
        out.append((name, "growthkit", functools.partial(gk_call, name, tx)))
        out.append((name, "polars", functools.partial(polars_call, name, frame)))
        out.append((name, "duckdb", functools.partial(duckdb_call, con, DUCKDB[name])))
    log = gk.prepare_transactions(tx)
    np.testing.assert_array_equal(np.asarray(log.customers[log.codes]), tx["customer_id"])
    out.append(("prepare", "growthkit", lambda: gk.prepare_transactions(tx)))
    out.append(("prepare", "peer", prepare_peer(tx, kind)))
    return out


def run(
    n_orders: int, kind: str, names: list[str], rounds: int = 3
) -> dict[tuple[str, str], float]:
    todo = methods(n_orders, kind, names)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for name, method, fn in todo:
            gc.collect()
            start = time.perf_counter()
            fn()
            times.setdefault((name, method), []).append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


def main(argv: list[str]) -> None:
    prepare_only = "--prepare-only" in argv
    kinds = [a.split("=", 1)[1] for a in argv if a.startswith("--kinds=")]
    kinds = kinds[0].split(",") if kinds else KINDS
    sizes = [int(float(a)) for a in argv if not a.startswith("--")] or [1_000_000]
    names = [] if prepare_only else FUNCTIONS
    gk_call("rfm_scores", make_log(1000, "int"))  # compile outside the timing
    for n in sizes:
        print(f"\n{n:.0e} orders\n")
        print("| function | ids | growthkit | polars | duckdb | peer | vs polars | vs duckdb |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind in kinds:
            medians = run(n, kind, names)
            for name in [*names, "prepare"]:
                own = medians[(name, "growthkit")]
                if name == "prepare":
                    peer = medians[(name, "peer")]
                    label = "pandas.factorize" if kind == "int" else "dictionary_encode"
                    print(f"| prepare | {kind} | {own:.3f} s | | | {peer:.3f} s ({label}) "
                          f"| | | ratio {own / peer:.2f}x |")  # fmt: skip
                    continue
                pol, duck = medians[(name, "polars")], medians[(name, "duckdb")]
                print(f"| {name} | {kind} | {own:.3f} s | {pol:.3f} s | {duck:.3f} s | "
                      f"| **{pol / own:.2f}x** | **{duck / own:.2f}x** |")  # fmt: skip
            sys.stdout.flush()


# --- pytest-benchmark -----------------------------------------------------------------------

SIZES = [
    pytest.param(100_000, id="1e5"),
    pytest.param(1_000_000, id="1e6", marks=pytest.mark.slow),
    pytest.param(10_000_000, id="1e7", marks=pytest.mark.slow),
]
_CACHE: dict[tuple[int, str], list[tuple[str, str, Callable[[], Any]]]] = {}


@pytest.mark.parametrize("n_orders", SIZES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [*FUNCTIONS, "prepare"])
@pytest.mark.parametrize("method", ["growthkit", "polars", "duckdb", "peer"])
def test_ids(benchmark: Any, n_orders: int, kind: str, name: str, method: str) -> None:
    pytest.importorskip("polars")
    pytest.importorskip("duckdb")
    peers = ("growthkit", "peer") if name == "prepare" else ("growthkit", "polars", "duckdb")
    if method not in peers:
        pytest.skip(f"{name} has no {method} peer")
    if (n_orders, kind) not in _CACHE:
        _CACHE.clear()
        _CACHE[(n_orders, kind)] = methods(n_orders, kind, FUNCTIONS)
    fn = {(a, b): f for a, b, f in _CACHE[(n_orders, kind)]}[(name, method)]
    benchmark.group = f"ids-{name}-{kind}"
    benchmark.pedantic(fn, rounds=3, iterations=1, warmup_rounds=1)


if __name__ == "__main__":
    main(sys.argv[1:])
