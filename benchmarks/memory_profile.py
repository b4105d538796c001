"""Peak memory of every public transaction-level function on a large order log.

Run: ``python benchmarks/memory_profile.py --orders 10000000`` (add ``--ids str`` for string
ids ``c0001234``, ``--ids sparse`` for int64 ids spread over +-2**61, ``--ids hex`` for 32
hexadecimal characters as Python strings, ``--ids arrow`` for the same Arrow-backed). Each
function runs in a fresh subprocess, which

1. compiles the kernels on a tiny log (so JIT memory is not counted),
2. builds the input frame (int64 ids, ``datetime64[ns]`` timestamps, float64 amounts),
3. resets the kernel's peak-RSS counter (``/proc/self/clear_refs``) and records the
   current RSS as the baseline,
4. calls the function once and reads the peak RSS (``VmHWM`` in ``/proc/self/status``).

The peak increase is reported in MB and as a multiple of the input arrays' size (ids +
timestamps + amounts bytes). Functions above 2x are flagged. The table is printed as
Markdown, ready for docs/robustness.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import gc, json, sys, time
import numpy as np
import pandas as pd
import growthkit as gk

name, n, ids_kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def log(n_orders, seed=0):
    rng = np.random.default_rng(seed)
    n_customers = max(n_orders // 10, 1)
    ids = rng.integers(0, n_customers, n_orders, dtype=np.int64)
    start = np.datetime64("2021-01-01T00:00:00", "ns").astype(np.int64)
    span = 3 * 365 * 86_400 * 10**9
    ticks = np.sort(rng.integers(0, span, n_orders, dtype=np.int64)) + start
    amounts = np.round(rng.gamma(2.0, 25.0, n_orders), 2)
    if ids_kind == "str":
        cid = pd.Series(ids).map(lambda i: f"c{i:07d}").to_numpy(dtype=object)
    elif ids_kind in ("hex", "arrow"):
        raw = rng.integers(0, 256, (n_customers, 16), dtype=np.uint8)
        cid = np.array([row.tobytes().hex() for row in raw], dtype=object)[ids]
    elif ids_kind == "sparse":
        cid = ids * 1_000_000_007 - 2**61
    else:
        cid = ids
    if ids_kind == "arrow":
        cid = pd.array(cid, dtype=pd.StringDtype("pyarrow"))
    return pd.DataFrame(
        {"customer_id": cid, "timestamp": ticks.view("datetime64[ns]"), "amount": amounts}
    )


def id_bytes(column):
    # Arrow strings: offsets + data; object strings: the pointers (as for int ids).
    arrow = getattr(column.array, "_pa_array", None)
    return arrow.nbytes if arrow is not None else column.to_numpy().nbytes


CALLS = {
    "prepare_transactions": lambda tx: gk.prepare_transactions(tx, amount_col="amount"),
    "customer_summary": lambda tx: gk.customer_summary(tx, amount_col="amount", period="D"),
    "calibration_holdout_summary": lambda tx: gk.calibration_holdout_summary(
        tx, calibration_end=pd.Timestamp("2023-01-01"), amount_col="amount"
    ),
    "rfm_scores": lambda tx: gk.rfm_scores(tx, amount_col="amount"),
    "lifecycle_stages": lambda tx: gk.lifecycle_stages(tx, amount_col="amount"),
    "cohort_matrix (customers, M)": lambda tx: gk.cohort_matrix(tx, period="M"),
    "cohort_matrix (revenue, W)": lambda tx: gk.cohort_matrix(
        tx, period="W", value="revenue", amount_col="amount"
    ),
    "growth_accounting": lambda tx: gk.growth_accounting(tx, period="M", amount_col="amount"),
    "survival_table": lambda tx: gk.survival_table(tx, amount_col="amount"),
}

fn = CALLS[name]
fn(log(2_000, seed=1))  # compile / load the kernels outside the measurement
tx = log(n)
input_bytes = int(
    id_bytes(tx["customer_id"]) + tx["timestamp"].to_numpy().nbytes
    + tx["amount"].to_numpy().nbytes
)
gc.collect()
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset VmHWM to the current RSS
baseline = status("VmRSS")
t0 = time.perf_counter()
out = fn(tx)
seconds = time.perf_counter() - t0
peak = status("VmHWM")
print(json.dumps({"name": name, "input_bytes": input_bytes, "baseline": baseline,
                  "peak": peak, "seconds": seconds}))
"""

NAMES = [
    "prepare_transactions",
    "customer_summary",
    "calibration_holdout_summary",
    "rfm_scores",
    "lifecycle_stages",
    "cohort_matrix (customers, M)",
    "cohort_matrix (revenue, W)",
    "growth_accounting",
    "survival_table",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--ids", choices=["int", "str", "sparse", "hex", "arrow"], default="int")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    rows = []
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    started = time.time()
    for name in args.only or NAMES:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, name, str(args.orders), args.ids],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        rec = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
    mb = 1024**2
    print(
        f"\n{args.orders:,} orders, {args.ids} ids; load average {load} at start; "
        f"{time.time() - started:.0f} s in all\n"
    )
    print("| function | time (s) | peak increase (MB) | x input arrays | flag |")
    print("| --- | ---: | ---: | ---: | --- |")
    for rec in rows:
        extra = max(rec["peak"] - rec["baseline"], 0)
        ratio = extra / rec["input_bytes"]
        flag = "**above 2x**" if ratio > 2 else ""
        print(
            f"| `{rec['name']}` | {rec['seconds']:.1f} | {extra / mb:,.0f} | {ratio:.2f} | {flag} |"
        )
    if rows:
        print(f"\ninput arrays: {rows[0]['input_bytes'] / mb:,.0f} MB")


if __name__ == "__main__":
    main()
