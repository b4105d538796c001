"""Factorisation kernels: customer ids -> dense integer codes.

``pandas.factorize`` pays a general-purpose hash table per row (about 1 s for 10^7 int ids
and several seconds for string ids on the reference machine). These kernels exploit what
customer ids usually are: integers from a compact range (a direct lookup table, two linear
passes) or strings (hashed once from one contiguous UTF-8 buffer, no Python object per row).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

_EMPTY = -1


@nb.njit(nogil=True, cache=False)
def int_range(values: npt.NDArray[np.int64]) -> tuple[int, int]:
    """Minimum and maximum of an int64 array in one pass."""
    lo = values[0]
    hi = values[0]
    for i in range(1, values.shape[0]):
        v = values[i]
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return lo, hi


@nb.njit(nogil=True, cache=False)
def dense_int_codes(
    values: npt.NDArray[np.int64], lo: int, size: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Codes in sorted-id order via a lookup table over ``[lo, lo + size)``.

    Returns the per-row codes and the sorted unique ids.
    """
    table = np.zeros(size, dtype=np.int32)
    n = values.shape[0]
    for i in range(n):
        table[values[i] - lo] = 1
    k = 0
    for j in range(size):
        if table[j] != 0:
            table[j] = k
            k += 1
        else:
            table[j] = _EMPTY
    uniques = np.empty(k, dtype=np.int64)
    for j in range(size):
        if table[j] != _EMPTY:
            uniques[table[j]] = lo + j
    codes = np.empty(n, dtype=np.int32)
    for i in range(n):
        codes[i] = table[values[i] - lo]
    return codes, uniques


@nb.njit(inline="always")
def _mix64(x: np.uint64) -> np.uint64:
    # splitmix64 finaliser: a cheap, well-distributed hash of a 64-bit key.
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@nb.njit(nogil=True, cache=False)
def hash_int_codes(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """First-appearance codes and uniques of arbitrary int64 ids (open addressing)."""
    n = values.shape[0]
    cap = 1
    while cap < 2 * n + 2:
        cap *= 2
    mask = np.uint64(cap - 1)
    slots = np.full(cap, _EMPTY, dtype=np.int32)
    keys = np.empty(cap, dtype=np.int64)
    uniques = np.empty(n, dtype=np.int64)
    codes = np.empty(n, dtype=np.int32)
    k = 0
    for i in range(n):
        v = values[i]
        h = _mix64(np.uint64(v)) & mask
        while True:
            s = slots[h]
            if s == _EMPTY:
                slots[h] = k
                keys[h] = v
                uniques[k] = v
                codes[i] = k
                k += 1
                break
            if keys[h] == v:
                codes[i] = s
                break
            h = (h + np.uint64(1)) & mask
    return codes, uniques[:k].copy()


@nb.njit(nogil=True, cache=False)
def split_offsets(buffer: npt.NDArray[np.uint8], n: int, sep: np.uint8) -> npt.NDArray[np.int64]:
    """Start offsets of ``n`` separator-joined tokens (plus the end), or an empty array.

    Returns an empty array when the buffer does not hold exactly ``n`` tokens (a token
    contained the separator), so the caller can fall back to a general path.
    """
    starts = np.empty(n + 1, dtype=np.int64)
    starts[0] = 0
    j = 1
    for i in range(buffer.shape[0]):
        if buffer[i] == sep:
            if j >= n:
                return np.empty(0, dtype=np.int64)
            starts[j] = i + 1
            j += 1
    if j != n:
        return np.empty(0, dtype=np.int64)
    starts[n] = buffer.shape[0] + 1
    return starts


@nb.njit(inline="always")
def _same_bytes(
    buffer: npt.NDArray[np.uint8], a0: int, a1: int, b0: int, b1: int
) -> bool:
    if a1 - a0 != b1 - b0:
        return False
    for t in range(a1 - a0):
        if buffer[a0 + t] != buffer[b0 + t]:
            return False
    return True


@nb.njit(nogil=True, cache=False)
def hash_bytes_codes(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """First-appearance codes of byte tokens, and the row index of each unique's first row.

    Token ``i`` is ``buffer[starts[i] : starts[i + 1] - 1]``. Equality is exact: the hash only
    picks the slot, bytes are compared on every hit.
    """
    n = starts.shape[0] - 1
    cap = 1
    while cap < 2 * n + 2:
        cap *= 2
    mask = np.uint64(cap - 1)
    slots = np.full(cap, _EMPTY, dtype=np.int32)
    first_row = np.empty(n, dtype=np.int64)
    codes = np.empty(n, dtype=np.int32)
    k = 0
    for i in range(n):
        a0 = starts[i]
        a1 = starts[i + 1] - 1
        # FNV-1a over the token, finished with splitmix64 for the low bits used as a slot.
        h = np.uint64(0xCBF29CE484222325)
        for t in range(a0, a1):
            h = (h ^ np.uint64(buffer[t])) * np.uint64(0x100000001B3)
        h = _mix64(h) & mask
        while True:
            s = slots[h]
            if s == _EMPTY:
                slots[h] = k
                first_row[k] = i
                codes[i] = k
                k += 1
                break
            r = first_row[s]
            if _same_bytes(buffer, a0, a1, starts[r], starts[r + 1] - 1):
                codes[i] = s
                break
            h = (h + np.uint64(1)) & mask
    return codes, first_row[:k].copy()


@nb.njit(nogil=True, cache=False)
def remap_codes(
    codes: npt.NDArray[np.int32], rank: npt.NDArray[np.int32]
) -> npt.NDArray[np.int32]:
    """``rank[codes]``, in place of a fancy-index copy of the same size."""
    out = np.empty_like(codes)
    for i in range(codes.shape[0]):
        out[i] = rank[codes[i]]
    return out
