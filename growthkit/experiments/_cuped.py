"""CUPED variance reduction with a pre-period covariate (Deng et al. 2013)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray
from growthkit.experiments import _numerics as _num
from growthkit.experiments._common import ResultBase, check_alpha, check_both_zero
from growthkit.experiments._results import ComparisonResult, welch


@dataclass(frozen=True, slots=True, eq=False)
class CupedResult(ResultBase):
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

    _ARRAYS = ("adjusted", "theta", "variance_reduction")


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
        v.reject(
            name,
            bad,
            "has a mean or variance that overflows float64",
            "Rescale the values (e.g. to thousands).",
        )
    return my, mx, vy, vx, cxy


def _cuped_inputs(y: ArrayLike, x: ArrayLike, yname: str, xname: str) -> tuple[FloatArray, ...]:
    ya, xa = v.as_float_array(yname, y), v.as_float_array(xname, x)
    if ya.shape != xa.shape or ya.ndim == 0:
        raise v.data_error(
            xname,
            f"has shape {xa.shape}, unlike `{yname}` with shape {ya.shape}",
            int(xa.size),
            "Pass one covariate value per unit.",
        )
    if ya.shape[0] < 2:
        raise v.data_error(
            yname, "has fewer than 2 units", int(ya.shape[0]), "Pass at least two units."
        )
    return ya, xa


def _theta(vx: FloatArray, cxy: FloatArray, xname: str) -> FloatArray:
    bad = vx == 0
    v.reject(
        xname,
        bad,
        "has zero variance",
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
    reduction = np.where(vy > 0, 1.0 - _num.safe_ratio(vy - cxy * theta, vy), 0.0)
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
    alpha, alternative
        As in :func:`mean_test`.

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
        raise v.data_error(
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
    check_both_zero(va / na, vb / nb, "y_a", "y_b")  # var/n: what the SE uses
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    return welch(ma, va, na, mb, vb, nb, a, alt, "CUPED Welch t-test")
