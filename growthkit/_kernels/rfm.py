"""RFM scoring kernels.

Scores live in "goodness" space (higher is better; recency enters negated), so one kernel
serves the three dimensions.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=False)
def threshold_scores(
    values: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Score ``1 + #{t in thresholds : value >= t}`` per value (``thresholds`` ascending)."""
    n = values.shape[0]
    k = thresholds.shape[0]
    out = np.empty(n, dtype=np.int64)
    if k <= 16:
        # A branch-free count beats a binary search for the usual 4 thresholds.
        for i in range(n):
            x = values[i]
            s = 1
            for j in range(k):
                s += thresholds[j] <= x
            out[i] = s
        return out
    for i in range(n):
        x = values[i]
        lo = 0
        hi = k
        while lo < hi:
            mid = (lo + hi) // 2
            if thresholds[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo + 1
    return out


@nb.njit(nogil=True, cache=False)
def grid_segments(
    r: npt.NDArray[np.int64],
    f: npt.NDArray[np.int64],
    m: npt.NDArray[np.int64],
    scale: npt.NDArray[np.int64],
    grid: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Segment code ``grid[R - 1, FM - 1]`` per customer.

    ``scale[s]`` maps a score ``s`` onto the grid's 1..5 scale; ``FM`` is the mean of the
    scaled F and M, rounded half up.
    """
    n = r.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        fm = (scale[f[i]] + scale[m[i]] + 1) // 2
        out[i] = grid[scale[r[i]] - 1, fm - 1]
    return out
