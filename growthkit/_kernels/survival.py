"""Survival-table kernels: per-customer first/last day, orders and spend, cache-blocked.

With millions of customers the per-customer state does not fit in the cache, and a single
pass over a time-ordered log misses it on almost every order. So the fold reads the log's
customer-block layout (:meth:`growthkit.Transactions.customer_blocks`: rows grouped, stably,
by block of ``2**shift`` consecutive customer codes): each block is folded with its state
in the L2 cache, and the table's columns are written while that state is still hot. The
caller splits the blocks between threads (the kernel releases the GIL); blocks keep the
rows' order, so spends are summed in row order exactly as a single pass would.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

from growthkit._kernels.periods import MONTH, period_of


@nb.njit(inline="always", cache=True)
def _day(tick: int, ticks_per_day: int) -> int:
    # Branches on the four tick units let LLVM turn each floor division into a multiply:
    # a 64-bit division by a run-time value costs about 40 cycles, once per order.
    if ticks_per_day == 86_400_000_000_000:
        return tick // 86_400_000_000_000
    if ticks_per_day == 86_400_000_000:
        return tick // 86_400_000_000
    if ticks_per_day == 86_400_000:
        return tick // 86_400_000
    if ticks_per_day == 86_400:
        return tick // 86_400
    return tick // ticks_per_day


@nb.njit(nogil=True, cache=True)
def fold_table(
    offsets: npt.NDArray[np.int64],
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    first_block: int,
    end_block: int,
    shift: int,
    ticks_per_day: int,
    lo_day: int,
    end_day: int,
    inactivity_days: int,
    month_of: npt.NDArray[np.int64],
    duration: npt.NDArray[np.int64],
    churned: npt.NDArray[np.bool_],
    orders: npt.NDArray[np.int64],
    spend: npt.NDArray[np.float64],
    tenure: npt.NDArray[np.int64],
    mean_gap: npt.NDArray[np.float64],
    since_last: npt.NDArray[np.int64],
    cohort: npt.NDArray[np.int64],
) -> None:
    """Fold blocks ``first_block .. end_block - 1`` and write their customers' columns.

    Block ``b`` of a customer-block layout holds rows ``offsets[b] .. offsets[b + 1] - 1``
    (``codes`` their customers' positions in the block) and customers ``b << shift``
    onwards; the outputs have one slot per customer (``spend`` may be empty: no amounts).
    ``cohort`` is the month ordinal of the first order, looked up in
    ``month_of[day - lo_day]`` (or computed when ``month_of`` is empty: a wide day range).
    Customers without rows get zeros.
    """
    n_customers = duration.shape[0]
    size = 1 << shift
    has_amounts = spend.shape[0] == n_customers
    lookup = month_of.shape[0] > 0
    # One 32-byte row of state per customer [orders, first day, last day, spend], so that
    # an order touches one cache line; float64 holds the counts and days exactly (< 2**53).
    state = np.zeros((size, 4), dtype=np.float64)
    for b in range(first_block, end_block):
        base = b << shift
        m = min(size, n_customers - base)
        for j in range(m):
            state[j, 0] = 0.0
            state[j, 1] = np.inf
            state[j, 2] = -np.inf
            state[j, 3] = 0.0
        # A block's rows of a time-ordered log fall on few days in a row: the day of the
        # previous row is reused while the tick stays inside it (no division).
        day_start = np.int64(1)
        day_end = np.int64(0)
        d = 0.0
        for p in range(offsets[b], offsets[b + 1]):
            j = codes[p]
            t = ticks[p]
            if t < day_start or t >= day_end:
                day = _day(t, ticks_per_day)
                day_start = day * ticks_per_day
                day_end = day_start + ticks_per_day
                d = np.float64(day - lo_day)
            state[j, 0] += 1.0
            state[j, 1] = min(state[j, 1], d)
            state[j, 2] = max(state[j, 2], d)
            if has_amounts:
                state[j, 3] += amounts[p]
        for j in range(m):
            c = base + j
            n = np.int64(state[j, 0])
            orders[c] = n
            if has_amounts:
                spend[c] = state[j, 3]
            if n == 0:
                duration[c] = 0
                churned[c] = False
                tenure[c] = 0
                mean_gap[c] = 0.0
                since_last[c] = 0
                cohort[c] = 0
                continue
            first = np.int64(state[j, 1])
            f = lo_day + first
            la = lo_day + np.int64(state[j, 2])
            gap = end_day - la
            lost = gap > inactivity_days
            churned[c] = lost
            since_last[c] = gap
            tenure[c] = end_day - f
            duration[c] = la + inactivity_days - f if lost else end_day - f
            mean_gap[c] = (la - f) / (n - 1) if n > 1 else 0.0
            cohort[c] = month_of[first] if lookup else period_of(f, 1, MONTH)
