"""Private Bayesian numerics: exact P(X > Y) for beta variables, beta quantiles and CDF.

The beta functions hold for any positive finite parameters (posteriors of up to 1.8e308
trials).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from growthkit import _validate as v
from growthkit._validate import FloatArray


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


def _blocks(
    b: FloatArray,
    c: FloatArray,
    d: FloatArray,
    lo: FloatArray,
    counts: NDArray[np.int64],
    block: int,
) -> tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    FloatArray,
    NDArray[np.int64],
    FloatArray,
]:
    """Blocks of at most ``block`` terms per comparison, and each block's exact first term.

    Returns the comparison of each block, each comparison's first block and block count,
    each block's first index and length, and its first term (log-beta, exact).
    """
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
    return comp, comp_first, n_blocks, block_lo, block_len, anchor


def _left_out(
    a: FloatArray, lo: FloatArray, counts: NDArray[np.int64], first: FloatArray, last: FloatArray
) -> FloatArray:
    """Bound on the terms outside the window ``lo .. lo + counts - 1`` (unimodal terms)."""
    left_out = lo * first + (a - 1.0 - (lo + counts - 1.0)) * last
    return np.asarray(left_out, dtype=np.float64)


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
    comp, comp_first, n_blocks, block_lo, block_len, anchor = _blocks(b, c, d, lo, counts, block)
    bb, cb, db = b[comp, None], c[comp, None], d[comp, None]
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
    return total.astype(np.float64), _left_out(a, lo, counts, first_term, last_term)


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
    _, comp_first, n_blocks, block_lo, block_len, anchor = _blocks(b, c, d, lo, counts, block)
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
    return total, _left_out(a, lo, counts, first_term, last_term)


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
        raise v.data_error(
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
