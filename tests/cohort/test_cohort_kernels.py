"""Every cohort kernel against its naive pandas twin (tests/cohort/naive_cohort.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from naive_cohort import naive_cohort_counts, naive_growth

from growthkit._kernels import aggregate as agg
from growthkit._kernels import cohort as ck


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


SHIFTS = [0, 2, 20]  # one customer per block, a few, and a single block


def partition(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    lo: int,
    n: int,
    shift: int,
    *,
    key_order: bool,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]
]:
    n_blocks = ((int(codes.max())) >> shift) + 1
    order = agg.counting_order(keys, lo, n) if key_order else np.empty(0, np.int64)
    result: tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.int32],
        npt.NDArray[np.int32],
        npt.NDArray[np.float64],
    ] = ck.partition_rows(codes, keys, amounts, order, lo, shift, n_blocks)
    return result


def as_matrix(table: pd.DataFrame, lo: int, n: int) -> npt.NDArray[np.float64]:
    full = table.reindex(index=range(lo, lo + n), columns=range(n)).to_numpy()
    return np.nan_to_num(np.asarray(full, dtype=np.float64))  # kernels: 0 where pandas NaN


@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("key_order", [False, True])
def test_partition_rows_is_a_stable_block_sort(shift: int, key_order: bool) -> None:
    codes, keys, amounts, lo = random_arrays(4, 300, 40, 9)
    offsets, pc, pp, pa = partition(codes, keys, amounts, lo, 9, shift, key_order=key_order)
    assert offsets[0] == 0 and offsets[-1] == codes.shape[0]
    visit = np.argsort(keys, kind="stable") if key_order else np.arange(codes.shape[0])
    # Reference: a stable sort of the visiting order by block number.
    ref = visit[np.argsort(codes[visit] >> shift, kind="stable")]
    np.testing.assert_array_equal(pc, codes[ref])
    np.testing.assert_array_equal(pp, keys[ref] - lo)
    np.testing.assert_array_equal(pa, amounts[ref])
    counts = np.bincount(codes >> shift, minlength=offsets.shape[0] - 1)
    np.testing.assert_array_equal(np.diff(offsets), counts)
    _, _, _, none = partition(codes, keys, np.empty(0), lo, 9, shift, key_order=key_order)
    assert none.shape == (0,)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("shift", SHIFTS)
def test_cohort_kernels_match_naive(shape: tuple[int, int, int], gaps: bool, shift: int) -> None:
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(shift, n_rows, n_customers, n, gaps=gaps)
    offsets, pc, pp, pa = partition(codes, keys, amounts, lo, n, shift, key_order=False)
    n_words = (n + 63) // 64
    active, last = ck.cohort_customers(offsets, pc, pp, 0, shift, n_words, n)
    want, sizes = naive_cohort_counts(codes, keys, None, value="customers", cumulative=False)
    np.testing.assert_array_equal(active, as_matrix(want, lo, n))
    np.testing.assert_array_equal(active[:, 0], sizes.reindex(range(lo, lo + n), fill_value=0))
    # Unbounded retention from the last-active histogram equals the naive "last >= k" count.
    unbounded, _ = naive_cohort_counts(codes, keys, None, value="customers", cumulative=True)
    got_unbounded = np.cumsum(last[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_array_equal(got_unbounded, as_matrix(unbounded, lo, n))
    for value, values in (("orders", np.empty(0)), ("revenue", pa)):
        want_sums, _ = naive_cohort_counts(
            codes, keys, amounts if value == "revenue" else None, value=value, cumulative=False
        )
        sums, sums_sizes, sums_last = ck.cohort_sums(offsets, pc, pp, values, 0, shift, n)
        np.testing.assert_allclose(sums, as_matrix(want_sums, lo, n), rtol=1e-12)
        np.testing.assert_array_equal(sums_sizes, active[:, 0])
        np.testing.assert_array_equal(sums_last, last)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("shift", SHIFTS)
def test_growth_kernels_match_naive(shape: tuple[int, int, int], gaps: bool, shift: int) -> None:
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(shift + 7, n_rows, n_customers, n, gaps=gaps)
    want = naive_growth(codes, keys, amounts)
    names = ["new", "retained", "resurrected", "churned"]
    offsets, pc, pp, pa = partition(codes, keys, amounts, lo, n, shift, key_order=True)
    counts, money = ck.growth_revenue(offsets, pc, pp, pa, 0, shift, n)
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
    # Bit counting needs no period order inside the blocks.
    offsets, pc, pp, _ = partition(codes, keys, amounts, lo, n, shift, key_order=False)
    n_words = (n + 63) // 64
    np.testing.assert_array_equal(ck.growth_counts(offsets, pc, pp, 0, shift, n_words, n), counts)


@pytest.mark.parametrize("shape", SHAPES)
def test_direct_single_block_form(shape: tuple[int, int, int]) -> None:
    """Raw codes and int64 keys as one block (offsets [0, n], lo = first key)."""
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(5, n_rows, n_customers, n, gaps=True)
    whole = max(n_customers - 1, 1).bit_length()
    one = np.array([0, codes.shape[0]], dtype=np.int64)
    offsets, pc, pp, pa = partition(codes, keys, amounts, lo, n, 0, key_order=True)
    n_words = (n + 63) // 64
    pairs: list[tuple[Any, Any]] = [
        (
            ck.cohort_customers(one, codes, keys, lo, whole, n_words, n),
            ck.cohort_customers(offsets, pc, pp, 0, 0, n_words, n),
        ),
        (
            ck.cohort_sums(one, codes, keys, amounts, lo, whole, n),
            ck.cohort_sums(offsets, pc, pp, pa, 0, 0, n),
        ),
        (
            ck.growth_counts(one, codes, keys, lo, whole, n_words, n),
            ck.growth_counts(offsets, pc, pp, 0, 0, n_words, n),
        ),
    ]
    for got, want in pairs:
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    order = np.argsort(keys, kind="stable")
    direct = ck.growth_revenue(one, codes[order], keys[order], amounts[order], lo, whole, n)
    for a, b in zip(direct, ck.growth_revenue(offsets, pc, pp, pa, 0, 0, n), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_lowest_bit_covers_every_bit() -> None:
    top = np.uint64(1) << np.uint64(63)
    for i in range(64):
        bit = np.uint64(1) << np.uint64(i)
        assert ck._lowest_bit(bit) == i
        assert ck._lowest_bit(bit | top) == i


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 9), st.integers(0, 3)), min_size=1, max_size=40
    ),
    shift=st.integers(0, 3),
)
def test_growth_kernels_property(rows: list[tuple[int, int, int]], shift: int) -> None:
    raw = np.array(rows, dtype=np.int64)
    codes = np.unique(raw[:, 0], return_inverse=True)[1].astype(np.int32)
    keys = raw[:, 1].copy()
    amounts = raw[:, 2].astype(np.float64)
    lo, n = int(keys.min()), int(keys.max() - keys.min() + 1)
    want = naive_growth(codes, keys, amounts)
    offsets, pc, pp, pa = partition(codes, keys, amounts, lo, n, shift, key_order=True)
    counts, money = ck.growth_revenue(offsets, pc, pp, pa, 0, shift, n)
    np.testing.assert_array_equal(ck.growth_counts(offsets, pc, pp, 0, shift, 1, n), counts)
    np.testing.assert_array_equal(
        counts, want[["new", "retained", "resurrected", "churned"]].to_numpy().T
    )
    np.testing.assert_allclose(money[0], want["revenue"].to_numpy())
    np.testing.assert_allclose(money[6], want["churned_revenue"].to_numpy())
