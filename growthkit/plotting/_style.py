"""The house look shared by every chart: palette, rc settings and the axes drawn on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PALETTE", "axes", "chart", "new_axes", "style"]

PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
"""The house colour cycle (colour-blind safe, after Okabe & Ito 2008)."""

_RC: dict[str, Any] = {
    "figure.figsize": (7.5, 4.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": 110,
    "savefig.facecolor": "white",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "image.cmap": "Blues",
}


@contextmanager
def style() -> Iterator[None]:
    """Apply the growthkit look (fonts, grid, colour cycle) inside a ``with`` block.

    Yields
    ------
    None
        Matplotlib rc parameters are restored on exit.

    Examples
    --------
    >>> from growthkit import plotting
    >>> with plotting.style():
    ...     ax = plotting.new_axes()
    >>> ax.spines["top"].get_visible()
    False
    """
    import matplotlib as mpl
    from cycler import cycler

    params: dict[str, Any] = {**_RC, "axes.prop_cycle": cycler(color=list(PALETTE))}
    # Restore only the keys set here: a backend first resolved inside the block (the
    # notebook's inline backend) sets rc keys of its own that must outlive it, which
    # ``matplotlib.rc_context`` would undo (later figures would then not be shown).
    rc: Any = mpl.rcParams
    saved = {key: rc[key] for key in params}
    rc.update(params)
    try:
        yield
    finally:
        rc.update(saved)


def new_axes(width: float = 7.5, height: float = 4.0) -> Axes:
    """Return the Axes of a new figure that is not registered with pyplot.

    Such figures need no ``plt.close`` and work without a display (they render with Agg),
    which suits scripts and reports; in a notebook, use ``plt.subplots`` to see the chart.

    Parameters
    ----------
    width, height
        Figure size in inches.

    Returns
    -------
    matplotlib.axes.Axes
        On a figure of its own, outside pyplot.

    Examples
    --------
    >>> from growthkit import plotting
    >>> ax = plotting.new_axes(4, 3)
    >>> ax.figure.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig.add_subplot()


def axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the Axes of a new pyplot figure (``figsize`` inches, else the rc size).

    Call it inside :func:`style` so that a new figure takes the house look.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize)
    return new


@contextmanager
def chart(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Iterator[Axes]:
    """Inside :func:`style`, yield ``ax`` or a new figure's Axes (see :func:`axes`).

    The opening of every chart: ``with chart(ax) as ax:`` then draw.
    """
    with style():
        yield axes(ax, figsize)
