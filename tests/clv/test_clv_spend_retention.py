"""Gamma-Gamma, sBG and customer_lifetime_value."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from growthkit.clv import (
    DAYS_PER_MONTH,
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    customer_lifetime_value,
)
from growthkit.errors import ConvergenceError, DataError, SchemaError

GG = GammaGamma(p=6.25, q=3.74, v=15.44)


def test_gamma_gamma_loglik_matches_integration() -> None:
    # Integrate the per-transaction gamma likelihood over nu ~ Gamma(q, v) numerically and
    # compare with the closed form at the fitted optimum (Fader & Hardie 2013, eq. 3).
    values = np.array([12.0, 30.0, 21.0])
    x, mean = values.size, values.mean()

    def integrand(nu: float) -> float:
        lik = np.prod(stats.gamma.pdf(values, GG.p, scale=1 / nu))
        return float(lik * stats.gamma.pdf(nu, GG.q, scale=1 / GG.v))

    joint = integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-11)[0]
    # The model's likelihood is that of the mean: the density of zbar given x transactions.
    # Converting the joint density of the values to that of the sufficient statistic
    # multiplies by x^(px) zbar^(px-1) Gamma(p)^x / (Gamma(px) prod(z^(p-1))).
    log_jacobian = (
        GG.p * x * np.log(x)
        + (GG.p * x - 1) * np.log(mean)
        + x * special.gammaln(GG.p)
        - special.gammaln(GG.p * x)
        - (GG.p - 1) * np.log(values).sum()
    )
    closed = (
        special.gammaln(GG.p * x + GG.q)
        - special.gammaln(GG.p * x)
        - special.gammaln(GG.q)
        + GG.q * np.log(GG.v)
        + (GG.p * x - 1) * np.log(mean)
        + GG.p * x * np.log(x)
        - (GG.p * x + GG.q) * np.log(GG.v + x * mean)
    )
    assert np.log(joint) + log_jacobian == pytest.approx(closed, rel=1e-9)


def test_expected_average_value_is_posterior_mean() -> None:
    # E[p / nu | x, zbar] with the Gamma(q + px, v + x zbar) posterior of nu, by quadrature.
    x, zbar = 3, 25.0
    shape, rate = GG.q + GG.p * x, GG.v + x * zbar
    posterior_mean = integrate.quad(
        lambda nu: GG.p / nu * stats.gamma.pdf(nu, shape, scale=1 / rate), 0, np.inf
    )[0]
    assert GG.expected_average_value(x, zbar)[0] == pytest.approx(posterior_mean, rel=1e-9)
    assert GG.expected_average_value(0, 0.0)[0] == pytest.approx(GG.p * GG.v / (GG.q - 1))


def test_gamma_gamma_parameter_recovery() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    x = rng.integers(1, 10, n)
    nu = rng.gamma(3.74, 1 / 15.44, n)
    mean = rng.gamma(6.25 * x, 1 / nu) / x
    fitted = GammaGamma.fit(x, mean)
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert abs(fitted.params[name] - value) < 4 * fitted.standard_errors[name], name


def test_gamma_gamma_skips_zero_frequency(cdnow_summary: pd.DataFrame) -> None:
    repeaters = cdnow_summary[cdnow_summary["frequency"] > 0]
    assert GammaGamma.fit(cdnow_summary).params == pytest.approx(GammaGamma.fit(repeaters).params)
    assert GammaGamma.fit(cdnow_summary).n_customers == len(repeaters)


@pytest.mark.parametrize(
    "frequency, monetary, match",
    [
        ([0, 2], [5.0, 3.0], r"`monetary_value` is positive where `frequency` is 0: 1 rows\. "),
        ([1, 2], [-5.0, 3.0], r"`monetary_value` is negative: 1 rows\."),
        ([1, 2], [0.0, 3.0], r"`monetary_value` is 0 where `frequency` is positive: 1 rows\."),
        ([0, 0], [0.0, 0.0], r"`frequency` has no customer with repeat purchases: 2 rows\."),
        ([1, 2], [np.inf, 3.0], r"`monetary_value` has NaN or infinite values: 1 rows\."),
    ],
)
def test_gamma_gamma_invalid(frequency: list[int], monetary: list[float], match: str) -> None:
    with pytest.raises(DataError, match=match):
        GammaGamma.fit(frequency, monetary)


HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def test_sbg_survival_retention_consistent() -> None:
    model = ShiftedBetaGeometric(alpha=0.668, beta=3.806)
    t = np.arange(1, 12)
    surv = model.survival(t)
    np.testing.assert_allclose(model.retention_rate(t), surv / model.survival(t - 1), rtol=1e-12)
    np.testing.assert_allclose(model.churn_probability(t), model.survival(t - 1) - surv, rtol=1e-10)
    assert model.survival(0) == 1.0
    # Retention rises with tenure (Fader & Hardie 2007, Figure 5).
    assert np.all(np.diff(model.retention_rate(t)) > 0)


def test_sbg_survival_by_integration() -> None:
    model = ShiftedBetaGeometric(alpha=0.704, beta=1.182)
    for t in (1, 5, 12):
        expected = integrate.quad(
            lambda th, t=t: (1 - th) ** t * stats.beta.pdf(th, model.alpha, model.beta), 0, 1
        )[0]
        assert model.survival(t) == pytest.approx(expected, rel=1e-9)


def test_derl_and_del_equal_discounted_sums() -> None:
    model = ShiftedBetaGeometric(alpha=0.668, beta=3.806)
    d = 0.1
    t = np.arange(0, 4000)
    disc_surv = model.survival(t) / (1 + d) ** t
    assert model.discounted_expected_lifetime(discount_rate=d) == pytest.approx(
        disc_surv.sum(), rel=1e-10
    )
    for renewals in (0, 3, 10):
        n = renewals + 1
        expected = (model.survival(t[n:]) / model.survival(n - 1) / (1 + d) ** (t[n:] - n)).sum()
        got = model.discounted_expected_residual_lifetime(renewals, discount_rate=d)
        assert got == pytest.approx(expected, rel=1e-10)


def _del_series(alpha: float, beta: float, d: float) -> float:
    """DEL as ``sum_t S(t)/(1+d)^t``, ``S(t+1)/S(t) = (beta+t)/(alpha+beta+t)`` (naive twin).

    The terms fall at least like ``(1+d)^-t``: 60/ln(1+d) of them leave out < e^-60.
    """
    t = np.arange(int(60 / np.log1p(d)), dtype=np.float64)
    ratios = (beta + t) / ((alpha + beta + t) * (1 + d))
    return float(1.0 + np.cumprod(ratios).sum())


def _del_quadrature(alpha: float, beta: float, d: float) -> float:
    """DEL as ``(1+d) E[1/(d+theta)]``, ``theta ~ Beta(alpha, beta)``, by adaptive quadrature.

    In log(theta) on (0, 1/2] and log(1-theta) on [1/2, 1) (the beta density's power-law
    ends become exponentials), with breaks at ``theta = d`` and around the mean; below
    ``theta0`` (``1 - theta`` below ``eps0``) every factor but the power is constant to
    1e-12 and that end is integrated in closed form. Independent of the Gamma-mixture
    integral the library uses; accurate to ~1e-8.
    """
    log_beta = special.betaln(alpha, beta)
    mean = alpha / (alpha + beta)
    marks = mean + np.sqrt(mean * (1 - mean) / (alpha + beta + 1)) * np.arange(-8, 9)
    half = -np.log(2.0)

    def pieces(f: Callable[[float], float], low: float, breaks: list[float]) -> float:
        edges = [low, *sorted(x for x in breaks if low < x < half), half]
        return sum(
            float(integrate.quad(f, x, y, epsabs=0, epsrel=1e-12, limit=200)[0])
            for x, y in pairwise(edges)
        )

    def near_zero(u: float) -> float:
        return float(
            np.exp(alpha * u + (beta - 1) * np.log1p(-np.exp(u)) - log_beta) / (d + np.exp(u))
        )

    def near_one(v: float) -> float:
        return float(
            np.exp(beta * v + (alpha - 1) * np.log1p(-np.exp(v)) - log_beta) / (d + 1 - np.exp(v))
        )

    theta0 = 1e-12 * min(d, 1 / (abs(beta - 1) + 1))
    eps0 = 1e-12 / (abs(alpha - 1) + 1)
    left = np.exp(alpha * np.log(theta0) - log_beta) / (alpha * d) + pieces(
        near_zero, np.log(theta0), [np.log(d), *(np.log(m) for m in marks if 0 < m < 0.5)]
    )
    right = np.exp(beta * np.log(eps0) - log_beta) / (beta * (1 + d)) + pieces(
        near_one, np.log(eps0), [np.log(1 - m) for m in marks if 0.5 < m < 1]
    )
    return float((1 + d) * (left + right))


@pytest.mark.parametrize("d", [1e-12, 3e-6, 0.1, 1.0])
def test_del_closed_forms(d: float) -> None:
    # DEL = (1+d) E[1/(d+theta)] (Fader & Hardie 2010), integrated in closed form over
    # theta ~ Beta(1, 1): ln((1+d)/d); Beta(1/2, 1/2) (arcsine law): 1/sqrt(d(1+d));
    # Beta(2, 1) (density 2 theta): 2(1 - d ln((1+d)/d)); Beta(1, 2) (density
    # 2(1-theta)): 2((1+d) ln((1+d)/d) - 1). The last is also DERL at 0 renewals for
    # alpha = beta = 1: (beta/(alpha+beta)) DEL(alpha, beta+1).
    log_odds = np.log1p(1 / d)
    expected = {
        (1.0, 1.0): (1 + d) * log_odds,
        (0.5, 0.5): np.sqrt((1 + d) / d),
        (2.0, 1.0): 2 * (1 + d) * (1 - d * log_odds),
        (1.0, 2.0): 2 * (1 + d) * ((1 + d) * log_odds - 1),
    }
    for (alpha, beta), value in expected.items():
        model = ShiftedBetaGeometric(alpha=alpha, beta=beta)
        assert model.discounted_expected_lifetime(discount_rate=d) == pytest.approx(
            value, rel=1e-13
        )
    derl = ShiftedBetaGeometric(alpha=1.0, beta=1.0).discounted_expected_residual_lifetime(
        0, discount_rate=d
    )
    assert float(derl) == pytest.approx(expected[1.0, 2.0] / 2, rel=1e-13)


def test_del_derl_match_the_discounted_sum() -> None:
    # alpha, beta over e^-8..e^8 (the fuzz test's range, where scipy's hyp2f1 returned NaN
    # for ~12 % of draws and was off by more than 1e-6 for ~5 %); d in [1e-3, 1] so that the
    # naive twin converges in <= 60,000 terms.
    rng = np.random.default_rng(2010)
    renewals = np.array([0.0, 1.0, 5.0, 100.0])
    for _ in range(40):
        alpha, beta = (float(v) for v in np.exp(rng.uniform(-8, 8, 2)))
        d = float(np.exp(rng.uniform(np.log(1e-3), 0)))
        model = ShiftedBetaGeometric(alpha=alpha, beta=beta)
        assert model.discounted_expected_lifetime(discount_rate=d) == pytest.approx(
            _del_series(alpha, beta, d), rel=1e-11
        )
        # DERL(n) = B(alpha, beta+n)/B(alpha, beta+n-1) DEL(alpha, beta+n), n-1 = renewals
        b = beta + renewals
        expected = [bb / (alpha + bb) * _del_series(alpha, bb + 1, d) for bb in b]
        got = model.discounted_expected_residual_lifetime(renewals, discount_rate=d)
        np.testing.assert_allclose(got, expected, rtol=1e-11)


def test_del_derl_match_quadrature_for_small_discount_rates() -> None:
    # d down to 1e-12, where the sum needs ~1/d terms: the quadrature twin instead.
    rng = np.random.default_rng(2007)
    cases = [(0.0056, 334.0, 3e-6), (3e-4, 3e-4, 1e-12), (0.5, 2980.0, 1e-12)]
    for _ in range(30):
        alpha, beta = (float(v) for v in np.exp(rng.uniform(-8, 8, 2)))
        cases.append((alpha, beta, float(np.exp(rng.uniform(np.log(1e-12), np.log(1e-3))))))
    for alpha, beta, d in cases:
        model = ShiftedBetaGeometric(alpha=alpha, beta=beta)
        got = model.discounted_expected_lifetime(discount_rate=d)
        assert got == pytest.approx(_del_quadrature(alpha, beta, d), rel=1e-7), (alpha, beta, d)
        derl = float(model.discounted_expected_residual_lifetime(5, discount_rate=d))
        b = beta + 5
        assert derl == pytest.approx(b / (alpha + b) * _del_quadrature(alpha, b + 1, d), rel=1e-7)


def test_del_derl_invariants() -> None:
    rng = np.random.default_rng(85)
    renewals = np.array([[0.0, 1.0, 2.5], [10.0, 1e3, 1e6]])
    for _ in range(60):
        alpha, beta = (float(v) for v in np.exp(rng.uniform(np.log(1e-4), np.log(1e6), 2)))
        d = float(np.exp(rng.uniform(np.log(1e-12), np.log(10.0))))
        model = ShiftedBetaGeometric(alpha=alpha, beta=beta)
        dl = model.discounted_expected_lifetime(discount_rate=d)
        derl = model.discounted_expected_residual_lifetime(renewals, discount_rate=d)
        assert derl.shape == renewals.shape
        # 1 <= DEL <= (1+d)/d (theta in [0, 1]); DEL = 1 + DERL(0)/(1+d): the first payment
        # plus the discounted residual lifetime of those who renew (S(t) = S(1) S(t)/S(1)).
        assert 1.0 <= dl <= (1 + d) / d
        assert dl == pytest.approx(1 + derl[0, 0] / (1 + d), rel=1e-13)
        # Survivors are the loyal ones: DERL rises with the renewals (Fader & Hardie 2010).
        assert np.all(np.diff(derl.ravel()) >= -1e-13 * derl.ravel()[1:])
        for r, value in zip(renewals.ravel(), derl.ravel(), strict=True):
            one = float(model.discounted_expected_residual_lifetime(r, discount_rate=d))
            assert one == pytest.approx(value, rel=1e-13)


def test_sbg_recovers_simulated_cohort() -> None:
    rng = np.random.default_rng(9)
    theta = rng.beta(0.7, 1.2, 200_000)
    lifetime = rng.geometric(theta)
    counts = [int((lifetime > t).sum()) for t in range(0, 10)]
    counts[0] = theta.size
    fitted = ShiftedBetaGeometric.fit(counts)
    assert abs(fitted.alpha - 0.7) < 4 * fitted.standard_errors["alpha"]
    assert abs(fitted.beta - 1.2) < 4 * fitted.standard_errors["beta"]


@pytest.mark.parametrize(
    "counts, match",
    [
        ([1000, 900, 950], r"`active_counts` increases from one period to the next: 1 rows\."),
        ([1000], r"`active_counts` needs at least 2 periods: 1 rows\."),
        ([1000, -1], r"`active_counts` is negative: 1 rows\."),
        ([0, 0], r"`active_counts` starts with an empty cohort: 1 rows\."),
        ([1000, np.nan], r"`active_counts` has NaN or infinite values: 1 rows\."),
    ],
)
def test_sbg_invalid(counts: list[float], match: str) -> None:
    with pytest.raises(DataError, match=match):
        ShiftedBetaGeometric.fit(counts)


def test_sbg_no_churn_does_not_converge() -> None:
    with pytest.raises(ConvergenceError) as info:
        ShiftedBetaGeometric.fit([1000, 1000, 1000])
    assert set(info.value.last_params) == {"alpha", "beta"}


def test_sbg_invalid_prediction_arguments() -> None:
    model = ShiftedBetaGeometric(alpha=1.0, beta=1.0)
    with pytest.raises(DataError, match=r"`discount_rate` must be positive, got 0: 1 rows\."):
        model.discounted_expected_residual_lifetime(0, discount_rate=0)
    with pytest.raises(DataError, match=r"`t` is below 1: 1 rows\."):
        model.retention_rate(0)


BG = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_clv_equals_monthly_discounted_sum(cdnow_summary: pd.DataFrame) -> None:
    clv = customer_lifetime_value(
        BG, GG, cdnow_summary, horizon_months=6, discount_rate=0.02, time_unit_days=7
    )
    assert clv.index.equals(cdnow_summary.index)
    month = DAYS_PER_MONTH / 7
    value = GG.expected_average_value(cdnow_summary)
    expected = np.zeros(len(cdnow_summary))
    for m in range(1, 7):
        step = BG.expected_purchases(m * month, cdnow_summary) - BG.expected_purchases(
            (m - 1) * month, cdnow_summary
        )
        expected += value * step / 1.02**m
    np.testing.assert_allclose(clv.to_numpy(), expected, rtol=1e-12)


def test_clv_undiscounted_equals_expected_revenue(cdnow_summary: pd.DataFrame) -> None:
    clv = customer_lifetime_value(
        BG, 10.0, cdnow_summary, horizon_months=12, discount_rate=0.0, time_unit_days=7
    )
    expected = 10.0 * BG.expected_purchases(12 * DAYS_PER_MONTH / 7, cdnow_summary)
    np.testing.assert_allclose(clv.to_numpy(), expected, rtol=1e-10)


def test_clv_time_unit_rescales() -> None:
    weekly = pd.DataFrame({"frequency": [2, 0], "recency": [30.0, 0.0], "T": [38.0, 20.0]})
    daily = weekly.assign(recency=weekly["recency"] * 7, T=weekly["T"] * 7)
    daily_model = BetaGeo(r=BG.r, alpha=BG.alpha * 7, a=BG.a, b=BG.b)
    a = customer_lifetime_value(BG, 5.0, weekly, time_unit_days=7)
    b = customer_lifetime_value(daily_model, 5.0, daily)
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_clv_with_pareto_and_per_customer_values(cdnow_summary: pd.DataFrame) -> None:
    model = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    margin = np.linspace(1, 2, len(cdnow_summary))
    clv = customer_lifetime_value(model, margin, cdnow_summary, time_unit_days=7)
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)


def test_clv_invalid(cdnow_summary: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"`discount_rate` must be >= 0, got -0.1: 1 rows\."):
        customer_lifetime_value(BG, GG, cdnow_summary, discount_rate=-0.1)
    with pytest.raises(DataError, match=r"`horizon_months` must be an integer >= 1, got 0: 1 rows"):
        customer_lifetime_value(BG, GG, cdnow_summary, horizon_months=0)
    with pytest.raises(DataError, match=r"`time_unit_days` must be positive, got 0: 1 rows"):
        customer_lifetime_value(BG, GG, cdnow_summary, time_unit_days=0)
    with pytest.raises(SchemaError, match=r"`monetary_value` column is missing"):
        customer_lifetime_value(BG, GG, cdnow_summary.drop(columns="monetary_value"))
