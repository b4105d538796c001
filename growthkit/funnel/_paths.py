"""Paths: the most common event sequences around an event, and the transition matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.funnel._events import Events, as_events, group_by_user
from growthkit.funnel._result import Frozen

__all__ = ["PathsResult", "TransitionMatrix", "paths", "transition_matrix"]

END = "(end)"
START = "(start)"
_MAX_EVENTS = 32_767
Direction = Literal["after", "before"]
_DIRECTIONS: tuple[Direction, ...] = ("after", "before")


def _all_events(log: Events) -> npt.NDArray[np.int32]:
    n = len(log.event_names)
    if n > _MAX_EVENTS:
        raise v.data_error(
            log.event_col,
            f"has {n} distinct events, more than {_MAX_EVENTS}",
            log.n_rows,
            "Map rare events to one name first.",
        )
    return np.arange(n, dtype=np.int32)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise v.schema_error(name, f"must be True or False, got {value!r}", 1)
    return bool(value)


@dataclass(frozen=True, slots=True, eq=False)
class PathsResult(Frozen):
    """The most common sequences of events after (or before) an event.

    Attributes
    ----------
    event
        The anchor event.
    direction
        ``"after"`` or ``"before"``.
    length
        Events per sequence.
    collapse_repeats
        Whether a run of one event counted once.
    sequences
        The top sequences, most common first (ties in sequence order); ``"(end)"`` (after)
        or ``"(start)"`` (before) pads a sequence where the user's events run out. For
        ``"before"``, the first entry is the event just before the anchor.
    counts
        Users following each sequence (int64).
    n_users
        Users who did the anchor event.
    n_sequences
        Distinct sequences among them (the top ones are in ``sequences``).

    Examples
    --------
    >>> import growthkit as gk
    >>> p = gk.funnel.paths(gk.datasets.simulate_events(1000, seed=4), "add_to_cart", length=2)
    >>> p.sequences[0], int(p.counts[0])
    (('checkout', 'purchase'), 98)
    """

    event: Any
    direction: Literal["after", "before"]
    length: int
    collapse_repeats: bool
    sequences: tuple[tuple[Any, ...], ...]
    counts: npt.NDArray[np.int64]
    n_users: int
    n_sequences: int

    def to_frame(self) -> pd.DataFrame:
        """One row per sequence: ``after_1 .. after_n`` (or ``before_1 ..``), ``users``, ``share``.

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.datasets.simulate_events(1000, seed=4)
        >>> gk.funnel.paths(log, "checkout", length=1).to_frame()
        ... # doctest: +NORMALIZE_WHITESPACE
            after_1  users     share
        0  purchase     98  0.705036
        1     (end)     41  0.294964
        """
        names = [f"{self.direction}_{i + 1}" for i in range(self.length)]
        frame = pd.DataFrame(list(self.sequences), columns=names, dtype=object)
        if not self.sequences:
            frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
        frame["users"] = self.counts.copy()
        frame["share"] = self.counts / max(self.n_users, 1)
        return frame

    def __str__(self) -> str:
        return (
            f"PathsResult({self.length} events {self.direction} {self.event!r}: "
            f"{self.n_users} users, {self.n_sequences} distinct sequences)\n"
            + self.to_frame().to_string(index=False)
        )


def paths(
    events: pd.DataFrame | Events,
    event: Any,
    *,
    direction: Literal["after", "before"] = "after",
    length: int = 3,
    top: int = 10,
    collapse_repeats: bool = False,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> PathsResult:
    """The ``top`` most common sequences of ``length`` events after or before ``event``.

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    event
        The anchor event name.
    direction
        ``"after"``: the events that follow each user's first ``event``; ``"before"``: those
        that precede it (nearest first).
    length
        Events per sequence (>= 1).
    top
        How many sequences to keep (>= 1).
    collapse_repeats
        Count a run of one event (three ``view`` in a row, say) as one event.
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    PathsResult

    Raises
    ------
    SchemaError
        Missing or mistyped columns, a bad ``direction``.
    DataError
        Bad rows, ``event`` not in the log, ``length`` or ``top`` below 1.

    Notes
    -----
    Each user's events are in time order; events at the same time in the order of their
    names (``Events.event_names``), so paths do not depend on the order of the rows.
    A user counts once, from their first occurrence of ``event``.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(1000, seed=4)
    >>> p = gk.funnel.paths(log, "purchase", direction="before", length=2)
    >>> p.sequences[0]
    ('checkout', 'add_to_cart')
    """
    checked_direction = v.check_choice("direction", direction, _DIRECTIONS)
    checked_length = v.check_positive_int("length", length)
    checked_top = v.check_positive_int("top", top)
    collapse = _check_bool("collapse_repeats", collapse_repeats)
    log = as_events(events, user_col=user_col, time_col=time_col, event_col=event_col)
    anchor = int(log.event_codes(event, field="event")[0])
    grouped = group_by_user(log, _all_events(log))
    from growthkit._kernels import funnel as fk

    table = fk.user_paths(
        grouped.offsets,
        grouped.steps,
        anchor,
        checked_length,
        checked_direction == "before",
        collapse,
    )
    n_users = int(table.shape[0])
    if n_users:
        unique, counts = np.unique(table, axis=0, return_counts=True)
    else:
        unique = np.empty((0, checked_length), dtype=np.int32)
        counts = np.empty(0, dtype=np.int64)
    order = np.argsort(-counts, kind="stable")[:checked_top]
    names = np.empty(len(log.event_names) + 1, dtype=object)
    names[:-1] = list(log.event_names)
    names[-1] = START if checked_direction == "before" else END
    sequences = tuple(tuple(names[unique[i]].tolist()) for i in order)
    return PathsResult(
        event=event,
        direction=checked_direction,
        length=checked_length,
        collapse_repeats=collapse,
        sequences=sequences,
        counts=counts[order].astype(np.int64),
        n_users=n_users,
        n_sequences=int(unique.shape[0]),
    )


@dataclass(frozen=True, slots=True, eq=False)
class TransitionMatrix(Frozen):
    """How often each event directly follows each other in users' event streams.

    Attributes
    ----------
    events
        The event names (rows and columns of ``counts``).
    counts
        ``counts[a, b]``: times an event ``b`` directly followed an event ``a`` of the same
        user (int64).
    starts, ends
        Users whose first / last event is each event (int64).
    collapse_repeats
        Whether ``a -> a`` transitions were left out.

    Examples
    --------
    >>> import growthkit as gk
    >>> m = gk.funnel.transition_matrix(gk.datasets.simulate_events(1000, seed=4))
    >>> m.probabilities.loc["checkout"].round(2).to_dict()
    {'visit': 0.0, 'view': 0.0, 'add_to_cart': 0.0, 'checkout': 0.0, 'purchase': 0.71, '(end)': 0.29}
    """  # noqa: E501

    events: pd.Index
    counts: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    collapse_repeats: bool

    @property
    def probabilities(self) -> pd.DataFrame:
        """Share of each event's next steps going to each event or ending (rows sum to 1).

        Rows of events that never occur are 0.
        """
        table = np.concatenate([self.counts, self.ends[:, None]], axis=1).astype(np.float64)
        total = table.sum(axis=1, keepdims=True)
        shares = np.divide(table, total, out=np.zeros_like(table), where=total > 0)
        columns = pd.Index([*self.events, END], dtype=object, name="to")
        return pd.DataFrame(shares, index=self.events.rename("from"), columns=columns)

    def to_frame(self) -> pd.DataFrame:
        """Long format: ``from``, ``to`` (with ``"(start)"``/``"(end)"``), ``count``, ``probability``.

        Only pairs that occur.

        Examples
        --------
        >>> import growthkit as gk
        >>> m = gk.funnel.transition_matrix(gk.datasets.simulate_events(100, seed=4))
        >>> m.to_frame().head(2)  # doctest: +NORMALIZE_WHITESPACE
              from     to  count  probability
        0  (start)  visit    100         1.00
        1    visit   view     67         0.67
        """  # noqa: E501
        names = list(self.events)
        probs = self.probabilities.to_numpy()
        rows: list[tuple[Any, Any, int, float]] = [
            (START, names[b], int(c), float(c) / max(int(self.starts.sum()), 1))
            for b, c in enumerate(self.starts)
            if c
        ]
        for a in range(len(names)):
            for b in range(len(names)):
                if self.counts[a, b]:
                    rows.append((names[a], names[b], int(self.counts[a, b]), float(probs[a, b])))
            if self.ends[a]:
                rows.append((names[a], END, int(self.ends[a]), float(probs[a, -1])))
        return pd.DataFrame(rows, columns=["from", "to", "count", "probability"])


def transition_matrix(
    events: pd.DataFrame | Events,
    *,
    collapse_repeats: bool = False,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> TransitionMatrix:
    """Count how often each event directly follows each other event of the same user.

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    collapse_repeats
        Leave out an event followed by itself (a run counts as one event).
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    TransitionMatrix

    Raises
    ------
    SchemaError, DataError
        Bad input; see :func:`~growthkit.funnel.prepare_events`.

    Notes
    -----
    Events in time order per user, ties in the order of the event names (as in
    :func:`paths`). Each user contributes one start, one end and one transition per pair
    of consecutive events.

    Examples
    --------
    >>> import growthkit as gk
    >>> m = gk.funnel.transition_matrix(gk.datasets.simulate_events(1000, seed=4))
    >>> int(m.starts.sum()), int(m.ends.sum())
    (1000, 1000)
    """
    collapse = _check_bool("collapse_repeats", collapse_repeats)
    log = as_events(events, user_col=user_col, time_col=time_col, event_col=event_col)
    n_events = len(log.event_names)
    grouped = group_by_user(log, _all_events(log))
    steps = grouped.steps.astype(np.int64)
    offsets = grouped.offsets
    m = steps.shape[0]
    same_user = np.ones(max(m - 1, 0), dtype=np.bool_)
    inner = offsets[1:-1]
    same_user[inner[(inner > 0) & (inner < m)] - 1] = False
    src, dst = steps[:-1][same_user], steps[1:][same_user]
    if collapse:
        keep = src != dst
        src, dst = src[keep], dst[keep]
    counts = np.bincount(src * n_events + dst, minlength=n_events * n_events)
    has_rows = offsets[1:] > offsets[:-1]
    starts = np.bincount(steps[offsets[:-1][has_rows]], minlength=n_events)
    ends = np.bincount(steps[offsets[1:][has_rows] - 1], minlength=n_events)
    return TransitionMatrix(
        events=log.event_names,
        counts=counts.reshape(n_events, n_events).astype(np.int64),
        starts=starts.astype(np.int64),
        ends=ends.astype(np.int64),
        collapse_repeats=collapse,
    )
