"""customer_summary vs the idiomatic pandas, polars and duckdb ways.

Run: ``pytest benchmarks/bench_summary.py --benchmark-enable`` (add ``-m slow`` for 10^6 and
10^7 orders). Each group times growthkit (from the DataFrame, so preparation is included)
beside its peers on identical data; outputs are asserted equal before timing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk

SIZES = [
    pytest.param(400, id="1e3"),
    pytest.param(37_000, id="1e5"),
    pytest.param(370_000, id="1e6", marks=pytest.mark.slow),
    pytest.param(3_700_000, id="1e7", marks=pytest.mark.slow),
]
END = pd.Timestamp("2025-01-01")


def make_log(n_customers: int, ids: str) -> pd.DataFrame:
    tx = gk.datasets.simulate_transactions(n_customers, seed=11)
    # Order logs arrive roughly but not exactly in time order: shuffle a little.
    rng = np.random.default_rng(0)
    tx = tx.iloc[np.argsort(np.arange(len(tx)) + rng.integers(0, 1000, len(tx)))]
    tx = tx.reset_index(drop=True)
    if ids == "str":
        tx["customer_id"] = "C" + tx["customer_id"].astype(str).str.zfill(8)
    return tx


def pandas_way(tx: pd.DataFrame) -> pd.DataFrame:
    day = tx["timestamp"].dt.floor("D")
    per = tx.assign(day=day).groupby(["customer_id", "day"])["amount"].sum().reset_index()
    g = per.groupby("customer_id")
    first = g["day"].min()
    first_value = g["amount"].first()  # groupby sorts by day within customer
    out = pd.DataFrame(
        {
            "frequency": g.size() - 1,
            "recency": (g["day"].max() - first).dt.days.astype("float64"),
            "T": (END - first).dt.days.astype("float64"),
        }
    )
    repeat = g["amount"].sum() - first_value
    out["monetary_value"] = (repeat / out["frequency"]).where(out["frequency"] > 0, 0.0)
    return out


def polars_way(frame: Any) -> Any:
    import polars as pl

    per = (
        frame.with_columns(pl.col("timestamp").dt.truncate("1d").alias("day"))
        .group_by(["customer_id", "day"])
        .agg(pl.col("amount").sum())
        .sort(["customer_id", "day"])
    )
    end = pl.lit(END.to_datetime64())
    return (
        per.group_by("customer_id", maintain_order=True)
        .agg(
            (pl.len() - 1).alias("frequency"),
            ((pl.col("day").max() - pl.col("day").min()).dt.total_days()).alias("recency"),
            ((end - pl.col("day").min()).dt.total_days()).alias("T"),
            (pl.col("amount").sum() - pl.col("amount").first()).alias("repeat"),
        )
        .with_columns(
            pl.when(pl.col("frequency") > 0)
            .then(pl.col("repeat") / pl.col("frequency"))
            .otherwise(0.0)
            .alias("monetary_value")
        )
        .drop("repeat")
    )


DUCKDB_SQL = """
WITH per AS (
  SELECT customer_id, date_trunc('day', timestamp) AS day, sum(amount) AS amount
  FROM tx GROUP BY 1, 2
), agg AS (
  SELECT customer_id, count(*) - 1 AS frequency,
         date_diff('day', min(day), max(day)) AS recency,
         date_diff('day', min(day), TIMESTAMP '2025-01-01') AS T,
         sum(amount) - arg_min(amount, day) AS repeat
  FROM per GROUP BY 1
)
SELECT customer_id, frequency, recency::DOUBLE AS recency, T::DOUBLE AS T,
       CASE WHEN frequency > 0 THEN repeat / frequency ELSE 0 END AS monetary_value
FROM agg ORDER BY customer_id
"""


def growthkit_way(tx: pd.DataFrame) -> pd.DataFrame:
    return gk.customer_summary(tx, amount_col="amount", observation_end=END)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    want = want.set_index("customer_id") if "customer_id" in want.columns else want
    want = want.sort_index()
    np.testing.assert_array_equal(np.asarray(got.index), np.asarray(want.index))
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9)


@pytest.fixture(scope="module", params=["int", "str"])
def ids(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="customer_summary")
def test_growthkit(benchmark: Any, n_customers: int, ids: str) -> None:
    tx = make_log(n_customers, ids)
    growthkit_way(tx.head(100))  # compile the kernels outside the timing
    got = benchmark.pedantic(growthkit_way, args=(tx,), rounds=3, iterations=1)
    assert_same(got, pandas_way(tx))


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="customer_summary")
def test_pandas(benchmark: Any, n_customers: int, ids: str) -> None:
    tx = make_log(n_customers, ids)
    want = benchmark.pedantic(pandas_way, args=(tx,), rounds=3, iterations=1)
    assert_same(growthkit_way(tx), want)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="customer_summary")
def test_polars(benchmark: Any, n_customers: int, ids: str) -> None:
    pl = pytest.importorskip("polars")
    tx = make_log(n_customers, ids)
    frame = pl.from_pandas(tx)
    out = benchmark.pedantic(polars_way, args=(frame,), rounds=3, iterations=1)
    assert_same(growthkit_way(tx), out.to_pandas())


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="customer_summary")
def test_duckdb(benchmark: Any, n_customers: int, ids: str) -> None:
    duckdb = pytest.importorskip("duckdb")
    tx = make_log(n_customers, ids)
    con = duckdb.connect()
    con.register("tx_frame", tx)
    con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
    out = benchmark.pedantic(lambda: con.execute(DUCKDB_SQL).df(), rounds=3, iterations=1)
    assert_same(growthkit_way(tx), out)


@pytest.mark.parametrize("n_customers", SIZES)
@pytest.mark.benchmark(group="customer_summary-prepared")
def test_growthkit_prepared(benchmark: Any, n_customers: int, ids: str) -> None:
    """The kernel alone, on a log prepared once (the many-analyses path)."""
    tx = make_log(n_customers, ids)
    log = gk.prepare_transactions(tx, amount_col="amount")
    gk.customer_summary(log, amount_col="amount", observation_end=END)
    benchmark.pedantic(
        gk.customer_summary,
        args=(log,),
        kwargs={"amount_col": "amount", "observation_end": END},
        rounds=3,
        iterations=1,
    )


# --- side-by-side runner: ``python benchmarks/bench_summary.py 1e7 int,str [--no-pandas]``
# Interleaves the methods round by round on identical data (a noisy shared machine hits all
# of them alike) and prints medians and ratios; ``--memory`` measures each method's peak
# extra memory in a fresh process.


def _methods(tx: pd.DataFrame, with_pandas: bool) -> dict[str, Any]:
    methods: dict[str, Any] = {"growthkit": lambda: growthkit_way(tx)}
    log = gk.prepare_transactions(tx, amount_col="amount")
    methods["growthkit (prepared log)"] = lambda: gk.customer_summary(
        log, amount_col="amount", observation_end=END
    )
    if with_pandas:
        methods["pandas"] = lambda: pandas_way(tx)
    try:
        import polars as pl

        frame = pl.from_pandas(tx)
        methods["polars"] = lambda: polars_way(frame).to_pandas()
    except ImportError:  # pragma: no cover - optional peer
        pass
    try:
        import duckdb

        con = duckdb.connect()
        con.register("tx_frame", tx)
        con.execute("CREATE TABLE tx AS SELECT * FROM tx_frame")
        methods["duckdb"] = lambda: con.execute(DUCKDB_SQL).df()
    except ImportError:  # pragma: no cover - optional peer
        pass
    return methods


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _memory(n_orders: float, ids: str, name: str) -> None:
    import gc
    import time

    tx = make_log(int(n_orders / 2.7), ids)
    growthkit_way(tx.head(100))
    input_mib = sum(tx[c].to_numpy().nbytes for c in tx.columns) / 2**20
    deep_mib = tx.memory_usage(deep=True).sum() / 2**20
    if name.startswith("growthkit"):
        run = _methods(tx, False)[name] if name != "growthkit" else (lambda: growthkit_way(tx))
    else:
        run = _methods(tx, name == "pandas")[name]
    gc.collect()
    _reset_peak_rss()
    before = _status_mib("VmRSS")
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    extra = _status_mib("VmHWM") - before
    print(
        f"| {ids} | {name} | {extra:.0f} | {extra / input_mib:.2f}x | "
        f"{input_mib:.0f} (deep {deep_mib:.0f}) | {seconds:.2f} |"
    )


def main(argv: list[str]) -> None:
    import statistics
    import subprocess
    import sys
    import time

    if argv and argv[0] == "--memory-one":
        _memory(float(argv[1]), argv[2], argv[3])
        return
    memory = "--memory" in argv
    with_pandas = "--no-pandas" not in argv
    args = [a for a in argv if not a.startswith("--")]
    n_orders = float(args[0]) if args else 1e6
    kinds = args[1].split(",") if len(args) > 1 else ["int", "str"]
    if memory:
        names = ["growthkit", "growthkit (prepared log)", "pandas", "polars", "duckdb"]
        print("| ids | method | peak extra MiB | x input arrays | input MiB | s |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for ids in kinds:
            for name in names if with_pandas else names[:2] + names[3:]:
                cmd = [sys.executable, __file__, "--memory-one", str(n_orders), ids, name]
                subprocess.run(cmd, check=True)
        return
    for ids in kinds:
        tx = make_log(int(n_orders / 2.7), ids)
        growthkit_way(tx.head(100))
        methods = _methods(tx, with_pandas)
        want = growthkit_way(tx)
        for run in methods.values():
            assert_same(want, run())
        times: dict[str, list[float]] = {name: [] for name in methods}
        for _ in range(3):
            for name, run in methods.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
        print(f"\n{len(tx):,} orders, {len(want):,} customers, {ids} ids")
        print("| method | median s | growthkit faster by |")
        print("| --- | ---: | ---: |")
        ours = statistics.median(times["growthkit"])
        for name, values in times.items():
            median = statistics.median(values)
            print(f"| {name} | {median:.2f} | {median / ours:.2f}x |")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
