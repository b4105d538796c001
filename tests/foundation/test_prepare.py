from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit._kernels import aggregate as agg
from growthkit._kernels import factorize as fk
from growthkit._prepare import period_index


def frame(ids: object, n: int | None = None) -> pd.DataFrame:
    values = pd.Series(ids)
    k = len(values) if n is None else n
    return pd.DataFrame(
        {
            "customer_id": values,
            "timestamp": pd.date_range("2024-01-01", periods=k, freq="h"),
            "amount": np.arange(k, dtype=float),
        }
    )


def check_codes(tx: pd.DataFrame) -> gk.Transactions:
    log = gk.prepare_transactions(tx)
    # Codes point back at each row's own id, and ids come out sorted and distinct.
    np.testing.assert_array_equal(
        np.asarray(log.customers[log.codes], dtype=object),
        np.asarray(tx["customer_id"], dtype=object),
    )
    assert log.customers.is_unique
    return log


@pytest.mark.parametrize(
    "ids",
    [
        [5, 3, 5, 9, 3],  # dense int range
        [10**15, -(10**15), 7, 10**15],  # sparse range: hash path
        np.array([3, 1, 3], dtype=np.uint8),
        np.array([2**63 + 5, 1, 2**63 + 5], dtype=np.uint64),
        ["b", "a", "b", "é", ""],  # object strings, empty string and non-ASCII included
        ["x\x00y", "x", "x\x00y"],  # NUL inside an id: general path
        [1.5, 2.0, 1.5],
        ["a", 1, "a"],  # mixed types: order of first appearance
    ],
)
def test_factorize_paths(ids: list[object]) -> None:
    log = check_codes(frame(ids))
    try:
        expected = sorted(set(pd.Series(ids).tolist()))
    except TypeError:
        return
    assert list(log.customers) == expected


def test_arrow_and_string_dtypes() -> None:
    pytest.importorskip("pyarrow")
    ids = ["c", "a", "c", "b"]
    for storage in ["pyarrow", "python"]:
        dtype = pd.StringDtype(storage)  # type: ignore[call-overload]
        log = check_codes(frame(pd.array(ids, dtype=dtype)))
        assert list(log.customers) == ["a", "b", "c"]
        assert log.customers.dtype == dtype


def test_categorical_drops_unused_and_keeps_category_order() -> None:
    ids = pd.Categorical(["b", "a", "b"], categories=["z", "b", "a"])
    log = check_codes(frame(ids))
    assert list(log.customers) == ["b", "a"]


@given(
    st.lists(st.text(max_size=20).filter(lambda s: "\x00" not in s), min_size=1, max_size=100),
    st.integers(0, 4),
)
def test_hash_bytes_codes_matches_factorize(values: list[str], bits: int) -> None:
    buffer = np.frombuffer("\x00".join(values).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    starts = fk.split_offsets(buffer, len(values), np.uint8(0))
    codes, first_row, head0, head1 = fk.hash_bytes_codes(buffer, starts, bits)
    ref_codes, ref_uniques = pd.factorize(np.array(values, dtype=object))
    # same partition of the rows (code numbering is free), first rows point at each token
    assert len(first_row) == len(ref_uniques)
    assert [values[i] for i in first_row[codes]] == values
    np.testing.assert_array_equal(pd.factorize(codes)[0], ref_codes)
    # the string fast path orders ids exactly like Python's sorted()
    order = fk.sort_tokens(buffer, starts, first_row, head0, head1)
    assert [values[i] for i in first_row[order]] == sorted(set(values))
    log = gk.prepare_transactions(frame(np.array(values, dtype=object)))
    assert list(log.customers) == sorted(set(values))


@given(st.lists(st.sampled_from(["id-" + "0" * 14 + str(i) for i in range(30)]), min_size=1))
def test_sort_tokens_long_shared_prefixes(values: list[str]) -> None:
    # ids that tie on their first 16 bytes take the chunk-by-chunk path
    log = gk.prepare_transactions(frame(np.array(values, dtype=object)))
    assert list(log.customers) == sorted(set(values))


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=300))
def test_counting_order_is_stable_argsort(keys: list[int]) -> None:
    arr = np.array(keys, dtype=np.int64)
    lo, hi = int(arr.min()), int(arr.max())
    np.testing.assert_array_equal(
        agg.counting_order(arr, lo, hi - lo + 1), np.argsort(arr, kind="stable")
    )


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 10**6), st.floats(0, 1e3)), min_size=1))
def test_customer_aggregates_matches_groupby(rows: list[tuple[int, int, float]]) -> None:
    codes, ticks, amounts = (np.array(x) for x in zip(*rows, strict=True))
    orders, total, first, last = agg.customer_aggregates(
        codes.astype(np.int32), ticks.astype(np.int64), amounts.astype(np.float64), 10
    )
    g = pd.DataFrame({"c": codes, "t": ticks, "a": amounts}).groupby("c")
    present = np.asarray(g.size().index)
    np.testing.assert_array_equal(orders[present], g.size())
    np.testing.assert_allclose(total[present], g["a"].sum(), rtol=1e-12)
    np.testing.assert_array_equal(first[present], g["t"].min())
    np.testing.assert_array_equal(last[present], g["t"].max())
    absent = np.setdiff1d(np.arange(10), present)
    assert (orders[absent] == 0).all()


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
def test_period_keys_match_pandas_periods(period: str) -> None:
    stamps = pd.Series(pd.date_range("1965-02-27", "2031-03-03", freq="37h"))
    log = gk.prepare_transactions(pd.DataFrame({"customer_id": 1, "timestamp": stamps}))
    keys = log.period_keys(period)  # type: ignore[arg-type]
    got = period_index(keys, period)  # type: ignore[arg-type]
    freq = {"W": "W-SUN"}.get(period, period)
    want = pd.PeriodIndex(stamps.dt.to_period(freq))
    np.testing.assert_array_equal(got.astype(str), want.astype(str))


def test_prepared_arrays_are_read_only_and_not_aliased() -> None:
    tx = frame([1, 2, 1])
    log = gk.prepare_transactions(tx, amount_col="amount")
    assert log.amounts is not None
    for arr in (log.codes, log.ticks, log.amounts):
        assert not arr.flags.writeable
    tx.loc[0, "amount"] = 99.0
    assert log.amounts[0] == 0.0
    assert "3 orders, 2 customers" in repr(log)


def test_observation_end_default_is_latest_with_tz() -> None:
    tx = frame([1, 2])
    tx["timestamp"] = tx["timestamp"].dt.tz_localize("Europe/Paris")
    log = gk.prepare_transactions(tx)
    assert log.latest == tx["timestamp"].max()
    stamp, _ = log.observation_end("2024-01-02")
    assert stamp == pd.Timestamp("2024-01-02", tz="Europe/Paris")


@pytest.mark.parametrize("amount_dtype", ["float64", "int64", "Float64"])
def test_prepared_arrays_never_alias_the_frame(amount_dtype: Any) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": np.array([3, 1, 3], dtype=np.int64),
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": pd.Series([1, 2, 3]).astype(amount_dtype),
        }
    )
    log = gk.prepare_transactions(tx, amount_col="amount")
    assert log.amounts is not None
    for column in tx.columns:
        source = np.asarray(tx[column].to_numpy())
        for array in (log.codes, log.ticks, log.amounts):
            assert not np.shares_memory(source, array), column
    assert not log.ticks.flags.writeable and not log.amounts.flags.writeable
    np.testing.assert_array_equal(log.amounts, [1.0, 2.0, 3.0])
