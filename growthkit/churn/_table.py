"""The survival table: one row per customer with a duration, a churn flag and covariates."""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _dask
from growthkit import _validate as v
from growthkit._prepare import Transactions, as_transactions, period_index

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

    Every column comes from one pass of the ``customer_aggregates`` kernel (orders, spend,
    first and last order per customer) followed by array arithmetic.

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
    if (out := _dask.maybe_dispatch("survival_table", tx, locals())) is not None:
        return cast(pd.DataFrame, out)
    k = v.check_positive_int("inactivity_days", inactivity_days)
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    _, end_ticks = log.observation_end(observation_end)
    return _table(log, end_ticks, k)


def _table(log: Transactions, end_ticks: int, k: int) -> pd.DataFrame:
    """Build the survival table of a prepared log (no validation)."""
    from growthkit._kernels import aggregate as agg

    amounts = log.amounts if log.amounts is not None else np.empty(0, dtype=np.float64)
    orders, total, first_ticks, last_ticks = agg.customer_aggregates(
        log.codes, log.ticks, amounts, log.n_customers
    )
    tpd = log.ticks_per_day
    first = first_ticks // tpd
    last = last_ticks // tpd
    end = end_ticks // tpd
    since_last = end - last
    churned = since_last > k
    duration = np.where(churned, last + k - first, end - first)
    span = (last - first).astype(np.float64)
    mean_gap = np.divide(
        span, orders - 1, out=np.zeros(orders.shape[0], dtype=np.float64), where=orders > 1
    )
    columns: dict[str, npt.ArrayLike] = {
        "duration": duration,
        "churned": churned,
        "orders": orders,
    }
    if log.amounts is not None:
        columns["spend"] = total
    columns["tenure_days"] = end - first
    columns["mean_gap_days"] = mean_gap
    columns["days_since_last"] = since_last
    columns["cohort"] = period_index(_months(first, orders > 0), "M")
    # The arrays are fresh and owned by the frame: copy=False skips pandas' consolidation
    # copy (seconds at millions of customers).
    return pd.DataFrame(columns, index=log.customers.copy(), copy=False)


def _months(days: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Month ordinals since 1970-01 (pandas' monthly ``Period`` ordinals) of day numbers.

    Rows that are not ``valid`` (customers without orders in a truncated log, dropped by
    the caller) get the first valid month.
    """
    months = np.zeros(days.shape[0], dtype=np.int64)
    if not valid.any():
        return months
    some = days[valid]
    lo = int(some.min())
    # Calendar conversion once per day of the range, then a gather.
    span = np.arange(lo, int(some.max()) + 1, dtype=np.int64)
    lookup = span.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months[:] = lookup[np.where(valid, days, lo) - lo]
    return months
