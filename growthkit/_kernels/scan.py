"""One-pass input scans: check a column and copy it out of the caller's frame together.

Validating with numpy costs a boolean temporary and a full pass per check (NaN, inf,
negative, overflow), then another pass to copy; these kernels read each value once.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=True)
def scan_amounts(
    values: npt.NDArray[np.float64], out: npt.NDArray[np.float64]
) -> tuple[int, int, int, float]:
    """Copy ``values`` into ``out``; count NaN, infinite and negative values.

    Also returns the sum of the absolute finite values (infinite when it overflows).
    """
    n_nan = 0
    n_inf = 0
    n_negative = 0
    total = 0.0
    for i in range(values.shape[0]):
        x = values[i]
        out[i] = x
        if x != x:
            n_nan += 1
        elif x == np.inf or x == -np.inf:
            n_inf += 1
        else:
            if x < 0.0:
                n_negative += 1
                total -= x
            else:
                total += x
    return n_nan, n_inf, n_negative, total


@nb.njit(nogil=True, cache=True)
def scan_ticks(values: npt.NDArray[np.int64], out: npt.NDArray[np.int64]) -> int:
    """Copy ``values`` into ``out``; count NaT (the int64 minimum)."""
    missing = 0
    nat = np.iinfo(np.int64).min
    for i in range(values.shape[0]):
        x = values[i]
        out[i] = x
        if x == nat:
            missing += 1
    return missing
