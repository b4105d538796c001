"""Per-customer frequency / recency / T / monetary summaries (the BTYD inputs).

The definitions are those of the buy-till-you-die literature (Fader, Hardie & Lee 2005) and
of the ``lifetimes`` package:

- purchases are counted once per purchase period: several orders on one day (or, with
  ``calendar=True``, in one calendar period) are one purchase whose value is their sum;
- ``frequency`` = number of purchase periods minus one (the repeat purchases);
- ``recency`` = time from the first to the last purchase;
- ``T`` = time from the first purchase to ``observation_end``;
- ``monetary_value`` = mean value of the repeat purchases (0 when ``frequency`` is 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._engine import PerCustomer, Spec, run
from growthkit._prepare import Transactions
from growthkit.errors import DataError

__all__ = ["calibration_holdout_summary", "customer_summary"]

# Mean Gregorian lengths in days: BTYD models run in continuous time, so a "month" of
# recency is 365.2425 / 12 days whatever the calendar month.
PERIOD_DAYS: dict[str, float] = {
    "D": 1.0,
    "W": 7.0,
    "M": 365.2425 / 12.0,
    "Q": 365.2425 / 4.0,
    "Y": 365.2425,
}


def _period_code(period: v.Period, calendar: bool) -> int:
    """Kernel code of the purchase-period grain: calendar periods, or days (Fader-Hardie)."""
    from growthkit._kernels.periods import PERIOD_CODES

    return PERIOD_CODES[period if calendar else "D"]


def _unit(period: v.Period, calendar: bool) -> float:
    """Length of one summary time unit, in purchase-period keys."""
    return 1.0 if calendar else PERIOD_DAYS[period]


def _end_key(log: Transactions, ticks: int, code: int) -> int:
    from growthkit._kernels.periods import period_keys

    return int(period_keys(np.array([ticks], dtype=np.int64), log.ticks_per_day, code)[0])


def _distinct_summary(
    log: Transactions,
    code: int,
    window: tuple[int, int] = (np.iinfo(np.int64).min, np.iinfo(np.int64).max),
) -> npt.NDArray[np.float64]:
    """Per-customer state ``[first, last, distinct, total, first_total]`` (customers x 5).

    First/last are period keys (``-inf`` for customers without orders in the window),
    ``distinct`` the number of purchase periods, ``total`` the value of every order and
    ``first_total`` that of the first period. Only orders with ticks in ``window``
    (inclusive) count; the rows are not copied.
    """
    from growthkit._kernels import aggregate as agg
    from growthkit._kernels.periods import period_keys

    codes, ticks, amounts = log.codes, log.ticks, log.amounts
    lo_tick, hi_tick = window
    amt = np.empty(0, dtype=np.float64) if amounts is None else amounts
    tpd = log.ticks_per_day
    row_dtype = np.int32 if ticks.shape[0] < 2**31 else np.int64
    state = np.empty((log.n_customers, 5), dtype=np.float64)
    empty = np.empty(0, row_dtype)
    if not agg.period_summary_state(codes, ticks, tpd, code, amt, empty, state, lo_tick, hi_tick):
        # Some customer's orders are out of time order: visit the rows sorted by period.
        lo, hi, _ = agg.period_bounds(ticks, tpd, code)
        size = int(hi) - int(lo) + 1
        if size <= 4 * ticks.shape[0] + 4096:
            order = np.empty(ticks.shape[0], dtype=row_dtype)
            agg.counting_order_periods(ticks, tpd, code, lo, size, order)
        else:
            order = np.argsort(period_keys(ticks, tpd, code), kind="stable").astype(row_dtype)
        agg.period_summary_state(codes, ticks, tpd, code, amt, order, state, lo_tick, hi_tick)
    return state


def customer_summary(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    observation_end: object = None,
    period: v.Period = "D",
    calendar: bool = False,
) -> pd.DataFrame:
    """Summarise an order log into BTYD ``frequency``, ``recency``, ``T``, ``monetary_value``.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`.
    customer_col, time_col, amount_col
        Column names; ``monetary_value`` is computed only when ``amount_col`` is given.
    observation_end
        End of the observation window; defaults to the latest order time. Orders after it
        raise :class:`~growthkit.DataError`.
    period
        Time unit of ``recency`` and ``T``: ``"D"`` (days), ``"W"`` (weeks of 7 days),
        ``"M"``, ``"Q"``, ``"Y"`` (mean Gregorian months, quarters and years:
        30.436875, 91.310625 and 365.2425 days).
    calendar
        ``False`` (default, the Fader-Hardie convention): purchases are counted on distinct
        calendar days and durations are day differences divided by the unit's length, so
        ``period="W"`` gives fractional weeks, exactly the published CDNOW summary.
        ``True`` (the ``lifetimes`` ``freq=`` convention): purchases are counted on distinct
        calendar periods (weeks start Monday) and durations are whole periods.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), columns ``frequency`` (int64), ``recency``, ``T``
        (float64) and ``monetary_value`` (float64, only with ``amount_col``).

    Raises
    ------
    SchemaError, DataError
        Bad input; see :func:`~growthkit.prepare_transactions`.

    Notes
    -----
    With purchases counted per period ``p_1 < ... < p_k`` and values ``z_1..z_k`` (sums of
    the orders in each period): ``frequency = k - 1``, ``recency = p_k - p_1``,
    ``T = end - p_1`` and ``monetary_value = (z_2 + ... + z_k) / (k - 1)``, as in Fader,
    Hardie & Lee (2005), section 2, and Fader & Hardie (2013).

    One kernel pass over the rows in time order (a counting sort by day when the log is
    not already sorted) computes every column.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> import growthkit as gk
    >>> tx = gk.datasets.load_cdnow()
    >>> calibration = tx[tx["timestamp"] <= "1997-09-30"]
    >>> s = gk.customer_summary(calibration, amount_col="amount", period="W",
    ...                         observation_end="1997-09-30")
    >>> s.loc[1].round(2).tolist()
    [2.0, 30.43, 38.86, 22.35]
    """
    return cast(pd.DataFrame, run(SUMMARY, tx, locals()))


def _check_summary_args(arguments: dict[str, Any], tx: object) -> dict[str, Any]:
    """The arguments of :func:`customer_summary` / :func:`calibration_holdout_summary`."""
    args = dict(arguments)
    args["period"] = v.check_period(args["period"])
    return args


def _summary_partials(log: Transactions, args: dict[str, Any]) -> PerCustomer:
    """Per-customer purchase-period state and the period key of ``observation_end``."""
    _, end_ticks = log.observation_end(args["observation_end"])
    code = _period_code(args["period"], args["calendar"])
    state = _distinct_summary(log, code)
    context = {"end": _end_key(log, end_ticks, code), "amounts": log.amounts is not None}
    return PerCustomer(log.customers, {"state": state}, context)


def _finish_summary(parts: PerCustomer, args: dict[str, Any]) -> pd.DataFrame:
    unit = _unit(args["period"], args["calendar"])
    return _frame(parts.customers, parts.columns["state"], parts.context, unit)


def _frame(
    customers: pd.Index,
    state: npt.NDArray[np.float64],
    context: Mapping[str, Any],
    unit: float,
) -> pd.DataFrame:
    """The summary frame; the columns are computed by a nogil kernel and not copied again.

    Only the index and the frame itself are built under the GIL, so calls from a thread
    pool run in parallel.
    """
    from growthkit._kernels.aggregate import summary_columns

    n = state.shape[0]
    amounts = bool(context["amounts"])
    frequency = np.empty(n, dtype=np.int64)
    out = np.empty((3 if amounts else 2, n), dtype=np.float64)
    summary_columns(state, float(context["end"]), unit, frequency, out)
    columns: dict[str, npt.NDArray[np.generic]] = {
        "frequency": frequency,
        "recency": out[0],
        "T": out[1],
    }
    if amounts:
        columns["monetary_value"] = out[2]
    # copy=False: the arrays are ours alone, and pandas then keeps one block per column
    # instead of stacking the float columns into a new 2-D block.
    return pd.DataFrame(columns, index=customers.copy(), copy=False)


def calibration_holdout_summary(
    tx: pd.DataFrame | Transactions,
    *,
    calibration_end: object,
    observation_end: object = None,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    period: v.Period = "D",
    calendar: bool = False,
) -> pd.DataFrame:
    """Split a log at ``calibration_end``: the calibration summary plus holdout behaviour.

    Orders at or before ``calibration_end`` form the calibration period, orders after it
    (up to ``observation_end``) the holdout. Only customers with a calibration order appear.

    Parameters
    ----------
    tx
        Order log or prepared :class:`~growthkit.Transactions`.
    calibration_end
        Last moment of the calibration period.
    observation_end
        End of the holdout period; defaults to the latest order time.
    customer_col, time_col, amount_col, period, calendar
        As in :func:`customer_summary`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id: ``frequency``, ``recency``, ``T`` (``T`` runs to
        ``calibration_end``), ``monetary_value`` (with amounts), then
        ``frequency_holdout`` (purchase periods in the holdout), ``monetary_value_holdout``
        (their mean value, 0 without holdout purchases; with amounts) and
        ``duration_holdout`` (holdout length in ``period`` units).

    Raises
    ------
    DataError
        ``calibration_end`` is not before ``observation_end``, or no order falls in the
        calibration period; plus the input checks of :func:`customer_summary`.

    Examples
    --------
    >>> import growthkit as gk
    >>> s = gk.calibration_holdout_summary(gk.datasets.load_cdnow(), period="W",
    ...     calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> s.loc[1].round(2).tolist()
    [2.0, 30.43, 38.86, 1.0, 39.0]
    """
    return cast(pd.DataFrame, run(CALIBRATION_HOLDOUT, tx, locals()))


def _holdout_partials(log: Transactions, args: dict[str, Any]) -> PerCustomer:
    """Per-customer calibration and holdout state, with the periods' end keys."""
    obs_stamp, obs_ticks = log.observation_end(args["observation_end"])
    cal_stamp = v.resolve_observation_end(
        args["calibration_end"], tz=log.tz, name="calibration_end"
    )
    cal_ticks = log.to_ticks(cal_stamp)
    if cal_ticks >= obs_ticks:
        raise DataError(
            v.message(
                "calibration_end",
                f"({cal_stamp}) must be before observation_end ({obs_stamp})",
                1,
            )
        )
    code = _period_code(args["period"], args["calendar"])
    cal = _distinct_summary(log, code, (np.iinfo(np.int64).min, cal_ticks))
    hold = _distinct_summary(log, code, (cal_ticks + 1, np.iinfo(np.int64).max))
    context = {
        "end": _end_key(log, cal_ticks, code),
        "observation_end": _end_key(log, obs_ticks, code),
        "calibration_end": cal_stamp,
        "amounts": log.amounts is not None,
    }
    return PerCustomer(log.customers, {"cal": cal, "hold": hold}, context)


def _finish_holdout(parts: PerCustomer, args: dict[str, Any]) -> pd.DataFrame:
    cal, hold, context = parts.columns["cal"], parts.columns["hold"], parts.context
    present = cal[:, 2] > 0
    if not present.any():
        raise DataError(
            v.message(
                args["time_col"],
                f"has no orders at or before calibration_end ({context['calibration_end']})",
                0,
                "Pass a later calibration_end.",
            )
        )
    unit = _unit(args["period"], args["calendar"])
    frame = _frame(parts.customers, cal, context, unit)
    hold_distinct = hold[:, 2].astype(np.int64)
    frame["frequency_holdout"] = hold_distinct
    if context["amounts"]:
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["monetary_value_holdout"] = np.where(
                hold_distinct > 0, hold[:, 3] / np.maximum(hold_distinct, 1), 0.0
            )
    frame["duration_holdout"] = (context["observation_end"] - context["end"]) / unit
    return frame.loc[present]


SUMMARY = Spec(customer_summary, _check_summary_args, _summary_partials, _finish_summary)
CALIBRATION_HOLDOUT = Spec(
    calibration_holdout_summary, _check_summary_args, _holdout_partials, _finish_holdout
)
