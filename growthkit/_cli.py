"""Command line.

- ``python -m growthkit [PATH] [--customer-col ...] ...`` prints the customer-summary
  headline of an order log.
- ``python -m growthkit report [PATH] [--customer-col ...] [--out DIR]`` writes the full HTML
  report (see :mod:`growthkit.report`).
- ``python -m growthkit warmup`` compiles (or loads) every kernel into numba's on-disk cache
  and prints the time per step: run it in a container build so that services start warm.

Without a path both run on the bundled CDNOW sample. Errors in the user's file are reported
as one line on stderr (exit code 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from growthkit import datasets
from growthkit._logfile import ReadOptions, read_log
from growthkit._output import check_out_dir, write_csv
from growthkit._prepare import prepare_transactions
from growthkit.errors import GrowthkitError
from growthkit.summary import customer_summary

if TYPE_CHECKING:
    import pandas as pd


def _add_input_options(p: argparse.ArgumentParser) -> None:
    """Options shared by the summary and the report: how to read the user's log."""
    p.add_argument("path", nargs="?", help="CSV or parquet order log; default: CDNOW sample")
    p.add_argument("--customer-col", default="customer_id")
    p.add_argument("--time-col", default="timestamp")
    p.add_argument("--sep", default=",", help="CSV field separator (one character; 'tab' or \\t)")
    p.add_argument("--encoding", default="utf-8", help="CSV text encoding (default utf-8)")
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--time-format", default=None, help="strptime format of the time column, e.g. %%d.%%m.%%Y"
    )
    when.add_argument(
        "--dayfirst", action="store_true", help="dates like 05/02/2024 are 5 February"
    )
    when.add_argument(
        "--epoch",
        choices=["s", "ms", "us", "ns"],
        default=None,
        help="the time column holds integer seconds (s) or milliseconds (ms) since 1970",
    )
    p.add_argument(
        "--utc", action="store_true", help="convert times with differing UTC offsets to UTC"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m growthkit",
        description="Summarise an order log (default: the bundled CDNOW sample).",
        epilog="Full HTML report: python -m growthkit report [PATH] [--out DIR] "
        "(see python -m growthkit report --help).",
    )
    _add_input_options(p)
    p.add_argument("--amount-col", default="amount", help="use '' for a log without amounts")
    p.add_argument("--period", default="W", choices=["D", "W", "M", "Q", "Y"])
    p.add_argument("--observation-end", default=None)
    p.add_argument("--out", default=None, help="directory to write summary.csv into")
    return p


def _read_options(args: argparse.Namespace, amount_col: str | None) -> ReadOptions:
    return ReadOptions(
        customer_col=args.customer_col,
        time_col=args.time_col,
        amount_col=amount_col,
        sep=args.sep,
        encoding=args.encoding,
        time_format=args.time_format,
        dayfirst=args.dayfirst,
        epoch=args.epoch,
        utc=args.utc,
    )


_OPTION_NAMES = (
    ("observation_end", "--observation-end"),
    ("out_dir", "--out"),
    ("inactivity_days", "--inactivity-days"),
    ("horizon_days", "--horizon-days"),
    ("horizon_months", "--horizon-months"),
    ("customer_col=...", "--customer-col NAME"),
    ("time_col=...", "--time-col NAME"),
    ("amount_col=...", "--amount-col NAME"),
    ("campaign_window_days", "--campaign-window-days"),
)


def _fail(exc: GrowthkitError) -> int:
    """Print a library error as one line that names command-line options; exit code 2."""
    text = " ".join(str(exc).split())
    for api, option in _OPTION_NAMES:
        text = text.replace(api, option)
    print(f"growthkit: error: {text}", file=sys.stderr)
    return 2


def _report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m growthkit report",
        description="Write one self-contained HTML report (data quality, growth accounting, "
        "cohorts, RFM, churn early warning, CLV) plus its tables as CSV.",
    )
    _add_input_options(p)
    p.add_argument(
        "--amount-col",
        default=None,
        help="order value column; default 'amount' when the log has one, '' for none",
    )
    p.add_argument("--period", default="M", choices=["D", "W", "M", "Q", "Y"])
    p.add_argument("--inactivity-days", type=int, default=90, help="churn after this many")
    p.add_argument("--horizon-days", type=int, default=30, help="early-warning horizon")
    p.add_argument("--horizon-months", type=int, default=12, help="CLV horizon")
    p.add_argument("--out", default="growthkit-report", help="output directory")
    p.add_argument("--no-charts", action="store_true", help="tables only (faster)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--campaign",
        default=None,
        help="campaign assignment CSV (customer column, arm = treatment/holdout, optional "
        "segment and send_date): adds the campaign evaluation section",
    )
    p.add_argument("--send-date", default=None, help="campaign send date (else its column)")
    p.add_argument("--campaign-window-days", type=int, default=30, help="evaluation window")
    p.add_argument("--campaign-cost", type=float, default=None, help="campaign cost, for ROI")
    p.add_argument(
        "--events",
        default=None,
        help="event log CSV or parquet (user_id, timestamp, event columns; times read with "
        "the same --time-format/--dayfirst/--epoch/--utc options): adds the events section "
        "(funnel, activity, paths)",
    )
    p.add_argument(
        "--funnel-steps",
        default=None,
        help="comma-separated funnel steps, e.g. visit,view,add_to_cart,purchase "
        "(default: the events in the order they first occur)",
    )
    p.add_argument("--funnel-window", default="30D", help="funnel conversion window")
    return p


def _events(args: argparse.Namespace) -> pd.DataFrame | None:
    """The event log of ``--events``: user ids as text, times parsed like the order log's."""
    if args.events is None:
        return None
    options = replace(_read_options(args, None), customer_col="user_id", time_col="timestamp")
    try:
        return read_log(args.events, options)
    except GrowthkitError as exc:  # name the option: the order log's path is another one
        raise type(exc)(f"{exc} (--events)") from exc


def _campaign(path: str | None, ids: pd.Series, customer_col: str) -> pd.DataFrame | None:
    """The campaign assignment file, its ids read like the log's (text, or the sample's ints)."""
    if path is None:
        return None
    import pandas as pd

    if not Path(path).is_file():
        raise GrowthkitError(f"`{path}` (--campaign) does not exist: 0 rows.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, UnicodeError) as exc:
        raise GrowthkitError(f"`{path}` (--campaign) cannot be read: {exc}: 0 rows.") from exc
    if customer_col in frame.columns and pd.api.types.is_integer_dtype(ids.dtype):
        as_int = pd.to_numeric(frame[customer_col], errors="coerce")
        bad = int(as_int.isna().sum())
        if bad:
            raise GrowthkitError(
                f"`{customer_col}` of {path} (--campaign) has ids that are not integers like "
                f"the log's: {bad} rows."
            )
        frame[customer_col] = as_int.astype(ids.dtype)
    return frame


def _input(
    args: argparse.Namespace, amount_col: str | None, *, amount_optional: bool = False
) -> tuple[pd.DataFrame, str, str, str]:
    """The order log to read (the bundled CDNOW sample without a path), its source, id columns."""
    if args.path is None:
        tx = datasets.load_cdnow()
        return tx, "bundled CDNOW sample (Fader & Hardie)", "customer_id", "timestamp"
    tx = read_log(args.path, _read_options(args, amount_col), amount_optional=amount_optional)
    return tx, args.path, args.customer_col, args.time_col


def report_main(argv: Sequence[str]) -> int:
    """Run ``python -m growthkit report``; returns the process exit code."""
    from growthkit.report import build_report

    args = _report_parser().parse_args(argv)
    try:
        check_out_dir(args.out)
        wanted = "amount" if args.amount_col is None else args.amount_col or None
        tx, source, customer_col, time_col = _input(
            args, wanted, amount_optional=args.amount_col is None
        )
        amount_col: str | None = args.amount_col or None
        if args.amount_col is None:
            amount_col = "amount" if "amount" in tx.columns else None
            if amount_col is None and not args.quiet:
                print(
                    "growthkit: no `amount` column; reporting without order values "
                    "(use --amount-col NAME)",
                    file=sys.stderr,
                )
        campaign = _campaign(args.campaign, tx[customer_col], customer_col)
        events = _events(args)
        steps = None if args.funnel_steps is None else args.funnel_steps.split(",")
        path = build_report(
            tx,
            out_dir=args.out,
            customer_col=customer_col,
            time_col=time_col,
            amount_col=amount_col,
            period=args.period,
            inactivity_days=args.inactivity_days,
            horizon_days=args.horizon_days,
            horizon_months=args.horizon_months,
            source=source,
            charts=not args.no_charts,
            progress=not args.quiet,
            campaign=campaign,
            send_date=args.send_date,
            campaign_window_days=args.campaign_window_days,
            campaign_cost=args.campaign_cost,
            events=events,
            funnel_steps=steps,
            funnel_window=args.funnel_window,
        )
    except GrowthkitError as exc:
        return _fail(exc)
    except OSError as exc:
        return _cannot_write(args.out, exc)
    print(f"wrote {path} (tables as CSV in {path.parent})")
    return 0


def _cannot_write(out: str, exc: OSError) -> int:
    reason = exc.strerror or type(exc).__name__
    print(f"growthkit: error: cannot write to `{out}`: {reason}. Pass --out DIR.", file=sys.stderr)
    return 2


def warmup_main(argv: Sequence[str]) -> int:
    """``python -m growthkit warmup``: fill the kernel cache, print seconds per step."""
    argparse.ArgumentParser(
        prog="python -m growthkit warmup",
        description="Compile or load every growthkit kernel (numba's on-disk cache: the "
        "package directory, or NUMBA_CACHE_DIR) and print the time of each step.",
    ).parse_args(list(argv))
    from growthkit._warmup import check_cache_dir, warm_up

    try:
        where = check_cache_dir()
    except GrowthkitError as exc:
        return _fail(exc)
    print(f"  kernel cache: {where}")
    started = time.perf_counter()
    timings = warm_up()
    for name, seconds in timings.items():
        print(f"  {name:<28} {seconds:>8.3f} s")
    print(f"  {'total':<28} {time.perf_counter() - started:>8.3f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    if argv[:1] == ["warmup"]:
        return warmup_main(argv[1:])
    args = _parser().parse_args(argv)
    amount_col = args.amount_col or None
    try:
        started = time.perf_counter()
        if args.out:
            check_out_dir(args.out)
        tx, source, customer_col, time_col = _input(args, amount_col)
        log = prepare_transactions(
            tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col
        )
        summary = customer_summary(
            log, amount_col=amount_col, period=args.period, observation_end=args.observation_end
        )
    except GrowthkitError as exc:
        return _fail(exc)
    elapsed = time.perf_counter() - started
    unit = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}[args.period]
    first = log.to_timestamp(int(log.ticks.min()))
    repeaters = int((summary["frequency"] > 0).sum())
    lines = [
        f"growthkit customer summary — {source}",
        f"  orders                 {log.n_rows:>12,}",
        f"  customers              {log.n_customers:>12,}",
        f"  period                 {first.date()} .. {log.latest.date()}",
        f"  repeat customers       {repeaters:>12,}  ({repeaters / len(summary):.1%})",
        f"  mean repeat purchases  {summary['frequency'].mean():>12.3f}",
        f"  mean recency           {summary['recency'].mean():>12.2f} {unit}",
        f"  mean customer age T    {summary['T'].mean():>12.2f} {unit}",
    ]
    if amount_col is not None and log.amounts is not None:
        revenue = float(log.amounts.sum())
        repeat_value = summary.loc[summary["frequency"] > 0, "monetary_value"]
        lines += [
            f"  revenue                {revenue:>12,.2f}",
            f"  mean repeat order      {repeat_value.mean() if len(repeat_value) else 0.0:>12.2f}",
        ]
    lines.append(f"  computed in            {elapsed:>12.3f} s")
    lines.append("  full HTML report:      python -m growthkit report [PATH] --out DIR")
    print("\n".join(lines))
    if args.out:
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_csv(summary, out / "summary.csv")
        except OSError as exc:
            return _cannot_write(args.out, exc)
        print(f"  wrote {out / 'summary.csv'}")
    return 0
