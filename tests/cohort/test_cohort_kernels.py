"""Every cohort kernel against its naive pandas twin (tests/cohort/naive_cohort.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from growthkit import _blocks
from growthkit._kernels import cohort as ck
from growthkit._kernels import periods
from tests.cohort.naive_cohort import naive_cohort_counts, naive_growth

NO_RECORD = np.empty(0, dtype=np.int16)  # cohort_sums: the sums, no per-customer cohort


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


def key_layout(keys: npt.NDArray[np.int64], lo: int) -> ck.TicksLayout:
    """Period keys read as ticks of one-tick days: the kernels then see ``t = key - lo``."""
    first, last = int(keys.min()), int(keys.max())
    table = periods.period_table(first, last, 1, periods.DAY, 1 << 20)
    return ck.ticks_layout(lo, first, table)


def partition(
    codes: npt.NDArray[np.int32],
    keys: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    lo: int,
    n: int,
    shift: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int64], Any, Any]:
    """The customer-block layout as the kernels take it: offsets, rows, values, layout, amounts."""
    n_customers = int(codes.max()) + 1
    given = amounts if amounts.shape[0] == codes.shape[0] else None
    blocks = _blocks.build(codes, keys, given, n_customers, shift)
    placed = blocks.amounts if blocks.amounts is not None else np.empty(0)
    return blocks.offsets, blocks.codes, blocks.ticks, (lo,), placed


def as_matrix(table: pd.DataFrame, lo: int, n: int) -> npt.NDArray[np.float64]:
    full = table.reindex(index=range(lo, lo + n), columns=range(n)).to_numpy()
    return np.nan_to_num(np.asarray(full, dtype=np.float64))  # kernels: 0 where pandas NaN


@pytest.mark.parametrize("shift", SHIFTS)
def test_partition_rows_is_a_stable_block_sort(shift: int) -> None:
    codes, keys, amounts, lo = random_arrays(4, 300, 40, 9)
    offsets, local, placed_keys, _, pa = partition(codes, keys, amounts, lo, 9, shift)
    assert offsets[0] == 0 and offsets[-1] == codes.shape[0]
    # Reference: a stable sort of the rows by block number.
    ref = np.argsort(codes >> shift, kind="stable")
    block = np.repeat(np.arange(offsets.shape[0] - 1), np.diff(offsets))
    np.testing.assert_array_equal((block << shift) + local, codes[ref])
    np.testing.assert_array_equal(placed_keys - lo, keys[ref] - lo)
    np.testing.assert_array_equal(pa, amounts[ref])
    counts = np.bincount(codes >> shift, minlength=offsets.shape[0] - 1)
    np.testing.assert_array_equal(np.diff(offsets), counts)
    none = partition(codes, keys, np.empty(0), lo, 9, shift)[-1]
    assert none.shape == (0,)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("shift", SHIFTS)
def test_cohort_kernels_match_naive(shape: tuple[int, int, int], gaps: bool, shift: int) -> None:
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(shift, n_rows, n_customers, n, gaps=gaps)
    offsets, rows, values, layout, pa = partition(codes, keys, amounts, lo, n, shift)
    n_words = (n + 63) // 64
    active, last = ck.cohort_customers(offsets, rows, values, layout, shift, n_words, n)
    want, sizes = naive_cohort_counts(codes, keys, None, value="customers", cumulative=False)
    np.testing.assert_array_equal(active, as_matrix(want, lo, n))
    np.testing.assert_array_equal(active[:, 0], sizes.reindex(range(lo, lo + n), fill_value=0))
    # Unbounded retention from the last-active histogram equals the naive "last >= k" count.
    unbounded, _ = naive_cohort_counts(codes, keys, None, value="customers", cumulative=True)
    got_unbounded = np.cumsum(last[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_array_equal(got_unbounded, as_matrix(unbounded, lo, n))
    for value, a in (("orders", np.empty(0)), ("revenue", pa)):
        want_sums, _ = naive_cohort_counts(
            codes, keys, amounts if value == "revenue" else None, value=value, cumulative=False
        )
        sums, sums_sizes, sums_last = ck.cohort_sums(
            offsets, rows, values, layout, a, shift, n, NO_RECORD
        )
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
    # Unsorted rows: growth_revenue sorts each block by period itself.
    offsets, rows, values, layout, pa = partition(codes, keys, amounts, lo, n, shift)
    counts, money = ck.growth_revenue(offsets, rows, values, layout, pa, shift, n)
    np.testing.assert_array_equal(counts, want[names].to_numpy().T)
    # Rows in period order: blocks are used as they are.
    order = np.argsort(keys, kind="stable")
    in_order = ck.growth_revenue(
        *partition(codes[order], keys[order], amounts[order], lo, n, shift), shift, n
    )
    np.testing.assert_array_equal(in_order[0], counts)
    np.testing.assert_allclose(in_order[1], money, rtol=1e-12)
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
    n_words = (n + 63) // 64
    np.testing.assert_array_equal(
        ck.growth_counts(offsets, rows, values, layout, shift, n_words, n), counts
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("table", [True, False])
def test_direct_single_block_form(shape: tuple[int, int, int], table: bool) -> None:
    """Raw codes and ticks (keys as ticks of one-tick days) or keys as one block."""
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(5, n_rows, n_customers, n, gaps=True)
    whole = max(n_customers - 1, 1).bit_length()
    one = np.array([0, codes.shape[0]], dtype=np.int64)
    direct = key_layout(keys, lo) if table else (lo,)
    offsets, rows, values, layout, pa = partition(codes, keys, amounts, lo, n, 0)
    n_words = (n + 63) // 64
    pairs: list[tuple[Any, Any]] = [
        (
            ck.cohort_customers(one, codes, keys, direct, whole, n_words, n),
            ck.cohort_customers(offsets, rows, values, layout, 0, n_words, n),
        ),
        (
            ck.cohort_sums(one, codes, keys, direct, amounts, whole, n, NO_RECORD),
            ck.cohort_sums(offsets, rows, values, layout, pa, 0, n, NO_RECORD),
        ),
        (
            ck.growth_counts(one, codes, keys, direct, whole, n_words, n),
            ck.growth_counts(offsets, rows, values, layout, 0, n_words, n),
        ),
        (  # unsorted: one block-sized scratch copy
            ck.growth_revenue(one, codes, keys, direct, amounts, whole, n),
            ck.growth_revenue(offsets, rows, values, layout, pa, 0, n),
        ),
    ]
    for got, want in pairs:
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("table", [True, False])
def test_revenue_in_row_order_equals_the_single_block_sums(
    shape: tuple[int, int, int], table: bool
) -> None:
    """Customer blocks + a row-order revenue pass give the one-block sums bit for bit."""
    n_rows, n_customers, n = shape
    codes, keys, amounts, lo = random_arrays(5, n_rows, n_customers, n, gaps=True)
    amounts = amounts * np.random.default_rng(3).uniform(0.1, 10.0, amounts.shape[0])
    whole = max(n_customers - 1, 1).bit_length()
    one = np.array([0, codes.shape[0]], dtype=np.int64)
    direct = key_layout(keys, lo) if table else (lo,)
    offsets, rows, values, layout, pa = partition(codes, keys, amounts, lo, n, 0)
    want, want_sizes, want_last = ck.cohort_sums(
        one, codes, keys, direct, amounts, whole, n, NO_RECORD
    )
    cohort_of = np.full(n_customers, -1, dtype=np.int16)
    _, sizes, last = ck.cohort_sums(offsets, rows, values, layout, pa, 0, n, cohort_of)
    got = ck.revenue_in_row_order(codes, keys, direct, amounts, cohort_of, n)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(sizes, want_sizes)
    np.testing.assert_array_equal(last, want_last)


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
    offsets, packed, values, layout, pa = partition(codes, keys, amounts, lo, n, shift)
    counts, money = ck.growth_revenue(offsets, packed, values, layout, pa, shift, n)
    np.testing.assert_array_equal(
        ck.growth_counts(offsets, packed, values, layout, shift, 1, n), counts
    )
    np.testing.assert_array_equal(
        counts, want[["new", "retained", "resurrected", "churned"]].to_numpy().T
    )
    np.testing.assert_allclose(money[0], want["revenue"].to_numpy())
    np.testing.assert_allclose(money[6], want["churned_revenue"].to_numpy())
