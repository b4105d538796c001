"""The event log: validated and converted once, like :class:`~growthkit.Transactions`."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions, factorize_ids
from growthkit._threads import thread_map, threads_for

__all__ = [
    "EventColumns",
    "Events",
    "Grouped",
    "Partitioned",
    "as_columns",
    "as_events",
    "check_window",
    "group_by_user",
    "partition",
    "prepare_events",
    "scan_events",
]

_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
_NS_PER_TICK = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
# Users per block: a block's rows (about 5 events a user, 10-18 bytes each) and counters
# (8 bytes a user) stay in the L2 cache while it is sorted and scanned.
_BLOCK_USERS_LOG2 = 13


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, slots=True, eq=False)
class _LogArrays:
    """The columns every event log holds as arrays (see :class:`Events`)."""

    user_col: str
    time_col: str
    event_col: str
    users: pd.Index
    codes: npt.NDArray[np.int32]
    ticks: npt.NDArray[np.int64]
    unit: str
    tz: object
    event_names: pd.Index

    @property
    def n_rows(self) -> int:
        """Number of events."""
        return int(self.codes.shape[0])

    @property
    def n_users(self) -> int:
        """Number of distinct users."""
        return len(self.users)

    def event_codes(self, names: object, *, field: str = "steps") -> npt.NDArray[np.int32]:
        """Positions in ``event_names`` of ``names`` (one name or a list of distinct names).

        Raises
        ------
        SchemaError
            ``names`` is not a name or a list of names.
        DataError
            ``names`` is empty, repeats a name, or names an event that is not in the log.
        """
        return _event_codes(self.event_names, names, field)


@dataclass(frozen=True, slots=True, eq=False)
class Events(_LogArrays):
    """A validated event log as compact arrays, ready for every funnel, path and activity.

    Build it with :func:`prepare_events`; pass it wherever a function takes ``events``.
    All arrays are read-only and never alias the caller's frame. Compared by identity
    (``eq=False``), like :class:`~growthkit.Transactions`.

    Attributes
    ----------
    user_col, time_col, event_col
        The source column names.
    users
        The distinct user ids in their natural sort order, named ``user_col``.
    codes
        Per-row position of the row's user in ``users`` (int32).
    ticks
        Per-row wall-clock time as int64 ticks of ``unit`` since 1970-01-01 (for tz-aware
        input, the local time in ``tz``).
    unit
        The tick unit: ``"s"``, ``"ms"``, ``"us"`` or ``"ns"``.
    tz
        The time zone of the source column, or ``None``.
    event_names
        The distinct event names in their natural sort order, named ``event_col``.
    labels
        Per-row position of the row's event in ``event_names`` (int32).
    properties
        Names of the property columns kept (for ``by=`` segments).
    property_codes, property_values
        Per property: per-row codes (int32) into its distinct values (missing values are
        a value of their own, last).

    Examples
    --------
    >>> import pandas as pd
    >>> import growthkit as gk
    >>> frame = pd.DataFrame(
    ...     {
    ...         "user_id": [2, 1, 2],
    ...         "timestamp": pd.to_datetime(["2024-01-05", "2024-01-02", "2024-01-06"]),
    ...         "event": ["visit", "visit", "purchase"],
    ...     }
    ... )
    >>> log = gk.funnel.prepare_events(frame)
    >>> log
    Events(3 events, 2 users, 2 event names, user_col='user_id', time_col='timestamp', event_col='event')
    >>> list(log.event_names), log.labels.tolist(), log.codes.tolist()
    (['purchase', 'visit'], [1, 1, 0], [1, 0, 1])
    """  # noqa: E501

    labels: npt.NDArray[np.int32]
    properties: tuple[str, ...] = ()
    property_codes: tuple[npt.NDArray[np.int32], ...] = ()
    property_values: tuple[pd.Index, ...] = ()

    @property
    def ticks_per_day(self) -> int:
        """Ticks in one day for ``unit``."""
        return _TICKS_PER_DAY[self.unit]

    def __repr__(self) -> str:
        return (
            f"Events({self.n_rows} events, {self.n_users} users, {len(self.event_names)} "
            f"event names, user_col={self.user_col!r}, time_col={self.time_col!r}, "
            f"event_col={self.event_col!r})"
        )

    def property(self, name: str) -> tuple[npt.NDArray[np.int32], pd.Index]:
        """Per-row codes and distinct values of a property kept by :func:`prepare_events`."""
        return _property(self, name)

    def to_transactions(self, event: object = None) -> Transactions:
        """The rows of ``event`` (one name, a list, or ``None`` for all) as a transaction log.

        Users keep their ids (those without such an event are left out), so every
        transaction-level function, :func:`~growthkit.cohort.cohort_matrix` say, runs on
        any event.

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.funnel.prepare_events(gk.datasets.simulate_events(500, seed=1))
        >>> tx = log.to_transactions("purchase")
        >>> tx.n_customers < log.n_users
        True
        """
        if event is None:
            codes, ticks = self.codes, self.ticks
            users = self.users
        else:
            keep = np.zeros(len(self.event_names), dtype=np.bool_)
            keep[self.event_codes(event, field="event")] = True
            mask = keep[self.labels]
            raw = self.codes[mask]
            ticks = _readonly(self.ticks[mask])
            used = np.bincount(raw, minlength=self.n_users) > 0
            rank = (np.cumsum(used) - 1).astype(np.int32)
            codes = _readonly(rank[raw])
            users = self.users[used]
        return Transactions(
            customer_col=self.user_col,
            time_col=self.time_col,
            amount_col=None,
            customers=users,
            codes=codes,
            ticks=ticks,
            unit=self.unit,
            tz=self.tz,
            amounts=None,
        )


def _event_codes(event_names: pd.Index, names: object, field: str) -> npt.NDArray[np.int32]:
    wanted = _as_names(names, field)
    if len(set(wanted)) != len(wanted):
        repeated = len(wanted) - len(set(wanted))
        raise v.data_error(field, "repeats an event name", repeated, "List each event once.")
    found = np.asarray(event_names.get_indexer(pd.Index(wanted, dtype=object)))
    missing = [w for w, f in zip(wanted, found, strict=True) if f < 0]
    if missing:
        known = ", ".join(repr(x) for x in list(event_names)[:12])
        raise v.data_error(
            field,
            f"names events not in the log ({', '.join(map(repr, missing))})",
            len(missing),
            f"Events in the log: {known}.",
        )
    return found.astype(np.int32)


def _property(log: Events | EventColumns, name: str) -> tuple[npt.NDArray[np.int32], pd.Index]:
    if name not in log.properties:
        raise v.schema_error(
            name,
            "is not a property of the prepared log "
            f"(properties: {', '.join(log.properties) or 'none'})",
            log.n_rows,
            "Prepare it with prepare_events(..., properties=[...]) naming the column.",
        )
    i = log.properties.index(name)
    return log.property_codes[i], log.property_values[i]


def _as_names(names: object, field: str) -> list[object]:
    if isinstance(names, (str, int, np.integer)):
        return [names]
    if isinstance(names, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        out = list(names)
        if not out:
            raise v.data_error(field, "is empty", 0, "Name at least one event.")
        return out
    raise v.schema_error(
        field, f"must be an event name or a list of names, got {type(names).__name__}", 1
    )


def check_window(
    window: object, events: Events | EventColumns, *, name: str = "window", allow_none: bool = True
) -> tuple[int, pd.Timedelta] | None:
    """``window`` (a pandas-readable duration, or ``None`` for no limit) in ticks, and itself."""
    if window is None and allow_none:
        return None
    problem = (
        f"must be a positive duration such as '7D' or pandas.Timedelta(hours=1), got {window!r}"
    )
    if isinstance(window, bool) or not isinstance(
        window, (str, datetime.timedelta, np.timedelta64)
    ):
        raise v.schema_error(name, problem, 1)
    try:
        delta = pd.Timedelta(cast(Any, window))
    except (TypeError, ValueError) as exc:
        raise v.data_error(name, problem, 1) from exc
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise v.data_error(name, problem, 1)
    # Whole ticks: an integer difference is <= window exactly when it is <= floor(window).
    return int(delta.value) // _NS_PER_TICK[events.unit], delta


def prepare_events(
    events: pd.DataFrame | Events,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    properties: Sequence[str] = (),
) -> Events:
    """Validate an event log once and convert it to compact arrays.

    Pass the result wherever a :mod:`growthkit.funnel` function takes ``events``: ids are
    factorised by the same kernels as :func:`~growthkit.prepare_transactions`, times are
    checked by the same checks, and the work is paid once.

    Parameters
    ----------
    events
        One row per event: a pandas DataFrame (or a polars frame / pyarrow table), or an
        :class:`Events` (returned as it is when it holds ``properties``).
    user_col, time_col, event_col
        Column names. User ids may be integers, strings or categoricals; timestamps any
        ``datetime64`` unit, tz-naive or tz-aware (never mixed); event names strings,
        integers or categoricals.
    properties
        Further columns to keep for segments (``by=`` in :func:`funnel`); any hashable
        values, missing values allowed (they form a segment of their own).

    Returns
    -------
    Events

    Raises
    ------
    SchemaError
        A column is missing, used twice or of the wrong dtype, or timestamps mix time
        zones.
    DataError
        The log is empty, or user ids, times or event names are missing.

    Examples
    --------
    >>> import growthkit as gk
    >>> frame = gk.datasets.simulate_events(1000, seed=1)
    >>> log = gk.funnel.prepare_events(frame, properties=["device"])
    >>> log.n_users, list(log.event_names)
    (1000, ['visit', 'view', 'add_to_cart', 'checkout', 'purchase'])
    >>> log.property("device")[1].tolist()
    ['desktop', 'mobile']
    """
    if isinstance(events, Events):
        for name in properties:
            events.property(name)
        return events
    cols = scan_events(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        properties=properties,
        copy_ticks=True,
    )
    labels = cols.raw_labels
    if cols.coded:
        from growthkit._kernels import funnel as fk

        labels = fk.remap_small(labels, cols.name_of)
    return Events(
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        users=cols.users,
        codes=cols.codes,
        ticks=cols.ticks,
        unit=cols.unit,
        tz=cols.tz,
        event_names=cols.event_names,
        labels=_readonly(labels),
        properties=cols.properties,
        property_codes=cols.property_codes,
        property_values=cols.property_values,
    )


@dataclass(frozen=True, slots=True, eq=False)
class EventColumns(_LogArrays):
    """A checked event frame as arrays for one call (see :func:`scan_events`); internal.

    The fields of :class:`Events`, but ``ticks`` may be a read-only view of the caller's
    column and the event column keeps its source coding: ``raw_labels`` (the caller's
    category codes when ``coded``, else positions in ``event_names``, a new array) and
    ``name_of``, the position in ``event_names`` of each raw label (-1 for a category no
    row uses).
    """

    raw_labels: npt.NDArray[np.integer[Any]]
    name_of: npt.NDArray[np.int32]
    coded: bool
    properties: tuple[str, ...]
    property_codes: tuple[npt.NDArray[np.int32], ...]
    property_values: tuple[pd.Index, ...]

    def property(self, name: str) -> tuple[npt.NDArray[np.int32], pd.Index]:
        """As :meth:`Events.property`."""
        return _property(self, name)


def scan_events(
    events: object,
    *,
    user_col: str,
    time_col: str,
    event_col: str,
    properties: Sequence[str] = (),
    copy_ticks: bool = False,
) -> EventColumns:
    """The checks and conversions of :func:`prepare_events`, without its copies.

    Raises exactly what :func:`prepare_events` raises. Times in a tz-naive ``datetime64``
    column are read in place (as an int64 view, checked for NaT) unless ``copy_ticks``;
    categorical event names keep their category codes (no widened copy).
    """
    wanted = list(dict.fromkeys(properties))
    if not isinstance(events, pd.DataFrame):
        from growthkit import _interop

        converted = _interop.to_pandas_frame(events, [user_col, time_col, event_col, *wanted])
        if converted is not None:
            events = converted
    if not isinstance(events, pd.DataFrame):
        raise v.schema_error(
            "events",
            f"must be a pandas DataFrame or growthkit.funnel.Events, got {type(events).__name__}",
            0,
        )
    roles: dict[str, str | None] = {"user_col": user_col, "time_col": time_col}
    roles["event_col"] = event_col
    roles.update({f"properties[{i}]": name for i, name in enumerate(wanted)})
    v.check_columns(events, roles)
    if len(events) == 0:
        raise v.data_error(user_col, "is empty", 0, "Pass at least one event.")
    ticks, unit, tz = _ticks(events[time_col], time_col, copy_ticks)
    codes, users = factorize_ids(events[user_col], user_col)
    users.name = user_col
    raw_labels, name_of, names = _event_labels(events[event_col], event_col)
    names.name = event_col
    prop_codes: list[npt.NDArray[np.int32]] = []
    prop_values: list[pd.Index] = []
    for name in wanted:
        c, values = _factorize_property(events[name], name)
        prop_codes.append(_readonly(c))
        prop_values.append(values)
    return EventColumns(
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        users=users,
        codes=_readonly(codes),
        ticks=_readonly(ticks),
        unit=unit,
        tz=tz,
        event_names=names,
        raw_labels=_readonly(raw_labels),
        name_of=name_of,
        coded=isinstance(events[event_col].dtype, pd.CategoricalDtype),
        properties=tuple(wanted),
        property_codes=tuple(prop_codes),
        property_values=tuple(prop_values),
    )


def _ticks(values: pd.Series, name: str, copy: bool) -> tuple[npt.NDArray[np.int64], str, object]:
    """:func:`growthkit._validate.check_times`, reading a tz-naive numpy column in place."""
    dtype = values.dtype
    if copy or not (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return v.check_times(values, name)
    from growthkit._kernels import funnel as fk

    raw = np.asarray(values.to_numpy()).view(np.int64)
    if not raw.flags.c_contiguous:
        raw = np.ascontiguousarray(raw)
    missing = int(fk.count_nat(raw))
    if missing:
        raise v.data_error(name, "has missing values (NaT)", missing, "Drop or fill them first.")
    return raw.view(), str(np.datetime_data(cast(Any, dtype))[0]), None


def _event_labels(
    values: pd.Series, name: str
) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int32], pd.Index]:
    """Raw labels, their positions in the distinct names, and the names (as factorize_ids).

    A categorical column (few distinct names) keeps its narrow codes: one counting pass
    finds the categories in use, instead of widened copies of 10^7 codes.
    """
    dtype = values.dtype
    if not isinstance(dtype, pd.CategoricalDtype):
        labels, names = factorize_ids(values, name)
        return labels, np.arange(len(names), dtype=np.int32), names
    from growthkit._kernels import funnel as fk

    raw = np.asarray(values.cat.codes.to_numpy())
    counts = fk.small_code_counts(raw, len(dtype.categories))
    missing = int(counts[-1])
    if missing:
        raise v.data_error(name, "has missing values (NaN/None)", missing, "Drop or fill them.")
    used = counts[:-1] > 0
    name_of = np.where(used, np.cumsum(used) - 1, -1).astype(np.int32)
    return raw, name_of, pd.Index(dtype.categories[used])


def _factorize_property(values: pd.Series, name: str) -> tuple[npt.NDArray[np.int32], pd.Index]:
    try:
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    except TypeError:
        try:
            codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
        except TypeError as exc:
            raise v.schema_error(
                name,
                "must hold hashable values (numbers, strings, categories)",
                len(values),
                "Convert the column, e.g. with .astype(str).",
            ) from exc
    index = pd.Index(uniques, name=name)
    return np.asarray(codes, dtype=np.int32), index


def as_events(
    events: pd.DataFrame | Events,
    *,
    user_col: str,
    time_col: str,
    event_col: str,
    properties: Sequence[str] = (),
) -> Events:
    """Prepare ``events`` unless it is prepared already (checking it holds ``properties``)."""
    return prepare_events(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        properties=properties,
    )


def as_columns(
    events: object,
    *,
    user_col: str,
    time_col: str,
    event_col: str,
    properties: Sequence[str] = (),
) -> Events | EventColumns:
    """A prepared log as it is (checking it holds ``properties``), a frame scanned once.

    For functions that read a frame once: :func:`scan_events` checks what
    :func:`prepare_events` checks but skips the copies a kept log needs.
    """
    if isinstance(events, Events):
        return prepare_events(events, properties=properties)
    return scan_events(
        events, user_col=user_col, time_col=time_col, event_col=event_col, properties=properties
    )


@dataclass(frozen=True, slots=True)
class Grouped:
    """The rows of chosen events grouped by user, each user's rows in ``(time, step)`` order.

    ``offsets[u]:offsets[u + 1]`` are user ``u``'s rows; ``steps`` their position in the
    chosen list, ``rows`` their row in the log.
    """

    offsets: npt.NDArray[np.int64]
    ticks: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int16]
    rows: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Partitioned:
    """The rows of chosen events dealt into blocks of ``2**shift`` consecutive users.

    Block ``b`` holds rows ``block_start[b]:block_start[b + 1]`` in log order, with their
    user's position in the block (``code mod 2**shift``), tick, position in the chosen
    list and (unless empty) log row.
    """

    user: npt.NDArray[np.uint16]
    ticks: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int16]
    rows: npt.NDArray[np.int64]
    block_start: npt.NDArray[np.int64]
    shift: int
    n_users: int
    threads: int

    def block_ranges(self) -> list[tuple[int, int]]:
        """The blocks split into one range per thread."""
        n_blocks = self.block_start.shape[0] - 1
        cuts = np.linspace(0, n_blocks, self.threads + 1).astype(np.int64)
        return [(int(a), int(b)) for a, b in itertools.pairwise(cuts)]

    def map_blocks(self, fn: Callable[[tuple[int, int]], None]) -> None:
        """Call ``fn((b_lo, b_hi))`` on each thread's range of blocks."""
        thread_map(fn, self.block_ranges(), threads=self.threads)


def partition(
    events: Events | EventColumns, chosen: npt.NDArray[np.int32], *, keep_rows: bool = True
) -> Partitioned:
    """Deal the rows whose event is in ``chosen`` (at most 32,767 names) into user blocks.

    A stable counting sort by block (one histogram pass, one scatter into a few hundred
    append streams), each thread taking a range of rows with its own cursors. Without
    ``keep_rows`` the log rows are not tracked (``rows`` is empty). Rows of other events
    are skipped by a table lookup on their (raw) label, so only the chosen rows are copied.
    """
    from growthkit._kernels import funnel as fk

    step_of = np.full(len(events.event_names), -1, dtype=np.int16)
    step_of[chosen] = np.arange(len(chosen), dtype=np.int16)
    labels: npt.NDArray[np.integer[Any]]
    if isinstance(events, Events):
        labels = events.labels
    else:
        labels = events.raw_labels
        step_of = np.where(events.name_of >= 0, step_of[events.name_of], -1).astype(np.int16)
    n_users = events.n_users
    shift = min(_BLOCK_USERS_LOG2, max(n_users - 1, 1).bit_length())
    n_blocks = ((n_users - 1) >> shift) + 1
    n = events.n_rows
    threads = threads_for(n)
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)
    ranges = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    hists = thread_map(
        lambda r: fk.block_histogram(events.codes, labels, step_of, shift, n_blocks, r[0], r[1]),
        ranges,
        threads=threads,
    )
    per_range = np.stack(hists)
    block_start = np.zeros(n_blocks + 1, dtype=np.int64)
    np.cumsum(per_range.sum(axis=0), out=block_start[1:])
    cursors = block_start[:-1] + np.concatenate(
        [np.zeros((1, n_blocks), np.int64), np.cumsum(per_range, axis=0)[:-1]]
    )
    m = int(block_start[-1])
    user = np.empty(m, dtype=np.uint16)
    ticks = np.empty(m, dtype=np.int64)
    steps = np.empty(m, dtype=np.int16)
    rows = np.empty(m if keep_rows else 0, dtype=np.int64)
    thread_map(
        lambda i: fk.block_scatter(
            events.codes,
            events.ticks,
            labels,
            step_of,
            shift,
            cursors[i],
            ranges[i][0],
            ranges[i][1],
            user,
            ticks,
            steps,
            rows,
        ),
        list(range(len(ranges))),
        threads=threads,
    )
    return Partitioned(user, ticks, steps, rows, block_start, shift, n_users, threads)


def group_by_user(events: Events, chosen: npt.NDArray[np.int32]) -> Grouped:
    """Group the rows whose event is in ``chosen`` (at most 32,767 names) by user.

    :func:`partition`, then each block sorted by user in place (block-local counters that
    stay in the L2 cache) and each user's rows put in ``(time, position in chosen)`` order.
    """
    from growthkit._kernels import funnel as fk

    part = partition(events, chosen)
    m = part.ticks.shape[0]
    offsets = np.empty(part.n_users + 1, dtype=np.int64)
    offsets[part.n_users] = m
    out_ticks = np.empty(m, dtype=np.int64)
    out_steps = np.empty(m, dtype=np.int16)
    out_rows = np.empty(m, dtype=np.int64)

    def sort_blocks(span: tuple[int, int]) -> None:
        for b in range(span[0], span[1]):
            first = b << part.shift
            lo = int(part.block_start[b])
            fk.sort_block(
                part.user,
                part.ticks,
                part.steps,
                part.rows,
                lo,
                int(part.block_start[b + 1]),
                0,
                min(1 << part.shift, part.n_users - first),
                offsets,
                first,
                out_ticks,
                out_steps,
                out_rows,
                lo,
            )

    part.map_blocks(sort_blocks)
    return Grouped(offsets, out_ticks, out_steps, out_rows)
