"""Shifted-beta-geometric (sBG) contractual retention model (Fader & Hardie 2007, 2010)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from growthkit._validate import check_min, check_nonnegative, data_error
from growthkit.clv._base import FittedModel, FloatArray, check_rate, column, times

__all__ = ["ShiftedBetaGeometric"]


def _check_counts(active_counts: object) -> FloatArray:
    n = column("active_counts", active_counts)
    if n.size < 2:
        raise data_error(
            "active_counts",
            "needs at least 2 periods",
            n.size,
            "Pass the cohort size followed by the number still active at each period.",
        )
    check_nonnegative("active_counts", n)
    if n[0] <= 0:
        raise data_error(
            "active_counts", "starts with an empty cohort", 1, "The first value is the cohort size."
        )
    bad = int(np.count_nonzero(np.diff(n) > 0))
    if bad:
        raise data_error(
            "active_counts",
            "increases from one period to the next",
            bad,
            "Customers cannot come back in the sBG model: counts must be non-increasing.",
        )
    return n


# Below this rate 1/(1+d) rounds to 1 in double precision: a rate that small is a unit error
# (the discounted sums grow like log(1/d) or d^(alpha-1) and mean nothing there).
_MIN_DISCOUNT = 1e-12

# Trapezoidal rule of _discounted_lifetime: the step (the integrand has unit-scale features
# and is analytic in the strip |Im u| < pi/2, so the error falls like exp(-pi^2/step)), how
# many e-folds of the integrand the grid reaches past its mass on either side, the largest
# node (exp stays finite) and rows per block (bounds the work arrays).
_STEP = 0.25
_EFOLDS = 38.0
_MAX_NODE = 700.0
_BLOCK = 512


def _discounted_lifetime(alpha: float, beta: FloatArray, d: float) -> FloatArray:
    """``2F1(1, beta; alpha+beta; 1/(1+d))`` for each ``beta``: DEL, ``sum_t S(t)/(1+d)^t``.

    scipy's ``hyp2f1`` returns NaN near ``z = 1`` for large ``beta`` and its transforms fail
    elsewhere, so the function is evaluated from an integral that is well conditioned for
    all positive parameters. With ``theta = X/(X+Y)``, ``X ~ Gamma(alpha)``,
    ``Y ~ Gamma(beta)``, ``DEL = (1+d) E[1/(d+theta)]`` and
    ``1/(d+theta) = (X+Y) int_0^inf exp(-s((1+d)X + dY)) ds``; taking expectations and
    integrating by parts, then substituting ``s = k e^u / d``::

        DEL = 1 + beta k/d int_R g(u) du,   w = d/(1+d),   1/k = alpha/w + beta + 2,
        g(u) = exp(u - alpha ln(1 + k e^u/w) - (beta+1) ln(1 + k e^u)).

    ``ln g`` is concave, with curvature at most 1 at its maximum, which lies near ``u = 0``
    (``k`` puts it there), so a trapezoidal rule with a fixed step converges geometrically
    whatever the parameters. Left of its mass ``g`` decays like ``e^u``; right of it like
    ``e^(-c u)``, ``c = alpha + beta``, which is slow for small ``c``: there the multiple of
    ``e^(-c t) expit(2(t-2))`` (``t = u + ln k``) with the same tail is subtracted and its
    integral (``pi / (2 sin(pi c / 2))`` times the factor) added back.
    """
    log_w = np.log(d) - np.log1p(d)
    out = np.empty(beta.shape, dtype=np.float64)
    for first in range(0, beta.size, _BLOCK):
        b = beta[first : first + _BLOCK, None]
        c = alpha + b
        slow = c < 1.0
        log_k = -np.logaddexp(np.log(alpha) - log_w, np.log(b + 2.0))
        # Below u = -38, alpha k e^u/w + (beta+1) k e^u < e^-38: g(u) = e^u to double
        # precision. Beyond t = 3, ln g falls by at least 0.95 c - 0.05 per unit, and the
        # remainder after the subtraction by at least 1.
        high = 3.0 + _EFOLDS / np.where(slow, 1.0, 0.95 * c - 0.05) - log_k
        u = np.arange(-_EFOLDS, min(float(high.max()), _MAX_NODE) + _STEP, _STEP)
        e = np.exp(u)
        log_g = (
            u
            - alpha * np.log1p(e * np.exp(log_k - log_w))
            - (b + 1.0) * np.log1p(e * np.exp(log_k))
        )
        # Clipped where g is negligible anyway: subnormal numbers are slow.
        g = np.exp(np.maximum(log_g, -700.0))
        total = _STEP * g.sum(axis=1)
        if slow.any():
            rows = slow[:, 0]
            cs, ks = c[rows], log_k[rows]
            # g ~ w^alpha e^(-c t) / k = exp(log_tail - c u) for large t = u + ln k.
            log_tail = alpha * log_w - ks - cs * ks
            tail = np.exp(log_tail - cs * u + special.log_expit(2.0 * (u + ks - 2.0)))
            closed = (
                np.exp(log_tail + cs * ks - 2.0 * cs) * np.pi / (2.0 * np.sin(np.pi * cs / 2.0))
            )
            total[rows] += (closed - _STEP * tail.sum(axis=1, keepdims=True))[:, 0]
        out[first : first + _BLOCK] = 1.0 + np.exp(np.log(b) + log_k - np.log(d))[:, 0] * total
    return out


def _from_period_one(t: npt.ArrayLike, fix: str) -> FloatArray:
    """Period numbers ``t >= 1`` (finite; the shape of ``t``)."""
    tt = times("t", t)
    check_min("t", tt, 1, fix)
    return tt


def _check_discount(discount_rate: object) -> float:
    d = check_rate("discount_rate", discount_rate)
    if d < _MIN_DISCOUNT:
        raise data_error(
            "discount_rate",
            f"is below {_MIN_DISCOUNT:g}, got {discount_rate!r}",
            1,
            "Pass the discount rate per period, e.g. 0.1.",
        )
    return d


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ShiftedBetaGeometric(FittedModel):
    """sBG model of contractual retention, fitted or with given parameters.

    Each customer renews at every period end with probability ``1 - theta`` until they
    churn; ``theta ~ Beta(alpha, beta)`` across customers, so the aggregate retention rate
    rises with tenure (the survivors are the loyal ones).

    Attributes
    ----------
    alpha, beta
        Parameters of the beta distribution of the churn probability.
    log_likelihood
        Maximised log-likelihood.
    n_customers
        Cohort size it was fitted on.
    covariance
        Inverse observed information matrix in (alpha, beta), read-only.

    Notes
    -----
    With ``n_t`` customers active at the start of period ``t`` (``n_0`` the cohort size)
    the log-likelihood is (Fader & Hardie 2007)::

        sum_{t=1}^{k} (n_{t-1} - n_t) ln P(T = t) + n_k ln S(k),
        P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta),
        S(t) = B(alpha, beta+t) / B(alpha, beta)

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
    Interactive Marketing* 21(1), 76-90.

    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.

    Examples
    --------
    >>> from growthkit.clv import ShiftedBetaGeometric
    >>> high_end = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> model = ShiftedBetaGeometric.fit(high_end)
    >>> {k: round(v, 3) for k, v in model.params.items()}
    {'alpha': 0.668, 'beta': 3.806}
    >>> model.survival([1, 2]).round(3)
    array([0.851, 0.747])
    """

    alpha: float
    beta: float

    _param_names = ("alpha", "beta")

    @classmethod
    def fit(
        cls,
        active_counts: npt.ArrayLike,
        *,
        start: Mapping[str, float] | None = None,
    ) -> ShiftedBetaGeometric:
        """Fit the model to one cohort's survivor counts.

        Parameters
        ----------
        active_counts
            ``active_counts[i]`` is the number of customers still active at the start of
            period ``i``; the first value is the cohort size. Must be non-increasing.
        start
            Start values by name (default ``alpha = beta = 1``).

        Returns
        -------
        ShiftedBetaGeometric
            The fitted, immutable model.

        Raises
        ------
        DataError
            Fewer than two periods, negative or NaN counts, an empty cohort, or counts that
            increase.
        ConvergenceError
            If the optimiser fails (for example when nobody churns).
        """
        n = _check_counts(active_counts)
        lost = -np.diff(n)
        periods = np.arange(1, n.size, dtype=np.float64)
        k = float(n.size - 1)
        survivors = float(n[-1])

        def neg_ll_grad(params: FloatArray) -> tuple[float, FloatArray]:
            a, b = (float(v) for v in params)
            lbab = special.betaln(a, b)
            log_p = special.betaln(a + 1.0, b + periods - 1.0) - lbab
            log_s = special.betaln(a, b + k) - lbab
            ll = float(lost @ log_p) + survivors * float(log_s)
            dab = special.digamma(a + b)
            dp_a = (
                special.digamma(a + 1.0)
                - special.digamma(a + b + periods)
                - special.digamma(a)
                + dab
            )
            dp_b = (
                special.digamma(b + periods - 1.0)
                - special.digamma(a + b + periods)
                - special.digamma(b)
                + dab
            )
            ds_a = dab - special.digamma(a + b + k)
            ds_b = special.digamma(b + k) - special.digamma(a + b + k) - special.digamma(b) + dab
            g = np.array(
                [float(lost @ dp_a) + survivors * ds_a, float(lost @ dp_b) + survivors * ds_b]
            )
            return -ll, -g

        # The cohort size is the weight, so ``n_customers`` is ``n[0]``.
        init = {"alpha": 1.0, "beta": 1.0}
        return cls._maximum_likelihood(lambda w: neg_ll_grad, (), n[:1], init, start)

    def survival(self, t: npt.ArrayLike) -> FloatArray:
        """Share of the cohort still active after ``t`` periods.

        ``S(t) = B(alpha, beta+t) / B(alpha, beta)`` (Fader & Hardie 2007).

        Parameters
        ----------
        t
            Periods since acquisition (``S(0) = 1``).

        Returns
        -------
        numpy.ndarray
            Survival probabilities with the shape of ``t``.
        """
        tt = times("t", t)
        out = np.exp(
            special.betaln(self.alpha, self.beta + tt) - special.betaln(self.alpha, self.beta)
        )
        return np.asarray(out, dtype=np.float64)

    def churn_probability(self, t: npt.ArrayLike) -> FloatArray:
        """Probability that a new customer churns at period ``t`` (``P(T = t)``).

        Parameters
        ----------
        t
            Period (1, 2, ...).

        Returns
        -------
        numpy.ndarray
            ``B(alpha+1, beta+t-1) / B(alpha, beta)`` with the shape of ``t``.
        """
        tt = _from_period_one(t, "Churn happens from period 1 on.")
        out = np.exp(
            special.betaln(self.alpha + 1.0, self.beta + tt - 1.0)
            - special.betaln(self.alpha, self.beta)
        )
        return np.asarray(out, dtype=np.float64)

    def retention_rate(self, t: npt.ArrayLike) -> FloatArray:
        """Share of the customers active in period ``t - 1`` who renew into period ``t``.

        ``r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1)`` (Fader & Hardie
        2007): increasing in ``t``.

        Parameters
        ----------
        t
            Period (1, 2, ...).

        Returns
        -------
        numpy.ndarray
            Retention rates with the shape of ``t``.
        """
        tt = _from_period_one(t, "Retention is defined from period 1 on.")
        return np.asarray(
            (self.beta + tt - 1.0) / (self.alpha + self.beta + tt - 1.0), dtype=np.float64
        )

    def discounted_expected_residual_lifetime(
        self, renewals: npt.ArrayLike = 0, *, discount_rate: float = 0.1
    ) -> FloatArray:
        """Discounted expected residual lifetime (DERL) of a customer with ``renewals`` renewals.

        The number of future payments, discounted, of a customer who has renewed
        ``n - 1 = renewals`` times and is about to make renewal decision ``n``; multiply by
        the payment per period to get the residual value (Fader & Hardie 2010)::

            DERL = B(alpha, beta+n) / B(alpha, beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d))
                 = sum_{t>=n} S(t) / S(n-1) / (1+d)^(t-n)

        Parameters
        ----------
        renewals
            Renewals made so far (``n - 1 >= 0``), scalar or array.
        discount_rate
            Discount rate per period, ``d > 0``.

        Returns
        -------
        numpy.ndarray
            DERL with the shape of ``renewals``.

        Notes
        -----
        scipy's ``hyp2f1`` fails near ``z = 1``; the 2F1 is computed from an integral
        representation by the trapezoidal rule instead, to about 1e-14 relative for
        ``alpha, beta`` up to 1e6 and ``d`` down to 1e-12, vectorised over ``renewals``.

        Examples
        --------
        >>> from growthkit.clv import ShiftedBetaGeometric
        >>> model = ShiftedBetaGeometric(alpha=1.0, beta=1.0)
        >>> model.discounted_expected_residual_lifetime([0, 4], discount_rate=0.1).round(3)
        array([1.801, 4.696])
        """
        d = _check_discount(discount_rate)
        # beta + n - 1 = beta + renewals: adding 1 and taking it away again would round
        # off the low digits of a small beta.
        b = self.beta + times("renewals", renewals)
        lifetime = _discounted_lifetime(self.alpha, (b + 1.0).ravel(), d).reshape(b.shape)
        return np.asarray(b / (self.alpha + b) * lifetime, dtype=np.float64)

    def discounted_expected_lifetime(self, *, discount_rate: float = 0.1) -> float:
        """Discounted expected lifetime (DEL) of a new customer, first payment included.

        ``DEL = 2F1(1, beta; alpha+beta; 1/(1+d)) = sum_{t>=0} S(t) / (1+d)^t`` (Fader &
        Hardie 2010).

        Parameters
        ----------
        discount_rate
            Discount rate per period, ``d > 0``.

        Returns
        -------
        float
            The expected number of discounted payments.

        Notes
        -----
        Computed like :meth:`discounted_expected_residual_lifetime`, not by scipy's
        ``hyp2f1``; ``DEL = 1 + DERL(0) / (1+d)``.

        Examples
        --------
        >>> from growthkit.clv import ShiftedBetaGeometric
        >>> model = ShiftedBetaGeometric(alpha=0.0056, beta=334.0)
        >>> round(model.discounted_expected_lifetime(discount_rate=3e-6), 2)
        321720.06
        """
        d = _check_discount(discount_rate)
        beta = np.array([self.beta], dtype=np.float64)
        return float(_discounted_lifetime(self.alpha, beta, d)[0])
