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

    Returns the per-row codes and the sorted unique ids. Ids are first marked in a byte
    table (a quarter of an int32 table's cache footprint); when every id of the range
    occurs (surrogate keys, the common case) the code is just ``id - lo`` and the second
    pass needs no table at all.
    """
    n = values.shape[0]
    seen = np.zeros(size, dtype=np.uint8)
    for i in range(n):
        seen[values[i] - lo] = 1
    k = 0
    for j in range(size):
        k += seen[j]
    codes = np.empty(n, dtype=np.int32)
    uniques = np.empty(k, dtype=np.int64)
    if k == size:
        for j in range(size):
            uniques[j] = lo + j
        for i in range(n):
            codes[i] = values[i] - lo
        return codes, uniques
    table = np.empty(size, dtype=np.int32)
    k = 0
    for j in range(size):
        if seen[j]:
            table[j] = k
            uniques[k] = lo + j
            k += 1
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
def _token_hash(
    buffer: npt.NDArray[np.uint8], a0: int, length: int, k0: np.uint64, k1: np.uint64
) -> np.uint64:
    h = _mix64(k0 ^ (np.uint64(length) * np.uint64(0x9E3779B97F4A7C15)))
    h = _mix64(h ^ k1)
    if length > 16:
        for t in range(16, length):
            h = (h ^ np.uint64(buffer[a0 + t])) * np.uint64(0x100000001B3)
        h = _mix64(h)
    return h


@nb.njit(inline="always", cache=True)
def _row_key(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], i: int
) -> tuple[np.uint64, np.uint64, np.uint64, int]:
    # Token i's first two 8-byte chunks, hash and length.
    a0 = starts[i]
    length = starts[i + 1] - 1 - a0
    k0 = _prefix(buffer, a0, a0 + length)
    k1 = _prefix(buffer, a0 + 8, a0 + length) if length > 8 else np.uint64(0)
    return k0, k1, _token_hash(buffer, a0, length, k0, k1), length


@nb.njit(inline="always", cache=True)
def _same_bytes(buffer: npt.NDArray[np.uint8], a0: int, b0: int, start: int, length: int) -> bool:
    for t in range(start, length):
        if buffer[a0 + t] != buffer[b0 + t]:
            return False
    return True


def partition_bits(n: int) -> int:
    """Hash-partition bits for ``n`` tokens: partitions of about 8,192 rows, at most 1,024.

    Each partition's hash table then stays in the per-core L2 cache while its rows are coded.
    """
    bits = 0
    while bits < 10 and (n >> (bits + 13)) > 0:
        bits += 1
    return bits


def hash_bytes_codes(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], bits: int
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]
]:
    """Codes of byte tokens, each distinct token's first row, and its first 16 bytes.

    Token ``i`` is ``buffer[starts[i] : starts[i + 1] - 1]``; equal tokens get equal codes,
    numbered in no particular order (the caller sorts the distinct tokens). Equality is
    exact. Rows are first scattered into ``2**bits`` partitions by hash (two sequential passes
    over the buffer), then each partition is coded with its own small, cache-resident hash
    table: one random access per row into a table the size of all distinct ids would cost a
    cache and TLB miss each (several seconds at 10^7 rows).

    The work arrays are allocated by numpy, which asks the kernel for huge pages: the
    partition scatter writes to ``2**bits`` places at once and would otherwise miss the TLB
    on most writes.
    """
    n = starts.shape[0] - 1
    records = np.empty((n, 4), dtype=np.uint64)
    codes = np.empty(n, dtype=np.int32)
    first_row = np.empty(n, dtype=np.int64)
    heads = np.empty((n, 2), dtype=np.uint64)
    # The hash multiplies modulo 2**64 on purpose; compiled, that is silent, but the
    # plain-Python run of NUMBA_DISABLE_JIT=1 (coverage) would warn on every overflow.
    with np.errstate(over="ignore"):
        k = _hash_partitioned(buffer, starts, bits, records, codes, first_row, heads)
    return codes, first_row[:k].copy(), heads[:k, 0].copy(), heads[:k, 1].copy()


@nb.njit(nogil=True, cache=True)
def _hash_partitioned(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    bits: int,
    records: npt.NDArray[np.uint64],
    codes: npt.NDArray[np.int32],
    first_row: npt.NDArray[np.int64],
    heads: npt.NDArray[np.uint64],
) -> int:
    n = starts.shape[0] - 1
    n_parts = 1 << bits
    shift = np.uint64(64 - bits)
    part = np.empty(n, dtype=np.uint16)
    offsets = np.zeros(n_parts + 1, dtype=np.int64)
    for i in range(n):
        k0, k1, h, length = _row_key(buffer, starts, i)
        p = np.int64(h >> shift) if bits > 0 else 0
        part[i] = p
        offsets[p + 1] += 1
    for p in range(n_parts):
        offsets[p + 1] += offsets[p]
    # One 32-byte record per row, in partition order: first 16 bytes, hash, row | length.
    fill = offsets[:-1].copy()
    for i in range(n):
        k0, k1, h, length = _row_key(buffer, starts, i)
        p = np.int64(part[i])
        j = fill[p]
        fill[p] = j + 1
        records[j, 0] = k0
        records[j, 1] = k1
        records[j, 2] = h
        records[j, 3] = (np.uint64(i) << np.uint64(32)) | np.uint64(length)
    largest = 0
    for p in range(n_parts):
        largest = max(largest, offsets[p + 1] - offsets[p])
    cap_max = 16
    while cap_max < 2 * largest:
        cap_max *= 2
    slots = np.empty(cap_max, dtype=np.int32)  # partition-local code, or -1
    first_rec = np.empty(cap_max, dtype=np.int64)  # record of each partition-local code
    low = np.uint64(0xFFFFFFFF)
    k = 0
    for p in range(n_parts):
        lo = offsets[p]
        hi = offsets[p + 1]
        cap = 16
        while cap < 2 * (hi - lo):
            cap *= 2
        slots[:cap] = -1
        k_lo = k
        for j in range(lo, hi):
            h = records[j, 2]
            meta = records[j, 3]
            row = np.int64(meta >> np.uint64(32))
            s = np.int64(h & np.uint64(cap - 1))
            while True:
                r = slots[s]
                if r < 0:
                    slots[s] = k - k_lo
                    first_rec[k - k_lo] = j
                    first_row[k] = row
                    heads[k, 0] = records[j, 0]
                    heads[k, 1] = records[j, 1]
                    codes[row] = k
                    k += 1
                    break
                f = first_rec[r]
                if (
                    records[f, 2] == h
                    and records[f, 3] & low == meta & low
                    and records[f, 0] == records[j, 0]
                    and records[f, 1] == records[j, 1]
                ):
                    length = np.int64(meta & low)
                    other = np.int64(records[f, 3] >> np.uint64(32))
                    if length <= 16 or _same_bytes(buffer, starts[row], starts[other], 16, length):
                        codes[row] = k_lo + r
                        break
                s = (s + 1) & (cap - 1)
    return k


@nb.njit(nogil=True, cache=True)
def _radix_pass(
    keys: npt.NDArray[np.uint64],
    other: npt.NDArray[np.uint64],
    index: npt.NDArray[np.int64],
    shift: int,
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    # One stable counting-sort pass on byte ``shift // 8`` of ``keys``; skipped (inputs
    # returned as they are) when every key has the same byte there.
    m = keys.shape[0]
    count = np.zeros(257, dtype=np.int64)
    sh = np.uint64(shift)
    for i in range(m):
        count[np.int64((keys[i] >> sh) & np.uint64(255)) + 1] += 1
    for d in range(256):
        if count[d + 1] == m:
            return keys, other, index
    for d in range(256):
        count[d + 1] += count[d]
    out_keys = np.empty_like(keys)
    out_other = np.empty_like(other)
    out_index = np.empty_like(index)
    for i in range(m):
        d = np.int64((keys[i] >> sh) & np.uint64(255))
        j = count[d]
        count[d] = j + 1
        out_keys[j] = keys[i]
        out_other[j] = other[i]
        out_index[j] = index[i]
    return out_keys, out_other, out_index


@nb.njit(nogil=True, cache=True)
def _chunk_of(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], row: int, chunk: int
) -> np.uint64:
    a0 = starts[row] + 8 * chunk
    a1 = starts[row + 1] - 1
    return _prefix(buffer, a0, a1) if a0 < a1 else np.uint64(0)


@nb.njit(nogil=True, cache=True)
def sort_tokens(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    head0: npt.NDArray[np.uint64],
    head1: npt.NDArray[np.uint64],
) -> npt.NDArray[np.int64]:
    """Order of the distinct tokens ``rows`` by their bytes (= Python ``str`` order).

    ``head0``/``head1`` are each token's first two 8-byte chunks (big-endian, zero-padded).
    An LSD radix sort on those 16 bytes (byte passes where all keys agree are skipped) orders
    almost every id set completely; runs that tie on 16 bytes are then ordered chunk by
    chunk from ``buffer``. UTF-8 byte order is code-point order, and zero padding sorts a
    prefix before its extensions (tokens never contain NUL).
    """
    m = rows.shape[0]
    index = np.arange(m)
    k0, k1 = head0, head1  # _radix_pass never writes its inputs
    for shift in range(0, 64, 8):
        k1, k0, index = _radix_pass(k1, k0, index, shift)
    for shift in range(0, 64, 8):
        k0, k1, index = _radix_pass(k0, k1, index, shift)
    # Ties on the first 16 bytes between tokens that go on: MSD on the next chunks. Each
    # stacked run is a disjoint slice of ``index`` with at least two tokens: at most m / 2.
    stack = np.empty((m // 2 + 1, 3), dtype=np.int64)
    top = 0
    t = 0
    while t < m:
        e = t + 1
        while e < m and k0[e] == k0[t] and k1[e] == k1[t]:
            e += 1
        if e - t > 1:
            stack[top, 0], stack[top, 1], stack[top, 2] = t, e, 2
            top += 1
        t = e
    while top > 0:
        top -= 1
        lo, hi, chunk = stack[top, 0], stack[top, 1], stack[top, 2]
        keys = np.empty(hi - lo, dtype=np.uint64)
        longest = 0
        for q in range(lo, hi):
            r = rows[index[q]]
            keys[q - lo] = _chunk_of(buffer, starts, r, chunk)
            longest = max(longest, starts[r + 1] - 1 - starts[r])
        sub = np.argsort(keys, kind="mergesort")
        index[lo:hi] = index[lo:hi][sub]
        keys = keys[sub]
        if longest <= 8 * (chunk + 1):
            continue  # no token goes on: distinct tokens cannot tie here
        q = lo
        while q < hi:
            e = q + 1
            while e < hi and keys[e - lo] == keys[q - lo]:
                e += 1
            if e - q > 1:
                stack[top, 0], stack[top, 1], stack[top, 2] = q, e, chunk + 1
                top += 1
            q = e
    return index


@nb.njit(nogil=True, cache=True)
def remap_codes(codes: npt.NDArray[np.int32], rank: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """``rank[codes]``, in place of a fancy-index copy of the same size."""
    out = np.empty_like(codes)
    for i in range(codes.shape[0]):
        out[i] = rank[codes[i]]
    return out
