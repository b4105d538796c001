"""Two-proportion z-test from counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import Alternative
from growthkit.experiments._common import check_alpha, proportion_inputs
from growthkit.experiments._results import ComparisonResult, z_result


def proportion_test(
    successes_a: ArrayLike,
    trials_a: ArrayLike,
    successes_b: ArrayLike,
    trials_b: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    pooled: bool = True,
) -> ComparisonResult:
    r"""Two-proportion z-test of conversion rates, from counts.

    Parameters
    ----------
    successes_a, trials_a
        Conversions and trials (users) of control A; scalars or equal-length arrays.
    successes_b, trials_b
        Conversions and trials of variant B.
    alpha
        Significance level in (0, 1); the intervals have level ``1 - alpha``.
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).
    pooled
        ``True`` (default): the *pooled* z-test, whose standard error uses the pooled rate
        ``(x_a + x_b) / (n_a + n_b)`` (the score test; statsmodels ``proportions_ztest``).
        ``False``: the *unpooled* (Wald) z-test with standard error
        ``sqrt(p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b)``. The confidence interval is
        always the unpooled Wald interval.

    Returns
    -------
    ComparisonResult
        ``effect = p_b - p_a``; ``relative_effect = p_b / p_a - 1`` with a delta-method
        interval.

    Raises
    ------
    DataError
        Negative or non-finite counts, zero trials, successes above trials, arrays of
        unequal length, or ``alpha`` outside (0, 1).

    Notes
    -----
    With :math:`\hat p_i = x_i / n_i` and :math:`\bar p = (x_a + x_b)/(n_a + n_b)`, the
    pooled statistic is :math:`z = (\hat p_b - \hat p_a) /
    \sqrt{\bar p (1 - \bar p)(1/n_a + 1/n_b)}`. The relative interval uses
    :math:`\mathrm{Var}(\hat p_b/\hat p_a) \approx \sigma_b^2/p_a^2 +
    p_b^2 \sigma_a^2/p_a^4` with :math:`\sigma_i^2 = \hat p_i(1-\hat p_i)/n_i`.

    Degenerate but valid input is defined, never NaN: when the standard error is zero
    (0 of n, or n of n, in both arms) the effect is 0, the statistic 0 and the p-value 1,
    and the intervals collapse to the point 0. In the unpooled test, rates of exactly 0 and
    1 in the two arms give an infinite statistic. A control rate of 0 with a positive
    variant rate gives ``relative_effect = inf`` and an infinite relative interval.

    Examples
    --------
    >>> from growthkit.experiments import proportion_test
    >>> res = proportion_test(200, 5000, 250, 5000)
    >>> print(f"{res.effect:.4f} p={res.pvalue:.4f} CI=[{res.ci_low:.4f}, {res.ci_high:.4f}]")
    0.0100 p=0.0159 CI=[0.0019, 0.0181]
    >>> res = proportion_test([10, 0], [100, 50], [15, 0], [100, 50])
    >>> res.pvalue.round(4).tolist()
    [0.285, 1.0]
    """
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    xa, na, xb, nb = proportion_inputs(successes_a, trials_a, successes_b, trials_b)
    pa, pb = xa / na, xb / nb
    var_a, var_b = pa * (1.0 - pa) / na, pb * (1.0 - pb) / nb
    test_se = None
    if pooled:
        # (xa + xb) / (na + nb) on halves: halving counts is exact, so this is the same
        # number bit for bit, and the sums cannot pass float64's range near 1.7e308
        p = (xa / 2 + xb / 2) / (na / 2 + nb / 2)
        test_se = np.sqrt(p * (1.0 - p) * (1.0 / na + 1.0 / nb))
    method = "two-proportion z-test (pooled)" if pooled else "two-proportion z-test (unpooled)"
    return z_result(pa, var_a, pb, var_b, alpha=a, alternative=alt, method=method, test_se=test_se)
