"""Campaign evaluation against a random holdout: incremental conversions, revenue, ROI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import FloatArray
from growthkit.experiments._common import (
    NONNEGATIVE,
    ResultBase,
    broadcast_floats,
    check_alpha,
    check_both_zero,
    check_counts,
    fmt,
)
from growthkit.experiments._means import mean_test
from growthkit.experiments._proportions import proportion_test
from growthkit.experiments._results import ComparisonResult


@dataclass(frozen=True, slots=True, eq=False)
class CampaignResult(ResultBase):
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
        return f"campaign lift vs holdout\n{self.to_frame().T.to_string(float_format=fmt)}"


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
    a = check_alpha(alpha)
    # Validate under this function's argument names before delegating to the tests.
    ch, nh_, ct, nt_ = broadcast_floats(
        conversions_holdout=conversions_holdout,
        n_holdout=n_holdout,
        conversions_treated=conversions_treated,
        n_treated=n_treated,
    )
    check_counts(ch, nh_, "conversions_holdout", "n_holdout")
    check_counts(ct, nt_, "conversions_treated", "n_treated")
    conv = proportion_test(conversions_holdout, n_holdout, conversions_treated, n_treated, alpha=a)
    inc = conv.effect * nt_
    lo, hi = conv.ci_low * nt_, conv.ci_high * nt_
    rev_args = (revenue_treated, revenue_var_treated, revenue_holdout, revenue_var_holdout)
    if all(arg is None for arg in rev_args):
        if cost is not None:
            raise v.data_error("cost", "needs revenue", 1, "Pass the revenue arguments too.")
        return CampaignResult(conv, inc, lo, hi)
    if any(arg is None for arg in rev_args):
        raise v.data_error(
            "revenue_treated",
            "and the other revenue arguments are only partly given",
            1,
            "Pass revenue totals and variances for both groups.",
        )
    assert revenue_treated is not None and revenue_holdout is not None
    assert revenue_var_treated is not None and revenue_var_holdout is not None
    fix = "Revenue needs at least two units per group."
    v.check_min("n_holdout", nh_, 2, fix)
    v.check_min("n_treated", nt_, 2, fix)
    var_h = v.as_float_array("revenue_var_holdout", revenue_var_holdout)
    var_t = v.as_float_array("revenue_var_treated", revenue_var_treated)
    v.check_nonnegative("revenue_var_holdout", var_h, NONNEGATIVE)
    v.check_nonnegative("revenue_var_treated", var_t, NONNEGATIVE)
    # the revenue arrays must line up with the conversion arrays, not only with each other
    lined_up = v.broadcast(
        [
            ("conversions_treated", ct),
            ("conversions_holdout", ch),
            ("revenue_treated", v.as_float_array("revenue_treated", revenue_treated)),
            ("revenue_holdout", v.as_float_array("revenue_holdout", revenue_holdout)),
            ("revenue_var_holdout", var_h),
            ("revenue_var_treated", var_t),
        ]
    )
    if lined_up[0].shape != ct.shape:  # e.g. one campaign's counts beside revenue arrays
        raise v.data_error(
            "revenue_treated",
            f"has shape {lined_up[0].shape}, the conversion counts {ct.shape}",
            int(lined_up[0].size),
            "Pass one revenue total and variance per campaign.",
        )
    check_both_zero(var_h, var_t, "revenue_var_holdout", "revenue_var_treated")
    # every revenue input at the campaigns' shape, so both results line up
    _, _, rev_t, rev_h, var_h, var_t = lined_up
    rev = mean_test(rev_h / nh_, var_h, nh_, rev_t / nt_, var_t, nt_, alpha=a)
    inc_rev = rev.effect * nt_
    rev_lo, rev_hi = rev.ci_low * nt_, rev.ci_high * nt_
    if cost is None:
        return CampaignResult(conv, inc, lo, hi, rev, inc_rev, rev_lo, rev_hi)
    c = v.as_float_array("cost", cost)
    v.check_positive("cost", c, "ROI needs a positive cost.")
    m = float(margin)

    def roi(x: FloatArray) -> FloatArray:
        return np.asarray((m * x - c) / c, dtype=np.float64)

    return CampaignResult(
        conv, inc, lo, hi, rev, inc_rev, rev_lo, rev_hi, roi(inc_rev), roi(rev_lo), roi(rev_hi)
    )
