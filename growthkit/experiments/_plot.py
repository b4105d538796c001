"""Forest plot of comparison results (matplotlib loaded when called)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from growthkit import _validate as v

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.experiments._results import ComparisonResult


def plot_forest(
    result: ComparisonResult,
    *,
    labels: Sequence[str] | None = None,
    relative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: one row per comparison, the effect with its confidence interval.

    Needs matplotlib (the ``plot`` extra), imported only when called.

    Parameters
    ----------
    result
        Any :class:`ComparisonResult` (array results give one row per element).
    labels
        Row labels, e.g. metric names; default ``0, 1, ...``.
    relative
        Plot the relative effect and its interval instead of the absolute one.
    ax
        Axes to draw on; a new figure is created otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataError
        ``labels`` of the wrong length.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from growthkit.experiments import plot_forest, proportion_test
    >>> res = proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800])
    >>> ax = plot_forest(res, labels=["signup", "purchase"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['signup', 'purchase']
    """
    import matplotlib.pyplot as plt

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
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.5 * size + 1.2))
    y = np.arange(size)[::-1]
    colors = np.where(np.ravel(result.significant), "tab:red", "tab:gray")
    ax.hlines(y, low_c, high_c, colors=list(colors), linewidth=2)
    ax.scatter(est, y, color=list(colors), zorder=3)
    ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, names)
    ax.set_xlim(min(left, 0.0 - pad), max(right, 0.0 + pad))
    level = f"{100 * (1 - result.alpha):g}%"
    what = "relative effect" if relative else "effect"
    ax.set_xlabel(f"{what} (B - A), {level} CI")
    return ax
