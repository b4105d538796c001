"""Private bootstrap numerics: quantiles through uniform order statistics."""

from __future__ import annotations

import numpy as np

from growthkit._validate import FloatArray


def quantile(x: FloatArray, q: FloatArray) -> FloatArray:
    """``np.quantile`` (type 7) of finite ``x``, also when its range exceeds float64.

    Quantiles are scale-equivariant, so a range like -1e308..1e308 (whose width
    overflows numpy's interpolation) is interpolated on ``x / 2`` and doubled.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.asarray(np.quantile(x, q), dtype=np.float64)
        if not np.isfinite(out).all():
            out = 2.0 * np.asarray(np.quantile(x / 2.0, q), dtype=np.float64)
    return out


def bootstrap_quantiles(
    sorted_x: FloatArray, q: FloatArray, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Draws of the linear-interpolation sample quantile of a bootstrap resample.

    A bootstrap resample is F_n^{-1}(U_1..U_n) for iid uniforms, so its j-th order statistic
    is F_n^{-1}(U_(j)), with U_(j) ~ Beta(j, n - j + 1) and U_(j+1) = U_(j) + (1 - U_(j))
    Beta(1, n - j). Drawing those two order statistics gives the bootstrap distribution of
    ``np.quantile`` (its default, type 7) exactly, in O(n_resamples) per quantile instead of
    O(n * n_resamples). Returns shape (n_resamples, q.size).
    """
    n = sorted_x.size
    h = (n - 1) * q
    j = np.floor(h).astype(np.int64)  # 0-based lower order statistic
    frac = h - j
    size = (n_resamples, q.size)
    u_lo = rng.beta(j + 1.0, n - j, size=size)
    gap = rng.beta(1.0, np.maximum(n - j - 1.0, 1.0), size=size)
    u_hi = np.where(j + 1 < n, u_lo + (1.0 - u_lo) * gap, u_lo)
    idx_lo = np.clip(np.ceil(n * u_lo).astype(np.int64) - 1, 0, n - 1)
    idx_hi = np.clip(np.ceil(n * u_hi).astype(np.int64) - 1, 0, n - 1)
    lo, hi = sorted_x[idx_lo], sorted_x[idx_hi]
    with np.errstate(over="ignore", invalid="ignore"):
        out = lo + frac * (hi - lo)
        # a gap beyond float64 (-1e308 to 1e308): interpolate on halves instead
        wide = ~np.isfinite(out)
        if wide.any():
            out = np.where(wide, 2.0 * (lo / 2 + frac * (hi / 2 - lo / 2)), out)
    return np.asarray(out, dtype=np.float64)
