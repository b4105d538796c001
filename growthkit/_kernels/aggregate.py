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
def distinct_key_summary(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    order: npt.NDArray[np.int64],
    n_customers: int,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """BTYD building blocks per customer from rows visited in non-decreasing key order.

    Returns first key, last key, number of distinct keys (purchase periods), total amount
    and the amount spent in the first period. ``order`` lists the rows in key order, or is
    empty when the rows already are in key order. Customers without rows get
    ``first = last = INT64_MIN`` and zero counts.
    """
    first = np.full(n_customers, _NONE, dtype=np.int64)
    last = np.full(n_customers, _NONE, dtype=np.int64)
    distinct = np.zeros(n_customers, dtype=np.int64)
    total = np.zeros(n_customers, dtype=np.float64)
    first_total = np.zeros(n_customers, dtype=np.float64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    use_order = order.shape[0] == codes.shape[0]
    for j in range(codes.shape[0]):
        i = order[j] if use_order else j
        c = codes[i]
        k = keys[i]
        if last[c] != k:
            # Rows arrive in key order, so a key differing from the last one seen is new.
            if last[c] == _NONE:
                first[c] = k
            last[c] = k
            distinct[c] += 1
        if has_amounts:
            a = amounts[i]
            total[c] += a
            if k == first[c]:
                first_total[c] += a
    return first, last, distinct, total, first_total


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
    ticks: npt.NDArray[np.int64], ticks_per_day: int, period: int, lo: int, size: int
) -> npt.NDArray[np.int64]:
    """Stable counting sort of the rows by period key, computing keys on the fly."""
    counts = np.zeros(size + 1, dtype=np.int64)
    for i in range(ticks.shape[0]):
        counts[period_of(ticks[i], ticks_per_day, period) - lo + 1] += 1
    for j in range(1, size + 1):
        counts[j] += counts[j - 1]
    order = np.empty(ticks.shape[0], dtype=np.int64)
    for i in range(ticks.shape[0]):
        k = period_of(ticks[i], ticks_per_day, period) - lo
        order[counts[k]] = i
        counts[k] += 1
    return order


@nb.njit(nogil=True, cache=True)
def distinct_period_summary(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    ticks_per_day: int,
    period: int,
    amounts: npt.NDArray[np.float64],
    order: npt.NDArray[np.int64],
    n_customers: int,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """:func:`distinct_key_summary` with period keys computed from ticks on the fly."""
    first = np.full(n_customers, _NONE, dtype=np.int64)
    last = np.full(n_customers, _NONE, dtype=np.int64)
    distinct = np.zeros(n_customers, dtype=np.int64)
    total = np.zeros(n_customers, dtype=np.float64)
    first_total = np.zeros(n_customers, dtype=np.float64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    use_order = order.shape[0] == codes.shape[0]
    for j in range(codes.shape[0]):
        i = order[j] if use_order else j
        c = codes[i]
        k = period_of(ticks[i], ticks_per_day, period)
        if last[c] != k:
            if last[c] == _NONE:
                first[c] = k
            last[c] = k
            distinct[c] += 1
        if has_amounts:
            a = amounts[i]
            total[c] += a
            if k == first[c]:
                first_total[c] += a
    return first, last, distinct, total, first_total
