"""Compiled loop of the Bayesian A/B test (Miller's exact P(B > A) sum)."""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=True)
def window_sums(
    comp_first: npt.NDArray[np.int64],
    n_blocks: npt.NDArray[np.int64],
    block_lo: npt.NDArray[np.float64],
    block_len: npt.NDArray[np.int64],
    anchor: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    d: npt.NDArray[np.float64],
    total: npt.NDArray[np.float64],
    first_term: npt.NDArray[np.float64],
    last_term: npt.NDArray[np.float64],
) -> None:
    """Sum Miller's terms block by block from exact anchors (twin: ``window_chunk_numpy``).

    Comparison ``m`` owns blocks ``comp_first[m] .. comp_first[m] + n_blocks[m] - 1``;
    each block starts at its anchor term and runs the term ratio for ``block_len`` terms.
    """
    for m in range(comp_first.size):
        acc = 0.0
        bm, cm, sm = b[m], c[m], c[m] + b[m] + d[m]
        first_term[m] = anchor[comp_first[m]]
        t = 0.0
        for blk in range(comp_first[m], comp_first[m] + n_blocks[m]):
            t = anchor[blk]
            i = block_lo[blk]
            for _ in range(block_len[blk] - 1):
                acc += t
                t *= (cm + i) * (bm + i) / ((sm + i) * (1.0 + i))
                i += 1.0
            acc += t
        total[m] = acc
        last_term[m] = t
