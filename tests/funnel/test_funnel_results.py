"""FunnelResult and friends: contract (==, pickle, read-only), properties, segments, data."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import growthkit as gk
from growthkit.funnel import (
    activity,
    event_retention,
    funnel,
    paths,
    prepare_events,
    report_section,
    transition_matrix,
)

STEPS = list(gk.datasets.EVENT_STEPS)


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return gk.datasets.simulate_events(3000, seed=11, returns=1.0)


def _results(shop: pd.DataFrame) -> list[Any]:
    log = prepare_events(shop, properties=["device"])
    return [
        funnel(log, STEPS, window="1D", by="device"),
        funnel(log, STEPS[:3], order="any", by="cohort", period="W"),
        paths(log, "view"),
        transition_matrix(log),
        activity(log),
        report_section(log),
    ]


def test_results_equal_pickle_and_read_only(shop: pd.DataFrame) -> None:
    first, second = _results(shop), _results(shop)
    for a, b in zip(first, second, strict=True):
        assert a == b
        copy = pickle.loads(pickle.dumps(a))
        assert copy == a
        for value in (copy, a):
            for name in type(value).__dataclass_fields__:
                field = getattr(value, name)
                if isinstance(field, np.ndarray):
                    assert not field.flags.writeable, (type(value).__name__, name)
                    with pytest.raises(ValueError):
                        field[...] = 0
        with pytest.raises(AttributeError):
            setattr(a, next(iter(type(a).__dataclass_fields__)), None)
    assert first[0] != first[1]


def test_frames_are_copies(shop: pd.DataFrame) -> None:
    f = funnel(shop, STEPS, window="1D")
    frame = f.users_frame()
    frame.iloc[:, 0] = 0
    assert f.depth.max() > 0
    conversion = f.conversion
    conversion.iloc[0, 0] = 9.0
    assert f.conversion.iloc[0, 0] == 1.0


def test_prepared_equals_frame(shop: pd.DataFrame) -> None:
    log = prepare_events(shop, properties=["device"])
    assert funnel(log, STEPS, by="device") == funnel(shop, STEPS, by="device")
    assert gk.funnel.paths(log, "visit") == gk.funnel.paths(shop, "visit")
    assert activity(log) == activity(shop)


def test_known_rates_recovered() -> None:
    # one session per user: step-to-step conversion estimates the simulated rates
    log = gk.datasets.simulate_events(40_000, seed=5, rates=(0.6, 0.4, 0.5, 0.8))
    frame = funnel(log, STEPS, window="1h").to_frame()
    got = frame["conversion_from_previous"].to_numpy()[1:]
    n = frame["users"].to_numpy()[:-1]
    se = np.sqrt(np.array([0.6, 0.4, 0.5, 0.8]) * (1 - np.array([0.6, 0.4, 0.5, 0.8])) / n)
    assert np.all(np.abs(got - [0.6, 0.4, 0.5, 0.8]) < 4 * se)


def test_simulation_is_deterministic() -> None:
    a = gk.datasets.simulate_events(500, seed=3, returns=1.5)
    assert a.equals(gk.datasets.simulate_events(500, seed=3, returns=1.5))
    assert not a.equals(gk.datasets.simulate_events(500, seed=4, returns=1.5))
    assert a["timestamp"].is_monotonic_increasing


def test_segments_add_up(shop: pd.DataFrame) -> None:
    whole = funnel(shop, STEPS, window="1D")
    by_device = funnel(shop, STEPS, window="1D", by="device")
    by_cohort = funnel(shop, STEPS, window="1D", by="cohort", period="W")
    np.testing.assert_array_equal(by_device.counts.sum(axis=0), whole.counts[0])
    np.testing.assert_array_equal(by_cohort.counts.sum(axis=0), whole.counts[0])
    assert list(by_device.groups) == ["desktop", "mobile"]
    assert isinstance(by_cohort.groups, pd.PeriodIndex)
    np.testing.assert_array_equal(by_device.depth, whole.depth)


def test_window_none_and_wide_window_agree(shop: pd.DataFrame) -> None:
    assert funnel(shop, STEPS, window=None).counts.tolist() == (
        funnel(shop, STEPS, window="3650D").counts.tolist()
    )


def test_time_to_convert(shop: pd.DataFrame) -> None:
    f = funnel(shop, STEPS, window="1D", quantiles=(0.0, 0.5, 1.0))
    frame = f.to_frame()
    assert (frame["time_to_convert_p0"].iloc[0]) == pd.Timedelta(0)
    reached = f.depth > 2
    want = np.median(f.elapsed[reached, 2].astype(np.int64))
    assert frame["time_to_convert_p50"].iloc[2] == pd.Timedelta(round(want), unit="ns")
    assert frame["time_to_convert_p100"].iloc[4] <= pd.Timedelta("1D")
    gaps = (f.elapsed[f.depth > 3, 3] - f.elapsed[f.depth > 3, 2]).astype(np.int64)
    assert frame["time_from_previous_p0"].iloc[3] == pd.Timedelta(int(gaps.min()), unit="ns")


@st.composite
def shops(draw: Any) -> tuple[pd.DataFrame, list[str], str, str]:
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(1, 80))
    log = gk.datasets.simulate_events(n, seed=seed, returns=draw(st.sampled_from([0.0, 2.0])))
    steps = draw(st.permutations(STEPS))[: draw(st.integers(1, 5))]
    present = set(log["event"].astype(str))
    steps = [s for s in steps if s in present] or ["visit"]
    window = draw(st.sampled_from(["5min", "1h", "2D"]))
    order = draw(st.sampled_from(["strict", "any"]))
    return log, steps, window, order


@settings(max_examples=40)
@given(shops())
def test_properties(case: tuple[pd.DataFrame, list[str], str, str]) -> None:
    log, steps, window, order = case
    f = funnel(log, steps, window=window, order=order)  # type: ignore[arg-type]
    counts = f.counts[0]
    # conversion never increases along the steps, and never exceeds 1
    assert np.all(np.diff(counts) <= 0)
    frame = f.to_frame()
    assert frame["conversion"].between(0, 1).all()
    assert frame["conversion_from_previous"].between(0, 1).all()
    assert (frame["drop_off"] >= 0).all()
    assert counts[0] == log.loc[log["event"] == steps[0], "user_id"].nunique()
    # a wider window never converts fewer users; "any" order never fewer than "strict"
    wider = funnel(log, steps, window="30D", order=order)  # type: ignore[arg-type]
    assert np.all(wider.counts >= f.counts)
    if order == "strict":
        assert np.all(funnel(log, steps, window=window, order="any").counts >= f.counts)
    # the first step alone is the users who did it
    assert funnel(log, steps[:1]).counts[0, 0] == counts[0]
    # times: elapsed non-decreasing along the steps, within the window
    reached = f.depth >= 2
    if reached.any():
        e = f.elapsed[reached].astype(np.int64)
        depth = f.depth[reached]
        for row, d in zip(e, depth, strict=True):
            assert np.all(np.diff(row[:d]) >= 0)
            assert row[d - 1] <= pd.Timedelta(window).value


def test_event_retention_is_cohort_matrix(shop: pd.DataFrame) -> None:
    m = event_retention(shop, event="purchase", period="W")
    rows = shop[shop["event"] == "purchase"].rename(columns={"user_id": "customer_id"})
    want = gk.cohort.cohort_matrix(rows, period="W")
    pd.testing.assert_frame_equal(m.counts, want.counts)
    pd.testing.assert_series_equal(m.sizes, want.sizes, check_names=False)
    assert event_retention(shop).sizes.sum() == shop["user_id"].nunique()


def test_report_section(shop: pd.DataFrame) -> None:
    s = report_section(shop, steps=STEPS[:3], window="2h")
    tables = s.tables()
    assert list(tables) == ["funnel", "activity", "paths"]
    assert "within 0 days 02:00:00" in tables["funnel"][0]
    assert tables["funnel"][1]["step"].tolist() == STEPS[:3]
    assert [alt for _, alt, _ in s.charts()] == ["funnel", "stickiness"]


def test_plots(shop: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    from growthkit.plotting import new_axes, plot_funnel, plot_funnel_steps, plot_stickiness

    f = funnel(shop, STEPS, window="1D", by="device")
    ax = plot_funnel(f, ax=new_axes())
    assert len(ax.patches) == 2 * len(STEPS)
    assert [t.get_text() for t in ax.texts][:2] == [
        f"{f.counts[0, 1] / f.counts[0, 0]:.0%}",
        f"{f.counts[0, 2] / f.counts[0, 1]:.0%}",
    ]
    assert f.plot(ax=new_axes(), kind="steps").get_ylabel() == "conversion from first step"
    assert plot_funnel_steps(f, ax=new_axes()).get_legend() is not None
    a = activity(shop)
    line = plot_stickiness(a, ax=new_axes()).get_lines()[0]
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), a.stickiness.to_numpy())
    for _, alt, _ in report_section(shop).charts():
        assert alt
