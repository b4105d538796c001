"""Activity: daily, weekly and monthly active users, stickiness, event-based retention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import period_index
from growthkit.cohort import CohortMatrix, cohort_matrix
from growthkit.funnel._events import Events, as_events, group_by_user
from growthkit.funnel._result import Frozen

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ActivityResult", "activity", "event_retention"]


@dataclass(frozen=True, slots=True, eq=False)
class ActivityResult(Frozen):
    """Active users per day over trailing windows, and stickiness.

    Attributes
    ----------
    days
        Every calendar day from the first event's to the last (``pandas.PeriodIndex``,
        named ``day``).
    dau, wau, mau
        Users active on the day, in the trailing ``wau_days`` and ``mau_days`` days ending
        on it (int64).
    wau_days, mau_days
        The trailing window lengths.
    event
        The events that count as activity, or ``None`` for any event.

    Examples
    --------
    >>> import growthkit as gk
    >>> a = gk.funnel.activity(gk.datasets.simulate_events(1000, seed=5, returns=2.0))
    >>> a.to_frame()[["dau", "wau", "mau", "stickiness"]].tail(2).round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
                dau  wau   mau  stickiness
    day
    2024-01-27  168  616   967       0.174
    2024-01-28  205  648  1000       0.205
    """

    days: pd.PeriodIndex
    dau: npt.NDArray[np.int64]
    wau: npt.NDArray[np.int64]
    mau: npt.NDArray[np.int64]
    wau_days: int
    mau_days: int
    event: tuple[Any, ...] | None

    @property
    def stickiness(self) -> pd.Series:
        """DAU / MAU per day (NaN on a day with no monthly active user).

        Examples
        --------
        >>> import growthkit as gk
        >>> a = gk.funnel.activity(gk.datasets.simulate_events(1000, seed=5, returns=2.0))
        >>> round(float(a.stickiness.iloc[-1]), 3)
        0.205
        """
        return pd.Series(_ratio(self.dau, self.mau), index=self.days.copy(), name="stickiness")

    def to_frame(self) -> pd.DataFrame:
        """One row per day: ``dau``, ``wau``, ``mau``, ``stickiness`` (DAU/MAU), ``dau_wau``.

        ``complete`` is True from the day the trailing month lies wholly inside the log
        (earlier MAU counts see fewer days).
        """
        complete = np.arange(len(self.days)) >= self.mau_days - 1
        return pd.DataFrame(
            {
                "dau": self.dau.copy(),
                "wau": self.wau.copy(),
                "mau": self.mau.copy(),
                "stickiness": _ratio(self.dau, self.mau),
                "dau_wau": _ratio(self.dau, self.wau),
                "complete": complete,
            },
            index=self.days.copy(),
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Stickiness (DAU/MAU) over time; see :func:`growthkit.plotting.plot_stickiness`.

        Examples
        --------
        >>> import growthkit as gk
        >>> from growthkit.plotting import new_axes
        >>> a = gk.funnel.activity(gk.datasets.simulate_events(300, seed=5))
        >>> a.plot(ax=new_axes()).get_ylabel()
        'DAU / MAU'
        """
        from growthkit.plotting import plot_stickiness

        return plot_stickiness(self, ax=ax)


def _ratio(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    out = np.full(a.shape, np.nan)
    np.divide(a, b, out=out, where=b > 0)
    return out


def activity(
    events: pd.DataFrame | Events,
    *,
    event: Any = None,
    wau_days: int = 7,
    mau_days: int = 30,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> ActivityResult:
    """Daily, weekly and monthly active users and stickiness (DAU/MAU).

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    event
        The event (or list of events) that counts as activity; ``None`` for any event.
    wau_days, mau_days
        Trailing windows, in days, of the weekly and monthly active users.
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    ActivityResult

    Raises
    ------
    SchemaError, DataError
        Bad input (see :func:`~growthkit.funnel.prepare_events`), an unknown ``event``,
        windows below 1 day.

    Notes
    -----
    A user is active on a calendar day (local wall clock) when they have an event that
    day. ``wau`` on day ``d`` counts users active on any of the days ``d - wau_days + 1 ..
    d`` (a trailing window, as most product dashboards do; for calendar weeks use
    :func:`~growthkit.cohort.growth_accounting` on :meth:`Events.to_transactions`). Each
    user adds one +1/-1 pair per active day to a difference array, so the cost is one pass
    over the rows grouped by user.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(1000, seed=5, returns=2.0)
    >>> a = gk.funnel.activity(log)
    >>> len(a.days), int(a.dau.max()), int(a.mau.max())
    (28, 205, 1000)
    """
    week = v.check_positive_int("wau_days", wau_days)
    month = v.check_positive_int("mau_days", mau_days)
    log = as_events(events, user_col=user_col, time_col=time_col, event_col=event_col)
    chosen = (
        np.arange(len(log.event_names), dtype=np.int32)
        if event is None
        else log.event_codes(event, field="event")
    )
    grouped = group_by_user(log, chosen)
    from growthkit._kernels import funnel as fk

    first = int(grouped.ticks.min()) // log.ticks_per_day
    last = int(grouped.ticks.max()) // log.ticks_per_day
    n_days = last - first + 1
    counts = fk.active_counts(
        grouped.offsets,
        grouped.ticks,
        log.ticks_per_day,
        first,
        n_days,
        np.array([1, week, month], dtype=np.int64),
    )
    days = period_index(np.arange(first, last + 1, dtype=np.int64), "D").rename("day")
    return ActivityResult(
        days=days,
        dau=np.ascontiguousarray(counts[0]),
        wau=np.ascontiguousarray(counts[1]),
        mau=np.ascontiguousarray(counts[2]),
        wau_days=week,
        mau_days=month,
        event=None if event is None else tuple(log.event_names[chosen]),
    )


def event_retention(
    events: pd.DataFrame | Events,
    *,
    event: Any = None,
    period: v.Period = "W",
    cumulative: bool = False,
    observation_end: object = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> CohortMatrix:
    """A cohort retention matrix on any event (users by the period of their first one).

    Runs :func:`growthkit.cohort.cohort_matrix` on the rows of ``event``
    (:meth:`Events.to_transactions`): a user's cohort is the period of their first such
    event and they are retained in age ``k`` when they do it again then.

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    event
        The event (or list of events) to follow; ``None`` for any event.
    period, cumulative, observation_end
        As in :func:`~growthkit.cohort.cohort_matrix`.
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    CohortMatrix

    Raises
    ------
    SchemaError, DataError
        Bad input (see :func:`~growthkit.funnel.prepare_events`), an unknown ``event``, or
        an invalid option of :func:`~growthkit.cohort.cohort_matrix`.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(1000, seed=5, returns=2.0)
    >>> m = gk.funnel.event_retention(log, event="visit", period="W")
    >>> m.sizes.tolist()
    [267, 235, 255, 243]
    """
    log = as_events(events, user_col=user_col, time_col=time_col, event_col=event_col)
    return cohort_matrix(
        log.to_transactions(event),
        customer_col=log.user_col,
        time_col=log.time_col,
        period=period,
        cumulative=cumulative,
        observation_end=observation_end,
    )
