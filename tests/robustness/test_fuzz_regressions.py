"""Regression tests for the defects the statistics fuzz found (issue #10).

Each test is the shrunk failing example, with the expected value's provenance noted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import integrate, stats

from growthkit import DataError
from growthkit import experiments as ex
from growthkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from growthkit.experiments import _resample as ex_impl


def _q_naive(k: float, u: float, a: float, b: float) -> float:
    """E[(1 - (1 + p u)^-k) / p] over p ~ Beta(a, b) by adaptive quadrature (naive twin)."""
    dist = stats.beta(a, b)
    lo, hi = dist.ppf(1e-12), dist.isf(1e-12)

    def g(p: float) -> float:
        return float(-np.expm1(-k * np.log1p(p * u)) / p * dist.pdf(p))

    return float(integrate.quad(g, lo, hi, points=[dist.mean()], limit=200, epsrel=1e-10)[0])


def test_bgnbd_fit_at_a_ridge_predicts_finite_purchases() -> None:
    # The fit drifts to a, b ~ 1e7 (p = a/(a+b) identified, a + b not); the series of the
    # conditional expectation then returned NaN.
    x, tx, t = np.array([0.0, 2.0]), np.array([0.0, 0.5]), np.array([2.0, 1.0])
    model = BetaGeo.fit(x, tx, t)
    out = model.expected_purchases(1.0, x, tx, t)
    assert np.isfinite(out).all() and (out >= 0).all()
    assert np.isfinite(model.expected_purchases_new_customer(1.0)).all()


@pytest.mark.parametrize(
    ("k", "u", "a", "b"),
    [(19.2, 0.0282, 1.04e7, 5.67e4), (10.4, 2190.0, 9.95e4, 3.22), (0.26, 0.75, 3.3e5, 1.1e7)],
)
def test_bgnbd_large_a_matches_quadrature(k: float, u: float, a: float, b: float) -> None:
    # New-customer expectation E[X(t)] = q(r, t/alpha, a, b) (Fader, Hardie & Lee 2005, eq. 7)
    model = BetaGeo(r=k, alpha=1.0, a=a, b=b)
    got = float(model.expected_purchases_new_customer(u))
    assert got == pytest.approx(_q_naive(k, u, a, b), rel=1e-6)


def test_bgnbd_kernel_cancellation_is_caught() -> None:
    # k > a + b: the alternating series cancelled and returned 1e214 (the integrand <= 1/p).
    model = BetaGeo(r=836.0, alpha=1.0, a=2.86, b=6.52)
    got = float(model.expected_purchases_new_customer(744.0))
    assert 0 < got <= (2.86 + 6.52 - 1) / (2.86 - 1)
    assert got == pytest.approx(_q_naive(836.0, 744.0, 2.86, 6.52), rel=1e-3)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_probability_alive_with_horizon_is_a_probability(cls: type[BetaGeo]) -> None:
    # scipy's hyp2f1(1, 403.4, 404.4, 0.909) is NaN (c - a - b = 0): now by quadrature.
    model = cls(r=1.0, alpha=1.0, a=1.0, b=float(np.exp(6.0)))
    got = model.probability_alive([0.0], [0.0], [0.0], horizon=10.0)
    assert 0.0 <= float(got[0]) <= 1.0
    # E[(1 + p h/alpha)^-r] over Beta(a, b + m) by quadrature: the naive twin
    b = float(np.exp(6.0)) + cls._shift
    dist = stats.beta(1.0, b)
    surv = integrate.quad(lambda p: (1 + 10.0 * p) ** -1.0 * dist.pdf(p), 0, 1, limit=200)[0]
    alive = float(model.probability_alive([0.0], [0.0], [0.0])[0])
    assert float(got[0]) == pytest.approx(alive * surv, rel=1e-8)


def test_pareto_nbd_huge_frequency() -> None:
    # int(1e300) + 1 overflowed a C long when grouping (x, t) pairs (now 1e300 is rejected
    # outright, see below; the grouping no longer converts frequencies to int at all).
    model = ParetoNBD(r=1.0, alpha=1.0, s=1.0, beta=1.0)
    alive = model.probability_alive([2.0**53, 0.0, 1e15], [0.0, 0.0, 1.0], [0.0, 0.0, 2.0])
    assert ((alive >= 0) & (alive <= 1)).all()
    with pytest.raises(DataError, match=r"^`frequency` exceeds 2\*\*53"):
        model.probability_alive([1e300], [0.0], [0.0])


def test_pareto_nbd_large_frequencies_group_correctly() -> None:
    # t codes x (max frequency + 1) overflowed int64 and merged distinct pairs.
    model = ParetoNBD(r=0.5, alpha=10.0, s=0.6, beta=12.0)
    x = np.array([1e15, 3.0] * 5000)
    tx = np.repeat(np.arange(5000.0), 2) + 1.0
    t = tx + 10.0
    together = model.probability_alive(x, tx, t)
    one = model.probability_alive(x[1::2], tx[1::2], t[1::2])
    np.testing.assert_allclose(together[1::2], one, rtol=1e-12)


def test_bgbb_rejects_more_opportunities_than_it_can_hold() -> None:
    # n_periods = 1e9 allocated (rows, 1e9) arrays and was OOM-killed.
    model = BetaGeoBetaBinom(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)
    with pytest.raises(DataError, match=r"^`n_periods` exceeds 10000 opportunities: 1 rows\."):
        model.probability_alive([1.0], [2.0], [1e9])
    with pytest.raises(DataError, match=r"^`t` exceeds 10000 opportunities: 1 rows\."):
        model.expected_purchases(10**9, [1.0], [2.0], [3.0])
    with pytest.raises(DataError, match=r"^`n_periods` exceeds 10000 opportunities"):
        BetaGeoBetaBinom.fit([1.0, 0.0], [2.0, 0.0], [3.0, 2.0**40])


def test_sbg_discount_rate_below_float_resolution() -> None:
    # 1/(1+d) rounds to 1 and hyp2f1 returned inf for a finite sum.
    model = ShiftedBetaGeometric(alpha=1.0, beta=1.0)
    with pytest.raises(DataError, match=r"^`discount_rate` is below 1e-12, got 2e-127: 1 rows\."):
        model.discounted_expected_lifetime(discount_rate=2e-127)
    with pytest.raises(DataError, match=r"^`discount_rate` must be positive, got 0: 1 rows\."):
        model.discounted_expected_residual_lifetime(1, discount_rate=0)
    # 2F1(1, 1; 2; z) = -log(1 - z)/z (Abramowitz & Stegun 15.1.3) with 1 - z = d/(1+d)
    # taken exactly, not from a rounded z: (1+d) log(1 + 1/d).
    d = 1e-12
    got = model.discounted_expected_lifetime(discount_rate=d)
    assert got == pytest.approx((1 + d) * np.log1p(1 / d), rel=1e-13)


def test_welch_df_with_huge_n_does_not_underflow() -> None:
    # var_b / n_b = 1e-300 squared underflowed: df = 0/0 = NaN and a NaN interval.
    res = ex.mean_test(0.0, 0.0, 2.0, 0.0, 1.0, 1e300)
    assert float(res.df) == pytest.approx(1e300, rel=1e-12)
    assert np.isfinite([res.ci_low, res.ci_high]).all()
    # scipy's ttest_ind_from_stats on the same statistics (df = n_b - 1 when var_a = 0)
    ref = stats.ttest_ind_from_stats(1.0, 1.0, 10**6, 0.0, 0.0, 2, equal_var=False)
    got = ex.mean_test(0.0, 0.0, 2.0, 1.0, 1.0, 10**6)
    assert float(got.pvalue) == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(
    ("a", "b", "pattern"),
    [
        ([0.0], [0.0, 1.0], r"^`a` has fewer than 2 observations: 1 rows\."),
        ([0.0, 1.0], [], r"^`b` has fewer than 2 observations: 0 rows\."),
        ([0.0, 0.0], [3.0, 3.0], r"^`a` and `b` are both zero: 1 rows\."),
        ([1e308, 1e308], [0.0, 1.0], r"^`a` has a sum that overflows float64: 1 rows\."),
    ],
)
def test_mean_test_samples_messages_name_the_samples(
    a: list[float], b: list[float], pattern: str
) -> None:
    # The messages named `n_a`, `var_a` and `mean_a`, which the caller never passed.
    with pytest.raises(DataError, match=pattern):
        ex.mean_test_samples(a, b)


def test_cuped_variance_overflow_raises() -> None:
    # (1e300)^2 overflowed: theta and every adjusted value were NaN.
    with pytest.raises(DataError, match=r"^`y` has a mean or variance that overflows float64"):
        ex.cuped([0.0, 0.0, 0.0, 0.0, 1e300], [0.0, 0.0, 0.0, 0.0, 1.0])
    with pytest.raises(DataError, match=r"^`x_a` has a mean or variance that overflows"):
        ex.cuped_test([0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [0.0, 1e300])


def test_cuped_variance_reduction_is_at_most_one() -> None:
    # rho^2 = 1 came out as 1.0000000000000004
    res = ex.cuped([0.0, 0.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0, 7.0])
    assert 0.0 <= float(res.variance_reduction) <= 1.0
    assert float(res.variance_reduction) == pytest.approx(1.0)


def _ratio_stats(**sums: float) -> ex.RatioStats:
    return ex.RatioStats(**{k: np.asarray(v, dtype=np.float64) for k, v in sums.items()})


def test_ratio_test_tiny_denominator_raises() -> None:
    # sum_den = 1e-300: mean_den**2 underflowed and the variance was 0/0 = NaN.
    tiny = _ratio_stats(
        n=2.0, sum_num=1.0, sum_den=1e-300, sum_num_sq=1.0, sum_den_sq=0.0, sum_num_den=0.0
    )
    fine = ex.ratio_stats([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
    with pytest.raises(DataError, match=r"^`stats_a` gives a ratio or ratio variance that"):
        ex.ratio_test(tiny, fine)
    zero = _ratio_stats(
        n=2.0, sum_num=0.0, sum_den=1e-300, sum_num_sq=0.0, sum_den_sq=0.0, sum_num_den=0.0
    )
    res = ex.ratio_test(zero, fine)  # ratio 0 with no spread: variance exactly 0
    assert float(res.value_a) == 0.0 and np.isfinite(res.ci_low)


def test_sample_size_bounds() -> None:
    # mde = 1e-9 relative: 1.6e19 units overflowed int64 to a negative count.
    with pytest.raises(DataError, match=r"^`mde` is too small: the sample size exceeds 2\*\*62"):
        ex.sample_size(0.5, 1e-9, relative=True)
    # std = 1e-300: 8e-55 units were rounded to 0 units per arm.
    res = ex.sample_size(0.0, 1e-9, metric="mean", std=1e-300)
    assert int(res.n_a) == 1 and int(res.n_b) == 1 and int(res.total) == 2


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        ((0.0, 0.0, 2.0, 1.0), r"^`conversions_holdout` exceeds `n_holdout`"),
        ((0.0, 0.0, 0.0, np.nan), r"^`n_holdout` has NaN or infinite values"),
        ((0.0, 0.0, 0.0, 0.0), r"^`n_holdout` is not positive"),
        (([0.0, 0.0, 1.0], [5.0, 5.0], 1.0, 5.0), r"^`n_treated` has shape \(2,\)"),
    ],
)
def test_campaign_lift_messages_name_its_arguments(args: tuple[Any, ...], pattern: str) -> None:
    # The messages named `successes_a` / `trials_a` of the inner proportion_test.
    ct, nt, ch, nh = args
    with pytest.raises(DataError, match=pattern):
        ex.campaign_lift(ct, nt, ch, nh)


def test_campaign_lift_revenue_messages() -> None:
    with pytest.raises(DataError, match=r"^`revenue_var_holdout` and `revenue_var_treated` are"):
        ex.campaign_lift(
            10,
            100,
            5,
            100,
            revenue_treated=50.0,
            revenue_var_treated=0.0,
            revenue_holdout=20.0,
            revenue_var_holdout=0.0,
        )


def test_sequential_result_without_looks_tabulates() -> None:
    # to_frame (and str) divided by the number of looks, 0.
    empty = np.array([])
    res = ex.sequential_test(empty, empty, empty, empty, empty, empty, mixing_variance=1.0)
    assert len(res.to_frame()) == 0
    str(res)


def test_ratio_stats_overflow_raises() -> None:
    # (1e300)^2 overflowed with a RuntimeWarning and returned inf sums.
    with pytest.raises(DataError, match=r"^`numerator` gives a sum_num_sq that overflows"):
        ex.ratio_stats([1e300, 1.0], [1.0, 1.0])


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_frequency_beyond_float_exactness_is_rejected(cls: Any) -> None:
    # frequency = 1.7e308 gave inf (BG/NBD) and NaN (Pareto/NBD) expected purchases.
    names = cls._param_names
    model = cls(**dict.fromkeys(names, 1.0))
    with pytest.raises(DataError, match=r"^`frequency` exceeds 2\*\*53: 1 rows\."):
        model.expected_purchases(7.0, [1.7e308], [0.0], [0.0])
    out = model.expected_purchases(7.0, [2.0**53], [0.0], [0.0])
    assert np.isfinite(out).all()


def test_clv_huge_discount_rate() -> None:
    # (1 + 1e300) ** 3 raised OverflowError; only month 1 (divided by 1e300) is non-zero.
    import pandas as pd

    from growthkit.clv import DAYS_PER_MONTH, customer_lifetime_value

    summary = pd.DataFrame({"frequency": [0.0, 2.0], "recency": [0.0, 5.0], "T": [0.0, 9.0]})
    model = BetaGeo(r=1.0, alpha=1.0, a=1.0, b=1.0)
    clv = customer_lifetime_value(model, 10.0, summary, horizon_months=3, discount_rate=1e300)
    first_month = model.expected_purchases(DAYS_PER_MONTH, summary) * 10.0 / 1e300
    np.testing.assert_allclose(clv.to_numpy(), first_month, rtol=1e-12)


def test_welch_denormal_variances_count_as_zero() -> None:
    # var_a = 5e-324 over n = 2 is 0 in float64: df and the interval were NaN.
    with pytest.raises(DataError, match=r"^`var_a` and `var_b` are both zero: 1 rows\."):
        ex.mean_test(0.0, 5e-324, 2.0, 0.0, 0.0, 2.0)


def test_srm_huge_counts() -> None:
    # (1e300 - 5e299)**2 overflowed: statistic inf. Chi-square: sum (o - e)^2 / e = 1e300.
    res = ex.srm_test([0.0, 1e300])
    assert float(res.statistic) == pytest.approx(1e300)
    assert float(res.pvalue) == 0.0


def test_bootstrap_relative_interval_with_zero_control_quantile() -> None:
    # Resampled ratios x/0 are inf; interpolating inf - inf gave a NaN bound.
    res = ex.bootstrap_quantile_test([0.0, 0.0], [0.0, 1.0], n_resamples=200, rng=0)
    assert float(res.rel_ci_high) == np.inf
    assert not np.isnan([res.rel_ci_low, res.rel_ci_high]).any()


def test_campaign_lift_revenue_shape_must_match_conversions() -> None:
    # Empty revenue arrays broadcast with n_treated of length 1; to_frame then failed.
    empty = np.array([])
    with pytest.raises(DataError, match=r"^`revenue_treated` has shape \(0,\), unlike"):
        ex.campaign_lift(
            [0.0, 1.0],
            [2.0],
            [0.0],
            [2.0],
            revenue_treated=empty,
            revenue_var_treated=empty,
            revenue_holdout=empty,
            revenue_var_holdout=empty,
        )


def test_bayes_proportion_with_astronomical_trials_uses_the_normal_limit() -> None:
    # Trials of 1e15 made the exact beta sum allocate tens of TiB. Beyond 2e7 terms both
    # posteriors are normal; at 1e5 trials exact and normal already agree to 1e-5.
    res = ex.bayes_proportion(0, 1e15, 0, 1e15, prior_alpha=0.5)
    assert float(res.prob_b_beats_a) == pytest.approx(0.5)
    res = ex.bayes_proportion(5e14, 1e15, 5.0001e14, 1e15)
    assert float(res.prob_b_beats_a) == 1.0
    exact = ex.bayes_proportion(50_000, 100_000, 50_300, 100_000)
    a, b = 50_001.0, 50_001.0
    c, d = 50_301.0, 49_701.0
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)) + c * d / ((c + d) ** 2 * (c + d + 1)))
    normal = stats.norm.cdf((c / (c + d) - a / (a + b)) / sd)
    assert float(exact.prob_b_beats_a) == pytest.approx(normal, abs=1e-5)


def test_srm_statistic_beyond_float64_is_a_clear_error() -> None:
    # [0, 0, 1.7e308]: the statistic is 3.4e308 > float64 max; it came back as inf.
    with pytest.raises(DataError, match=r"^`observed_counts` is so unbalanced"):
        ex.srm_test([0.0, 0.0, 1.7e308])


def test_one_sided_boundaries_with_a_spend_above_one_half() -> None:
    # alpha=0.999 one-sided: the boundary is below zero; the root bracket started at 0.
    res = ex.group_sequential_boundaries([1.0], alpha=0.999, alternative="greater")
    assert float(np.asarray(res.z_critical)[0]) == pytest.approx(stats.norm.ppf(0.001))


# sBG discounted expected (residual) lifetime: scipy's hyp2f1(1, beta; alpha+beta; 1/(1+d))
# returned NaN for ~12 % of random (alpha, beta, d) and was silently off elsewhere. Expected
# values: mpmath 1.4.1 hyp2f1 at 50 digits (maxprec=4000, maxterms=1e6), equal to all 17
# printed digits to the connection formula in 1 - z for alpha < 1 (Abramowitz & Stegun
# 15.3.6) and to the exact discounted sum for d = 0.01; DERL(r) = (beta+r)/(alpha+beta+r)
# DEL(alpha, beta+r+1).
SBG_REFERENCE = [
    # alpha, beta, d, DEL, DERL at renewals 0, 1, 5, 100
    (
        0.0056, 334.0, 3e-6, 321720.06031938534,
        (321720.0254765663, 321725.38475803663, 321746.66286769492, 322189.43243760335),
    ),  # the fuzz test's shrunk example: NaN
    (
        0.5, 2980.0, 1e-12, 96747132.931326573,
        (96747131.931423321, 96763363.671777034, 96828263.418200914, 98357044.83995787),
    ),  # NaN
    (
        2980.0, 2980.0, 0.01, 1.9807116355278233,
        (0.99051875188310149, 0.99084787880386501, 0.99216436481729107, 1.0234207208482087),
    ),  # NaN
    (
        3e-4, 3e-4, 1e-12, 495872624406.51354,
        (495872624406.00941, 991745248812.01057, 992365092686.50058, 993286618423.31766),
    ),  # 495828558182.88: 9e-5 too low, no NaN to notice
    (
        1e6, 1e6, 1e-12, 2.000000999999,
        (1.000001, 1.000002000001, 1.000006000005, 1.0001010000999999),
    ),  # NaN
]  # fmt: skip


@pytest.mark.parametrize(("alpha", "beta", "d", "del_", "derl"), SBG_REFERENCE)
def test_sbg_discounted_lifetimes_where_hyp2f1_failed(
    alpha: float, beta: float, d: float, del_: float, derl: tuple[float, ...]
) -> None:
    model = ShiftedBetaGeometric(alpha=alpha, beta=beta)
    assert model.discounted_expected_lifetime(discount_rate=d) == pytest.approx(del_, rel=1e-14)
    got = model.discounted_expected_residual_lifetime([0, 1, 5, 100], discount_rate=d)
    np.testing.assert_allclose(got, derl, rtol=1e-14)


def test_sbg_derl_keeps_the_digits_of_a_small_beta() -> None:
    # beta + n - 1 with n = renewals + 1 rounded beta = 3.56e-4 to 1e-13 relative;
    # DEL = 1 + DERL(0)/(1+d) then failed by 2e-13 (the sum of S(t)/(1+d)^t from t = 1).
    model = ShiftedBetaGeometric(alpha=0.00117, beta=0.000356)
    d = 2.2e-10
    dl = model.discounted_expected_lifetime(discount_rate=d)
    derl = float(model.discounted_expected_residual_lifetime(0, discount_rate=d))
    assert dl == pytest.approx(1 + derl / (1 + d), rel=1e-14)


# bayes_proportion, sequential_test and optimal_mixing_variance at extreme scale (the
# 3,000- and 10,000-example runs of test_fuzz_bayes and test_fuzz_sequential_test).


def _gamma2_quantile(p: float) -> float:
    """t with P(Gamma(2) <= t) = 1 - e^-t (1 + t) = p, by fixed-point iteration (closed form)."""
    t = 1.0
    for _ in range(300):  # t = log(1 + t) - log(1 - p) contracts by 1 / (1 + t)
        t = float(np.log1p(t) - np.log1p(-p))
    return t


def test_bayes_proportion_credible_interval_of_a_huge_posterior() -> None:
    # The fuzz test's shrunk example: B ~ Beta(2, 1e300); scipy's betaincinv gave NaN.
    # b X -> Gamma(2) as b -> inf (error O(1/b)), whose CDF is 1 - e^-t (1 + t).
    res = ex.bayes_proportion(0, 1, 1, 1e300)
    assert float(res.ci_low_b) * 1e300 == pytest.approx(_gamma2_quantile(0.025), rel=1e-14)
    assert float(res.ci_high_b) * 1e300 == pytest.approx(_gamma2_quantile(0.975), rel=1e-14)
    # A ~ Beta(1, 2) has CDF 2x - x^2, so P(B > A) = E[2B - B^2] = 2 E[B] = 4e-300.
    assert float(res.prob_b_beats_a) == pytest.approx(4e-300, rel=1e-12)
    assert float(res.expected_loss_b) == pytest.approx(1 / 3 - 2e-300, rel=1e-14)


def test_bayes_proportion_credible_interval_where_scipy_is_off() -> None:
    # B ~ Beta(2, 1e16): betaincinv(2, 1e16, 0.025) is 1.39e-17, 43 % below the quantile.
    # For a = 2, P(X <= x) = 1 - (1 - x)^b (1 + b x) exactly; with b = 1e16 the limit
    # 1 - e^-t (1 + t), t = b x, is equal to it within 1e-17 relative.
    res = ex.bayes_proportion(0, 1, 1, 1e16)
    b = 1.0 + (1e16 - 1.0)  # the posterior parameter as float64 holds it
    assert float(res.ci_low_b) * b == pytest.approx(_gamma2_quantile(0.025), rel=1e-14)
    assert float(res.ci_high_b) * b == pytest.approx(_gamma2_quantile(0.975), rel=1e-14)


def test_bayes_proportion_keeps_a_tiny_prior_beside_huge_counts() -> None:
    # beta = prior_beta + trials - successes rounded 1e-9 + 1e12 - 1e12 to 0: the credible
    # interval of B was NaN. B ~ Beta(1e12 + 1, 1e-9): 1 - B ~ Beta(1e-9, 1e12 + 1) puts
    # mass 1 - 1e-9 |log(1e-17 1e12)| > 0.975 below 1e-17, so both bounds round to 1.
    res = ex.bayes_proportion(0, 1, 1e12, 1e12, prior_beta=1e-9)
    assert float(res.ci_low_b) == 1.0
    assert float(res.ci_high_b) == 1.0
    assert float(res.prob_b_beats_a) == pytest.approx(1.0, abs=1e-12)


def test_bayes_proportion_with_a_strong_prior_and_1e300_trials() -> None:
    # A ~ Beta(1e9, 2), B ~ Beta(1e9, 1e300): every field was NaN (products overflowed).
    res = ex.bayes_proportion(0, 1, 0, 1e300, prior_alpha=1e9)
    assert float(res.prob_b_beats_a) == 0.0
    assert float(res.expected_loss_b) == pytest.approx(1e9 / (1e9 + 2) - 1e-291, rel=1e-15)
    # 1e300 B -> Gamma(1e9): reference scipy's gamma quantile (a different algorithm from
    # the Cornish-Fisher expansion used for the beta)
    lo, hi = stats.gamma.ppf([0.025, 0.975], 1e9)
    assert float(res.ci_low_b) * 1e300 == pytest.approx(lo, rel=1e-12)
    assert float(res.ci_high_b) * 1e300 == pytest.approx(hi, rel=1e-12)


def test_bayes_proportion_compares_two_huge_posteriors() -> None:
    # A ~ Beta(3, 1e300), B ~ Beta(2, 2e300): the arms' intervals were NaN and the interval
    # of B - A had zero width (the variances underflowed). P(B > A) = P(G2 / 2 > G3) for
    # independent Gamma(2), Gamma(3): reference by quadrature over G2.
    res = ex.bayes_proportion(2, 1e300, 1, 2e300)
    ref = integrate.quad(
        lambda g: stats.gamma.pdf(g, 2) * stats.gamma.cdf(g / 2, 3), 0, np.inf, epsabs=1e-15
    )[0]
    assert float(res.prob_b_beats_a) == pytest.approx(ref, rel=1e-12)
    # sd of Beta(a, b) -> sqrt(a) / b: sqrt(3) e-300 and sqrt(2) / 2 e-300
    width = float(res.ci_high - res.ci_low)
    assert width == pytest.approx(2 * stats.norm.ppf(0.975) * np.sqrt(3.5) * 1e-300, rel=1e-12)


def test_sequential_test_with_1e300_variance_and_effect() -> None:
    # The fuzz test's shrunk example: tau^2 effect^2 and V (V + tau^2) both overflowed,
    # inf / inf gave a NaN p-value. Look 1 has V = 0 (no information). Look 2, closed form
    # with V = effect = 1e300, tau^2 = 1: log Lambda = 0.5 log(V / (V + 1)) + 1e600 / 2e600
    # = 0.5, half-width sqrt(2 V (V + 1) (log 20 + 0.5 log1p(1 / V))) = 1e300 sqrt(2 log 20).
    # tolerance: log-space arithmetic at |log| ~ 700 carries ~1e-13 relative error
    z = np.array([0.0, 0.0])
    one = np.array([1.0, 1.0])
    res = ex.sequential_test(
        z,
        z,
        one,
        np.array([0.0, 1e300]),
        np.array([0.0, 1e300]),
        one,
        mixing_variance=1.0,
        min_n=1,  # the formula at one unit per arm (the default burn-in skips such looks)
    )
    np.testing.assert_allclose(res.pvalue, [1.0, np.exp(-0.5)], rtol=1e-12)
    np.testing.assert_allclose(res.likelihood_ratio, [1.0, np.exp(0.5)], rtol=1e-12)
    half = 1e300 * np.sqrt(2 * np.log(20.0))
    np.testing.assert_allclose(res.ci_low, [-np.inf, 1e300 - half], rtol=1e-12)
    np.testing.assert_allclose(res.ci_high, [np.inf, 1e300 + half], rtol=1e-12)


def test_sequential_test_is_scale_equivariant_beyond_float64_squares() -> None:
    # tau^2 = V = 1e300, effect 1e151: tau^2 effect^2 = 1e602 overflowed (NaN p-value).
    # Twin: the same data in units of 1e150 (nothing overflows there); closed form
    # log Lambda = 0.5 log(1/2) + 10^2 / (2 * 2) = 25 - 0.5 log 2.
    big = ex.sequential_test(0.0, 1e300, 1, 1e151, 0.0, 1, mixing_variance=1e300, min_n=1)
    small = ex.sequential_test(0.0, 1.0, 1, 10.0, 0.0, 1, mixing_variance=1.0, min_n=1)
    assert float(big.pvalue) == pytest.approx(np.exp(-(25 - 0.5 * np.log(2))), rel=1e-13)
    assert float(big.pvalue) == pytest.approx(float(small.pvalue), rel=1e-13)
    # the log-space half-width carries ~|log 1e300| eps relative error
    assert float(big.ci_low) == pytest.approx(float(small.ci_low) * 1e150, rel=1e-12)
    assert float(big.ci_high) == pytest.approx(float(small.ci_high) * 1e150, rel=1e-12)


def test_sequential_test_looks_without_information_keep_an_infinite_interval() -> None:
    # Zero variances at every look: Lambda = 1, p = 1 and (-inf, inf), which never narrows
    # (the fuzz check differenced the bounds: -inf - -inf is NaN, "lower bound decreases").
    z = np.zeros(2)
    res = ex.sequential_test(z, z, np.ones(2), z, z, np.ones(2), mixing_variance=1.0)
    np.testing.assert_array_equal(res.pvalue, [1.0, 1.0])
    np.testing.assert_array_equal(res.ci_low, [-np.inf, -np.inf])
    np.testing.assert_array_equal(res.ci_high, [np.inf, np.inf])


def test_mixing_variance_beyond_float64_is_a_data_error() -> None:
    # r(0.05) (0 + 1.7e308) = 1.4e309: no float64 holds it (it came back inf).
    with pytest.raises(DataError, match=r"^`var_b` over the units per arm gives a mixing "):
        ex.optimal_mixing_variance([1.0, 0.0], [0.0, 1.7e308], [1.0, 1.0], [1.0, 1.0])


def test_sequential_effect_beyond_float64_is_a_data_error() -> None:
    # 1e308 - (-1e308) = 2e308: the effect itself is not a float64.
    with pytest.raises(DataError, match=r"^`mean_b` minus `mean_a` is beyond the float64"):
        ex.sequential_test(-1e308, 1.0, 1, 1e308, 1.0, 1, mixing_variance=1.0)


# --- found by the 10,000-example experiments run (session 3) ---------------------------


def test_pooled_proportion_test_near_float_max() -> None:
    # (xa + xb) / (na + nb) was inf / inf = NaN for counts of 1.7e308.
    res = ex.proportion_test(1.7e308, 1.7e308, 1.7e308, 1.7e308)
    assert res.pvalue == 1.0 and res.effect == 0.0
    half = ex.proportion_test(0.5e308, 1.7e308, 0.6e308, 1.7e308)
    small = ex.proportion_test(0.5, 1.7, 0.6, 1.7)
    # both rates and the pooled rate are the same, so is the statistic up to the sqrt(n)
    np.testing.assert_allclose(half.statistic / small.statistic, np.sqrt(1e308), rtol=1e-12)


def test_power_of_a_mean_with_a_std_near_float_max() -> None:
    # std * sqrt(1 + 1/ratio) overflowed: NaN power. The power only depends on mde / std.
    tiny = ex.power(1.0, 0.0, 1e-9, metric="mean", std=1.7e308)
    assert tiny == pytest.approx(0.05, abs=1e-12)  # no detectable effect: power = alpha
    scaled = ex.power(400.0, 0.0, 0.2e308, metric="mean", std=1.7e308)
    plain = ex.power(400.0, 0.0, 0.2, metric="mean", std=1.7)
    assert scaled == pytest.approx(plain, rel=1e-12)
    z = 0.2 / 1.7 * np.sqrt(400.0 / 2.0) - stats.norm.ppf(0.975)
    assert plain == pytest.approx(stats.norm.cdf(z) + stats.norm.cdf(-z - 2 * 1.959963984540054))


def test_power_n_a_of_another_length_is_a_data_error() -> None:
    # numpy's broadcasting ValueError escaped when only n_a had another length.
    with pytest.raises(DataError, match=r"^`n_a` has shape \(2,\), unlike `ratio`"):
        ex.power(np.array([10.0, 20.0]), 0.1, 0.01, ratio=np.array([1.0, 2.0, 3.0]))


def test_campaign_lift_empty_revenue_beside_one_campaign() -> None:
    # numpy broadcasts (1,) with (0,) to (0,): the conversion result was dropped and
    # to_frame failed with "All arrays must be of the same length".
    empty = np.array([])
    one = np.array([2.0])
    with pytest.raises(DataError, match=r"^`revenue_treated` has shape \(0,\)"):
        ex.campaign_lift(
            np.array([0.0]),
            one,
            np.array([0.0]),
            one,
            revenue_treated=empty,
            revenue_holdout=empty,
            revenue_var_treated=empty,
            revenue_var_holdout=empty,
        )


def test_bootstrap_quantile_test_near_float_max() -> None:
    # the std of differences near 1e308 overflowed its squares: statistic NaN
    x = np.array([0.0, 1.7e308])
    res = ex.bootstrap_quantile_test(x, x, q=0.5, rng=1)
    assert res.statistic == 0.0 and np.isfinite(res.std_error)
    assert res.value_a == pytest.approx(0.85e308, rel=1e-15)
    # a range wider than float64 interpolates on halves, as np.quantile of x / 2, doubled
    wide = np.array([-1.7e308, 1.0, 1.7e308])
    np.testing.assert_array_equal(
        ex_impl.quantile(wide, np.array([0.25, 0.5])), 2 * np.quantile(wide / 2, [0.25, 0.5])
    )
    # differences beyond float64 cannot be represented: a DataError naming `b`
    with pytest.raises(DataError, match=r"^`b` differs from `a` by more than float64"):
        ex.bootstrap_quantile_test(np.array([-1.7e308, 1.7e308]), -np.array([-1.7e308, 1.7e308]))


def test_campaign_lift_revenue_shape_follows_the_campaigns() -> None:
    # scalar conversions beside empty revenue arrays broke to_frame; scalar revenue beside
    # three campaigns gave one revenue result for three conversion results.
    empty = np.array([])
    with pytest.raises(DataError, match=r"^`revenue_treated` has shape \(0,\), the conversion"):
        ex.campaign_lift(
            0.0,
            2.0,
            0.0,
            2.0,
            revenue_treated=empty,
            revenue_holdout=empty,
            revenue_var_treated=empty,
            revenue_var_holdout=empty,
        )
    conv = np.array([10.0, 20.0, 30.0])
    res = ex.campaign_lift(
        conv,
        1000.0,
        5.0,
        1000.0,
        revenue_treated=5000.0,
        revenue_holdout=4000.0,
        revenue_var_treated=900.0,
        revenue_var_holdout=800.0,
    )
    assert len(res.to_frame()) == 3
    one = ex.mean_test(4.0, 800.0, 1000.0, 5.0, 900.0, 1000.0)
    assert res.incremental_revenue is not None
    np.testing.assert_allclose(res.incremental_revenue, np.full(3, one.effect * 1000.0))
