"""Funnels, paths and activity from event logs.

An event log has one row per event: a user, a time, an event name and optional properties.
Prepare it once with :func:`prepare_events` (or pass the frame; it is prepared on each
call), then:

- :func:`funnel` -- users reaching each step within a conversion window, conversion,
  drop-off and time to convert, overall or by segment / cohort (:class:`FunnelResult`);
- :func:`paths` -- the most common event sequences after or before an event
  (:class:`PathsResult`); :func:`transition_matrix` -- how often each event follows each
  other (:class:`TransitionMatrix`);
- :func:`activity` -- daily, weekly and monthly active users and stickiness
  (:class:`ActivityResult`); :func:`event_retention` -- a cohort retention matrix on any
  event (:class:`~growthkit.cohort.CohortMatrix`);
- :func:`report_section` -- the tables and charts of the report's events section.

Charts are in :mod:`growthkit.plotting` (``plot_funnel``, ``plot_funnel_steps``,
``plot_stickiness``); each result's ``plot()`` draws them.
"""

from __future__ import annotations

from growthkit.funnel._activity import ActivityResult, activity, event_retention
from growthkit.funnel._events import Events, prepare_events
from growthkit.funnel._funnel import FunnelOrder, FunnelResult, funnel
from growthkit.funnel._paths import PathsResult, TransitionMatrix, paths, transition_matrix
from growthkit.funnel._report import EventsSection, report_section

__all__ = [
    "ActivityResult",
    "Events",
    "EventsSection",
    "FunnelOrder",
    "FunnelResult",
    "PathsResult",
    "TransitionMatrix",
    "activity",
    "event_retention",
    "funnel",
    "paths",
    "prepare_events",
    "report_section",
    "transition_matrix",
]
