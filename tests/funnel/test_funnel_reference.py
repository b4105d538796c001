"""funnel(): equal to a brute-force per-user reference on random logs (hypothesis).

The reference enumerates every chain of step occurrences (strict order) or every window
start (any order) of each user in pure Python: no grouping, no sorting tricks, no next-step
links. Logs have ties in time, repeated steps, other events, shuffled rows and users who
skip steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from growthkit.funnel import funnel

MINUTE = pd.Timedelta(minutes=1)
T0 = pd.Timestamp("2024-03-01")
NAMES = ["a", "b", "c", "d", "x"]

Row = tuple[int, int, str, int]  # user, minute, event, row id
Case = tuple[pd.DataFrame, list[Row], list[str], int | None, str]


def _chains(
    occ: list[tuple[int, int]], steps: list[str], names: list[str], window: int | None
) -> dict[int, tuple[int, dict[int, int], int]]:
    """Strict order, per start row: (depth, {step: min elapsed}, start time)."""
    out: dict[int, tuple[int, dict[int, int], int]] = {}
    k = len(steps)
    for i, (t0, row0) in enumerate(occ):
        if names[i] != steps[0]:
            continue
        best: dict[int, int] = {0: 0}

        def extend(j: int, t_prev: int, t0: int = t0, best: dict[int, int] = best) -> None:
            if j == k:
                return
            for (t, _), name in zip(occ, names, strict=True):
                if name == steps[j] and t >= t_prev and (window is None or t - t0 <= window):
                    e = t - t0
                    if j not in best or e < best[j]:
                        best[j] = e
                    extend(j + 1, t)

        extend(1, t0)
        depth = max(best) + 1
        out[row0] = (depth, best, t0)
    return out


def reference(
    rows: list[Row], steps: list[str], window: int | None, order: str
) -> dict[int, tuple[int, list[int | None], int | None]]:
    """user -> (depth, elapsed minutes per step or None, start row id or None)."""
    k = len(steps)
    users = sorted({r[0] for r in rows})
    result: dict[int, tuple[int, list[int | None], int | None]] = {}
    for u in users:
        mine = [r for r in rows if r[0] == u and r[2] in steps]
        # input order of rows is the row id order
        mine.sort(key=lambda r: r[3])
        empty: list[int | None] = [None] * k
        if order == "strict":
            occ = [(r[1], r[3]) for r in mine]
            names = [r[2] for r in mine]
            attempts = _chains(occ, steps, names, window)
            if not attempts:
                result[u] = (0, empty, None)
                continue
            depth = max(d for d, _, _ in attempts.values())
            # earliest start time reaching the depth; same time: first row in input order
            row0 = min(
                (r for r, (d, _, _) in attempts.items() if d == depth),
                key=lambda r: (attempts[r][2], r),
            )
            best = attempts[row0][1]
            result[u] = (depth, [best.get(j) for j in range(k)], row0)
            continue

        # any order
        def depth_at(a: int, mine: list[Row] = mine) -> int:
            d = 0
            while d < k and any(
                r[2] == steps[d] and a <= r[1] and (window is None or r[1] - a <= window)
                for r in mine
            ):
                d += 1
            return d

        if not mine:
            result[u] = (0, empty, None)
            continue
        depth = max(depth_at(r[1]) for r in mine)
        if depth == 0:
            result[u] = (0, empty, None)
            continue
        starts = [r for r in mine if steps.index(r[2]) < depth and depth_at(r[1]) >= depth]
        a = min(r[1] for r in starts)
        at_a = [r for r in mine if r[1] == a]
        row0 = min(at_a, key=lambda r: (steps.index(r[2]), r[3]))[3]
        firsts = []
        for i in range(depth):
            firsts.append(
                min(
                    r[1]
                    for r in mine
                    if r[2] == steps[i] and a <= r[1] and (window is None or r[1] - a <= window)
                )
            )
        elapsed: list[int | None] = [None] * k
        done = a
        for j in range(depth):
            done = max(done, firsts[j])
            elapsed[j] = done - a
        result[u] = (depth, elapsed, row0)
    return result


@st.composite
def logs(draw: Any) -> Case:
    n = draw(st.integers(1, 30))
    users = st.integers(1, 5)
    minutes = st.integers(0, 12)
    names = st.sampled_from(NAMES)
    rows = [(draw(users), draw(minutes), draw(names), i) for i in range(n)]
    steps = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)
    )
    window = draw(st.one_of(st.none(), st.integers(1, 8)))
    order = draw(st.sampled_from(["strict", "any"]))
    # every step occurs (a step absent from the log is an error, tested elsewhere)
    present = {r[2] for r in rows}
    missing = [s for s in steps if s not in present]
    rows += [(99, 12 + i, s, n + i) for i, s in enumerate(missing)]
    perm = draw(st.permutations(list(range(len(rows)))))
    # rows in shuffled (time-unsorted) order; a row's id is its position in the frame,
    # which breaks ties between rows equal in user, time and event
    shuffled = [(*rows[i][:3], pos) for pos, i in enumerate(perm)]
    rows = shuffled
    frame = pd.DataFrame(
        {
            "user_id": [r[0] for r in shuffled],
            "timestamp": [T0 + r[1] * MINUTE for r in shuffled],
            "event": [r[2] for r in shuffled],
            "row": [r[3] for r in shuffled],
        }
    )
    return frame, rows, steps, window, order


@settings(max_examples=300)
@given(logs())
def test_funnel_equals_brute_force(
    case: Case,
) -> None:
    frame, rows, steps, window, order = case
    # the row's own id as a property: the segment names the attempt's first row
    result = funnel(
        frame,
        steps,
        window=None if window is None else window * MINUTE,
        order=order,  # type: ignore[arg-type]
        by="row",
    )
    want = reference(rows, steps, window, order)
    users = list(result.users)
    assert sorted(users) == sorted(want)
    labels = result.groups.to_numpy()
    for i, u in enumerate(users):
        depth, elapsed, row0 = want[u]
        assert int(result.depth[i]) == depth, (u, order)
        got = [None if pd.isna(x) else int(pd.Timedelta(x) / MINUTE) for x in result.elapsed[i]]
        assert got == elapsed, (u, order)
        if depth:
            assert int(labels[result.group[i]]) == row0, (u, order)
            assert pd.Timestamp(result.entered_at[i]) == T0 + elapsed_start(rows, row0) * MINUTE
        else:
            assert result.group[i] == -1
            assert pd.isna(result.entered_at[i])
    depths = np.array([want[u][0] for u in users])
    k = len(steps)
    expected = np.array(
        [
            [
                int(
                    (
                        (depths > j) & (np.array([want[u][2] for u in users], dtype=object) == r)
                    ).sum()
                )
                for j in range(k)
            ]
            for r in labels
        ]
    )
    np.testing.assert_array_equal(result.counts, expected)


def elapsed_start(rows: list[Row], row0: int) -> int:
    return next(r[1] for r in rows if r[3] == row0)


@settings(max_examples=100)
@given(logs())
def test_row_order_does_not_matter(
    case: Case,
) -> None:
    frame, _, steps, window, order = case
    w = None if window is None else window * MINUTE
    a = funnel(frame, steps, window=w, order=order)  # type: ignore[arg-type]
    b = funnel(frame.iloc[::-1], steps, window=w, order=order)  # type: ignore[arg-type]
    assert a == b
