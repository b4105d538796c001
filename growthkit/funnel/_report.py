"""The events section of the HTML report: its tables and charts, from one call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.funnel._activity import ActivityResult, activity
from growthkit.funnel._events import Events, as_events
from growthkit.funnel._funnel import FunnelResult, funnel
from growthkit.funnel._paths import PathsResult, paths
from growthkit.funnel._result import Frozen

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["EventsSection", "report_section"]


@dataclass(frozen=True, slots=True, eq=False)
class EventsSection(Frozen):
    """What the report shows about an event log: a funnel, activity and top paths.

    Attributes
    ----------
    title, intro
        The section's heading and opening paragraph.
    funnel
        The funnel over ``steps``.
    activity
        DAU / WAU / MAU and stickiness.
    paths
        The most common paths after the funnel's first step.

    Examples
    --------
    >>> import growthkit as gk
    >>> s = gk.funnel.report_section(gk.datasets.simulate_events(500, seed=6))
    >>> list(s.tables())
    ['funnel', 'activity', 'paths']
    """

    title: str
    intro: str
    funnel: FunnelResult
    activity: ActivityResult
    paths: PathsResult

    def tables(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """``name -> (caption, frame)``, in display order (each frame a new copy).

        Examples
        --------
        >>> import growthkit as gk
        >>> s = gk.funnel.report_section(gk.datasets.simulate_events(500, seed=6))
        >>> s.tables()["funnel"][0]
        'Funnel: users reaching each step within 30 days of their first step'
        """
        window = "no time limit" if self.funnel.window is None else _days(self.funnel.window)
        return {
            "funnel": (
                f"Funnel: users reaching each step within {window} of their first step",
                self.funnel.to_frame(),
            ),
            "activity": ("Daily, weekly and monthly active users", self.activity.to_frame()),
            "paths": (
                f"Most common paths after {self.paths.event!r}",
                self.paths.to_frame(),
            ),
        }

    def charts(self) -> list[tuple[Callable[[Axes], object], str, tuple[float, float]]]:
        """``(draw(ax), alt text, size in inches)`` for each chart, in display order.

        Examples
        --------
        >>> import growthkit as gk
        >>> s = gk.funnel.report_section(gk.datasets.simulate_events(500, seed=6))
        >>> [alt for _, alt, _ in s.charts()]
        ['funnel', 'stickiness']
        """
        return [
            (lambda ax: self.funnel.plot(ax=ax), "funnel", (8.0, 3.8)),
            (lambda ax: self.activity.plot(ax=ax), "stickiness", (8.0, 3.2)),
        ]


def _days(delta: pd.Timedelta) -> str:
    if delta % pd.Timedelta(days=1) == pd.Timedelta(0):
        n = delta // pd.Timedelta(days=1)
        return f"{n} day" + ("s" if n != 1 else "")
    return str(delta)


def report_section(
    events: pd.DataFrame | Events,
    *,
    steps: Sequence[Any] | None = None,
    window: object = "30D",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> EventsSection:
    """Compute the report's events section: funnel, activity and paths.

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    steps
        The funnel's steps; by default the log's events in the order of their first
        occurrence (the most common first for events that start at the same time is not
        guessed: pass ``steps`` for a meaningful funnel).
    window
        The funnel's conversion window.
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    EventsSection

    Raises
    ------
    SchemaError, DataError
        Bad input; see :func:`funnel`.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(500, seed=6)
    >>> s = gk.funnel.report_section(log)
    >>> s.funnel.steps
    ('visit', 'view', 'add_to_cart', 'checkout', 'purchase')
    """
    log = as_events(events, user_col=user_col, time_col=time_col, event_col=event_col)
    if steps is None:
        first_row = pd.Series(log.ticks).groupby(log.labels).min()
        ordered = first_row.sort_values(kind="stable").index.to_numpy()
        steps = list(log.event_names[ordered])
    result = funnel(log, list(steps), window=window)
    return EventsSection(
        title="Events: funnel, activity, paths",
        intro=(
            f"{log.n_rows:,} events of {log.n_users:,} users. The funnel counts users reaching "
            "each step in order within the window of their first step (each user's "
            "furthest attempt); activity counts users with an event on the day and in the "
            "trailing 7 and 30 days; paths are the most common next events."
        ),
        funnel=result,
        activity=activity(log),
        paths=paths(log, result.steps[0]),
    )
