"""Bayesian comparisons: beta-binomial and normal models."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from growthkit import _validate as v
from growthkit._validate import FloatArray
from growthkit.experiments import _beta
from growthkit.experiments._common import ResultBase, fmt, moment_inputs, proportion_inputs


@dataclass(frozen=True, slots=True, eq=False)
class BayesResult(ResultBase):
    """Posterior comparison of B with A.

    Attributes
    ----------
    prob_b_beats_a
        Posterior probability that B's true value exceeds A's.
    expected_loss_a
        ``E[max(B - A, 0)]``: expected loss of shipping A.
    expected_loss_b
        ``E[max(A - B, 0)]``: expected loss of shipping B (the usual stopping criterion).
    effect
        Posterior mean of B - A.
    ci_low, ci_high
        Equal-tailed credible interval of B - A (normal approximation, see Notes of the
        producing function).
    mean_a, mean_b
        Posterior means per arm.
    ci_low_a, ci_high_a, ci_low_b, ci_high_b
        Equal-tailed credible intervals per arm.
    credible_level
        Level of the intervals.
    method
        Name of the model.

    Examples
    --------
    >>> from growthkit.experiments import bayes_proportion
    >>> res = bayes_proportion(200, 5000, 250, 5000)
    >>> print(res)
    beta-binomial model
      P(B > A): 0.9921
      effect (B - A): 0.009996  95% credible interval [0.001859, 0.01813]
      expected loss: ship A 0.01001, ship B 1.093e-05
    >>> print(f"A: {res.mean_a:.4f} [{res.ci_low_a:.4f}, {res.ci_high_a:.4f}]")
    A: 0.0402 [0.0349, 0.0458]
    """

    prob_b_beats_a: FloatArray
    expected_loss_a: FloatArray
    expected_loss_b: FloatArray
    effect: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    mean_a: FloatArray
    mean_b: FloatArray
    ci_low_a: FloatArray
    ci_high_a: FloatArray
    ci_low_b: FloatArray
    ci_high_b: FloatArray
    credible_level: float
    method: str

    _ARRAYS = (
        "prob_b_beats_a",
        "expected_loss_a",
        "expected_loss_b",
        "effect",
        "ci_low",
        "ci_high",
        "mean_a",
        "mean_b",
        "ci_low_a",
        "ci_high_a",
        "ci_low_b",
        "ci_high_b",
    )

    def to_frame(self) -> pd.DataFrame:
        """Return one row per comparison with every array field as a column."""
        frame: pd.DataFrame = pd.DataFrame(
            {name: np.ravel(getattr(self, name)) for name in self._ARRAYS}
        )
        frame["credible_level"] = self.credible_level
        return frame

    def __str__(self) -> str:
        if self.effect.ndim == 0:
            level = f"{100 * self.credible_level:g}%"
            return "\n".join(
                [
                    self.method,
                    f"  P(B > A): {float(self.prob_b_beats_a):.4f}",
                    f"  effect (B - A): {fmt(float(self.effect))}  {level} credible interval "
                    f"[{fmt(float(self.ci_low))}, {fmt(float(self.ci_high))}]",
                    f"  expected loss: ship A {fmt(float(self.expected_loss_a))}, "
                    f"ship B {fmt(float(self.expected_loss_b))}",
                ]
            )
        return f"{self.method}\n{self.to_frame().to_string(max_rows=20, float_format=fmt)}"


def _credible(level: object) -> float:
    return v.check_probability("credible_level", level, "Pass a level such as 0.95.")


def bayes_proportion(
    successes_a: ArrayLike,
    trials_a: ArrayLike,
    successes_b: ArrayLike,
    trials_b: ArrayLike,
    *,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
    credible_level: float = 0.95,
) -> BayesResult:
    r"""Beta-binomial comparison of two conversion rates with exact P(B beats A).

    Parameters
    ----------
    successes_a, trials_a, successes_b, trials_b
        Whole-number counts per arm; scalars or equal-length arrays.
    prior_alpha, prior_beta
        Beta prior shared by both arms (default uniform, Beta(1, 1)).
    credible_level
        Level of the credible intervals, in (0, 1).

    Returns
    -------
    BayesResult

    Raises
    ------
    DataError
        Invalid counts (as :func:`proportion_test`), non-integer counts, non-positive
        priors, or priors for which no posterior parameter is a whole number.

    Notes
    -----
    The posterior of each rate is :math:`\mathrm{Beta}(\alpha_0 + x, \beta_0 + n - x)`.
    For :math:`p_B \sim \mathrm{Beta}(a, b)`, :math:`p_A \sim \mathrm{Beta}(c, d)`
    with whole-number ``a`` (Miller 2015),

    .. math:: P(p_B > p_A) = \sum_{i=0}^{a-1}
              \frac{B(c+i,\, b+d)}{(b+i)\, B(1+i,\, b)\, B(c,\, d)},

    evaluated in log space with ``scipy.special.betaln``; of the four equivalent forms,
    the one with the fewest terms is used (min(a, b, c, d) terms). The expected loss is
    :math:`E[\max(p_A - p_B, 0)] = \tfrac{c}{c+d} P(\mathrm{Beta}(c+1,d) > p_B)
    - \tfrac{a}{a+b} P(p_A > \mathrm{Beta}(a+1,b))` (Stucchio 2015). Per-arm credible
    intervals are exact beta quantiles; the interval of B - A uses a normal approximation
    with the exact posterior mean and variance. Counts up to the float64 maximum are
    accepted: where scipy's incomplete beta fails (parameters beyond about 1e15) the
    quantiles use the normal (Cornish-Fisher) or gamma limit of the beta, and beyond 1e150
    P(B beats A) is a closed-form gamma limit or a 64-point quadrature.

    Examples
    --------
    >>> from growthkit.experiments import bayes_proportion
    >>> res = bayes_proportion(200, 5000, 250, 5000)
    >>> print(f"{res.prob_b_beats_a:.4f} {res.expected_loss_b:.6f}")
    0.9921 0.000011
    """
    level = _credible(credible_level)
    xa, na, xb, nb = proportion_inputs(successes_a, trials_a, successes_b, trials_b)
    for name, arr in (
        ("successes_a", xa),
        ("trials_a", na),
        ("successes_b", xb),
        ("trials_b", nb),
    ):
        v.check_whole(name, arr)
    pa_, pb_ = float(prior_alpha), float(prior_beta)
    if not (pa_ > 0 and pb_ > 0 and math.isfinite(pa_ + pb_)):
        raise v.data_error("prior_alpha", "or `prior_beta` is not positive", 1, "Use e.g. 1 and 1.")
    shape = np.shape(xa)
    a_b, b_b = (pa_ + xb).ravel(), (pb_ + (nb - xb)).ravel()
    a_a, b_a = (pa_ + xa).ravel(), (pb_ + (na - xa)).ravel()
    prob = _beta.prob_greater(a_b, b_b, a_a, b_a)
    mean_a, _, sd_a = _beta.beta_moments(a_a, b_a)
    mean_b, _, sd_b = _beta.beta_moments(a_b, b_b)
    # E[max(A - B, 0)] = E[A] P(Beta(a_a + 1, b_a) > B) - E[B] P(A > Beta(a_b + 1, b_b))
    loss_b = mean_a * _beta.prob_greater(a_a + 1.0, b_a, a_b, b_b) - mean_b * (
        _beta.prob_greater(a_a, b_a, a_b + 1.0, b_b)
    )
    loss_b = np.maximum(loss_b, 0.0)
    loss_a = np.maximum(loss_b + mean_b - mean_a, 0.0)
    tail = (1.0 - level) / 2.0
    z = -special.ndtri(tail)
    effect = mean_b - mean_a
    half = z * np.hypot(sd_a, sd_b)

    def shaped(arr: ArrayLike) -> FloatArray:
        return np.asarray(arr, dtype=np.float64).reshape(shape)

    return BayesResult(
        prob_b_beats_a=shaped(prob),
        expected_loss_a=shaped(loss_a),
        expected_loss_b=shaped(loss_b),
        effect=shaped(effect),
        ci_low=shaped(effect - half),
        ci_high=shaped(effect + half),
        mean_a=shaped(mean_a),
        mean_b=shaped(mean_b),
        ci_low_a=shaped(_beta.beta_ppf(a_a, b_a, tail, 1.0 - tail)),
        ci_high_a=shaped(_beta.beta_ppf(a_a, b_a, 1.0 - tail, tail)),
        ci_low_b=shaped(_beta.beta_ppf(a_b, b_b, tail, 1.0 - tail)),
        ci_high_b=shaped(_beta.beta_ppf(a_b, b_b, 1.0 - tail, tail)),
        credible_level=level,
        method="beta-binomial model",
    )


def bayes_mean(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    *,
    credible_level: float = 0.95,
) -> BayesResult:
    r"""Normal-model Bayesian comparison of two means from sufficient statistics.

    Parameters
    ----------
    mean_a, var_a, n_a, mean_b, var_b, n_b
        As in :func:`mean_test` (``var`` with ``ddof=1``).
    credible_level
        As in :func:`bayes_proportion`.

    Returns
    -------
    BayesResult

    Raises
    ------
    DataError
        As :func:`mean_test`.

    Notes
    -----
    With a flat prior and the large-sample normal likelihood, each mean's posterior is
    :math:`N(\bar y, s^2/n)`, so :math:`D = \mu_B - \mu_A \sim N(m, v)` with
    :math:`m = \bar y_b - \bar y_a`, :math:`v = s_a^2/n_a + s_b^2/n_b`;
    :math:`P(D > 0) = \Phi(m/\sqrt v)` and
    :math:`E[\max(-D, 0)] = \sqrt v\, \varphi(m/\sqrt v) - m\, \Phi(-m/\sqrt v)`.

    Examples
    --------
    >>> from growthkit.experiments import bayes_mean
    >>> res = bayes_mean(10.0, 4.0, 100, 11.0, 9.0, 120)
    >>> print(f"{res.prob_b_beats_a:.4f}")
    0.9984
    """
    level = _credible(credible_level)
    ma, va, na, mb, vb, nb = moment_inputs(
        (mean_a, var_a, n_a, mean_b, var_b, n_b),
        "A variance estimate needs at least two observations per arm.",
    )
    sa, sb = np.sqrt(va / na), np.sqrt(vb / nb)
    m = mb - ma
    s = np.sqrt(va / na + vb / nb)
    u = m / s
    pdf = np.exp(-0.5 * u * u) / math.sqrt(2.0 * math.pi)
    loss_b = s * pdf - m * special.ndtr(-u)
    loss_a = s * pdf + m * special.ndtr(u)
    z = -special.ndtri((1.0 - level) / 2.0)
    return BayesResult(
        prob_b_beats_a=special.ndtr(u),
        expected_loss_a=loss_a,
        expected_loss_b=loss_b,
        effect=m,
        ci_low=m - z * s,
        ci_high=m + z * s,
        mean_a=ma.copy(),
        mean_b=mb.copy(),
        ci_low_a=ma - z * sa,
        ci_high_a=ma + z * sa,
        ci_low_b=mb - z * sb,
        ci_high_b=mb + z * sb,
        credible_level=level,
        method="normal model (flat prior)",
    )
