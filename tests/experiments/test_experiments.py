"""Tests of growthkit.experiments.

Reference values come from scipy.stats and statsmodels (named at each use), from numerical
integration (scipy.integrate.quad) for the Bayesian closed forms, from published design
tables (rpact / ldbounds) for group-sequential boundaries, and from seeded simulation for
properties that hold only in distribution (type-I error, coverage).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from numpy.typing import NDArray
from scipy import integrate
from scipy import special as sp_special

from growthkit import experiments as ex
from growthkit import plotting
from growthkit.errors import DataError, GrowthkitError, SchemaError
from growthkit.experiments import _beta, _numerics, _resample

sm_prop = pytest.importorskip("statsmodels.stats.proportion")
sm_power = pytest.importorskip("statsmodels.stats.power")
sm_weight = pytest.importorskip("statsmodels.stats.weightstats")
sm_multi = pytest.importorskip("statsmodels.stats.multitest")

ALTS: tuple[ex.Alternative, ...] = ("two-sided", "greater", "less")
SM_ALT = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
TOL = 1e-10
FArr = NDArray[np.float64]


def random_counts(seed: int, size: int = 200) -> tuple[FArr, FArr, FArr, FArr]:
    rng = np.random.default_rng(seed)
    na = rng.integers(20, 50_000, size).astype(float)
    nb = rng.integers(20, 50_000, size).astype(float)
    pa = rng.uniform(0.01, 0.6, size)
    pb = np.clip(pa + rng.normal(0, 0.02, size), 0.005, 0.99)
    xa = rng.binomial(na.astype(int), pa).astype(np.float64)
    xb = rng.binomial(nb.astype(int), pb).astype(np.float64)
    return xa, na, xb, nb


def random_moments(seed: int, size: int = 200) -> tuple[FArr, ...]:
    rng = np.random.default_rng(seed)
    return (
        rng.normal(10, 2, size),
        rng.uniform(0.5, 30, size),
        rng.integers(2, 5000, size).astype(float),
        rng.normal(10.3, 2, size),
        rng.uniform(0.5, 30, size),
        rng.integers(2, 5000, size).astype(float),
    )


# --------------------------------------------------------------------------------------
# ComparisonResult
# --------------------------------------------------------------------------------------


def test_result_is_frozen_and_read_only() -> None:
    res = ex.proportion_test([10, 20], [100, 100], [15, 30], [100, 100])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.pvalue[0] = 0.0
    assert res.shape == (2,)
    assert res.significant.dtype == np.bool_


def test_scalar_input_gives_float_convertible_fields() -> None:
    res = ex.proportion_test(10, 100, 20, 100)
    for name in ("effect", "relative_effect", "ci_low", "ci_high", "pvalue", "statistic"):
        value = getattr(res, name)
        assert np.ndim(value) == 0
        assert isinstance(float(value), float)
    assert isinstance(bool(res.significant), bool)
    assert res.alternative == "two-sided" and res.alpha == 0.05


def test_to_frame_and_str() -> None:
    res = ex.proportion_test([10, 20, 30], [100, 100, 100], [15, 30, 30], [100, 100, 100])
    frame = res.to_frame(labels=["a", "b", "c"])
    assert list(frame.index) == ["a", "b", "c"]
    for col in ("effect", "relative_effect", "ci_low", "ci_high", "pvalue", "statistic"):
        assert col in frame.columns
    assert (frame["alternative"] == "two-sided").all()
    np.testing.assert_array_equal(frame["significant"], res.significant)
    assert "3 comparisons" in str(res)
    text = str(ex.proportion_test(10, 100, 20, 100))
    assert "effect (B - A)" in text and "p-value" in text and "95% CI" in text
    with pytest.raises(DataError, match=r"`labels` has 2 entries for 3 comparisons: 3 rows\."):
        res.to_frame(labels=["a", "b"])


# --------------------------------------------------------------------------------------
# proportion_test
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ALTS)
def test_pooled_matches_statsmodels_proportions_ztest(alternative: ex.Alternative) -> None:
    xa, na, xb, nb = random_counts(1)
    res = ex.proportion_test(xa, na, xb, nb, alternative=alternative)
    for i in range(xa.size):
        # statsmodels.stats.proportion.proportions_ztest: (count1 - count2) with 1 = B
        z, p = sm_prop.proportions_ztest(
            [xb[i], xa[i]], [nb[i], na[i]], alternative=SM_ALT[alternative]
        )
        assert res.statistic[i] == pytest.approx(z, rel=TOL, abs=TOL)
        assert res.pvalue[i] == pytest.approx(p, rel=TOL, abs=TOL)


@pytest.mark.parametrize("alternative", ALTS)
def test_unpooled_matches_statsmodels_wald(alternative: ex.Alternative) -> None:
    xa, na, xb, nb = random_counts(2)
    res = ex.proportion_test(xa, na, xb, nb, alternative=alternative, pooled=False)
    for i in range(xa.size):
        # statsmodels test_proportions_2indep(method="wald"): unpooled variance
        ref = sm_prop.test_proportions_2indep(
            xb[i], nb[i], xa[i], na[i], method="wald", alternative=SM_ALT[alternative]
        )
        assert res.statistic[i] == pytest.approx(ref.statistic, rel=TOL, abs=TOL)
        assert res.pvalue[i] == pytest.approx(ref.pvalue, rel=TOL, abs=TOL)


def test_wald_interval_matches_statsmodels() -> None:
    xa, na, xb, nb = random_counts(3)
    res = ex.proportion_test(xa, na, xb, nb, alpha=0.1)
    for i in range(xa.size):
        # statsmodels confint_proportions_2indep(method="wald", compare="diff")
        low, high = sm_prop.confint_proportions_2indep(
            xb[i], nb[i], xa[i], na[i], method="wald", alpha=0.1
        )
        assert res.ci_low[i] == pytest.approx(low, abs=TOL)
        assert res.ci_high[i] == pytest.approx(high, abs=TOL)


def test_relative_effect_delta_method() -> None:
    res = ex.proportion_test(100, 1000, 120, 1000)
    assert float(res.relative_effect) == pytest.approx(0.2, abs=1e-12)
    # naive twin: Var(pb/pa) = var_b / pa^2 + pb^2 var_a / pa^4
    pa, pb = 0.1, 0.12
    se = math.sqrt(pb * (1 - pb) / 1000 / pa**2 + pb**2 * pa * (1 - pa) / 1000 / pa**4)
    z = st.norm.ppf(0.975)
    assert float(res.rel_ci_low) == pytest.approx(0.2 - z * se, abs=1e-12)
    assert float(res.rel_ci_high) == pytest.approx(0.2 + z * se, abs=1e-12)


def test_one_sided_intervals_are_one_sided() -> None:
    greater = ex.proportion_test(100, 1000, 130, 1000, alternative="greater")
    less = ex.proportion_test(100, 1000, 130, 1000, alternative="less")
    assert np.isposinf(greater.ci_high) and np.isneginf(less.ci_low)
    z = st.norm.ppf(0.95)
    assert float(greater.ci_low) == pytest.approx(0.03 - z * float(greater.std_error), abs=1e-12)


def test_degenerate_zero_of_n_in_both_arms() -> None:
    for pooled in (True, False):
        res = ex.proportion_test([0, 50], [50, 50], [0, 80], [80, 80], pooled=pooled)
        for name in ("effect", "relative_effect", "ci_low", "ci_high", "statistic"):
            np.testing.assert_array_equal(getattr(res, name), [0.0, 0.0])
        np.testing.assert_array_equal(res.pvalue, [1.0, 1.0])
        assert not np.isnan(res.to_frame().select_dtypes("number").to_numpy()).any()


def test_degenerate_zero_control_rate() -> None:
    res = ex.proportion_test(0, 100, 5, 100)
    assert np.isposinf(res.relative_effect)
    assert np.isneginf(res.rel_ci_low) and np.isposinf(res.rel_ci_high)
    unpooled = ex.proportion_test(0, 100, 100, 100, pooled=False)
    assert np.isposinf(unpooled.statistic) and float(unpooled.pvalue) == 0.0


def test_broadcast_scalar_against_arrays() -> None:
    res = ex.proportion_test([10, 20, 30], 100, [12, 22, 33], 100)
    ref = ex.proportion_test([10, 20, 30], [100] * 3, [12, 22, 33], [100] * 3)
    np.testing.assert_array_equal(res.pvalue, ref.pvalue)
    two_d = ex.proportion_test(np.full((2, 3), 10), 100, np.full((2, 3), 15), 100)
    assert two_d.shape == (2, 3) and len(two_d.to_frame()) == 6


# --------------------------------------------------------------------------------------
# mean_test, mean_test_samples
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ALTS)
def test_mean_test_matches_scipy_from_stats(alternative: ex.Alternative) -> None:
    ma, va, na, mb, vb, nb = random_moments(4)
    res = ex.mean_test(ma, va, na, mb, vb, nb, alternative=alternative)
    # scipy.stats.ttest_ind_from_stats(equal_var=False), arm 1 = B
    ref = st.ttest_ind_from_stats(
        mb, np.sqrt(vb), nb, ma, np.sqrt(va), na, equal_var=False, alternative=alternative
    )
    np.testing.assert_allclose(res.statistic, ref.statistic, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("alternative", ALTS)
def test_mean_test_samples_matches_scipy_and_statsmodels(alternative: ex.Alternative) -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.normal(5, rng.uniform(0.5, 3), rng.integers(2, 300))
        b = rng.normal(5.2, rng.uniform(0.5, 3), rng.integers(2, 300))
        res = ex.mean_test_samples(a, b, alternative=alternative, alpha=0.1)
        # scipy.stats.ttest_ind(b, a, equal_var=False) and its confidence_interval
        ref = st.ttest_ind(b, a, equal_var=False, alternative=alternative)
        ci = ref.confidence_interval(confidence_level=0.9)
        assert float(res.statistic) == pytest.approx(ref.statistic, rel=TOL, abs=TOL)
        assert float(res.pvalue) == pytest.approx(ref.pvalue, rel=TOL, abs=TOL)
        assert float(res.df) == pytest.approx(ref.df, rel=TOL)
        assert float(res.ci_low) == pytest.approx(ci.low, rel=TOL, abs=TOL)
        assert float(res.ci_high) == pytest.approx(ci.high, rel=TOL, abs=TOL)
        # statsmodels.stats.weightstats.ttest_ind(usevar="unequal")
        _, p, df = sm_weight.ttest_ind(b, a, alternative=SM_ALT[alternative], usevar="unequal")
        assert float(res.pvalue) == pytest.approx(p, rel=TOL, abs=TOL)
        assert float(res.df) == pytest.approx(df, rel=TOL)


def test_mean_test_samples_two_dimensional_and_integer_input() -> None:
    rng = np.random.default_rng(6)
    a, b = rng.integers(0, 10, (100, 4)), rng.integers(0, 12, (120, 4))
    res = ex.mean_test_samples(a, b)
    ref = st.ttest_ind(b, a, equal_var=False)
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=TOL)
    res_t = ex.mean_test_samples(a.T, b.T, axis=1)
    np.testing.assert_allclose(res_t.pvalue, ref.pvalue, rtol=TOL)


def test_mean_test_one_arm_without_variance_is_defined() -> None:
    res = ex.mean_test(1.0, 0.0, 10, 2.0, 4.0, 10)
    ref = st.ttest_ind_from_stats(2.0, 2.0, 10, 1.0, 0.0, 10, equal_var=False)
    assert float(res.pvalue) == pytest.approx(ref.pvalue, rel=TOL)


# --------------------------------------------------------------------------------------
# ratio_test
# --------------------------------------------------------------------------------------


def naive_ratio(x: FArr, y: FArr) -> tuple[float, float]:
    """Delta-method ratio and variance from per-unit arrays (np.cov twin)."""
    n = x.size
    r = x.mean() / y.mean()
    cov = np.cov(x, y, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (n * y.mean() ** 2)
    return float(r), float(var)


def test_ratio_test_matches_naive_delta_method() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        ya = rng.poisson(2, 400).astype(np.float64) + 1.0
        yb = rng.poisson(2.1, 500).astype(np.float64) + 1.0
        xa, xb = ya * rng.gamma(2, 10, 400), yb * rng.gamma(2, 10.5, 500)
        res = ex.ratio_test(ex.ratio_stats(xa, ya), ex.ratio_stats(xb, yb), alpha=0.1)
        ra, va = naive_ratio(xa, ya)
        rb, vb = naive_ratio(xb, yb)
        se = math.sqrt(va + vb)
        assert float(res.effect) == pytest.approx(rb - ra, rel=1e-10)
        assert float(res.std_error) == pytest.approx(se, rel=1e-8)
        assert float(res.pvalue) == pytest.approx(2 * st.norm.sf(abs(rb - ra) / se), rel=1e-8)


def test_ratio_test_matches_tea_tasting() -> None:
    aggr = pytest.importorskip("tea_tasting.aggr")
    metrics = pytest.importorskip("tea_tasting.metrics")
    rng = np.random.default_rng(17)
    for _ in range(10):
        ya = rng.poisson(2, 400).astype(np.float64) + 1.0
        yb = rng.poisson(2.1, 500).astype(np.float64) + 1.0
        xa, xb = ya * rng.gamma(2, 10, 400), yb * rng.gamma(2, 10.5, 500)

        def aggregates(x: FArr, y: FArr) -> Any:
            cov = np.cov(x, y, ddof=1)
            return aggr.Aggregates(
                count_=x.size,
                mean_={"x": x.mean(), "y": y.mean()},
                var_={"x": cov[0, 0], "y": cov[1, 1]},
                cov_={("x", "y"): cov[0, 1]},
            )

        # tea-tasting RatioOfMeans (delta method) with a normal reference distribution
        ref = metrics.RatioOfMeans("x", "y", use_t=False).analyze_aggregates(
            aggregates(xa, ya), aggregates(xb, yb)
        )
        res = ex.ratio_test(ex.ratio_stats(xa, ya), ex.ratio_stats(xb, yb))
        assert float(res.pvalue) == pytest.approx(ref.pvalue, rel=1e-10)
        assert float(res.ci_low) == pytest.approx(ref.effect_size_ci_lower, rel=1e-10)
        assert float(res.ci_high) == pytest.approx(ref.effect_size_ci_upper, rel=1e-10)


def test_ratio_with_unit_denominator_is_a_mean_z_test() -> None:
    rng = np.random.default_rng(8)
    xa, xb = rng.normal(3, 1, 300), rng.normal(3.1, 1, 300)
    res = ex.ratio_test(ex.ratio_stats(xa, np.ones(300)), ex.ratio_stats(xb, np.ones(300)))
    welch = ex.mean_test_samples(xa, xb)
    assert float(res.std_error) == pytest.approx(float(welch.std_error), rel=1e-9)


def test_ratio_stats_by_variant_equals_per_arm_helper() -> None:
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "variant": rng.choice(["control", "treatment"], 1000),
            "revenue": rng.gamma(2, 10, 1000),
            "orders": rng.integers(1, 4, 1000),
        }
    )
    stats = ex.ratio_stats_by_variant(
        frame, variant_col="variant", numerator_col="revenue", denominator_col="orders"
    )
    ctrl = frame[frame["variant"] == "control"]
    direct = ex.ratio_stats(ctrl["revenue"].to_numpy(), ctrl["orders"].to_numpy())
    for field in dataclasses.fields(ex.RatioStats):
        assert float(getattr(stats["control"], field.name)) == pytest.approx(
            float(getattr(direct, field.name)), rel=1e-12
        )
    with pytest.raises(SchemaError, match="`orders_x` column not found"):
        ex.ratio_stats_by_variant(
            frame, variant_col="variant", numerator_col="revenue", denominator_col="orders_x"
        )


def test_ratio_test_vectorised_over_metrics() -> None:
    stats_a = ex.RatioStats(
        n=np.array([100.0, 200.0]),
        sum_num=np.array([1000.0, 500.0]),
        sum_den=np.array([150.0, 260.0]),
        sum_num_sq=np.array([30000.0, 4000.0]),
        sum_den_sq=np.array([300.0, 400.0]),
        sum_num_den=np.array([2500.0, 1200.0]),
    )
    res = ex.ratio_test(stats_a, stats_a)
    np.testing.assert_array_equal(res.effect, [0.0, 0.0])
    np.testing.assert_array_equal(res.pvalue, [1.0, 1.0])


# --------------------------------------------------------------------------------------
# CUPED
# --------------------------------------------------------------------------------------


def test_cuped_matches_naive_twin() -> None:
    rng = np.random.default_rng(10)
    x = rng.gamma(2, 5, 2000)
    y = 0.8 * x + rng.normal(0, 3, 2000)
    res = ex.cuped(y, x)
    # Deng et al. (2013) eq. (3): theta = cov(Y, X) / var(X)
    theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    assert float(res.theta) == pytest.approx(theta, rel=1e-12)
    np.testing.assert_allclose(res.adjusted, y - theta * (x - x.mean()), rtol=1e-12)
    assert float(res.variance_reduction) == pytest.approx(np.corrcoef(y, x)[0, 1] ** 2, rel=1e-9)
    assert float(res.adjusted.mean()) == pytest.approx(y.mean(), rel=1e-12)


def test_cuped_test_equals_welch_on_pooled_adjustment() -> None:
    rng = np.random.default_rng(11)
    xa, xb = rng.normal(10, 2, (700, 3)), rng.normal(10, 2, (900, 3))
    ya, yb = xa + rng.normal(0, 1, (700, 3)), xb + 0.1 + rng.normal(0, 1, (900, 3))
    res = ex.cuped_test(ya, xa, yb, xb, alternative="greater")
    adjusted = ex.cuped(np.concatenate([ya, yb]), np.concatenate([xa, xb])).adjusted
    ref = ex.mean_test_samples(adjusted[:700], adjusted[700:], alternative="greater")
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-9)
    np.testing.assert_allclose(res.effect, ref.effect, rtol=1e-9)
    plain = ex.mean_test_samples(ya, yb)
    assert (res.std_error < plain.std_error).all()


# --------------------------------------------------------------------------------------
# srm_test, adjust_pvalues
# --------------------------------------------------------------------------------------


def test_srm_matches_scipy_chisquare() -> None:
    rng = np.random.default_rng(12)
    for arms in (2, 3, 5):
        ratios = rng.uniform(0.5, 2, arms)
        counts = rng.multinomial(100_000, ratios / ratios.sum(), size=30).astype(float)
        res = ex.srm_test(counts, ratios)
        for i in range(30):
            # scipy.stats.chisquare with expected counts total * ratio
            ref = st.chisquare(counts[i], ratios / ratios.sum() * counts[i].sum())
            assert res.statistic[i] == pytest.approx(ref.statistic, rel=TOL)
            assert res.pvalue[i] == pytest.approx(ref.pvalue, rel=TOL, abs=TOL)
        assert res.df == arms - 1
    single = ex.srm_test([5000, 5200])
    assert float(single.pvalue) == pytest.approx(st.chisquare([5000, 5200]).pvalue, rel=TOL)
    assert not bool(single.mismatch())
    assert "SRM" in str(single)


@pytest.mark.parametrize(("method", "sm_method"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjust_pvalues_matches_statsmodels(method: ex.AdjustMethod, sm_method: str) -> None:
    rng = np.random.default_rng(13)
    for size in (1, 2, 7, 100):
        p = rng.uniform(0, 0.2, size) ** 2
        p[::3] = p[0]  # ties
        # statsmodels.stats.multitest.multipletests
        ref = sm_multi.multipletests(p, method=sm_method)[1]
        np.testing.assert_allclose(ex.adjust_pvalues(p, method=method), ref, rtol=TOL, atol=TOL)
    assert ex.adjust_pvalues(np.zeros((0,))).shape == (0,)
    assert ex.adjust_pvalues([[0.01, 0.02], [0.03, 0.5]]).shape == (2, 2)


# --------------------------------------------------------------------------------------
# power and sample size
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ALTS)
def test_power_proportions_matches_statsmodels(alternative: ex.Alternative) -> None:
    for base, diff, n, ratio in [
        (0.1, 0.01, 8000, 1.0),
        (0.3, -0.02, 3000, 2.5),
        (0.05, 0.005, 40000, 0.5),
    ]:
        got = float(ex.power(n, base, diff, ratio=ratio, alternative=alternative))
        # statsmodels power_proportions_2indep: arm 1 = B (prop2 + diff), nobs2 = ratio * nobs1
        ref = sm_prop.power_proportions_2indep(
            diff, base, n * ratio, ratio=1 / ratio, alternative=SM_ALT[alternative]
        ).power
        assert got == pytest.approx(ref, rel=TOL, abs=TOL)


@pytest.mark.parametrize("alternative", ALTS)
def test_power_and_sample_size_means_match_normal_ind_power(alternative: ex.Alternative) -> None:
    sign = -1.0 if alternative == "less" else 1.0
    for mde, std, ratio in [(0.5, 4.0, 1.0), (1.0, 10.0, 3.0), (0.2, 1.0, 0.4)]:
        effect = sign * mde
        # statsmodels NormalIndPower: effect_size = d / std, nobs2 = ratio * nobs1
        ref_power = sm_power.NormalIndPower().power(
            effect / std, 900, 0.05, ratio=ratio, alternative=SM_ALT[alternative]
        )
        got = ex.power(
            900, 0.0, effect, metric="mean", std=std, ratio=ratio, alternative=alternative
        )
        assert float(got) == pytest.approx(ref_power, rel=TOL)
        ref_n = sm_power.NormalIndPower().solve_power(
            effect / std, power=0.8, alpha=0.05, ratio=ratio, alternative=SM_ALT[alternative]
        )
        res = ex.sample_size(
            0.0, effect, metric="mean", std=std, ratio=ratio, alternative=alternative
        )
        assert float(res.n_a_exact) == pytest.approx(ref_n, rel=1e-6)
        assert int(res.n_a) == math.ceil(ref_n)


def test_sample_size_proportions() -> None:
    # one-sided: closed form equals statsmodels samplesize_proportions_2indep_onetail
    for base, diff, ratio in [(0.1, 0.01, 1.0), (0.2, 0.03, 3.0)]:
        ref = sm_prop.samplesize_proportions_2indep_onetail(
            diff, base, 0.8, ratio=1 / ratio, alternative="larger"
        )
        res = ex.sample_size(base, diff, ratio=ratio, alternative="greater")
        # statsmodels solves for its arm 1 (= B); n_b = ratio * n_a here
        assert float(res.n_a_exact) * ratio == pytest.approx(ref, rel=TOL)
    # two-sided: the solution attains the target power exactly (both tails counted)
    res = ex.sample_size([0.1, 0.2, 0.5], [0.01, -0.02, 0.05], power=0.9, ratio=2.0)
    pw = ex.power(res.n_a_exact, [0.1, 0.2, 0.5], [0.01, -0.02, 0.05], ratio=2.0)
    np.testing.assert_allclose(pw, 0.9, rtol=1e-10)
    assert (res.n_b >= 2 * res.n_a - 1).all() and (res.total == res.n_a + res.n_b).all()
    relative = ex.sample_size(0.1, 0.1, relative=True)
    assert int(relative.n_a) == int(ex.sample_size(0.1, 0.01).n_a)


# --------------------------------------------------------------------------------------
# Bayesian
# --------------------------------------------------------------------------------------


def quad_prob(a_b: float, b_b: float, a_a: float, b_a: float) -> float:
    """P(pB > pA) = integral of pdf_B(x) * cdf_A(x) (scipy.integrate.quad)."""
    val, _ = integrate.quad(
        lambda x: st.beta.pdf(x, a_b, b_b) * st.beta.cdf(x, a_a, b_a),
        0,
        1,
        epsabs=1e-13,
        epsrel=1e-12,
        limit=200,
        points=[a_a / (a_a + b_a), a_b / (a_b + b_b)],
    )
    return float(val)


def quad_loss(a_b: float, b_b: float, a_a: float, b_a: float) -> float:
    """E[max(pA - pB, 0)] by a double integral over the joint posterior."""

    def inner(x: float) -> float:
        # E[(x - pB) 1{pB < x}] = x F_B(x) - (a_b/(a_b+b_b)) F_{Beta(a_b+1, b_b)}(x)
        mean_b = a_b / (a_b + b_b)
        val = x * st.beta.cdf(x, a_b, b_b) - mean_b * st.beta.cdf(x, a_b + 1, b_b)
        return float(st.beta.pdf(x, a_a, b_a) * val)

    val, _ = integrate.quad(inner, 0, 1, epsabs=1e-14, limit=200, points=[a_a / (a_a + b_a)])
    return float(val)


def test_prob_b_beats_a_matches_numerical_integration() -> None:
    xa = np.array([0, 3, 20, 45, 200, 1000, 7, 480])
    na = np.array([10, 40, 100, 1000, 5000, 1200, 7, 500])
    xb = np.array([0, 5, 24, 60, 180, 1010, 0, 490])
    nb = np.array([12, 40, 90, 1000, 5100, 1200, 9, 500])
    res = ex.bayes_proportion(xa, na, xb, nb)
    for i in range(xa.size):
        a_a, b_a = 1 + xa[i], 1 + na[i] - xa[i]
        a_b, b_b = 1 + xb[i], 1 + nb[i] - xb[i]
        assert res.prob_b_beats_a[i] == pytest.approx(quad_prob(a_b, b_b, a_a, b_a), abs=1e-9)
        assert res.expected_loss_b[i] == pytest.approx(quad_loss(a_b, b_b, a_a, b_a), abs=1e-9)
        # exact per-arm credible intervals: scipy.stats.beta.ppf
        assert res.ci_low_a[i] == pytest.approx(st.beta.ppf(0.025, a_a, b_a), rel=1e-9)
        assert res.ci_high_b[i] == pytest.approx(st.beta.ppf(0.975, a_b, b_b), rel=1e-9)
    # E[max(B - A, 0)] - E[max(A - B, 0)] = E[B - A]
    np.testing.assert_allclose(res.expected_loss_a - res.expected_loss_b, res.effect, atol=1e-12)


def test_bayes_proportion_symmetry_and_priors() -> None:
    res = ex.bayes_proportion(30, 100, 30, 100)
    assert float(res.prob_b_beats_a) == pytest.approx(0.5, abs=1e-12)
    swapped = ex.bayes_proportion(40, 100, 30, 120, prior_alpha=2, prior_beta=5)
    forward = ex.bayes_proportion(30, 120, 40, 100, prior_alpha=2, prior_beta=5)
    assert float(swapped.prob_b_beats_a + forward.prob_b_beats_a) == pytest.approx(1.0, abs=1e-12)
    ref = quad_prob(2 + 40, 5 + 60, 2 + 30, 5 + 90)
    assert float(forward.prob_b_beats_a) == pytest.approx(ref, abs=1e-9)
    assert "P(B > A)" in str(res) and len(res.to_frame()) == 1


def test_bayes_mean_closed_forms() -> None:
    res = ex.bayes_mean([10.0, 5.0], [4.0, 1.0], [100, 50], [10.5, 4.0], [9.0, 2.0], [120, 40])
    m = np.array([0.5, -1.0])
    s = np.sqrt(np.array([4 / 100 + 9 / 120, 1 / 50 + 2 / 40]))
    np.testing.assert_allclose(res.prob_b_beats_a, st.norm.cdf(m / s), rtol=1e-12)
    for i in range(2):
        mu, sd = float(m[i]), float(s[i])
        # E[max(-D, 0)], D ~ N(m, s^2), by scipy.integrate.quad
        ref, _ = integrate.quad(lambda d, mu=mu, sd=sd: -d * st.norm.pdf(d, mu, sd), -np.inf, 0)
        assert res.expected_loss_b[i] == pytest.approx(ref, rel=1e-8)


# --------------------------------------------------------------------------------------
# sequential testing
# --------------------------------------------------------------------------------------


def simulate_monitoring(
    n_sims: int, looks: int, batch: int, effect: float, seed: int, alpha: float = 0.05
) -> tuple[ex.SequentialResult, FArr, float]:
    """Stream N(0, 1) vs N(effect, 1) data, checking after every batch of each arm."""
    rng = np.random.default_rng(seed)
    draws_a = rng.normal(0, 1, (n_sims, looks, batch))
    draws_b = rng.normal(effect, 1, (n_sims, looks, batch))
    n = batch * np.arange(1, looks + 1, dtype=float)

    def cumulative(draws: FArr) -> tuple[FArr, FArr]:
        total = np.cumsum(draws.sum(axis=2), axis=1)
        squares = np.cumsum((draws**2).sum(axis=2), axis=1)
        mean = total / n
        return mean, (squares - n * mean**2) / (n - 1)

    (ma, va), (mb, vb) = cumulative(draws_a), cumulative(draws_b)
    tau2 = float(ex.optimal_mixing_variance(1.0, 1.0, n[-1], n[-1], alpha=alpha))
    seq = ex.sequential_test(ma, va, n, mb, vb, n, mixing_variance=tau2, alpha=alpha)
    fixed = ex.mean_test(ma, va, n, mb, vb, n, alpha=alpha).pvalue
    return seq, fixed, tau2


def test_sequential_type_one_error_under_continuous_monitoring() -> None:
    n_sims, alpha = 3000, 0.05
    seq, fixed, _ = simulate_monitoring(n_sims, looks=100, batch=20, effect=0.0, seed=2024)
    always_valid = float(seq.rejected[:, -1].mean())
    naive = float((fixed <= alpha).any(axis=1).mean())
    mc_error = 3 * math.sqrt(alpha * (1 - alpha) / n_sims)
    assert always_valid <= alpha + mc_error
    assert naive > 3 * alpha  # peeking at a fixed-horizon test inflates its error
    # the confidence sequence covers the true effect (0) at every look simultaneously
    covered = ((seq.ci_low <= 0) & (seq.ci_high >= 0)).all(axis=1).mean()
    assert covered >= 1 - alpha - mc_error


def test_sequential_detects_a_real_effect_and_covers_it() -> None:
    seq, _, _ = simulate_monitoring(500, looks=50, batch=40, effect=0.25, seed=7)
    assert seq.rejected[:, -1].mean() > 0.8
    assert ((seq.ci_low <= 0.25) & (seq.ci_high >= 0.25)).all(axis=1).mean() > 0.94
    assert (seq.stopped_at[seq.rejected[:, -1]] >= 0).all()
    assert (np.diff(seq.pvalue, axis=1) <= 0).all()


def test_sequential_formula_and_edge_cases() -> None:
    # min_n=1: every look counts, so the formula itself is checked at 10 and 20 units
    res = ex.sequential_test(
        [0.0, 0.0],
        [0.0, 1.0],
        [10, 20],
        [0.0, 0.1],
        [0.0, 1.0],
        [10, 20],
        mixing_variance=0.05,
        min_n=1,
    )
    assert float(res.pvalue[0]) == 1.0 and np.isinf(res.ci_high[0])
    v, tau2, theta = 0.1, 0.05, 0.1
    lam = math.sqrt(v / (v + tau2)) * math.exp(tau2 * theta**2 / (2 * v * (v + tau2)))
    assert float(res.likelihood_ratio[1]) == pytest.approx(lam, rel=1e-12)
    assert float(res.pvalue[1]) == pytest.approx(min(1.0, 1 / lam), rel=1e-12)
    assert len(res.to_frame()) == 2 and "mixture SPRT" in str(res)
    single = ex.sequential_test(0.0, 1.0, 100, 0.5, 1.0, 100, mixing_variance=0.02)
    assert single.pvalue.ndim == 0 and int(single.stopped_at) in (-1, 0)


def test_optimal_mixing_variance_minimises_width() -> None:
    v = 2.0 / 1000
    tau2 = float(ex.optimal_mixing_variance(1.0, 1.0, 1000, 1000))

    def width(t2: float) -> float:
        return math.sqrt(2 * v * (v + t2) / t2 * (math.log(20) + 0.5 * math.log1p(t2 / v)))

    assert width(tau2) <= min(width(tau2 * 0.9), width(tau2 * 1.1))


def test_group_sequential_boundaries_reference_values() -> None:
    # rpact getDesignGroupSequential(kMax = 5, alpha = 0.025, sided = 2, typeOfDesign = "asOF")
    # and ldbounds::bounds((1:5)/5, iuse = c(1, 1), alpha = c(0.025, 0.025))
    obf = ex.group_sequential_boundaries(5, alpha=0.05)
    np.testing.assert_allclose(obf.z_critical, [4.877, 3.357, 2.680, 2.290, 2.031], atol=6e-4)
    # rpact getDesignGroupSequential(kMax = 3, alpha = 0.025, typeOfDesign = "asOF")
    one = ex.group_sequential_boundaries(3, alpha=0.025, alternative="greater")
    np.testing.assert_allclose(one.z_critical, [3.710, 2.511, 1.993], atol=6e-4)
    # Lan-DeMets Pocock-type, 5 looks, two-sided 0.05 (Jennison & Turnbull 2000, table 7.6)
    poc = ex.group_sequential_boundaries(5, spending="pocock")
    np.testing.assert_allclose(poc.z_critical, [2.438, 2.427, 2.410, 2.397, 2.386], atol=6e-4)
    assert float(poc.cumulative_alpha[-1]) == pytest.approx(0.05)
    assert len(poc.to_frame()) == 5 and "pocock" in str(poc)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
def test_group_sequential_crossing_probability_by_simulation(spending: ex.Spending) -> None:
    t = np.array([0.2, 0.45, 0.7, 1.0])
    design = ex.group_sequential_boundaries(t, spending=spending)
    rng = np.random.default_rng(99)
    n_sims = 200_000
    score = np.cumsum(rng.normal(size=(n_sims, t.size)) * np.sqrt(np.diff(t, prepend=0)), axis=1)
    crossed = (np.abs(score / np.sqrt(t)) >= design.z_critical).cumsum(axis=1) > 0
    mc_error = 4 * np.sqrt(design.cumulative_alpha / n_sims)
    assert (np.abs(crossed.mean(axis=0) - design.cumulative_alpha) <= mc_error).all()


# --------------------------------------------------------------------------------------
# campaign, bootstrap, plot
# --------------------------------------------------------------------------------------


def test_campaign_lift_scales_the_per_unit_tests() -> None:
    res = ex.campaign_lift(
        1200,
        20_000,
        100,
        2_000,
        revenue_treated=96_000.0,
        revenue_var_treated=900.0,
        revenue_holdout=8_000.0,
        revenue_var_holdout=800.0,
        cost=10_000.0,
        margin=0.5,
    )
    conv = ex.proportion_test(100, 2_000, 1200, 20_000)
    assert float(res.incremental_conversions) == pytest.approx(0.01 * 20_000)
    assert float(res.incremental_conversions_ci_low) == pytest.approx(float(conv.ci_low) * 20_000)
    rev = ex.mean_test(4.0, 800.0, 2_000, 4.8, 900.0, 20_000)
    assert res.incremental_revenue is not None and res.roi is not None
    assert float(res.incremental_revenue) == pytest.approx(0.8 * 20_000)
    assert res.roi_ci_low is not None and res.roi_ci_high is not None
    assert float(res.roi) == pytest.approx((0.5 * 16_000 - 10_000) / 10_000)
    assert float(res.roi_ci_low) == pytest.approx((0.5 * float(rev.ci_low) * 20_000 - 1e4) / 1e4)
    assert float(res.roi_ci_low) < float(res.roi) < float(res.roi_ci_high)
    assert "roi" in res.to_frame().columns and "campaign" in str(res)
    only_conv = ex.campaign_lift([50, 60], [1000, 1000], [40, 40], [1000, 1000])
    assert only_conv.revenue is None and only_conv.roi is None
    assert only_conv.incremental_conversions.shape == (2,)


def test_bootstrap_order_statistic_draws_match_resampling() -> None:
    rng = np.random.default_rng(20)
    data = np.sort(rng.lognormal(0, 1, 301))
    q = np.array([0.5, 0.9, 0.37])
    fast = _resample.bootstrap_quantiles(data, q, 40_000, np.random.default_rng(1))
    idx = np.random.default_rng(2).integers(0, data.size, (40_000, data.size))
    naive = np.quantile(data[idx], q, axis=1).T  # resampling with replacement
    for j in range(q.size):
        # two-sample KS: the same distribution (p-value not tiny)
        assert st.ks_2samp(fast[:, j], naive[:, j]).pvalue > 1e-3
        assert fast[:, j].std() == pytest.approx(naive[:, j].std(), rel=0.05)


def test_bootstrap_quantile_test_is_seeded_and_sensible() -> None:
    rng = np.random.default_rng(21)
    a, b = rng.exponential(10, 3000), rng.exponential(10, 3000)
    one = ex.bootstrap_quantile_test(a, b, q=[0.25, 0.5, 0.95], rng=5)
    two = ex.bootstrap_quantile_test(a, b, q=[0.25, 0.5, 0.95], rng=5)
    np.testing.assert_array_equal(one.ci_low, two.ci_low)
    np.testing.assert_allclose(one.value_a, np.quantile(a, [0.25, 0.5, 0.95]))
    assert (one.ci_low <= one.effect).all() and (one.effect <= one.ci_high).all()
    shifted = ex.bootstrap_quantile_test(a, a + 1.0, alternative="greater", rng=1)
    assert float(shifted.pvalue) < 0.01 and np.isposinf(shifted.ci_high)
    less = ex.bootstrap_quantile_test(a, a + 1.0, alternative="less", rng=1)
    assert float(less.pvalue) > 0.99 and np.isneginf(less.ci_low)


def test_plot_forest_headless() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = ex.proportion_test([100, 50, 5], [1000, 800, 900], [130, 45, 5], [1000, 800, 900])
    ax = res.plot(labels=["signup", "purchase", "refund"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["signup", "purchase", "refund"]
    ax2 = plotting.plot_forest(
        ex.proportion_test(10, 100, 20, 100, alternative="greater"), relative=True
    )
    assert "relative effect" in ax2.get_xlabel()
    with pytest.raises(DataError, match=r"`labels` has 1 entries for 3 comparisons"):
        plotting.plot_forest(res, labels=["x"])
    plt.close("all")


# --------------------------------------------------------------------------------------
# invariants (hypothesis)
# --------------------------------------------------------------------------------------

arm = hs.integers(1, 10_000).flatmap(lambda n: hs.tuples(hs.integers(0, n), hs.just(n)))


@settings(max_examples=200, deadline=None)
@given(arm, arm, hs.sampled_from(ALTS), hs.booleans())
def test_proportion_invariants(
    a: tuple[int, int], b: tuple[int, int], alternative: ex.Alternative, pooled: bool
) -> None:
    res = ex.proportion_test(a[0], a[1], b[0], b[1], alternative=alternative, pooled=pooled)
    assert 0.0 <= float(res.pvalue) <= 1.0
    assert float(res.ci_low) <= float(res.effect) <= float(res.ci_high)
    assert float(res.rel_ci_low) <= float(res.relative_effect) <= float(res.rel_ci_high)
    swapped = ex.proportion_test(b[0], b[1], a[0], a[1], alternative="two-sided", pooled=pooled)
    two = ex.proportion_test(a[0], a[1], b[0], b[1], pooled=pooled)
    assert float(swapped.effect) == -float(two.effect)
    assert float(swapped.ci_low) == pytest.approx(-float(two.ci_high), abs=1e-12)
    assert float(swapped.pvalue) == pytest.approx(float(two.pvalue), abs=1e-12)
    frame = res.to_frame()
    assert not frame.select_dtypes("number").isna().to_numpy().any()


moment = hs.tuples(hs.floats(-1e3, 1e3), hs.floats(1e-3, 1e3), hs.integers(2, 10_000))


@settings(max_examples=200, deadline=None)
@given(moment, moment, hs.sampled_from(ALTS))
def test_mean_invariants(
    a: tuple[float, float, int], b: tuple[float, float, int], alternative: ex.Alternative
) -> None:
    res = ex.mean_test(*a, *b, alternative=alternative)
    assert 0.0 <= float(res.pvalue) <= 1.0
    assert float(res.ci_low) <= float(res.effect) <= float(res.ci_high)
    swapped = ex.mean_test(*b, *a)
    two = ex.mean_test(*a, *b)
    assert float(swapped.effect) == -float(two.effect)
    assert float(swapped.pvalue) == pytest.approx(float(two.pvalue), abs=1e-12)
    flipped = {"two-sided": "two-sided", "greater": "less", "less": "greater"}[alternative]
    mirror = ex.mean_test(*b, *a, alternative=flipped)  # type: ignore[arg-type]
    assert float(mirror.pvalue) == pytest.approx(float(res.pvalue), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(hs.lists(hs.floats(0, 1), min_size=1, max_size=30), hs.sampled_from(["holm", "bh"]))
def test_adjusted_pvalues_invariants(p: list[float], method: ex.AdjustMethod) -> None:
    adj = ex.adjust_pvalues(p, method=method)
    raw = np.asarray(p)
    assert ((adj >= raw - 1e-15) & (adj <= 1.0)).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(adj[order]) >= -1e-15).all()


@settings(max_examples=50, deadline=None)
@given(arm, arm)
def test_bayes_invariants(a: tuple[int, int], b: tuple[int, int]) -> None:
    res = ex.bayes_proportion(a[0], a[1], b[0], b[1])
    swapped = ex.bayes_proportion(b[0], b[1], a[0], a[1])
    assert 0.0 <= float(res.prob_b_beats_a) <= 1.0
    assert float(res.prob_b_beats_a + swapped.prob_b_beats_a) == pytest.approx(1.0, abs=1e-9)
    assert float(res.expected_loss_a) >= 0 and float(res.expected_loss_b) >= 0
    assert float(res.expected_loss_b) == pytest.approx(float(swapped.expected_loss_a), abs=1e-9)


# --------------------------------------------------------------------------------------
# bad input: every message pinned
# --------------------------------------------------------------------------------------

BAD_INPUT: list[tuple[Any, str]] = [
    (
        lambda: ex.proportion_test(-1, 10, 1, 10),
        r"`successes_a` is negative: 1 rows\. Counts and variances must be >= 0\.",
    ),
    (
        lambda: ex.proportion_test([5, 11], [10, 10], [1, 1], [10, 10]),
        r"`successes_a` exceeds `trials_a`: 1 rows\. Successes cannot outnumber trials\.",
    ),
    (
        lambda: ex.proportion_test(1, 10, 0, 0),
        r"`trials_b` is not positive: 1 rows\. Each arm needs at least one trial\.",
    ),
    (
        lambda: ex.proportion_test([1, np.nan], 10, 1, 10),
        r"`successes_a` has NaN or infinite values: 1 rows\. Drop or fill the missing values",
    ),
    (
        lambda: ex.proportion_test([1, 2, 3], [10, 10, 10], [1, 2], [10, 10]),
        r"`successes_b` has shape \(2,\), unlike `successes_a` with shape \(3,\): 2 rows\. "
        r"Pass scalars or arrays of equal length\.",
    ),
    (
        lambda: ex.proportion_test(1, 10, 1, 10, alpha=1.5),
        r"`alpha` must lie strictly between 0 and 1, got 1\.5: 1 rows\. "
        r"Pass a level such as 0\.05\.",
    ),
    (
        lambda: ex.proportion_test(1, 10, 1, 10, alpha=0.0),
        r"`alpha` must lie strictly between 0 and 1, got 0\.0: 1 rows\.",
    ),
    (
        lambda: ex.mean_test(1.0, [1.0, 0.0], [10, 10], 2.0, [1.0, 0.0], 10),
        r"`var_a` and `var_b` are both zero: 1 rows\. The test is undefined without variation",
    ),
    (
        lambda: ex.mean_test(1.0, 1.0, 1, 2.0, 1.0, 10),
        r"`n_a` is below 2: 1 rows\. Welch's test needs at least two observations per arm\.",
    ),
    (
        lambda: ex.mean_test(1.0, -1.0, 5, 2.0, 1.0, 10),
        r"`var_a` is negative: 1 rows\.",
    ),
    (
        lambda: ex.mean_test_samples([1.0, np.inf, np.nan], [1.0, 2.0]),
        r"`a` has NaN or infinite values: 2 rows\.",
    ),
    (
        lambda: ex.mean_test_samples([1.0], [1.0, 2.0]),
        r"`a` has fewer than 2 observations: 1 rows\.",
    ),
    (
        lambda: ex.mean_test_samples([3.0, 3.0], [1.0, 1.0]),
        r"`a` and `b` are both zero: 1 rows\.",
    ),
    (
        lambda: ex.ratio_test(
            ex.ratio_stats([1.0, 2.0], [0, 0]), ex.ratio_stats([1.0, 2.0], [1, 1])
        ),
        r"`stats_a\.sum_den` is not positive: 1 rows\. The ratio is undefined",
    ),
    (
        lambda: ex.ratio_test(ex.ratio_stats([1.0], [1]), ex.ratio_stats([1.0, 2.0], [1, 1])),
        r"`stats_a\.n` is below 2: 1 rows\. The delta method needs two units per arm\.",
    ),
    (
        lambda: ex.ratio_stats([1.0, 2.0], [1.0]),
        r"`denominator` has shape \(1,\), unlike `numerator` with shape \(2,\): 1 rows\.",
    ),
    (
        lambda: ex.cuped([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]),
        r"`x` has zero variance: 1 rows\. A constant covariate cannot reduce variance",
    ),
    (
        lambda: ex.cuped([1.0], [5.0]),
        r"`y` has fewer than 2 units: 1 rows\.",
    ),
    (
        lambda: ex.cuped_test(np.ones((5, 2)), np.ones((5, 2)), np.ones((5, 3)), np.ones((5, 3))),
        r"`y_b` has \(3,\) metrics, unlike `y_a` with \(2,\): 5 rows\.",
    ),
    (
        lambda: ex.srm_test([10, -1]),
        r"`observed_counts` is negative: 1 rows\.",
    ),
    (
        lambda: ex.srm_test([10]),
        r"`observed_counts` has fewer than 2 arms: 1 rows\.",
    ),
    (
        lambda: ex.srm_test([0, 0]),
        r"`observed_counts` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.srm_test([10, 10], [0.5, 0.3, 0.2]),
        r"`expected_ratios` has shape \(3,\), not one ratio per each of 2 arms: 3 rows\.",
    ),
    (
        lambda: ex.srm_test([10, 10], [0.5, 0.0]),
        r"`expected_ratios` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.adjust_pvalues([0.1, 1.2]),
        r"`pvalues` is outside \[0, 1\]: 1 rows\.",
    ),
    (
        lambda: ex.sample_size(0.1, 0.0),
        r"`mde` is zero: 1 rows\. Pass the smallest effect worth detecting\.",
    ),
    (
        lambda: ex.sample_size(0.1, -0.01, alternative="greater"),
        r"`mde` has the wrong sign for alternative='greater': 1 rows\.",
    ),
    (
        lambda: ex.sample_size(1.2, 0.01),
        r"`baseline` is outside \(0, 1\): 1 rows\.",
    ),
    (
        lambda: ex.sample_size(0.95, 0.1),
        r"`mde` moves the rate outside \[0, 1\]: 1 rows\.",
    ),
    (
        lambda: ex.sample_size(0.1, 0.01, power=0.01),
        r"`power` is 0\.01, outside \(alpha, 1\): 1 rows\.",
    ),
    (
        lambda: ex.power(100, 10.0, 1.0, metric="mean"),
        r"`std` is required when metric='mean': 1 rows\.",
    ),
    (
        lambda: ex.power(0, 0.1, 0.01),
        r"`n_a` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.power(100, 0.1, 0.01, ratio=0),
        r"`ratio` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.bayes_proportion(1.5, 10, 2, 10),
        r"`successes_a` is not a whole number: 1 rows\. Pass integer counts\.",
    ),
    (
        lambda: ex.bayes_proportion(1, 10, 2, 10, prior_alpha=0.5, prior_beta=0.5),
        r"`prior_alpha` gives no whole-number beta parameter: 1 rows\.",
    ),
    (
        lambda: ex.bayes_proportion(1, 10, 2, 10, prior_alpha=-1),
        r"`prior_alpha` or `prior_beta` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.bayes_proportion(1, 10, 2, 10, credible_level=1.0),
        r"`credible_level` must lie strictly between 0 and 1, got 1\.0: 1 rows\. "
        r"Pass a level such as 0\.95\.",
    ),
    (
        lambda: ex.sequential_test(0.0, 1.0, 0, 0.0, 1.0, 10, mixing_variance=0.1),
        r"`n_a` is below 1: 1 rows\. Each look needs at least one unit per arm\.",
    ),
    (
        lambda: ex.sequential_test(0.0, 1.0, 5, 0.0, 1.0, 10, mixing_variance=0.0),
        r"`mixing_variance` is not positive: 1 rows\.",
    ),
    (
        lambda: ex.group_sequential_boundaries([0.5, 0.4, 1.0]),
        r"`information_fractions` is not strictly increasing: 1 rows\. Sort the looks\.",
    ),
    (
        lambda: ex.group_sequential_boundaries([0.5, 1.5]),
        r"`information_fractions` is outside \(0, 1\]: 1 rows\.",
    ),
    (
        lambda: ex.group_sequential_boundaries(0),
        r"`information_fractions` is below 1 look: 1 rows\.",
    ),
    (
        lambda: ex.campaign_lift(10, 100, 5, 100, revenue_treated=100.0),
        r"`revenue_treated` and the other revenue arguments are only partly given: 1 rows\.",
    ),
    (
        lambda: ex.campaign_lift(10, 100, 5, 100, cost=10.0),
        r"`cost` needs revenue: 1 rows\.",
    ),
    (
        lambda: ex.campaign_lift(
            10,
            100,
            5,
            100,
            revenue_treated=1.0,
            revenue_var_treated=1.0,
            revenue_holdout=1.0,
            revenue_var_holdout=1.0,
            cost=0.0,
        ),
        r"`cost` is not positive: 1 rows\. ROI needs a positive cost\.",
    ),
    (
        lambda: ex.bootstrap_quantile_test([1.0], [1.0, 2.0]),
        r"`a` has fewer than 2 observations: 1 rows\.",
    ),
    (
        lambda: ex.bootstrap_quantile_test([1.0, 2.0], [1.0, 2.0], q=1.5),
        r"`q` is outside \[0, 1\]: 1 rows\.",
    ),
    (
        lambda: ex.bootstrap_quantile_test([1.0, 2.0], [1.0, 2.0], n_resamples=10),
        r"`n_resamples` is below 100: 1 rows\.",
    ),
    (
        lambda: ex.ratio_stats_by_variant(
            pd.DataFrame({"v": ["A", None], "x": [1.0, 2.0], "y": [1.0, 1.0]}),
            variant_col="v",
            numerator_col="x",
            denominator_col="y",
        ),
        r"`v` is missing: 1 rows\. Label every unit's variant\.",
    ),
    (
        lambda: ex.srm_test([10, 10]).mismatch(alpha=2.0),
        r"`alpha` must lie strictly between 0 and 1, got 2\.0: 1 rows\.",
    ),
]


# the wrong kind of input (text for numbers, an unknown option) is a SchemaError
BAD_KIND: list[tuple[Any, str]] = [
    (
        lambda: ex.proportion_test(1, 10, 1, 10, alternative="larger"),  # type: ignore[arg-type]
        r"`alternative` must be one of 'two-sided', 'greater', 'less', got 'larger': 1 rows\.",
    ),
    (
        lambda: ex.proportion_test("x", 10, 1, 10),
        r"`successes_a` must be numeric: 1 rows\. Pass numbers\.",
    ),
    (  # issue 20: was numpy's AxisError
        lambda: ex.mean_test_samples([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], axis=1),
        r"`axis` is 1, but `a` has 1 dimension: 1 rows\. Pass axis=0 for 1-D samples",
    ),
    (
        lambda: ex.mean_test_samples([1.0, 2.0], [1.0, 2.0], axis="0"),  # type: ignore[arg-type]
        r"`axis` must be an integer, got '0': 1 rows\.",
    ),
    (
        lambda: ex.adjust_pvalues([0.1], method="bonferroni"),  # type: ignore[arg-type]
        r"`method` must be one of 'holm', 'bh', got 'bonferroni': 1 rows\.",
    ),
    (
        lambda: ex.group_sequential_boundaries(3, spending="linear"),  # type: ignore[arg-type]
        r"`spending` must be one of 'obrien-fleming', 'pocock', got 'linear': 1 rows\.",
    ),
    (
        lambda: ex.power(100, 0.1, 0.05, metric="ratio"),  # type: ignore[arg-type]
        r"`metric` must be one of 'proportion', 'mean', got 'ratio': 1 rows\.",
    ),
]


@pytest.mark.parametrize(("call", "pattern"), BAD_KIND)
def test_bad_kind_raises_schema_error(call: Any, pattern: str) -> None:
    with pytest.raises(SchemaError, match=pattern) as info:
        call()
    assert isinstance(info.value, GrowthkitError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("call", "pattern"), BAD_INPUT)
def test_bad_input_raises_data_error(call: Any, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern) as info:
        call()
    assert isinstance(info.value, GrowthkitError) and isinstance(info.value, ValueError)


def test_no_warnings_on_degenerate_input() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex.proportion_test([0, 10, 0], [10, 10, 10], [0, 10, 10], [10, 10, 10], pooled=False)
        ex.bayes_proportion([0, 10], [10, 10], [0, 10], [10, 10])
        ex.bootstrap_quantile_test(np.zeros(10), np.zeros(10), rng=0)


def test_miller_kernel_matches_numpy_twin() -> None:
    rng = np.random.default_rng(30)
    a, b, c, d = (rng.integers(1, 3000, 300).astype(np.float64) for _ in range(4))
    lo = np.floor(rng.uniform(0, 1, 300) * (a - 1))
    counts = (a - lo).astype(np.int64)
    fast = _beta.window_chunk(a, b, c, d, lo, counts)
    twin = _beta.window_chunk_numpy(a, b, c, d, lo, counts)
    # the two place their exact log-beta anchors 128 vs 32 terms apart; betaln's own
    # rounding at arguments ~1e3 (~1e-12 relative) bounds the agreement
    np.testing.assert_allclose(fast[0], twin[0], rtol=1e-9, atol=1e-250)
    np.testing.assert_allclose(fast[1], twin[1], rtol=1e-9, atol=1e-250)


def test_prob_greater_large_counts_against_quadrature() -> None:
    # sums of thousands of terms use the window around the mode; quad as the reference
    xa, na, xb, nb = 4_800.0, 50_000.0, 5_050.0, 51_000.0
    res = ex.bayes_proportion(xa, na, xb, nb)
    ref = quad_prob(1 + xb, 1 + nb - xb, 1 + xa, 1 + na - xa)
    assert float(res.prob_b_beats_a) == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("alpha", [0.2, 0.05, 0.01, 1e-3, 1e-4, 1e-6])
@pytest.mark.parametrize("alternative", ALTS)
def test_t_critical_values_match_stdtrit(alpha: float, alternative: ex.Alternative) -> None:
    df = np.concatenate([np.linspace(1.0, 2000.0, 500), np.geomspace(2000.0, 1e9, 500)])
    tail = alpha / 2 if alternative == "two-sided" else alpha
    # scipy.special.stdtrit is the reference; the Cornish-Fisher branch covers df >= 1000
    ref = sp_special.stdtrit(df, 1 - tail)
    np.testing.assert_allclose(
        _numerics.t_crit(alpha, df, alternative), ref, rtol=1e-12, atol=1e-12
    )


def test_inputs_are_not_mutated_or_frozen() -> None:
    mean_a, mean_b = np.array([1.0, 2.0]), np.array([1.5, 2.5])
    res = ex.mean_test(mean_a, 1.0, 10, mean_b, 1.0, 10)
    assert mean_a.flags.writeable and mean_b.flags.writeable
    mean_a[0] = 100.0
    assert float(res.value_a[0]) == 1.0


def test_str_shows_infinite_relative_interval() -> None:
    text = str(ex.proportion_test(0, 100, 5, 100))
    assert "relative effect: +inf  95% CI [-inf, +inf]" in text


def test_sample_size_result_table_and_text() -> None:
    res = ex.sample_size([0.1, 0.2], [0.01, 0.02])
    assert list(res.to_frame().columns) == ["n_a", "n_b", "total", "n_a_exact"]
    assert "sample size" in str(res)
    assert str(ex.sample_size(0.1, 0.01)) == "sample size: n_a=14751, n_b=14751, total=29502"
    with pytest.raises(ValueError, match="read-only"):
        res.n_a[0] = 1
