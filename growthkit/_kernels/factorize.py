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


@nb.njit(nogil=True, cache=True)
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


@nb.njit(nogil=True, cache=True)
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


@nb.njit(inline="always", cache=True)
def _mix64(x: np.uint64) -> np.uint64:
    # splitmix64 finaliser: a cheap, well-distributed hash of a 64-bit key.
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.uint64(x ^ (x >> np.uint64(31)))  # type: ignore[no-any-return]


@nb.njit(nogil=True, cache=True)
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


@nb.njit(inline="always", cache=True)
def _prefix(buffer: npt.NDArray[np.uint8], a0: int, a1: int) -> np.uint64:
    # First 8 bytes, big-endian, zero-padded: integer order equals byte order.
    key = np.uint64(0)
    for t in range(8):
        key = key << np.uint64(8)
        if a0 + t < a1:
            key = key | np.uint64(buffer[a0 + t])
    return np.uint64(key)  # type: ignore[no-any-return]


@nb.njit(inline="always", cache=True)
def _same_tail(buffer: npt.NDArray[np.uint8], a0: int, b0: int, length: int) -> bool:
    for t in range(8, length):
        if buffer[a0 + t] != buffer[b0 + t]:
            return False
    return True


@nb.njit(nogil=True, cache=True)
def hash_bytes_codes(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """First-appearance codes of byte tokens, and the row index of each unique's first row.

    Token ``i`` is ``buffer[starts[i] : starts[i + 1] - 1]``. Equality is exact: a slot keeps
    the token's length and first 8 bytes (so short ids never leave the table), longer tokens
    compare their remaining bytes.
    """
    n = starts.shape[0] - 1
    cap = 1 << 12
    mask = np.uint64(cap - 1)
    hashes = np.empty(n, dtype=np.uint64)
    # slot j: [prefix, (length << 32) | (code + 1)]; code + 1 == 0 marks an empty slot
    table = np.zeros((cap, 2), dtype=np.uint64)
    first_row = np.empty(n, dtype=np.int64)
    codes = np.empty(n, dtype=np.int32)
    k = 0
    for i in range(n):
        a0 = starts[i]
        length = starts[i + 1] - 1 - a0
        key = _prefix(buffer, a0, a0 + length)
        h = key ^ np.uint64(length)
        for t in range(8, length):
            h = (h ^ np.uint64(buffer[a0 + t])) * np.uint64(0x100000001B3)
        full = _mix64(h)
        h = full & mask
        while True:
            j = np.int64(h)
            meta = table[j, 1]
            if meta == 0:
                table[j, 0] = key
                table[j, 1] = (np.uint64(length) << np.uint64(32)) | np.uint64(k + 1)
                first_row[k] = i
                hashes[k] = full
                codes[i] = k
                k += 1
                if 2 * k > cap:
                    # Grow with the distinct ids (see hash_int_codes) and reinsert them.
                    cap *= 2
                    mask = np.uint64(cap - 1)
                    table = np.zeros((cap, 2), dtype=np.uint64)
                    for u in range(k):
                        g = hashes[u] & mask
                        while table[np.int64(g), 1] != 0:
                            g = (g + np.uint64(1)) & mask
                        r = first_row[u]
                        r0 = starts[r]
                        r_len = starts[r + 1] - 1 - r0
                        table[np.int64(g), 0] = _prefix(buffer, r0, r0 + r_len)
                        table[np.int64(g), 1] = (np.uint64(r_len) << np.uint64(32)) | np.uint64(
                            u + 1
                        )
                break
            if table[j, 0] == key and (meta >> np.uint64(32)) == np.uint64(length):
                s = np.int64(meta & np.uint64(0xFFFFFFFF)) - 1
                if length <= 8 or _same_tail(buffer, a0, starts[first_row[s]], length):
                    codes[i] = s
                    break
            h = (h + np.uint64(1)) & mask
    return codes, first_row[:k].copy()


@nb.njit(nogil=True, cache=True)
def token_lengths(
    starts: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Byte length of each token in ``rows``."""
    out = np.empty(rows.shape[0], dtype=np.int64)
    for j in range(rows.shape[0]):
        out[j] = starts[rows[j] + 1] - 1 - starts[rows[j]]
    return out


@nb.njit(nogil=True, cache=True)
def chunk_keys(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    chunk: int,
) -> npt.NDArray[np.uint64]:
    """Bytes ``8 * chunk .. 8 * chunk + 7`` of each token as big-endian integers (0-padded).

    Sorting by these keys chunk after chunk, last chunk first, with a stable sort orders the
    tokens by their bytes: UTF-8 byte order is code-point order, i.e. Python's ``str`` order.
    """
    keys = np.empty(rows.shape[0], dtype=np.uint64)
    for j in range(rows.shape[0]):
        r = rows[j]
        a0 = starts[r] + 8 * chunk
        a1 = starts[r + 1] - 1
        keys[j] = _prefix(buffer, a0, a1) if a0 < a1 else np.uint64(0)
    return keys


@nb.njit(nogil=True, cache=True)
def remap_codes(codes: npt.NDArray[np.int32], rank: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """``rank[codes]``, in place of a fancy-index copy of the same size."""
    out = np.empty_like(codes)
    for i in range(codes.shape[0]):
        out[i] = rank[codes[i]]
    return out
