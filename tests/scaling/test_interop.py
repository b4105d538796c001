"""polars / pyarrow input: converted, prepared, and every result equal to the pandas input.

Reference: the same growthkit function on the pandas frame the polars / Arrow data was
built from (independent of the converter).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import growthkit as gk
from growthkit._interop import to_pandas_frame
from growthkit.churn import survival_table
from growthkit.cohort import cohort_matrix, growth_accounting
from growthkit.errors import DataError, SchemaError
from growthkit.rfm import rfm_scores
from growthkit.summary import calibration_holdout_summary, customer_summary

pa = pytest.importorskip("pyarrow")

COLUMNS = ["customer_id", "timestamp", "amount"]


def _polars() -> Any:
    return pytest.importorskip("polars")


def _log(id_type: Any, tz: str | None = None) -> pd.DataFrame:
    tx = gk.datasets.simulate_transactions(
        300, start="2022-01-01", end="2023-06-30", seed=21, id_type=id_type
    )
    if tz is not None:
        tx["timestamp"] = tx["timestamp"].dt.tz_localize("UTC").dt.tz_convert(tz)
    return tx


def _results(tx: Any) -> dict[str, Any]:
    """Every transaction-level function on ``tx`` (a frame or a prepared log)."""
    return {
        "customer_summary": customer_summary(tx, amount_col="amount", period="W"),
        "calibration_holdout_summary": calibration_holdout_summary(
            tx, amount_col="amount", calibration_end="2022-12-31"
        ),
        "rfm_scores": rfm_scores(tx).table,
        "cohort_matrix": cohort_matrix(tx, value="revenue", amount_col="amount").counts,
        "cohort_customers": cohort_matrix(tx, period="Q").counts,
        "growth_accounting": growth_accounting(tx, amount_col="amount"),
        "survival_table": survival_table(tx, amount_col="amount"),
    }


def _assert_same(converted: pd.DataFrame, frame: pd.DataFrame) -> None:
    log = gk.prepare_transactions(converted, amount_col="amount")
    got, expected = _results(log), _results(frame)
    for name, ref in expected.items():
        pd.testing.assert_frame_equal(_plain(got[name]), _plain(ref), check_exact=True, obj=name)


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Object-dtype string index: pandas 2 builds object ids from Python strings, the
    converter keeps Arrow strings (the same values)."""
    index = table.index
    if isinstance(index.dtype, pd.StringDtype):
        return table.set_axis(pd.Index(index.to_numpy(dtype=object), name=index.name))
    return table


@pytest.mark.parametrize("id_type", ["int", "str", "category"])
def test_polars_frame_matches_pandas(id_type: str) -> None:
    pl = _polars()
    frame = _log(id_type)
    polars_frame = pl.from_pandas(frame)
    if id_type == "category":
        # polars Categorical orders categories its own way; an Enum keeps pandas' order.
        order = pl.Enum([str(c) for c in frame["customer_id"].cat.categories])
        polars_frame = polars_frame.with_columns(pl.col("customer_id").cast(order))
    converted = to_pandas_frame(polars_frame, COLUMNS)
    assert converted is not None
    assert list(converted.columns) == COLUMNS
    _assert_same(converted, frame)


def test_polars_lazy_frame_and_tz() -> None:
    pl = _polars()
    frame = _log("int", tz="Europe/Berlin")
    lazy = pl.from_pandas(frame).lazy()
    converted = to_pandas_frame(lazy, COLUMNS)
    assert converted is not None
    assert str(converted["timestamp"].dt.tz) == "Europe/Berlin"
    _assert_same(converted, frame)


@pytest.mark.parametrize("id_type", ["int", "str"])
def test_arrow_table_and_batch_match_pandas(id_type: str) -> None:
    frame = _log(id_type)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for obj in (table, table.to_batches()[0] if table.num_rows else table):
        converted = to_pandas_frame(obj, COLUMNS)
        assert converted is not None
        _assert_same(converted, frame)


def test_arrow_units_and_extra_columns() -> None:
    frame = _log("int")
    table = pa.table(
        {
            "customer_id": pa.array(frame["customer_id"].to_numpy()),
            "timestamp": pa.array(frame["timestamp"].to_numpy().astype("datetime64[ms]")),
            "amount": pa.array(frame["amount"].to_numpy()),
            "ignored": pa.array(np.zeros(len(frame))),
        }
    )
    converted = to_pandas_frame(table, COLUMNS)
    assert converted is not None
    assert list(converted.columns) == COLUMNS
    assert converted["timestamp"].dtype == np.dtype("datetime64[ms]")
    pd.testing.assert_frame_equal(
        customer_summary(converted, amount_col="amount"),
        customer_summary(
            frame.assign(timestamp=frame["timestamp"].dt.floor("ms")), amount_col="amount"
        ),
        check_exact=True,
    )


def test_numeric_and_time_columns_are_not_copied() -> None:
    frame = _log("int")
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    converted = to_pandas_frame(table, COLUMNS)
    assert converted is not None
    for name in ("amount", "timestamp", "customer_id"):
        buffer = table.column(name).chunk(0).buffers()[1]
        arrow = np.frombuffer(buffer, dtype=np.uint8)
        values = converted[name].to_numpy()
        assert np.shares_memory(values.view(np.uint8), arrow), name


def test_strings_stay_arrow_backed() -> None:
    pl = _polars()
    converted = to_pandas_frame(pl.from_pandas(_log("str")), COLUMNS)
    assert converted is not None
    dtype = converted["customer_id"].dtype
    assert isinstance(dtype, pd.StringDtype)
    assert dtype.storage == "pyarrow"


def test_string_view_is_cast() -> None:
    table = pa.table(
        {
            "customer_id": pa.array(["b", "a", "b"], type=pa.string_view()),
            "timestamp": pa.array(
                np.array(["2024-01-01", "2024-01-02", "2024-01-05"], dtype="datetime64[us]")
            ),
        }
    )
    converted = to_pandas_frame(table, ["customer_id", "timestamp"])
    assert converted is not None
    out = customer_summary(converted)
    assert list(out.index) == ["a", "b"]
    assert out["frequency"].tolist() == [0, 1]


def test_input_table_is_not_destroyed() -> None:
    frame = _log("str")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    before = table.to_pandas()
    converted = to_pandas_frame(table, COLUMNS)
    assert converted is not None
    pd.testing.assert_frame_equal(table.to_pandas(), before)


def test_other_objects_are_not_converted() -> None:
    frame = _log("int")
    assert to_pandas_frame(frame, COLUMNS) is None
    assert to_pandas_frame({"customer_id": [1]}, COLUMNS) is None
    assert to_pandas_frame(pa.array([1, 2]), COLUMNS) is None
    assert to_pandas_frame(pa.chunked_array([[1]]), COLUMNS) is None


def test_nulls_are_reported_with_their_count() -> None:
    pl = _polars()
    frame = _log("int")
    polars_frame = pl.from_pandas(frame).with_columns(
        pl.when(pl.int_range(pl.len()) % 50 == 0)
        .then(None)
        .otherwise(pl.col("amount"))
        .alias("amount")
    )
    converted = to_pandas_frame(polars_frame, COLUMNS)
    assert converted is not None
    missing = int(polars_frame["amount"].null_count())
    with pytest.raises(DataError, match=rf"`amount` has missing values \(NaN\): {missing} rows"):
        gk.prepare_transactions(converted, amount_col="amount")
    ids = pa.table(
        {
            "customer_id": pa.array([1, None, 3]),
            "timestamp": pa.array(np.array(["2024-01-01"] * 3, dtype="datetime64[s]")),
        }
    )
    converted = to_pandas_frame(ids, COLUMNS)
    assert converted is not None
    with pytest.raises(DataError, match=r"`customer_id` has missing values \(NaN/None\): 1 rows"):
        gk.prepare_transactions(converted)


def test_missing_column_is_left_to_the_column_check() -> None:
    table = pa.Table.from_pandas(_log("int"), preserve_index=False)
    converted = to_pandas_frame(table, ["customer_id", "timestamp", "price"])
    assert converted is not None
    assert list(converted.columns) == ["customer_id", "timestamp"]
    with pytest.raises(SchemaError, match=r"`price` column not found"):
        gk.prepare_transactions(converted, amount_col="price")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6), st.integers(0, 400), st.integers(0, 4000).map(lambda x: x / 4)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_random_logs_match(rows: list[tuple[int, int, float]]) -> None:
    pl = _polars()
    ids, days, amounts = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in ids],
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(list(days), unit="D"),
            "amount": list(amounts),
        }
    )
    converted = to_pandas_frame(pl.from_pandas(frame), COLUMNS)
    assert converted is not None
    got = customer_summary(converted, amount_col="amount")
    ref = customer_summary(frame, amount_col="amount")
    pd.testing.assert_frame_equal(_plain(got), _plain(ref), check_exact=True)
