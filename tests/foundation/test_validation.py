"""Every bad input raises the right GrowthkitError subclass with a pinned message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk


def good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-09"]),
            "amount": [10.0, 20.0, 5.0, 7.5],
        }
    )


def test_errors_are_value_errors() -> None:
    for cls in (gk.SchemaError, gk.DataError, gk.ConvergenceError):
        assert issubclass(cls, gk.GrowthkitError)
        assert issubclass(cls, ValueError)
    err = gk.ConvergenceError("did not converge", {"r": 0.5})
    assert err.last_params == {"r": 0.5}
    import pickle

    assert pickle.loads(pickle.dumps(err)).last_params == {"r": 0.5}


def test_missing_column() -> None:
    with pytest.raises(
        gk.SchemaError, match=r"`amount` column not found .*: 4 rows\. Pass amount_col"
    ):
        gk.customer_summary(good().drop(columns="amount"), amount_col="amount")
    with pytest.raises(gk.SchemaError, match=r"`ts` column not found"):
        gk.customer_summary(good(), time_col="ts")


def test_not_a_frame() -> None:
    with pytest.raises(gk.SchemaError, match=r"`tx` must be a pandas DataFrame .* got list"):
        gk.customer_summary([1, 2])  # type: ignore[arg-type]


def test_empty_frame() -> None:
    with pytest.raises(gk.DataError, match=r"`customer_id` is empty: 0 rows"):
        gk.customer_summary(good().iloc[:0])


def test_missing_ids() -> None:
    for ids in ([1, None, 2, np.nan], ["a", None, "b", None]):
        tx = good().assign(customer_id=pd.Series(ids))
        with pytest.raises(
            gk.DataError, match=r"`customer_id` has missing values \(NaN/None\): 2 rows"
        ):
            gk.customer_summary(tx)
    cat = good().assign(customer_id=pd.Categorical(["a", None, "b", "a"]))
    with pytest.raises(
        gk.DataError, match=r"`customer_id` has missing values \(NaN/None\): 1 rows"
    ):
        gk.customer_summary(cat)


def test_missing_times() -> None:
    tx = good()
    tx.loc[[1, 3], "timestamp"] = pd.NaT
    with pytest.raises(gk.DataError, match=r"`timestamp` has missing values \(NaT\): 2 rows"):
        gk.customer_summary(tx)


def test_times_of_wrong_dtype() -> None:
    tx = good().assign(timestamp=["2024-01-01"] * 4)
    with pytest.raises(
        gk.SchemaError, match=r"`timestamp` must be datetime64.*: 4 rows\. Convert it"
    ):
        gk.customer_summary(tx)
    with pytest.raises(
        gk.SchemaError, match=r"`timestamp` must be datetime64, got dtype int64: 4 rows"
    ):
        gk.customer_summary(good().assign(timestamp=[1, 2, 3, 4]))


def test_mixed_time_zones() -> None:
    stamps = [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-02", tz="US/Eastern"),
        pd.Timestamp("2024-01-03", tz="UTC"),
        pd.Timestamp("2024-01-04", tz="UTC"),
    ]
    tx = good().assign(timestamp=pd.Series(stamps, dtype=object))
    with pytest.raises(
        gk.SchemaError, match=r"`timestamp` mixes time zones \(US/Eastern, UTC\): 1 rows"
    ):
        gk.customer_summary(tx)
    one_zone = good().assign(
        timestamp=pd.Series([s.tz_convert("UTC") for s in stamps], dtype=object)
    )
    assert len(gk.customer_summary(one_zone)) == 3


def test_naive_beside_aware_times() -> None:
    # Found by the transaction fuzz: the equal-offset alias check tried to convert a naive
    # timestamp and raised TypeError.
    stamps = [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03"),
        pd.Timestamp("2024-01-04", tz="Europe/Paris"),
    ]
    tx = good().assign(timestamp=pd.Series(stamps, dtype=object))
    with pytest.raises(
        gk.SchemaError, match=r"`timestamp` mixes time zones \(Europe/Paris, None\): 1 rows"
    ):
        gk.customer_summary(tx)


def test_object_times_with_nat_and_one_zone() -> None:
    # Regression (fuzz): NaT beside tz-aware values in an object column raised TypeError.
    stamps = [pd.NaT, pd.Timestamp("2022-06-01", tz="Europe/Paris")] * 2
    tx = good().assign(timestamp=pd.Series(stamps, dtype=object))
    with pytest.raises(gk.DataError, match=r"`timestamp` has missing values \(NaT\): 2 rows"):
        gk.customer_summary(tx)


@pytest.mark.parametrize(
    ("amounts", "error", "pattern"),
    [
        ([1.0, np.nan, 2.0, np.nan], gk.DataError, r"`amount` has missing values \(NaN\): 2 rows"),
        (
            [1.0, np.inf, -np.inf, 2.0],
            gk.DataError,
            r"`amount` has non-finite values \(inf\): 2 rows",
        ),
        ([1.0, -2.0, 3.0, 4.0], gk.DataError, r"`amount` has negative values: 1 rows\. Refunds"),
        (
            ["1", "2", "3", "4"],
            gk.SchemaError,
            r"`amount` must be numeric, got dtype (object|str): 4 rows",
        ),
    ],
)
def test_bad_amounts(amounts: list[object], error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        gk.customer_summary(good().assign(amount=pd.Series(amounts)), amount_col="amount")


def test_amounts_overflowing_float64() -> None:
    with pytest.raises(gk.DataError, match=r"`amount` sums to more than the largest float64"):
        gk.customer_summary(good().assign(amount=[1e308, 1e308, 1.0, 1.0]), amount_col="amount")


def test_negative_amounts_allowed_when_asked() -> None:
    log = gk.prepare_transactions(
        good().assign(amount=[1.0, -2.0, 3.0, 4.0]),
        amount_col="amount",
        allow_negative_amounts=True,
    )
    assert log.amounts is not None and log.amounts.min() == -2.0
    with pytest.raises(gk.DataError, match=r"`amount` has negative values: 1 rows"):
        gk.customer_summary(log, amount_col="amount")


def test_orders_after_observation_end() -> None:
    with pytest.raises(
        gk.DataError,
        match=r"`timestamp` has orders after observation_end \(2024-01-04 00:00:00\): 2 rows",
    ):
        gk.customer_summary(good(), observation_end="2024-01-04")


def test_observation_end_tz_mismatch_and_garbage() -> None:
    with pytest.raises(
        gk.DataError, match=r"`observation_end` is tz-aware \(UTC\) but the time column"
    ):
        gk.customer_summary(good(), observation_end=pd.Timestamp("2024-02-01", tz="UTC"))
    with pytest.raises(gk.DataError, match=r"`observation_end` is not a timestamp"):
        gk.customer_summary(good(), observation_end="not a date")


def test_bad_period() -> None:
    with pytest.raises(
        gk.SchemaError, match=r"`period` must be one of 'D', 'W', 'M', 'Q', 'Y', got 'H'"
    ):
        gk.customer_summary(good(), period="H")  # type: ignore[arg-type]


def test_same_column_twice() -> None:
    with pytest.raises(gk.SchemaError, match=r"`customer_id` is used for more than one role"):
        gk.customer_summary(good(), amount_col="customer_id")


def test_prepared_without_amounts_asked_for_amounts() -> None:
    log = gk.prepare_transactions(good())
    with pytest.raises(
        gk.SchemaError, match=r"`amount` was asked for but the prepared log has no amounts"
    ):
        gk.customer_summary(log, amount_col="amount")


def test_calibration_end_checks() -> None:
    with pytest.raises(gk.DataError, match=r"`calibration_end` .* must be before observation_end"):
        gk.calibration_holdout_summary(good(), calibration_end="2024-02-01")
    with pytest.raises(
        gk.DataError, match=r"`timestamp` has no orders at or before calibration_end"
    ):
        gk.calibration_holdout_summary(good(), calibration_end="2023-02-01")


@pytest.mark.parametrize("end", ["1600-01-01", "2262-04-12", "2300-01-01", "2608-06-01"])
def test_observation_end_outside_the_time_unit(end: str) -> None:
    # Regression (issue 20): these wrapped around in the int64 nanosecond conversion.
    # The range is the time column's own unit; the column is built in nanoseconds
    # explicitly (pandas 3 parses dates to microseconds, pandas 2 to nanoseconds).
    nanos = good().assign(timestamp=good()["timestamp"].astype("datetime64[ns]"))
    with pytest.raises(
        gk.DataError,
        match=r"`observation_end` \(.*\) is outside the range of nanosecond times "
        r"\(1677-09-21 to 2262-04-11\): 1 rows\. Pass a date in that range\.",
    ):
        gk.customer_summary(nanos, observation_end=end)
    # a coarser unit covers it
    for unit in ("us", "s"):
        coarse = good().assign(timestamp=good()["timestamp"].astype(np.dtype(f"M8[{unit}]")))
        if end > "2024":
            days = (pd.Timestamp(end) - pd.Timestamp("2024-01-01")).days
            assert gk.customer_summary(coarse, observation_end=end)["T"].max() == days


@pytest.mark.parametrize("year", [-300_000, 300_000])
def test_observation_end_outside_microsecond_times(year: int) -> None:
    micros = good().assign(timestamp=good()["timestamp"].astype("datetime64[us]"))
    end = pd.Timestamp(np.datetime64(f"{year}-01-01", "s"))
    with pytest.raises(
        gk.DataError,
        match=r"`observation_end` \(.*\) is outside the range of microsecond times: 1 rows\. "
        r"Pass a date in that range\.",
    ):
        gk.customer_summary(micros, observation_end=end)


def test_prepared_log_refuses_other_column_names() -> None:
    frame = good().rename(columns={"amount": "net"}).assign(gross=1.0)
    log = gk.prepare_transactions(frame, amount_col="net")
    with pytest.raises(
        gk.SchemaError,
        match=r"`gross` is not the amount column the log was prepared with \('net'\): 4 rows\. "
        r"Prepare the log with prepare_transactions\(\.\.\., amount_col='gross'\)",
    ):
        gk.rfm_scores(log, amount_col="gross")
    with pytest.raises(
        gk.SchemaError, match=r"`user` is not the customer column .*\('customer_id'"
    ):
        gk.customer_summary(log, customer_col="user")
    with pytest.raises(gk.SchemaError, match=r"`ts` is not the time column .*\('timestamp'\)"):
        gk.cohort_matrix(log, time_col="ts")
    # the prepared names and the defaults (which mean "whatever it was prepared with") work
    expected = gk.rfm_scores(frame, amount_col="net").table
    pd.testing.assert_frame_equal(gk.rfm_scores(log, amount_col="net").table, expected)
    pd.testing.assert_frame_equal(gk.rfm_scores(log).table, expected)


def test_list_valued_ids() -> None:
    ids: list[object] = [[1], [2], [2], [3]]
    tx = good().assign(customer_id=pd.Series(ids, dtype=object))
    with pytest.raises(
        gk.SchemaError,
        match=r"`customer_id` has values that are not ids \(list\): 4 rows\. Ids must be",
    ):
        gk.customer_summary(tx)


def test_multiindex_columns() -> None:
    tx = good()
    tx.columns = pd.MultiIndex.from_tuples([(c, "x") for c in tx.columns])
    with pytest.raises(
        gk.SchemaError, match=r"`tx` has columns on 2 levels \(a MultiIndex\): 4 rows\. Flatten"
    ):
        gk.customer_summary(tx)


@pytest.mark.parametrize(
    "dtype", ["timestamp[us, tz=UTC][pyarrow]", "timestamp[ms][pyarrow]", "date32[pyarrow]"]
)
def test_arrow_backed_timestamps(dtype: str) -> None:
    pa = pytest.importorskip("pyarrow")
    base = good()
    stamps = base["timestamp"].dt.tz_localize("UTC") if "tz" in dtype else base["timestamp"]
    tx = base.assign(timestamp=stamps.astype(pd.ArrowDtype.construct_from_string(dtype)))
    expected = gk.customer_summary(base, amount_col="amount")
    pd.testing.assert_frame_equal(gk.customer_summary(tx, amount_col="amount"), expected)
    table = pa.Table.from_pandas(tx, preserve_index=False)
    pd.testing.assert_frame_equal(gk.customer_summary(table, amount_col="amount"), expected)


def test_equal_offset_zone_aliases_are_one_zone() -> None:
    import datetime

    zones: list[str | datetime.tzinfo] = ["UTC", "Etc/UTC", datetime.timezone.utc, "UTC"]
    stamps = [pd.Timestamp(t, tz=z) for t, z in zip(good()["timestamp"], zones, strict=True)]
    tx = good().assign(timestamp=pd.Series(stamps, dtype=object))
    expected = gk.customer_summary(good())
    pd.testing.assert_frame_equal(gk.customer_summary(tx), expected)
