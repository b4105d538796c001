"""Experiment charts: the forest plot of A/B comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from growthkit.plotting._style import chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.experiments import ComparisonResult

__all__ = ["plot_forest"]


def plot_forest(
    result: ComparisonResult,
    *,
    labels: Sequence[str] | None = None,
    relative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of A/B comparisons: one row per comparison, the effect with its interval.

    The same chart as :meth:`growthkit.experiments.ComparisonResult.plot`. Significant
    comparisons are drawn in red, the others in grey.

    Parameters
    ----------
    result
        Any :class:`~growthkit.experiments.ComparisonResult` (array results give one row
        per element).
    labels
        Row labels, e.g. metric names; default ``0, 1, ...``.
    relative
        Plot the relative effect and its interval instead of the absolute one.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One row per comparison, the first on top; significant ones in red.

    Raises
    ------
    DataError
        ``labels`` of the wrong length.

    Examples
    --------
    >>> from growthkit import experiments, plotting
    >>> res = experiments.proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800])
    >>> ax = plotting.plot_forest(res, labels=["signup", "purchase"], ax=plotting.new_axes())
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['signup', 'purchase']
    >>> ax.get_xlabel()
    'effect (B - A), 95% CI'
    """
    from growthkit import _validate as v

    if relative:
        est, low, high = result.relative_effect, result.rel_ci_low, result.rel_ci_high
    else:
        est, low, high = result.effect, result.ci_low, result.ci_high
    est, low, high = np.ravel(est), np.ravel(low), np.ravel(high)
    size = est.size
    names = [str(i) for i in range(size)] if labels is None else [str(x) for x in labels]
    if len(names) != size:
        raise v.data_error("labels", f"has {len(names)} entries for {size} comparisons", size)
    finite = np.concatenate([est, low, high])
    finite = finite[np.isfinite(finite)]
    span = float(finite.max() - finite.min()) if finite.size else 1.0
    pad = span * 0.1 if span > 0 else 1.0
    left = float(finite.min()) - pad if finite.size else -1.0
    right = float(finite.max()) + pad if finite.size else 1.0
    low_c, high_c = np.clip(low, left, right), np.clip(high, left, right)
    y = np.arange(size)[::-1]
    colors = list(np.where(np.ravel(result.significant), "tab:red", "tab:gray"))
    level = f"{100 * (1 - result.alpha):g}%"
    what = "relative effect" if relative else "effect"
    with chart(ax, (6.0, 0.5 * size + 1.2)) as ax:
        ax.hlines(y, low_c, high_c, colors=colors, linewidth=2)
        ax.scatter(est, y, color=colors, zorder=3)
        ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
        ax.set_yticks(y, names)
        ax.set_xlim(min(left, 0.0 - pad), max(right, 0.0 + pad))
        ax.set_xlabel(f"{what} (B - A), {level} CI")
    return ax
