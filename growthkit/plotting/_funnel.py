"""Event-log charts: funnel bars, the conversion step chart and the stickiness line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthkit.plotting._style import PALETTE, chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.funnel import ActivityResult, FunnelResult

__all__ = ["plot_funnel", "plot_funnel_steps", "plot_stickiness"]


def plot_funnel(result: FunnelResult, *, ax: Axes | None = None) -> Axes:
    """Funnel bars: users reaching each step, with the conversion from the previous step.

    One bar per step (side by side per segment when the funnel has several); each bar is
    labelled with its share of the previous step's users. The same chart as
    :meth:`growthkit.funnel.FunnelResult.plot`.

    Parameters
    ----------
    result
        A :func:`~growthkit.funnel.funnel` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per step (and segment), labelled with the step-to-step conversion.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.plotting import new_axes, plot_funnel
    >>> log = gk.datasets.simulate_events(500, seed=3)
    >>> f = gk.funnel.funnel(log, steps=["visit", "view", "purchase"], window="1D")
    >>> ax = plot_funnel(f, ax=new_axes())
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['visit', 'view', 'purchase']
    """
    counts = result.counts
    n_groups, k = counts.shape
    with chart(ax, (max(4.0, 1.4 * k + 1.0), 3.8)) as ax:
        x = np.arange(k)
        width = 0.8 / n_groups
        for g in range(n_groups):
            offset = (g - (n_groups - 1) / 2) * width
            bars = ax.bar(
                x + offset,
                counts[g],
                width=width,
                color=PALETTE[g % len(PALETTE)],
                label=str(result.groups[g]),
            )
            previous = np.concatenate([counts[g, :1], counts[g, :-1]])
            for j, bar in enumerate(bars):
                if j and previous[j]:
                    ax.annotate(
                        f"{counts[g, j] / previous[j]:.0%}",
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center",
                        va="bottom",
                        fontsize=8,
                    )
        ax.set_xticks(x)
        ax.set_xticklabels([str(s) for s in result.steps])
        ax.set_ylabel("users")
        if n_groups > 1:
            ax.legend(title=result.by, loc="upper right")
    return ax


def plot_funnel_steps(result: FunnelResult, *, ax: Axes | None = None) -> Axes:
    """Step chart of the conversion from the first step, one line per segment.

    Parameters
    ----------
    result
        A :func:`~growthkit.funnel.funnel` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One step line per segment, from 0 to 1.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.plotting import new_axes, plot_funnel_steps
    >>> log = gk.datasets.simulate_events(500, seed=3)
    >>> f = gk.funnel.funnel(log, ["visit", "view", "purchase"], window="1D", by="device")
    >>> ax = plot_funnel_steps(f, ax=new_axes())
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['desktop', 'mobile']
    """
    conversion = result.conversion.to_numpy()
    k = conversion.shape[1]
    with chart(ax, (max(4.0, 1.4 * k + 1.0), 3.8)) as ax:
        x = np.arange(k)
        for g in range(conversion.shape[0]):
            ax.step(
                x,
                conversion[g],
                where="mid",
                color=PALETTE[g % len(PALETTE)],
                label=str(result.groups[g]),
            )
        ax.set_xticks(x)
        ax.set_xticklabels([str(s) for s in result.steps])
        ax.set_ylim(0.0, 1.05)
        ax.set_ylabel("conversion from first step")
        if conversion.shape[0] > 1:
            ax.legend(title=result.by, loc="upper right")
    return ax


def plot_stickiness(result: ActivityResult, *, ax: Axes | None = None) -> Axes:
    """Stickiness (DAU / MAU) per day, as a line.

    Days before the trailing month lies inside the log are drawn dashed (their MAU sees
    fewer days). The same chart as :meth:`growthkit.funnel.ActivityResult.plot`.

    Parameters
    ----------
    result
        An :func:`~growthkit.funnel.activity` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The DAU/MAU line, dashed while the monthly window is incomplete.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.plotting import new_axes, plot_stickiness
    >>> a = gk.funnel.activity(gk.datasets.simulate_events(300, seed=5))
    >>> plot_stickiness(a, ax=new_axes()).get_ylabel()
    'DAU / MAU'
    """
    frame = result.to_frame()
    x = result.days.to_timestamp()
    y = frame["stickiness"].to_numpy()
    complete = frame["complete"].to_numpy()
    with chart(ax, (8.0, 3.2)) as ax:
        first = int(np.argmax(complete)) if complete.any() else len(y)
        if first:
            ax.plot(x[: first + 1], y[: first + 1], color=PALETTE[0], linestyle="--")
        if first < len(y):
            ax.plot(x[first:], y[first:], color=PALETTE[0], label="DAU / MAU")
        ax.set_ylabel("DAU / MAU")
        ax.set_ylim(bottom=0.0)
    return ax
