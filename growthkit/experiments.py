"""A/B-test statistics that run from aggregates, vectorised over many comparisons.

Every test takes scalars or equal-length arrays (one element per metric x segment
comparison) and returns arrays, so ten thousand comparisons run in one call. The inputs are
sufficient statistics -- counts, sums, sums of squares, cross-products -- that a warehouse
query can produce; helpers compute them from raw arrays or a DataFrame where that is handy.

Variant B is compared with control A and every ``effect`` is **B minus A**. ``alternative``
follows scipy: ``"greater"`` is the alternative hypothesis B > A, ``"less"`` is B < A.

Scalar input gives result fields that are 0-d float64 arrays: ``float(res.pvalue)`` and
f-strings work on them, and the same code handles array input unchanged.

See ``docs/experiments.md`` for definitions, formulas, references and the measured type-I
error of the sequential test under continuous monitoring.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from growthkit import _experiments_impl as _impl
from growthkit._experiments_impl import Alternative, FloatArray, fail
from growthkit._validate import check_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "Alternative",
    "BayesResult",
    "CampaignResult",
    "ComparisonResult",
    "CupedResult",
    "GroupSequentialBoundaries",
    "RatioStats",
    "SRMResult",
    "SampleSizeResult",
    "SequentialResult",
    "adjust_pvalues",
    "bayes_mean",
    "bayes_proportion",
    "bootstrap_quantile_test",
    "campaign_lift",
    "cuped",
    "cuped_test",
    "group_sequential_boundaries",
    "mean_test",
    "mean_test_samples",
    "optimal_mixing_variance",
    "plot_forest",
    "power",
    "proportion_test",
    "ratio_stats",
    "ratio_stats_by_variant",
    "ratio_test",
    "sample_size",
    "sequential_test",
    "srm_test",
]

Metric = Literal["proportion", "mean"]
Spending = Literal["obrien-fleming", "pocock"]
AdjustMethod = Literal["holm", "bh"]


def _frozen(value: ArrayLike) -> FloatArray:
    # a read-only view: no copy, and the caller's array (if it is one) keeps its flags
    arr: FloatArray = np.asarray(value, dtype=np.float64).view()
    arr.flags.writeable = False
    return arr


def _freeze_fields(obj: object, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            object.__setattr__(obj, name, _frozen(value))


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _pct(value: float) -> str:
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{100.0 * value:+.2f}%"


# --------------------------------------------------------------------------------------
# result of every frequentist comparison
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ComparisonResult:
    """Result of comparing variant B with control A (``effect`` is B minus A).

    Fields are read-only float64 arrays with the broadcast shape of the inputs; scalar
    inputs give 0-d arrays (``float(res.pvalue)`` works).

    Attributes
    ----------
    effect
        Absolute effect, B minus A, in the metric's units.
    relative_effect
        ``value_b / value_a - 1``; 0 when both are 0 and ``inf`` when only A is 0.
    ci_low, ci_high
        Confidence interval for ``effect`` at level ``1 - alpha``; one-sided alternatives
        give one-sided intervals with an infinite end, as scipy does.
    pvalue
        P-value of the test named in ``method``.
    statistic
        The z or t statistic.
    alpha
        Significance level used for the intervals and :attr:`significant`.
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).
    rel_ci_low, rel_ci_high
        Confidence interval for ``relative_effect`` by the delta method (normal critical
        value); infinite when the control value is 0.
    std_error
        Standard error of ``effect`` used for the interval.
    value_a, value_b
        The per-arm estimates (rates, means, ratios or quantiles).
    df
        Degrees of freedom of a t statistic, ``inf`` for z statistics.
    method
        Name of the test.

    Examples
    --------
    >>> from growthkit.experiments import proportion_test
    >>> print(proportion_test(200, 5000, 250, 5000))
    two-proportion z-test (pooled) (two-sided, alpha=0.05)
      A: 0.04   B: 0.05
      effect (B - A): 0.01  95% CI [0.001876, 0.01812]
      relative effect: +25.00%  95% CI [+2.28%, +47.72%]
      statistic: 2.412  p-value: 0.01587  significant: yes

    Many comparisons in one call give one array element each:

    >>> res = proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800])
    >>> res.shape, res.significant.tolist()
    ((2,), [True, False])
    >>> res.to_frame(labels=["signup", "purchase"])[["effect", "pvalue"]].round(4)
              effect  pvalue
    signup    0.0300  0.0355
    purchase -0.0062  0.5969
    """

    effect: FloatArray
    relative_effect: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    pvalue: FloatArray
    statistic: FloatArray
    alpha: float
    alternative: Alternative
    rel_ci_low: FloatArray
    rel_ci_high: FloatArray
    std_error: FloatArray
    value_a: FloatArray
    value_b: FloatArray
    df: FloatArray
    method: str

    _ARRAYS = (
        "effect",
        "relative_effect",
        "ci_low",
        "ci_high",
        "pvalue",
        "statistic",
        "rel_ci_low",
        "rel_ci_high",
        "std_error",
        "value_a",
        "value_b",
        "df",
    )

    def __post_init__(self) -> None:
        _freeze_fields(self, self._ARRAYS)

    @property
    def significant(self) -> NDArray[np.bool_]:
        """Whether ``pvalue < alpha``, elementwise."""
        return np.asarray(self.pvalue < self.alpha)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the result arrays (``()`` for a single comparison)."""
        return self.effect.shape

    def to_frame(self, labels: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """Return one row per comparison (arrays flattened in C order).

        Parameters
        ----------
        labels
            Optional index labels, one per comparison.

        Returns
        -------
        pandas.DataFrame
            Columns ``value_a, value_b, effect, ci_low, ci_high, relative_effect,
            rel_ci_low, rel_ci_high, std_error, statistic, df, pvalue, significant, alpha,
            alternative, method``.
        """
        data: dict[str, object] = {
            name: np.ravel(getattr(self, name))
            for name in (
                "value_a",
                "value_b",
                "effect",
                "ci_low",
                "ci_high",
                "relative_effect",
                "rel_ci_low",
                "rel_ci_high",
                "std_error",
                "statistic",
                "df",
                "pvalue",
            )
        }
        data["significant"] = np.ravel(self.significant)
        size = self.effect.size
        index = pd.Index(list(labels)) if labels is not None else pd.RangeIndex(size)
        if len(index) != size:
            raise fail("labels", f"has {len(index)} entries for {size} comparisons", size)
        frame: pd.DataFrame = pd.DataFrame(data, index=index)
        frame["alpha"] = self.alpha
        frame["alternative"] = self.alternative
        frame["method"] = self.method
        return frame

    def plot(
        self, *, labels: Sequence[str] | None = None, relative: bool = False, ax: Axes | None = None
    ) -> Axes:
        """Forest plot of the effects with their intervals; see :func:`plot_forest`."""
        return plot_forest(self, labels=labels, relative=relative, ax=ax)

    def __str__(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        head = f"{self.method} ({self.alternative}, alpha={self.alpha:g})"
        if self.effect.ndim == 0:
            sig = "yes" if bool(self.significant) else "no"
            return "\n".join(
                [
                    head,
                    f"  A: {_fmt(float(self.value_a))}   B: {_fmt(float(self.value_b))}",
                    f"  effect (B - A): {_fmt(float(self.effect))}  "
                    f"{level} CI [{_fmt(float(self.ci_low))}, {_fmt(float(self.ci_high))}]",
                    f"  relative effect: {_pct(float(self.relative_effect))}  "
                    f"{level} CI [{_pct(float(self.rel_ci_low))}, "
                    f"{_pct(float(self.rel_ci_high))}]",
                    f"  statistic: {_fmt(float(self.statistic))}  "
                    f"p-value: {_fmt(float(self.pvalue))}  significant: {sig}",
                ]
            )
        cols = ["effect", "ci_low", "ci_high", "relative_effect", "pvalue", "significant"]
        table = self.to_frame()[cols].to_string(max_rows=20, float_format=_fmt)
        return f"{head}, {self.effect.size} comparisons\n{table}"


def _z_result(
    value_a: FloatArray,
    var_mean_a: FloatArray,
    value_b: FloatArray,
    var_mean_b: FloatArray,
    *,
    alpha: float,
    alternative: Alternative,
    method: str,
    test_se: FloatArray | None = None,
) -> ComparisonResult:
    """Normal-theory comparison of two independent estimates with known variances."""
    effect = value_b - value_a
    se = np.sqrt(var_mean_a + var_mean_b)
    stat = _impl.safe_ratio(effect, se if test_se is None else test_se)
    crit = _impl.z_crit(alpha, alternative)
    low, high = _impl.interval(effect, crit * se, alternative)
    rel, rel_se = _impl.relative_delta(value_a, var_mean_a, value_b, var_mean_b)
    rel_low, rel_high = _impl.interval(rel, _nan_free(crit * rel_se), alternative)
    return ComparisonResult(
        effect=effect,
        relative_effect=rel,
        ci_low=low,
        ci_high=high,
        pvalue=_impl.pvalue_z(stat, alternative),
        statistic=stat,
        alpha=alpha,
        alternative=alternative,
        rel_ci_low=rel_low,
        rel_ci_high=rel_high,
        std_error=se,
        value_a=value_a,
        value_b=value_b,
        df=np.full_like(effect, np.inf),
        method=method,
    )


def _nan_free(half_width: FloatArray) -> FloatArray:
    # inf * 0 cannot occur (crit > 0), but keep half-widths NaN-free by construction.
    return np.where(np.isnan(half_width), np.inf, half_width)


def _check_counts(successes: FloatArray, trials: FloatArray, s_name: str, t_name: str) -> None:
    _impl.check_nonnegative(s_name, successes)
    _impl.check_positive(t_name, trials, "Each arm needs at least one trial.")
    bad = successes > trials
    if bad.any():
        raise fail(
            s_name, f"exceeds `{t_name}`", int(bad.sum()), "Successes cannot outnumber trials."
        )


def _proportion_inputs(
    successes_a: ArrayLike, trials_a: ArrayLike, successes_b: ArrayLike, trials_b: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    xa, na, xb, nb = _impl.same_shape(
        [
            ("successes_a", _impl.as_float("successes_a", successes_a)),
            ("trials_a", _impl.as_float("trials_a", trials_a)),
            ("successes_b", _impl.as_float("successes_b", successes_b)),
            ("trials_b", _impl.as_float("trials_b", trials_b)),
        ]
    )
    _check_counts(xa, na, "successes_a", "trials_a")
    _check_counts(xb, nb, "successes_b", "trials_b")
    return xa, na, xb, nb


# --------------------------------------------------------------------------------------
# proportions, means, ratios
# --------------------------------------------------------------------------------------


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
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    xa, na, xb, nb = _proportion_inputs(successes_a, trials_a, successes_b, trials_b)
    pa, pb = xa / na, xb / nb
    var_a, var_b = pa * (1.0 - pa) / na, pb * (1.0 - pb) / nb
    test_se = None
    if pooled:
        # (xa + xb) / (na + nb) on halves: halving counts is exact, so this is the same
        # number bit for bit, and the sums cannot pass float64's range near 1.7e308
        p = (xa / 2 + xb / 2) / (na / 2 + nb / 2)
        test_se = np.sqrt(p * (1.0 - p) * (1.0 / na + 1.0 / nb))
    method = "two-proportion z-test (pooled)" if pooled else "two-proportion z-test (unpooled)"
    return _z_result(pa, var_a, pb, var_b, alpha=a, alternative=alt, method=method, test_se=test_se)


def _welch(
    mean_a: FloatArray,
    var_a: FloatArray,
    n_a: FloatArray,
    mean_b: FloatArray,
    var_b: FloatArray,
    n_b: FloatArray,
    alpha: float,
    alternative: Alternative,
    method: str,
) -> ComparisonResult:
    vna, vnb = var_a / n_a, var_b / n_b
    se = np.sqrt(vna + vnb)
    # Welch-Satterthwaite on variances scaled by the larger one: squaring tiny variances
    # (huge n) would underflow to 0/0.
    scale = np.maximum(vna, vnb)
    ra, rb = vna / scale, vnb / scale
    df = (ra + rb) ** 2 / (ra**2 / (n_a - 1.0) + rb**2 / (n_b - 1.0))
    effect = mean_b - mean_a
    t = effect / se
    low, high = _impl.interval(effect, _impl.t_crit(alpha, df, alternative) * se, alternative)
    rel, rel_se = _impl.relative_delta(mean_a, vna, mean_b, vnb)
    crit = _impl.z_crit(alpha, alternative)
    rel_low, rel_high = _impl.interval(rel, _nan_free(crit * rel_se), alternative)
    return ComparisonResult(
        effect=effect,
        relative_effect=rel,
        ci_low=low,
        ci_high=high,
        pvalue=_impl.pvalue_t(t, df, alternative),
        statistic=t,
        alpha=alpha,
        alternative=alternative,
        rel_ci_low=rel_low,
        rel_ci_high=rel_high,
        std_error=se,
        value_a=mean_a.copy(),
        value_b=mean_b.copy(),
        df=df,
        method=method,
    )


def _check_both_zero(var_a: FloatArray, var_b: FloatArray, name_a: str, name_b: str) -> None:
    bad = (var_a == 0) & (var_b == 0)
    if bad.any():
        raise fail(
            f"{name_a}` and `{name_b}",
            "are both zero",
            int(bad.sum()),
            "The test is undefined without variation in at least one arm.",
        )


def mean_test(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> ComparisonResult:
    r"""Welch's unequal-variance t-test from per-arm means, variances and sizes.

    Parameters
    ----------
    mean_a, var_a, n_a
        Sample mean, sample variance (``ddof=1``, i.e. divided by ``n - 1``) and size of
        control A; scalars or equal-length arrays.
    mean_b, var_b, n_b
        The same for variant B.
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).

    Returns
    -------
    ComparisonResult
        ``effect = mean_b - mean_a`` with a Welch t interval; ``df`` holds the
        Welch-Satterthwaite degrees of freedom.

    Raises
    ------
    DataError
        Non-finite input, negative variance, ``n < 2``, both variances zero, unequal
        lengths, or ``alpha`` outside (0, 1).

    Notes
    -----
    :math:`t = (\bar y_b - \bar y_a)/\sqrt{s_a^2/n_a + s_b^2/n_b}` with
    Welch-Satterthwaite degrees of freedom :math:`\nu = (s_a^2/n_a + s_b^2/n_b)^2 /
    (s_a^4/(n_a^2(n_a-1)) + s_b^4/(n_b^2(n_b-1)))`. Agrees with
    ``scipy.stats.ttest_ind_from_stats(mean_b, std_b, n_b, mean_a, std_a, n_a,
    equal_var=False)``. The relative interval uses the delta method with a normal
    critical value.

    Examples
    --------
    >>> from growthkit.experiments import mean_test
    >>> res = mean_test(10.0, 4.0, 100, 11.0, 9.0, 120)
    >>> print(f"t={res.statistic:.3f} df={res.df:.1f} p={res.pvalue:.4f}")
    t=2.949 df=208.5 p=0.0036
    """
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    ma, va, na, mb, vb, nb = _impl.same_shape(
        [
            (name, _impl.as_float(name, value))
            for name, value in (
                ("mean_a", mean_a),
                ("var_a", var_a),
                ("n_a", n_a),
                ("mean_b", mean_b),
                ("var_b", var_b),
                ("n_b", n_b),
            )
        ]
    )
    _impl.check_nonnegative("var_a", va)
    _impl.check_nonnegative("var_b", vb)
    fix = "Welch's test needs at least two observations per arm."
    _impl.check_min("n_a", na, 2, fix)
    _impl.check_min("n_b", nb, 2, fix)
    _check_both_zero(va / na, vb / nb, "var_a", "var_b")  # var/n: what the SE uses
    return _welch(ma, va, na, mb, vb, nb, a, alt, "Welch t-test")


def _sample_stats(x: ArrayLike, name: str, axis: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        arr = _impl.as_float(name, arr)
    if arr.dtype.kind == "f":
        # one pass for the sum both detects NaN/inf and feeds the mean
        with np.errstate(over="ignore"):
            total = arr.sum(axis=axis, dtype=np.float64)
        if not np.isfinite(total).all():
            _impl.as_float(name, arr)
            raise fail(
                name,
                "has a sum that overflows float64",
                int(np.size(total) - np.count_nonzero(np.isfinite(total))),
                "Rescale the values (e.g. to thousands).",
            )
    else:
        total = arr.sum(axis=axis, dtype=np.float64)
    n = arr.shape[axis] if arr.ndim else 1
    if n < 2:
        raise fail(name, "has fewer than 2 observations", n, "Welch's test needs two per arm.")
    mean = total / n
    var = np.var(arr, axis=axis, ddof=1, dtype=np.float64) if n >= 2 else np.zeros_like(mean)
    return (
        np.asarray(mean, dtype=np.float64),
        np.asarray(var, dtype=np.float64),
        np.full(np.shape(mean), float(n)),
    )


def mean_test_samples(
    a: ArrayLike,
    b: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    axis: int = 0,
) -> ComparisonResult:
    """Welch's t-test from raw observations of each arm.

    Parameters
    ----------
    a, b
        Observations of control A and variant B (one value per unit). With 2-D input,
        each slice along the other axis is a separate comparison.
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).
    axis
        Axis along which the observations lie.

    Returns
    -------
    ComparisonResult
        As :func:`mean_test`; equals ``scipy.stats.ttest_ind(b, a, equal_var=False)``.

    Raises
    ------
    DataError
        NaN or infinite observations, fewer than two observations per arm, or no
        variation in either arm.

    Notes
    -----
    Two passes over the data (sum, then centred sum of squares), so 10^7 observations per
    arm take well under a second.

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.experiments import mean_test_samples
    >>> rng = np.random.default_rng(0)
    >>> res = mean_test_samples(rng.normal(0, 1, 500), rng.normal(0.3, 1, 500))
    >>> bool(res.significant)
    True
    """
    ma, va, na = _sample_stats(a, "a", axis)
    mb, vb, nb = _sample_stats(b, "b", axis)
    # Checks in terms of the raw samples, so that messages name `a` and `b`.
    _check_both_zero(va, vb, "a", "b")
    for name, values in (("a", ma), ("a", va), ("b", mb), ("b", vb)):
        _impl.as_float(name, values)
    return mean_test(ma, va, na, mb, vb, nb, alpha=alpha, alternative=alternative)


@dataclass(frozen=True, slots=True, eq=False)
class RatioStats:
    """Per-arm sufficient statistics of a ratio metric ``sum(num) / sum(den)``.

    One row per randomisation unit (user) is summarised by these six numbers (each a
    scalar or an array, one element per comparison), e.g. from SQL:
    ``COUNT(*), SUM(revenue), SUM(orders), SUM(revenue*revenue), SUM(orders*orders),
    SUM(revenue*orders)`` grouped by variant.

    Attributes
    ----------
    n
        Number of units.
    sum_num, sum_den
        Sums of the numerator (e.g. revenue) and denominator (e.g. orders) over units.
    sum_num_sq, sum_den_sq
        Sums of squares of the per-unit numerator and denominator.
    sum_num_den
        Sum of the per-unit products numerator x denominator.

    Examples
    --------
    Straight from the SQL aggregates of arm A, or from raw per-user values with
    :func:`ratio_stats`:

    >>> from growthkit.experiments import RatioStats, ratio_stats, ratio_test
    >>> a = RatioStats(
    ...     n=5, sum_num=115.0, sum_den=6, sum_num_sq=4225.0, sum_den_sq=10, sum_num_den=200.0
    ... )
    >>> b = ratio_stats([30.0, 45, 25, 60, 0, 20], [1, 2, 1, 2, 0, 1])
    >>> float(b.n), float(b.sum_num)
    (6.0, 180.0)
    >>> print(f"{ratio_test(a, b).pvalue:.3f}")
    0.060
    """

    n: FloatArray
    sum_num: FloatArray
    sum_den: FloatArray
    sum_num_sq: FloatArray
    sum_den_sq: FloatArray
    sum_num_den: FloatArray

    def __post_init__(self) -> None:
        _freeze_fields(self, [f.name for f in dataclasses.fields(self)])


def ratio_stats(numerator: ArrayLike, denominator: ArrayLike) -> RatioStats:
    """Sufficient statistics of a ratio metric from per-unit raw values.

    Parameters
    ----------
    numerator, denominator
        Per-unit values (e.g. revenue and orders per user), equal length.

    Returns
    -------
    RatioStats

    Raises
    ------
    DataError
        NaN or infinite values, or unequal lengths.

    Examples
    --------
    >>> from growthkit.experiments import ratio_stats
    >>> s = ratio_stats([10.0, 0.0, 30.0], [1, 0, 2])
    >>> float(s.n), float(s.sum_num), float(s.sum_num_den)
    (3.0, 40.0, 70.0)
    """
    x = _impl.as_float("numerator", numerator)
    y = _impl.as_float("denominator", denominator)
    if x.shape != y.shape:
        raise fail(
            "denominator",
            f"has shape {y.shape}, unlike `numerator` with shape {x.shape}",
            int(y.size),
            "Pass one value per unit in both.",
        )
    with np.errstate(over="ignore", invalid="ignore"):
        sums = {
            "sum_num": x.sum(axis=0),
            "sum_den": y.sum(axis=0),
            "sum_num_sq": (x * x).sum(axis=0),
            "sum_den_sq": (y * y).sum(axis=0),
            "sum_num_den": (x * y).sum(axis=0),
        }
    for field_name, value in sums.items():
        bad = ~np.isfinite(value)
        if bad.any():
            raise fail(
                "denominator" if field_name in ("sum_den", "sum_den_sq") else "numerator",
                f"gives a {field_name} that overflows float64",
                int(bad.sum()),
                "Rescale the values (e.g. to thousands).",
            )
    return RatioStats(n=np.asarray(float(x.shape[0] if x.ndim else 1)), **sums)


def ratio_stats_by_variant(
    frame: pd.DataFrame, *, variant_col: str, numerator_col: str, denominator_col: str
) -> dict[Hashable, RatioStats]:
    """Sufficient statistics of a ratio metric per variant of a unit-level DataFrame.

    Parameters
    ----------
    frame
        One row per randomisation unit.
    variant_col
        Column naming the variant of each unit.
    numerator_col, denominator_col
        Columns with the per-unit numerator and denominator.

    Returns
    -------
    dict
        ``{variant: RatioStats}``.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        NaN or infinite values, or a missing variant label.

    Examples
    --------
    >>> import pandas as pd
    >>> from growthkit.experiments import ratio_stats_by_variant, ratio_test
    >>> df = pd.DataFrame(
    ...     {"v": list("AABBB"), "rev": [5.0, 7, 6, 9, 4], "orders": [1, 2, 1, 2, 1]}
    ... )
    >>> s = ratio_stats_by_variant(
    ...     df, variant_col="v", numerator_col="rev", denominator_col="orders"
    ... )
    >>> sorted(s), float(s["B"].sum_num)
    (['A', 'B'], 19.0)
    """
    check_columns(
        frame,
        {
            "variant_col": variant_col,
            "numerator_col": numerator_col,
            "denominator_col": denominator_col,
        },
    )
    missing = frame[variant_col].isna()
    if missing.any():
        raise fail(variant_col, "is missing", int(missing.sum()), "Label every unit's variant.")
    x = _impl.as_float(numerator_col, frame[numerator_col].to_numpy(dtype=np.float64))
    y = _impl.as_float(denominator_col, frame[denominator_col].to_numpy(dtype=np.float64))
    parts = pd.DataFrame(
        {"x": x, "y": y, "xx": x * x, "yy": y * y, "xy": x * y},
        index=pd.Index(frame[variant_col].to_numpy(), name="variant"),
    )
    sums = parts.groupby(level=0, sort=True).sum()
    counts = parts.groupby(level=0, sort=True).size()
    return {
        key: RatioStats(
            n=np.asarray(float(counts[key])),
            sum_num=np.asarray(sums.at[key, "x"]),
            sum_den=np.asarray(sums.at[key, "y"]),
            sum_num_sq=np.asarray(sums.at[key, "xx"]),
            sum_den_sq=np.asarray(sums.at[key, "yy"]),
            sum_num_den=np.asarray(sums.at[key, "xy"]),
        )
        for key in sums.index
    }


def _ratio_arm(stats: RatioStats, arm: str) -> tuple[FloatArray, ...]:
    names = ("n", "sum_num", "sum_den", "sum_num_sq", "sum_den_sq", "sum_num_den")
    return tuple(_impl.as_float(f"stats_{arm}.{name}", getattr(stats, name)) for name in names)


def ratio_test(
    stats_a: RatioStats,
    stats_b: RatioStats,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> ComparisonResult:
    r"""Z-test of a ratio metric (revenue per order, clicks per view) by the delta method.

    The metric of each arm is ``sum_num / sum_den`` over its units, and units (users) are
    the randomisation unit, so the per-unit numerator and denominator are correlated; the
    delta method accounts for that.

    Parameters
    ----------
    stats_a, stats_b
        :class:`RatioStats` of control A and variant B (arrays inside must share one
        shape); see :func:`ratio_stats` and :func:`ratio_stats_by_variant`.
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).

    Returns
    -------
    ComparisonResult
        ``value_a``/``value_b`` are the ratios, ``effect`` their difference.

    Raises
    ------
    DataError
        Non-finite input, ``n < 2``, a denominator sum that is not positive, negative sums
        of squares, no variation in either arm, or unequal shapes.

    Notes
    -----
    With per-unit means :math:`\bar x, \bar y`, sample (co)variances
    :math:`s_x^2, s_y^2, s_{xy}` (``ddof=1``) and :math:`R = \bar x/\bar y`,
    :math:`\mathrm{Var}(\hat R) \approx (s_x^2 - 2 R s_{xy} + R^2 s_y^2)/(n \bar y^2)`
    (Deng, Knoblich & Lu 2018, eq. 3). The arms are independent, so the variances add.
    Sums of squares are combined as ``sum_sq - n * mean**2``; for metrics with a huge mean
    relative to their spread, centre the data before aggregating.

    Examples
    --------
    >>> from growthkit.experiments import ratio_stats, ratio_test
    >>> a = ratio_stats([20.0, 35, 0, 50, 10], [1, 2, 0, 2, 1])
    >>> b = ratio_stats([30.0, 45, 25, 60, 0, 20], [1, 2, 1, 2, 0, 1])
    >>> res = ratio_test(a, b)
    >>> print(f"{res.value_a:.2f} {res.value_b:.2f} p={res.pvalue:.3f}")
    19.17 25.71 p=0.060
    """
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    flat = _impl.same_shape(
        [
            (f"stats_{arm}.{name}", arr)
            for arm, st in (("a", stats_a), ("b", stats_b))
            for name, arr in zip(
                ("n", "sum_num", "sum_den", "sum_num_sq", "sum_den_sq", "sum_num_den"),
                _ratio_arm(st, arm),
                strict=True,
            )
        ]
    )
    est: list[tuple[FloatArray, FloatArray]] = []
    for arm, (n, sx, sy, sxx, syy, sxy) in (("a", flat[:6]), ("b", flat[6:])):
        _impl.check_min(f"stats_{arm}.n", n, 2, "The delta method needs two units per arm.")
        _impl.check_positive(
            f"stats_{arm}.sum_den", sy, "The ratio is undefined without a positive denominator."
        )
        _impl.check_nonnegative(f"stats_{arm}.sum_num_sq", sxx)
        _impl.check_nonnegative(f"stats_{arm}.sum_den_sq", syy)
        mx, my = sx / n, sy / n
        vx = np.maximum(sxx - n * mx * mx, 0.0) / (n - 1.0)
        vy = np.maximum(syy - n * my * my, 0.0) / (n - 1.0)
        cxy = (sxy - n * mx * my) / (n - 1.0)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            r = mx / my
            num = np.maximum(vx - 2.0 * r * cxy + r * r * vy, 0.0)
            var_r = np.where(num == 0.0, 0.0, num / (n * my * my))
        bad = ~(np.isfinite(r) & np.isfinite(var_r))
        if bad.any():
            raise fail(
                f"stats_{arm}",
                "gives a ratio or ratio variance that overflows float64",
                int(bad.sum()),
                "The denominator sum is too close to 0 for the numerator; rescale the values.",
            )
        est.append((r, var_r))
    (ra, va), (rb, vb) = est
    _check_both_zero(va, vb, "stats_a", "stats_b")
    return _z_result(ra, va, rb, vb, alpha=a, alternative=alt, method="ratio z-test (delta)")


# --------------------------------------------------------------------------------------
# CUPED
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CupedResult:
    """CUPED-adjusted outcomes.

    Attributes
    ----------
    adjusted
        ``y - theta * (x - mean(x))``: same mean as ``y``, smaller variance.
    theta
        ``cov(y, x) / var(x)``, per column of ``y``.
    variance_reduction
        ``1 - var(adjusted) / var(y)``, the squared correlation of ``y`` and ``x``.

    Examples
    --------
    Four users' outcome ``y`` and their pre-experiment value ``x`` of the same metric:

    >>> from growthkit.experiments import cuped
    >>> res = cuped([12.0, 9.0, 15.0, 10.0], [11.0, 8.0, 13.0, 10.0])
    >>> res.adjusted.round(2).tolist(), round(float(res.adjusted.mean()), 2)
    ([11.38, 12.08, 11.92, 10.62], 11.5)
    >>> round(float(res.theta), 3), round(float(res.variance_reduction), 3)
    (1.231, 0.938)
    """

    adjusted: FloatArray
    theta: FloatArray
    variance_reduction: FloatArray

    def __post_init__(self) -> None:
        _freeze_fields(self, ("adjusted", "theta", "variance_reduction"))


def _cov_stats(
    y: FloatArray, x: FloatArray, yname: str = "y", xname: str = "x"
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    n = y.shape[0]
    my, mx = y.mean(axis=0), x.mean(axis=0)
    dy, dx = y - my, x - mx
    with np.errstate(over="ignore", invalid="ignore"):
        vy = (dy * dy).sum(axis=0) / (n - 1)
        vx = (dx * dx).sum(axis=0) / (n - 1)
        cxy = (dy * dx).sum(axis=0) / (n - 1)
    for name, value in ((yname, my), (xname, mx), (yname, vy), (xname, vx), (yname, cxy)):
        bad = ~np.isfinite(value)
        if bad.any():
            raise fail(
                name,
                "has a mean or variance that overflows float64",
                int(bad.sum()),
                "Rescale the values (e.g. to thousands).",
            )
    return my, mx, vy, vx, cxy


def _cuped_inputs(y: ArrayLike, x: ArrayLike, yname: str, xname: str) -> tuple[FloatArray, ...]:
    ya, xa = _impl.as_float(yname, y), _impl.as_float(xname, x)
    if ya.shape != xa.shape or ya.ndim == 0:
        raise fail(
            xname,
            f"has shape {xa.shape}, unlike `{yname}` with shape {ya.shape}",
            int(xa.size),
            "Pass one covariate value per unit.",
        )
    if ya.shape[0] < 2:
        raise fail(yname, "has fewer than 2 units", int(ya.shape[0]), "Pass at least two units.")
    return ya, xa


def _theta(vx: FloatArray, cxy: FloatArray, xname: str) -> FloatArray:
    bad = vx == 0
    if bad.any():
        raise fail(
            xname,
            "has zero variance",
            int(bad.sum()),
            "A constant covariate cannot reduce variance; run the unadjusted test.",
        )
    return cxy / vx


def cuped(y: ArrayLike, x: ArrayLike) -> CupedResult:
    r"""CUPED variance reduction of outcomes ``y`` with a pre-period covariate ``x``.

    Parameters
    ----------
    y
        Outcomes of all units of **all arms together**, shape ``(n,)`` or ``(n, k)`` for
        ``k`` metrics.
    x
        Pre-experiment covariate (usually the same metric before the start), same shape.

    Returns
    -------
    CupedResult
        Adjusted outcomes to feed to :func:`mean_test_samples` per arm, and ``theta``.

    Raises
    ------
    DataError
        NaN or infinite values, unequal shapes, fewer than 2 units, constant ``x``.

    Notes
    -----
    Deng, Xu, Kohavi & Walker (2013), eq. (3)-(4): :math:`Y^{cv} = Y - \theta(X -
    E X)` with :math:`\theta = \mathrm{cov}(Y, X)/\mathrm{var}(X)`, which keeps the
    mean and reduces the variance by the factor :math:`1 - \rho^2`. ``theta`` is
    estimated on the pooled data of both arms, as the paper recommends, so the same
    adjustment applies to every arm and the difference of adjusted means stays unbiased.

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.experiments import cuped
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(10, 2, 1000)
    >>> y = x + rng.normal(0, 1, 1000)
    >>> res = cuped(y, x)
    >>> print(f"theta={res.theta:.2f} reduction={res.variance_reduction:.2f}")
    theta=1.02 reduction=0.79
    """
    ya, xa = _cuped_inputs(y, x, "y", "x")
    _, mx, vy, vx, cxy = _cov_stats(ya, xa)
    theta = _theta(vx, cxy, "x")
    adjusted = ya - theta * (xa - mx)
    reduction = np.where(vy > 0, 1.0 - _impl.safe_ratio(vy - cxy * theta, vy), 0.0)
    reduction = np.clip(reduction, 0.0, 1.0)  # it is rho^2; rounding can step outside
    return CupedResult(adjusted=adjusted, theta=theta, variance_reduction=reduction)


def cuped_test(
    y_a: ArrayLike,
    x_a: ArrayLike,
    y_b: ArrayLike,
    x_b: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> ComparisonResult:
    """Welch t-test on CUPED-adjusted outcomes, ``theta`` pooled across arms.

    Parameters
    ----------
    y_a, x_a
        Outcomes and pre-period covariates of control A, shape ``(n_a,)`` or
        ``(n_a, k)``.
    y_b, x_b
        The same for variant B (``k`` must match).
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).

    Returns
    -------
    ComparisonResult
        ``value_a``/``value_b`` are the adjusted means; ``relative_effect`` is relative to
        the adjusted control mean.

    Raises
    ------
    DataError
        As :func:`cuped` and :func:`mean_test`.

    Notes
    -----
    Equivalent to ``cuped(concat(y_a, y_b), concat(x_a, x_b))`` followed by
    :func:`mean_test_samples` on the two halves of ``adjusted`` (Deng et al. 2013, sec. 3.3).

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.experiments import cuped_test, mean_test_samples
    >>> rng = np.random.default_rng(2)
    >>> x_a, x_b = rng.normal(10, 2, 800), rng.normal(10, 2, 800)
    >>> y_a = x_a + rng.normal(0, 1, 800)
    >>> y_b = x_b + 0.15 + rng.normal(0, 1, 800)
    >>> plain, adj = mean_test_samples(y_a, y_b), cuped_test(y_a, x_a, y_b, x_b)
    >>> bool(adj.std_error < plain.std_error / 2)
    True
    """
    ya, xa = _cuped_inputs(y_a, x_a, "y_a", "x_a")
    yb, xb = _cuped_inputs(y_b, x_b, "y_b", "x_b")
    if ya.shape[1:] != yb.shape[1:]:
        raise fail(
            "y_b",
            f"has {yb.shape[1:]} metrics, unlike `y_a` with {ya.shape[1:]}",
            int(yb.shape[0]),
            "Pass the same metrics for both arms.",
        )
    _, mx, _, vx, cxy = _cov_stats(np.concatenate([ya, yb]), np.concatenate([xa, xb]), "y_a", "x_a")
    theta = _theta(vx, cxy, "x_a")
    out = []
    for y, x in ((ya, xa), (yb, xb)):
        my_, mx_, vy_, vx_, cxy_ = _cov_stats(y, x, "y_a", "x_a")
        mean = my_ - theta * (mx_ - mx)
        var = np.maximum(vy_ - 2.0 * theta * cxy_ + theta * theta * vx_, 0.0)
        out.append((mean, var, np.full(np.shape(mean), float(y.shape[0]))))
    (ma, va, na), (mb, vb, nb) = out
    _check_both_zero(va / na, vb / nb, "y_a", "y_b")  # var/n: what the SE uses
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    return _welch(ma, va, na, mb, vb, nb, a, alt, "CUPED Welch t-test")


# --------------------------------------------------------------------------------------
# sample-ratio mismatch
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class SRMResult:
    """Chi-square sample-ratio-mismatch check.

    Attributes
    ----------
    statistic
        Pearson chi-square statistic, one per row of counts.
    pvalue
        Upper-tail probability with ``arms - 1`` degrees of freedom.
    df
        Degrees of freedom.
    expected
        Expected counts under the planned split.

    Examples
    --------
    >>> from growthkit.experiments import srm_test
    >>> res = srm_test([50_000, 51_000])
    >>> res.df, res.expected.tolist()
    (1, [50500.0, 50500.0])
    >>> bool(res.mismatch()), bool(res.mismatch(alpha=0.01))
    (False, True)
    """

    statistic: FloatArray
    pvalue: FloatArray
    df: int
    expected: FloatArray

    def __post_init__(self) -> None:
        _freeze_fields(self, ("statistic", "pvalue", "expected"))

    def mismatch(self, alpha: float = 0.001) -> NDArray[np.bool_]:
        """Flag a sample-ratio mismatch when ``pvalue < alpha`` (0.001 by convention)."""
        return np.asarray(self.pvalue < _impl.check_alpha(alpha))

    def __str__(self) -> str:
        if self.statistic.ndim == 0:
            return (
                f"SRM chi-square test: statistic {_fmt(float(self.statistic))}, df {self.df}, "
                f"p-value {_fmt(float(self.pvalue))}"
            )
        return f"SRM chi-square test, df {self.df}: p-values {np.array2string(self.pvalue)}"


def srm_test(observed_counts: ArrayLike, expected_ratios: ArrayLike | None = None) -> SRMResult:
    """Sample-ratio-mismatch (SRM) check: chi-square goodness of fit of arm sizes.

    Parameters
    ----------
    observed_counts
        Units per arm, shape ``(arms,)``, or ``(comparisons, arms)`` for many checks.
    expected_ratios
        Planned allocation per arm (any positive weights, normalised to sum 1); defaults to
        an equal split.

    Returns
    -------
    SRMResult
        Equal to ``scipy.stats.chisquare(observed, expected_ratios * observed.sum())``.

    Raises
    ------
    DataError
        Negative or non-finite counts, fewer than two arms, no units, non-positive ratios,
        or a ratio vector whose length differs from the number of arms.

    Examples
    --------
    >>> from growthkit.experiments import srm_test
    >>> res = srm_test([50_000, 51_000], [0.5, 0.5])
    >>> print(f"{res.statistic:.3f} {res.pvalue:.4f}")
    9.901 0.0017
    """
    obs = _impl.as_float("observed_counts", observed_counts)
    _impl.check_nonnegative("observed_counts", obs)
    if obs.ndim == 0 or obs.shape[-1] < 2:
        raise fail(
            "observed_counts", "has fewer than 2 arms", int(obs.size), "Pass one count per arm."
        )
    k = obs.shape[-1]
    if expected_ratios is None:
        ratios = np.full(k, 1.0 / k)
    else:
        ratios = _impl.as_float("expected_ratios", expected_ratios)
        if ratios.shape[-1:] != (k,):
            raise fail(
                "expected_ratios",
                f"has shape {ratios.shape}, not one ratio per each of {k} arms",
                int(ratios.size),
                "Pass one ratio per arm.",
            )
        _impl.check_positive("expected_ratios", ratios, "Every arm needs a positive share.")
        ratios = ratios / ratios.sum(axis=-1, keepdims=True)
    total = obs.sum(axis=-1, keepdims=True)
    _impl.check_positive("observed_counts", total, "Pass the counts of a started experiment.")
    expected = total * ratios
    diff = obs - expected
    with np.errstate(over="ignore"):
        stat = (diff / expected * diff).sum(axis=-1)  # diff**2 would overflow for huge counts
    overflow = ~np.isfinite(stat)
    if overflow.any():
        raise fail(
            "observed_counts",
            "is so unbalanced at this scale that the chi-square statistic exceeds float64",
            int(overflow.sum()),
            "Rescale the counts (e.g. to thousands); the mismatch is certain either way.",
        )
    return SRMResult(
        statistic=stat, pvalue=special.chdtrc(k - 1, stat), df=k - 1, expected=expected
    )


# --------------------------------------------------------------------------------------
# power and sample size
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class SampleSizeResult:
    """Required sample sizes.

    Attributes
    ----------
    n_a, n_b
        Units needed in control A and variant B, rounded up.
    total
        ``n_a + n_b``.
    n_a_exact
        The unrounded solution for A (``n_b = ratio * n_a``).

    Examples
    --------
    >>> from growthkit.experiments import sample_size
    >>> res = sample_size(0.10, [0.01, 0.02])
    >>> res.n_a.tolist(), res.total.tolist()
    ([14751, 3841], [29502, 7682])
    >>> res.to_frame().round(1)
         n_a    n_b  total  n_a_exact
    0  14751  14751  29502    14750.8
    1   3841   3841   7682     3840.8
    """

    n_a: NDArray[np.int64]
    n_b: NDArray[np.int64]
    total: NDArray[np.int64]
    n_a_exact: FloatArray

    def __post_init__(self) -> None:
        for name in ("n_a", "n_b", "total", "n_a_exact"):
            arr = np.asarray(getattr(self, name)).view()
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per planned comparison."""
        frame: pd.DataFrame = pd.DataFrame(
            {name: np.ravel(getattr(self, name)) for name in ("n_a", "n_b", "total", "n_a_exact")}
        )
        return frame

    def __str__(self) -> str:
        if self.n_a.ndim == 0:
            return f"sample size: n_a={int(self.n_a)}, n_b={int(self.n_b)}, total={int(self.total)}"
        return f"sample size\n{self.to_frame().to_string(max_rows=20)}"


def _power_sds(
    baseline: FloatArray, mde: FloatArray, metric: Metric, ratio: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-sqrt(n_a) standard errors of the effect under H0 and H1."""
    if metric == "proportion":
        pa, pb = baseline, baseline + mde
        bad = (pb < 0) | (pb > 1)
        if bad.any():
            raise fail(
                "mde",
                "moves the rate outside [0, 1]",
                int(bad.sum()),
                "Check `baseline` and `mde` (absolute unless relative=True).",
            )
        pooled = (pa + ratio * pb) / (1.0 + ratio)
        sd0 = np.sqrt(pooled * (1.0 - pooled) * (1.0 + 1.0 / ratio))
        sd1 = np.sqrt(pa * (1.0 - pa) + pb * (1.0 - pb) / ratio)
        return sd0, sd1
    # Means: the caller passes the effect in units of ``std`` (power is scale-free), so a
    # std near float64's limit cannot overflow the standard errors.
    sd = np.sqrt(1.0 + 1.0 / ratio)
    return sd, sd


def _power_inputs(
    baseline: ArrayLike,
    mde: ArrayLike,
    metric: Metric,
    std: ArrayLike | None,
    relative: bool,
    ratio: ArrayLike,
    n_a: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Effect, H0 and H1 standard errors per sqrt(n_a), ratio and n_a, all one shape.

    For means the effect and the standard errors are in units of ``std``.
    """
    if metric not in ("proportion", "mean"):
        raise fail("metric", f"is {metric!r}, not 'proportion' or 'mean'", 1)
    named = [
        ("baseline", _impl.as_float("baseline", baseline)),
        ("mde", _impl.as_float("mde", mde)),
        ("ratio", _impl.as_float("ratio", ratio)),
    ]
    if metric == "mean":
        if std is None:
            raise fail("std", "is required when metric='mean'", 1, "Pass the unit-level std.")
        named.append(("std", _impl.as_float("std", std)))
    if n_a is not None:
        named.append(("n_a", _impl.as_float("n_a", n_a)))
    arrays = _impl.same_shape(named)
    base, eff, rat = arrays[0], arrays[1], arrays[2]
    _impl.check_positive("ratio", rat, "`ratio` is n_b / n_a, e.g. 1 for an even split.")
    if metric == "proportion":
        bad = (base <= 0) | (base >= 1)
        if bad.any():
            raise fail("baseline", "is outside (0, 1)", int(bad.sum()), "Pass the control rate.")
    if relative:
        eff = eff * base
    zero = eff == 0
    if zero.any():
        raise fail("mde", "is zero", int(zero.sum()), "Pass the smallest effect worth detecting.")
    if metric == "mean":
        sd_std = arrays[3]
        _impl.check_positive("std", sd_std, "Pass the unit-level standard deviation.")
        with np.errstate(over="ignore", under="ignore"):
            # beyond 1e300 standard deviations the power is 1 to machine precision
            eff = np.clip(eff / sd_std, -1e300, 1e300)
    sd0, sd1 = _power_sds(base, eff, metric, rat)
    n = arrays[-1] if n_a is not None else np.ones_like(eff)
    return eff, sd0, sd1, rat, n


def _power_curve(
    root_n: FloatArray,
    eff: FloatArray,
    sd0: FloatArray,
    sd1: FloatArray,
    alpha: float,
    alternative: Alternative,
) -> tuple[FloatArray, FloatArray]:
    """Power and d power / d sqrt(n_a) (statsmodels ``normal_power_het``)."""
    crit = _impl.z_crit(alpha, alternative)
    upper = (eff * root_n - crit * sd0) / sd1
    lower = (-eff * root_n - crit * sd0) / sd1
    zero = np.zeros_like(upper)
    pw, grad = zero.copy(), zero.copy()
    with np.errstate(over="ignore"):  # far tails: the density is 0, not an error
        if alternative in ("two-sided", "greater"):
            pw = pw + special.ndtr(upper)
            grad = grad + np.exp(-0.5 * upper**2) * eff / sd1
        if alternative in ("two-sided", "less"):
            pw = pw + special.ndtr(lower)
            grad = grad - np.exp(-0.5 * lower**2) * eff / sd1
    return pw, grad / math.sqrt(2.0 * math.pi)


def power(
    n_a: ArrayLike,
    baseline: ArrayLike,
    mde: ArrayLike,
    *,
    metric: Metric = "proportion",
    std: ArrayLike | None = None,
    relative: bool = False,
    ratio: ArrayLike = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> FloatArray:
    """Power of the z-test to detect an effect ``mde`` with ``n_a`` units in control.

    Parameters
    ----------
    n_a
        Units in control A; variant B has ``ratio * n_a``.
    baseline
        Control rate (proportions) or control mean (means; only used if ``relative``).
    mde
        Effect B - A to detect (absolute; a fraction of ``baseline`` if ``relative``).
    metric
        ``"proportion"`` or ``"mean"``.
    std
        Unit-level standard deviation (both arms), required for means.
    relative
        Interpret ``mde`` as a relative lift.
    ratio
        Allocation ``n_b / n_a``.
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"`` (both rejection regions count), ``"greater"`` or ``"less"``.

    Returns
    -------
    numpy.ndarray
        Power in [0, 1], broadcast shape of the inputs.

    Raises
    ------
    DataError
        Invalid rates, a zero ``mde``, non-positive ``n_a``/``ratio``/``std``, missing
        ``std`` for means, or ``alpha`` outside (0, 1).

    Notes
    -----
    Proportions use the pooled-rate standard error under H0 and the unpooled one under H1
    (the Fleiss formula; statsmodels ``power_proportions_2indep``); means use the normal
    approximation with a common ``std`` (statsmodels ``NormalIndPower``).

    Examples
    --------
    >>> from growthkit.experiments import power
    >>> print(f"{power(10_000, 0.10, 0.01):.3f}")
    0.636
    >>> print(f"{power(500, 20.0, 1.0, metric='mean', std=8.0, ratio=2):.3f}")
    0.626
    """
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    eff, sd0, sd1, _, n = _power_inputs(baseline, mde, metric, std, relative, ratio, n_a)
    _impl.check_positive("n_a", n, "Pass the planned units in control.")
    pw, _ = _power_curve(np.sqrt(n), eff, sd0, sd1, a, alt)
    return np.asarray(np.clip(pw, 0.0, 1.0), dtype=np.float64)


def sample_size(
    baseline: ArrayLike,
    mde: ArrayLike,
    *,
    metric: Metric = "proportion",
    std: ArrayLike | None = None,
    relative: bool = False,
    power: float = 0.8,
    ratio: ArrayLike = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> SampleSizeResult:
    r"""Units per arm needed to reach ``power`` against an effect ``mde``.

    Parameters
    ----------
    baseline, mde, metric, std, relative, ratio, alpha, alternative
        As in :func:`power`.
    power
        Target power in (0, 1).

    Returns
    -------
    SampleSizeResult
        ``n_a`` and ``n_b = ratio * n_a`` rounded up, and the exact ``n_a``.

    Raises
    ------
    DataError
        As :func:`power`, plus an ``mde`` whose sign contradicts a one-sided
        ``alternative``, or ``power`` outside (alpha, 1).

    Notes
    -----
    The one-tail closed form :math:`\sqrt{n_a} = (z_{1-\alpha'}\sigma_0 +
    z_{1-\beta}\sigma_1)/|\Delta|` (:math:`\alpha' = \alpha/2` two-sided) starts a
    Newton iteration on the exact power, which for two-sided tests also counts the far
    rejection region, so ``power(sample_size(...).n_a_exact) == power``. For means this
    is statsmodels ``NormalIndPower().solve_power``; the one-sided proportion case equals
    ``samplesize_proportions_2indep_onetail``.

    Examples
    --------
    >>> from growthkit.experiments import sample_size
    >>> res = sample_size(0.10, 0.01)
    >>> int(res.n_a), int(res.total)
    (14751, 29502)
    >>> int(sample_size(0.10, 0.05, relative=True, ratio=3).n_b)
    116020
    """
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    target = float(power)
    if not a < target < 1.0:
        raise fail("power", f"is {target!r}, outside (alpha, 1)", 1, "Pass e.g. power=0.8.")
    eff, sd0, sd1, rat, _ = _power_inputs(baseline, mde, metric, std, relative, ratio)
    wrong = (eff < 0) if alt == "greater" else (eff > 0) if alt == "less" else np.zeros(1, bool)
    if np.any(wrong):
        raise fail(
            "mde",
            f"has the wrong sign for alternative={alt!r}",
            int(np.sum(wrong)),
            "'greater' needs mde > 0 and 'less' needs mde < 0.",
        )
    crit = _impl.z_crit(a, alt)
    root_n = (crit * sd0 + -special.ndtri(1.0 - target) * sd1) / np.abs(eff)
    root_n = np.maximum(root_n, 1e-12)
    if alt == "two-sided":
        for _ in range(50):
            pw, grad = _power_curve(root_n, eff, sd0, sd1, a, alt)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = (pw - target) / grad
            # a flat power curve (power already 1 at this n): halve n instead
            step = np.where(np.isfinite(step), step, root_n)
            root_n = np.maximum(root_n - step, 0.5 * root_n)
            if np.all(np.abs(step) <= 1e-13 * root_n):
                break
    n_exact = root_n**2
    # int64 holds counts below 2**63; beyond 2**62 units the design is meaningless anyway.
    huge = ~(np.maximum(n_exact, rat * n_exact) < 2.0**62)
    if huge.any():
        raise fail(
            "mde",
            "is too small: the sample size exceeds 2**62 units",
            int(huge.sum()),
            "Plan for a larger minimum detectable effect.",
        )
    # at least one unit per arm, even when the effect dwarfs the noise
    n_a_int = np.maximum(np.ceil(n_exact - 1e-9), 1.0).astype(np.int64)
    n_b_int = np.maximum(np.ceil(rat * n_exact - 1e-9), 1.0).astype(np.int64)
    return SampleSizeResult(
        n_a=n_a_int, n_b=n_b_int, total=n_a_int + n_b_int, n_a_exact=np.asarray(n_exact)
    )


# --------------------------------------------------------------------------------------
# Bayesian comparisons
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class BayesResult:
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

    def __post_init__(self) -> None:
        _freeze_fields(self, self._ARRAYS)

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
                    f"  effect (B - A): {_fmt(float(self.effect))}  {level} credible interval "
                    f"[{_fmt(float(self.ci_low))}, {_fmt(float(self.ci_high))}]",
                    f"  expected loss: ship A {_fmt(float(self.expected_loss_a))}, "
                    f"ship B {_fmt(float(self.expected_loss_b))}",
                ]
            )
        return f"{self.method}\n{self.to_frame().to_string(max_rows=20, float_format=_fmt)}"


def _credible(level: float) -> float:
    return 1.0 - _impl.check_alpha(1.0 - float(level), "credible_level")


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
    xa, na, xb, nb = _proportion_inputs(successes_a, trials_a, successes_b, trials_b)
    for name, arr in (
        ("successes_a", xa),
        ("trials_a", na),
        ("successes_b", xb),
        ("trials_b", nb),
    ):
        _impl.check_whole(name, arr)
    pa_, pb_ = float(prior_alpha), float(prior_beta)
    if not (pa_ > 0 and pb_ > 0 and math.isfinite(pa_ + pb_)):
        raise fail("prior_alpha", "or `prior_beta` is not positive", 1, "Use e.g. 1 and 1.")
    shape = np.shape(xa)
    a_b, b_b = (pa_ + xb).ravel(), (pb_ + (nb - xb)).ravel()
    a_a, b_a = (pa_ + xa).ravel(), (pb_ + (na - xa)).ravel()
    prob = _impl.prob_greater(a_b, b_b, a_a, b_a)
    mean_a, _, sd_a = _impl.beta_moments(a_a, b_a)
    mean_b, _, sd_b = _impl.beta_moments(a_b, b_b)
    # E[max(A - B, 0)] = E[A] P(Beta(a_a + 1, b_a) > B) - E[B] P(A > Beta(a_b + 1, b_b))
    loss_b = mean_a * _impl.prob_greater(a_a + 1.0, b_a, a_b, b_b) - mean_b * (
        _impl.prob_greater(a_a, b_a, a_b + 1.0, b_b)
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
        ci_low_a=shaped(_impl.beta_ppf(a_a, b_a, tail, 1.0 - tail)),
        ci_high_a=shaped(_impl.beta_ppf(a_a, b_a, 1.0 - tail, tail)),
        ci_low_b=shaped(_impl.beta_ppf(a_b, b_b, tail, 1.0 - tail)),
        ci_high_b=shaped(_impl.beta_ppf(a_b, b_b, 1.0 - tail, tail)),
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
        Level of the credible intervals, in (0, 1).

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
    ma, va, na, mb, vb, nb = _impl.same_shape(
        [
            (name, _impl.as_float(name, value))
            for name, value in (
                ("mean_a", mean_a),
                ("var_a", var_a),
                ("n_a", n_a),
                ("mean_b", mean_b),
                ("var_b", var_b),
                ("n_b", n_b),
            )
        ]
    )
    _impl.check_nonnegative("var_a", va)
    _impl.check_nonnegative("var_b", vb)
    fix = "A variance estimate needs at least two observations per arm."
    _impl.check_min("n_a", na, 2, fix)
    _impl.check_min("n_b", nb, 2, fix)
    _check_both_zero(va / na, vb / nb, "var_a", "var_b")  # var/n: what the SE uses
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


# --------------------------------------------------------------------------------------
# sequential testing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class SequentialResult:
    """Always-valid inference along a sequence of looks (last axis).

    Attributes
    ----------
    effect
        Estimate of B - A at each look.
    pvalue
        Always-valid p-value: running minimum of ``1 / Lambda``; rejecting the first time
        it falls to ``alpha`` keeps the type-I error at most ``alpha`` under any
        monitoring or stopping rule.
    ci_low, ci_high
        Confidence sequence: running intersection of the mixture intervals. It covers the
        true effect at all looks simultaneously with probability at least ``1 - alpha``.
    likelihood_ratio
        Mixture likelihood ratio ``Lambda`` at each look (not cumulated).
    mixing_variance
        Variance ``tau**2`` of the normal mixing distribution used.
    alpha
        Level.

    Examples
    --------
    Mean revenue per user (variance 4 in both arms) looked at after 200, 400 and 800
    users per arm:

    >>> from growthkit.experiments import sequential_test
    >>> n = [200, 400, 800]
    >>> res = sequential_test(10.0, 4.0, n, [10.5, 10.6, 10.6], 4.0, n, mixing_variance=0.05)
    >>> res.rejected.tolist(), int(res.stopped_at)
    ([False, True, True], 1)
    >>> print(res)
    mixture SPRT (alpha=0.05)
       look  effect  ci_low  ci_high    pvalue  likelihood_ratio  rejected
    0     0     0.5 -0.1998      1.2    0.2643             3.783     False
    1     1     0.6  0.1496     1.05  0.003021               331      True
    2     2     0.6  0.2944   0.9056 7.493e-07         1.335e+06      True
    """

    effect: FloatArray
    pvalue: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    likelihood_ratio: FloatArray
    mixing_variance: FloatArray
    alpha: float

    def __post_init__(self) -> None:
        _freeze_fields(
            self, ("effect", "pvalue", "ci_low", "ci_high", "likelihood_ratio", "mixing_variance")
        )

    @property
    def rejected(self) -> NDArray[np.bool_]:
        """Whether H0 (no effect) is rejected at or before each look."""
        return np.asarray(self.pvalue <= self.alpha)

    @property
    def stopped_at(self) -> NDArray[np.int64]:
        """Index of the first look that rejects, ``-1`` if none (per comparison)."""
        rej = self.rejected
        first = np.argmax(rej, axis=-1)
        return np.where(rej.any(axis=-1), first, -1).astype(np.int64)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per (comparison, look)."""
        looks = self.effect.shape[-1] if self.effect.ndim else 1
        frame: pd.DataFrame = pd.DataFrame(
            {
                name: np.ravel(getattr(self, name))
                for name in ("effect", "ci_low", "ci_high", "pvalue", "likelihood_ratio")
            }
        )
        reps = max(self.effect.size // looks, 1) if looks else 0  # no looks: empty frame
        frame.insert(0, "look", np.tile(np.arange(looks), reps))
        frame["rejected"] = np.ravel(self.rejected)
        return frame

    def __str__(self) -> str:
        return (
            f"mixture SPRT (alpha={self.alpha:g})\n"
            f"{self.to_frame().to_string(max_rows=20, float_format=_fmt)}"
        )


def _mixing_ratio(alpha: float) -> float:
    """tau**2 / V minimising the confidence-sequence width at V (depends on alpha only)."""
    log_inv = math.log(1.0 / alpha)

    def width(log_r: float) -> float:
        r = math.exp(log_r)
        return (1.0 + 1.0 / r) * (log_inv + 0.5 * math.log1p(r))

    res = optimize.minimize_scalar(width, bounds=(-10.0, 15.0), method="bounded")
    return float(math.exp(res.x))


def optimal_mixing_variance(
    var_a: ArrayLike,
    var_b: ArrayLike,
    n_a: ArrayLike,
    n_b: ArrayLike,
    *,
    alpha: float = 0.05,
) -> FloatArray:
    r"""Mixing variance that makes the confidence sequence narrowest at a planned size.

    Parameters
    ----------
    var_a, var_b
        Anticipated unit-level variances (for rates, ``p * (1 - p)``).
    n_a, n_b
        Planned units per arm at which the sequence should be tightest.
    alpha
        Level of the sequential test.

    Returns
    -------
    numpy.ndarray
        ``tau**2 = r(alpha) * (var_a / n_a + var_b / n_b)``, where ``r(alpha)`` minimises
        the half-width :math:`\sqrt{2V(V+\tau^2)/\tau^2\,(\log(1/\alpha) +
        \tfrac12\log(1 + \tau^2/V))}` at the planned variance ``V`` (Howard et al.
        2021, sec. 3.5). ``r(0.05)`` is about 8.2.

    Raises
    ------
    DataError
        Non-positive sizes, negative variances, ``alpha`` outside (0, 1), or variances so
        large that ``tau**2`` exceeds the float64 range.

    Notes
    -----
    Fix this value before the experiment starts (from pre-period data); choosing it from
    the monitored data itself would void the guarantee.

    Examples
    --------
    >>> from growthkit.experiments import optimal_mixing_variance
    >>> print(f"{optimal_mixing_variance(0.09, 0.09, 10_000, 10_000):.3e}")
    1.478e-04
    """
    a = _impl.check_alpha(alpha)
    va, vb, na, nb = _impl.same_shape(
        [
            (name, _impl.as_float(name, value))
            for name, value in (("var_a", var_a), ("var_b", var_b), ("n_a", n_a), ("n_b", n_b))
        ]
    )
    _impl.check_nonnegative("var_a", va)
    _impl.check_nonnegative("var_b", vb)
    _impl.check_positive("n_a", na, "Pass the planned units per arm.")
    _impl.check_positive("n_b", nb, "Pass the planned units per arm.")
    _check_both_zero(va / na, vb / nb, "var_a", "var_b")  # var/n: what the SE uses
    with np.errstate(over="ignore"):
        tau2 = np.asarray(_mixing_ratio(a) * (va / na + vb / nb), dtype=np.float64)
    huge = ~np.isfinite(tau2)
    if huge.any():
        # r(alpha) > 1, so tau**2 > var_a/n_a + var_b/n_b: no float64 holds it
        name = "var_a" if (va / na >= vb / nb)[huge].all() else "var_b"
        raise fail(
            name,
            "over the units per arm gives a mixing variance beyond the float64 range",
            int(huge.sum()),
            "Rescale the metric (e.g. thousands instead of units).",
        )
    return tau2


def sequential_test(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    *,
    mixing_variance: ArrayLike,
    alpha: float = 0.05,
) -> SequentialResult:
    r"""Always-valid mixture SPRT p-values and confidence sequences for B - A.

    Parameters
    ----------
    mean_a, var_a, n_a, mean_b, var_b, n_b
        Cumulative per-arm means, variances (``ddof=1``; for rates ``p * (1 - p)``) and
        sizes at each look, looks along the **last** axis, e.g. shape ``(looks,)`` or
        ``(comparisons, looks)``.
    mixing_variance
        Variance ``tau**2`` of the normal mixing distribution over the effect, in squared
        metric units, fixed before the experiment; :func:`optimal_mixing_variance` picks
        the value that is tightest at a planned sample size. Validity holds for any value;
        it only trades early against late power.
    alpha
        Level in (0, 1).

    Returns
    -------
    SequentialResult

    Raises
    ------
    DataError
        Non-finite input, negative variances, sizes below 1, a non-positive
        ``mixing_variance``, unequal shapes, or an effect ``mean_b - mean_a`` beyond the
        float64 range.

    Notes
    -----
    With the effect estimate :math:`\hat\theta_n` and its variance
    :math:`V_n = s_a^2/n_a + s_b^2/n_b`, the normal-mixture likelihood ratio against
    :math:`\theta = \theta_0` is (Johari, Pekelis & Walsh 2017, eq. 11; Robbins 1970)

    .. math:: \Lambda_n = \sqrt{\frac{V_n}{V_n+\tau^2}} \exp\left(\frac{\tau^2
              (\hat\theta_n-\theta_0)^2}{2V_n(V_n+\tau^2)}\right),

    a nonnegative martingale under H0, so by Ville's inequality
    :math:`P(\sup_n \Lambda_n \ge 1/\alpha) \le \alpha`. The p-value is
    :math:`\min_{m \le n} \min(1, 1/\Lambda_m)` and the confidence sequence is
    :math:`\hat\theta_n \pm \sqrt{2V_n(V_n+\tau^2)/\tau^2\,(\log(1/\alpha) +
    \tfrac12\log((V_n+\tau^2)/V_n))}` intersected over looks (Howard, Ramdas,
    McAuliffe & Sekhon 2021, eq. 14). The plug-in variance makes the guarantee
    asymptotic (large samples), as in both papers. A look with ``V_n = 0`` carries no
    information: ``Lambda = 1`` and an infinite interval. Both are computed in log space,
    so variances, effects and ``tau**2`` near 1e300 (whose squares overflow) give the
    finite answer.

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.experiments import optimal_mixing_variance, sequential_test
    >>> n = np.array([1000, 2000, 3000, 4000])
    >>> tau2 = optimal_mixing_variance(0.09, 0.09, 4000, 4000)
    >>> res = sequential_test([0.10, 0.10, 0.10, 0.10], 0.09, n,
    ...                       [0.11, 0.115, 0.12, 0.125], 0.1, n, mixing_variance=tau2)
    >>> res.pvalue.round(3).tolist()
    [1.0, 0.862, 0.176, 0.009]
    >>> int(res.stopped_at)
    3
    """
    a = _impl.check_alpha(alpha)
    named = [
        (name, _impl.as_float(name, value))
        for name, value in (
            ("mean_a", mean_a),
            ("var_a", var_a),
            ("n_a", n_a),
            ("mean_b", mean_b),
            ("var_b", var_b),
            ("n_b", n_b),
            ("mixing_variance", mixing_variance),
        )
    ]
    ma, va, na, mb, vb, nb, tau2 = _impl.same_shape(named)
    _impl.check_nonnegative("var_a", va)
    _impl.check_nonnegative("var_b", vb)
    fix = "Each look needs at least one unit per arm."
    _impl.check_min("n_a", na, 1, fix)
    _impl.check_min("n_b", nb, 1, fix)
    _impl.check_positive("mixing_variance", tau2, "Pass e.g. optimal_mixing_variance(...).")
    with np.errstate(over="ignore"):
        effect = mb - ma
    huge = ~np.isfinite(effect)
    if huge.any():
        raise fail(
            "mean_b",
            "minus `mean_a` is beyond the float64 range",
            int(huge.sum()),
            "Rescale the metric (e.g. thousands instead of units).",
        )
    # Log space: V, tau**2 and effect**2 may each lie beyond float64 (means and variances
    # of 1e300) while the likelihood ratio and the interval are finite.
    with np.errstate(divide="ignore"):
        log_v = np.logaddexp(np.log(va) - np.log(na), np.log(vb) - np.log(nb))
        log_e2 = 2.0 * np.log(np.abs(effect))
    info = np.isfinite(log_v)  # V = 0: both variances 0
    log_v = np.where(info, log_v, 0.0)
    log_t = np.log(tau2)
    log_vt = np.logaddexp(log_v, log_t)  # log(V + tau**2)
    with np.errstate(over="ignore"):
        # tau**2 effect**2 / (2 V (V + tau**2)), inf when the evidence is beyond float64
        drift = np.exp(log_t + log_e2 - math.log(2.0) - log_v - log_vt)
        log_lr = np.where(info, 0.5 * (log_v - log_vt) + drift, 0.0)
        log_half = 0.5 * (
            math.log(2.0)
            + log_v
            + log_vt
            - log_t
            + np.log(math.log(1.0 / a) + 0.5 * (log_vt - log_v))
        )
        half = np.where(info, np.exp(log_half), np.inf)
    pvalue = np.minimum(1.0, np.exp(-np.maximum(log_lr, 0.0)))
    if effect.ndim:
        pvalue = np.minimum.accumulate(pvalue, axis=-1)
        low = np.maximum.accumulate(effect - half, axis=-1)
        high = np.minimum.accumulate(effect + half, axis=-1)
    else:
        low, high = effect - half, effect + half
    with np.errstate(over="ignore"):
        likelihood_ratio = np.exp(log_lr)
    return SequentialResult(
        effect=effect,
        pvalue=pvalue,
        ci_low=low,
        ci_high=high,
        likelihood_ratio=likelihood_ratio,
        mixing_variance=tau2,
        alpha=a,
    )


@dataclass(frozen=True, slots=True, eq=False)
class GroupSequentialBoundaries:
    """Critical values of a group-sequential design with alpha spending.

    Attributes
    ----------
    information_fractions
        Planned information fraction of each look (the share of the final sample size).
    z_critical
        Reject at look k when ``|z_k| >= z_critical[k]`` (two-sided) or ``z_k >=
        z_critical[k]`` (one-sided ``"greater"``; ``z_k <= -z_critical[k]`` for
        ``"less"``).
    nominal_pvalue
        The same boundary as a per-look p-value threshold.
    cumulative_alpha
        Alpha spent up to and including each look.
    alpha
        Overall level.
    spending
        ``"obrien-fleming"`` or ``"pocock"`` (Lan-DeMets spending functions).
    alternative
        Sidedness of the design.

    Examples
    --------
    >>> from growthkit.experiments import group_sequential_boundaries
    >>> print(group_sequential_boundaries(3))
    group-sequential boundaries (obrien-fleming spending, two-sided, alpha=0.05)
          information_fraction  z_critical  nominal_pvalue  cumulative_alpha
    look
    1                   0.3333        3.71        0.000207          0.000207
    2                   0.6667       2.511         0.01202            0.0121
    3                        1       1.993         0.04626              0.05
    """

    information_fractions: FloatArray
    z_critical: FloatArray
    nominal_pvalue: FloatArray
    cumulative_alpha: FloatArray
    alpha: float
    spending: Spending
    alternative: Alternative

    def __post_init__(self) -> None:
        _freeze_fields(
            self, ("information_fractions", "z_critical", "nominal_pvalue", "cumulative_alpha")
        )

    def to_frame(self) -> pd.DataFrame:
        """Return one row per look."""
        frame: pd.DataFrame = pd.DataFrame(
            {
                "information_fraction": self.information_fractions,
                "z_critical": self.z_critical,
                "nominal_pvalue": self.nominal_pvalue,
                "cumulative_alpha": self.cumulative_alpha,
            },
            index=pd.RangeIndex(1, self.z_critical.size + 1, name="look"),
        )
        return frame

    def __str__(self) -> str:
        return (
            f"group-sequential boundaries ({self.spending} spending, {self.alternative}, "
            f"alpha={self.alpha:g})\n{self.to_frame().to_string(float_format=_fmt)}"
        )


def group_sequential_boundaries(
    information_fractions: ArrayLike,
    *,
    alpha: float = 0.05,
    spending: Spending = "obrien-fleming",
    alternative: Alternative = "two-sided",
) -> GroupSequentialBoundaries:
    r"""Lan-DeMets alpha-spending boundaries for planned interim looks.

    Parameters
    ----------
    information_fractions
        Increasing fractions in (0, 1] of the final sample size at which you will look, or
        an integer ``K`` for ``K`` equally spaced looks.
    alpha
        Overall type-I error in (0, 1).
    spending
        ``"obrien-fleming"``: :math:`\alpha_1(t) = 2 - 2\Phi(z_{1-a/2}/\sqrt t)` on each
        side, with :math:`a = \alpha` one-sided and :math:`a = \alpha/2` per side
        two-sided; it spends almost nothing early. ``"pocock"``: :math:`\alpha(t) =
        \alpha \log(1 + (e - 1)t)` in total, nearly constant boundaries.
    alternative
        ``"two-sided"`` (symmetric boundaries) or ``"greater"``/``"less"`` (one boundary).

    Returns
    -------
    GroupSequentialBoundaries

    Raises
    ------
    DataError
        Fractions not strictly increasing in (0, 1], or ``alpha`` outside (0, 1).

    Notes
    -----
    Lan & DeMets (1983). The z statistics at the looks are Brownian motion at the
    information times, so the boundary of look k solves
    :math:`P(\text{no crossing before } k, |Z_k| \ge c_k) = \alpha(t_k) -
    \alpha(t_{k-1})`; the sub-density on the continuation region is carried from look
    to look by numerical integration (Armitage, McPherson & Rowe 1969; Jennison &
    Turnbull 2000, ch. 19). The final look of a complete design (t = 1) spends the full
    ``alpha``.

    Examples
    --------
    >>> from growthkit.experiments import group_sequential_boundaries
    >>> b = group_sequential_boundaries(5)
    >>> b.z_critical.round(3).tolist()
    [4.877, 3.357, 2.68, 2.29, 2.031]
    """
    a = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    if spending not in ("obrien-fleming", "pocock"):
        raise fail("spending", f"is {spending!r}, not 'obrien-fleming' or 'pocock'", 1)
    if isinstance(information_fractions, (int, np.integer)):
        k = int(information_fractions)
        if k < 1:
            raise fail("information_fractions", "is below 1 look", 1, "Pass e.g. 5.")
        t = np.arange(1, k + 1) / k
    else:
        t = _impl.as_float("information_fractions", information_fractions).ravel()
        bad = (t <= 0) | (t > 1)
        if t.size == 0 or bad.any():
            raise fail(
                "information_fractions",
                "is outside (0, 1]",
                int(bad.sum()) if t.size else 0,
                "Pass fractions of the final sample size, e.g. [0.25, 0.5, 1].",
            )
        if (np.diff(t) <= 0).any():
            raise fail(
                "information_fractions",
                "is not strictly increasing",
                int((np.diff(t) <= 0).sum()),
                "Sort the looks.",
            )
    sides = 2 if alt == "two-sided" else 1
    cumulative = _impl.spending(t, a, spending, sides)
    increments = np.diff(cumulative, prepend=0.0)
    z = _impl.boundaries(t, increments, sides)
    nominal = sides * special.ndtr(-z)
    return GroupSequentialBoundaries(
        information_fractions=t,
        z_critical=z,
        nominal_pvalue=nominal,
        cumulative_alpha=cumulative,
        alpha=a,
        spending=spending,
        alternative=alt,
    )


# --------------------------------------------------------------------------------------
# multiple testing
# --------------------------------------------------------------------------------------


def adjust_pvalues(pvalues: ArrayLike, method: AdjustMethod = "holm") -> FloatArray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    pvalues
        P-values of one family of hypotheses (any shape; all elements form the family).
    method
        ``"holm"``: Holm (1979) step-down, controls the family-wise error rate;
        ``"bh"``: Benjamini & Hochberg (1995) step-up, controls the false discovery rate.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape; compare them with ``alpha``. Equal to
        ``statsmodels.stats.multitest.multipletests(p, method="holm" | "fdr_bh")[1]``.

    Raises
    ------
    DataError
        NaN or values outside [0, 1], or an unknown ``method``.

    Examples
    --------
    >>> from growthkit.experiments import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005]).tolist()
    [0.03, 0.06, 0.06, 0.02]
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005], method="bh").tolist()
    [0.02, 0.04, 0.04, 0.02]
    """
    p = _impl.as_float("pvalues", pvalues)
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise fail("pvalues", "is outside [0, 1]", int(bad.sum()), "Pass p-values.")
    if method not in ("holm", "bh"):
        raise fail("method", f"is {method!r}, not 'holm' or 'bh'", 1)
    flat = p.ravel()
    m = flat.size
    if m == 0:
        return np.array(p, dtype=np.float64)
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate((m - rank + 1) * ranked)
    else:
        adj = np.minimum.accumulate((ranked * m / rank)[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out.reshape(p.shape)


# --------------------------------------------------------------------------------------
# campaign evaluation against a holdout
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CampaignResult:
    """Incremental impact of a campaign measured against a random holdout.

    Attributes
    ----------
    conversion
        Test of the conversion rate, treated (B) vs holdout (A).
    incremental_conversions, incremental_conversions_ci_low, incremental_conversions_ci_high
        ``(rate_treated - rate_holdout) * n_treated``: conversions caused by the campaign,
        with the two-sided interval at level ``1 - alpha``.
    revenue
        Test of revenue per treated unit (Welch), or ``None`` without revenue input.
    incremental_revenue, incremental_revenue_ci_low, incremental_revenue_ci_high
        ``(mean_revenue_treated - mean_revenue_holdout) * n_treated``, or ``None``.
    roi, roi_ci_low, roi_ci_high
        ``(margin * incremental_revenue - cost) / cost``, or ``None`` without ``cost``.

    Examples
    --------
    Conversions only (no revenue, no cost): the revenue and ROI fields are ``None``.

    >>> from growthkit.experiments import campaign_lift
    >>> res = campaign_lift(1200, 20_000, 100, 2_000)
    >>> res.revenue is None, res.roi is None
    (True, True)
    >>> print(res)
    campaign lift vs holdout
                                          0
    incremental_conversions             200
    incremental_conversions_ci_low   -2.057
    incremental_conversions_ci_high   402.1
    conversion_pvalue               0.07055
    """

    conversion: ComparisonResult
    incremental_conversions: FloatArray
    incremental_conversions_ci_low: FloatArray
    incremental_conversions_ci_high: FloatArray
    revenue: ComparisonResult | None = None
    incremental_revenue: FloatArray | None = None
    incremental_revenue_ci_low: FloatArray | None = None
    incremental_revenue_ci_high: FloatArray | None = None
    roi: FloatArray | None = None
    roi_ci_low: FloatArray | None = None
    roi_ci_high: FloatArray | None = None

    _ARRAYS = (
        "incremental_conversions",
        "incremental_conversions_ci_low",
        "incremental_conversions_ci_high",
        "incremental_revenue",
        "incremental_revenue_ci_low",
        "incremental_revenue_ci_high",
        "roi",
        "roi_ci_low",
        "roi_ci_high",
    )

    def __post_init__(self) -> None:
        _freeze_fields(self, self._ARRAYS)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per campaign (or segment) with every available estimate."""
        data = {
            name: np.ravel(getattr(self, name))
            for name in self._ARRAYS
            if getattr(self, name) is not None
        }
        data["conversion_pvalue"] = np.ravel(self.conversion.pvalue)
        if self.revenue is not None:
            data["revenue_pvalue"] = np.ravel(self.revenue.pvalue)
        frame: pd.DataFrame = pd.DataFrame(data)
        return frame

    def __str__(self) -> str:
        return f"campaign lift vs holdout\n{self.to_frame().T.to_string(float_format=_fmt)}"


def campaign_lift(
    conversions_treated: ArrayLike,
    n_treated: ArrayLike,
    conversions_holdout: ArrayLike,
    n_holdout: ArrayLike,
    *,
    revenue_treated: ArrayLike | None = None,
    revenue_var_treated: ArrayLike | None = None,
    revenue_holdout: ArrayLike | None = None,
    revenue_var_holdout: ArrayLike | None = None,
    cost: ArrayLike | None = None,
    margin: float = 1.0,
    alpha: float = 0.05,
) -> CampaignResult:
    """Incremental conversions, revenue and ROI of a campaign against a holdout group.

    Parameters
    ----------
    conversions_treated, n_treated
        Converting units and all units in the treated (targeted) group.
    conversions_holdout, n_holdout
        The same in the randomly held-out group.
    revenue_treated, revenue_holdout
        Total revenue of each group (all units, converting or not).
    revenue_var_treated, revenue_var_holdout
        Sample variance (``ddof=1``) of revenue per unit in each group.
    cost
        Campaign cost, in revenue units, to compute the ROI.
    margin
        Share of incremental revenue that is profit (1 gives return on revenue).
    alpha
        Significance level; intervals are two-sided at ``1 - alpha``.

    Returns
    -------
    CampaignResult

    Raises
    ------
    DataError
        As :func:`proportion_test` and :func:`mean_test`; revenue given only partly; a
        non-positive ``cost``.

    Notes
    -----
    Incremental conversions scale the rate difference (pooled z-test, Wald interval) by
    the treated population; incremental revenue scales the Welch difference in revenue
    per unit. ROI is monotone in incremental revenue for a fixed cost, so its interval
    maps the revenue interval's ends.

    Examples
    --------
    >>> from growthkit.experiments import campaign_lift
    >>> res = campaign_lift(1200, 20_000, 100, 2_000, revenue_treated=96_000.0,
    ...                     revenue_var_treated=900.0, revenue_holdout=8_000.0,
    ...                     revenue_var_holdout=800.0, cost=10_000.0)
    >>> print(f"{res.incremental_conversions:.0f} {res.incremental_revenue:.0f} {res.roi:.2f}")
    200 16000 0.60
    """
    a = _impl.check_alpha(alpha)
    # Validate under this function's argument names before delegating to the tests.
    ch, nh_, ct, nt_ = _impl.same_shape(
        [
            (name, _impl.as_float(name, value))
            for name, value in (
                ("conversions_holdout", conversions_holdout),
                ("n_holdout", n_holdout),
                ("conversions_treated", conversions_treated),
                ("n_treated", n_treated),
            )
        ]
    )
    _check_counts(ch, nh_, "conversions_holdout", "n_holdout")
    _check_counts(ct, nt_, "conversions_treated", "n_treated")
    conv = proportion_test(conversions_holdout, n_holdout, conversions_treated, n_treated, alpha=a)
    inc = conv.effect * nt_
    lo, hi = conv.ci_low * nt_, conv.ci_high * nt_
    rev_args = (revenue_treated, revenue_var_treated, revenue_holdout, revenue_var_holdout)
    if all(arg is None for arg in rev_args):
        if cost is not None:
            raise fail("cost", "needs revenue", 1, "Pass the revenue arguments too.")
        return CampaignResult(conv, inc, lo, hi)
    if any(arg is None for arg in rev_args):
        raise fail(
            "revenue_treated",
            "and the other revenue arguments are only partly given",
            1,
            "Pass revenue totals and variances for both groups.",
        )
    assert revenue_treated is not None and revenue_holdout is not None
    assert revenue_var_treated is not None and revenue_var_holdout is not None
    fix = "Revenue needs at least two units per group."
    _impl.check_min("n_holdout", nh_, 2, fix)
    _impl.check_min("n_treated", nt_, 2, fix)
    var_h = _impl.as_float("revenue_var_holdout", revenue_var_holdout)
    var_t = _impl.as_float("revenue_var_treated", revenue_var_treated)
    _impl.check_nonnegative("revenue_var_holdout", var_h)
    _impl.check_nonnegative("revenue_var_treated", var_t)
    # the revenue arrays must line up with the conversion arrays, not only with each other
    lined_up = _impl.same_shape(
        [
            ("conversions_treated", ct),
            ("conversions_holdout", ch),
            ("revenue_treated", _impl.as_float("revenue_treated", revenue_treated)),
            ("revenue_holdout", _impl.as_float("revenue_holdout", revenue_holdout)),
            ("revenue_var_holdout", var_h),
            ("revenue_var_treated", var_t),
        ]
    )
    if lined_up[0].shape != ct.shape:  # e.g. one campaign's counts beside revenue arrays
        raise fail(
            "revenue_treated",
            f"has shape {lined_up[0].shape}, the conversion counts {ct.shape}",
            int(lined_up[0].size),
            "Pass one revenue total and variance per campaign.",
        )
    _check_both_zero(var_h, var_t, "revenue_var_holdout", "revenue_var_treated")
    # every revenue input at the campaigns' shape, so both results line up
    _, _, rev_t, rev_h, var_h, var_t = lined_up
    rev = mean_test(rev_h / nh_, var_h, nh_, rev_t / nt_, var_t, nt_, alpha=a)
    inc_rev = rev.effect * nt_
    rev_lo, rev_hi = rev.ci_low * nt_, rev.ci_high * nt_
    if cost is None:
        return CampaignResult(conv, inc, lo, hi, rev, inc_rev, rev_lo, rev_hi)
    c = _impl.as_float("cost", cost)
    _impl.check_positive("cost", c, "ROI needs a positive cost.")
    m = float(margin)

    def roi(x: FloatArray) -> FloatArray:
        return np.asarray((m * x - c) / c, dtype=np.float64)

    return CampaignResult(
        conv, inc, lo, hi, rev, inc_rev, rev_lo, rev_hi, roi(inc_rev), roi(rev_lo), roi(rev_hi)
    )


# --------------------------------------------------------------------------------------
# bootstrap for quantiles
# --------------------------------------------------------------------------------------


def bootstrap_quantile_test(
    a: ArrayLike,
    b: ArrayLike,
    *,
    q: ArrayLike = 0.5,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    n_resamples: int = 10_000,
    rng: np.random.Generator | int | None = None,
) -> ComparisonResult:
    """Bootstrap comparison of quantiles (median by default) of two samples.

    Parameters
    ----------
    a, b
        Raw 1-D observations of control A and variant B.
    q
        Quantile level(s) in [0, 1]; an array gives one comparison per level.
    alpha
        Significance level in (0, 1).
    alternative
        ``"two-sided"``, ``"greater"`` (B > A) or ``"less"`` (B < A).
    n_resamples
        Bootstrap resamples per arm.
    rng
        Seed or generator, for reproducible results.

    Returns
    -------
    ComparisonResult
        ``value_a``/``value_b`` are the sample quantiles (``numpy.quantile`` default,
        linear interpolation), intervals are bootstrap percentile intervals,
        ``std_error`` the bootstrap standard deviation of the difference and
        ``statistic = effect / std_error``.

    Raises
    ------
    DataError
        NaN or infinite observations, fewer than 2 per arm, ``q`` outside [0, 1].

    Notes
    -----
    Each bootstrap quantile is drawn directly from its exact bootstrap distribution: the
    j-th order statistic of a resample is the empirical quantile function at a
    Beta(j, n - j + 1) uniform order statistic, and the next one follows by a Beta(1,
    n - j) step. One sort per arm, then O(n_resamples) work per quantile -- identical in
    distribution to resampling with replacement, but independent of n. The p-value is the
    bootstrap tail share on the other side of 0 (doubled for two-sided, capped at 1).

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.experiments import bootstrap_quantile_test
    >>> rng = np.random.default_rng(3)
    >>> a, b = rng.exponential(10, 2000), rng.exponential(12, 2000)
    >>> res = bootstrap_quantile_test(a, b, q=[0.5, 0.9], rng=7)
    >>> res.effect.round(2).tolist(), res.significant.tolist()
    ([1.39, 3.7], [True, True])
    """
    al = _impl.check_alpha(alpha)
    alt = _impl.check_alternative(alternative)
    xa = np.sort(_impl.as_float("a", a).ravel())
    xb = np.sort(_impl.as_float("b", b).ravel())
    for name, arr in (("a", xa), ("b", xb)):
        if arr.size < 2:
            raise fail(name, "has fewer than 2 observations", int(arr.size), "Pass more data.")
    levels = _impl.as_float("q", q)
    bad = (levels < 0) | (levels > 1)
    if bad.any():
        raise fail("q", "is outside [0, 1]", int(bad.sum()), "Pass e.g. q=0.5 for the median.")
    if int(n_resamples) < 100:
        raise fail("n_resamples", "is below 100", 1, "Pass e.g. 10_000.")
    gen = np.random.default_rng(rng)
    flat_q = levels.ravel()
    draws_a = _impl.bootstrap_quantiles(xa, flat_q, int(n_resamples), gen)
    draws_b = _impl.bootstrap_quantiles(xb, flat_q, int(n_resamples), gen)
    value_a = _impl.quantile(xa, flat_q)
    value_b = _impl.quantile(xb, flat_q)
    with np.errstate(over="ignore"):  # checked below: such a difference is a DataError
        diff = draws_b - draws_a
    if not np.isfinite(diff).all():
        raise fail(
            "b",
            "differs from `a` by more than float64 can hold in some resample",
            int(np.count_nonzero(~np.isfinite(diff).all(axis=0))),
            "Rescale the metric (e.g. to thousands).",
        )
    rel_draws = _impl.safe_ratio(draws_b, draws_a) - 1.0
    tail = al / 2.0 if alt == "two-sided" else al
    low = np.quantile(diff, tail, axis=0)
    high = np.quantile(diff, 1.0 - tail, axis=0)
    with np.errstate(invalid="ignore"):  # interpolating between two equal infinities
        rel_low = np.quantile(rel_draws, tail, axis=0)
        rel_high = np.quantile(rel_draws, 1.0 - tail, axis=0)
    # x/0 draws are infinite: inf - inf interpolation is NaN where the bound is that inf
    rel_low = np.where(
        np.isnan(rel_low), np.quantile(rel_draws, tail, axis=0, method="lower"), rel_low
    )
    rel_high = np.where(
        np.isnan(rel_high), np.quantile(rel_draws, 1.0 - tail, axis=0, method="higher"), rel_high
    )
    below = (diff <= 0).mean(axis=0)
    above = (diff >= 0).mean(axis=0)
    if alt == "two-sided":
        pvalue = np.minimum(1.0, 2.0 * np.minimum(below, above))
    elif alt == "greater":
        pvalue, high, rel_high = below, np.full_like(high, np.inf), np.full_like(high, np.inf)
    else:
        pvalue, low, rel_low = above, np.full_like(low, -np.inf), np.full_like(low, -np.inf)
    effect = value_b - value_a
    # the spread of differences near 1e308 would overflow its squares: scale first
    scale = np.max(np.abs(diff), axis=0)
    safe = np.where(scale > 0, scale, 1.0)
    se = scale * (diff / safe).std(axis=0, ddof=1)
    rel = np.where((value_a == 0) & (value_b == 0), 0.0, _impl.safe_ratio(value_b, value_a) - 1.0)
    shape = levels.shape
    return ComparisonResult(
        effect=effect.reshape(shape),
        relative_effect=rel.reshape(shape),
        ci_low=np.minimum(low, effect).reshape(shape),
        ci_high=np.maximum(high, effect).reshape(shape),
        pvalue=pvalue.reshape(shape),
        statistic=_impl.safe_ratio(effect, se).reshape(shape),
        alpha=al,
        alternative=alt,
        rel_ci_low=np.minimum(rel_low, rel).reshape(shape),
        rel_ci_high=np.maximum(rel_high, rel).reshape(shape),
        std_error=se.reshape(shape),
        value_a=value_a.reshape(shape),
        value_b=value_b.reshape(shape),
        df=np.full(shape, np.inf),
        method="bootstrap quantile test",
    )


# --------------------------------------------------------------------------------------
# plotting
# --------------------------------------------------------------------------------------


def plot_forest(
    result: ComparisonResult,
    *,
    labels: Sequence[str] | None = None,
    relative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: one row per comparison, the effect with its confidence interval.

    Needs matplotlib (the ``plot`` extra), imported only when called.

    Parameters
    ----------
    result
        Any :class:`ComparisonResult` (array results give one row per element).
    labels
        Row labels, e.g. metric names; default ``0, 1, ...``.
    relative
        Plot the relative effect and its interval instead of the absolute one.
    ax
        Axes to draw on; a new figure is created otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataError
        ``labels`` of the wrong length.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from growthkit.experiments import plot_forest, proportion_test
    >>> res = proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800])
    >>> ax = plot_forest(res, labels=["signup", "purchase"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['signup', 'purchase']
    """
    import matplotlib.pyplot as plt

    if relative:
        est, low, high = result.relative_effect, result.rel_ci_low, result.rel_ci_high
    else:
        est, low, high = result.effect, result.ci_low, result.ci_high
    est, low, high = np.ravel(est), np.ravel(low), np.ravel(high)
    size = est.size
    names = [str(i) for i in range(size)] if labels is None else [str(x) for x in labels]
    if len(names) != size:
        raise fail("labels", f"has {len(names)} entries for {size} comparisons", size)
    finite = np.concatenate([est, low, high])
    finite = finite[np.isfinite(finite)]
    span = float(finite.max() - finite.min()) if finite.size else 1.0
    pad = span * 0.1 if span > 0 else 1.0
    left = float(finite.min()) - pad if finite.size else -1.0
    right = float(finite.max()) + pad if finite.size else 1.0
    low_c, high_c = np.clip(low, left, right), np.clip(high, left, right)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.5 * size + 1.2))
    y = np.arange(size)[::-1]
    colors = np.where(np.ravel(result.significant), "tab:red", "tab:gray")
    ax.hlines(y, low_c, high_c, colors=list(colors), linewidth=2)
    ax.scatter(est, y, color=list(colors), zorder=3)
    ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, names)
    ax.set_xlim(min(left, 0.0 - pad), max(right, 0.0 + pad))
    level = f"{100 * (1 - result.alpha):g}%"
    what = "relative effect" if relative else "effect"
    ax.set_xlabel(f"{what} (B - A), {level} CI")
    return ax
