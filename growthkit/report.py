"""One self-contained HTML report of an order log: the whole growthkit pipeline in one call.

:func:`build_report` runs, in order, a data-quality summary, growth accounting, cohort
retention, RFM segments, the churn early-warning list and customer lifetime value (BG/NBD
plus Gamma-Gamma), and writes ``report.html`` (tables plus charts embedded as base64 PNG:
no network resources, one file to mail around) and every table as CSV beside it.
``python -m growthkit report [PATH]`` is its command line.

Each section runs on its own: a module that cannot be imported, a model that does not
converge or data a section cannot use (no amounts for RFM, say) skips that section with a
note in the report instead of failing the whole run. Only errors in the order log itself
(missing columns, NaN timestamps, ...) raise, as :class:`~growthkit.GrowthkitError`.
"""

from __future__ import annotations

import base64
import html
import io
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from growthkit import _validate as v
from growthkit._output import check_out_dir, write_csv, write_text
from growthkit._prepare import Transactions, as_transactions
from growthkit.errors import DataError, GrowthkitError, GrowthkitWarning

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CAMPAIGN_SECTION",
    "CAMPAIGN_TABLES",
    "EVENTS_SECTION",
    "EVENTS_TABLES",
    "SECTIONS",
    "TABLES",
    "build_report",
]

Progress = Callable[[str], None]

SECTIONS: tuple[tuple[str, str], ...] = (
    ("data_quality", "Data quality"),
    ("growth", "Growth accounting"),
    ("cohorts", "Cohort retention"),
    ("rfm", "RFM segments"),
    ("churn", "Churn early warning"),
    ("clv", "Customer lifetime value"),
)
"""The report's sections, in order: ``(key, title)``; ``key`` is the HTML anchor."""

CAMPAIGN_SECTION: tuple[str, str] = ("campaign", "Campaign evaluation")
"""The section added after :data:`SECTIONS` when a campaign assignment is given."""

TABLES: tuple[str, ...] = (
    "data_quality",
    "growth_accounting",
    "cohort_counts",
    "cohort_retention",
    "rfm_segments",
    "rfm_customers",
    "survival_table",
    "early_warning",
    "early_warning_evaluation",
    "clv_parameters",
    "clv_customers",
)
"""Every table the report can write, as ``<name>.csv``."""

CAMPAIGN_TABLES: tuple[str, ...] = ("campaign_effects", "campaign_segments")
"""The tables of the campaign section (:func:`growthkit.campaigns.campaign_section`)."""

EVENTS_SECTION: tuple[str, str] = ("events", "Events: funnel, activity, paths")
"""The section added after :data:`SECTIONS` when an event log is given."""

EVENTS_TABLES: tuple[str, ...] = ("funnel", "activity", "paths")
"""The tables of the events section (:func:`growthkit.funnel.report_section`)."""


class _Skip(Exception):
    """A section cannot run on this data; the message says why."""


@dataclass
class _Section:
    key: str
    title: str
    intro: str = ""
    blocks: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0
    charts: bool = True

    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        caption: str,
        *,
        rows: int = 25,
        display: pd.DataFrame | None = None,
    ) -> None:
        """Keep ``frame`` as ``name.csv`` and show its first ``rows`` rows (or ``display``)."""
        self.tables[name] = frame
        shown = frame.head(rows) if display is None else display
        more = (
            f" (first {rows} of {len(frame):,} rows; all in <a href='{name}.csv'>{name}.csv</a>)"
            if len(frame) > rows
            else f" (<a href='{name}.csv'>{name}.csv</a>)"
        )
        self.blocks.append(
            f"<figure class='table'><figcaption>{html.escape(caption)}{more}</figcaption>"
            f"{_table_html(shown)}</figure>"
        )

    def chart(self, draw: Callable[[Axes], object], alt: str, *, size: tuple[float, float]) -> None:
        """Render ``draw(ax)`` to an embedded PNG; a note when matplotlib is missing."""
        if not self.charts:
            return
        try:
            png = _render_png(draw, size)
        except ImportError:
            if not any("matplotlib" in n for n in self.notes):
                self.notes.append("Charts need matplotlib: pip install 'growthkit[plot]'.")
            return
        data = base64.b64encode(png).decode("ascii")
        self.blocks.append(
            f"<figure class='chart'><img alt='{html.escape(alt)}' "
            f"src='data:image/png;base64,{data}'></figure>"
        )

    def para(self, text: str) -> None:
        """Add a paragraph of (escaped) text."""
        self.blocks.append(f"<p>{html.escape(text)}</p>")


@dataclass(frozen=True, slots=True)
class _Context:
    log: Transactions
    source: str
    period: v.Period
    inactivity_days: int
    horizon_days: int
    horizon_months: int
    has_amounts: bool
    charts: bool
    campaign: pd.DataFrame | None = None
    send_date: object = None
    campaign_window_days: int = 30
    campaign_cost: float | None = None
    events: pd.DataFrame | None = None
    funnel_steps: Sequence[str] | None = None
    funnel_window: object = "30D"


def _render_png(draw: Callable[[Axes], object], size: tuple[float, float]) -> bytes:
    from matplotlib.figure import Figure

    from growthkit.plotting import style

    with style():
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        draw(ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _fmt_cell(x: object) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if np.isnan(f):
            return ""
        if np.isinf(f):
            return "∞" if f > 0 else "-∞"
        if f == int(f) and abs(f) < 1e15:
            return f"{int(f):,}"
        if abs(f) >= 1000:
            return f"{f:,.0f}"
        if abs(f) >= 1:
            return f"{f:,.2f}"
        return f"{f:.3g}"
    return str(x)


def _table_html(frame: pd.DataFrame) -> str:
    names = [str(n) for n in frame.index.names if n is not None]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in [", ".join(names)])
    head += "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for idx, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        label = ", ".join(str(i) for i in idx) if isinstance(idx, tuple) else str(idx)
        cells = "".join(f"<td>{html.escape(_fmt_cell(x))}</td>" for x in values)
        rows.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    values = frame.to_numpy(dtype=np.float64)
    text = [["" if np.isnan(x) else f"{x:.1%}" for x in row] for row in values]
    return pd.DataFrame(text, index=frame.index, columns=frame.columns)


# --------------------------------------------------------------------------------------
# sections


def _data_quality(ctx: _Context, s: _Section) -> None:
    from growthkit.plotting import plot_orders_over_time

    log = ctx.log
    s.intro = "What the order log holds, and what the analyses below will treat specially."
    orders = np.bincount(log.codes, minlength=log.n_customers)
    days = log.days()
    # same customer, same calendar day: the BTYD summaries count these as one purchase
    day_pairs = np.unique(days.astype(np.int64) * log.n_customers + log.codes).size
    order = np.lexsort((log.ticks, log.codes))
    same = (np.diff(log.codes[order]) == 0) & (np.diff(log.ticks[order]) == 0)
    if log.amounts is not None:
        same &= np.diff(log.amounts[order]) == 0
    first = log.to_timestamp(int(log.ticks.min()))
    rows: list[tuple[str, object]] = [
        ("source", ctx.source),
        ("orders", log.n_rows),
        ("customers", log.n_customers),
        ("first order", str(first)),
        ("last order (observation end)", str(log.latest)),
        ("span in days", int(days.max() - days.min()) + 1),
        ("customers with one order only", int(np.count_nonzero(orders == 1))),
        ("mean orders per customer", float(orders.mean())),
        ("most orders by one customer", int(orders.max())),
        ("orders on a day the customer already ordered", log.n_rows - day_pairs),
        ("exact duplicate orders (customer, time, amount)", int(np.count_nonzero(same))),
    ]
    if log.amounts is not None:
        a = log.amounts
        rows += [
            ("revenue", float(a.sum())),
            ("mean order value", float(a.mean())),
            ("median order value", float(np.median(a))),
            ("orders with amount 0", int(np.count_nonzero(a == 0))),
        ]
    else:
        s.notes.append("No amount column: RFM and spend (Gamma-Gamma) sections are skipped.")
    table = pd.DataFrame(
        {"value": [_fmt_cell(x) for _, x in rows]},
        index=pd.Index([k for k, _ in rows], name="measure"),
    )
    s.table("data_quality", table, "Order log summary")
    s.chart(
        lambda ax: plot_orders_over_time(log, period=ctx.period, ax=ax),
        "orders per period",
        size=(8.0, 3.4),
    )


def _growth(ctx: _Context, s: _Section) -> None:
    from growthkit.cohort import growth_accounting
    from growthkit.plotting import plot_growth

    s.intro = (
        "Active customers per period split into new, retained and resurrected, against "
        "those lost (churned); quick ratio = (new + resurrected) / churned."
    )
    amount = ctx.log.amount_col if ctx.has_amounts else None
    table = growth_accounting(ctx.log, period=ctx.period, amount_col=amount)
    s.table("growth_accounting", table, "Growth accounting", rows=36)
    s.chart(lambda ax: plot_growth(table, ax=ax), "growth accounting", size=(8.0, 3.8))
    if amount is not None:
        s.chart(
            lambda ax: plot_growth(table, revenue=True, ax=ax),
            "revenue growth accounting",
            size=(8.0, 3.8),
        )


def _cohorts(ctx: _Context, s: _Section) -> None:
    from growthkit.cohort import cohort_matrix
    from growthkit.plotting import plot_cohort_retention

    s.intro = (
        "Customers grouped by the period of their first order; each cell is the share of the "
        "cohort active at that age."
    )
    m = cohort_matrix(ctx.log, period=ctx.period)
    retention = m.retention
    shown = retention.iloc[-24:, :25]
    display = _percent(shown)
    display.insert(0, "customers", m.sizes.loc[shown.index].to_numpy())
    s.tables["cohort_counts"] = m.counts
    s.table(
        "cohort_retention",
        retention,
        "Retention by cohort (rows) and age in periods (columns)"
        + (" — last 24 cohorts, ages 0-24" if shown.shape != retention.shape else ""),
        display=display,
    )
    n = len(retention)
    s.chart(
        lambda ax: plot_cohort_retention(m, ax=ax, annotate=n <= 24),
        "cohort retention heatmap",
        size=(min(3.0 + 0.45 * retention.shape[1], 14.0), min(1.5 + 0.32 * n, 14.0)),
    )


def _rfm(ctx: _Context, s: _Section) -> None:
    from growthkit.plotting import plot_rf_heatmap, plot_segments
    from growthkit.rfm import rfm_scores

    s.intro = (
        "Recency, frequency and monetary scores (1-5, higher is better) and the standard "
        "11-segment map."
    )
    amount = ctx.log.amount_col
    if not ctx.has_amounts or amount is None:
        raise _Skip("RFM needs an amount column (pass --amount-col)")
    result = rfm_scores(ctx.log, amount_col=amount)
    s.table("rfm_segments", result.segment_summary(), "Segments", rows=20)
    s.tables["rfm_customers"] = result.table
    s.para("Per-customer scores and segments are in rfm_customers.csv.")
    n_seg = len(result.segment_summary())
    s.chart(
        lambda ax: plot_segments(result, ax=ax),
        "RFM segments",
        size=(8.0, 1.4 + 0.38 * n_seg),
    )
    s.chart(lambda ax: plot_rf_heatmap(result, ax=ax), "R by F heatmap", size=(6.0, 4.6))


def _churn(ctx: _Context, s: _Section) -> None:
    from growthkit.churn import early_warning, evaluate_early_warning, kaplan_meier, survival_table
    from growthkit.clv import ModifiedBetaGeo
    from growthkit.plotting import (
        plot_calibration,
        plot_lift,
        plot_risk_distribution,
        plot_survival,
    )
    from growthkit.summary import customer_summary

    s.intro = (
        f"A customer counts as churned after {ctx.inactivity_days} days without an order. "
        "Kaplan-Meier curve of time to churn; MBG/NBD gives each current customer's "
        f"probability of churning within {ctx.horizon_days} days under that rule (exactly 0 "
        "for customers who cannot reach the inactivity window in time)."
    )
    amount = ctx.log.amount_col if ctx.has_amounts else None
    table = survival_table(ctx.log, amount_col=amount, inactivity_days=ctx.inactivity_days)
    churned = int(table["churned"].sum())
    s.para(
        f"{churned:,} of {len(table):,} customers ({churned / len(table):.1%}) have churned "
        f"by this definition."
    )
    km = kaplan_meier(table)
    s.chart(lambda ax: plot_survival(km, ax=ax), "Kaplan-Meier survival", size=(7.0, 3.6))
    if churned == 0:
        raise _Skip(
            "no churned customers yet: nothing to rank against or to check a ranking on "
            "(use a longer log or a shorter inactivity window)"
        )
    summary = customer_summary(ctx.log, period="D")
    alerts = early_warning(
        ModifiedBetaGeo.fit(summary),
        table,
        summary=summary,
        horizon_days=ctx.horizon_days,
        inactivity_days=ctx.inactivity_days,
    )
    s.table(
        "early_warning",
        alerts.table,
        f"Customers most at risk of churning within {ctx.horizon_days} days",
        rows=25,
    )
    s.tables["survival_table"] = table
    s.chart(
        lambda ax: plot_risk_distribution(alerts, ax=ax), "churn risk distribution", size=(7, 3.2)
    )
    cutoff = ctx.log.latest - pd.Timedelta(days=ctx.horizon_days)
    try:
        evaluation = evaluate_early_warning(
            ctx.log,
            cutoff=cutoff,
            horizon_days=ctx.horizon_days,
            inactivity_days=ctx.inactivity_days,
            top_k=[100],
        )
    except DataError as exc:  # a log too short to hold a cutoff and its horizon
        s.para(f"No out-of-time check of the ranking: {exc}")
        return
    s.table(
        "early_warning_evaluation",
        evaluation.to_frame(),
        f"Out of time: scored at {cutoff:%Y-%m-%d} with only the orders up to then, checked "
        f"{ctx.horizon_days} days later, beside the baselines a user would try",
        rows=4,
    )
    s.chart(lambda ax: plot_calibration(evaluation, ax=ax), "calibration", size=(5.0, 4.0))
    s.chart(lambda ax: plot_lift(evaluation, ax=ax), "lift vs baselines", size=(6.0, 4.0))


def _clv(ctx: _Context, s: _Section) -> None:
    from growthkit.clv import BetaGeo, GammaGamma, customer_lifetime_value
    from growthkit.plotting import plot_clv_distribution, plot_probability_alive_matrix
    from growthkit.summary import customer_summary

    s.intro = (
        "BG/NBD (Fader, Hardie & Lee 2005) for the number of future purchases and "
        "Gamma-Gamma (Fader, Hardie & Lee 2005b) for their value, combined into a "
        f"{ctx.horizon_months}-month CLV discounted at 1 % a month. Time unit: days."
    )
    amount = ctx.log.amount_col if ctx.has_amounts else None
    summary = customer_summary(ctx.log, amount_col=amount, period="D")
    if int((summary["frequency"] > 0).sum()) < 2:
        raise _Skip("fewer than two customers bought twice: no purchase model can be fitted")
    bg = BetaGeo.fit(summary)
    params = [bg.summary().assign(model="BG/NBD")]
    f, r, t = (summary[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T"))
    out = summary.copy()
    out["probability_alive"] = bg.probability_alive(f, r, t)
    out["expected_purchases_90d"] = bg.expected_purchases(90.0, f, r, t)
    value_model: Any = None
    if amount is not None:
        repeat = summary.loc[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        if len(repeat) >= 2:
            value_model = GammaGamma.fit(repeat["frequency"], repeat["monetary_value"])
            params.append(value_model.summary().assign(model="Gamma-Gamma"))
            out["expected_average_value"] = value_model.expected_average_value(
                f, summary["monetary_value"].to_numpy(dtype=np.float64)
            )
        else:
            s.notes.append("Too few repeat buyers with spend for Gamma-Gamma: CLV is omitted.")
    s.table("clv_parameters", pd.concat(params), "Fitted parameters (95 % Wald intervals)")
    if value_model is not None:
        clv = customer_lifetime_value(
            bg, value_model, summary, horizon_months=ctx.horizon_months, time_unit_days=1.0
        )
        out["clv"] = clv.to_numpy()
        out = _descending(out, "clv")
        total = float(out["clv"].sum())
        s.para(
            f"Expected value of the next {ctx.horizon_months} months over all "
            f"{len(out):,} customers: {total:,.2f} (mean {total / len(out):,.2f})."
        )
        s.table("clv_customers", out, "Customers with the highest CLV", rows=25)
        s.chart(
            lambda ax: plot_clv_distribution(out["clv"], ax=ax), "CLV distribution", size=(7, 3.4)
        )
    else:
        out = _descending(out, "expected_purchases_90d")
        s.table("clv_customers", out, "Customers with the most expected purchases", rows=25)
    s.chart(
        lambda ax: plot_probability_alive_matrix(bg, T=float(np.median(t)), ax=ax),
        "probability alive matrix",
        size=(7.0, 4.6),
    )


def _descending(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows by ``column``, largest first (by position: the index may share the name)."""
    key = frame[column].to_numpy(dtype=np.float64)
    return frame.iloc[np.argsort(-key, kind="stable")]


def _campaign(ctx: _Context, s: _Section) -> None:
    from growthkit.campaigns import campaign_section

    if not ctx.has_amounts or ctx.campaign is None:
        raise _Skip("the campaign evaluation needs order values (an amount column)")
    sec = campaign_section(
        ctx.log,
        ctx.campaign,
        send_date=ctx.send_date,
        window_days=ctx.campaign_window_days,
        cost=ctx.campaign_cost,
        customer_col=ctx.log.customer_col,
    )
    s.intro = sec.intro
    for text in sec.paragraphs:
        s.para(text)
    for name, frame, caption in sec.tables:
        s.table(name, frame, caption)
    for draw, alt, size in sec.charts:
        s.chart(draw, alt, size=size)


def _events(ctx: _Context, s: _Section) -> None:
    from growthkit.funnel import report_section

    if ctx.events is None:
        raise _Skip("no event log given")
    sec = report_section(ctx.events, steps=ctx.funnel_steps, window=ctx.funnel_window)
    s.intro = sec.intro
    for name, (caption, frame) in sec.tables().items():
        s.table(name, frame, caption)
    for draw, alt, size in sec.charts():
        s.chart(draw, alt, size=size)


_STEPS: dict[str, tuple[str, Callable[[_Context, _Section], None]]] = {
    "data_quality": ("growthkit.plotting", _data_quality),
    "growth": ("growthkit.cohort", _growth),
    "cohorts": ("growthkit.cohort", _cohorts),
    "rfm": ("growthkit.rfm", _rfm),
    "churn": ("growthkit.churn", _churn),
    "clv": ("growthkit.clv", _clv),
    "campaign": ("growthkit.campaigns", _campaign),
    "events": ("growthkit.funnel", _events),
}


def _run(key: str, title: str, ctx: _Context) -> _Section:
    module, step = _STEPS[key]
    s = _Section(key, title, charts=ctx.charts)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            step(ctx, s)
        except _Skip as exc:
            s.skipped, s.blocks, s.tables = True, [], {}
            s.notes.append(f"Skipped: {exc}.")
        except ImportError as exc:
            s.skipped, s.blocks, s.tables = True, [], {}
            s.notes.append(f"Skipped: {module} is not available in this installation ({exc}).")
        except GrowthkitError as exc:
            s.skipped, s.blocks, s.tables = True, [], {}
            s.notes.append(f"Skipped: {type(exc).__name__}: {exc}")
        except Exception as exc:  # one failing section must not sink the rest
            s.skipped, s.blocks, s.tables = True, [], {}
            s.notes.append(f"Failed ({type(exc).__name__}: {exc}); please report this bug.")
    for w in caught:
        if issubclass(w.category, GrowthkitWarning):
            s.notes.append(f"Warning: {w.message}")
    s.seconds = time.perf_counter() - started
    return s


# --------------------------------------------------------------------------------------
# page

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
margin:0;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 6px;
border-bottom:2px solid #0072B2;padding-bottom:4px}
.meta{color:#5b6577;margin:0 0 12px}nav ol{columns:2;margin:8px 0 0}
.note{background:#fff7e0;border-left:4px solid #E69F00;padding:6px 10px;margin:8px 0}
.skipped h2{border-color:#aaa;color:#666}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 4px;display:block;
overflow-x:auto;max-width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #e3e6eb;text-align:right;white-space:nowrap}
thead th{background:#eef2f7;position:sticky;top:0}tbody th{text-align:left;font-weight:600}
figure{margin:14px 0}figcaption{font-weight:600;margin-bottom:4px}
img{max-width:100%;height:auto;border:1px solid #eceff3}
footer{color:#5b6577;font-size:12px;margin-top:40px}
"""


def _page(title: str, ctx: _Context, sections: list[_Section], seconds: float) -> str:
    from growthkit import __version__

    nav = "".join(
        f"<li><a href='#{s.key}'>{html.escape(s.title)}</a>{' (skipped)' if s.skipped else ''}</li>"
        for s in sections
    )
    body = []
    for s in sections:
        notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in s.notes)
        intro = f"<p>{html.escape(s.intro)}</p>" if s.intro and not s.skipped else ""
        body.append(
            f"<section id='{s.key}' class='{'skipped' if s.skipped else 'ok'}'>"
            f"<h2>{html.escape(s.title)}</h2>{intro}{notes}{''.join(s.blocks)}</section>"
        )
    log = ctx.log
    meta = (
        f"{html.escape(ctx.source)} · {log.n_rows:,} orders · {log.n_customers:,} customers · "
        f"observation end {log.latest} · period {ctx.period}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{html.escape(title)}</h1><p class='meta'>{meta}</p>"
        f"<nav><ol>{nav}</ol></nav>{''.join(body)}"
        f"<footer>growthkit {__version__} · built in {seconds:.1f} s · "
        "tables as CSV in this folder</footer></main></body></html>"
    )


def _stderr_progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build_report(
    tx: pd.DataFrame | Transactions,
    *,
    out_dir: str | Path,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    period: Literal["D", "W", "M", "Q", "Y"] = "M",
    inactivity_days: int = 90,
    horizon_days: int = 30,
    horizon_months: int = 12,
    title: str = "growthkit report",
    source: str | None = None,
    charts: bool = True,
    progress: bool | Progress = False,
    campaign: pd.DataFrame | None = None,
    send_date: object = None,
    campaign_window_days: int = 30,
    campaign_cost: float | None = None,
    events: pd.DataFrame | None = None,
    funnel_steps: Sequence[str] | None = None,
    funnel_window: object = "30D",
) -> Path:
    """Run the whole pipeline on an order log and write an HTML report plus CSV tables.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`.
    out_dir
        Directory to write ``report.html`` and the ``*.csv`` tables into (created if
        missing; checked before any work). Files of the same names are replaced (a
        symbolic link is replaced by the file, its target is left alone), and tables of
        an earlier run that this run does not write are removed; other files are kept.
    customer_col, time_col, amount_col
        Column names; ``amount_col=None`` for a log without order values (the RFM section
        and the spend model are then skipped).
    period
        Calendar period of the growth-accounting and cohort tables.
    inactivity_days
        Days without an order after which a customer counts as churned.
    horizon_days
        Horizon of the early-warning churn probability.
    horizon_months
        Horizon of the customer lifetime value.
    title
        Page title.
    source
        Description of where the data came from, shown in the header.
    charts
        Draw the charts (needs matplotlib, the ``plot`` extra); ``False`` writes the tables
        only, which is faster.
    progress
        ``True`` prints one line per section to stderr; a callable receives those lines.
    campaign
        A campaign assignment (``customer_col``, ``arm`` = ``"treatment"`` /
        ``"holdout"``, optionally ``segment`` and ``send_date``): adds the campaign
        section (:func:`growthkit.campaigns.campaign_section`) and its tables
        ``campaign_effects``, ``campaign_segments``.
    send_date, campaign_window_days, campaign_cost
        The campaign's send date (else its ``send_date`` column), evaluation window in
        days and cost (for the ROI).
    events
        An event log (``user_id``, ``timestamp``, ``event`` columns, or a prepared
        :class:`~growthkit.funnel.Events`): adds the events section
        (:func:`growthkit.funnel.report_section`: funnel, activity, top paths) and its
        tables ``funnel``, ``activity``, ``paths``.
    funnel_steps, funnel_window
        The funnel's steps (by default the events in the order they first occur) and its
        conversion window.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.

    Raises
    ------
    SchemaError, DataError
        The order log itself is invalid (see :func:`~growthkit.prepare_transactions`), or
        an option is, or ``out_dir`` cannot be written. Problems inside one section are
        reported in that section instead.

    Notes
    -----
    Every table is written as ``<name>.csv``: ``data_quality``, ``growth_accounting``,
    ``cohort_counts``, ``cohort_retention``, ``rfm_segments``, ``rfm_customers``,
    ``survival_table``, ``early_warning``, ``clv_parameters``, ``clv_customers`` (those of
    skipped sections are missing). Text cells that begin with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return get a leading ``'`` so that a spreadsheet does not run
    them as formulas; numbers are written unchanged. Charts are PNG images embedded in the HTML as
    ``data:`` URIs, so the page needs no network and no other file to display.

    Examples
    --------
    >>> import tempfile
    >>> import growthkit as gk
    >>> from growthkit.report import build_report
    >>> out = tempfile.mkdtemp()
    >>> path = build_report(gk.datasets.load_cdnow(), out_dir=out)
    >>> path.name, (path.parent / "growth_accounting.csv").exists()
    ('report.html', True)
    """
    period = v.check_period(period)
    inactivity_days = v.check_positive_int("inactivity_days", inactivity_days)
    horizon_days = v.check_positive_int("horizon_days", horizon_days)
    horizon_months = v.check_positive_int("horizon_months", horizon_months)
    campaign_window_days = v.check_positive_int("campaign_window_days", campaign_window_days)
    say: Progress | None = (
        _stderr_progress if progress is True else (progress if callable(progress) else None)
    )
    out = check_out_dir(out_dir)
    started = time.perf_counter()
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    ctx = _Context(
        log=log,
        source=source or "order log",
        period=period,
        inactivity_days=inactivity_days,
        horizon_days=horizon_days,
        horizon_months=horizon_months,
        has_amounts=log.amounts is not None,
        charts=bool(charts),
        campaign=campaign,
        send_date=send_date,
        campaign_window_days=campaign_window_days,
        campaign_cost=campaign_cost,
        events=events,
        funnel_steps=funnel_steps,
        funnel_window=funnel_window,
    )
    steps = (
        *SECTIONS,
        *((CAMPAIGN_SECTION,) if campaign is not None else ()),
        *((EVENTS_SECTION,) if events is not None else ()),
    )
    sections = []
    for i, (key, name) in enumerate(steps, start=1):
        if say is not None:
            say(f"[{i}/{len(steps)}] {name} ...")
        s = _run(key, name, ctx)
        if say is not None:
            state = "skipped" if s.skipped else "done"
            say(f"[{i}/{len(steps)}] {name}: {state} in {s.seconds:.1f} s")
        sections.append(s)
    out.mkdir(parents=True, exist_ok=True)
    written = {name: frame for s in sections for name, frame in s.tables.items()}
    for name, frame in written.items():
        write_csv(frame, out / f"{name}.csv")
    for name in TABLES + CAMPAIGN_TABLES + EVENTS_TABLES:  # a table of an earlier run would mislead
        stale = out / f"{name}.csv"
        if name not in written and (stale.is_symlink() or stale.is_file()):
            stale.unlink()
    page = _page(title, ctx, sections, time.perf_counter() - started)
    path = out / "report.html"
    write_text(path, page)
    return path
