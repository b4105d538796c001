"""Private numerics and input checks behind :mod:`growthkit.experiments`.

Nothing here is public API. Functions take and return float64 ndarrays that have already
been validated by the checks at the top of this module; the public wrappers in
``growthkit/experiments.py`` own the signatures, docstrings and result classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from growthkit._validate import message
from growthkit.errors import DataError

FloatArray = NDArray[np.float64]
Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")


# --------------------------------------------------------------------------------------
# input checks (one message template: "`{argument}` {problem}: {count} rows. {fix}")
# --------------------------------------------------------------------------------------


def fail(argument: str, problem: str, count: int, fix: str = "") -> DataError:
    """Build a :class:`DataError` in the house template (``_validate.message``)."""
    return DataError(message(argument, problem, count, fix))


def as_float(name: str, value: ArrayLike) -> FloatArray:
    """Convert to a float64 array and reject NaN or infinite entries."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise fail(name, "is not numeric", int(np.size(value)), "Pass numbers.") from exc
    bad = ~np.isfinite(arr)
    if bad.any():
        raise fail(
            name,
            "is NaN or infinite",
            int(bad.sum()),
            "Drop or fill the missing values before testing.",
        )
    return arr


def check_nonnegative(name: str, arr: FloatArray) -> None:
    """Reject negative entries (counts, variances, sums of squares)."""
    bad = arr < 0
    if bad.any():
        raise fail(name, "is negative", int(bad.sum()), "Counts and variances must be >= 0.")


def check_positive(name: str, arr: FloatArray, fix: str) -> None:
    """Reject entries that are zero or negative."""
    bad = arr <= 0
    if bad.any():
        raise fail(name, "is not positive", int(bad.sum()), fix)


def check_min(name: str, arr: FloatArray, minimum: float, fix: str) -> None:
    """Reject entries below ``minimum``."""
    bad = arr < minimum
    if bad.any():
        raise fail(name, f"is below {minimum:g}", int(bad.sum()), fix)


def check_whole(name: str, arr: FloatArray) -> None:
    """Reject entries that are not whole numbers."""
    bad = arr != np.round(arr)
    if bad.any():
        raise fail(name, "is not a whole number", int(bad.sum()), "Pass integer counts.")


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Return ``alpha`` as a float after checking it lies in (0, 1)."""
    try:
        value = float(alpha)
    except (TypeError, ValueError) as exc:
        raise fail(name, "is not a number", 1, "Pass a level such as 0.05.") from exc
    if not 0.0 < value < 1.0:
        raise fail(name, f"is {value!r}, outside (0, 1)", 1, "Pass a level such as 0.05.")
    return value


def check_alternative(alternative: str) -> Alternative:
    """Return ``alternative`` after checking it is one of the three supported values."""
    if alternative == "two-sided":
        return "two-sided"
    if alternative == "greater":
        return "greater"
    if alternative == "less":
        return "less"
    raise fail(
        "alternative",
        f"is {alternative!r}, not one of 'two-sided', 'greater', 'less'",
        1,
        "'greater' tests B > A.",
    )


def same_shape(named: Sequence[tuple[str, FloatArray]]) -> tuple[FloatArray, ...]:
    """Broadcast the arrays by numpy rules; shapes that do not broadcast raise.

    Scalars combine with anything and a ``(looks,)`` array with a ``(comparisons, looks)``
    one, but arrays of unequal length never silently align.
    """
    shape: tuple[int, ...] = ()
    first = ""
    for name, arr in named:
        try:
            shape = np.broadcast_shapes(shape, arr.shape)
        except ValueError:
            raise fail(
                name,
                f"has shape {arr.shape}, unlike `{first}` with shape {shape}",
                int(arr.size),
                "Pass scalars or arrays of equal length.",
            ) from None
        if arr.ndim and not first:
            first = name
    filled = [name for name, arr in named if arr.ndim and arr.size]  # scalars fit any shape
    if 0 in shape and filled:  # numpy lets (1,) meet (0,): those values would vanish
        empty, arr = next((name, arr) for name, arr in named if arr.size == 0)
        raise fail(
            empty,
            f"has shape {arr.shape}, unlike `{filled[0]}`, which has values",
            0,
            "Pass scalars or arrays of equal length.",
        )
    return tuple(np.broadcast_to(arr, shape) for _, arr in named)


# --------------------------------------------------------------------------------------
# small numerical helpers
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Bayesian: exact P(X > Y) for independent beta variables (Evan Miller's sums)
# --------------------------------------------------------------------------------------


def _miller_sum(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d), ``a`` a positive whole number.

    Evan Miller (2015), "Formulas for Bayesian A/B testing":
    sum_{i=0}^{a-1} B(c + i, b + d) / ((b + i) B(1 + i, b) B(c, d)).
    Consecutive terms have the ratio (c + i)(b + i) / ((c + b + d + i)(1 + i)), which falls
    below 1 once i > (cb - c - b - d) / (d + 1): the terms are unimodal. The sum runs over
    a window around the mode wide enough that the terms left out cannot add up to 1e-17,
    starting from one exact log-beta term and accumulating log ratios; comparisons whose
    window check fails are summed over every term. Each term is a probability mass (<= 1),
    so nothing overflows. The loop is compiled with numba (:func:`window_chunk`); its numpy
    twin :func:`window_chunk_numpy` is compared with it in the tests.
    """
    out = np.zeros(a.shape, dtype=np.float64)
    if a.size == 0:
        return out
    top = a - 1.0
    mode = np.clip(np.ceil((c * b - c - b - d) / (d + 1.0)), 0.0, top)
    curv = 1.0 / (1.0 + mode) + 1.0 / (c + b + d + mode) - 1.0 / (c + mode) - 1.0 / (b + mode)
    width = np.where(curv > 0, 1.0 / np.sqrt(np.where(curv > 0, curv, 1.0)), np.inf)
    lo = np.where(np.isfinite(width), np.maximum(0.0, np.floor(mode - 14.0 * width - 10.0)), 0.0)
    hi = np.where(np.isfinite(width), np.minimum(top, np.ceil(mode + 14.0 * width + 10.0)), top)
    # Beyond _MAX_TERMS terms (counts in the 10^13+ range) both posteriors are normal to
    # far better than any decision needs; summing would allocate terabytes.
    huge = hi - lo + 1.0 > _MAX_TERMS
    if huge.any():
        out[huge] = _normal_superiority(a[huge], b[huge], c[huge], d[huge])
    exact = ~huge
    total, bound = _window_sum(a[exact], b[exact], c[exact], d[exact], lo[exact], hi[exact])
    redo = bound > 1e-17
    if redo.any():
        idx = np.flatnonzero(exact)[redo]
        full = top[idx] + 1.0 <= _MAX_TERMS
        if full.any():
            sub = idx[full]
            total[redo.nonzero()[0][full]], _ = _window_sum(
                a[sub], b[sub], c[sub], d[sub], np.zeros(sub.size), top[sub]
            )
        if (~full).any():
            sub = idx[~full]
            total[redo.nonzero()[0][~full]] = _normal_superiority(a[sub], b[sub], c[sub], d[sub])
    out[exact] = total
    return out


_MAX_TERMS = 2e7


def _normal_superiority(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d), both approximated as normal."""
    mean_x, _, sd_x = beta_moments(a, b)
    mean_y, _, sd_y = beta_moments(c, d)
    scale = np.hypot(sd_x, sd_y)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale > 0, (mean_x - mean_y) / np.where(scale > 0, scale, 1.0), 0.0)
    z = np.where((scale == 0) & (mean_x != mean_y), np.copysign(np.inf, mean_x - mean_y), z)
    return np.asarray(special.ndtr(z), dtype=np.float64)


def _window_sum(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, lo: FloatArray, hi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Sum Miller's terms i = lo..hi; also bound the terms left out (unimodality)."""
    total = np.zeros(a.shape, dtype=np.float64)
    bound = np.zeros(a.shape, dtype=np.float64)
    counts = (hi - lo + 1.0).astype(np.int64)
    # chunks of comparisons keep the flattened term arrays near 2 million entries
    start = 0
    csum = np.cumsum(counts)
    while start < counts.size:
        budget = (csum[start - 1] if start else 0) + 4_000_000
        stop = max(int(np.searchsorted(csum, budget, side="right")), start + 1)
        sl = slice(start, stop)
        total[sl], bound[sl] = window_chunk(a[sl], b[sl], c[sl], d[sl], lo[sl], counts[sl])
        start = stop
    return total, bound


def window_chunk_numpy(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    d: FloatArray,
    lo: FloatArray,
    counts: NDArray[np.int64],
    block: int = 32,
) -> tuple[FloatArray, FloatArray]:
    # Blocks of `block` terms laid out as rows: the first term of each block is exact
    # (log-beta), the others follow by multiplying at most block - 1 term ratios, so
    # rounding cannot build up along long sums.
    n_blocks = -(-counts // block)
    comp = np.repeat(np.arange(counts.size), n_blocks)
    comp_first = np.cumsum(n_blocks) - n_blocks
    rank = np.arange(comp.size) - comp_first[comp]
    block_lo = lo[comp] + block * rank
    block_len = np.minimum(block, counts[comp] - block * rank)
    bb, cb, db = b[comp, None], c[comp, None], d[comp, None]
    anchor = np.exp(
        special.betaln(cb[:, 0] + block_lo, bb[:, 0] + db[:, 0])
        - np.log(bb[:, 0] + block_lo)
        - special.betaln(1.0 + block_lo, bb[:, 0])
        - special.betaln(cb[:, 0], db[:, 0])
    )
    i = block_lo[:, None] + np.arange(block - 1.0)[None, :]
    ratio = (cb + i) * (bb + i) / ((cb + bb + db + i) * (1.0 + i))
    rel = np.ones((comp.size, block))
    np.cumprod(ratio, axis=1, out=rel[:, 1:])
    rel *= np.arange(block)[None, :] < block_len[:, None]
    terms = anchor[:, None] * rel
    total = np.bincount(comp, weights=terms.sum(axis=1), minlength=counts.size)
    last_block = comp_first + n_blocks - 1
    first_term = anchor[comp_first]
    last_term = terms[last_block, block_len[last_block] - 1]
    left_out = lo * first_term + (a - 1.0 - (lo + counts - 1.0)) * last_term
    return total.astype(np.float64), np.asarray(left_out, dtype=np.float64)


def window_chunk(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    d: FloatArray,
    lo: FloatArray,
    counts: NDArray[np.int64],
    block: int = 128,
) -> tuple[FloatArray, FloatArray]:
    """Compiled twin of :func:`window_chunk_numpy` (same blocks, exact anchors)."""
    n_blocks = -(-counts // block)
    comp = np.repeat(np.arange(counts.size), n_blocks)
    comp_first = np.cumsum(n_blocks) - n_blocks
    rank = np.arange(comp.size) - comp_first[comp]
    block_lo = lo[comp] + block * rank
    block_len = np.minimum(block, counts[comp] - block * rank)
    bb, cb, db = b[comp], c[comp], d[comp]
    anchor = np.exp(
        special.betaln(cb + block_lo, bb + db)
        - np.log(bb + block_lo)
        - special.betaln(1.0 + block_lo, bb)
        - special.betaln(cb, db)
    )
    total = np.empty(counts.size)
    first_term = np.empty(counts.size)
    last_term = np.empty(counts.size)
    from growthkit._kernels.experiments import window_sums  # numba loads on first use

    window_sums(
        comp_first,
        n_blocks,
        np.ascontiguousarray(block_lo, dtype=np.float64),
        block_len.astype(np.int64),
        anchor,
        np.ascontiguousarray(b, dtype=np.float64),
        np.ascontiguousarray(c, dtype=np.float64),
        np.ascontiguousarray(d, dtype=np.float64),
        total,
        first_term,
        last_term,
    )
    left_out = lo * first_term + (a - 1.0 - (lo + counts - 1.0)) * last_term
    return total, np.asarray(left_out, dtype=np.float64)


def prob_greater(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """Exact P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d), elementwise.

    Of the four equivalent closed forms (summing over a, c, b or d terms), the one with the
    fewest terms whose summation parameter is a whole number is used, so the cost per
    comparison is min(a, b, c, d) terms. Comparisons with a parameter above 1e150, where
    the term ratios overflow, go to :func:`_extreme_superiority`. Arrays are 1-D.
    """
    params = np.stack([a, c, b, d])
    extreme = params.max(axis=0) > _EXTREME
    if extreme.any():
        out = np.empty(a.shape, dtype=np.float64)
        out[extreme] = _extreme_superiority(a[extreme], b[extreme], c[extreme], d[extreme])
        keep = ~extreme
        out[keep] = prob_greater(a[keep], b[keep], c[keep], d[keep])
        return out
    whole = params == np.round(params)
    cost = np.where(whole, params, np.inf)
    choice = np.argmin(cost, axis=0)
    if not np.isfinite(cost.min(axis=0)).all():
        bad = int((~np.isfinite(cost.min(axis=0))).sum())
        raise fail(
            "prior_alpha",
            "gives no whole-number beta parameter",
            bad,
            "Use whole-number priors (e.g. 1, 1) so the exact sum applies.",
        )
    out = np.empty(a.shape, dtype=np.float64)
    # P(X > Y) summing over a; 1 - P(Y > X) summing over c;
    # via 1 - p: X > Y <=> 1 - Y > 1 - X, Beta(d, c) > Beta(b, a), summing over d;
    # and 1 - P(Beta(b, a) > Beta(d, c)) summing over b.
    for k in range(4):
        m = choice == k
        if not m.any():
            continue
        if k == 0:
            out[m] = _miller_sum(a[m], b[m], c[m], d[m])
        elif k == 1:
            out[m] = 1.0 - _miller_sum(c[m], d[m], a[m], b[m])
        elif k == 2:
            out[m] = 1.0 - _miller_sum(b[m], a[m], d[m], c[m])
        else:
            out[m] = _miller_sum(d[m], c[m], b[m], a[m])
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------------------
# beta distribution for any positive parameters (posteriors of up to 1.8e308 trials)
# --------------------------------------------------------------------------------------
# scipy's betainc / betaincinv (Boost) return NaN or lose digits once a parameter passes
# about 1e15 (betaincinv(2, 1e16, 0.025) is 43 % off, betaincinv(2, 1e300, 0.025) is NaN).
# Two limits are exact to about float precision where scipy is not:
# - min(a, b) >= _LARGE: Cornish-Fisher expansion to second order around the normal
#   (skewness and kurtosis terms); the first term left out is O(min(a, b)**-1.5) sd;
# - min(a, b) < _LOPSIDED * max(a, b) with max(a, b) >= _LOPSIDED_MAX: for a << b,
#   -(b + (a - 1) / 2) log(1 - X) is Gamma(a)-distributed up to O((a / b)**2) (relative
#   quantile error 0.08 (a / b)**2, checked against mpmath), and symmetrically for b << a.
_LARGE = 1e6
_LOPSIDED = 3e-8
_LOPSIDED_MAX = 1e8


def _beta_regimes(a: FloatArray, b: FloatArray) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Masks (Cornish-Fisher, gamma limit); the rest is left to scipy."""
    small, big = np.minimum(a, b), np.maximum(a, b)
    large = small >= _LARGE
    lopsided = ~large & (big >= _LOPSIDED_MAX) & (small < _LOPSIDED * big)
    return large, lopsided


def beta_moments(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, its complement ``b / (a + b)`` and sd of Beta(a, b), without overflow.

    The sd is ``sqrt(mean) sqrt(comp) / sqrt(a + b + 1)``: the variance itself underflows
    for a mean of 1e-300 out of 1e308 trials, the sd (1e-304) does not.
    """
    with np.errstate(over="ignore", divide="ignore"):
        s = a + b  # inf only when both exceed ~9e307
        finite = np.isfinite(s)
        mean = np.where(finite, a / np.where(finite, s, 1.0), 1.0 / (1.0 + b / a))
        comp = np.where(finite, b / np.where(finite, s, 1.0), 1.0 / (1.0 + a / b))
    return mean, comp, np.sqrt(mean) * np.sqrt(comp) / np.sqrt(s + 1.0)


def _cornish_fisher(
    a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Mean, sd, skewness and excess kurtosis of Beta(a, b) (leading order in 1/(a+b))."""
    mean, comp, sd = beta_moments(a, b)
    a_comp = a * comp  # a b / (a + b), finite for any finite a, b
    skew = 2.0 * (comp - mean) / np.sqrt(a_comp)
    kurt = 6.0 * ((mean - comp) ** 2 - mean * comp) / a_comp
    return mean, sd, skew, kurt


def beta_ppf(a: FloatArray, b: FloatArray, q: ArrayLike, qc: ArrayLike) -> FloatArray:
    """Quantile of Beta(a, b) at ``q``; ``qc = 1 - q`` is passed exactly by the caller.

    Elementwise over broadcast arrays, for any positive finite parameters.
    """
    a, b, q, qc = np.broadcast_arrays(
        a, b, np.asarray(q, dtype=np.float64), np.asarray(qc, dtype=np.float64)
    )
    out = np.empty(a.shape, dtype=np.float64)
    large, lopsided = _beta_regimes(a, b)
    rest = ~(large | lopsided)
    ar, br = a[rest], b[rest]
    x = special.betaincinv(ar, br, q[rest])
    # Above 1/2 the mirrored call keeps the digits of 1 - x (and q = 1 - 1e-30, which
    # rounds to 1); Boost also fails in far tails (a near 1, tiny b, q = 1e-30) where the
    # mirrored call does not.
    mirror = ~(x < 0.5)
    x_mirror = 1.0 - special.betaincinv(br[mirror], ar[mirror], qc[rest][mirror])
    x[mirror] = np.where(np.isnan(x_mirror), x[mirror], x_mirror)
    out[rest] = x
    if large.any():
        mean, sd, g1, g2 = _cornish_fisher(a[large], b[large])
        ql, qcl = q[large], qc[large]
        z = np.where(ql < 0.5, special.ndtri(ql), -special.ndtri(qcl))
        w = (
            z
            + g1 * (z * z - 1.0) / 6.0
            + g2 * (z**3 - 3.0 * z) / 24.0
            - g1 * g1 * (2.0 * z**3 - 5.0 * z) / 36.0
        )
        out[large] = np.clip(mean + sd * w, 0.0, 1.0)
    if lopsided.any():
        al, bl, ql, qcl = a[lopsided], b[lopsided], q[lopsided], qc[lopsided]
        low = al <= bl  # X near 0: -N log(1 - X) ~ Gamma(a); else -N log(X) ~ Gamma(b)
        shape = np.where(low, al, bl)
        n_eff = np.where(low, bl + (al - 1.0) / 2.0, al + (bl - 1.0) / 2.0)
        p, pc = np.where(low, ql, qcl), np.where(low, qcl, ql)  # gamma's lower, upper tail
        g = (
            np.where(p < 0.5, special.gammaincinv(shape, p), special.gammainccinv(shape, pc))
            / n_eff
        )
        out[lopsided] = np.where(low, -np.expm1(-g), np.exp(-g))
    return out


def beta_cdf(a: FloatArray, b: FloatArray, x: FloatArray) -> FloatArray:
    """P(X <= x) for X ~ Beta(a, b), for any positive finite parameters (see beta_ppf)."""
    a, b, x = np.broadcast_arrays(a, b, x)
    out = np.empty(a.shape, dtype=np.float64)
    large, lopsided = _beta_regimes(a, b)
    rest = ~(large | lopsided)
    out[rest] = special.betainc(a[rest], b[rest], x[rest])
    if large.any():
        mean, sd, g1, g2 = _cornish_fisher(a[large], b[large])
        dev = x[large] - mean
        with np.errstate(over="ignore"):
            z = np.where(sd > 0, dev / np.where(sd > 0, sd, 1.0), np.sign(dev) * 40.0)
        # the expansion holds for moderate z; beyond 40 sd the probability is 0 or 1 anyway
        z = np.clip(z, -40.0, 40.0)
        w = (
            z
            - g1 * (z * z - 1.0) / 6.0
            - g2 * (z**3 - 3.0 * z) / 24.0
            + g1 * g1 * (4.0 * z**3 - 7.0 * z) / 36.0
        )
        out[large] = special.ndtr(w)
    if lopsided.any():
        al, bl, xl = a[lopsided], b[lopsided], x[lopsided]
        low = al <= bl
        n_eff = np.where(low, bl + (al - 1.0) / 2.0, al + (bl - 1.0) / 2.0)
        with np.errstate(divide="ignore", over="ignore"):
            t = n_eff * -np.where(low, np.log1p(-xl), np.log(xl))
        out[lopsided] = np.where(low, special.gammainc(al, t), special.gammaincc(bl, t))
    return out


_HERMITE_NODES, _HERMITE_WEIGHTS = special.roots_hermitenorm(64)
_HERMITE_WEIGHTS = _HERMITE_WEIGHTS / math.sqrt(2.0 * math.pi)
# Beyond this size products of two parameters (Miller's term ratios) overflow float64.
_EXTREME = 1e150


def _extreme_superiority(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """P(X > Y), X ~ Beta(a, b), Y ~ Beta(c, d), for parameters too large for the sums.

    Two posteriors of the gamma-limit kind on the same side (few successes in very many
    trials each) compare in closed form: with N = b + (a - 1) / 2 and M = d + (c - 1) / 2,
    X > Y <=> G_a / N > G_c / M, so P = I_{M / (N + M)}(c, a) (and mirrored for few
    failures); on opposite sides P is 0 or 1. Otherwise P = E[F_Y(X)] by 64-point
    Gauss-Hermite quadrature over the normal score of the arm with the narrower log-odds
    (trigamma variance), so the integrand (the other arm's CDF) is smooth.
    """
    out = np.empty(a.shape, dtype=np.float64)
    _, lop_x = _beta_regimes(a, b)
    _, lop_y = _beta_regimes(c, d)
    x_low, y_low = a <= b, c <= d
    both = lop_x & lop_y
    low = both & x_low & y_low
    n_x = np.where(x_low, b + (a - 1.0) / 2.0, a + (b - 1.0) / 2.0)
    n_y = np.where(y_low, d + (c - 1.0) / 2.0, c + (d - 1.0) / 2.0)
    with np.errstate(over="ignore"):  # N / (N + M) and M / (N + M) without overflow
        share_x, share_y = 1.0 / (1.0 + n_y / n_x), 1.0 / (1.0 + n_x / n_y)
    out[low] = beta_cdf(c[low], a[low], share_y[low])
    high = both & ~x_low & ~y_low
    out[high] = beta_cdf(b[high], d[high], share_x[high])
    out[both & x_low & ~y_low] = 0.0
    out[both & ~x_low & y_low] = 1.0
    quad = ~both
    if quad.any():
        aq, bq, cq, dq = a[quad], b[quad], c[quad], d[quad]
        narrow_x = special.polygamma(1, aq) + special.polygamma(1, bq) <= special.polygamma(
            1, cq
        ) + special.polygamma(1, dq)
        # integrate over the narrow arm (n1, n2), the CDF of the wide one (w1, w2)
        n1, n2 = np.where(narrow_x, aq, cq)[:, None], np.where(narrow_x, bq, dq)[:, None]
        w1, w2 = np.where(narrow_x, cq, aq)[:, None], np.where(narrow_x, dq, bq)[:, None]
        z = _HERMITE_NODES[None, :]
        points = beta_ppf(n1, n2, special.ndtr(z), special.ndtr(-z))
        mass = beta_cdf(w1, w2, points) @ _HERMITE_WEIGHTS  # P(wide <= narrow)
        out[quad] = np.where(narrow_x, mass, 1.0 - mass)
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------------------
# group-sequential boundaries by recursive numerical integration
# (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19)
# --------------------------------------------------------------------------------------


def spending(t: FloatArray, alpha: float, kind: str, sides: int) -> FloatArray:
    """Lan-DeMets alpha-spending function evaluated at information fractions ``t``."""
    if kind == "obrien-fleming":
        # each side spends 2 - 2 Phi(z_{1 - a/2} / sqrt(t)) of its share a = alpha / sides
        z = -special.ndtri(alpha / sides / 2.0)
        return np.asarray(sides * 2.0 * special.ndtr(-z / np.sqrt(t)), dtype=np.float64)
    return np.asarray(alpha * np.log1p((math.e - 1.0) * t), dtype=np.float64)


def boundaries(t: FloatArray, spend: FloatArray, sides: int, grid: int = 1201) -> FloatArray:
    """Critical z values so that the crossing probability at look k is ``spend[k]``.

    The score S_k = Z_k sqrt(t_k) is Brownian motion; the sub-density of S_k on the
    continuation region is carried forward on a grid with Simpson weights.
    """
    z_out = np.empty(t.size)
    nodes: FloatArray = np.zeros(1)
    weights: FloatArray = np.ones(1)  # point mass at S_0 = 0
    prev_t = 0.0
    for k in range(t.size):
        dt = t[k] - prev_t
        sd = math.sqrt(dt)
        target = float(spend[k])
        root_t = math.sqrt(t[k])

        def cross(
            z: float,
            nodes: FloatArray = nodes,
            weights: FloatArray = weights,
            root_t: float = root_t,
            sd: float = sd,
        ) -> float:
            b = z * root_t
            upper = special.ndtr((nodes - b) / sd)
            lower = special.ndtr((-b - nodes) / sd) if sides == 2 else 0.0
            return float(np.dot(weights, upper + lower))

        if target <= 0.0:
            z = np.inf
        else:
            # one-sided spends above 1/2 put the boundary below zero
            low = 0.0 if sides == 2 else -40.0
            z = optimize.brentq(lambda v, c=target: cross(v) - c, low, 40.0, xtol=1e-12)
        z_out[k] = z
        if k == t.size - 1:
            break
        b = min(z * root_t, 40.0 * root_t)
        lo = -b if sides == 2 else min(-8.0 * math.sqrt(t[k]), -b)
        new_nodes = np.linspace(lo, b, grid)
        h = new_nodes[1] - new_nodes[0]
        simpson = np.ones(grid)
        simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
        simpson *= h / 3.0
        dens = np.exp(-0.5 * ((new_nodes[:, None] - nodes[None, :]) / sd) ** 2) / (
            sd * math.sqrt(2.0 * math.pi)
        )
        weights = simpson * (dens @ weights)
        nodes = new_nodes
        prev_t = float(t[k])
    return z_out


# --------------------------------------------------------------------------------------
# bootstrap of a quantile through uniform order statistics
# --------------------------------------------------------------------------------------


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
