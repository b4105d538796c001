"""Plot helpers for the CLV models (matplotlib, imported only when a plot is drawn)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit._validate import message
from growthkit.clv._base import FloatArray
from growthkit.clv.evaluation import HoldoutComparison
from growthkit.errors import DataError

__all__ = [
    "frequency_recency_matrix",
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_holdout_comparison",
]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


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


def plot_frequency_recency_matrix(
    model: Any,
    *,
    T: float,
    kind: Literal["expected_purchases", "probability_alive"] = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    ax: Any = None,
) -> Any:
    """Heat map of :func:`frequency_recency_matrix`; returns the matplotlib Axes.

    Parameters
    ----------
    model, T, kind, t, max_frequency
        As for :func:`frequency_recency_matrix`.
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, plot_frequency_recency_matrix
    >>> from growthkit.plotting import new_axes
    >>> model = BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> ax = plot_frequency_recency_matrix(
    ...     model, T=39, kind="probability_alive", ax=new_axes()
    ... )
    >>> ax.get_title()
    'BetaGeo: P(alive) (T = 39)'
    """
    grid = frequency_recency_matrix(model, T=T, kind=kind, t=t, max_frequency=max_frequency)
    ax = _axes(ax)
    rec = grid.columns.to_numpy(dtype=np.float64)
    image = ax.imshow(
        grid.to_numpy(),
        origin="lower",
        aspect="auto",
        extent=(rec[0], rec[-1], -0.5, grid.index[-1] + 0.5),
        cmap="viridis",
    )
    label = "P(alive)" if kind == "probability_alive" else f"expected purchases in next {t:g}"
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("recency")
    ax.set_ylabel("frequency")
    ax.set_title(f"{type(model).__name__}: {label} (T = {T:g})")
    return ax


def plot_holdout_comparison(comparison: HoldoutComparison, *, ax: Any = None) -> Any:
    """Mean holdout purchases, actual versus predicted, by calibration frequency.

    Parameters
    ----------
    comparison
        Output of :func:`growthkit.clv.holdout_comparison`.
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, holdout_comparison, plot_holdout_comparison
    >>> from growthkit.plotting import new_axes
    >>> split = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    ... )
    >>> score = holdout_comparison(BetaGeo.fit(split), split)
    >>> ax = plot_holdout_comparison(score, ax=new_axes())
    >>> [line.get_label() for line in ax.get_lines()], len(ax.get_xticks())
    (['actual', 'predicted'], 8)
    """
    ax = _axes(ax)
    table = comparison.table
    pos = np.arange(len(table))
    ax.plot(pos, table["actual"].to_numpy(), "o-", label="actual")
    ax.plot(pos, table["predicted"].to_numpy(), "s--", label="predicted")
    ax.set_xticks(pos, table.index.tolist())
    ax.set_xlabel("purchases in calibration period")
    ax.set_ylabel("mean purchases in holdout period")
    ax.legend()
    return ax


def plot_clv_distribution(clv: npt.ArrayLike, *, bins: int = 50, ax: Any = None) -> Any:
    """Histogram of predicted customer lifetime values.

    Parameters
    ----------
    clv
        Output of :func:`growthkit.clv.customer_lifetime_value` (or any values).
    bins
        Number of histogram bins.
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> from growthkit.clv import plot_clv_distribution
    >>> from growthkit.plotting import new_axes
    >>> ax = plot_clv_distribution([1.0, 2.0, 2.5, 40.0], bins=10, ax=new_axes())
    >>> ax.get_xlabel(), len(ax.patches), ax.get_lines()[0].get_xdata()[0]
    ('customer lifetime value', 10, 11.375)
    """
    values = np.asarray(clv, dtype=np.float64)
    values = values[np.isfinite(values)]
    ax = _axes(ax)
    ax.hist(values, bins=bins)
    if values.size:
        ax.axvline(float(np.mean(values)), color="k", linestyle="--", label="mean")
        ax.legend()
    ax.set_xlabel("customer lifetime value")
    ax.set_ylabel("customers")
    return ax
