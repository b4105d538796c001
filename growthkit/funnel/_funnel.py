"""Conversion funnels: users reaching each step within a window of their first step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import period_index
from growthkit.funnel._events import Events, as_columns, check_window, partition
from growthkit.funnel._result import Frozen

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FunnelOrder", "FunnelResult", "funnel"]

FunnelOrder = Literal["strict", "any"]
_ORDERS: tuple[FunnelOrder, ...] = ("strict", "any")
_MAX_STEPS = 64
_NS_PER_TICK = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


@dataclass(frozen=True, slots=True, eq=False)
class FunnelResult(Frozen):
    """Users reaching each step of a funnel, overall or by segment, and how fast.

    Attributes
    ----------
    steps
        The step event names, in funnel order.
    order
        ``"strict"`` or ``"any"`` (see :func:`funnel`).
    window
        The conversion window, or ``None`` for no limit.
    by
        The segment: a property column, ``"cohort"`` (the period of the attempt's first
        step, see ``period``) or ``None`` (one group, labelled ``"all"``).
    period
        The cohort period when ``by="cohort"``, else ``None``.
    groups
        The segments (only those with at least one user at the first step), named ``by``.
    counts
        Users reaching each step, int64 of shape ``(groups, steps)``; non-increasing along
        the steps.
    quantiles
        The probabilities of the time-to-convert quantiles of ``to_frame()`` (see
        :meth:`time_to_convert`).
    users
        Every user of the log, named like the user column.
    depth
        Per user, the number of steps reached (int8; 0 = never did the first step).
    group
        Per user, the position of their segment in ``groups`` (int32; -1 at depth 0).
    elapsed
        Per user and step, ``timedelta64[ns]`` from the first step (NaT beyond the depth).
    entered_at
        Per user, the time of the first step of the counted attempt (``datetime64[ns]``,
        local wall clock; NaT at depth 0).

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(2000, seed=3)
    >>> f = gk.funnel.funnel(log, steps=["visit", "view", "add_to_cart", "purchase"], window="1D")
    >>> f.counts.tolist()
    [[2000, 1405, 393, 181]]
    >>> f == gk.funnel.funnel(log, steps=["visit", "view", "add_to_cart", "purchase"], window="1D")
    True
    """

    steps: tuple[Any, ...]
    order: FunnelOrder
    window: pd.Timedelta | None
    by: str | None
    period: v.Period | None
    groups: pd.Index
    counts: npt.NDArray[np.int64]
    quantiles: tuple[float, ...]
    users: pd.Index
    depth: npt.NDArray[np.int8]
    group: npt.NDArray[np.int32]
    elapsed: npt.NDArray[np.timedelta64]
    entered_at: npt.NDArray[np.datetime64]

    @property
    def conversion(self) -> pd.DataFrame:
        """Share of each group's first-step users reaching each step (groups x steps).

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.datasets.simulate_events(2000, seed=3)
        >>> f = gk.funnel.funnel(log, steps=["visit", "view", "purchase"], window="1D")
        >>> f.conversion.round(3)  # doctest: +NORMALIZE_WHITESPACE
        step  visit   view  purchase
        all     1.0  0.702      0.09
        """
        shares = self.counts / self.counts[:, :1].astype(np.float64)
        columns = pd.Index([str(s) for s in self.steps], name="step")
        return pd.DataFrame(shares, index=self.groups.copy(), columns=columns)

    def to_frame(self) -> pd.DataFrame:
        """One row per group and step (tidy).

        Columns: the group (named ``by``, when given), ``step``, ``step_index``, ``users``,
        ``conversion`` (from the first step), ``conversion_from_previous``, ``drop_off``
        (users lost since the previous step), ``drop_off_rate`` (their share of the
        previous step's users), then ``time_to_convert_p50``-style columns (from the first
        step) and ``time_from_previous_p50``-style columns, one per quantile.

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.datasets.simulate_events(2000, seed=3)
        >>> f = gk.funnel.funnel(log, steps=["visit", "view", "purchase"], window="1D")
        >>> f.to_frame()[["step", "users", "conversion_from_previous", "drop_off"]]
        ... # doctest: +NORMALIZE_WHITESPACE
               step  users  conversion_from_previous  drop_off
        0     visit   2000                  1.000000         0
        1      view   1405                  0.702500       595
        2  purchase    181                  0.128826      1224
        """
        g, k = self.counts.shape
        counts = self.counts
        previous = np.concatenate([counts[:, :1], counts[:, :-1]], axis=1)
        columns: dict[str, Any] = {}
        if self.by is not None:
            columns[self.by] = np.repeat(self.groups.to_numpy(), k)
        columns["step"] = np.tile(np.array([str(s) for s in self.steps], dtype=object), g)
        columns["step_index"] = np.tile(np.arange(k, dtype=np.int64), g)
        columns["users"] = counts.ravel().copy()
        columns["conversion"] = (counts / counts[:, :1].astype(np.float64)).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            from_previous = np.where(previous > 0, counts / np.maximum(previous, 1), 0.0)
        columns["conversion_from_previous"] = from_previous.ravel()
        columns["drop_off"] = (previous - counts).ravel()
        columns["drop_off_rate"] = 1.0 - from_previous.ravel()
        for name, table in (
            ("time_to_convert", self.time_to_convert()),
            ("time_from_previous", self.time_to_convert(from_previous=True)),
        ):
            for i, q in enumerate(self.quantiles):
                columns[f"{name}_p{_percent(q)}"] = pd.to_timedelta(table[:, :, i].ravel())
        return pd.DataFrame(columns)

    def time_to_convert(
        self, quantiles: Sequence[float] | None = None, *, from_previous: bool = False
    ) -> npt.NDArray[np.timedelta64]:
        """Quantiles of the time to convert, per group and step.

        Parameters
        ----------
        quantiles
            Probabilities (linear interpolation); ``None`` for ``self.quantiles``.
        from_previous
            Time from the previous step instead of from the first step.

        Returns
        -------
        numpy.ndarray
            ``timedelta64[ns]`` of shape ``(groups, steps, quantiles)``, over the users of
            the group reaching the step (0 at the first step; NaT where no user did).

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.datasets.simulate_events(2000, seed=3)
        >>> f = gk.funnel.funnel(log, steps=["visit", "view", "purchase"], window="1D")
        >>> f.time_to_convert([0.5])[0, :, 0].astype("m8[s]").tolist()
        [datetime.timedelta(0), datetime.timedelta(seconds=68), datetime.timedelta(seconds=425)]
        """
        qs = self.quantiles if quantiles is None else _check_quantiles(quantiles)
        return _quantiles(self.elapsed, self.depth, self.group, len(self.groups), qs, from_previous)

    def users_frame(self) -> pd.DataFrame:
        """One row per user: ``depth``, the segment, ``entered_at`` and time to each step.

        Examples
        --------
        >>> import growthkit as gk
        >>> log = gk.datasets.simulate_events(200, seed=3)
        >>> f = gk.funnel.funnel(log, steps=["visit", "purchase"], window="1D")
        >>> list(f.users_frame().columns)
        ['depth', 'group', 'entered_at', 'elapsed_visit', 'elapsed_purchase']
        """
        frame = pd.DataFrame(
            {"depth": self.depth.copy()}, index=pd.Index(self.users, name=self.users.name)
        )
        labels = self.groups.to_numpy()
        group = np.where(self.group >= 0, self.group, 0)
        frame["group"] = pd.Series(labels[group] if len(labels) else group, index=frame.index)
        frame.loc[self.group < 0, "group"] = None
        frame["entered_at"] = self.entered_at.copy()
        for j, step in enumerate(self.steps):
            frame[f"elapsed_{step}"] = self.elapsed[:, j].copy()
        return frame

    def __str__(self) -> str:
        window = "no window" if self.window is None else f"window={self.window}"
        head = f"FunnelResult({len(self.steps)} steps, order={self.order!r}, {window}"
        head += f", by={self.by!r})\n" if self.by else ")\n"
        frame = self.to_frame()
        keep = [c for c in (self.by, "step", "users", "conversion", "conversion_from_previous")]
        median = "time_to_convert_p50"
        shown = frame[[c for c in keep if c is not None] + ([median] if median in frame else [])]
        return head + shown.to_string(max_rows=40, index=False)

    def plot(self, *, ax: Axes | None = None, kind: Literal["bars", "steps"] = "bars") -> Axes:
        """Funnel bars (``kind="bars"``) or a step chart of conversion by group (``"steps"``).

        Delegates to :func:`growthkit.plotting.plot_funnel` /
        :func:`growthkit.plotting.plot_funnel_steps`.

        Examples
        --------
        >>> import growthkit as gk
        >>> from growthkit.plotting import new_axes
        >>> log = gk.datasets.simulate_events(500, seed=3)
        >>> f = gk.funnel.funnel(log, steps=["visit", "view", "purchase"], window="1D")
        >>> f.plot(ax=new_axes()).get_ylabel()
        'users'
        """
        from growthkit.plotting import plot_funnel, plot_funnel_steps

        if v.check_choice("kind", kind, ("bars", "steps")) == "steps":
            return plot_funnel_steps(self, ax=ax)
        return plot_funnel(self, ax=ax)


def _percent(q: float) -> str:
    text = f"{100 * q:.10g}"
    return text.replace(".", "_")


def _check_steps(steps: object) -> list[Any]:
    if isinstance(steps, str) or not isinstance(
        steps, (list, tuple, pd.Index, pd.Series, np.ndarray)
    ):
        raise v.schema_error(
            "steps", f"must be a list of event names, got {type(steps).__name__}", 1
        )
    out = list(steps)
    if not out:
        raise v.data_error("steps", "is empty", 0, "Name at least one step.")
    if len(out) > _MAX_STEPS:
        raise v.data_error(
            "steps", f"has {len(out)} steps, more than {_MAX_STEPS}", len(out), "Use fewer steps."
        )
    return out


def _check_quantiles(quantiles: object) -> tuple[float, ...]:
    if isinstance(quantiles, (int, float)):
        quantiles = (quantiles,)
    if not isinstance(quantiles, (list, tuple, np.ndarray)):
        raise v.schema_error(
            "quantiles", f"must be a list of probabilities, got {type(quantiles).__name__}", 1
        )
    out = []
    for q in quantiles:
        if not isinstance(q, (int, float, np.integer, np.floating)) or isinstance(q, bool):
            raise v.schema_error("quantiles", f"must hold numbers, got {q!r}", 1)
        if not 0.0 <= float(q) <= 1.0:
            raise v.data_error("quantiles", f"must lie in [0, 1], got {q!r}", 1)
        out.append(float(q))
    return tuple(out)


def funnel(
    events: pd.DataFrame | Events,
    steps: Sequence[Any],
    *,
    window: object = "30D",
    order: FunnelOrder = "strict",
    by: str | None = None,
    period: v.Period = "W",
    quantiles: Sequence[float] = (0.25, 0.5, 0.75),
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> FunnelResult:
    """Count the users reaching each step of a funnel within a conversion window.

    Parameters
    ----------
    events
        Event log (one row per event) or a prepared :class:`~growthkit.funnel.Events`.
    steps
        The steps' event names, in funnel order, each once (at most 64).
    window
        The conversion window: every step of an attempt must happen at most this long
        after the attempt's first step (inclusive); a pandas-readable duration (``"7D"``,
        ``"1h"``, ``pandas.Timedelta``) or ``None`` for no limit. Durations are measured on
        the log's wall clock (for tz-aware logs, a window across a daylight-saving change is
        off by the shift).
    order
        ``"strict"``: the steps must happen in the given order (other events, and repeats
        of any step, may come between them); ``"any"``: in any order.
    by
        Segment the users: a property column (its value on the row of the attempt's first
        step), ``"cohort"`` (the calendar ``period`` of the attempt's first step), or
        ``None``.
    period
        Cohort period for ``by="cohort"``: ``"D"``, ``"W"`` (weeks start Monday), ``"M"``,
        ``"Q"``, ``"Y"``.
    quantiles
        Probabilities of the time-to-convert quantiles (linear interpolation).
    user_col, time_col, event_col
        Column names, when ``events`` is a frame.

    Returns
    -------
    FunnelResult
        ``counts`` by group and step, ``conversion``, ``to_frame()`` (conversion from the
        first and the previous step, drop-off, time-to-convert quantiles), the per-user
        ``depth`` and ``elapsed`` times, ``plot()``.

    Raises
    ------
    SchemaError
        Missing or mistyped columns, ``steps`` not a list, a bad ``order``, ``period`` or
        ``window`` type, or a ``by`` column that the prepared log does not hold.
    DataError
        Bad rows (see :func:`~growthkit.funnel.prepare_events`), empty or repeated
        ``steps``, a step that names no event in the log, a non-positive ``window``, or
        quantiles outside [0, 1].

    Notes
    -----
    Each user's events are put in time order; events at the same time count in step
    order (a tie never breaks a chain), so the result does not depend on the order of the
    rows, and a step and the next may happen at the same instant.

    **Strict order.** A user reaches step ``j`` when some occurrences ``t_0 <= t_1 <= ... <=
    t_j`` of steps ``0..j`` (in time) have ``t_j - t_0 <= window``. Users may repeat steps,
    do other events in between, or skip ahead (a user who views, then purchases without a
    cart, reaches only "view"); later steps done before the earlier ones do not count.
    This is Amplitude's "this order", Mixpanel's default and PostHog's "sequential" order
    (PostHog's "strict" additionally forbids events in between; growthkit's does not).

    **Any order.** A user reaches step ``j`` when some window ``[a, a + window]`` holds an
    occurrence of each of steps ``0..j``, in any order (Amplitude's "any order").

    **Which attempt counts.** A user with several first-step occurrences (several visits)
    is counted once, with the attempt that gets furthest, as Amplitude, Mixpanel and
    PostHog do; among attempts that get equally far, the earliest. The segment, the cohort,
    ``entered_at`` and the times come from that attempt. In strict order, its step times
    are the earliest possible (each step's first occurrence after the previous step); in
    any order, the attempt starts at the earliest occurrence of a reached step whose window
    holds them all, and step ``j`` is converted when all of steps ``0..j`` have occurred in
    it. Time to convert is measured from the attempt's first step; the ``time_from_previous``
    of step ``j`` is the time between converting step ``j - 1`` and step ``j``.

    The kernel groups the steps' rows by user with a cache-blocked counting sort and scans
    each user's rows once per first-step occurrence (a few jumps along precomputed
    next-step links), on two threads for large logs.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(5000, seed=2)
    >>> steps = ["visit", "view", "add_to_cart", "checkout", "purchase"]
    >>> f = gk.funnel.funnel(log, steps, window="1D")
    >>> f.to_frame()[["step", "users", "conversion", "conversion_from_previous"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
              step  users  conversion  conversion_from_previous
    0        visit   5000       1.000                     1.000
    1         view   3518       0.704                     0.704
    2  add_to_cart   1102       0.220                     0.313
    3     checkout    665       0.133                     0.603
    4     purchase    467       0.093                     0.702
    >>> by_device = gk.funnel.funnel(log, steps, window="1D", by="device")
    >>> by_device.conversion["purchase"].round(3)
    device
    desktop    0.094
    mobile     0.093
    Name: purchase, dtype: float64
    """
    step_names = _check_steps(steps)
    checked_order = v.check_choice("order", order, _ORDERS)
    checked_quantiles = _check_quantiles(quantiles)
    checked_period = v.check_period(period) if by == "cohort" else None
    if by is not None and not isinstance(by, str):
        raise v.schema_error("by", f"must be a column name or 'cohort', got {by!r}", 1)
    log = as_columns(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        properties=() if by is None or by == "cohort" else (by,),
    )
    if by == "cohort" and "cohort" in log.properties:
        raise v.schema_error(
            "by",
            "'cohort' is both a property column and the cohort option",
            log.n_rows,
            "Rename the column.",
        )
    checked_window = check_window(window, log)
    chosen = log.event_codes(step_names)
    k = len(step_names)
    limit = np.iinfo(np.int64).max if checked_window is None else checked_window[0]
    from growthkit._kernels import funnel as fk

    n = log.n_users
    depth = np.empty(n, dtype=np.int8)
    elapsed = np.empty((n, k), dtype=np.int64)
    entered = np.empty(n, dtype=np.int64)
    by_property = by is not None and by != "cohort"
    start_row = np.empty(n if by_property else 0, dtype=np.int64)
    any_order = checked_order == "any"
    ns = _NS_PER_TICK[log.unit]

    part = partition(log, chosen, keep_rows=by_property)
    part.map_blocks(
        lambda span: fk.funnel_blocks(
            part.user,
            part.ticks,
            part.steps,
            part.rows,
            part.block_start,
            part.shift,
            n,
            span[0],
            span[1],
            k,
            limit,
            any_order,
            ns,
            depth,
            elapsed,
            entered,
            start_row,
        )
    )
    if by is None:
        groups: pd.Index = pd.Index(["all"], dtype=object)
        group = np.where(depth > 0, 0, -1).astype(np.int32)
        table = np.bincount(depth, minlength=k + 1)[None, :]
    else:
        inside = depth > 0
        if by == "cohort":
            from growthkit._kernels import periods

            assert checked_period is not None
            code = periods.PERIOD_CODES[checked_period]
            # entered is in nanoseconds of the local wall clock
            raw_group = periods.period_keys(entered[inside], 86_400 * 10**9, code)
        else:
            codes, values = log.property(by)
            raw_group = codes[start_row[inside]].astype(np.int64)
        present, group_inside = np.unique(raw_group, return_inverse=True)
        if by == "cohort":
            assert checked_period is not None
            groups = period_index(present, checked_period)
        else:
            groups = values[present]
        groups = groups.rename(by)
        group = np.full(n, -1, dtype=np.int32)
        group[inside] = group_inside.astype(np.int32)
        table = np.bincount(
            group_inside.astype(np.int64) * (k + 1) + depth[inside],
            minlength=len(present) * (k + 1),
        ).reshape(len(present), k + 1)
    counts = np.array(np.cumsum(table[:, ::-1], axis=1)[:, ::-1][:, 1:], np.int64, order="C")
    # The result owns these new arrays: read-only in place, so Frozen does not copy them
    # (the per-user times alone are 8 bytes x users x steps).
    for owned in (counts, depth, group, elapsed, entered):
        owned.flags.writeable = False
    return FunnelResult(
        steps=tuple(step_names),
        order=checked_order,
        window=None if checked_window is None else checked_window[1],
        by=by,
        period=checked_period,
        groups=groups,
        counts=counts,
        quantiles=checked_quantiles,
        users=log.users,
        depth=depth,
        group=group,
        elapsed=elapsed.view("m8[ns]"),
        entered_at=entered.view("M8[ns]"),
    )


def _quantiles(
    elapsed: npt.NDArray[np.timedelta64],
    depth: npt.NDArray[np.int8],
    group: npt.NDArray[np.int32],
    n_groups: int,
    quantiles: tuple[float, ...],
    from_previous: bool,
) -> npt.NDArray[np.timedelta64]:
    """Per group and step, quantiles of the time from the first (or the previous) step."""
    k = elapsed.shape[1]
    out = np.full((n_groups, k, len(quantiles)), np.timedelta64("NaT"), dtype="m8[ns]")
    if not quantiles:
        return out
    raw = elapsed.view(np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1), side="left")
    qs = np.asarray(quantiles)
    for g in range(n_groups):
        members = order[bounds[g] : bounds[g + 1]]
        d = depth[members]
        for j in range(k):
            reached = members[d > j]
            if reached.shape[0] == 0:
                continue
            values = raw[reached, j].astype(np.float64)
            if from_previous and j:
                values -= raw[reached, j - 1]
            out[g, j] = np.round(np.quantile(values, qs)).astype(np.int64).view("m8[ns]")
    return out
