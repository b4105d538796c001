"""Sample-ratio-mismatch check (chi-square goodness of fit of arm sizes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from growthkit import _validate as v
from growthkit._validate import FloatArray
from growthkit.experiments._common import NONNEGATIVE, ResultBase, check_alpha, fmt


@dataclass(frozen=True, slots=True, eq=False)
class SRMResult(ResultBase):
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

    _ARRAYS = ("statistic", "pvalue", "expected")

    def mismatch(self, alpha: float = 0.001) -> NDArray[np.bool_]:
        """Flag a sample-ratio mismatch when ``pvalue < alpha`` (0.001 by convention)."""
        return np.asarray(self.pvalue < check_alpha(alpha))

    def __str__(self) -> str:
        if self.statistic.ndim == 0:
            return (
                f"SRM chi-square test: statistic {fmt(float(self.statistic))}, df {self.df}, "
                f"p-value {fmt(float(self.pvalue))}"
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
    obs = v.as_float_array("observed_counts", observed_counts)
    v.check_nonnegative("observed_counts", obs, NONNEGATIVE)
    if obs.ndim == 0 or obs.shape[-1] < 2:
        raise v.data_error(
            "observed_counts", "has fewer than 2 arms", int(obs.size), "Pass one count per arm."
        )
    k = obs.shape[-1]
    if expected_ratios is None:
        ratios = np.full(k, 1.0 / k)
    else:
        ratios = v.as_float_array("expected_ratios", expected_ratios)
        if ratios.shape[-1:] != (k,):
            raise v.data_error(
                "expected_ratios",
                f"has shape {ratios.shape}, not one ratio per each of {k} arms",
                int(ratios.size),
                "Pass one ratio per arm.",
            )
        v.check_positive("expected_ratios", ratios, "Every arm needs a positive share.")
        ratios = ratios / ratios.sum(axis=-1, keepdims=True)
    total = obs.sum(axis=-1, keepdims=True)
    v.check_positive("observed_counts", total, "Pass the counts of a started experiment.")
    expected = total * ratios
    diff = obs - expected
    with np.errstate(over="ignore"):
        stat = (diff / expected * diff).sum(axis=-1)  # diff**2 would overflow for huge counts
    overflow = ~np.isfinite(stat)
    v.reject(
        "observed_counts",
        overflow,
        "is so unbalanced at this scale that the chi-square statistic exceeds float64",
        "Rescale the counts (e.g. to thousands); the mismatch is certain either way.",
    )
    return SRMResult(
        statistic=stat, pvalue=special.chdtrc(k - 1, stat), df=k - 1, expected=expected
    )
