"""Cohort charts: the retention heatmap and the growth-accounting bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthkit.plotting._style import chart

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from growthkit.cohort import CohortMatrix

__all__ = ["plot_cohort_retention", "plot_growth"]

# growth-accounting components, gains then losses
_COLOURS = {
    "retained": "#4c72b0",
    "expansion": "#64b5cd",
    "new": "#55a868",
    "resurrected": "#8172b2",
    "contraction": "#dd8452",
    "churned": "#c44e52",
}


def plot_cohort_retention(
    matrix: CohortMatrix,
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    cmap: str = "Blues",
    skip_age0: bool = True,
) -> Axes:
    """Retention heatmap of a cohort matrix (cohorts down, ages across).

    The same chart as :meth:`growthkit.cohort.CohortMatrix.plot`.

    Parameters
    ----------
    matrix
        A :func:`~growthkit.cohort.cohort_matrix` result.
    ax
        Axes to draw on; a new figure when ``None``.
    annotate
        Write each cell's value (percent for customers, the number otherwise); ``None``
        annotates when the matrix has at most 24 cohorts and 24 ages.
    cmap
        Matplotlib colormap name.
    skip_age0
        For customers the age-0 column is always 100 %; leave it out of the colour scale so
        the differences among later ages stay visible.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap, titled with the matrix's definition.

    Examples
    --------
    Drawn here on a pyplot-free figure (no window, no global state):

    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> m = gk.cohort.cohort_matrix(gk.datasets.load_cdnow(), period="Q")
    >>> ax = plotting.plot_cohort_retention(m, ax=plotting.new_axes())
    >>> ax.get_xlabel(), ax.get_title()
    ('age (Q)', 'classic retention: distinct customers active in age k')
    >>> [t.get_text() for t in ax.texts]
    ['100%', '22%', '18%', '17%', '16%', '13%']
    """
    data = matrix.retention.to_numpy()
    scale = data[:, 1:] if skip_age0 and matrix.value == "customers" and data.shape[1] > 1 else data
    finite = scale[np.isfinite(scale)]
    vmax = float(finite.max()) if finite.size else 1.0
    with chart(ax, (min(2 + 0.5 * data.shape[1], 16), 1 + 0.35 * len(data))) as ax:
        image = ax.imshow(
            np.ma.masked_invalid(data), aspect="auto", cmap=cmap, vmin=0.0, vmax=vmax or 1.0
        )
        ax.figure.colorbar(image, ax=ax)
        ax.set_xticks(range(data.shape[1]))
        ax.set_xticklabels([str(a) for a in matrix.counts.columns])
        ax.set_yticks(range(len(data)))
        ax.set_yticklabels(
            [f"{p} (n={n})" for p, n in zip(matrix.counts.index, matrix.sizes, strict=True)]
        )
        ax.set_xlabel(f"age ({matrix.period})")
        ax.set_ylabel("cohort")
        ax.set_title(matrix.definition)
        if annotate is None:
            annotate = data.shape[0] <= 24 and data.shape[1] <= 24
        if annotate:
            for (i, j), x in np.ndenumerate(data):
                if np.isfinite(x):
                    text = f"{x:.0%}" if matrix.value == "customers" else f"{x:.3g}"
                    dark = x > 0.6 * (vmax or 1.0)
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else "black",
                    )
    ax.grid(False)
    return ax


def plot_growth(table: pd.DataFrame, *, revenue: bool = False, ax: Axes | None = None) -> Axes:
    """Stacked bars of a growth-accounting table (gains up, churn down).

    Gains (retained, new, resurrected; for revenue also expansion) stack upwards, losses
    (churned; for revenue also contraction) downwards, so each bar's height above zero is
    the period's active customers (or revenue).

    Parameters
    ----------
    table
        A :func:`~growthkit.cohort.growth_accounting` result (with ``amount_col`` for
        ``revenue=True``).
    revenue
        Plot the revenue columns instead of the customer counts.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        Bars of gains above zero and losses below it, with the legend outside.

    Raises
    ------
    SchemaError
        ``table`` lacks a column the chart needs (e.g. ``revenue=True`` on a table made
        without ``amount_col``).

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> tx = gk.datasets.load_cdnow()
    >>> g = gk.cohort.growth_accounting(tx, period="Q")
    >>> ax = plotting.plot_growth(g, ax=plotting.new_axes())
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('customers', ['retained', 'new', 'resurrected', 'churned'])
    >>> g = gk.cohort.growth_accounting(tx, period="Q", amount_col="amount")
    >>> ax = plotting.plot_growth(g, revenue=True, ax=plotting.new_axes())
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['retained', 'expansion', 'new', 'resurrected', 'contraction', 'churned']
    """
    from growthkit import _validate as v

    if revenue:
        up = ["retained_revenue", "expansion_revenue", "new_revenue", "resurrected_revenue"]
        down = ["contraction_revenue", "churned_revenue"]
    else:
        up = ["retained", "new", "resurrected"]
        down = ["churned"]
    missing = [c for c in up + down if c not in table.columns]
    if missing:
        raise v.schema_error(
            missing[0],
            "column not found in the growth-accounting table",
            len(table),
            "Pass the result of growth_accounting(...)"
            + (" with amount_col=..." if revenue else "")
            + ".",
        )
    with chart(ax, (min(3 + 0.3 * len(table), 16), 4)) as ax:
        x = np.arange(len(table))
        for columns, sign in ((up, 1.0), (down, -1.0)):
            bottom = np.zeros(len(table))
            for column in columns:
                heights = sign * table[column].to_numpy(dtype=np.float64)
                label = column.removesuffix("_revenue")
                ax.bar(x, heights, bottom=bottom, color=_COLOURS[label], label=label)
                bottom += heights
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels([str(p) for p in table.index], rotation=90)
        ax.set_ylabel("revenue" if revenue else "customers")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
