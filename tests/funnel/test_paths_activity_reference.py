"""paths, transition_matrix and activity against pandas / pure-Python twins on random logs."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from growthkit.funnel import activity, paths, transition_matrix

T0 = pd.Timestamp("2024-05-01")
NAMES = ["a", "b", "c"]


@st.composite
def logs(draw: Any) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    rows = [
        (
            draw(st.integers(1, 6)),
            T0 + pd.Timedelta(hours=draw(st.integers(0, 24 * 20))),
            draw(st.sampled_from(NAMES)),
        )
        for _ in range(n)
    ]
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])


def _streams(frame: pd.DataFrame) -> dict[int, list[str]]:
    """Each user's events in (time, name) order: the documented tie rule."""
    ordered = frame.sort_values(["user_id", "timestamp", "event"], kind="stable")
    return {int(str(u)): list(g["event"]) for u, g in ordered.groupby("user_id")}


def naive_paths(
    frame: pd.DataFrame, event: str, length: int, before: bool, collapse: bool
) -> Counter[tuple[str, ...]]:
    out: Counter[tuple[str, ...]] = Counter()
    pad = "(start)" if before else "(end)"
    for stream in _streams(frame).values():
        if event not in stream:
            continue
        i = stream.index(event)
        rest = stream[:i][::-1] if before else stream[i + 1 :]
        seq: list[str] = []
        last = event
        for e in rest:
            if collapse and e == last:
                continue
            seq.append(e)
            last = e
        seq = (seq + [pad] * length)[:length]
        out[tuple(seq)] += 1
    return out


@settings(max_examples=80)
@given(logs(), st.integers(1, 3), st.booleans(), st.booleans())
def test_paths(frame: pd.DataFrame, length: int, before: bool, collapse: bool) -> None:
    event = frame["event"].iloc[0]
    want = naive_paths(frame, event, length, before, collapse)
    got = paths(
        frame,
        event,
        length=length,
        top=1000,
        direction="before" if before else "after",
        collapse_repeats=collapse,
    )
    assert dict(zip(got.sequences, got.counts.tolist(), strict=True)) == dict(want)
    assert got.n_users == sum(want.values())
    assert list(got.counts) == sorted(got.counts, reverse=True)


@settings(max_examples=80)
@given(logs(), st.booleans())
def test_transition_matrix(frame: pd.DataFrame, collapse: bool) -> None:
    m = transition_matrix(frame, collapse_repeats=collapse)
    names = list(m.events)
    pairs: Counter[tuple[str, str]] = Counter()
    starts: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    for stream in _streams(frame).values():
        starts[stream[0]] += 1
        ends[stream[-1]] += 1
        for a, b in itertools.pairwise(stream):
            if not (collapse and a == b):
                pairs[(a, b)] += 1
    want = np.array([[pairs[(a, b)] for b in names] for a in names])
    np.testing.assert_array_equal(m.counts, want)
    assert m.starts.tolist() == [starts[a] for a in names]
    assert m.ends.tolist() == [ends[a] for a in names]
    probs = m.probabilities.to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


@settings(max_examples=80)
@given(logs(), st.integers(1, 9), st.integers(1, 40))
def test_activity(frame: pd.DataFrame, week: int, month: int) -> None:
    a = activity(frame, wau_days=week, mau_days=month)
    day = (frame["timestamp"] - T0).dt.days.tolist()
    active = set(zip(frame["user_id"].tolist(), day, strict=True))
    days = range(min(day), max(day) + 1)
    assert len(a.days) == len(days)
    assert a.days[0].start_time == T0 + pd.Timedelta(days=min(day))
    for got, width in ((a.dau, 1), (a.wau, week), (a.mau, month)):
        want = [len({u for u, x in active if d - width < x <= d}) for d in days]
        assert got.tolist() == want


def test_activity_one_event_only() -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"]),
            "event": ["a", "b", "b"],
        }
    )
    a = activity(frame, event="b")
    assert a.dau.tolist() == [2]
    assert a.event == ("b",)
    assert activity(frame).dau.tolist() == [1, 2]
