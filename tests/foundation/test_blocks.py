"""The customer-block layout and the thread policy.

The layout kernels are compared with their naive numpy twin (a stable argsort on the block
number) on random inputs, on one thread and on several.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit import _blocks, _threads
from growthkit._kernels import blocks as kb
from growthkit.errors import DataError, SchemaError


def naive_layout(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64] | None,
    n_customers: int,
    shift: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], object]:
    """Offsets, block-local codes, ticks and amounts from a stable argsort by block."""
    block = codes.astype(np.int64) >> shift
    order = np.argsort(block, kind="stable")
    n_blocks = ((n_customers - 1) >> shift) + 1
    offsets = np.concatenate([[0], np.cumsum(np.bincount(block, minlength=n_blocks))])
    local = codes.astype(np.int64)[order] & ((1 << shift) - 1)
    return offsets, local, ticks[order], None if amounts is None else amounts[order]


def random_log(
    seed: int, n_rows: int, n_customers: int, *, with_amounts: bool
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.float64] | None]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n_customers, n_rows).astype(np.int32)
    ticks = rng.integers(-(10**12), 10**12, n_rows)
    amounts = rng.gamma(2.0, 10.0, n_rows) if with_amounts else None
    return codes, ticks, amounts


@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(1, 400),
    n_customers=st.integers(1, 300),
    shift=st.integers(0, 10),
    threads=st.integers(1, 5),
    with_amounts=st.booleans(),
)
def test_build_matches_naive_twin(
    seed: int,
    n_rows: int,
    n_customers: int,
    shift: int,
    threads: int,
    with_amounts: bool,
) -> None:
    codes, ticks, amounts = random_log(seed, n_rows, n_customers, with_amounts=with_amounts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_threads, "PARALLEL_ROWS", 0)
        patch.setenv(_threads.ENV_VAR, str(threads))
        layout = _blocks.build(codes, ticks, amounts, n_customers, shift)
    offsets, local, placed_ticks, placed_amounts = naive_layout(
        codes, ticks, amounts, n_customers, shift
    )
    assert layout.shift == shift
    np.testing.assert_array_equal(layout.offsets, offsets)
    np.testing.assert_array_equal(layout.codes, local)
    np.testing.assert_array_equal(layout.ticks, placed_ticks)
    if placed_amounts is None:
        assert layout.amounts is None
    else:
        assert layout.amounts is not None
        np.testing.assert_array_equal(layout.amounts, placed_amounts)
    assert layout.codes.dtype == np.int32
    for array in (layout.offsets, layout.codes, layout.ticks):
        assert not array.flags.writeable


@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(0, 300),
    n_customers=st.integers(1, 200),
    shift=st.integers(0, 8),
)
def test_kernels_match_naive_twin(seed: int, n_rows: int, n_customers: int, shift: int) -> None:
    codes, ticks, amounts = random_log(seed, n_rows, n_customers, with_amounts=True)
    assert amounts is not None
    n_blocks = ((n_customers - 1) >> shift) + 1
    counts = kb.block_counts(codes, shift, n_blocks)
    offsets, local, placed_ticks, placed_amounts = naive_layout(
        codes, ticks, amounts, n_customers, shift
    )
    np.testing.assert_array_equal(counts, np.diff(offsets))
    cursor = offsets[:-1].astype(np.int64)
    out = (np.empty(n_rows, np.int32), np.empty(n_rows, np.int64), np.empty(n_rows, np.float64))
    kb.scatter_blocks(codes, ticks, amounts, shift, cursor, *out)
    np.testing.assert_array_equal(cursor, offsets[1:])
    for got, want in zip(out, (local, placed_ticks, placed_amounts), strict=True):
        np.testing.assert_array_equal(got, want)
    no_amounts = np.empty(0, dtype=np.float64)
    kb.scatter_blocks(codes, ticks, no_amounts, shift, offsets[:-1].copy(), *out[:2], no_amounts)
    np.testing.assert_array_equal(out[1], placed_ticks)


def test_single_block_is_the_log_itself() -> None:
    codes, ticks, amounts = random_log(0, 50, 30, with_amounts=True)
    layout = _blocks.build(codes, ticks, amounts, 30, 5)
    assert layout.n_blocks == 1
    assert layout.amounts is not None
    for got, given_array in (
        (layout.codes, codes),
        (layout.ticks, ticks),
        (layout.amounts, amounts),
    ):
        assert np.shares_memory(got, given_array) and not got.flags.writeable
    assert layout.rows(0) == slice(0, 50)


def test_balanced_ranges_cover_every_block_once() -> None:
    codes, ticks, _ = random_log(1, 5000, 4000, with_amounts=False)
    layout = _blocks.build(codes, ticks, None, 4000, 6)
    for parts in (1, 2, 3, 7, 200):
        ranges = layout.balanced(parts)
        assert len(ranges) <= parts
        assert [b for r in ranges for b in r] == list(range(layout.n_blocks))
    halves = layout.balanced(2)
    rows = [int(layout.offsets[r.stop] - layout.offsets[r.start]) for r in halves]
    assert abs(rows[0] - rows[1]) <= 2 * int(np.diff(layout.offsets).max())


@pytest.mark.parametrize(
    ("state_bytes", "n_customers", "expected"),
    [
        (32, 10**6, 13),  # 2**13 customers x 32 bytes = BLOCK_BYTES
        (8, 10**6, 15),
        (16, 10**6, 14),
        (32, 100, 7),  # all customers' state fits: one block
        (32, 1, 1),
        (1 << 20, 10**6, 0),  # huge state: one customer per block
    ],
)
def test_shift_for(state_bytes: int, n_customers: int, expected: int) -> None:
    assert _blocks.BLOCK_BYTES == 1 << 18
    assert _blocks.shift_for(state_bytes, n_customers) == expected


@pytest.fixture
def log() -> gk.Transactions:
    tx = gk.datasets.simulate_transactions(3000, seed=5)
    return gk.prepare_transactions(tx, amount_col="amount")


def test_transactions_computes_each_layout_once(log: gk.Transactions) -> None:
    first = log.customer_blocks(6)
    assert log.customer_blocks(6) is first
    codes, ticks, amounts = log.codes, log.ticks, log.amounts
    offsets, local, placed_ticks, placed_amounts = naive_layout(
        codes, ticks, amounts, log.n_customers, 6
    )
    np.testing.assert_array_equal(first.offsets, offsets)
    np.testing.assert_array_equal(first.codes, local)
    np.testing.assert_array_equal(first.ticks, placed_ticks)
    assert first.amounts is not None
    np.testing.assert_array_equal(first.amounts, placed_amounts)
    # Smaller blocks serve a request for bigger ones; a smaller request needs its own.
    assert log.customer_blocks(9) is first
    smaller = log.customer_blocks(4)
    assert smaller.shift == 4
    assert log.customer_blocks(5) is smaller
    assert log.customer_blocks(4) is smaller
    assert log.customer_blocks(7) is first


def test_view_without_amounts_shares_the_layout(log: gk.Transactions) -> None:
    full = log.customer_blocks(6)
    view = log.without_amounts()
    assert log.without_amounts() is view
    assert view.amounts is None
    shared = view.customer_blocks(8)
    assert shared.shift == 6 and shared.amounts is None
    assert shared.codes is full.codes and shared.offsets is full.offsets
    assert shared.ticks is full.ticks
    assert view.customer_blocks(6) is shared
    # A layout the view computes first has no amounts, so the full log makes its own.
    own = view.customer_blocks(5)
    assert own.shift == 5 and own.amounts is None
    mine = log.customer_blocks(5)
    assert mine.shift == 5 and mine.amounts is not None


def test_layouts_are_neither_pickled_nor_shared_by_copies(log: gk.Transactions) -> None:
    log.customer_blocks(6)
    log.without_amounts()
    again = pickle.loads(pickle.dumps(log))
    assert repr(again) == repr(log)
    np.testing.assert_array_equal(again.codes, log.codes)
    assert again.customer_blocks(6) is not log.customer_blocks(6)
    np.testing.assert_array_equal(again.customer_blocks(6).ticks, log.customer_blocks(6).ticks)
    assert len(pickle.dumps(log)) == len(pickle.dumps(again))


def test_num_threads_follows_the_environment_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_threads.ENV_VAR, raising=False)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _threads.num_threads() == min(usable or 1, _threads.MAX_THREADS)
    monkeypatch.setenv(_threads.ENV_VAR, "3")
    assert _threads.num_threads() == 3
    monkeypatch.setenv(_threads.ENV_VAR, " 1 ")
    assert _threads.num_threads() == 1
    assert _threads.threads_for(_threads.PARALLEL_ROWS - 1) == 1
    monkeypatch.setenv(_threads.ENV_VAR, "4")
    assert _threads.threads_for(_threads.PARALLEL_ROWS) == 4
    assert _threads.threads_for(_threads.PARALLEL_ROWS - 1) == 1


@pytest.mark.parametrize(
    ("raw", "error", "match"),
    [
        (
            "two",
            SchemaError,
            r"`GROWTHKIT_NUM_THREADS` must be a whole number of threads, got 'two': 1 rows",
        ),
        ("1.5", SchemaError, r"must be a whole number of threads"),
        ("0", DataError, r"`GROWTHKIT_NUM_THREADS` must be at least 1, got 0: 1 rows\. Unset"),
        ("-2", DataError, r"must be at least 1, got -2"),
    ],
)
def test_num_threads_rejects_bad_settings(
    raw: str, error: type[Exception], match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_threads.ENV_VAR, raw)
    with pytest.raises(error, match=match):
        _threads.num_threads()


def test_thread_map_keeps_order_and_reraises() -> None:
    assert _threads.thread_map(lambda x: x * x, range(7), threads=3) == [x * x for x in range(7)]
    assert _threads.thread_map(lambda x: x, [], threads=4) == []

    def fail(x: int) -> int:
        raise ValueError(f"item {x}")

    with pytest.raises(ValueError, match="item 0"):
        _threads.thread_map(fail, [0, 1], threads=2)


def test_results_do_not_depend_on_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_threads, "PARALLEL_ROWS", 0)
    tx = gk.datasets.simulate_transactions(20_000, seed=9)
    layouts = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv(_threads.ENV_VAR, threads)
        log = gk.prepare_transactions(tx, amount_col="amount")
        layouts.append(log.customer_blocks(8))
    for other in layouts[1:]:
        for name in ("offsets", "codes", "ticks", "amounts"):
            np.testing.assert_array_equal(getattr(other, name), getattr(layouts[0], name))
    assert isinstance(tx, pd.DataFrame)
