"""Per-customer aggregation kernels shared by summary, RFM and churn."""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

from growthkit._kernels.periods import period_of

_NONE = np.iinfo(np.int64).min


@nb.njit(nogil=True, cache=True)
def customer_aggregates(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    n_customers: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """Orders, total amount, first and last tick per customer, in one unsorted pass.

    ``amounts`` may be empty (no amount column): totals are then zero.
    """
    orders = np.zeros(n_customers, dtype=np.int64)
    total = np.zeros(n_customers, dtype=np.float64)
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_customers, _NONE, dtype=np.int64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    for i in range(codes.shape[0]):
        c = codes[i]
        t = ticks[i]
        orders[c] += 1
        if has_amounts:
            total[c] += amounts[i]
        if t < first[c]:
            first[c] = t
        if t > last[c]:
            last[c] = t
    return orders, total, first, last


@nb.njit(nogil=True, cache=True)
def is_nondecreasing(keys: npt.NDArray[np.int64]) -> bool:
    """Whether ``keys`` is already sorted (order logs usually arrive in time order)."""
    for i in range(1, keys.shape[0]):
        if keys[i] < keys[i - 1]:
            return False
    return True


@nb.njit(nogil=True, cache=True)
def counting_order(keys: npt.NDArray[np.int64], lo: int, size: int) -> npt.NDArray[np.int64]:
    """Stable counting sort of small-range keys: the row order, O(n + size)."""
    counts = np.zeros(size + 1, dtype=np.int64)
    for i in range(keys.shape[0]):
        counts[keys[i] - lo + 1] += 1
    for j in range(1, size + 1):
        counts[j] += counts[j - 1]
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        k = keys[i] - lo
        order[counts[k]] = i
        counts[k] += 1
    return order


@nb.njit(nogil=True, cache=True)
def period_bounds(
    ticks: npt.NDArray[np.int64], ticks_per_day: int, period: int
) -> tuple[int, int, bool]:
    """Smallest and largest period key, and whether the keys are already non-decreasing."""
    lo = period_of(ticks[0], ticks_per_day, period)
    hi = lo
    prev = lo
    ordered = True
    for i in range(1, ticks.shape[0]):
        k = period_of(ticks[i], ticks_per_day, period)
        if k < lo:
            lo = k
        if k > hi:
            hi = k
        if k < prev:
            ordered = False
        prev = k
    return lo, hi, ordered


@nb.njit(nogil=True, cache=True)
def counting_order_periods(
    ticks: npt.NDArray[np.int64],
    ticks_per_day: int,
    period: int,
    lo: int,
    size: int,
    order: npt.NDArray[np.int32] | npt.NDArray[np.int64],
) -> None:
    """Stable counting sort of the rows by period key into ``order``, keys computed on the fly.

    ``order`` may be int32 (half the memory) when there are fewer than 2**31 rows.
    """
    counts = np.zeros(size + 1, dtype=np.int64)
    for i in range(ticks.shape[0]):
        counts[period_of(ticks[i], ticks_per_day, period) - lo + 1] += 1
    for j in range(1, size + 1):
        counts[j] += counts[j - 1]
    for i in range(ticks.shape[0]):
        k = period_of(ticks[i], ticks_per_day, period) - lo
        order[counts[k]] = i
        counts[k] += 1


@nb.njit(nogil=True, cache=True)
def period_summary_state(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    ticks_per_day: int,
    period: int,
    amounts: npt.NDArray[np.float64],
    order: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    state: npt.NDArray[np.float64],
    first_tick: int,
    last_tick: int,
) -> bool:
    """Per-customer BTYD state ``[first, last, distinct, total, first_total]`` in one pass.

    ``state`` (customers x 5) is filled in place, so a retry reuses the same memory. Only
    rows with ``first_tick <= tick <= last_tick`` count (a calibration or holdout window
    without copying the rows).

    The five values of a customer share one row so that each order touches one cache line
    of customer state. With an empty ``order`` the rows are visited as stored, which is
    exact as long as every customer's own orders are in time order (true of most order
    logs, whatever the interleaving of customers); the kernel stops and returns ``False``
    the moment it meets a customer whose orders go back in time, and the caller retries
    with ``order`` = the rows sorted by period. Customers without rows keep
    ``first = last = -inf``.
    """
    for c in range(state.shape[0]):
        state[c, 0] = -np.inf
        state[c, 1] = -np.inf
        state[c, 2] = 0.0
        state[c, 3] = 0.0
        state[c, 4] = 0.0
    has_amounts = amounts.shape[0] == codes.shape[0]
    use_order = order.shape[0] == codes.shape[0]
    for j in range(codes.shape[0]):
        i = order[j] if use_order else j
        tick = ticks[i]
        if tick < first_tick or tick > last_tick:
            continue
        c = codes[i]
        k = np.float64(period_of(tick, ticks_per_day, period))
        last = state[c, 1]
        if last != k:
            if k < last:
                return False
            if last == -np.inf:
                state[c, 0] = k
            state[c, 1] = k
            state[c, 2] += 1.0
        if has_amounts:
            a = amounts[i]
            state[c, 3] += a
            if k == state[c, 0]:
                state[c, 4] += a
    return True


@nb.njit(nogil=True, cache=True)
def summary_columns(
    state: npt.NDArray[np.float64],
    end: float,
    unit: float,
    frequency: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
) -> None:
    """The BTYD columns from :func:`period_summary_state`'s state, without the GIL.

    ``frequency`` = distinct periods - 1; ``out`` rows: recency, T and (when ``out`` has
    three rows) the mean repeat value, 0 without repeat purchases. Keys are integers
    below 2**53, so the differences are exact. Customers without rows get frequency -1,
    recency 0 and T from ``-inf`` (the caller drops them).
    """
    with_value = out.shape[0] == 3
    for c in range(state.shape[0]):
        first = state[c, 0]
        distinct = state[c, 2]
        freq = np.int64(distinct) - 1
        frequency[c] = freq
        out[0, c] = (state[c, 1] - first) / unit if distinct > 0 else 0.0
        out[1, c] = (end - first) / unit
        if with_value:
            out[2, c] = (state[c, 3] - state[c, 4]) / np.float64(freq) if freq > 0 else 0.0
