"""Funnel, path and activity kernels over an event log grouped by user.

Event logs arrive in time order, so the rows of one user are scattered across the log. The
kernels first group the rows that matter (the funnel's steps) by user with a stable,
cache-blocked counting sort: one pass deals rows into blocks of ``2**shift`` consecutive
users (a few hundred append streams), then each block is sorted by user with block-local
counters that stay in the L2 cache. Inside a user the rows are put in ``(time, step)``
order (already so for time-ordered logs; ties in time go step by step, and rows equal in
both keep their input order). Each user is then one short contiguous slice, scanned once.

Every kernel has a brute-force pure-Python twin in ``tests/funnel``.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

NAT = np.iinfo(np.int64).min


@nb.njit(nogil=True, cache=True)
def block_histogram(
    codes: npt.NDArray[np.int32],
    labels: npt.NDArray[np.integer[Any]],
    step_of: npt.NDArray[np.int16],
    shift: int,
    n_blocks: int,
    lo: int,
    hi: int,
) -> npt.NDArray[np.int64]:
    """Rows ``lo..hi`` whose label is a step, counted per block of ``2**shift`` users."""
    counts = np.zeros(n_blocks, dtype=np.int64)
    for i in range(lo, hi):
        if step_of[labels[i]] >= 0:
            counts[codes[i] >> shift] += 1
    return counts


@nb.njit(nogil=True, cache=True)
def block_scatter(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    labels: npt.NDArray[np.integer[Any]],
    step_of: npt.NDArray[np.int16],
    shift: int,
    cursor: npt.NDArray[np.int64],
    lo: int,
    hi: int,
    out_user: npt.NDArray[np.uint16],
    out_ticks: npt.NDArray[np.int64],
    out_steps: npt.NDArray[np.int16],
    out_rows: npt.NDArray[np.int64],
) -> None:
    """Stable scatter of rows ``lo..hi`` that are steps to their block's next free slot.

    The user is stored as its position in its block (``code mod 2**shift``, ``shift`` at
    most 16). ``cursor`` (one per block) is advanced in place; threads scattering disjoint
    row ranges with disjoint cursors may share the outputs. ``out_rows`` may be empty
    (rows not kept).
    """
    has_rows = out_rows.shape[0] > 0
    mask = (1 << shift) - 1
    for i in range(lo, hi):
        s = step_of[labels[i]]
        if s >= 0:
            c = codes[i]
            b = c >> shift
            p = cursor[b]
            cursor[b] = p + 1
            out_user[p] = c & mask
            out_ticks[p] = ticks[i]
            out_steps[p] = s
            if has_rows:
                out_rows[p] = i


@nb.njit(inline="always", cache=True)
def _before(t1: int, s1: int, t2: int, s2: int) -> bool:
    return t1 < t2 or (t1 == t2 and s1 < s2)


@nb.njit(nogil=True, cache=True)
def _sort_slice(
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    rows: npt.NDArray[np.int64],
    lo: int,
    hi: int,
) -> None:
    """Stable in-place sort of ``lo..hi`` by ``(tick, step)`` (``rows`` too unless empty)."""
    has_rows = rows.shape[0] > 0
    ordered = True
    for p in range(lo + 1, hi):
        if _before(ticks[p], steps[p], ticks[p - 1], steps[p - 1]):
            ordered = False
            break
    if ordered:
        return
    if hi - lo <= 32:
        for p in range(lo + 1, hi):
            t = ticks[p]
            s = steps[p]
            r = rows[p] if has_rows else 0
            q = p - 1
            while q >= lo and _before(t, s, ticks[q], steps[q]):
                ticks[q + 1] = ticks[q]
                steps[q + 1] = steps[q]
                if has_rows:
                    rows[q + 1] = rows[q]
                q -= 1
            ticks[q + 1] = t
            steps[q + 1] = s
            if has_rows:
                rows[q + 1] = r
        return
    # Long unsorted slices: a stable merge sort on the time, then the (few) ties by step
    # with a stable counting sort, so no slice costs more than m log m.
    order = np.argsort(ticks[lo:hi], kind="mergesort")
    t_copy = ticks[lo:hi][order]
    s_copy = steps[lo:hi][order]
    r_copy = rows[lo:hi][order] if has_rows else rows
    m = hi - lo
    a = 0
    while a < m:
        b = a + 1
        while b < m and t_copy[b] == t_copy[a]:
            b += 1
        if b - a > 1:
            sub = np.argsort(s_copy[a:b], kind="mergesort")
            s_copy[a:b] = s_copy[a:b][sub]
            if has_rows:
                r_copy[a:b] = r_copy[a:b][sub]
        a = b
    ticks[lo:hi] = t_copy
    steps[lo:hi] = s_copy
    if has_rows:
        rows[lo:hi] = r_copy


@nb.njit(nogil=True, cache=True)
def sort_block(
    user: npt.NDArray[np.uint16],
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    rows: npt.NDArray[np.int64],
    lo: int,
    hi: int,
    first_user: int,
    n_users: int,
    offsets: npt.NDArray[np.int64],
    at: int,
    out_ticks: npt.NDArray[np.int64],
    out_steps: npt.NDArray[np.int16],
    out_rows: npt.NDArray[np.int64],
    dst: int,
) -> None:
    """Counting sort of one block's rows ``lo..hi`` by user, then each user by time.

    ``user`` holds positions in the block (as :func:`block_scatter` stores them) and
    ``first_user`` is 0, or whole codes and the block's first code.

    Writes ``offsets[at .. at + n_users]`` (the start of each user's slice; the caller sets
    the end) and the outputs from position ``dst`` on (``rows`` and ``out_rows`` may both
    be empty): ``at = first_user, dst = lo`` sorts in place of the block in whole-log
    arrays, ``at = dst = 0`` into the block's own buffers.
    """
    has_rows = out_rows.shape[0] > 0
    count = np.zeros(n_users + 1, dtype=np.int64)
    for p in range(lo, hi):
        count[user[p] - first_user + 1] += 1
    count[0] = dst
    for u in range(n_users):
        count[u + 1] += count[u]
    for u in range(n_users):
        offsets[at + u] = count[u]
    for p in range(lo, hi):
        u = user[p] - first_user
        q = count[u]
        count[u] = q + 1
        out_ticks[q] = ticks[p]
        out_steps[q] = steps[p]
        if has_rows:
            out_rows[q] = rows[p]
    for u in range(n_users):
        a = offsets[at + u]
        b = count[u]
        if b - a > 1:
            _sort_slice(out_ticks, out_steps, out_rows, a, b)


@nb.njit(cache=True)
def _strict_attempt(
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    lo: int,
    hi: int,
    n_steps: int,
    window: int,
    nxt: npt.NDArray[np.int64],
    next_of: npt.NDArray[np.int64],
) -> tuple[int, int]:
    """Steps in order: the furthest depth of one user and the attempt's first position.

    A chain is an occurrence of each step ``0..j`` with non-decreasing times and the last at
    most ``window`` ticks after the first. From a given first-step occurrence the greedy
    chain (the earliest next step at or after the current one, ties in time allowed) reaches
    as far as any chain from it, at the earliest times; the attempt is the earliest
    first-step occurrence whose greedy chain goes furthest. ``next_of[q]`` (filled here: the
    next occurrence of step ``steps[q] + 1`` after ``q``, relative to ``lo``) makes each
    greedy chain at most ``n_steps`` jumps.
    """
    m = hi - lo
    for j in range(n_steps + 1):
        nxt[j] = m
    for q in range(m - 1, -1, -1):
        s = steps[lo + q]
        next_of[q] = nxt[s + 1]
        nxt[s] = q
    best = 0
    best_start = -1
    for q in range(m):
        if steps[lo + q] != 0:
            continue
        t0 = ticks[lo + q]
        d = 1
        p = q
        while d < n_steps:
            r = next_of[p]
            if r == m or ticks[lo + r] - t0 > window:
                break
            p = r
            d += 1
        if d > best:
            best = d
            best_start = lo + q
            if d == n_steps:
                break
    return best, best_start


@nb.njit(cache=True)
def _any_attempt(
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    lo: int,
    hi: int,
    n_steps: int,
    window: int,
    count: npt.NDArray[np.int64],
) -> tuple[int, int]:
    """Steps in any order: the furthest prefix of steps that one window holds.

    Two pointers slide over the user's times; the window starting at each distinct time
    holds per-step counts, and its depth is the first step it lacks. The attempt is the
    earliest window start at an occurrence of a reached step that reaches the depth.
    """
    for j in range(n_steps):
        count[j] = 0
    best = 0
    best_start = -1
    r = lo
    a = lo
    while a < hi:
        t = ticks[a]
        while r < hi and ticks[r] - t <= window:
            count[steps[r]] += 1
            r += 1
        d = 0
        while d < n_steps and count[d] > 0:
            d += 1
        # A window whose earliest rows are all of later steps is not an attempt: the
        # window from the first row of a reached step holds the same steps and is
        # examined when the scan gets there.
        if d > best and steps[a] < d:
            best = d
            best_start = a
        b = a
        while b < hi and ticks[b] == t:
            count[steps[b]] -= 1
            b += 1
        a = b
    return best, best_start


@nb.njit(nogil=True, cache=True)
def funnel_users(
    offsets: npt.NDArray[np.int64],
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    rows: npt.NDArray[np.int64],
    n_steps: int,
    window: int,
    any_order: bool,
    ns: int,
    u_lo: int,
    u_hi: int,
    out: int,
    depth: npt.NDArray[np.int8],
    elapsed: npt.NDArray[np.int64],
    entered: npt.NDArray[np.int64],
    start_row: npt.NDArray[np.int64],
) -> None:
    """Per user, the furthest step reached and the attempt that reached it.

    See :func:`_strict_attempt` and :func:`_any_attempt`. In strict order step ``j`` of the
    attempt is converted at the greedy chain's ``j``-th occurrence; in any order when all of
    steps ``0..j`` have occurred in the window (each step's first occurrence in it).

    Writes for users ``u_lo..u_hi``, at ``u + out`` in the outputs: ``depth`` (steps
    reached, 0 when the user never did the first step), ``elapsed[u, j]`` (nanoseconds
    from the first step to step ``j``, ``NAT`` beyond the depth; a tick is ``ns``
    nanoseconds), ``entered`` (the attempt's first-step time in nanoseconds, ``NAT`` if
    none) and, when ``rows`` is not empty, ``start_row`` (the log row of the attempt's
    first step, -1 if none).
    """
    has_rows = rows.shape[0] > 0
    size = 1
    for u in range(u_lo, u_hi):
        size = max(size, offsets[u + 1] - offsets[u])
    next_of = np.empty(size, dtype=np.int64)
    nxt = np.empty(n_steps + 1, dtype=np.int64)
    count = np.empty(n_steps, dtype=np.int64)
    done = np.empty(n_steps, dtype=np.int64)
    for u in range(u_lo, u_hi):
        lo = offsets[u]
        hi = offsets[u + 1]
        v = u + out
        if any_order:
            best, first = _any_attempt(ticks, steps, lo, hi, n_steps, window, count)
        else:
            best, first = _strict_attempt(ticks, steps, lo, hi, n_steps, window, nxt, next_of)
        depth[v] = best
        for j in range(n_steps):
            elapsed[v, j] = NAT
        if best == 0:
            entered[v] = NAT
            if has_rows:
                start_row[v] = -1
            continue
        t0 = ticks[first]
        entered[v] = t0 * ns
        if has_rows:
            start_row[v] = rows[first]
        if any_order:
            for j in range(n_steps):
                done[j] = NAT
            found = 0
            q = first
            while q < hi and found < best and ticks[q] - t0 <= window:
                s = steps[q]
                if s < best and done[s] == NAT:
                    done[s] = ticks[q]
                    found += 1
                q += 1
            for j in range(1, best):
                done[j] = max(done[j], done[j - 1])
        else:
            p = first - lo
            done[0] = t0
            for j in range(1, best):
                p = next_of[p]
                done[j] = ticks[lo + p]
        for j in range(best):
            elapsed[v, j] = (done[j] - t0) * ns


@nb.njit(nogil=True, cache=True)
def funnel_blocks(
    user: npt.NDArray[np.uint16],
    ticks: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    rows: npt.NDArray[np.int64],
    block_start: npt.NDArray[np.int64],
    shift: int,
    n_users: int,
    b_lo: int,
    b_hi: int,
    n_steps: int,
    window: int,
    any_order: bool,
    ns: int,
    depth: npt.NDArray[np.int8],
    elapsed: npt.NDArray[np.int64],
    entered: npt.NDArray[np.int64],
    start_row: npt.NDArray[np.int64],
) -> None:
    """:func:`funnel_users` on blocks ``b_lo..b_hi`` of the block-partitioned rows.

    Each block is sorted by user (and each user by time) into buffers of the block's own
    size, which stay in the cache while :func:`funnel_users` reads them: the rows go to
    main memory once (the partition pass), not three times.
    """
    size = 0
    for b in range(b_lo, b_hi):
        size = max(size, block_start[b + 1] - block_start[b])
    has_rows = rows.shape[0] > 0
    local_ticks = np.empty(size, dtype=np.int64)
    local_steps = np.empty(size, dtype=np.int16)
    local_rows = np.empty(size if has_rows else 0, dtype=np.int64)
    offsets = np.empty((1 << shift) + 1, dtype=np.int64)
    for b in range(b_lo, b_hi):
        first = b << shift
        count = min(1 << shift, n_users - first)
        lo = block_start[b]
        hi = block_start[b + 1]
        sort_block(
            user,
            ticks,
            steps,
            rows,
            lo,
            hi,
            0,
            count,
            offsets,
            0,
            local_ticks,
            local_steps,
            local_rows,
            0,
        )
        offsets[count] = hi - lo
        funnel_users(
            offsets,
            local_ticks,
            local_steps,
            local_rows,
            n_steps,
            window,
            any_order,
            ns,
            0,
            count,
            first,
            depth,
            elapsed,
            entered,
            start_row,
        )


@nb.njit(nogil=True, cache=True)
def user_paths(
    offsets: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int16],
    anchor: int,
    length: int,
    before: bool,
    collapse: bool,
) -> npt.NDArray[np.int32]:
    """Per user with ``anchor``: the ``length`` events after (or before) its first occurrence.

    Rows of the output are users with the anchor, in user order; entries are event codes,
    -1 where the user's events run out. With ``collapse`` a run of one event counts once
    (the anchor's own repeats included).
    """
    n_users = offsets.shape[0] - 1
    at = np.full(n_users, -1, dtype=np.int64)
    count = 0
    for u in range(n_users):
        for p in range(offsets[u], offsets[u + 1]):
            if steps[p] == anchor:
                at[u] = p
                count += 1
                break
    out = np.full((count, length), -1, dtype=np.int32)
    r = 0
    for u in range(n_users):
        p = at[u]
        if p < 0:
            continue
        last = anchor
        filled = 0
        if before:
            q = p - 1
            while q >= offsets[u] and filled < length:
                s = steps[q]
                if not (collapse and s == last):
                    out[r, filled] = s
                    filled += 1
                    last = s
                q -= 1
        else:
            q = p + 1
            while q < offsets[u + 1] and filled < length:
                s = steps[q]
                if not (collapse and s == last):
                    out[r, filled] = s
                    filled += 1
                    last = s
                q += 1
        r += 1
    return out


@nb.njit(nogil=True, cache=True)
def active_counts(
    offsets: npt.NDArray[np.int64],
    ticks: npt.NDArray[np.int64],
    ticks_per_day: int,
    first_day: int,
    n_days: int,
    windows: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Users active in the trailing ``windows[w]`` days ending on each day.

    A user active on days ``a_1 < a_2 < ...`` counts for window ``w`` on the days of the
    union of ``[a_i, a_i + w)``, i.e. of the disjoint ``[a_i, min(a_i + w, a_{i+1}))``:
    one +1/-1 pair per active day in a difference array.
    """
    n_w = windows.shape[0]
    diff = np.zeros((n_w, n_days + 1), dtype=np.int64)
    for u in range(offsets.shape[0] - 1):
        lo = offsets[u]
        hi = offsets[u + 1]
        p = lo
        while p < hi:
            day = ticks[p] // ticks_per_day - first_day
            q = p + 1
            while q < hi and ticks[q] // ticks_per_day - first_day == day:
                q += 1
            following = ticks[q] // ticks_per_day - first_day if q < hi else n_days
            for w in range(n_w):
                end = min(day + windows[w], following, n_days)
                diff[w, day] += 1
                diff[w, end] -= 1
            p = q
    out = np.empty((n_w, n_days), dtype=np.int64)
    for w in range(n_w):
        total = 0
        for d in range(n_days):
            total += diff[w, d]
            out[w, d] = total
    return out


@nb.njit(nogil=True, cache=True)
def count_nat(values: npt.NDArray[np.int64]) -> int:
    """Entries equal to NaT (the int64 minimum), read in place (no copy)."""
    missing = 0
    for i in range(values.shape[0]):
        if values[i] == NAT:
            missing += 1
    return missing


@nb.njit(nogil=True, cache=True)
def small_code_counts(codes: npt.NDArray[np.integer[Any]], n_codes: int) -> npt.NDArray[np.int64]:
    """Occurrences of each of ``n_codes`` small codes (category codes), negatives last.

    ``out[n_codes]`` counts the negative (missing) codes; one pass, no widened copy.
    """
    out = np.zeros(n_codes + 1, dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        if c < 0:
            out[n_codes] += 1
        else:
            out[c] += 1
    return out


@nb.njit(nogil=True, cache=True)
def remap_small(
    codes: npt.NDArray[np.integer[Any]], rank: npt.NDArray[np.int32]
) -> npt.NDArray[np.int32]:
    """``rank[codes]`` as int32, from narrow (int8/int16) category codes."""
    out = np.empty(codes.shape[0], dtype=np.int32)
    for i in range(codes.shape[0]):
        out[i] = rank[codes[i]]
    return out
