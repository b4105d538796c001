"""RFM scoring kernels.

Scores live in "goodness" space (higher is better; recency enters negated), so one kernel
serves the three dimensions.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=True)
def threshold_scores(
    values: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    thresholds: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Score ``1 + #{t in thresholds : value >= t}`` per value (``thresholds`` ascending).

    ``values`` may be int64 or float64 (numba compiles one version per dtype).
    """
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


@nb.njit(nogil=True, cache=True)
def value_counts(values: npt.NDArray[np.int64], lo: int, size: int) -> npt.NDArray[np.int64]:
    """Count of each value in ``lo .. lo + size - 1`` (all values must lie in that range)."""
    counts = np.zeros(size, dtype=np.int64)
    for i in range(values.shape[0]):
        counts[values[i] - lo] += 1
    return counts


@nb.njit(nogil=True, cache=True)
def combine_scores(
    r: npt.NDArray[np.int64],
    f: npt.NDArray[np.int64],
    m: npt.NDArray[np.int64],
    bins: int,
    scale: npt.NDArray[np.int64],
    grid: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """One pass over the scores: ``r + f + m``, the code key, key counts and grid segment.

    The key is ``((r - 1) * bins + (f - 1)) * bins + (m - 1)``; ``counts[key]`` counts
    customers per code. The segment is ``grid[R - 1, FM - 1]`` with ``scale[s]`` mapping a
    score onto the grid's 1..5 scale and ``FM`` the mean of scaled F and M rounded half up;
    with an empty ``grid`` the segments are not computed (all zero).
    """
    n = r.shape[0]
    total = np.empty(n, dtype=np.int64)
    key = np.empty(n, dtype=np.int64)
    segment = np.zeros(n, dtype=np.int64)
    counts = np.zeros(bins * bins * bins, dtype=np.int64)
    with_grid = grid.shape[0] > 0
    for i in range(n):
        ri = r[i]
        fi = f[i]
        mi = m[i]
        total[i] = ri + fi + mi
        k = ((ri - 1) * bins + (fi - 1)) * bins + (mi - 1)
        key[i] = k
        counts[k] += 1
        if with_grid:
            fm = (scale[fi] + scale[mi] + 1) // 2
            segment[i] = grid[scale[ri] - 1, fm - 1]
    return total, key, counts, segment
