"""Every cohort kernel against its naive pandas twin (tests/cohort/naive_cohort.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from naive_cohort import naive_cohort_counts, naive_growth

from growthkit._kernels import aggregate as agg
from growthkit._kernels import cohort as ck

TABLE = ck._DEBRUIJN_INDEX


def random_arrays(
    seed: int, n_rows: int, n_customers: int, n_periods: int, *, gaps: bool = False
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """Unsorted codes/keys/amounts where every code has a row (as in a prepared log)."""
    rng = np.random.default_rng(seed)
    lo = int(rng.integers(-50, 600))
    codes = np.concatenate(
        [np.arange(n_customers), rng.integers(0, n_customers, max(n_rows - n_customers, 0))]
    ).astype(np.int32)
    allowed = np.arange(n_periods)
    if gaps and n_periods > 3:
        allowed = np.sort(rng.choice(n_periods, size=max(2, n_periods // 2), replace=False))
        allowed = np.union1d(allowed, [0, n_periods - 1])
    keys = lo + rng.choice(allowed, size=codes.shape[0]).astype(np.int64)
    keys[0], keys[-1] = lo, lo + n_periods - 1
    amounts = np.round(rng.gamma(2.0, 10.0, codes.shape[0]), 2)
    amounts[rng.random(codes.shape[0]) < 0.1] = 0.0
    perm = rng.permutation(codes.shape[0])
    return codes[perm], keys[perm], amounts[perm], lo


SHAPES = [
    (1, 1, 1),  # one customer, one row, one period
    (7, 1, 5),  # one customer, several periods
    (60, 12, 1),  # one period
    (200, 40, 6),
    (400, 50, 64),  # the largest one-word bitset
    (400, 50, 65),  # two words
    (600, 80, 150),  # three words
]


def orders_of(keys: npt.NDArray[np.int64], lo: int, n: int) -> list[npt.NDArray[np.int64]]:
    """Visiting orders for the ordered kernels: counting sort, and pre-sorted input."""
    return [agg.counting_order(keys, lo, n)]


def as_matrix(table: pd.DataFrame, lo: int, n: int) -> npt.NDArray[np.float64]:
    full = table.reindex(index=range(lo, lo + n), columns=range(n)).to_numpy()
    return np.asarray(full, dtype=np.float64)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_cohort_customer_kernels_match_naive(
    shape: tuple[int, int, int], gaps: bool, seed: int
) -> None:
    n_rows, n_customers, n = shape
    codes, keys, _, lo = random_arrays(seed, n_rows, n_customers, n, gaps=gaps)
    want, sizes = naive_cohort_counts(codes, keys, None, value="customers", cumulative=False)
    want_m = np.nan_to_num(as_matrix(want, lo, n))  # kernels return 0 where pandas has NaN
    n_words = (n + 63) // 64
    bits = ck.key_bits(codes, keys, lo, n_customers, n_words)
    got_bits, last_bits = ck.cohort_customers_from_bits(bits, n_words, n, TABLE)
    np.testing.assert_array_equal(got_bits, want_m)
    order = agg.counting_order(keys, lo, n)
    got_ord, last_ord = ck.cohort_customers_ordered(codes, keys, order, lo, n, n_customers)
    np.testing.assert_array_equal(got_ord, want_m)
    np.testing.assert_array_equal(last_ord, last_bits)
    # Already sorted rows take the no-order branch.
    sorted_codes, sorted_keys = codes[order], keys[order]
    got_sorted, _ = ck.cohort_customers_ordered(
        sorted_codes, sorted_keys, np.empty(0, np.int64), lo, n, n_customers
    )
    np.testing.assert_array_equal(got_sorted, want_m)
    # Unbounded retention from the last-active histogram equals the naive "last >= k" count.
    unbounded, _ = naive_cohort_counts(codes, keys, None, value="customers", cumulative=True)
    got_unb = np.cumsum(last_bits[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_array_equal(got_unb, np.nan_to_num(as_matrix(unbounded, lo, n)))
    np.testing.assert_array_equal(got_bits[:, 0], sizes.reindex(range(lo, lo + n), fill_value=0))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_first_last_and_sums_match_naive(shape: tuple[int, int, int], seed: int) -> None:
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(seed, n_rows, n_customers, n, gaps=True)
    frame = pd.DataFrame({"c": codes, "k": keys})
    first, last = ck.first_last_keys(codes, keys, n_customers)
    np.testing.assert_array_equal(first, frame.groupby("c")["k"].min().to_numpy())
    np.testing.assert_array_equal(last, frame.groupby("c")["k"].max().to_numpy())
    sizes, _ = ck.first_last_hist(first, last, lo, n)
    for value in ("orders", "revenue"):
        amt = amounts if value == "revenue" else None
        want, want_sizes = naive_cohort_counts(codes, keys, amt, value=value, cumulative=False)
        got = ck.cohort_sums(codes, keys, np.empty(0) if amt is None else amt, first, lo, n)
        np.testing.assert_allclose(got, np.nan_to_num(as_matrix(want, lo, n)), rtol=1e-12)
        np.testing.assert_array_equal(sizes, want_sizes.reindex(range(lo, lo + n), fill_value=0))


def test_first_last_marks_codes_without_rows() -> None:
    codes = np.array([0, 2], dtype=np.int32)
    keys = np.array([5, 7], dtype=np.int64)
    first, last = ck.first_last_keys(codes, keys, 3)
    none = np.iinfo(np.int64).min
    assert first.tolist() == [5, none, 7] and last.tolist() == [5, none, 7]
    sizes, hist = ck.first_last_hist(first, last, 5, 3)
    assert sizes.tolist() == [1, 0, 1] and hist.sum() == 2


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_growth_kernels_match_naive(shape: tuple[int, int, int], gaps: bool, seed: int) -> None:
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(seed, n_rows, n_customers, n, gaps=gaps)
    want = naive_growth(codes, keys, amounts)
    names = ["new", "retained", "resurrected", "churned"]
    order = agg.counting_order(keys, lo, n)
    counts, money = ck.growth_ordered(codes, keys, amounts, order, lo, n, n_customers)
    np.testing.assert_array_equal(counts, want[names].to_numpy().T)
    money_names = [
        "revenue",
        "new_revenue",
        "retained_revenue",
        "expansion_revenue",
        "contraction_revenue",
        "resurrected_revenue",
        "churned_revenue",
    ]
    np.testing.assert_allclose(money, want[money_names].to_numpy().T, rtol=1e-10, atol=1e-9)
    counts_sorted, _ = ck.growth_ordered(
        codes[order], keys[order], np.empty(0), np.empty(0, np.int64), lo, n, n_customers
    )
    np.testing.assert_array_equal(counts_sorted, counts)
    if n <= 64:
        bits = ck.key_bits(codes, keys, lo, n_customers, 1)
        np.testing.assert_array_equal(ck.growth_from_bits(bits, n, TABLE), counts)


def test_lowest_bit_table_covers_every_bit() -> None:
    for i in range(64):
        assert ck._lowest_bit(np.uint64(1) << np.uint64(i), TABLE) == i
        assert (
            ck._lowest_bit((np.uint64(1) << np.uint64(i)) | (np.uint64(1) << np.uint64(63)), TABLE)
            == i
        )


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 9), st.integers(0, 3)), min_size=1, max_size=40
    )
)
def test_growth_kernels_property(rows: list[tuple[int, int, int]]) -> None:
    raw = np.array(rows, dtype=np.int64)
    codes = np.unique(raw[:, 0], return_inverse=True)[1].astype(np.int32)
    keys = raw[:, 1].copy()
    amounts = raw[:, 2].astype(np.float64)
    lo, n = int(keys.min()), int(keys.max() - keys.min() + 1)
    n_customers = int(codes.max()) + 1
    want = naive_growth(codes, keys, amounts)
    counts, money = ck.growth_ordered(
        codes, keys, amounts, agg.counting_order(keys, lo, n), lo, n, n_customers
    )
    bits = ck.key_bits(codes, keys, lo, n_customers, 1)
    np.testing.assert_array_equal(ck.growth_from_bits(bits, n, TABLE), counts)
    np.testing.assert_array_equal(
        counts, want[["new", "retained", "resurrected", "churned"]].to_numpy().T
    )
    np.testing.assert_allclose(money[0], want["revenue"].to_numpy())
    np.testing.assert_allclose(money[6], want["churned_revenue"].to_numpy())
