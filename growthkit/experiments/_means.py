"""Welch's t-test from sufficient statistics or raw samples."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray
from growthkit.experiments._common import check_alpha, check_both_zero, moment_inputs
from growthkit.experiments._results import ComparisonResult, welch


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
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    ma, va, na, mb, vb, nb = moment_inputs(
        (mean_a, var_a, n_a, mean_b, var_b, n_b),
        "Welch's test needs at least two observations per arm.",
    )
    return welch(ma, va, na, mb, vb, nb, a, alt, "Welch t-test")


def _check_axis(axis: object, arr: np.ndarray, name: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise v.schema_error(
            "axis", f"must be an integer, got {axis!r}", 1, "Pass the axis of the observations."
        )
    if not -arr.ndim <= axis < arr.ndim:
        raise v.schema_error(
            "axis",
            f"is {int(axis)}, but `{name}` has {arr.ndim} dimension{'s' * (arr.ndim != 1)}",
            1,
            "Pass axis=0 for 1-D samples; with 2-D input, the axis along which units lie.",
        )
    return int(axis)


def _sample_stats(
    x: ArrayLike, name: str, axis: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    arr = np.atleast_1d(np.asarray(x))
    if arr.dtype.kind not in "biuf":
        arr = v.as_float_array(name, arr)
    axis = _check_axis(axis, arr, name)
    if arr.dtype.kind == "f":
        # one pass for the sum both detects NaN/inf and feeds the mean
        with np.errstate(over="ignore"):
            total = arr.sum(axis=axis, dtype=np.float64)
        if not np.isfinite(total).all():
            v.as_float_array(name, arr)
            raise v.data_error(
                name,
                "has a sum that overflows float64",
                int(np.size(total) - np.count_nonzero(np.isfinite(total))),
                "Rescale the values (e.g. to thousands).",
            )
    else:
        total = arr.sum(axis=axis, dtype=np.float64)
    n = arr.shape[axis]
    if n < 2:
        raise v.data_error(
            name, "has fewer than 2 observations", n, "Welch's test needs two per arm."
        )
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
    SchemaError
        Non-numeric observations, or an ``axis`` that is not an axis of the input (e.g.
        ``axis=1`` with 1-D samples).
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
    check_both_zero(va, vb, "a", "b")
    for name, values in (("a", ma), ("a", va), ("b", mb), ("b", vb)):
        v.as_float_array(name, values)
    return mean_test(ma, va, na, mb, vb, nb, alpha=alpha, alternative=alternative)
