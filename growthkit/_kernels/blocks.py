"""The customer-block layout kernels: a stable counting sort of rows by customer block.

Order logs arrive in time order, so consecutive rows belong to unrelated customers and any
per-customer state is a cache miss per row once there are millions of customers. Grouping
the rows by block of ``2**shift`` consecutive customer codes (one histogram pass, one
scatter into a few hundred append streams) lets every per-customer kernel then work block
by block with state that stays in the L2 cache. The scatter is stable: inside a block the
rows keep the log's order, so sums in row order are bitwise those of one pass.

Threads each count and scatter a disjoint range of rows with their own cursors (both
kernels release the GIL); ranges taken in row order keep the scatter stable.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=True)
def block_counts(codes: npt.NDArray[np.int32], shift: int, n_blocks: int) -> npt.NDArray[np.int64]:
    """Rows per block of ``2**shift`` consecutive customer codes."""
    counts = np.zeros(n_blocks, dtype=np.int64)
    for i in range(codes.shape[0]):
        counts[codes[i] >> shift] += 1
    return counts


@nb.njit(nogil=True, cache=True)
def scatter_blocks(
    codes: npt.NDArray[np.int32],
    ticks: npt.NDArray[np.int64],
    amounts: npt.NDArray[np.float64],
    shift: int,
    cursor: npt.NDArray[np.int64],
    out_codes: npt.NDArray[np.int32],
    out_ticks: npt.NDArray[np.int64],
    out_amounts: npt.NDArray[np.float64],
) -> None:
    """Stable scatter of each row to its block's next free slot (``cursor[block]``).

    The code is stored as the customer's position in its block (``code mod 2**shift``);
    amounts are copied only when ``amounts`` is not empty. ``cursor`` is advanced in place.
    Threads scattering disjoint row ranges with disjoint cursors may share the outputs.
    """
    has_amounts = amounts.shape[0] == codes.shape[0]
    mask = (1 << shift) - 1
    for i in range(codes.shape[0]):
        c = codes[i]
        p = cursor[c >> shift]
        cursor[c >> shift] = p + 1
        out_codes[p] = c & mask
        out_ticks[p] = ticks[i]
        if has_amounts:
            out_amounts[p] = amounts[i]
