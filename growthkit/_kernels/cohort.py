"""Cohort-matrix and growth-accounting kernels.

Every kernel works on the prepared arrays (customer ``codes``, per-row period ``keys``,
optional ``amounts``) with periods numbered ``0..n_periods-1`` from ``lo`` (the earliest key).

The order logs we see are in time order, so consecutive rows belong to unrelated customers
and any per-customer state (a bitset word, a first period) is a cache miss per row: one
random pass over 10^7 rows costs ~0.5-0.8 s, ten times a sequential pass. So the rows are
first *partitioned* by customer block (``code >> shift``, a counting sort on the block
number: one sequential histogram pass and one scatter into a few hundred append streams),
and every consumer then works block by block with block-local state small enough for the
L2 cache:

- distinct customers per period: a block-local bitset, one bit per customer per period;
- orders / revenue by cohort: block-local first period, then the sums (two passes over the
  block, which is itself cache resident);
- revenue growth accounting: a block-local state machine over the block's rows in period
  order (the scatter is stable, so a time-ordered log stays in order inside each block).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

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


@nb.njit(nogil=True, cache=True)
def partition_rows(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    order: npt.NDArray[np.int64],
    lo: int,
    shift: int,
    n_blocks: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]
]:
    """Stable counting sort of the rows by customer block ``code >> shift``.

    Returns block offsets (``n_blocks + 1``), and per placed row its code, its period
    ``key - lo`` and its amount (empty when ``amounts`` is). Rows are visited in ``order``
    (or in row order when ``order`` is empty), and keep that order inside each block.
    """
    n = codes.shape[0]
    offsets = np.zeros(n_blocks + 1, dtype=np.int64)
    for i in range(n):
        offsets[(codes[i] >> shift) + 1] += 1
    for b in range(n_blocks):
        offsets[b + 1] += offsets[b]
    heads = offsets[:-1].copy()
    out_codes = np.empty(n, dtype=np.int32)
    out_periods = np.empty(n, dtype=np.int32)
    has_amounts = amounts.shape[0] == n
    out_amounts = np.empty(n if has_amounts else 0, dtype=np.float64)
    use_order = order.shape[0] == n
    for r in range(n):
        i = order[r] if use_order else r
        c = codes[i]
        b = c >> shift
        j = heads[b]
        heads[b] = j + 1
        out_codes[j] = c
        out_periods[j] = keys[i] - lo
        if has_amounts:
            out_amounts[j] = amounts[i]
    return offsets, out_codes, out_periods, out_amounts


@nb.njit(nogil=True, cache=True)
def _fill_block_bits(
    bits: npt.NDArray[np.uint64],
    codes: npt.NDArray[np.int32],
    periods: npt.NDArray[np.integer[Any]],
    lo: int,
    start: int,
    stop: int,
    base: int,
    n_words: int,
) -> None:
    one = np.uint64(1)
    for r in range(start, stop):
        d = periods[r] - lo
        bits[(codes[r] - base) * n_words + (d >> 6)] |= one << np.uint64(d & 63)


@nb.njit(nogil=True, cache=True)
def cohort_customers(
    offsets: npt.NDArray[np.int64],
    codes: npt.NDArray[np.int32],
    periods: npt.NDArray[np.integer[Any]],
    lo: int,
    shift: int,
    n_words: int,
    n_periods: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct active customers by (cohort, age), and customers by (cohort, last age).

    ``active[j, a]`` counts customers whose first period is ``j`` and who are active in
    period ``j + a``; ``last[j, a]`` counts those whose last active period is ``j + a``.
    Input: the output of :func:`partition_rows` (any row order inside the blocks) with
    ``lo = 0``, or the prepared codes and raw period keys as one block (``offsets = [0, n]``,
    ``lo`` the smallest key). Every consumer kernel takes the same two forms.
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
        _fill_block_bits(bits, codes, periods, lo, start, stop, b << shift, n_words)
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
    codes: npt.NDArray[np.int32],
    periods: npt.NDArray[np.integer[Any]],
    lo: int,
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
        _fill_block_bits(bits, codes, periods, lo, start, stop, b << shift, n_words)
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
    codes: npt.NDArray[np.int32],
    periods: npt.NDArray[np.integer[Any]],
    amounts: npt.NDArray[np.float64],
    lo: int,
    shift: int,
    n_periods: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Orders (``amounts`` empty) or revenue by (cohort, age), cohort sizes, last-age counts.

    Two passes over each (cache-resident) block: first and last period per customer,
    then the sums. ``last[j, a]`` counts customers of cohort ``j`` last active at age ``a``.
    """
    sums = np.zeros((n_periods, n_periods), dtype=np.float64)
    sizes = np.zeros(n_periods, dtype=np.int64)
    last = np.zeros((n_periods, n_periods), dtype=np.int64)
    width = 1 << shift
    first = np.empty(width, dtype=np.int64)
    final = np.empty(width, dtype=np.int64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        base = b << shift
        first[:] = n_periods
        final[:] = -1
        for r in range(start, stop):
            c = codes[r] - base
            t = periods[r] - lo
            if t < first[c]:
                first[c] = t
            if t > final[c]:
                final[c] = t
        for r in range(start, stop):
            f = first[codes[r] - base]
            sums[f, periods[r] - lo - f] += amounts[r] if has_amounts else 1.0
        for c in range(width):
            if final[c] >= 0:
                sizes[first[c]] += 1
                last[first[c], final[c] - first[c]] += 1
    return sums, sizes, last


@nb.njit(nogil=True, cache=True)
def _close_period(
    t: int,
    rev: float,
    prev_t: int,
    prev_rev: float,
    next_t: int,
    n_periods: int,
    counts: npt.NDArray[np.int64],
    money: npt.NDArray[np.float64],
) -> None:
    """Book one customer's activity in period ``t`` given its neighbouring active periods.

    ``counts`` rows: new, retained, resurrected, churned. ``money`` rows: revenue, new,
    retained, expansion, contraction, resurrected, churned.
    """
    money[0, t] += rev
    if prev_t < 0:
        counts[0, t] += 1
        money[1, t] += rev
    elif prev_t == t - 1:
        counts[1, t] += 1
        money[2, t] += min(rev, prev_rev)
        if rev > prev_rev:
            money[3, t] += rev - prev_rev
        else:
            money[4, t] += prev_rev - rev
    else:
        counts[2, t] += 1
        money[5, t] += rev
    if next_t != t + 1 and t + 1 < n_periods:
        counts[3, t + 1] += 1
        money[6, t + 1] += rev


@nb.njit(nogil=True, cache=True)
def growth_revenue(
    offsets: npt.NDArray[np.int64],
    codes: npt.NDArray[np.int32],
    periods: npt.NDArray[np.integer[Any]],
    amounts: npt.NDArray[np.float64],
    lo: int,
    shift: int,
    n_periods: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Growth accounting with revenue, from blocks whose rows are in period order.

    Per customer it keeps the current and the previous active period with their revenue;
    when a later period starts, the current one is booked (new / retained with expansion
    or contraction / resurrected, and churn in the next period if the customer skips it).
    """
    counts = np.zeros((4, n_periods), dtype=np.int64)
    money = np.zeros((7, n_periods), dtype=np.float64)
    width = 1 << shift
    cur = np.empty(width, dtype=np.int64)
    prev = np.empty(width, dtype=np.int64)
    cur_rev = np.empty(width, dtype=np.float64)
    prev_rev = np.empty(width, dtype=np.float64)
    for b in range(offsets.shape[0] - 1):
        start, stop = offsets[b], offsets[b + 1]
        if start == stop:
            continue
        base = b << shift
        cur[:] = -1
        prev[:] = -1
        cur_rev[:] = 0.0
        for r in range(start, stop):
            c = codes[r] - base
            t = np.int64(periods[r] - lo)
            if cur[c] != t:
                if cur[c] >= 0:
                    _close_period(
                        cur[c], cur_rev[c], prev[c], prev_rev[c], t, n_periods, counts, money
                    )
                prev[c] = cur[c]
                prev_rev[c] = cur_rev[c]
                cur[c] = t
                cur_rev[c] = 0.0
            cur_rev[c] += amounts[r]
        for c in range(width):
            if cur[c] >= 0:
                _close_period(
                    cur[c], cur_rev[c], prev[c], prev_rev[c], -1, n_periods, counts, money
                )
    return counts, money
