"""Multiple-testing adjustment of p-values (Holm, Benjamini-Hochberg)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._validate import FloatArray

AdjustMethod = Literal["holm", "bh"]


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
    p = v.as_float_array("pvalues", pvalues)
    bad = (p < 0) | (p > 1)
    v.reject("pvalues", bad, "is outside [0, 1]", "Pass p-values.")
    v.check_choice("method", method, ("holm", "bh"))
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
