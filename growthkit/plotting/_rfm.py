"""RFM charts: segment shares and the R x F heatmap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from growthkit.plotting._style import chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.rfm import RFMResult

__all__ = ["plot_rf_heatmap", "plot_segments"]


def plot_segments(result: RFMResult, *, ax: Axes | None = None) -> Axes:
    """Each RFM segment's share of customers and of revenue, as horizontal bars.

    Parameters
    ----------
    result
        An :func:`~growthkit.rfm.rfm_scores` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        Two horizontal bars per segment (customers, revenue), as shares.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> result = gk.rfm.rfm_scores(gk.datasets.load_cdnow(), amount_col="amount")
    >>> ax = plotting.plot_segments(result, ax=plotting.new_axes(7, 5))
    >>> ax.get_xlabel(), ax.get_title(), len(ax.patches)  # two bars per segment
    ('share', 'RFM segments: customers and revenue', 22)
    """
    summary = result.segment_summary()
    y = np.arange(len(summary))
    height = 0.4
    with chart(ax, (7, 0.35 * len(result.segments) + 1.2)) as ax:
        ax.barh(y - height / 2, summary["share"].to_numpy(), height, label="customers")
        ax.barh(y + height / 2, summary["revenue_share"].to_numpy(), height, label="revenue")
        ax.set_yticks(y)
        ax.set_yticklabels([str(s) for s in summary.index])
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}")
        ax.set_xlabel("share")
        ax.set_title("RFM segments: customers and revenue")
        ax.legend(loc="lower right")
    return ax


def plot_rf_heatmap(
    result: RFMResult,
    *,
    value: Literal["customers", "monetary"] = "customers",
    ax: Axes | None = None,
) -> Axes:
    """Customers (or mean total spend) by R score (rows, highest on top) and F score.

    Parameters
    ----------
    result
        An :func:`~growthkit.rfm.rfm_scores` result.
    value
        ``"customers"`` (count per cell) or ``"monetary"`` (mean total spend per cell).
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The R x F heatmap (R = bins on top) with its colour bar.

    Raises
    ------
    SchemaError
        ``value`` is neither ``"customers"`` nor ``"monetary"``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> result = gk.rfm.rfm_scores(gk.datasets.load_cdnow(), amount_col="amount")
    >>> ax = plotting.plot_rf_heatmap(result, ax=plotting.new_axes(5, 4))
    >>> len(ax.images)
    1
    >>> ax = plotting.plot_rf_heatmap(result, value="monetary", ax=plotting.new_axes(6, 4))
    >>> ax.get_title(), ax.images[0].get_array().shape
    ('mean spend by R x F', (5, 5))
    """
    from growthkit import _validate as v

    value = v.check_choice("value", value, ("customers", "monetary"))
    bins = result.bins
    t = result.table
    cell = (t["r"].to_numpy() - 1) * bins + (t["f"].to_numpy() - 1)
    counts = np.bincount(cell, minlength=bins * bins).reshape(bins, bins).astype(np.float64)
    if value == "customers":
        grid = counts
    else:
        sums = np.bincount(
            cell, weights=t["monetary"].to_numpy(dtype=np.float64), minlength=bins * bins
        ).reshape(bins, bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    shown = grid[::-1]  # R = bins on top
    with chart(ax, (1.0 * bins + 2, 0.8 * bins + 1.5)) as ax:
        image = ax.imshow(shown, cmap="viridis", aspect="auto")
        ax.set_xticks(np.arange(bins))
        ax.set_xticklabels([str(i) for i in range(1, bins + 1)])
        ax.set_yticks(np.arange(bins))
        ax.set_yticklabels([str(i) for i in range(bins, 0, -1)])
        ax.set_xlabel("F score")
        ax.set_ylabel("R score")
        if bins <= 10:
            finite = shown[np.isfinite(shown)]
            middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
            for i in range(bins):
                for j in range(bins):
                    x = shown[i, j]
                    if np.isfinite(x):
                        text = f"{int(x)}" if value == "customers" else f"{x:.0f}"
                        # viridis is bright at the top: dark labels there.
                        color = "k" if x > middle else "w"
                        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=8)
        ax.set_title("customers by R x F" if value == "customers" else "mean spend by R x F")
        ax.figure.colorbar(image, ax=ax)
    ax.grid(False)
    return ax
