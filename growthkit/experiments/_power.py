"""Power and sample size of the two-sample z-tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from growthkit import _validate as v
from growthkit._validate import Alternative, FloatArray
from growthkit.experiments import _numerics as _num
from growthkit.experiments._common import ResultBase, check_alpha

Metric = Literal["proportion", "mean"]


@dataclass(frozen=True, slots=True, eq=False)
class SampleSizeResult(ResultBase):
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
        v.reject(
            "mde",
            bad,
            "moves the rate outside [0, 1]",
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
    v.check_choice("metric", metric, ("proportion", "mean"))
    named = [
        ("baseline", v.as_float_array("baseline", baseline)),
        ("mde", v.as_float_array("mde", mde)),
        ("ratio", v.as_float_array("ratio", ratio)),
    ]
    if metric == "mean":
        if std is None:
            raise v.data_error(
                "std", "is required when metric='mean'", 1, "Pass the unit-level std."
            )
        named.append(("std", v.as_float_array("std", std)))
    if n_a is not None:
        named.append(("n_a", v.as_float_array("n_a", n_a)))
    arrays = v.broadcast(named)
    base, eff, rat = arrays[0], arrays[1], arrays[2]
    v.check_positive("ratio", rat, "`ratio` is n_b / n_a, e.g. 1 for an even split.")
    if metric == "proportion":
        bad = (base <= 0) | (base >= 1)
        v.reject("baseline", bad, "is outside (0, 1)", "Pass the control rate.")
    if relative:
        eff = eff * base
    zero = eff == 0
    v.reject("mde", zero, "is zero", "Pass the smallest effect worth detecting.")
    if metric == "mean":
        sd_std = arrays[3]
        v.check_positive("std", sd_std, "Pass the unit-level standard deviation.")
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
    crit = _num.z_crit(alpha, alternative)
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
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    eff, sd0, sd1, _, n = _power_inputs(baseline, mde, metric, std, relative, ratio, n_a)
    v.check_positive("n_a", n, "Pass the planned units in control.")
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
    a = check_alpha(alpha)
    alt = v.check_alternative(alternative)
    target = float(power)
    if not a < target < 1.0:
        raise v.data_error("power", f"is {target!r}, outside (alpha, 1)", 1, "Pass e.g. power=0.8.")
    eff, sd0, sd1, rat, _ = _power_inputs(baseline, mde, metric, std, relative, ratio)
    wrong = (eff < 0) if alt == "greater" else (eff > 0) if alt == "less" else np.zeros(1, bool)
    if np.any(wrong):
        raise v.data_error(
            "mde",
            f"has the wrong sign for alternative={alt!r}",
            int(np.sum(wrong)),
            "'greater' needs mde > 0 and 'less' needs mde < 0.",
        )
    crit = _num.z_crit(a, alt)
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
    v.reject(
        "mde",
        huge,
        "is too small: the sample size exceeds 2**62 units",
        "Plan for a larger minimum detectable effect.",
    )
    # at least one unit per arm, even when the effect dwarfs the noise
    n_a_int = np.maximum(np.ceil(n_exact - 1e-9), 1.0).astype(np.int64)
    n_b_int = np.maximum(np.ceil(rat * n_exact - 1e-9), 1.0).astype(np.int64)
    return SampleSizeResult(
        n_a=n_a_int, n_b=n_b_int, total=n_a_int + n_b_int, n_a_exact=np.asarray(n_exact)
    )
