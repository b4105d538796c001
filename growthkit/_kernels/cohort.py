"""Cohort-matrix and growth-accounting kernels.

Every kernel reads its rows through a :data:`Layout`: customer codes (or, in a
customer-block layout, the customers' positions in their block) with either wall-clock
ticks (each row's period ``t`` in ``0..n_periods-1`` looked up in a division-free period
table as the kernel goes: no per-row period array is built) or period keys, plus optional
``amounts``.

The order logs we see are in time order, so consecutive rows belong to unrelated customers
and any per-customer state (a bitset word, a first period) is a cache miss per row: one
random pass over 10^7 rows costs ~0.5-0.8 s, ten times a sequential pass. So long logs are
read through the log's customer-block layout (:meth:`growthkit.Transactions.customer_blocks`:
rows grouped, stably, by block of ``2**shift`` consecutive customers), and every consumer
works block by block with block-local state small enough for the L2 cache:

- distinct customers per period: a block-local bitset, one bit per customer per period;
- orders / revenue by cohort: block-local first period, then the sums (two passes over the
  block, which is itself cache resident);
- revenue growth accounting: a block-local state machine over the block's rows in period
  order (the layout is stable, so a time-ordered log stays in order inside each block;
  a block that is not gets a counting sort by period of its own, cache-resident rows).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt
from numba import types
from numba.extending import overload

from growthkit._kernels import exactsum
from growthkit._kernels.periods import period_lookup

if getattr(nb.config, "DISABLE_JIT", 0):
    # Plain-Python twin for NUMBA_DISABLE_JIT=1 runs (coverage), where the LLVM intrinsic
    # below does not exist.
    def _lowest_bit(w: np.uint64) -> int:
        """Index of the lowest set bit of a non-zero word."""
        x = int(w)
        return (x & -x).bit_length() - 1

else:
    from numba.cpython.unsafe.numbers import trailing_zeros as _intrinsic

    _trailing_zeros: Any = _intrinsic

    @nb.njit(nogil=True, cache=False)
    def _lowest_bit(w: np.uint64) -> int:
        """Index of the lowest set bit of a non-zero word (one ``tzcnt`` instruction)."""
        return int(_trailing_zeros(w))


TicksLayout = tuple[int, int, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]
KeysLayout = tuple[int]
Layout = int | TicksLayout | KeysLayout
"""How a kernel reads row ``r`` of ``(rows, values)``. The three forms are three numba types,
so each kernel is compiled once per form, with no per-row test of the form:

- ``(lo, first_tick, bucket_shift, keys, bounds)``: ``rows`` are customer codes and
  ``values`` wall-clock ticks, whose period ``t = key - lo`` comes from a
  :func:`~growthkit._kernels.periods.period_table` (see :func:`ticks_layout`);
- ``(lo,)``: ``rows`` are customer codes and ``values`` period keys, ``t = value - lo``
  (for logs too long for a period table, and for tests);
- an int ``period_bits``: packed rows, ``rows[r] = local << period_bits | t`` with
  ``local`` the customer's position in its block (:func:`growth_revenue`'s period-sorted
  scratch copy of a block); ``values`` are not read.
"""


def ticks_layout(
    lo: int, first_tick: int, table: tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]
) -> TicksLayout:
    """Rows as prepared: codes and ticks, periods ``key - lo`` looked up in ``table``."""
    bucket_shift, keys, bounds = table
    return (lo, first_tick, bucket_shift, keys, bounds)


def _row(
    rows: npt.NDArray[np.integer[Any]], values: npt.NDArray[np.int64], r: int, layout: Layout
) -> tuple[int, int]:
    """Row ``r``'s customer (its position within the block) and period ``t``.

    This body runs under ``NUMBA_DISABLE_JIT``; compiled kernels get the overload below.
    """
    if isinstance(layout, int):
        x = int(rows[r])
        return x >> layout, x & ((1 << layout) - 1)
    if len(layout) == 1:
        return int(rows[r]), int(values[r]) - layout[0]
    lo, first_tick, bucket_shift, keys, bounds = layout
    return int(rows[r]), period_lookup(int(values[r]), first_tick, bucket_shift, keys, bounds) - lo


@overload(_row, inline="always")
def _row_compiled(rows: Any, values: Any, r: Any, layout: Any) -> Any:
    # Branch-free bodies only: numba's inliner mis-scopes variables of branchy bodies
    # inlined several times into one function.
    if isinstance(layout, types.Integer):

        def packed(rows: Any, values: Any, r: Any, layout: Any) -> tuple[int, int]:
            x = np.int64(rows[r])
            return x >> layout, x & ((np.int64(1) << layout) - 1)

        return packed
    if len(layout) == 1:

        def keyed(rows: Any, values: Any, r: Any, layout: Any) -> tuple[int, int]:
            return np.int64(rows[r]), np.int64(values[r]) - layout[0]

        return keyed

    def ticks(rows: Any, values: Any, r: Any, layout: Any) -> tuple[int, int]:
        lo, first_tick, bucket_shift, keys, bounds = layout
        t = period_lookup(values[r], first_tick, bucket_shift, keys, bounds)
        return np.int64(rows[r]), t - lo

    return ticks


@nb.njit(nogil=True, cache=True)
def _fill_block_bits(
    bits: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    start: int,
    stop: int,
    n_words: int,
) -> None:
    one = np.uint64(1)
    for r in range(start, stop):
        c, t = _row(rows, values, r, layout)
        bits[c * n_words + (t >> 6)] |= one << np.uint64(t & 63)


@nb.njit(nogil=True, cache=True)
def cohort_customers(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    shift: int,
    n_words: int,
    n_periods: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct active customers by (cohort, age), and customers by (cohort, last age).

    ``active[j, a]`` counts customers whose first period is ``j`` and who are active in
    period ``j + a``; ``last[j, a]`` counts those whose last active period is ``j + a``.
    Input: a customer-block layout (any row order inside the blocks of ``2**shift``
    customers), or the prepared codes and ticks as one block (``offsets = [0, n]``,
    ``2**shift`` above every code). Every consumer kernel takes the same two forms.
    """
    active = np.zeros((n_periods, n_periods), dtype=np.int64)
    last = np.zeros((n_periods, n_periods), dtype=np.int64)
    width = 1 << shift
    bits = np.zeros(width * n_words, dtype=np.uint64)
    zero = np.uint64(0)
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        bits[:] = 0
        _fill_block_bits(bits, rows, values, layout, start, stop, n_words)
        for local in range(width):
            first = -1
            final = -1
            for wi in range(n_words):
                w = bits[local * n_words + wi]
                while w != zero:
                    t = wi * 64 + _lowest_bit(w)
                    w &= w - np.uint64(1)
                    if first < 0:
                        first = t
                    active[first, t - first] += 1
                    final = t
            if first >= 0:
                last[first, final - first] += 1
    return active, last


@nb.njit(nogil=True, cache=True)
def growth_counts(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    shift: int,
    n_words: int,
    n_periods: int,
) -> npt.NDArray[np.int64]:
    """Growth-accounting counts per period: rows new, retained, resurrected, churned.

    Walks each customer's active periods in increasing order (the set bits of its
    block-local bitset): the first is new, one right after the previous is retained, any
    other is resurrected, and a gap after an active period churns the customer in the
    period after it (while that period is observed).
    """
    out = np.zeros((4, n_periods), dtype=np.int64)
    width = 1 << shift
    bits = np.zeros(width * n_words, dtype=np.uint64)
    zero = np.uint64(0)
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        bits[:] = 0
        _fill_block_bits(bits, rows, values, layout, start, stop, n_words)
        for local in range(width):
            prev = -1
            for wi in range(n_words):
                w = bits[local * n_words + wi]
                while w != zero:
                    t = wi * 64 + _lowest_bit(w)
                    w &= w - np.uint64(1)
                    if prev < 0:
                        out[0, t] += 1
                    elif prev == t - 1:
                        out[1, t] += 1
                    else:
                        out[2, t] += 1
                        out[3, prev + 1] += 1
                    prev = t
            if prev >= 0 and prev + 1 < n_periods:
                out[3, prev + 1] += 1
    return out


@nb.njit(nogil=True, cache=True)
def cohort_sums(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    amounts: npt.NDArray[np.float64],
    shift: int,
    n_periods: int,
    cohort_of: npt.NDArray[np.int16],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Orders (``amounts`` empty) or revenue by (cohort, age), cohort sizes, last-age counts.

    Two passes over each (cache-resident) block: first and last period per customer,
    then the sums. ``last[j, a]`` counts customers of cohort ``j`` last active at age ``a``.

    With a non-empty ``cohort_of`` (one slot per customer) the sums are skipped and each
    customer's cohort is written there instead, for :func:`revenue_in_row_order`.
    """
    sums = np.zeros((n_periods, n_periods), dtype=np.float64)
    sizes = np.zeros(n_periods, dtype=np.int64)
    last = np.zeros((n_periods, n_periods), dtype=np.int64)
    width = 1 << shift
    first = np.empty(width, dtype=np.int64)
    final = np.empty(width, dtype=np.int64)
    has_amounts = amounts.shape[0] == rows.shape[0]
    record = cohort_of.shape[0] > 0
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        first[:] = n_periods
        final[:] = -1
        for r in range(start, stop):
            c, t = _row(rows, values, r, layout)
            if t < first[c]:
                first[c] = t
            if t > final[c]:
                final[c] = t
        if not record:
            for r in range(start, stop):
                c, t = _row(rows, values, r, layout)
                f = first[c]
                sums[f, t - f] += amounts[r] if has_amounts else 1.0
        base = b << shift
        for c in range(width):
            if final[c] >= 0:
                sizes[first[c]] += 1
                last[first[c], final[c] - first[c]] += 1
                if record:
                    cohort_of[base + c] = first[c]
    return sums, sizes, last


@nb.njit(nogil=True, cache=True)
def revenue_in_row_order(
    codes: npt.NDArray[np.int32],
    values: npt.NDArray[np.int64],
    layout: Layout,
    amounts: npt.NDArray[np.float64],
    cohort_of: npt.NDArray[np.int16],
    n_periods: int,
) -> npt.NDArray[np.float64]:
    """Revenue by (cohort, age), each cell summed in the log's row order.

    The customer blocks of :func:`cohort_sums` follow the customer codes, which depend on
    the id dtype (numbers sort otherwise than their strings); summing every cell in row
    order instead makes the floating-point result the same whatever the id dtype, and the
    same as the single-block path. Costs one pass with a random read per row.
    """
    sums = np.zeros((n_periods, n_periods), dtype=np.float64)
    n = codes.shape[0]
    chunk = 512
    cohorts = np.empty(chunk, dtype=np.int64)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        # Gather first: the cohort reads are independent cache misses the CPU overlaps.
        for r in range(start, stop):
            cohorts[r - start] = cohort_of[codes[r]]
        for r in range(start, stop):
            _, t = _row(codes, values, r, layout)
            f = cohorts[r - start]
            sums[f, t - f] += amounts[r]
    return sums


@nb.njit(nogil=True, cache=True)
def _close_period(
    t: int,
    rev: float,
    prev_t: int,
    prev_rev: float,
    next_t: int,
    n_periods: int,
    counts: npt.NDArray[np.int64],
    money: npt.NDArray[np.int64],
) -> None:
    """Book one customer's activity in period ``t`` given its neighbouring active periods.

    ``counts`` rows: new, retained, resurrected, churned. ``money`` holds exact
    accumulators (``exactsum``), ``7 * n_periods`` of them: revenue, new, retained,
    expansion, contraction, resurrected, churned, each by period. Exact sums make the
    money columns independent of the order customers are visited in (their code order,
    i.e. the id dtype's sort order).
    """
    exactsum.add(money, t, rev)
    if prev_t < 0:
        counts[0, t] += 1
        exactsum.add(money, n_periods + t, rev)
    elif prev_t == t - 1:
        counts[1, t] += 1
        exactsum.add(money, 2 * n_periods + t, min(rev, prev_rev))
        if rev > prev_rev:
            exactsum.add(money, 3 * n_periods + t, rev - prev_rev)
        else:
            exactsum.add(money, 4 * n_periods + t, prev_rev - rev)
    else:
        counts[2, t] += 1
        exactsum.add(money, 5 * n_periods + t, rev)
    if next_t != t + 1 and t + 1 < n_periods:
        counts[3, t + 1] += 1
        exactsum.add(money, 6 * n_periods + t + 1, rev)


@nb.njit(nogil=True, cache=True)
def _revenue_rows(
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    amounts: npt.NDArray[np.float64],
    start: int,
    stop: int,
    state: tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ],
    counts: npt.NDArray[np.int64],
    money: npt.NDArray[np.int64],
) -> None:
    """Feed rows ``start..stop`` (in period order) to the per-customer state machine."""
    cur, prev, cur_rev, prev_rev = state
    n_periods = counts.shape[1]
    for r in range(start, stop):
        c, t = _row(rows, values, r, layout)
        if cur[c] != t:
            if cur[c] >= 0:
                _close_period(cur[c], cur_rev[c], prev[c], prev_rev[c], t, n_periods, counts, money)
            prev[c] = cur[c]
            prev_rev[c] = cur_rev[c]
            cur[c] = t
            cur_rev[c] = 0.0
        cur_rev[c] += amounts[r]


@nb.njit(nogil=True, cache=True)
def growth_revenue(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.integer[Any]],
    values: npt.NDArray[np.int64],
    layout: Layout,
    amounts: npt.NDArray[np.float64],
    shift: int,
    n_periods: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Growth accounting with revenue.

    Per customer it keeps the current and the previous active period with their revenue;
    when a later period starts, the current one is booked (new / retained with expansion
    or contraction / resurrected, and churn in the next period if the customer skips it).
    That needs each block's rows in period order: a block that is not (an unsorted log)
    is first counting-sorted by period into a packed scratch copy of the block.
    """
    counts = np.zeros((4, n_periods), dtype=np.int64)
    money = np.zeros((7 * n_periods, exactsum.N_LIMBS), dtype=np.int64)
    width = 1 << shift
    state = (
        np.empty(width, dtype=np.int64),
        np.empty(width, dtype=np.int64),
        np.empty(width, dtype=np.float64),
        np.empty(width, dtype=np.float64),
    )
    cur, prev, cur_rev, prev_rev = state
    tally = np.empty(n_periods + 1, dtype=np.int64)
    bits = 0
    while (np.int64(1) << bits) < n_periods:
        bits += 1
    none = np.empty(0, dtype=np.int64)
    scratch_rows = np.empty(0, dtype=np.uint64)
    scratch_amounts = np.empty(0, dtype=np.float64)
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        cur[:] = -1
        prev[:] = -1
        cur_rev[:] = 0.0
        ordered = True
        t_prev = 0
        for r in range(start, stop):
            _, t = _row(rows, values, r, layout)
            if t < t_prev:
                ordered = False
                break
            t_prev = t
        if ordered:
            _revenue_rows(rows, values, layout, amounts, start, stop, state, counts, money)
        else:
            size = stop - start
            if scratch_rows.shape[0] < size:
                scratch_rows = np.empty(size, dtype=np.uint64)
                scratch_amounts = np.empty(size, dtype=np.float64)
            tally[:] = 0
            for r in range(start, stop):
                _, t = _row(rows, values, r, layout)
                tally[t + 1] += 1
            for t in range(n_periods):
                tally[t + 1] += tally[t]
            for r in range(start, stop):
                c, t = _row(rows, values, r, layout)
                j = tally[t]
                tally[t] = j + 1
                scratch_rows[j] = np.uint64((c << bits) | t)
                scratch_amounts[j] = amounts[r]
            _revenue_rows(scratch_rows, none, bits, scratch_amounts, 0, size, state, counts, money)
        for c in range(width):
            if cur[c] >= 0:
                _close_period(
                    cur[c], cur_rev[c], prev[c], prev_rev[c], -1, n_periods, counts, money
                )
    totals = np.empty(7 * n_periods, dtype=np.float64)
    exactsum.to_float(money, totals)
    return counts, totals.reshape((7, n_periods))
