"""The survival table: one row per customer with a duration, a churn flag and covariates."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _blocks, _threads
from growthkit import _validate as v
from growthkit._engine import PerCustomer, Spec, run
from growthkit._prepare import Transactions, period_index

__all__ = ["survival_table"]


def survival_table(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    inactivity_days: int = 90,
    observation_end: object = None,
) -> pd.DataFrame:
    """One row per customer: time to churn (or to censoring), the churn flag, covariates.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`.
    customer_col, time_col, amount_col
        Column names; ``spend`` is added only when ``amount_col`` is given.
    inactivity_days
        A customer has churned when more than this many days separate the last order from
        ``observation_end``. A positive integer.
    observation_end
        End of the observation window; defaults to the latest order time. Orders after it
        raise :class:`~growthkit.DataError`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted, named ``customer_col``), with columns

        - ``duration`` (int64, days): see Notes;
        - ``churned`` (bool): ``days_since_last > inactivity_days``;
        - ``orders`` (int64): number of orders;
        - ``spend`` (float64): total order value (only with ``amount_col``);
        - ``tenure_days`` (int64): first order to ``observation_end``;
        - ``mean_gap_days`` (float64): mean time between consecutive orders,
          ``(last - first) / (orders - 1)``, and 0.0 for one-order customers;
        - ``days_since_last`` (int64): last order to ``observation_end``;
        - ``cohort`` (monthly ``Period``): month of the first order.

    Raises
    ------
    SchemaError, DataError
        Bad input (see :func:`~growthkit.prepare_transactions`), orders after
        ``observation_end``, or ``inactivity_days`` not a positive integer.

    Notes
    -----
    All day counts are differences of calendar days (local wall clock), as in
    :func:`~growthkit.customer_summary` with ``period="D"``. With ``f`` the day of the first
    order, ``l`` the day of the last one, ``e`` the day of ``observation_end`` and
    ``k = inactivity_days``:

    - ``churned = e - l > k``;
    - churned customers: ``duration = (l + k) - f``, the age at which the churn became
      observable (the inactivity window ran out) -- an observed event;
    - everyone else: ``duration = e - f``, right-censored at ``observation_end``.

    Why ``l + k`` rather than ``l``: the event then lives on the same clock as the
    censoring. A customer is churned exactly when ``l + k`` falls before ``e``, so an event
    is observed if and only if it happened before the end of observation, which is what the
    Kaplan-Meier and Cox estimators assume (independent administrative censoring). With
    ``duration = l - f`` for churners, survivors would be credited with up to ``k`` days of
    silence that churners never get, and the fitted survival would be biased upwards.
    Subtract ``k`` from a churner's duration (or from a median lifetime) to read it as the
    time to the last order. Durations are finite and ``>= 0`` (``0`` for a customer whose
    first order falls on the day of ``observation_end``); churners' durations are at least
    ``k``. Customers who lapsed and came back are not churned: only the current
    gap counts.

    Worked example, ``k = 90``, ``observation_end`` = 2024-12-31: a customer who ordered
    on 2024-01-01 and 2024-03-01 is churned (305 days of silence); duration =
    60 + 90 = 150 days (2024-01-01 to 2024-05-30). A customer who ordered on 2024-06-01
    and 2024-11-15 is censored with duration 213 days (2024-06-01 to 2024-12-31).

    The table is computed without a per-row temporary or a pandas date operation: the
    orders are read by blocks of 8192 customers (the log's customer-block layout, kept on a
    prepared log for the next call), each block is folded with its per-customer state in
    the CPU cache, and the columns are written from that state directly (on every usable
    core from 2^20 orders on). Spend is summed in row order.

    Examples
    --------
    >>> import pandas as pd
    >>> from growthkit.churn import survival_table
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 2],
    ...     "timestamp": pd.to_datetime(
    ...         ["2024-01-01", "2024-03-01", "2024-06-01", "2024-11-15"]),
    ... })
    >>> table = survival_table(tx, observation_end="2024-12-31")
    >>> cols = ["duration", "churned", "orders", "days_since_last"]
    >>> table[cols]  # doctest: +NORMALIZE_WHITESPACE
                 duration  churned  orders  days_since_last
    customer_id
    1                 150     True       2              305
    2                 213    False       2               46
    """
    return cast(pd.DataFrame, run(SURVIVAL_TABLE, tx, locals()))


def _check_args(arguments: dict[str, Any], tx: object) -> dict[str, Any]:
    args = dict(arguments)
    args["inactivity_days"] = v.check_positive_int("inactivity_days", args["inactivity_days"])
    return args


def _partials(log: Transactions, args: dict[str, Any]) -> PerCustomer:
    """Every column of the table: each customer's row is complete on its own."""
    _, end_ticks = log.observation_end(args["observation_end"])
    columns = _columns(log, end_ticks, args["inactivity_days"])
    arrays = {f.name: getattr(columns, f.name) for f in fields(columns)}
    if log.amounts is None:
        del arrays["spend"]
    return PerCustomer(log.customers, arrays)


def _finish(parts: PerCustomer, args: dict[str, Any]) -> pd.DataFrame:
    arrays = dict(parts.columns)
    arrays.setdefault("spend", np.empty(0, dtype=np.float64))
    return _Columns(**arrays).frame(parts.customers.copy())


# fold_table keeps 32 bytes per customer: orders, first day, last day, spend.
_STATE_BYTES = 32


def _table(log: Transactions, end_ticks: int, k: int) -> pd.DataFrame:
    """Build the survival table of a prepared log (no validation)."""
    return _columns(log, end_ticks, k).frame(log.customers.copy())


def _columns(log: Transactions, end_ticks: int, k: int) -> _Columns:
    """The survival table's columns of a prepared log, block by customer block."""
    from growthkit._kernels import survival as ks

    n = log.n_customers
    blocks = log.customer_blocks(_blocks.shift_for(_STATE_BYTES, n))
    tpd = log.ticks_per_day
    lo_day = int(log.ticks.min()) // tpd
    month_of = _month_table(lo_day, int(log.ticks.max()) // tpd - lo_day, n)
    amounts = blocks.amounts if blocks.amounts is not None else np.empty(0, dtype=np.float64)
    out = _Columns.empty(n, with_spend=log.amounts is not None)

    def fold(span: range) -> None:
        ks.fold_table(
            blocks.offsets,
            blocks.codes,
            blocks.ticks,
            amounts,
            span.start,
            span.stop,
            blocks.shift,
            tpd,
            lo_day,
            end_ticks // tpd,
            k,
            month_of,
            *out.arrays(),
        )

    threads = _threads.threads_for(log.n_rows)
    _threads.thread_map(fold, blocks.balanced(threads), threads=threads)
    return out


def _month_table(lo_day: int, span: int, n_customers: int) -> npt.NDArray[np.int64]:
    """Month ordinal of each day ``lo_day .. lo_day + span``, or empty for a wide range.

    A calendar conversion per customer costs about as much as the rest of the fold; one
    per day of the range, then a lookup, costs nothing while the range is short.
    """
    if span >= max(n_customers, 1 << 16):
        return np.empty(0, dtype=np.int64)
    days = np.arange(lo_day, lo_day + span + 1, dtype=np.int64)
    months: npt.NDArray[np.int64] = (
        days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    )
    return months


@dataclass(frozen=True, slots=True)
class _Columns:
    """The table's columns, filled in place by the fold kernel."""

    duration: npt.NDArray[np.int64]
    churned: npt.NDArray[np.bool_]
    orders: npt.NDArray[np.int64]
    spend: npt.NDArray[np.float64]
    tenure_days: npt.NDArray[np.int64]
    mean_gap_days: npt.NDArray[np.float64]
    days_since_last: npt.NDArray[np.int64]
    cohort: npt.NDArray[np.int64]

    @classmethod
    def empty(cls, n: int, *, with_spend: bool) -> _Columns:
        i64 = np.int64
        return cls(
            np.empty(n, i64),
            np.empty(n, np.bool_),
            np.empty(n, i64),
            np.empty(n if with_spend else 0, np.float64),
            np.empty(n, i64),
            np.empty(n, np.float64),
            np.empty(n, i64),
            np.empty(n, i64),
        )

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def frame(self, index: pd.Index) -> pd.DataFrame:
        columns: dict[str, npt.ArrayLike] = {}
        for f in fields(self):
            if f.name != "spend" or self.spend.shape[0] == self.orders.shape[0]:
                columns[f.name] = getattr(self, f.name)
        columns["cohort"] = period_index(self.cohort, "M")
        # The arrays are fresh and owned by the frame: copy=False skips pandas'
        # consolidation copy (seconds at millions of customers).
        return pd.DataFrame(columns, index=index, copy=False)


SURVIVAL_TABLE = Spec(survival_table, _check_args, _partials, _finish)
