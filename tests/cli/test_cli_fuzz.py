"""Fuzz of the command line over CSV / parquet variants (issue 20).

Every generated file (separator, encoding, byte-order mark, trailing separator, time format,
id spellings, missing amounts) run with the options that describe it, or with them left
out, must end in exactly the numbers of a brute-force pandas summary or in a one-line error
with exit code 2: never a traceback, never wrong numbers. ``main`` runs in-process; two
subprocess smoke tests cover the real entry point.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from growthkit._cli import main
from growthkit._output import neutralise

IDS = ["007", "7", "0007", "NA", "null", "None", "José", "a b", "=1+1", "-2", "x;y", 'q"t']
RARELY = st.sampled_from([False] * 7 + [True])

# name -> (strftime format or epoch unit, options that describe it; [] = none)
TIME_FORMATS: dict[str, tuple[str, list[list[str]]]] = {
    "iso_date": ("%Y-%m-%d", [[], ["--time-format", "%Y-%m-%d"]]),
    "iso_time": ("%Y-%m-%dT%H:%M:%S", [[]]),
    "iso_minutes": ("%Y-%m-%d %H:%M", [[]]),
    "dmy": ("%d/%m/%Y", [[], ["--dayfirst"], ["--time-format", "%d/%m/%Y"]]),
    "mdy": ("%m/%d/%Y", [[], ["--time-format", "%m/%d/%Y"]]),
    "dmy_dots_time": ("%d.%m.%Y %H:%M", [[], ["--dayfirst"], ["--time-format", "%d.%m.%Y %H:%M"]]),
    "ymd_int": ("%Y%m%d", [[], ["--time-format", "%Y%m%d"]]),
    "epoch_s": ("s", [[], ["--epoch", "s"]]),
    "epoch_ms": ("ms", [[], ["--epoch", "ms"]]),
}
SEPARATORS = {",": ",", ";": ";", "\t": "tab", "|": "|"}
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "utf-16"]


@dataclass
class Log:
    ids: list[str]
    times: list[pd.Timestamp]
    amounts: list[float]


@st.composite
def logs(draw: st.DrawFn) -> Log:
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n))
    start = pd.Timestamp("2023-01-01")
    times = [start + pd.Timedelta(days=d, minutes=m) for d, m in zip(days, minutes, strict=True)]
    return Log(ids, times, [c / 100 for c in cents])


def render_time(t: pd.Timestamp, fmt: str) -> str:
    if fmt in ("s", "ms"):
        seconds = int((t - pd.Timestamp("1970-01-01")).total_seconds())
        return str(seconds * (1000 if fmt == "ms" else 1))
    return t.strftime(fmt)


def parsed_time(t: pd.Timestamp, fmt: str) -> pd.Timestamp:
    """The time the file states: what the format keeps of ``t``."""
    if fmt in ("s", "ms"):
        return t.floor("s")
    return pd.Timestamp(pd.to_datetime(t.strftime(fmt), format=fmt))


def brute_force(ids: list[str], times: list[pd.Timestamp], amounts: list[float]) -> pd.DataFrame:
    """BTYD summary with period D by plain pandas: purchases per distinct day."""
    frame = pd.DataFrame({"c": ids, "t": times, "a": amounts})
    frame["day"] = frame["t"].dt.floor("D")
    end = frame["day"].max()
    per_day = frame.groupby(["c", "day"])["a"].sum().reset_index()
    rows = {}
    for customer, g in per_day.groupby("c"):
        g = g.sort_values("day")
        frequency = len(g) - 1
        rows[customer] = {
            "frequency": frequency,
            "recency": float((g["day"].iloc[-1] - g["day"].iloc[0]).days),
            "T": float((end - g["day"].iloc[0]).days),
            "monetary_value": float(g["a"].iloc[1:].mean()) if frequency else 0.0,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return neutralise(out).sort_index()


def write_csv(
    path: Path, log: Log, *, fmt: str, sep: str, encoding: str, trailing: bool, na_amount: bool
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    end = [""] if trailing else []
    writer.writerow(["customer_id", "timestamp", "amount", *end])
    for i, (c, t, a) in enumerate(zip(log.ids, log.times, log.amounts, strict=True)):
        amount = "NA" if na_amount and i == 0 else repr(a)
        writer.writerow([c, render_time(t, fmt), amount, *end])
    path.write_bytes(buffer.getvalue().encode(encoding))


def check_outcome(rc: int, err: str, out_dir: Path, expected: pd.DataFrame | None) -> None:
    assert "Traceback" not in err
    if rc != 0:
        assert rc == 2
        assert err.count("\n") == 1 and err.startswith("growthkit: error: `"), err
        assert "pandas" not in err and "_col=" not in err, err  # options, not API names
        return
    assert expected is not None, "succeeded on a file that states missing values"
    got = pd.read_csv(out_dir / "summary.csv", dtype={0: str}, keep_default_na=False)
    got = got.set_index(got.columns[0]).sort_index()
    assert got.index.tolist() == expected.index.tolist()
    for col in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(got[col].to_numpy(float), expected[col].to_numpy(float))


@given(
    log=logs(),
    time_name=st.sampled_from(sorted(TIME_FORMATS)),
    option_pick=st.integers(0, 2),
    sep=st.sampled_from(sorted(SEPARATORS)),
    omit_sep=RARELY,
    encoding=st.sampled_from(ENCODINGS),
    trailing=st.booleans(),
    na_amount=RARELY,
    blank_id=RARELY,
)
def test_cli_csv_variants(
    tmp_path_factory: pytest.TempPathFactory,
    log: Log,
    time_name: str,
    option_pick: int,
    sep: str,
    omit_sep: bool,
    encoding: str,
    trailing: bool,
    na_amount: bool,
    blank_id: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    fmt, option_sets = TIME_FORMATS[time_name]
    options = option_sets[option_pick % len(option_sets)]
    if blank_id:
        log = Log(["", *log.ids[1:]], log.times, log.amounts)
    path = tmp / "orders.csv"
    write_csv(
        path, log, fmt=fmt, sep=sep, encoding=encoding, trailing=trailing, na_amount=na_amount
    )
    args = [str(path), "--period", "D", "--out", str(tmp / "out"), *options]
    if not omit_sep:
        args += ["--sep", SEPARATORS[sep]]
    if encoding not in ("utf-8", "utf-8-sig"):
        args += ["--encoding", encoding]
    stated = [parsed_time(t, fmt) for t in log.times]
    missing = na_amount or blank_id
    expected = None if missing else brute_force(log.ids, stated, log.amounts)
    rc = run_in_process(args)
    check_outcome(rc, CAPTURED["err"], tmp / "out", expected)


@given(
    log=logs().map(lambda g: Log([*g.ids[1:], ""], g.times, g.amounts) if len(g.ids) > 3 else g),
    as_text=st.sampled_from(["", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y"]),
)
def test_cli_parquet_variants(
    tmp_path_factory: pytest.TempPathFactory, log: Log, as_text: str
) -> None:
    pytest.importorskip("pyarrow")
    tmp = tmp_path_factory.mktemp("fuzzpq")
    times: object = pd.Series(log.times)
    stated = list(log.times)
    if as_text:
        times = [t.strftime(as_text) for t in log.times]
        stated = [parsed_time(t, as_text) for t in log.times]
    frame = pd.DataFrame(
        {"customer_id": pd.Series(log.ids, dtype=object), "timestamp": times, "amount": log.amounts}
    )
    path = tmp / "orders.parquet"
    frame.to_parquet(path)
    rc = run_in_process([str(path), "--period", "D", "--out", str(tmp / "out")])
    # parquet is typed: only a null is missing, "" is an id like any other
    expected = brute_force(log.ids, stated, log.amounts)
    check_outcome(rc, CAPTURED["err"], tmp / "out", expected)


CAPTURED: dict[str, str] = {"err": ""}


def run_in_process(args: list[str]) -> int:
    """``main(args)`` with stdout and stderr captured (capsys does not reset per example)."""
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(args)
    CAPTURED["err"] = err.getvalue()
    return rc


def test_subprocess_smoke(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer_id;timestamp;amount\n007;05/02/2024;1\n7;13/02/2024;2\n")
    ok = subprocess.run(
        [sys.executable, "-m", "growthkit", str(path), "--sep", ";"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert (
        "2024-02-05 .. 2024-02-13" in ok.stdout
        and "customers                         2" in ok.stdout
    )
    bad = subprocess.run(
        [sys.executable, "-m", "growthkit", str(path)], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "pass --sep ';'" in bad.stderr
