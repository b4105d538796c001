"""Private numerics shared by the tests: p-values, critical values, intervals, delta method."""

from __future__ import annotations

import numpy as np
from scipy import special

from growthkit._validate import Alternative, FloatArray


def safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """Return ``num / den`` with 0/0 -> 0 and x/0 -> +-inf, without warnings."""
    with np.errstate(all="ignore"):
        out = np.divide(num, den)
    return np.where((num == 0) & (den == 0), 0.0, out)


def pvalue_z(z: FloatArray, alternative: Alternative) -> FloatArray:
    """P-value of a standard-normal statistic."""
    if alternative == "two-sided":
        return np.asarray(np.minimum(2.0 * special.ndtr(-np.abs(z)), 1.0), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.ndtr(-z), dtype=np.float64)
    return np.asarray(special.ndtr(z), dtype=np.float64)


def pvalue_t(t: FloatArray, df: FloatArray, alternative: Alternative) -> FloatArray:
    """P-value of a Student-t statistic with ``df`` degrees of freedom."""
    if alternative == "two-sided":
        return np.asarray(np.minimum(2.0 * special.stdtr(df, -np.abs(t)), 1.0), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.stdtr(df, -t), dtype=np.float64)
    return np.asarray(special.stdtr(df, t), dtype=np.float64)


def z_crit(alpha: float, alternative: Alternative) -> float:
    """Return the normal critical value of a (one- or two-sided) ``1 - alpha`` interval."""
    tail = alpha / 2.0 if alternative == "two-sided" else alpha
    return float(-special.ndtri(tail))


def t_crit(alpha: float, df: FloatArray, alternative: Alternative) -> FloatArray:
    """Student-t critical values for an interval at level ``1 - alpha``."""
    tail = alpha / 2.0 if alternative == "two-sided" else alpha
    if tail < 1e-5:
        return np.asarray(special.stdtrit(df, 1.0 - tail), dtype=np.float64)
    # Cornish-Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5) where it is exact to
    # < 1e-12 (df >= 1000 at these levels; checked against stdtrit in the tests);
    # stdtrit, ~1 us per call, elsewhere.
    z = -special.ndtri(tail)
    z2 = z * z
    g = (
        (z2 + 1.0) * z / 4.0,
        ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0,
        (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0,
        ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0,
    )
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(divide="ignore"):
        inv = 1.0 / df
    out = np.asarray(z + inv * (g[0] + inv * (g[1] + inv * (g[2] + inv * g[3]))), dtype=np.float64)
    small = df < 1000.0
    if small.any():
        out = np.where(small, 0.0, out)
        out[small] = special.stdtrit(df[small], 1.0 - tail)
    return out


def interval(
    estimate: FloatArray, half_width: FloatArray, alternative: Alternative
) -> tuple[FloatArray, FloatArray]:
    """Two-sided interval, or the one-sided interval matching ``alternative`` (as scipy)."""
    with np.errstate(invalid="ignore"):
        low = np.where(np.isinf(half_width), -np.inf, estimate - half_width)
        high = np.where(np.isinf(half_width), np.inf, estimate + half_width)
    if alternative == "greater":
        high = np.full_like(estimate, np.inf)
    elif alternative == "less":
        low = np.full_like(estimate, -np.inf)
    return low, high


def relative_delta(
    mean_a: FloatArray, var_mean_a: FloatArray, mean_b: FloatArray, var_mean_b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Relative effect ``mean_b / mean_a - 1`` and its delta-method standard error.

    Independent arms: Var(B/A) ~= Var(B)/A**2 + B**2 Var(A)/A**4. A zero control mean gives
    relative effect 0 (when B is 0 too) or +-inf, and an infinite standard error.
    """
    with np.errstate(all="ignore"):
        ratio = mean_b / mean_a
        var = (var_mean_b + ratio * ratio * var_mean_a) / (mean_a * mean_a)
    zero = mean_a == 0
    if zero.any():
        both = zero & (mean_b == 0)
        ratio = np.where(both, 1.0, ratio)
        var = np.where(zero, np.where(both, 0.0, np.inf), var)
    return ratio - 1.0, np.sqrt(var)
