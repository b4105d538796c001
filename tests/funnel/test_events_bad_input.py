"""Bad input to the event log and the funnel functions: class and message pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.errors import DataError, SchemaError
from growthkit.funnel import activity, funnel, paths, prepare_events, transition_matrix


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-02 00:00", "2024-01-03 00:00"]
            ),
            "event": ["visit", "buy", "visit", "visit"],
            "device": pd.Series(["web", "web", None, "app"], dtype=object),
        }
    )


def test_not_a_frame() -> None:
    with pytest.raises(SchemaError, match=r"^`events` must be a pandas DataFrame or growthkit"):
        prepare_events([1, 2, 3])  # type: ignore[arg-type]


def test_missing_column(frame: pd.DataFrame) -> None:
    with pytest.raises(
        SchemaError, match=r"^`name` column not found \(columns: user_id, timestamp, event"
    ):
        prepare_events(frame, event_col="name")


def test_missing_property_column(frame: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match=r"^`os` column not found .*: 4 rows\. Pass properties"):
        prepare_events(frame, properties=["os"])


def test_empty(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"^`user_id` is empty: 0 rows\. Pass at least one event"):
        prepare_events(frame.iloc[:0])


def test_missing_user(frame: pd.DataFrame) -> None:
    bad = frame.assign(user_id=[1.0, np.nan, 2.0, 2.0])
    with pytest.raises(DataError, match=r"^`user_id` has missing values \(NaN/None\): 1 rows\."):
        prepare_events(bad)


def test_missing_event_name(frame: pd.DataFrame) -> None:
    bad = frame.assign(event=pd.Series(["visit", None, "visit", "visit"], dtype=object))
    with pytest.raises(DataError, match=r"^`event` has missing values \(NaN/None\): 1 rows\."):
        prepare_events(bad)


def test_nat_time(frame: pd.DataFrame) -> None:
    bad = frame.assign(timestamp=frame["timestamp"].where(frame.index != 2))
    with pytest.raises(DataError, match=r"^`timestamp` has missing values \(NaT\): 1 rows\."):
        prepare_events(bad)


def test_text_time(frame: pd.DataFrame) -> None:
    bad = frame.assign(timestamp=["a", "b", "c", "d"])
    # pandas 2 holds the text as object values, pandas 3 as its `str` dtype
    with pytest.raises(SchemaError, match=r"^`timestamp` must be datetime64, got (object|dtype)"):
        prepare_events(bad)


def test_unhashable_property(frame: pd.DataFrame) -> None:
    bad = frame.assign(device=pd.Series([{"a": 1}, {}, {}, {}], dtype=object))
    with pytest.raises(SchemaError, match=r"^`device` must hold hashable values .*: 4 rows\."):
        prepare_events(bad, properties=["device"])


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (
            {"steps": "visit"},
            SchemaError,
            r"^`steps` must be a list of event names, got str: 1 rows",
        ),
        ({"steps": []}, DataError, r"^`steps` is empty: 0 rows\. Name at least one step\."),
        ({"steps": ["visit", "visit"]}, DataError, r"^`steps` repeats an event name: 1 rows\."),
        (
            {"steps": ["visit", "purchase"]},
            DataError,
            r"^`steps` names events not in the log \('purchase'\): 1 rows\. Events in the log: "
            r"'buy', 'visit'\.",
        ),
        ({"steps": ["visit"], "order": "exact"}, SchemaError, r"^`order` must be one of 'strict'"),
        ({"steps": ["visit"], "window": -1}, SchemaError, r"^`window` must be a positive duration"),
        (
            {"steps": ["visit"], "window": "-1D"},
            DataError,
            r"^`window` must be a positive duration",
        ),
        (
            {"steps": ["visit"], "window": "soon"},
            DataError,
            r"^`window` must be a positive duration",
        ),
        ({"steps": ["visit"], "quantiles": [1.5]}, DataError, r"^`quantiles` must lie in \[0, 1\]"),
        ({"steps": ["visit"], "quantiles": ["a"]}, SchemaError, r"^`quantiles` must hold numbers"),
        ({"steps": ["visit"], "by": 3}, SchemaError, r"^`by` must be a column name or 'cohort'"),
        (
            {"steps": ["visit"], "by": "cohort", "period": "H"},
            SchemaError,
            r"^`period` must be one",
        ),
        ({"steps": ["visit"], "by": "os"}, SchemaError, r"^`os` column not found"),
    ],
)
def test_funnel_arguments(
    frame: pd.DataFrame, kwargs: dict[str, object], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        funnel(frame, **kwargs)  # type: ignore[arg-type]


def test_too_many_steps() -> None:
    names = [f"e{i}" for i in range(65)]
    log = pd.DataFrame({"user_id": 1, "timestamp": pd.Timestamp("2024-01-01"), "event": names})
    with pytest.raises(DataError, match=r"^`steps` has 65 steps, more than 64: 65 rows\."):
        funnel(log, names)


def test_property_not_prepared(frame: pd.DataFrame) -> None:
    log = prepare_events(frame)
    with pytest.raises(
        SchemaError, match=r"^`device` is not a property of the prepared log \(properties: none\)"
    ):
        funnel(log, ["visit"], by="device")


def test_cohort_name_clash(frame: pd.DataFrame) -> None:
    log = prepare_events(frame.rename(columns={"device": "cohort"}), properties=["cohort"])
    with pytest.raises(SchemaError, match=r"^`by` 'cohort' is both a property column"):
        funnel(log, ["visit"], by="cohort")


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda f: paths(f, "visit", direction="up"),  # type: ignore[arg-type]
            SchemaError,
            r"^`direction` must be one of",
        ),
        (lambda f: paths(f, "visit", length=0), DataError, r"^`length` must be an integer >= 1"),
        (
            lambda f: paths(f, "visit", top=1.5),  # type: ignore[arg-type]
            DataError,
            r"^`top` must be an integer >= 1",
        ),
        (lambda f: paths(f, "nope"), DataError, r"^`event` names events not in the log"),
        (
            lambda f: paths(f, "visit", collapse_repeats=1),  # type: ignore[arg-type]
            SchemaError,
            r"^`collapse_repeats` must be True or False, got 1: 1 rows\.",
        ),
        (
            lambda f: transition_matrix(f, collapse_repeats="yes"),  # type: ignore[arg-type]
            SchemaError,
            r"^`collapse_repeats` must be True or False",
        ),
        (lambda f: activity(f, wau_days=0), DataError, r"^`wau_days` must be an integer >= 1"),
        (lambda f: activity(f, event=["nope"]), DataError, r"^`event` names events not in the log"),
        (
            lambda f: activity(f, event=3.5),
            SchemaError,
            r"^`event` must be an event name or a list",
        ),
    ],
)
def test_other_arguments(
    frame: pd.DataFrame, call: object, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        call(frame)  # type: ignore[operator]


def test_inputs_not_mutated(frame: pd.DataFrame) -> None:
    before = frame.copy()
    log = prepare_events(frame, properties=["device"])
    funnel(frame, ["visit", "buy"], by="device")
    paths(frame, "visit")
    transition_matrix(frame)
    activity(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert not log.codes.flags.writeable and not log.ticks.flags.writeable
    assert not np.shares_memory(log.ticks, frame["timestamp"].to_numpy())


def test_polars_and_arrow_inputs(frame: pd.DataFrame) -> None:
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    plain = frame.drop(columns="device")
    want = funnel(plain, ["visit", "buy"]).counts
    np.testing.assert_array_equal(funnel(pl.from_pandas(plain), ["visit", "buy"]).counts, want)
    np.testing.assert_array_equal(
        funnel(pa.Table.from_pandas(plain), ["visit", "buy"]).counts, want
    )
    assert gk.prepare_events(plain).n_rows == 4
