"""Draw customer summaries directly from the purchase models (vectorised numpy).

The public entry is :meth:`growthkit.clv._base.PurchaseModel.simulate`, which checks its
arguments and seeds the generator; these functions draw from it in a fixed order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["beta_geo", "pareto_nbd"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _recency(gen: np.random.Generator, x: IntArray, k: IntArray, window: FloatArray) -> FloatArray:
    """Time of the x-th of k uniform purchase times on [0, window] (0 when x is 0)."""
    out = np.zeros(x.size)
    pos = x > 0
    out[pos] = window[pos] * gen.beta(x[pos], k[pos] - x[pos] + 1)
    return out


def beta_geo(
    gen: np.random.Generator, t: FloatArray, r: float, alpha: float, a: float, b: float, shift: int
) -> tuple[IntArray, FloatArray]:
    """BG/NBD (shift 0) or MBG/NBD (shift 1) frequency and recency observed over ``t``."""
    lam = gen.gamma(r, 1.0 / alpha, size=t.size)
    p = gen.beta(a, b, size=t.size)
    # Purchases the customer would make over [0, T] if they never dropped out ...
    k = gen.poisson(lam * t)
    # ... and the purchase after which they drop out (0 = right after the first one).
    drop = gen.geometric(np.clip(p, 1e-300, 1.0)) - shift
    x = np.minimum(k, drop)
    return x, _recency(gen, x, k, t)


def pareto_nbd(
    gen: np.random.Generator, t: FloatArray, r: float, alpha: float, s: float, beta: float
) -> tuple[IntArray, FloatArray]:
    """Pareto/NBD frequency and recency observed over ``t``."""
    lam = gen.gamma(r, 1.0 / alpha, size=t.size)
    mu = gen.gamma(s, 1.0 / beta, size=t.size)
    lifetime = gen.exponential(1.0 / np.maximum(mu, 1e-300))
    window = np.minimum(lifetime, t)
    x = gen.poisson(lam * window)
    return x, _recency(gen, x, x, window)
