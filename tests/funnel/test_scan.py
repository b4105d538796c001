"""A raw frame is scanned for one call (no copies): same results and errors as prepared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.errors import DataError
from growthkit.funnel import funnel, prepare_events
from growthkit.funnel._events import scan_events

STEPS = ["visit", "view", "add_to_cart", "checkout", "purchase"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    log = gk.datasets.simulate_events(400, seed=11, returns=1.0)
    # categories out of order and one no row uses
    events = log["event"].cat.add_categories(["zzz"])
    log["event"] = events.cat.reorder_categories(["zzz", "purchase", *STEPS[:4]])
    return log


def test_prepared_labels_equal_factorised(frame: pd.DataFrame) -> None:
    log = prepare_events(frame)
    assert list(log.event_names) == ["purchase", *STEPS[:4]]
    names = log.event_names.to_numpy()
    assert (names[log.labels] == frame["event"].astype(str).to_numpy()).all()
    assert log.labels.dtype == np.int32 and not log.labels.flags.writeable
    assert not np.shares_memory(log.ticks, frame["timestamp"].to_numpy())


def test_scan_reads_times_in_place(frame: pd.DataFrame) -> None:
    cols = scan_events(frame, user_col="user_id", time_col="timestamp", event_col="event")
    assert np.shares_memory(cols.ticks, frame["timestamp"].to_numpy())
    assert not cols.ticks.flags.writeable
    assert cols.coded and cols.name_of.tolist() == [-1, 0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "options",
    [
        {"window": "1D"},
        {"window": "1h", "order": "any"},
        {"window": None, "by": "device"},
        {"window": "2D", "by": "cohort"},
    ],
)
def test_frame_equals_prepared(frame: pd.DataFrame, options: dict[str, object]) -> None:
    prepared = prepare_events(frame, properties=["device"])
    as_text = frame.assign(event=frame["event"].astype(str))
    want = funnel(prepared, STEPS, **options)  # type: ignore[arg-type]
    assert funnel(frame, STEPS, **options) == want  # type: ignore[arg-type]
    assert funnel(as_text, STEPS, **options) == want  # type: ignore[arg-type]


def test_unused_category_is_not_an_event(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"^`steps` names events not in the log \('zzz'\)"):
        funnel(frame, ["visit", "zzz"])


def test_missing_category_and_nat(frame: pd.DataFrame) -> None:
    bad = frame.copy()
    bad.loc[3, "event"] = None
    for call in (lambda: prepare_events(bad), lambda: funnel(bad, STEPS)):
        with pytest.raises(DataError, match=r"^`event` has missing values \(NaN/None\): 1 rows"):
            call()
    bad = frame.copy()
    bad.loc[[3, 5], "timestamp"] = pd.NaT
    for call in (lambda: prepare_events(bad), lambda: funnel(bad, STEPS)):
        with pytest.raises(DataError, match=r"^`timestamp` has missing values \(NaT\): 2 rows"):
            call()
