"""The frequency x recency table of a purchase model.

Its heatmap, like every CLV chart, is in :mod:`growthkit.plotting`
(:func:`~growthkit.plotting.plot_frequency_recency_matrix`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from growthkit._validate import message
from growthkit.clv._base import FloatArray
from growthkit.errors import DataError

__all__ = ["frequency_recency_matrix"]


def frequency_recency_matrix(
    model: Any,
    *,
    T: float,
    kind: Literal["expected_purchases", "probability_alive"] = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    n_recency: int = 40,
) -> pd.DataFrame:
    """Tabulate expected purchases (or P(alive)) over a frequency x recency grid.

    Parameters
    ----------
    model
        A :class:`BetaGeo`, :class:`ModifiedBetaGeo` or :class:`ParetoNBD`.
    T
        Customer age (time since first purchase) shared by every cell.
    kind
        ``"expected_purchases"`` in the next ``t`` periods, or ``"probability_alive"``.
    t
        Prediction window for ``kind="expected_purchases"``.
    max_frequency
        Largest frequency shown (default: about three times the expected purchases of a new
        customer over ``T``, at least 10).
    n_recency
        Number of recency values between 0 and ``T``.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (0..max_frequency), columns ``recency``; cells where frequency is
        0 and recency is positive (impossible) are NaN.

    Examples
    --------
    Expected purchases in the next 4 weeks of CDNOW customers 39 weeks after their first
    order (the summary is in weeks):

    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, frequency_recency_matrix
    >>> model = BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> grid = frequency_recency_matrix(model, T=39, t=4, max_frequency=3, n_recency=4)
    >>> grid.round(3)
    recency     0.0    13.0   26.0   39.0
    frequency
    0          0.022    NaN    NaN    NaN
    1          0.017  0.056  0.074  0.085
    2          0.005  0.072  0.133  0.164
    3          0.001  0.065  0.186  0.247
    """
    if not (np.isfinite(T) and T > 0):
        raise DataError(message("T", f"must be positive, got {T!r}", 1))
    if max_frequency is None:
        new = float(np.asarray(model.expected_purchases_new_customer(T)))
        max_frequency = max(10, int(np.ceil(3 * new)))
    freq = np.arange(max_frequency + 1, dtype=np.float64)
    rec = np.linspace(0.0, T, n_recency)
    xx, rr = np.meshgrid(freq, rec, indexing="ij")
    valid = ~((xx == 0) & (rr > 0))
    x, r = xx[valid], rr[valid]
    tt = np.full(x.shape, float(T))
    if kind == "probability_alive":
        values: FloatArray = model.probability_alive(x, r, tt)
    else:
        values = model.expected_purchases(t, x, r, tt)
    grid = np.full(xx.shape, np.nan)
    grid[valid] = values
    return pd.DataFrame(
        grid,
        index=pd.Index(freq.astype(np.int64), name="frequency"),
        columns=pd.Index(rec, name="recency"),
    )
