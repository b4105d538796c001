"""Group-sequential designs: Lan-DeMets alpha-spending boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray
from growthkit.experiments import _boundaries
from growthkit.experiments._common import ResultBase, check_alpha, fmt

Spending = Literal["obrien-fleming", "pocock"]


@dataclass(frozen=True, slots=True, eq=False)
class GroupSequentialBoundaries(ResultBase):
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

    _ARRAYS = ("information_fractions", "z_critical", "nominal_pvalue", "cumulative_alpha")

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
            f"alpha={self.alpha:g})\n{self.to_frame().to_string(float_format=fmt)}"
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
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    v.check_choice("spending", spending, ("obrien-fleming", "pocock"))
    if isinstance(information_fractions, (int, np.integer)):
        k = int(information_fractions)
        if k < 1:
            raise v.data_error("information_fractions", "is below 1 look", 1, "Pass e.g. 5.")
        t = np.arange(1, k + 1) / k
    else:
        t = v.as_float_array("information_fractions", information_fractions).ravel()
        bad = (t <= 0) | (t > 1)
        if t.size == 0 or bad.any():
            raise v.data_error(
                "information_fractions",
                "is outside (0, 1]",
                int(bad.sum()) if t.size else 0,
                "Pass fractions of the final sample size, e.g. [0.25, 0.5, 1].",
            )
        if (np.diff(t) <= 0).any():
            raise v.data_error(
                "information_fractions",
                "is not strictly increasing",
                int((np.diff(t) <= 0).sum()),
                "Sort the looks.",
            )
    sides = 2 if alt == "two-sided" else 1
    cumulative = _boundaries.spending(t, a, spending, sides)
    increments = np.diff(cumulative, prepend=0.0)
    z = _boundaries.boundaries(t, increments, sides)
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
