"""The customer-block layout of a prepared log, and how big a block is.

Every per-customer kernel (RFM metrics, the survival table, cohort matrices, growth
accounting) reads a long log block by block: its rows grouped, stably, by block of
``2**shift`` consecutive customer codes, so that the kernel's per-customer state for one
block stays in the L2 cache (see :mod:`growthkit._kernels.blocks`). A caller picks the
shift from its state bytes per customer with :func:`shift_for` and asks the log for the
layout (:meth:`growthkit.Transactions.customer_blocks`), which computes it once and keeps
it (a kept layout of smaller blocks answers a request for bigger ones).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from growthkit import _threads

__all__ = ["BLOCK_BYTES", "CustomerBlocks", "build", "shift_for"]

_G = TypeVar("_G", bound=np.generic)

# Per-block kernel state is kept under this many bytes: a core's L2 share.
# benchmarks/bench_blocks.py "bytes" (2 shared cores, load 3.7, medians of 5): layout + RFM
# fold (32 bytes a customer) of 10^7 orders, 3.7 M customers, took 855 ms with 2**18 bytes
# a block; 2**14 took 1.57x that, 2**16 1.49x, 2**20 1.10x, 2**22 1.14x, one unblocked pass
# 2.38x. At 10^6 orders every size from 2**16 up, and no blocks, lay within 0.90-1.24x.
BLOCK_BYTES = 1 << 18


@dataclass(frozen=True, slots=True, eq=False)
class CustomerBlocks:
    """A log's rows grouped by block of ``2**shift`` consecutive customer codes.

    Block ``b`` holds customers ``b << shift`` up to ``(b + 1) << shift`` (exclusive) and
    rows ``offsets[b]`` to ``offsets[b + 1]`` (exclusive) of the arrays, in the log's
    order. All arrays are read-only; with a single block they are views of the log's own arrays.
    Compared by identity (``eq=False``): it is an internal, cached view, not a result.

    Attributes
    ----------
    shift
        log2 of the customers per block.
    offsets
        Row offsets of the blocks (int64, ``n_blocks + 1``).
    codes
        Per row, the customer's position in its block, ``code mod 2**shift`` (int32).
    ticks
        Per row, the wall-clock ticks (int64).
    amounts
        Per row, the order value (float64), or ``None`` for a log without amounts.
    """

    shift: int
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int32]
    ticks: npt.NDArray[np.int64]
    amounts: npt.NDArray[np.float64] | None

    @property
    def n_blocks(self) -> int:
        """Number of blocks."""
        return int(self.offsets.shape[0]) - 1

    def rows(self, block: int) -> slice:
        """The rows of ``block``."""
        return slice(int(self.offsets[block]), int(self.offsets[block + 1]))

    def balanced(self, parts: int) -> list[range]:
        """At most ``parts`` consecutive, non-empty ranges of blocks with about equal rows."""
        n_rows = int(self.offsets[-1])
        cuts = [0]
        for k in range(1, parts):
            cut = int(np.searchsorted(self.offsets, n_rows * k // parts))
            cuts.append(min(max(cut, cuts[-1]), self.n_blocks))
        cuts.append(self.n_blocks)
        return [range(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def shift_for(state_bytes: int, n_customers: int) -> int:
    """The block shift for a kernel keeping ``state_bytes`` per customer.

    The largest block whose state fits :data:`BLOCK_BYTES`, or one block for all customers
    when their state fits.
    """
    whole = max(n_customers - 1, 1).bit_length()
    per_block = max(BLOCK_BYTES // max(state_bytes, 1), 1)
    return min(per_block.bit_length() - 1, whole)


def _readonly(a: npt.NDArray[_G]) -> npt.NDArray[_G]:
    view: npt.NDArray[_G] = a.view()
    view.flags.writeable = False
    return view


def build(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64] | None,
    n_customers: int,
    shift: int,
) -> CustomerBlocks:
    """Group the rows by customer block (see :class:`CustomerBlocks`), on the policy's threads.

    Each thread counts and then scatters its own consecutive range of rows; its cursors
    start after the earlier ranges' rows of every block, so the order inside a block is
    the log's.
    """
    from growthkit._kernels import blocks as kb

    n = int(codes.shape[0])
    n_blocks = ((max(n_customers, 1) - 1) >> shift) + 1
    if n_blocks == 1:
        return CustomerBlocks(
            shift,
            _readonly(np.array([0, n], dtype=np.int64)),
            _readonly(codes),
            _readonly(ticks),
            None if amounts is None else _readonly(amounts),
        )
    threads = _threads.threads_for(n)
    bounds = [n * k // threads for k in range(threads + 1)]
    parts = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    counts = _threads.thread_map(
        lambda rows: kb.block_counts(codes[rows], shift, n_blocks), parts, threads=threads
    )
    offsets = np.zeros(n_blocks + 1, dtype=np.int64)
    np.cumsum(np.sum(counts, axis=0), out=offsets[1:])
    cursors = list(itertools.accumulate(counts[:-1], initial=offsets[:-1]))
    out_codes = np.empty(n, dtype=np.int32)
    out_ticks = np.empty(n, dtype=np.int64)
    out_amounts = np.empty(n if amounts is not None else 0, dtype=np.float64)
    no_amounts = np.empty(0, dtype=np.float64)

    def scatter(k: int) -> None:
        rows = parts[k]
        kb.scatter_blocks(
            codes[rows],
            ticks[rows],
            amounts[rows] if amounts is not None else no_amounts,
            shift,
            cursors[k].copy(),
            out_codes,
            out_ticks,
            out_amounts,
        )

    _threads.thread_map(scatter, range(len(parts)), threads=threads)
    return CustomerBlocks(
        shift,
        _readonly(offsets),
        _readonly(out_codes),
        _readonly(out_ticks),
        None if amounts is None else _readonly(out_amounts),
    )
