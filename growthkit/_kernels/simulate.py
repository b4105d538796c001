"""Buy-till-you-die transaction simulator (BG/NBD purchasing, gamma-gamma spend)."""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt


@nb.njit(nogil=True, cache=True)
def count_orders(
    lam: npt.NDArray[np.float64],
    p: npt.NDArray[np.float64],
    horizon: npt.NDArray[np.float64],
    seed: int,
) -> npt.NDArray[np.int64]:
    """Number of orders (first purchase included) each customer makes before the horizon."""
    np.random.seed(seed)
    n = lam.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        k = 1
        t = np.random.exponential(1.0 / lam[i])
        while t < horizon[i]:
            k += 1
            # BG/NBD: the customer may drop out right after each repeat purchase.
            if np.random.random() < p[i]:
                break
            t += np.random.exponential(1.0 / lam[i])
        out[i] = k
    return out


@nb.njit(nogil=True, cache=True)
def order_times(
    lam: npt.NDArray[np.float64],
    p: npt.NDArray[np.float64],
    horizon: npt.NDArray[np.float64],
    counts: npt.NDArray[np.int64],
    seed: int,
) -> npt.NDArray[np.float64]:
    """Times since the first purchase of every order, customer after customer.

    Replays the random stream of :func:`count_orders` with the same seed, so the number of
    times written per customer equals ``counts``.
    """
    np.random.seed(seed)
    n = lam.shape[0]
    total = 0
    for i in range(n):
        total += counts[i]
    out = np.empty(total, dtype=np.float64)
    j = 0
    for i in range(n):
        out[j] = 0.0
        j += 1
        t = np.random.exponential(1.0 / lam[i])
        while t < horizon[i]:
            out[j] = t
            j += 1
            if np.random.random() < p[i]:
                break
            t += np.random.exponential(1.0 / lam[i])
    return out
