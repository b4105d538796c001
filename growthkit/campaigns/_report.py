"""The campaign section of ``python -m growthkit report``, built without the report's internals.

:func:`campaign_section` returns plain content (text, tables, chart callables) that
:mod:`growthkit.report` lays out like its other sections, so this module never imports the
report (no cycle) and the section can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions
from growthkit.campaigns._evaluate import evaluate_campaign

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ReportSection", "campaign_section"]


@dataclass(frozen=True, slots=True, eq=False)
class ReportSection:
    """Content of one report section.

    Attributes
    ----------
    title, intro
        Heading and the sentence under it.
    paragraphs
        Text paragraphs, in order.
    tables
        ``(name, frame, caption)``: written as ``name.csv`` and shown.
    charts
        ``(draw, alt, size)``: ``draw(ax)`` renders the chart on ``ax``; ``size`` in inches.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.campaigns import campaign_section
    >>> sim = gk.datasets.simulate_campaign(2_000, seed=1)
    >>> frame = sim.assignment[["customer_id", "arm"]].assign(send_date="2024-06-01")
    >>> sec = campaign_section(sim.orders, frame)
    >>> sec.paragraphs[0].startswith("1,601 customers contacted on 2024-06-01")
    True
    """

    title: str
    intro: str
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[str, pd.DataFrame, str], ...]
    charts: tuple[tuple[Callable[[Axes], object], str, tuple[float, float]], ...]


def _send_date(assignment: pd.DataFrame, send_date: object) -> object:
    if send_date is not None:
        return send_date
    if "send_date" not in assignment.columns:
        raise v.data_error(
            "send_date",
            "is not given and the assignment has no send_date column",
            len(assignment),
            "Pass --send-date (or send_date=...), or add a send_date column.",
        )
    dates = pd.Series(assignment["send_date"]).dropna().unique()
    if len(dates) != 1:
        raise v.data_error(
            "send_date",
            f"column holds {len(dates)} distinct dates, not one",
            len(assignment),
            "One assignment file per campaign; or pass --send-date.",
        )
    return dates[0]


def campaign_section(
    tx: pd.DataFrame | Transactions,
    assignment: pd.DataFrame,
    *,
    send_date: object = None,
    window_days: int = 30,
    cost: float | None = None,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    arm_col: str = "arm",
    segment_col: str | None = None,
) -> ReportSection:
    """Build the campaign section: effects, incremental revenue and ROI, by segment.

    Parameters
    ----------
    tx
        The order log (DataFrame or prepared ``Transactions``) with amounts.
    assignment
        The campaign assignment file's rows: ``customer_col``, ``arm_col``
        (``"treatment"`` / ``"holdout"``) and optionally ``segment_col`` and a
        ``send_date`` column (one date).
    send_date
        The send date; read from the ``send_date`` column when ``None``.
    window_days, cost
        As in :func:`evaluate_campaign`.
    customer_col, time_col, amount_col, arm_col, segment_col
        Columns; ``segment_col`` defaults to ``"segment"`` when the assignment has it.

    Returns
    -------
    ReportSection

    Raises
    ------
    DataError, SchemaError
        As :func:`evaluate_campaign`; no send date given or found.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.campaigns import campaign_section
    >>> sim = gk.datasets.simulate_campaign(2_000, seed=1)
    >>> sec = campaign_section(sim.orders, sim.assignment, send_date=sim.send_date)
    >>> sec.title, [name for name, _, _ in sec.tables]
    ('Campaign evaluation', ['campaign_effects', 'campaign_segments'])
    """
    if not isinstance(assignment, pd.DataFrame):
        raise v.schema_error(
            "assignment", f"must be a DataFrame, got {type(assignment).__name__}", 1
        )
    segment = segment_col
    if segment is None and "segment" in assignment.columns:
        segment = "segment"
    ev = evaluate_campaign(
        tx,
        assignment,
        send_date=_send_date(assignment, send_date),
        window_days=window_days,
        cost=cost,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        arm_col=arm_col,
        segment_col=segment,
    )
    level = f"{100 * (1 - ev.alpha):g}%"
    low, high = ev.incremental_revenue_ci
    paragraphs = [
        f"{ev.n_treated:,} customers contacted on {ev.send_date.date()}, {ev.n_holdout:,} "
        f"held out at random. Over the next {ev.window_days} days the campaign won back "
        f"{ev.incremental_winbacks:,.0f} more customers than the holdout rate predicts and "
        f"brought {ev.incremental_revenue:,.2f} of incremental revenue ({level} CI "
        f"{low:,.2f} to {high:,.2f}).",
    ]
    if ev.roi is not None and ev.roi_ci is not None:
        paragraphs.append(
            f"At a cost of {ev.cost:,.2f} the return on investment is {ev.roi:.1%} "
            f"({level} CI {ev.roi_ci[0]:.1%} to {ev.roi_ci[1]:.1%})."
        )
    tables = [("campaign_effects", ev.to_frame(), "Treatment vs holdout, per metric")]
    if ev.by_segment is not None:
        tables.append(("campaign_segments", ev.by_segment.copy(), "Effects by segment"))
    return ReportSection(
        title="Campaign evaluation",
        intro=(
            "Win-back rate (share of customers with an order in the window), orders and "
            "revenue per customer, treatment vs holdout, with confidence intervals."
        ),
        paragraphs=tuple(paragraphs),
        tables=tuple(tables),
        charts=((lambda ax: ev.plot(ax=ax), "campaign effects", (7.0, 3.2)),),
    )
