"""cohort_matrix: contract, naive-twin reference, edges, invariants, bad input, plot."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit import _blocks
from growthkit import cohort as cohort_module
from growthkit.cohort import CohortMatrix, cohort_matrix
from tests.cohort.naive_cohort import naive_cohort_counts, period_keys


def make_log(
    seed: int,
    n_rows: int = 300,
    n_customers: int = 40,
    days: int = 400,
    *,
    tz: str | None = None,
    id_type: str = "int",
    duplicates: bool = True,
) -> pd.DataFrame:
    """A shuffled log with duplicate rows, zero amounts and a late-first-order customer."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, n_customers, n_rows)
    seconds = rng.integers(0, days * 86_400, n_rows)
    times = pd.Timestamp("2023-01-30") + pd.to_timedelta(seconds, unit="s")
    amounts = np.round(rng.gamma(2.0, 20.0, n_rows), 2)
    amounts[rng.random(n_rows) < 0.1] = 0.0
    frame = pd.DataFrame({"customer_id": ids, "timestamp": times, "amount": amounts})
    # A customer whose only order is at the very end (first order in the last period).
    late = pd.DataFrame(
        {"customer_id": [n_customers + 1], "timestamp": [times.max()], "amount": [5.0]}
    )
    frame = pd.concat([frame, late], ignore_index=True)
    if duplicates:
        frame = pd.concat([frame, frame.sample(20, random_state=seed)], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    if id_type == "str":
        frame["customer_id"] = "c" + frame["customer_id"].astype(str)
    elif id_type == "category":
        frame["customer_id"] = frame["customer_id"].astype("category")
    if tz is not None:
        frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC").dt.tz_convert(tz)
    out: pd.DataFrame = frame
    return out


def naive_for(
    frame: pd.DataFrame,
    *,
    period: str,
    value: str,
    cumulative: bool,
    end: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    codes = pd.factorize(frame["customer_id"])[0]
    keys = period_keys(frame["timestamp"], period).to_numpy()
    end_key = None
    if end is not None:
        end_key = int(period_keys(pd.Series([end]), period).iloc[0])
    amounts = frame["amount"].to_numpy() if value == "revenue" else None
    return naive_cohort_counts(
        codes, keys, amounts, value=value, cumulative=cumulative, end_key=end_key
    )


def check_against_naive(result: CohortMatrix, want: pd.DataFrame, sizes: pd.Series) -> None:
    assert isinstance(result.counts.index, pd.PeriodIndex)
    assert result.counts.index.name == "cohort"
    assert result.counts.columns.name == "age"
    assert np.array_equal(result.counts.columns.to_numpy(), np.arange(result.counts.shape[1]))
    assert result.counts.columns.dtype == np.int64
    # The naive twin lists only cohorts with customers, keyed by period ordinal.
    assert [p.ordinal for p in result.counts.index] == want.index.tolist()
    assert result.counts.shape[1] == want.shape[1]
    np.testing.assert_allclose(
        result.counts.to_numpy(), want.to_numpy(), rtol=1e-12, equal_nan=True
    )
    assert result.sizes.tolist() == sizes.tolist()
    assert result.sizes.dtype == np.int64


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
@pytest.mark.parametrize("value", ["customers", "orders", "revenue"])
@pytest.mark.parametrize("cumulative", [False, True])
def test_matches_naive_twin(period: str, value: str, cumulative: bool) -> None:
    frame = make_log(3, days=900)
    got = cohort_matrix(
        frame,
        period=period,  # type: ignore[arg-type]
        value=value,  # type: ignore[arg-type]
        cumulative=cumulative,
        amount_col="amount",
    )
    want, sizes = naive_for(frame, period=period, value=value, cumulative=cumulative)
    check_against_naive(got, want, sizes)


@pytest.mark.parametrize(
    ("tz", "id_type"),
    [("Europe/Berlin", "int"), (None, "str"), ("America/New_York", "category"), (None, "int")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ids_timezones_and_paths(tz: str | None, id_type: str, seed: int) -> None:
    # 3000 rows over ~60 days: daily bitset is one word; over 400 days the multi-word
    # bitset; few rows per customer over 400 days forces the ordered (counting sort) path.
    for n_rows, n_customers, days in [(3000, 200, 60), (3000, 60, 400), (300, 200, 400)]:
        frame = make_log(seed, n_rows, n_customers, days, tz=tz, id_type=id_type)
        got = cohort_matrix(frame, period="D")
        want, sizes = naive_for(frame, period="D", value="customers", cumulative=False)
        check_against_naive(got, want, sizes)


@pytest.mark.parametrize("value", ["customers", "orders", "revenue"])
@pytest.mark.parametrize("cumulative", [False, True])
def test_partitioned_path_matches_naive(
    value: str, cumulative: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small logs take the direct single-block path; force the customer-block partition.
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", 64)
    frame = make_log(6, 2000, 300, 500)
    got = cohort_matrix(
        frame,
        period="W",
        value=value,  # type: ignore[arg-type]
        cumulative=cumulative,
        amount_col="amount",
    )
    want, sizes = naive_for(frame, period="W", value=value, cumulative=cumulative)
    check_against_naive(got, want, sizes)


@pytest.mark.parametrize("partitioned", [False, True])
def test_period_keys_path_when_no_period_table(
    partitioned: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Logs spanning millennia get no period table; the kernels then read materialised keys.
    monkeypatch.setattr(cohort_module, "_TABLE_BUCKETS", 0)
    if partitioned:
        monkeypatch.setattr(_blocks, "BLOCK_BYTES", 64)
    frame = make_log(8, 2000, 300, 500)
    value: Literal["customers", "revenue"]
    for value in ("customers", "revenue"):
        got = cohort_matrix(frame, period="W", value=value, amount_col="amount")
        want, sizes = naive_for(frame, period="W", value=value, cumulative=False)
        check_against_naive(got, want, sizes)


def test_sorted_input_takes_the_no_sort_path() -> None:
    frame = make_log(5, 300, 200, 400).sort_values("timestamp", ignore_index=True)
    got = cohort_matrix(frame, period="D")
    want, sizes = naive_for(frame, period="D", value="customers", cumulative=False)
    check_against_naive(got, want, sizes)


def test_one_customer_one_period() -> None:
    frame = pd.DataFrame(
        {"customer_id": [7, 7], "timestamp": pd.to_datetime(["2024-03-01", "2024-03-09"])}
    )
    m = cohort_matrix(frame)
    assert m.counts.shape == (1, 1)
    assert m.counts.iloc[0, 0] == 1.0 and m.sizes.iloc[0] == 1
    assert m.retention.iloc[0, 0] == 1.0
    assert str(m.counts.index[0]) == "2024-03"
    orders = cohort_matrix(frame, value="orders")
    assert orders.counts.iloc[0, 0] == 2.0


def test_nan_for_unobservable_zero_for_empty() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-04-05", "2024-02-01", "2024-04-30"]),
        }
    )
    m = cohort_matrix(frame)
    # Cohorts Jan, Feb, Apr (March had no first orders); ages 0..3.
    assert [str(p) for p in m.counts.index] == ["2024-01", "2024-02", "2024-04"]
    expected = np.array([[1, 0, 0, 1], [1, 0, 0, np.nan], [1, np.nan, np.nan, np.nan]], dtype=float)
    np.testing.assert_array_equal(m.counts.to_numpy(), expected)
    unbounded = cohort_matrix(frame, cumulative=True)
    np.testing.assert_array_equal(
        unbounded.counts.to_numpy(),
        np.array([[1, 1, 1, 1], [1, 0, 0, np.nan], [1, np.nan, np.nan, np.nan]], dtype=float),
    )


def test_observation_end_extends_now() -> None:
    frame = make_log(1)
    end = frame["timestamp"].max() + pd.Timedelta(days=70)
    m = cohort_matrix(frame, observation_end=end)
    want, sizes = naive_for(frame, period="M", value="customers", cumulative=False, end=end)
    check_against_naive(m, want, sizes)
    assert (
        m.counts.shape[1] == cohort_matrix(frame).counts.shape[1] + 2
        or m.counts.shape[1] == cohort_matrix(frame).counts.shape[1] + 3
    )
    with pytest.raises(gk.DataError, match=r"`timestamp` has orders after observation_end"):
        cohort_matrix(frame, observation_end=frame["timestamp"].min())


def test_retention_and_to_frame() -> None:
    frame = make_log(2)
    m = cohort_matrix(frame, value="revenue", amount_col="amount", cumulative=True)
    ret = m.retention
    np.testing.assert_allclose(
        ret.to_numpy(), m.counts.to_numpy() / m.sizes.to_numpy()[:, None], equal_nan=True
    )
    long = m.to_frame()
    assert list(long.columns) == ["cohort", "age", "period", "cohort_size", "revenue", "retention"]
    assert len(long) == int(m.counts.notna().to_numpy().sum())
    assert not long.isna().to_numpy().any()
    row = long.iloc[-1]
    assert row["period"] == row["cohort"] + int(row["age"])
    assert m.counts.loc[row["cohort"], row["age"]] == row["revenue"]
    # Cumulative revenue per cohort customer never decreases with age.
    assert (ret.diff(axis=1).iloc[:, 1:].fillna(0) >= -1e-9).to_numpy().all()


def test_prepared_log_and_no_mutation() -> None:
    frame = make_log(4, id_type="str", tz="UTC")
    before = frame.copy(deep=True)
    prepared = gk.prepare_transactions(frame, amount_col="amount")
    a = cohort_matrix(prepared, value="revenue", amount_col="amount")
    b = cohort_matrix(frame, value="revenue", amount_col="amount")
    pd.testing.assert_frame_equal(a.counts, b.counts)
    pd.testing.assert_series_equal(a.sizes, b.sizes)
    pd.testing.assert_frame_equal(frame, before)
    c = cohort_matrix(prepared)  # amounts present but not asked for
    pd.testing.assert_series_equal(c.sizes, b.sizes)


def test_cdnow_reference() -> None:
    # Reference: CDNOW sample (Fader & Hardie), every customer's first order is in 1997Q1;
    # the naive twin (pandas groupby nunique + unstack) gives the same numbers.
    tx = gk.datasets.load_cdnow()
    m = cohort_matrix(tx, period="Q")
    assert m.counts.iloc[0].tolist() == [2357.0, 524.0, 418.0, 404.0, 384.0, 300.0]
    want, sizes = naive_for(tx, period="M", value="customers", cumulative=False)
    check_against_naive(cohort_matrix(tx), want, sizes)


def test_str_and_frozen() -> None:
    m = cohort_matrix(make_log(0), period="Q")
    text = str(m)
    assert text.startswith("CohortMatrix(customers, period='Q', cumulative=False)")
    assert "classic retention" in text
    with pytest.raises(AttributeError):
        m.value = "orders"  # type: ignore[misc]


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 400), st.integers(0, 50)),
        min_size=1,
        max_size=50,
    ),
    period=st.sampled_from(["D", "W", "M"]),
)
def test_invariants(rows: list[tuple[int, int, int]], period: str) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], unit="D")
    m = cohort_matrix(frame, period=period)  # type: ignore[arg-type]
    assert (m.counts[0] == m.sizes).all()  # age-0 column equals cohort sizes
    assert int(m.sizes.sum()) == frame["customer_id"].nunique()
    ret = m.retention.to_numpy()
    finite = ret[~np.isnan(ret)]
    assert ((finite >= 0) & (finite <= 1)).all()
    unbounded = cohort_matrix(frame, period=period, cumulative=True)  # type: ignore[arg-type]
    observed = ~np.isnan(m.counts.to_numpy())
    assert (np.isnan(unbounded.counts.to_numpy()) == ~observed).all()
    assert (unbounded.counts.to_numpy()[observed] >= m.counts.to_numpy()[observed]).all()
    orders = cohort_matrix(frame, period=period, value="orders", cumulative=True)  # type: ignore[arg-type]
    assert np.nanmax(orders.counts.to_numpy(), axis=1).sum() == len(frame)


def test_bad_input() -> None:
    frame = make_log(0)
    with pytest.raises(gk.SchemaError, match=r"`value` must be one of 'customers'"):
        cohort_matrix(frame, value="users")  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"`period` must be one of"):
        cohort_matrix(frame, period="H")  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"`amount_col` is required for value='revenue'"):
        cohort_matrix(frame, value="revenue")
    with pytest.raises(gk.SchemaError, match=r"`cumulative` must be True or False"):
        cohort_matrix(frame, cumulative="yes")  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"`user` column not found"):
        cohort_matrix(frame, customer_col="user")
    with pytest.raises(gk.DataError, match=r"`timestamp` has missing values \(NaT\): 1 rows"):
        cohort_matrix(frame.assign(timestamp=frame["timestamp"].where(frame.index != 3)))
    with pytest.raises(gk.DataError, match=r"`amount` has negative values: 1 rows"):
        cohort_matrix(
            frame.assign(amount=frame["amount"].where(frame.index != 3, -1.0)),
            value="revenue",
            amount_col="amount",
        )
    with pytest.raises(gk.DataError, match=r"is empty"):
        cohort_matrix(frame.iloc[:0])


def test_plot_heatmap() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = cohort_matrix(make_log(0), period="Q")
    ax = m.plot()
    assert ax.get_xlabel() == "age (Q)"
    assert len(ax.texts) == int(m.counts.notna().to_numpy().sum())
    assert ax.texts[0].get_text() == "100%"
    revenue = cohort_matrix(make_log(0), value="revenue", amount_col="amount", cumulative=True)
    _, axis = plt.subplots()
    assert revenue.plot(ax=axis, annotate=False) is axis
    assert not axis.texts
    plt.close("all")
