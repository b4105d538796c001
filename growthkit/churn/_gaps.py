"""Survival models on the inter-purchase clock: the time from an order to the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions, as_transactions
from growthkit.churn._checks import MODEL_KINDS, ModelKind, check_covariates
from growthkit.churn._regression import ChurnModel, check_penalizer, fit_frame
from growthkit.errors import DataError

__all__ = ["fit_gap_model", "fit_gaps", "gap_rows", "sub_log"]


def sub_log(log: Transactions, end_ticks: int) -> tuple[Transactions, npt.NDArray[np.bool_]]:
    """Keep the orders up to ``end_ticks`` and every customer code (some without orders)."""
    keep = log.ticks <= end_ticks
    amounts = None if log.amounts is None else log.amounts[keep]
    sub = replace(log, codes=log.codes[keep], ticks=log.ticks[keep], amounts=amounts)
    present = np.bincount(sub.codes, minlength=log.n_customers) > 0
    return sub, present


def gap_rows(log: Transactions, end_day: int) -> pd.DataFrame:
    """One row per order day of each customer, up to day ``end_day``.

    Columns: ``customer`` (code), ``duration`` (days to the customer's next order day, or
    to ``end_day`` for the last one), ``event`` (1.0 when a next order was seen), and the
    history on that day, defined as in :func:`~growthkit.churn.survival_table`:
    ``orders`` (order rows so far), ``mean_gap_days`` (``(day - first) / (orders - 1)``,
    0.0 for one order) and, with amounts, ``spend`` (total so far). A customer's last row
    therefore carries exactly the survival table's covariates and ``days_since_last``.
    """
    day = log.ticks // log.ticks_per_day
    keep = day <= end_day
    codes = log.codes[keep].astype(np.int64)
    day = day[keep]
    order = np.lexsort((day, codes))
    codes, day = codes[order], day[order]
    new = np.ones(codes.shape[0], dtype=bool)
    new[1:] = (codes[1:] != codes[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new)
    g_code, g_day = codes[starts], day[starts]
    counts = np.diff(np.append(starts, codes.shape[0]))
    first_row = np.ones(g_code.shape[0], dtype=bool)
    first_row[1:] = g_code[1:] != g_code[:-1]
    customer_start = np.maximum.accumulate(np.where(first_row, np.arange(g_code.shape[0]), 0))
    total = np.cumsum(counts)
    orders = total - (total - counts)[customer_start]
    first_day = g_day[customer_start]
    last_row = np.ones(g_code.shape[0], dtype=bool)
    last_row[:-1] = g_code[1:] != g_code[:-1]
    next_day = np.append(g_day[1:], 0)
    duration = np.where(last_row, end_day - g_day, next_day - g_day)
    columns: dict[str, npt.NDArray[np.generic]] = {
        "customer": g_code,
        "duration": duration.astype(np.float64),
        "event": (~last_row).astype(np.float64),
        "orders": orders.astype(np.float64),
        "mean_gap_days": np.where(
            orders > 1, (g_day - first_day) / np.maximum(orders - 1, 1), 0.0
        ).astype(np.float64),
    }
    if log.amounts is not None:
        spend = np.add.reduceat(log.amounts[keep][order], starts) if starts.size else starts
        cum = np.cumsum(spend)
        columns["spend"] = (cum - (cum - spend)[customer_start]).astype(np.float64)
    return pd.DataFrame(columns)


def fit_gap_model(
    tx: pd.DataFrame | Transactions,
    *,
    model: ModelKind = "coxph",
    covariates: Sequence[str] | None = None,
    observation_end: object = None,
    penalizer: float = 0.0,
    compress: bool = True,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
) -> ChurnModel:
    r"""Fit a Cox or AFT model of the time between orders (the inter-purchase clock).

    Each customer contributes one row per order day: the days to the next order day (an
    event) or, after the last order, the days to ``observation_end`` (censored). The
    covariates describe the history on the day of the order, with the definitions of
    :func:`~growthkit.churn.survival_table`, so a fitted model scores a survival table
    directly: the table's last gap is ``days_since_last`` with the table's covariates.

    Parameters
    ----------
    tx
        Order log (one row per order) or prepared transactions.
    model
        ``"coxph"``, ``"weibull"`` or ``"lognormal"`` (as :func:`fit_churn_model`).
    covariates
        History columns: ``orders``, ``mean_gap_days`` and (with ``amount_col``) ``spend``;
        all of them by default.
    observation_end
        End of observation; orders after it raise. Defaults to the latest order.
    penalizer, compress
        As in :func:`fit_churn_model` (compression merges identical censored rows for
        Cox, identical rows for AFT; the fit is unchanged).
    customer_col, time_col, amount_col
        Column names.

    Returns
    -------
    ChurnModel
        With ``clock="gap"``: ``churn_probability`` and
        :func:`~growthkit.churn.early_warning` give the churn rule's probability
        ``1[d + h > k] S(k + 1 | x) / S(d | x)``.

    Raises
    ------
    SchemaError, DataError
        Bad log or covariates (as :func:`fit_churn_model`), or no customer with two order
        days (no gap was ever observed).

    Notes
    -----
    The event is an order, so Cox coefficients are log hazard ratios of *ordering*
    (negative = slower to come back) and AFT coefficients act on the log time to the next
    order; :meth:`ChurnModel.risk_contributions` turns both into churn-risk drivers.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, fit_gap_model, survival_table
    >>> tx = gk.datasets.load_cdnow()
    >>> gaps = fit_gap_model(tx, model="weibull")
    >>> gaps.clock, gaps.covariates
    ('gap', ('orders', 'mean_gap_days'))
    >>> alerts = early_warning(gaps, survival_table(tx), horizon_days=30, inactivity_days=90)
    >>> alerts.score, int((alerts.table["churn_probability"] > 0).sum())
    ('weibull', 69)
    """
    kind = v.check_choice("model", model, MODEL_KINDS)
    pen = check_penalizer(penalizer)
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    _, end_ticks = log.observation_end(observation_end)
    return fit_gaps(log, end_ticks // log.ticks_per_day, kind, covariates, pen, compress)


def fit_gaps(
    log: Transactions,
    end_day: int,
    kind: ModelKind,
    covariates: Sequence[str] | None,
    penalizer: float,
    compress: bool,
) -> ChurnModel:
    """:func:`fit_gap_model` on a prepared log, observed to the end of day ``end_day``."""
    rows = gap_rows(log, end_day)
    names = check_covariates(rows, covariates)
    if not rows["event"].to_numpy().any():
        raise DataError(
            v.message(
                log.time_col,
                "has no customer with orders on two days, so no gap between orders is observed",
                log.n_rows,
                "Use a longer log.",
            )
        )
    data = rows[[*names, "duration", "event"]]
    n_customers = int(np.unique(rows["customer"].to_numpy()).shape[0])
    return fit_frame(
        data,
        kind=kind,
        names=names,
        penalizer=penalizer,
        compress=compress,
        n_customers=n_customers,
        clock="gap",
    )
