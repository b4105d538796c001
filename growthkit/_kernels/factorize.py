"""Factorisation kernels: customer ids -> dense integer codes.

``pandas.factorize`` pays a general-purpose hash table per row (about 1 s for 10^7 int ids
and several seconds for string ids on the reference machine). These kernels exploit what
customer ids usually are: integers from a compact range (a direct lookup table, two linear
passes) or strings (hashed once from one contiguous UTF-8 buffer, no Python object per row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numba as nb
import numpy as np
import numpy.typing as npt

# Token offsets: int64 (joined buffers, Arrow large_string) or int32 (Arrow string).
Offsets = npt.NDArray[np.integer[Any]]
_R = TypeVar("_R")
# ``pool(fn, items)`` is ``[fn(x) for x in items]``, possibly on threads.
Pool = Callable[[Callable[[int], Any], Sequence[int]], list[Any]]


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


def hash_int_codes(
    values: npt.NDArray[np.int64], bits: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Codes of int64 ids from any range, and the distinct ids, numbered in no order.

    The sparse-range twin of :func:`dense_int_codes`, built like :func:`hash_bytes_codes`:
    rows are scattered by hash into ``2**bits`` partitions, each partition is coded with a
    hash table small enough to stay in the per-core L2 cache, and the codes are read back in
    row order, instead of one random access per row into a table the size of all distinct
    ids.
    """
    n = values.shape[0]
    part = np.empty(n, dtype=np.uint16)
    part_values = np.empty(n, dtype=np.int64)
    local = np.empty(n, dtype=np.int32)
    codes = np.empty(n, dtype=np.int32)
    uniques = np.empty(n, dtype=np.int64)
    with np.errstate(over="ignore"):  # see hash_bytes_codes
        k = _hash_ints(values, bits, part, part_values, local, codes, uniques)
    return codes, uniques[:k].copy()


@nb.njit(nogil=True, cache=True)
def _hash_ints(
    values: npt.NDArray[np.int64],
    bits: int,
    part: npt.NDArray[np.uint16],
    part_values: npt.NDArray[np.int64],
    local: npt.NDArray[np.int32],
    codes: npt.NDArray[np.int32],
    uniques: npt.NDArray[np.int64],
) -> int:
    n = values.shape[0]
    shift = np.uint64(64 - bits)
    for i in range(n):
        part[i] = np.int64(_mix64(np.uint64(values[i])) >> shift) if bits > 0 else 0
    offsets = _part_offsets(part, 1 << bits)
    fill = offsets[:-1].copy()
    for i in range(n):
        p = np.int64(part[i])
        part_values[fill[p]] = values[i]
        fill[p] += 1
    slots = np.empty(_table_size(offsets), dtype=np.int32)  # global code, or -1
    k = 0
    for p in range(1 << bits):
        cap = _table_size(offsets[p : p + 2])
        slots[:cap] = -1
        for j in range(offsets[p], offsets[p + 1]):
            x = part_values[j]
            # The hash's low bits: its high bits chose the partition.
            s = np.int64(_mix64(np.uint64(x)) & np.uint64(cap - 1))
            while True:
                r = slots[s]
                if r < 0:
                    slots[s] = k
                    uniques[k] = x
                    local[j] = k
                    k += 1
                    break
                if uniques[r] == x:
                    local[j] = r
                    break
                s = (s + 1) & (cap - 1)
    zero = np.zeros(1 << bits, dtype=np.int64)  # local holds global codes already
    _replay(part, local, zero, offsets[:-1].copy(), codes, 0, n)
    return k


@nb.njit(nogil=True, cache=True)
def _part_offsets(part: npt.NDArray[np.uint16], n_parts: int) -> npt.NDArray[np.int64]:
    # Start of each partition in partition order (and the end).
    offsets = np.zeros(n_parts + 1, dtype=np.int64)
    for i in range(part.shape[0]):
        offsets[np.int64(part[i]) + 1] += 1
    for p in range(n_parts):
        offsets[p + 1] += offsets[p]
    return offsets


@nb.njit(nogil=True, cache=True)
def _table_size(offsets: npt.NDArray[np.int64]) -> int:
    # A power of two at least twice the largest partition (load factor <= 1/2).
    largest = 0
    for p in range(offsets.shape[0] - 1):
        largest = max(largest, offsets[p + 1] - offsets[p])
    cap = 16
    while cap < 2 * largest:
        cap *= 2
    return cap


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
    if a0 + 8 <= a1:
        # Straight-line byte loads, which LLVM combines into one load and a byte swap.
        return (  # type: ignore[no-any-return]
            (np.uint64(buffer[a0]) << np.uint64(56))
            | (np.uint64(buffer[a0 + 1]) << np.uint64(48))
            | (np.uint64(buffer[a0 + 2]) << np.uint64(40))
            | (np.uint64(buffer[a0 + 3]) << np.uint64(32))
            | (np.uint64(buffer[a0 + 4]) << np.uint64(24))
            | (np.uint64(buffer[a0 + 5]) << np.uint64(16))
            | (np.uint64(buffer[a0 + 6]) << np.uint64(8))
            | np.uint64(buffer[a0 + 7])
        )
    key = np.uint64(0)
    for t in range(8):
        key = key << np.uint64(8)
        if a0 + t < a1:
            key = key | np.uint64(buffer[a0 + t])
    return np.uint64(key)  # type: ignore[no-any-return]


# Bytes of a token held in its partition record: ids up to this long (32-hex-digit ids
# included) are compared without going back to the buffer.
_HELD = 32


@nb.njit(inline="always", cache=True)
def _row_key(
    buffer: npt.NDArray[np.uint8], starts: Offsets, gap: int, i: int
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, np.uint64, int]:
    # Token i's first four 8-byte chunks (big-endian, zero-padded), hash and length.
    a0 = np.int64(starts[i])
    length = np.int64(starts[i + 1]) - gap - a0
    a1 = a0 + length
    k0 = _prefix(buffer, a0, a1)
    k1 = _prefix(buffer, a0 + 8, a1) if length > 8 else np.uint64(0)
    k2 = _prefix(buffer, a0 + 16, a1) if length > 16 else np.uint64(0)
    k3 = _prefix(buffer, a0 + 24, a1) if length > 24 else np.uint64(0)
    h = _mix64(k0 ^ (np.uint64(length) * np.uint64(0x9E3779B97F4A7C15)))
    h = _mix64(h ^ k1)
    if length > 16:
        h = _mix64(h ^ k2)
        h = _mix64(h ^ k3)
        for t in range(_HELD, length, 8):
            h = _mix64(h ^ _prefix(buffer, a0 + t, a1))
    return k0, k1, k2, k3, h, length


@nb.njit(inline="always", cache=True)
def _same_bytes(buffer: npt.NDArray[np.uint8], a0: int, b0: int, start: int, length: int) -> bool:
    for t in range(start, length, 8):
        if _prefix(buffer, a0 + t, a0 + length) != _prefix(buffer, b0 + t, b0 + length):
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


def _serial(fn: Callable[[int], _R], items: Sequence[int]) -> list[_R]:
    return [fn(x) for x in items]


def _quiet(fn: Callable[[int], _R]) -> Callable[[int], _R]:
    """``fn`` with numpy's overflow warnings off in whichever thread runs it.

    The hash multiplies modulo 2**64 on purpose; compiled, that is silent, but the
    plain-Python run of NUMBA_DISABLE_JIT=1 (coverage) would warn on every overflow, and
    ``numpy.errstate`` holds for the thread that enters it only.
    """

    def run(w: int) -> _R:
        with np.errstate(over="ignore"):
            return fn(w)

    return run


def hash_bytes_codes(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    bits: int,
    gap: int = 1,
    *,
    workers: int = 1,
    pool: Pool = _serial,
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]
]:
    """Codes of byte tokens, each distinct token's first row, and its first 16 bytes.

    Token ``i`` is ``buffer[starts[i] : starts[i + 1] - gap]``: ``gap=1`` for tokens joined
    by a one-byte separator, ``gap=0`` for Arrow string offsets (int32 or int64, possibly a
    slice not starting at 0). Equal tokens get equal codes, numbered in no particular order
    (the caller sorts the distinct tokens). Equality is exact, NUL bytes included.

    Every pass is sequential or streams into a few hundred places: one random access per
    row (into a table the size of all distinct ids, or back into the buffer, or into the
    codes) would cost a cache and TLB miss each, seconds at 10^7 rows. Rows are scattered by
    hash into ``2**bits`` partitions as 48-byte records (the first 32 bytes, hash, row and
    length), each partition is coded with its own L2-resident hash table, and the codes are
    read back in row order by replaying the scatter. Only ids longer than 32 bytes go back to
    the buffer, to compare their tails with an earlier equal-headed id.

    Each pass is split into ``workers`` independent pieces (row ranges, then partition
    ranges) run by ``pool`` (``pool(fn, items)`` returns ``[fn(x) for x in items]``, on
    threads if it likes: the kernels release the GIL). The codes do not depend on either.

    The work arrays are allocated by numpy, which asks the kernel for huge pages: the
    partition scatter writes to ``2**bits`` places at once and would otherwise miss the TLB
    on most writes.
    """
    n = starts.shape[0] - 1
    n_parts = 1 << bits
    rows = np.linspace(0, n, workers + 1).astype(np.int64)
    records = np.empty((n, 6), dtype=np.uint64)
    part = np.empty(n, dtype=np.uint16)
    local = np.empty(n, dtype=np.int32)  # partition-local codes, in partition order
    distinct = np.zeros(n_parts, dtype=np.int64)
    codes = np.empty(n, dtype=np.int32)
    hashed = pool(
        _quiet(lambda w: _hash_rows(buffer, starts, gap, bits, part, rows[w], rows[w + 1])),
        range(workers),
    )
    counts = np.array(hashed).reshape(workers, n_parts)
    offsets = np.zeros(n_parts + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=offsets[1:])
    # Worker w's rows of partition p go after those of workers before it: row order.
    fill = offsets[:-1] + np.cumsum(counts, axis=0) - counts

    def scatter(w: int) -> None:
        _scatter_records(buffer, starts, gap, part, records, fill[w].copy(), rows[w], rows[w + 1])

    pool(_quiet(scatter), range(workers))
    split = np.linspace(0, n_parts, workers + 1).astype(np.int64)

    def code(w: int) -> None:
        _code_partitions(buffer, starts, records, offsets, split[w], split[w + 1], local, distinct)

    pool(_quiet(code), range(workers))
    base = np.zeros(n_parts + 1, dtype=np.int64)
    np.cumsum(distinct, out=base[1:])

    def replay(w: int) -> None:
        _replay(part, local, base, fill[w].copy(), codes, rows[w], rows[w + 1])

    pool(_quiet(replay), range(workers))
    kept = np.repeat(offsets[:-1] - base[:-1], distinct) + np.arange(base[-1])
    return codes, records[kept, 2].astype(np.int64), records[kept, 0], records[kept, 1]


@nb.njit(nogil=True, cache=True)
def _hash_rows(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    gap: int,
    bits: int,
    part: npt.NDArray[np.uint16],
    lo: int,
    hi: int,
) -> npt.NDArray[np.int64]:
    # Each row's partition (the hash's top bits), and the rows per partition.
    shift = np.uint64(64 - bits)
    counts = np.zeros(1 << bits, dtype=np.int64)
    for i in range(lo, hi):
        p = np.int64(_row_key(buffer, starts, gap, i)[4] >> shift) if bits > 0 else 0
        part[i] = p
        counts[p] += 1
    return counts


@nb.njit(nogil=True, cache=True)
def _scatter_records(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    gap: int,
    part: npt.NDArray[np.uint16],
    records: npt.NDArray[np.uint64],
    fill: npt.NDArray[np.int64],
    lo: int,
    hi: int,
) -> None:
    # One record per row, in partition order: first 32 bytes, hash, row | length.
    for i in range(lo, hi):
        k0, k1, k2, k3, h, length = _row_key(buffer, starts, gap, i)
        p = np.int64(part[i])
        j = fill[p]
        fill[p] = j + 1
        records[j, 0] = k0
        records[j, 1] = k1
        records[j, 2] = k2
        records[j, 3] = k3
        records[j, 4] = h
        records[j, 5] = (np.uint64(i) << np.uint64(32)) | np.uint64(length)


@nb.njit(nogil=True, cache=True)
def _code_partitions(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    records: npt.NDArray[np.uint64],
    offsets: npt.NDArray[np.int64],
    p_lo: int,
    p_hi: int,
    local: npt.NDArray[np.int32],
    distinct: npt.NDArray[np.int64],
) -> None:
    # Partitions p_lo..p_hi, each with its own hash table: record j gets the partition-local
    # code local[j], and record offsets[p] + c is overwritten with code c's first 16 bytes
    # and first row (the c-th distinct id first appears at a record >= offsets[p] + c, so
    # in code order no record is overwritten before it is read).
    cap_max = _table_size(offsets[p_lo : p_hi + 1])
    slots = np.empty(cap_max, dtype=np.int32)  # partition-local code, or -1
    first = np.empty(cap_max, dtype=np.int64)  # first record of each partition-local code
    low = np.uint64(0xFFFFFFFF)
    for p in range(p_lo, p_hi):
        start = offsets[p]
        cap = _table_size(offsets[p : p + 2])
        slots[:cap] = -1
        k = 0
        for j in range(start, offsets[p + 1]):
            h = records[j, 4]
            meta = records[j, 5]
            s = np.int64(h & np.uint64(cap - 1))
            while True:
                r = slots[s]
                if r < 0:
                    slots[s] = k
                    first[k] = j
                    local[j] = k
                    k += 1
                    break
                f = first[r]
                if (
                    records[f, 4] == h
                    and records[f, 5] & low == meta & low
                    and records[f, 0] == records[j, 0]
                    and records[f, 1] == records[j, 1]
                    and records[f, 2] == records[j, 2]
                    and records[f, 3] == records[j, 3]
                ):
                    length = np.int64(meta & low)
                    a0 = np.int64(starts[np.int64(meta >> np.uint64(32))])
                    b0 = np.int64(starts[np.int64(records[f, 5] >> np.uint64(32))])
                    if length <= _HELD or _same_bytes(buffer, a0, b0, _HELD, length):
                        local[j] = r
                        break
                s = (s + 1) & (cap - 1)
        for c in range(k):
            f = first[c]
            records[start + c, 0] = records[f, 0]
            records[start + c, 1] = records[f, 1]
            records[start + c, 2] = records[f, 5] >> np.uint64(32)
        distinct[p] = k


@nb.njit(nogil=True, cache=True)
def _replay(
    part: npt.NDArray[np.uint16],
    local: npt.NDArray[np.int32],
    base: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int64],
    codes: npt.NDArray[np.int32],
    lo: int,
    hi: int,
) -> None:
    # Codes back in row order by replaying the scatter: each read streams from one of the
    # partitions, instead of one random write per row.
    for i in range(lo, hi):
        p = np.int64(part[i])
        codes[i] = base[p] + local[fill[p]]
        fill[p] += 1


@nb.njit(nogil=True, cache=True)
def _chunk_of(
    buffer: npt.NDArray[np.uint8], starts: Offsets, gap: int, row: int, chunk: int
) -> np.uint64:
    a0 = np.int64(starts[row]) + 8 * chunk
    a1 = np.int64(starts[row + 1]) - gap
    return _prefix(buffer, a0, a1) if a0 < a1 else np.uint64(0)


def sort_tokens(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    rows: npt.NDArray[np.int64],
    head0: npt.NDArray[np.uint64],
    head1: npt.NDArray[np.uint64],
    gap: int = 1,
) -> npt.NDArray[np.int64]:
    """Order of the distinct tokens ``rows`` by their bytes (= Python ``str`` order).

    Tokens are addressed as in :func:`hash_bytes_codes`. ``head0``/``head1`` are each
    token's first two 8-byte chunks (big-endian, zero-padded). numpy's vectorised sort on
    the first chunk orders almost every id set nearly completely; runs that tie on it are
    then ordered chunk by chunk (the second from ``head1``, later ones from ``buffer``).
    UTF-8 byte order is code-point order, and zero padding sorts a prefix before its
    extensions; distinct tokens that still tie once all of them have ended differ only in
    trailing NUL bytes, and the shorter comes first.
    """
    index = np.argsort(head0).astype(np.int64, copy=False)
    _order_ties(buffer, starts, rows, head0[index], head1, index, gap)
    return index


@nb.njit(nogil=True, cache=True)
def _order_ties(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    rows: npt.NDArray[np.int64],
    sorted0: npt.NDArray[np.uint64],
    head1: npt.NDArray[np.uint64],
    index: npt.NDArray[np.int64],
    gap: int,
) -> None:
    # MSD on the chunks after the first, run by run. Each stacked run is a disjoint slice of
    # ``index`` with at least two tokens: at most m / 2 at once.
    m = index.shape[0]
    stack = np.empty((m // 2 + 1, 3), dtype=np.int64)
    top = 0
    t = 0
    while t < m:
        e = t + 1
        while e < m and sorted0[e] == sorted0[t]:
            e += 1
        if e - t > 1:
            stack[top, 0], stack[top, 1], stack[top, 2] = t, e, 1
            top += 1
        t = e
    while top > 0:
        top -= 1
        lo, hi, chunk = stack[top, 0], stack[top, 1], stack[top, 2]
        keys = np.empty(hi - lo, dtype=np.uint64)
        lengths = np.empty(hi - lo, dtype=np.int64)
        longest = 0
        for q in range(lo, hi):
            r = rows[index[q]]
            if chunk == 1:
                keys[q - lo] = head1[index[q]]
            else:
                keys[q - lo] = _chunk_of(buffer, starts, gap, r, chunk)
            lengths[q - lo] = np.int64(starts[r + 1]) - gap - np.int64(starts[r])
            longest = max(longest, lengths[q - lo])
        sub = np.argsort(keys, kind="mergesort")
        index[lo:hi] = index[lo:hi][sub]
        keys = keys[sub]
        lengths = lengths[sub]
        ended = longest <= 8 * (chunk + 1)
        q = lo
        while q < hi:
            e = q + 1
            while e < hi and keys[e - lo] == keys[q - lo]:
                e += 1
            if e - q > 1:
                if ended:
                    by_length = np.argsort(lengths[q - lo : e - lo], kind="mergesort")
                    index[q:e] = index[q:e][by_length]
                else:
                    stack[top, 0], stack[top, 1], stack[top, 2] = q, e, chunk + 1
                    top += 1
            q = e


@nb.njit(nogil=True, cache=True)
def gather_tokens(
    buffer: npt.NDArray[np.uint8],
    starts: Offsets,
    gap: int,
    rows: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Tokens ``rows`` (addressed as in :func:`hash_bytes_codes`) as one buffer and offsets."""
    m = rows.shape[0]
    offsets = np.empty(m + 1, dtype=np.int64)
    offsets[0] = 0
    for q in range(m):
        r = rows[q]
        offsets[q + 1] = offsets[q] + np.int64(starts[r + 1]) - gap - np.int64(starts[r])
    out = np.empty(offsets[m], dtype=np.uint8)
    for q in range(m):
        a0 = np.int64(starts[rows[q]])
        out[offsets[q] : offsets[q + 1]] = buffer[a0 : a0 + offsets[q + 1] - offsets[q]]
    return out, offsets


@nb.njit(nogil=True, cache=True)
def remap_codes(codes: npt.NDArray[np.int32], rank: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """``rank[codes]``, in place of a fancy-index copy of the same size."""
    out = np.empty_like(codes)
    for i in range(codes.shape[0]):
        out[i] = rank[codes[i]]
    return out
