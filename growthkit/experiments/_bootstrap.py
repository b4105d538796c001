"""Bootstrap comparison of quantiles."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import Alternative
from growthkit.experiments import _numerics as _num
from growthkit.experiments import _resample
from growthkit.experiments._common import check_alpha
from growthkit.experiments._results import ComparisonResult


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
    al = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    xa = np.sort(v.as_float_array("a", a).ravel())
    xb = np.sort(v.as_float_array("b", b).ravel())
    for name, arr in (("a", xa), ("b", xb)):
        if arr.size < 2:
            raise v.data_error(
                name, "has fewer than 2 observations", int(arr.size), "Pass more data."
            )
    levels = v.as_float_array("q", q)
    bad = (levels < 0) | (levels > 1)
    v.reject("q", bad, "is outside [0, 1]", "Pass e.g. q=0.5 for the median.")
    if int(n_resamples) < 100:
        raise v.data_error("n_resamples", "is below 100", 1, "Pass e.g. 10_000.")
    gen = np.random.default_rng(rng)
    flat_q = levels.ravel()
    draws_a = _resample.bootstrap_quantiles(xa, flat_q, int(n_resamples), gen)
    draws_b = _resample.bootstrap_quantiles(xb, flat_q, int(n_resamples), gen)
    value_a = _resample.quantile(xa, flat_q)
    value_b = _resample.quantile(xb, flat_q)
    with np.errstate(over="ignore"):  # checked below: such a difference is a DataError
        diff = draws_b - draws_a
    if not np.isfinite(diff).all():
        raise v.data_error(
            "b",
            "differs from `a` by more than float64 can hold in some resample",
            int(np.count_nonzero(~np.isfinite(diff).all(axis=0))),
            "Rescale the metric (e.g. to thousands).",
        )
    rel_draws = _num.safe_ratio(draws_b, draws_a) - 1.0
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
    rel = np.where((value_a == 0) & (value_b == 0), 0.0, _num.safe_ratio(value_b, value_a) - 1.0)
    shape = levels.shape
    return ComparisonResult(
        effect=effect.reshape(shape),
        relative_effect=rel.reshape(shape),
        ci_low=np.minimum(low, effect).reshape(shape),
        ci_high=np.maximum(high, effect).reshape(shape),
        pvalue=pvalue.reshape(shape),
        statistic=_num.safe_ratio(effect, se).reshape(shape),
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
