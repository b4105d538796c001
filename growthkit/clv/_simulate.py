"""Draw customer summaries directly from the purchase models (vectorised numpy)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit._validate import message
from growthkit.clv._base import FloatArray, as_array
from growthkit.errors import DataError

__all__ = ["simulate_beta_geo", "simulate_pareto_nbd"]


def _setup(
    n_customers: int, T: npt.ArrayLike, rng: int | np.random.Generator | None
) -> tuple[int, FloatArray, np.random.Generator]:
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)):
        raise DataError(message("n_customers", "must be an integer", 1))
    n = int(n_customers)
    if n < 1:
        raise DataError(message("n_customers", f"must be at least 1, got {n}", 0))
    t = np.broadcast_to(as_array("T", T), (n,)).astype(np.float64)
    bad = int(np.count_nonzero(t < 0))
    if bad:
        raise DataError(message("T", "is negative", bad))
    return n, t, np.random.default_rng(rng)


def _recency(
    gen: np.random.Generator, x: npt.NDArray[np.int64], k: npt.NDArray[np.int64], window: FloatArray
) -> FloatArray:
    """Time of the x-th of k uniform purchase times on [0, window] (0 when x is 0)."""
    out = np.zeros(x.size)
    pos = x > 0
    out[pos] = window[pos] * gen.beta(x[pos], k[pos] - x[pos] + 1)
    return out


def simulate_beta_geo(
    r: float,
    alpha: float,
    a: float,
    b: float,
    shift: int,
    n_customers: int,
    T: npt.ArrayLike,
    rng: int | np.random.Generator | None,
) -> pd.DataFrame:
    """BG/NBD (shift 0) or MBG/NBD (shift 1) summaries observed over ``T`` each."""
    n, t, gen = _setup(n_customers, T, rng)
    lam = gen.gamma(r, 1.0 / alpha, size=n)
    p = gen.beta(a, b, size=n)
    # Purchases the customer would make over [0, T] if they never dropped out ...
    k = gen.poisson(lam * t)
    # ... and the purchase after which they drop out (0 = right after the first one).
    drop = gen.geometric(np.clip(p, 1e-300, 1.0)) - shift
    x = np.minimum(k, drop)
    recency = _recency(gen, x, k, t)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": t})


def simulate_pareto_nbd(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    n_customers: int,
    T: npt.ArrayLike,
    rng: int | np.random.Generator | None,
) -> pd.DataFrame:
    """Pareto/NBD summaries observed over ``T`` each."""
    n, t, gen = _setup(n_customers, T, rng)
    lam = gen.gamma(r, 1.0 / alpha, size=n)
    mu = gen.gamma(s, 1.0 / beta, size=n)
    lifetime = gen.exponential(1.0 / np.maximum(mu, 1e-300))
    window = np.minimum(lifetime, t)
    x = gen.poisson(lam * window)
    recency = _recency(gen, x, x, window)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": t})
