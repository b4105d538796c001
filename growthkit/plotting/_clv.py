"""CLV charts: frequency x recency heatmaps, holdout comparison, the CLV distribution.

The ``lifetimes`` chart names (``plot_frequency_recency_matrix``,
``plot_probability_alive_matrix``, ``plot_calibration_purchases_vs_holdout_purchases``) are
kept so that code written for ``lifetimes.plotting`` reads the same here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from growthkit.plotting._style import chart

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd
    from matplotlib.axes import Axes

    from growthkit.clv import HoldoutComparison

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_holdout_comparison",
    "plot_probability_alive_matrix",
]


def plot_frequency_recency_matrix(
    model: Any,
    *,
    T: float,
    kind: Literal["expected_purchases", "probability_alive"] = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Expected purchases in the next ``t`` (or P(alive)) by frequency and recency.

    The ``lifetimes`` chart of the same name: a heatmap of
    :func:`growthkit.clv.frequency_recency_matrix`.

    Parameters
    ----------
    model
        A fitted :class:`~growthkit.clv.BetaGeo`, ``ModifiedBetaGeo`` or ``ParetoNBD``.
    T
        Customer age shared by every cell, in the model's time unit.
    kind
        ``"expected_purchases"`` or ``"probability_alive"``.
    t
        Prediction window for expected purchases.
    max_frequency
        Largest frequency shown.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap with its colour bar, titled with the model's name and ``T``.

    Raises
    ------
    DataError
        ``T`` is not a positive number.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> model = gk.clv.BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> ax = plotting.plot_frequency_recency_matrix(model, T=78, t=4, ax=plotting.new_axes())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('recency', 'frequency')
    >>> ax = plotting.plot_frequency_recency_matrix(
    ...     model, T=39, kind="probability_alive", ax=plotting.new_axes()
    ... )
    >>> ax.get_title()
    'BetaGeo: P(alive) (T = 39)'
    """
    from growthkit.clv import frequency_recency_matrix

    grid = frequency_recency_matrix(model, T=T, kind=kind, t=t, max_frequency=max_frequency)
    rec = grid.columns.to_numpy(dtype=np.float64)
    label = "P(alive)" if kind == "probability_alive" else f"expected purchases in next {t:g}"
    with chart(ax) as ax:
        image = ax.imshow(
            grid.to_numpy(),
            origin="lower",
            aspect="auto",
            extent=(rec[0], rec[-1], -0.5, grid.index[-1] + 0.5),
            cmap="viridis",
        )
        ax.figure.colorbar(image, ax=ax, label=label)
        ax.set_xlabel("recency")
        ax.set_ylabel("frequency")
        ax.set_title(f"{type(model).__name__}: {label} (T = {T:g})")
    ax.grid(False)
    return ax


def plot_probability_alive_matrix(
    model: Any, *, T: float, max_frequency: int | None = None, ax: Axes | None = None
) -> Axes:
    """P(alive) of a customer of age ``T`` by frequency and recency.

    The ``lifetimes`` chart of the same name: :func:`plot_frequency_recency_matrix` with
    ``kind="probability_alive"``.

    Parameters
    ----------
    model
        A fitted :class:`~growthkit.clv.BetaGeo`, ``ModifiedBetaGeo`` or ``ParetoNBD``.
    T
        Customer age shared by every cell, in the model's time unit.
    max_frequency
        Largest frequency shown.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap, titled "<model>: P(alive) (T = <T>)".

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> model = gk.clv.BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> ax = plotting.plot_probability_alive_matrix(model, T=78, ax=plotting.new_axes())
    >>> ax.get_title()
    'BetaGeo: P(alive) (T = 78)'
    """
    return plot_frequency_recency_matrix(
        model, T=T, kind="probability_alive", max_frequency=max_frequency, ax=ax
    )


def plot_holdout_comparison(comparison: HoldoutComparison, *, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases, actual versus predicted, by calibration frequency.

    Parameters
    ----------
    comparison
        A :func:`growthkit.clv.holdout_comparison` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines (actual, predicted), one point per frequency group.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import clv, plotting
    >>> ch = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    ... )
    >>> comparison = clv.holdout_comparison(clv.BetaGeo.fit(ch), ch)
    >>> ax = plotting.plot_holdout_comparison(comparison, ax=plotting.new_axes())
    >>> ax.get_title()
    'Actual vs predicted holdout purchases'
    >>> [line.get_label() for line in ax.get_lines()], len(ax.get_xticks())
    (['actual', 'predicted'], 8)
    """
    table = comparison.table
    pos = np.arange(len(table))
    with chart(ax) as ax:
        ax.plot(pos, table["actual"].to_numpy(), "o-", label="actual")
        ax.plot(pos, table["predicted"].to_numpy(), "s--", label="predicted")
        ax.set_xticks(pos, table.index.tolist())
        ax.set_xlabel("purchases in calibration period")
        ax.set_ylabel("mean purchases in holdout period")
        ax.legend()
        ax.set_title("Actual vs predicted holdout purchases")
    return ax


def plot_calibration_purchases_vs_holdout_purchases(
    model: Any, calibration_holdout: pd.DataFrame, *, n: int = 7, ax: Axes | None = None
) -> Axes:
    """The ``lifetimes`` chart of the same name: holdout purchases, actual vs predicted.

    Customers are grouped by calibration ``frequency`` (``n`` and above pooled), through
    :func:`growthkit.clv.holdout_comparison` and :func:`plot_holdout_comparison`.

    Parameters
    ----------
    model
        A purchase model fitted on the calibration columns.
    calibration_holdout
        A :func:`~growthkit.calibration_holdout_summary` result.
    n
        Pool the frequencies ``n`` and above into one group.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        As drawn by :func:`plot_holdout_comparison`.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> ch = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    ... )
    >>> model = gk.clv.BetaGeo.fit(ch)
    >>> ax = plotting.plot_calibration_purchases_vs_holdout_purchases(
    ...     model, ch, ax=plotting.new_axes()
    ... )
    >>> len(ax.get_lines())
    2
    """
    from growthkit.clv import holdout_comparison

    return plot_holdout_comparison(
        holdout_comparison(model, calibration_holdout, max_frequency=n), ax=ax
    )


def plot_clv_distribution(
    clv: pd.Series | npt.ArrayLike, *, bins: int = 50, ax: Axes | None = None
) -> Axes:
    """Histogram of customer lifetime values, titled with the top-20 % share of value.

    Non-finite values are left out; a dashed line marks the mean.

    Parameters
    ----------
    clv
        Values per customer, e.g. :func:`~growthkit.clv.customer_lifetime_value`.
    bins
        Number of histogram bins.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram with a dashed line at the mean.

    Examples
    --------
    >>> from growthkit import plotting
    >>> values = [1.0, 2.0, 2.5, 40.0]
    >>> ax = plotting.plot_clv_distribution(values, bins=10, ax=plotting.new_axes())
    >>> ax.get_title()
    'CLV distribution: the top 20 % of customers hold 88 % of the value'
    >>> ax.get_xlabel(), len(ax.patches), ax.get_lines()[0].get_xdata()[0]
    ('customer lifetime value', 10, 11.375)
    """
    values = np.asarray(clv, dtype=np.float64)
    values = values[np.isfinite(values)]
    ordered = np.sort(values)[::-1]
    total = float(ordered.sum())
    top = float(ordered[: max(1, int(np.ceil(0.2 * ordered.size)))].sum())
    with chart(ax) as ax:
        ax.hist(values, bins=bins)
        if values.size:
            ax.axvline(float(np.mean(values)), color="k", linestyle="--", label="mean")
            ax.legend()
        ax.set_xlabel("customer lifetime value")
        ax.set_ylabel("customers")
        if total > 0:
            share = 100 * top / total
            ax.set_title(
                f"CLV distribution: the top 20 % of customers hold {share:.0f} % of the value"
            )
    return ax
