"""Exact always-valid test for conversion rates: an e-process of plug-in likelihood ratios."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from growthkit import _validate as v
from growthkit._validate import FloatArray
from growthkit.experiments._common import check_alpha, proportion_inputs
from growthkit.experiments._sequential import SequentialResult, sequential_result


def _log_mixture(x: FloatArray, n: FloatArray, a0: float, b0: float) -> FloatArray:
    """Log of the Beta(a0, b0) mixture of Bernoulli likelihoods of x successes in n."""
    return np.asarray(
        special.betaln(a0 + x, b0 + (n - x)) - special.betaln(a0, b0), dtype=np.float64
    )


def _log_lik(x: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """Log p^x (1 - p)^(n - x), with 0 log 0 = 0."""
    return np.asarray(special.xlogy(x, p) + special.xlog1py(n - x, -p), dtype=np.float64)


def _lower_end(x: FloatArray, n: FloatArray, threshold: FloatArray) -> FloatArray:
    """Smallest p with ``x log p + (n - x) log(1 - p) >= threshold`` (0 when x = 0).

    In u = log p the left side is concave, so Newton's method started left of the root
    climbs to it monotonically (each tangent lies above the curve) and quadratically at
    the end; it is never below ``threshold / x`` (the second term is <= 0), which gives a
    start. Working in log p keeps roots near 1e-300 exact.
    """
    some = x > 0
    xs = np.where(some, x, 1.0)
    fail = n - x

    def g(u: FloatArray) -> FloatArray:
        return np.asarray(xs * u + fail * np.log1p(-np.exp(u)) - threshold, dtype=np.float64)

    with np.errstate(divide="ignore", invalid="ignore"):
        u_hat = np.log(xs / n)
        u = u_hat - 1.0
        u = np.where(g(u) < 0, u, np.minimum(threshold / xs, u_hat) - 1.0)
        for _ in range(60):  # 10 to 15 steps in practice
            step = -np.minimum(g(u), 0.0) / (xs - fail * np.exp(u) / -np.expm1(u))
            u = u + step
            if not (step > 1e-15 * (1.0 + np.abs(u))).any():
                break
    return np.where(some, np.exp(u), 0.0)


def _rate_sequence(
    x: FloatArray, n: FloatArray, a0: float, b0: float, level: float
) -> tuple[FloatArray, FloatArray]:
    """Robbins' beta-binomial confidence sequence for one rate, at each look.

    ``{p : mixture / p^x (1 - p)^(n - x) < 1 / level}``: the ratio is a nonnegative
    martingale under the true p, so by Ville's inequality the set misses p at some look
    with probability at most ``level``. The log-likelihood is concave in p, so the set is
    an interval around x / n; the upper end is the lower end of the failure rate.
    """
    threshold = _log_mixture(x, n, a0, b0) + math.log(level)
    return _lower_end(x, n, threshold), 1.0 - _lower_end(n - x, n, threshold)


_MAX_COUNT = 2.0**53
_MAX_PRIOR = 1e9


def _check_growing(name: str, arr: FloatArray) -> None:
    if arr.ndim and arr.shape[-1] > 1:
        bad = int(np.count_nonzero(np.diff(arr, axis=-1) < 0))
        if bad:
            raise v.data_error(
                name,
                "decreases from one look to the next",
                bad,
                "Pass cumulative counts of one growing experiment, looks along the last axis.",
            )


def _log_e_process(
    xa: FloatArray, na: FloatArray, xb: FloatArray, nb: FloatArray, a0: float, b0: float
) -> FloatArray:
    """Log of the e-process at each look (looks along the last axis; see the Notes)."""

    def before(z: FloatArray) -> FloatArray:  # the counts at the previous look (0 first)
        if not z.ndim:
            return np.zeros_like(z)
        return np.concatenate([np.zeros_like(z[..., :1]), z[..., :-1]], axis=-1)

    pxa, pna, pxb, pnb = before(xa), before(na), before(xb), before(nb)
    dxa, dna, dxb, dnb = xa - pxa, na - pna, xb - pxb, nb - pnb
    # predictable estimates: the posterior means after the previous look
    rate_a = (pxa + a0) / (pna + a0 + b0)
    rate_b = (pxb + a0) / (pnb + a0 + b0)
    batch = dna + dnb
    # the batch's pooled rate under the estimates, halved sums (no overflow near 1e308)
    pooled = np.where(
        batch > 0,
        (dna / 2 * rate_a + dnb / 2 * rate_b) / np.where(batch > 0, dna / 2 + dnb / 2, 1.0),
        rate_a,
    )
    log_f = (
        _log_lik(dxa, dna, rate_a)
        + _log_lik(dxb, dnb, rate_b)
        - _log_lik(dxa, dna, pooled)
        - _log_lik(dxb, dnb, pooled)
    )
    return np.cumsum(log_f, axis=-1) if log_f.ndim else log_f


def sequential_proportion_test(
    successes_a: ArrayLike,
    trials_a: ArrayLike,
    successes_b: ArrayLike,
    trials_b: ArrayLike,
    *,
    alpha: float = 0.05,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
) -> SequentialResult:
    r"""Always-valid test of two conversion rates, exact in finite samples.

    Parameters
    ----------
    successes_a, trials_a, successes_b, trials_b
        Cumulative whole-number counts per arm at each look, looks along the **last**
        axis, e.g. shape ``(looks,)`` or ``(comparisons, looks)``; counts never decrease.
    alpha
        Level in (0, 1).
    prior_alpha, prior_beta
        Beta prior that smooths each arm's estimated rate (default uniform), and of the
        confidence sequence's mixture. Validity holds for any value fixed before the
        experiment; a prior centred on the expected rate (e.g. ``10, 90`` for about
        10 %) gives more power early on.

    Returns
    -------
    SequentialResult
        ``effect`` is ``p_b - p_a``; ``likelihood_ratio`` the e-process :math:`E_k`
        below (cumulated over looks); ``mixing_variance`` the variance of ``p_b - p_a``
        under the prior.

    Raises
    ------
    SchemaError
        Non-numeric counts.
    DataError
        Invalid counts (as :func:`proportion_test`), non-integer counts, counts above
        2**53, counts that decrease between looks, a non-positive prior or one whose
        ``prior_alpha + prior_beta`` exceeds 1e9, or ``alpha`` outside (0, 1).

    Notes
    -----
    Between looks :math:`k-1` and :math:`k` arm A gains :math:`m_a` units with
    :math:`y_a` conversions and arm B :math:`m_b` units with :math:`y_b`. With the
    estimates :math:`\hat a, \hat b` of the two rates after look :math:`k-1` (posterior
    means under the prior) and their pooled value
    :math:`\bar q = (m_a \hat a + m_b \hat b)/(m_a + m_b)`, the look contributes

    .. math:: F_k = \frac{\hat a^{y_a}(1-\hat a)^{m_a-y_a}\,
              \hat b^{y_b}(1-\hat b)^{m_b-y_b}}{\bar q^{y_a+y_b}
              (1-\bar q)^{m_a+m_b-y_a-y_b}},\qquad E_k = \prod_{j \le k} F_j .

    Under H0 (:math:`p_a = p_b = p`, any ``p``), :math:`E[F_k \mid \text{past}] \le 1`:
    the numerator's success count is Poisson-binomial with mean
    :math:`(m_a+m_b)\bar q`, and for the convex function
    :math:`s \mapsto (p/\bar q)^s ((1-p)/(1-\bar q))^{m_a+m_b-s}` its expectation is at
    most that of the binomial with the same mean, which is 1 (Hoeffding 1956, Thm. 3).
    So :math:`E_k` is a nonnegative supermartingale for every null rate, and by Ville's
    inequality :math:`P(\sup_k E_k \ge 1/\alpha) \le \alpha` **exactly, at every sample
    size**: the rejection may stop the experiment at any look. This is the two-sample
    e-variable of Turner, Ly & Grünwald (2024) with its pooled (reverse information
    projection) denominator, applied to batches of any sizes. The counts added between
    two looks must not be chosen from the outcomes among them: a look after every unit,
    or at set times (hourly, daily), qualifies. The first look only trains the estimates
    (:math:`F_1 = 1`), so look often. The p-value is the running minimum of
    :math:`\min(1, 1/E_k)`.

    The confidence sequence for :math:`p_b - p_a` joins Robbins' (1970) beta-binomial
    confidence sequences of the two rates (the rates where the prior mixture's likelihood
    ratio stays below :math:`2/\alpha`, valid by Ville's inequality at any stopping time),
    at level :math:`\alpha/2` each, as ``[low_b - high_a, high_b - low_a]`` intersected
    over looks: it covers the difference at all looks at once with probability at least
    :math:`1 - \alpha`, and is conservative. Measured type-I error, coverage and power
    are in ``docs/experiments.md``.

    Examples
    --------
    >>> from growthkit.experiments import sequential_proportion_test
    >>> n = [500, 1000, 1500, 2000, 2500, 3000]
    >>> res = sequential_proportion_test(
    ...     [50, 100, 150, 200, 250, 300], n, [60, 125, 190, 255, 320, 385], n
    ... )
    >>> res.pvalue.round(4).tolist()
    [1.0, 0.3697, 0.1255, 0.0419, 0.0139, 0.0046]
    >>> int(res.stopped_at)
    3
    """
    a = check_alpha(alpha)
    xa, na, xb, nb = proportion_inputs(successes_a, trials_a, successes_b, trials_b)
    for name, arr in (("successes_a", xa), ("trials_a", na), ("successes_b", xb), ("trials_b", nb)):
        v.check_whole(name, arr)
        _check_growing(name, arr)
        huge = int(np.count_nonzero(arr > _MAX_COUNT))
        if huge:
            raise v.data_error(
                name,
                "exceeds 2**53 (about 9.0e15), beyond which float64 does not hold counts exactly",
                huge,
                "Use sequential_test for such counts.",
            )
    _check_growing("trials_a` minus `successes_a", na - xa)
    _check_growing("trials_b` minus `successes_b", nb - xb)
    a0 = v.check_positive_number("prior_alpha", prior_alpha)
    b0 = v.check_positive_number("prior_beta", prior_beta)
    if a0 + b0 > _MAX_PRIOR:
        raise v.data_error(
            "prior_alpha",
            f"plus `prior_beta` exceeds {_MAX_PRIOR:g}: a prior worth more units than any test",
            1,
            "Pass e.g. 10 and 90 for a rate near 10 %.",
        )
    log_e = _log_e_process(xa, na, xb, nb, a0, b0)
    low_a, high_a = _rate_sequence(xa, na, a0, b0, a / 2.0)
    low_b, high_b = _rate_sequence(xb, nb, a0, b0, a / 2.0)
    effect = xb / nb - xa / na
    s = a0 + b0
    prior_var = 2.0 * a0 * b0 / (s * s * (s + 1.0))
    return sequential_result(
        log_e,
        effect,
        low_b - high_a,
        high_b - low_a,
        np.full(effect.shape, prior_var),
        a,
        "exact two-proportion e-process",
    )
