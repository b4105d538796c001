"""ComparisonResult, the result of every frequentist comparison, and its builders."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray
from growthkit.experiments import _numerics as _num
from growthkit.experiments._common import ResultBase, fmt, pct

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True, slots=True, eq=False)
class ComparisonResult(ResultBase):
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
            raise v.data_error("labels", f"has {len(index)} entries for {size} comparisons", size)
        frame: pd.DataFrame = pd.DataFrame(data, index=index)
        frame["alpha"] = self.alpha
        frame["alternative"] = self.alternative
        frame["method"] = self.method
        return frame

    def plot(
        self, *, labels: Sequence[str] | None = None, relative: bool = False, ax: Axes | None = None
    ) -> Axes:
        """Forest plot of the effects with their intervals.

        The chart is :func:`growthkit.plotting.plot_forest`.

        Examples
        --------
        >>> from growthkit import experiments
        >>> from growthkit.plotting import new_axes
        >>> res = experiments.proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800])
        >>> ax = res.plot(labels=["signup", "purchase"], ax=new_axes())
        >>> [t.get_text() for t in ax.get_yticklabels()]
        ['signup', 'purchase']
        """
        from growthkit.plotting import plot_forest

        return plot_forest(self, labels=labels, relative=relative, ax=ax)

    def __str__(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        head = f"{self.method} ({self.alternative}, alpha={self.alpha:g})"
        if self.effect.ndim == 0:
            sig = "yes" if bool(self.significant) else "no"
            return "\n".join(
                [
                    head,
                    f"  A: {fmt(float(self.value_a))}   B: {fmt(float(self.value_b))}",
                    f"  effect (B - A): {fmt(float(self.effect))}  "
                    f"{level} CI [{fmt(float(self.ci_low))}, {fmt(float(self.ci_high))}]",
                    f"  relative effect: {pct(float(self.relative_effect))}  "
                    f"{level} CI [{pct(float(self.rel_ci_low))}, "
                    f"{pct(float(self.rel_ci_high))}]",
                    f"  statistic: {fmt(float(self.statistic))}  "
                    f"p-value: {fmt(float(self.pvalue))}  significant: {sig}",
                ]
            )
        cols = ["effect", "ci_low", "ci_high", "relative_effect", "pvalue", "significant"]
        table = self.to_frame()[cols].to_string(max_rows=20, float_format=fmt)
        return f"{head}, {self.effect.size} comparisons\n{table}"


def z_result(
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
    stat = _num.safe_ratio(effect, se if test_se is None else test_se)
    crit = _num.z_crit(alpha, alternative)
    low, high = _num.interval(effect, crit * se, alternative)
    return _comparison(
        (value_a, var_mean_a, value_b, var_mean_b),
        (effect, se, low, high),
        (stat, _num.pvalue_z(stat, alternative), np.full_like(effect, np.inf)),
        alpha,
        alternative,
        method,
    )


def _comparison(
    arms: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    estimate: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    test: tuple[FloatArray, FloatArray, FloatArray],
    alpha: float,
    alternative: Alternative,
    method: str,
) -> ComparisonResult:
    """The result of a comparison, with the delta-method interval of the relative effect.

    ``arms`` is ``(value_a, var_mean_a, value_b, var_mean_b)`` (the variances of the
    per-arm estimates), ``estimate`` is ``(effect, std_error, ci_low, ci_high)`` and
    ``test`` is ``(statistic, pvalue, df)``.
    """
    value_a, var_mean_a, value_b, var_mean_b = arms
    effect, se, low, high = estimate
    stat, pvalue, df = test
    rel, rel_se = _num.relative_delta(value_a, var_mean_a, value_b, var_mean_b)
    half = _num.z_crit(alpha, alternative) * rel_se
    # inf * 0 cannot occur (crit > 0), but keep half-widths NaN-free by construction.
    rel_low, rel_high = _num.interval(rel, np.where(np.isnan(half), np.inf, half), alternative)
    return ComparisonResult(
        effect=effect,
        relative_effect=rel,
        ci_low=low,
        ci_high=high,
        pvalue=pvalue,
        statistic=stat,
        alpha=alpha,
        alternative=alternative,
        rel_ci_low=rel_low,
        rel_ci_high=rel_high,
        std_error=se,
        value_a=value_a,
        value_b=value_b,
        df=df,
        method=method,
    )


def welch(
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
    low, high = _num.interval(effect, _num.t_crit(alpha, df, alternative) * se, alternative)
    return _comparison(
        (mean_a.copy(), vna, mean_b.copy(), vnb),
        (effect, se, low, high),
        (t, _num.pvalue_t(t, df, alternative), df),
        alpha,
        alternative,
        method,
    )
