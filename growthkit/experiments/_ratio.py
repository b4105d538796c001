"""Ratio metrics (revenue per order): sufficient statistics and the delta-method test."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray, check_columns
from growthkit.experiments._common import NONNEGATIVE, ResultBase, check_alpha, check_both_zero
from growthkit.experiments._results import ComparisonResult, z_result


@dataclass(frozen=True, slots=True, eq=False)
class RatioStats(ResultBase):
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

    _ARRAYS = ("n", "sum_num", "sum_den", "sum_num_sq", "sum_den_sq", "sum_num_den")


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
    x = v.as_float_array("numerator", numerator)
    y = v.as_float_array("denominator", denominator)
    if x.shape != y.shape:
        raise v.data_error(
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
        v.reject(
            "denominator" if field_name in ("sum_den", "sum_den_sq") else "numerator",
            bad,
            f"gives a {field_name} that overflows float64",
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
    v.reject(variant_col, missing, "is missing", "Label every unit's variant.")
    x = v.as_float_array(numerator_col, frame[numerator_col].to_numpy(dtype=np.float64))
    y = v.as_float_array(denominator_col, frame[denominator_col].to_numpy(dtype=np.float64))
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
    return tuple(v.as_float_array(f"stats_{arm}.{name}", getattr(stats, name)) for name in names)


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
    alpha, alternative
        As in :func:`mean_test`.

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
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    flat = v.broadcast(
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
        v.check_min(f"stats_{arm}.n", n, 2, "The delta method needs two units per arm.")
        v.check_positive(
            f"stats_{arm}.sum_den", sy, "The ratio is undefined without a positive denominator."
        )
        v.check_nonnegative(f"stats_{arm}.sum_num_sq", sxx, NONNEGATIVE)
        v.check_nonnegative(f"stats_{arm}.sum_den_sq", syy, NONNEGATIVE)
        mx, my = sx / n, sy / n
        vx = np.maximum(sxx - n * mx * mx, 0.0) / (n - 1.0)
        vy = np.maximum(syy - n * my * my, 0.0) / (n - 1.0)
        cxy = (sxy - n * mx * my) / (n - 1.0)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            r = mx / my
            num = np.maximum(vx - 2.0 * r * cxy + r * r * vy, 0.0)
            var_r = np.where(num == 0.0, 0.0, num / (n * my * my))
        bad = ~(np.isfinite(r) & np.isfinite(var_r))
        v.reject(
            f"stats_{arm}",
            bad,
            "gives a ratio or ratio variance that overflows float64",
            "The denominator sum is too close to 0 for the numerator; rescale the values.",
        )
        est.append((r, var_r))
    (ra, va), (rb, vb) = est
    check_both_zero(va, vb, "stats_a", "stats_b")
    return z_result(ra, va, rb, vb, alpha=a, alternative=alt, method="ratio z-test (delta)")
