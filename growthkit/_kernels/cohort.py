"""Cohort-matrix and growth-accounting kernels.

Every kernel works on the prepared arrays (``codes``, per-row period ``keys``, optional
``amounts``) with periods numbered ``0..n_periods-1`` from ``lo`` (the earliest key). Two
strategies:

- *bitset*: one bit per customer per period, set in one unsorted pass over the rows; the
  per-customer words are then decoded (``n_customers`` work, not ``n_rows``). Used while the
  bitset is small (``n_periods <= 64`` for growth accounting, or a bitset no bigger than the
  key array for the cohort matrix).
- *ordered*: one pass over the rows in non-decreasing key order (the log itself when it is
  already in time order, else a counting-sort order) with a little per-customer state.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

_NONE = np.iinfo(np.int64).min

# De Bruijn table: index of the lowest set bit of a 64-bit word in O(1).
_DEBRUIJN_INDEX = np.zeros(64, dtype=np.int64)
for _i in range(64):
    _DEBRUIJN_INDEX[(((1 << _i) * 0x03F79D71B4CA8B09) & 0xFFFFFFFFFFFFFFFF) >> 58] = _i
del _i


@nb.njit(nogil=True, cache=False)
def _lowest_bit(w: np.uint64, table: npt.NDArray[np.int64]) -> int:
    low = w & (~w + np.uint64(1))
    return int(table[(low * np.uint64(0x03F79D71B4CA8B09)) >> np.uint64(58)])


@nb.njit(nogil=True, cache=False)
def key_bits(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    lo: int,
    n_customers: int,
    n_words: int,
) -> npt.NDArray[np.uint64]:
    """Activity bitset: bit ``key - lo`` of customer ``c`` in ``bits[c * n_words + word]``.

    One unsorted pass over the rows; duplicate rows set the same bit again.
    """
    bits = np.zeros(n_customers * n_words, dtype=np.uint64)
    one = np.uint64(1)
    for i in range(codes.shape[0]):
        d = keys[i] - lo
        bits[codes[i] * n_words + (d >> 6)] |= one << np.uint64(d & 63)
    return bits


@nb.njit(nogil=True, cache=False)
def cohort_customers_from_bits(
    bits: npt.NDArray[np.uint64], n_words: int, n_periods: int, table: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct active customers by (cohort, age), and customers by (cohort, last age).

    ``active[j, a]`` counts customers whose first period is ``j`` and who are active in
    period ``j + a``; ``last[j, a]`` counts those whose last active period is ``j + a``.
    Customers without any bit (codes with no rows) are skipped.
    """
    active = np.zeros((n_periods, n_periods), dtype=np.int64)
    last = np.zeros((n_periods, n_periods), dtype=np.int64)
    n_customers = bits.shape[0] // n_words
    zero = np.uint64(0)
    for c in range(n_customers):
        base = c * n_words
        first = -1
        final = -1
        for wi in range(n_words):
            w = bits[base + wi]
            while w != zero:
                t = wi * 64 + _lowest_bit(w, table)
                w &= w - np.uint64(1)
                if first < 0:
                    first = t
                active[first, t - first] += 1
                final = t
        if first >= 0:
            last[first, final - first] += 1
    return active, last


@nb.njit(nogil=True, cache=False)
def cohort_customers_ordered(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    lo: int,
    n_periods: int,
    n_customers: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Compute :func:`cohort_customers_from_bits`'s result from rows visited in key order.

    ``order`` lists the rows in non-decreasing key order, or is empty when the rows are
    already in that order. A key differing from the customer's previous one is a new
    (customer, period) pair, so no bitset or hash is needed.
    """
    active = np.zeros((n_periods, n_periods), dtype=np.int64)
    last = np.zeros((n_periods, n_periods), dtype=np.int64)
    first = np.full(n_customers, -1, dtype=np.int64)
    prev = np.full(n_customers, -1, dtype=np.int64)
    use_order = order.shape[0] == codes.shape[0]
    for r in range(codes.shape[0]):
        i = order[r] if use_order else r
        c = codes[i]
        t = keys[i] - lo
        if prev[c] != t:
            if prev[c] < 0:
                first[c] = t
            prev[c] = t
            active[first[c], t - first[c]] += 1
    for c in range(n_customers):
        if first[c] >= 0:
            last[first[c], prev[c] - first[c]] += 1
    return active, last


@nb.njit(nogil=True, cache=False)
def first_last_keys(
    codes: npt.NDArray[np.int32], keys: npt.NDArray[np.int64], n_customers: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Smallest and largest key per customer (``INT64_MIN`` for codes without rows)."""
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_customers, _NONE, dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        k = keys[i]
        if k < first[c]:
            first[c] = k
        if k > last[c]:
            last[c] = k
    for c in range(n_customers):
        if last[c] == _NONE:
            first[c] = _NONE
    return first, last


@nb.njit(nogil=True, cache=False)
def first_last_hist(
    first: npt.NDArray[np.int64], last: npt.NDArray[np.int64], lo: int, n_periods: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Count customers per cohort, and per (cohort, age of their last active period)."""
    sizes = np.zeros(n_periods, dtype=np.int64)
    hist = np.zeros((n_periods, n_periods), dtype=np.int64)
    for c in range(first.shape[0]):
        if first[c] == _NONE:
            continue
        j = first[c] - lo
        sizes[j] += 1
        hist[j, last[c] - first[c]] += 1
    return sizes, hist


@nb.njit(nogil=True, cache=False)
def cohort_sums(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    first: npt.NDArray[np.int64],
    lo: int,
    n_periods: int,
) -> npt.NDArray[np.float64]:
    """Orders (``amounts`` empty) or revenue by (cohort, age): one unsorted pass.

    ``first`` is each customer's first key (from :func:`first_last_keys`).
    """
    out = np.zeros((n_periods, n_periods), dtype=np.float64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    for i in range(codes.shape[0]):
        f = first[codes[i]]
        out[f - lo, keys[i] - f] += amounts[i] if has_amounts else 1.0
    return out


@nb.njit(nogil=True, cache=False)
def growth_from_bits(
    bits: npt.NDArray[np.uint64], n_periods: int, table: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Growth-accounting counts per period from a one-word-per-customer bitset.

    Returns a ``(4, n_periods)`` array: new, retained, resurrected, churned. Bit ``t`` of
    ``m << 1`` is activity in ``t - 1``, so retained = ``m & (m << 1)``, churned =
    ``(m << 1) & ~m`` (within the observed periods), resurrected = the rest of ``m`` after
    its lowest (new) bit.
    """
    out = np.zeros((4, n_periods), dtype=np.int64)
    zero = np.uint64(0)
    one = np.uint64(1)
    full = ~zero if n_periods == 64 else (one << np.uint64(n_periods)) - one
    for c in range(bits.shape[0]):
        m = bits[c]
        if m == zero:
            continue
        low = m & (~m + one)
        out[0, _lowest_bit(m, table)] += 1
        before = m << one
        masks = (m & before, (m & ~before) & ~low, before & ~m & full)
        for row in range(3):
            w = masks[row]
            while w != zero:
                out[row + 1, _lowest_bit(w, table)] += 1
                w &= w - one
    return out


@nb.njit(nogil=True, cache=False)
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


@nb.njit(nogil=True, cache=False)
def growth_ordered(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    order: npt.NDArray[np.int64],
    lo: int,
    n_periods: int,
    n_customers: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Growth accounting (counts and revenue) from rows visited in key order.

    Per customer it keeps the current and the previous active period with their revenue;
    when a later period starts, the current one is booked (new / retained with
    expansion or contraction / resurrected, and churn in the next period if the customer
    skips it). ``amounts`` may be empty (revenue rows are then zero).
    """
    counts = np.zeros((4, n_periods), dtype=np.int64)
    money = np.zeros((7, n_periods), dtype=np.float64)
    cur = np.full(n_customers, -1, dtype=np.int64)
    prev = np.full(n_customers, -1, dtype=np.int64)
    cur_rev = np.zeros(n_customers, dtype=np.float64)
    prev_rev = np.zeros(n_customers, dtype=np.float64)
    has_amounts = amounts.shape[0] == codes.shape[0]
    use_order = order.shape[0] == codes.shape[0]
    for r in range(codes.shape[0]):
        i = order[r] if use_order else r
        c = codes[i]
        t = keys[i] - lo
        if cur[c] != t:
            if cur[c] >= 0:
                _close_period(cur[c], cur_rev[c], prev[c], prev_rev[c], t, n_periods, counts, money)
            prev[c] = cur[c]
            prev_rev[c] = cur_rev[c]
            cur[c] = t
            cur_rev[c] = 0.0
        if has_amounts:
            cur_rev[c] += amounts[i]
    for c in range(n_customers):
        if cur[c] >= 0:
            _close_period(cur[c], cur_rev[c], prev[c], prev_rev[c], -1, n_periods, counts, money)
    return counts, money
