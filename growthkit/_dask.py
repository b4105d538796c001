"""The transaction-level functions on a ``dask.dataframe.DataFrame``: Dask is the engine.

Plan of every call (see ``docs/scaling.md``):

1. **One validation pass** (a task per partition, summed on the client): rows, missing
   ids / times / amounts, infinite and negative amounts, orders after an explicit
   ``observation_end``, the earliest and latest wall-clock time and each partition's id
   range. Bad rows raise the same :class:`~growthkit.GrowthkitError` as in memory, with
   the row count summed over all partitions. The latest time becomes the default
   ``observation_end`` that every partition receives explicitly.
2. **Whole customers per partition.** When the partitions' id ranges are already disjoint
   (a log written by customer, e.g. one parquet file per id range) nothing moves;
   otherwise one ``DataFrame.shuffle(on=customer_col)`` (Dask's P2P or task shuffle)
   hashes every customer to one partition. Memory per worker stays bounded by the
   partition size.
3. **The in-memory function per partition** (``map`` over ``to_delayed()`` partitions):
   validate -> prepare -> numba kernels, exactly the single-machine path.
4. **A per-function combine** of the small partial results on the client: concatenation
   for per-customer tables, sums for cohort and growth-accounting counts (customers are
   disjoint across partitions), then the global step (NaN mask of not-yet-observable
   ages, cumulative sums, ratios, RFM quantile scores on the global distribution).

Dask is imported lazily and only for objects whose type lives in a ``dask`` module, so
``import growthkit`` never imports it.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.errors import DataError, GrowthkitError, SchemaError

__all__ = [
    "calibration_holdout_summary",
    "cohort_matrix",
    "customer_summary",
    "dispatch",
    "growth_accounting",
    "is_dask_frame",
    "maybe_dispatch",
    "rfm_scores",
    "survival_table",
]

_NAT = np.iinfo(np.int64).min

# name -> (module, attribute) of the in-memory function run on each partition.
_PUBLIC: dict[str, tuple[str, str]] = {
    "customer_summary": ("growthkit.summary", "customer_summary"),
    "calibration_holdout_summary": ("growthkit.summary", "calibration_holdout_summary"),
    "rfm_scores": ("growthkit.rfm", "rfm_scores"),
    "cohort_matrix": ("growthkit.cohort", "cohort_matrix"),
    "growth_accounting": ("growthkit.cohort", "growth_accounting"),
    "survival_table": ("growthkit.churn._table", "survival_table"),
}


def _public(name: str) -> Callable[..., Any]:
    module, attribute = _PUBLIC[name]
    return cast(Callable[..., Any], getattr(importlib.import_module(module), attribute))


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a Dask DataFrame (checked by module name: imports nothing)."""
    module = type(obj).__module__
    return (
        (module == "dask" or module.startswith("dask."))
        and hasattr(obj, "to_delayed")
        and hasattr(obj, "columns")
    )


def maybe_dispatch(name: str, tx: object, kwargs: Mapping[str, object]) -> object | None:
    """Run the public function ``name`` on a Dask frame, or return ``None`` for other input.

    Parameters
    ----------
    name
        One of ``customer_summary``, ``calibration_holdout_summary``, ``rfm_scores``,
        ``cohort_matrix``, ``growth_accounting``, ``survival_table``,
        ``ratio_stats_by_variant``.
    tx
        The caller's transaction argument.
    kwargs
        The caller's keyword arguments (``locals()`` at the top of the public function
        works: the entry holding ``tx`` itself is ignored).

    Returns
    -------
    object or None
        The same result type as the in-memory function, or ``None`` when ``tx`` is not a
        Dask DataFrame.
    """
    if not is_dask_frame(tx):
        return None
    return dispatch(name, tx, kwargs)


def dispatch(name: str, tx: object, kwargs: Mapping[str, object]) -> object:
    """Run the public function ``name`` on the Dask frame ``tx`` (see :func:`maybe_dispatch`)."""
    arguments = {k: val for k, val in kwargs.items() if val is not tx}
    return _RUNNERS[name](tx, **arguments)


# --------------------------------------------------------------------------------------
# arguments


def _bind(name: str, kwargs: Mapping[str, object]) -> dict[str, Any]:
    """The call's keyword arguments with the in-memory function's defaults filled in."""
    signature = inspect.signature(_public(name))
    unknown = [k for k in kwargs if k not in signature.parameters]
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}")
    bound = {
        key: param.default
        for key, param in signature.parameters.items()
        if param.kind == inspect.Parameter.KEYWORD_ONLY and param.default is not param.empty
    }
    bound.update(kwargs)
    return bound


# --------------------------------------------------------------------------------------
# the validation pass


@dataclass(frozen=True, slots=True)
class _Columns:
    customer: str
    time: str
    amount: str | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the validation pass learnt about the whole frame."""

    frame: Any  # the Dask frame restricted to the needed columns
    columns: _Columns
    n_rows: int
    tz: object
    unit: str
    latest: int  # wall-clock ticks
    earliest: int
    disjoint: bool
    probe: pd.DataFrame  # one row of the data, for argument checks

    def timestamp(self, ticks: int) -> pd.Timestamp:
        unit: Any = self.unit
        stamp = pd.Timestamp(np.datetime64(int(ticks), unit))
        return stamp.tz_localize(cast(str, self.tz)) if self.tz is not None else stamp

    def ticks(self, stamp: pd.Timestamp) -> int:
        wall = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
        unit: Any = self.unit
        value: Any = wall.to_datetime64()
        return int(np.datetime64(value, unit).astype(np.int64))


class _Sized:
    """Stand-in with a frame's ``columns`` and length, for the shared column check."""

    def __init__(self, columns: pd.Index, n: int) -> None:
        self.columns = columns
        self._n = n

    def __len__(self) -> int:
        return self._n


def _wall_ticks(values: pd.Series) -> npt.NDArray[np.int64]:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    return np.asarray(values.to_numpy()).view(np.int64)


def _is_time(dtype: object) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    )


def _is_amount(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _partition_stats(
    part: pd.DataFrame,
    customer: str | None,
    time: str | None,
    amount: str | None,
    end: int | None,
) -> dict[str, Any]:
    """Counts of bad rows and the ranges of one partition (runs on a worker)."""
    n = len(part)
    out: dict[str, Any] = {"n": n, "probe": part.iloc[:1] if n else None}
    if customer is not None:
        ids = part[customer]
        if isinstance(ids.dtype, pd.CategoricalDtype):
            codes = np.asarray(ids.cat.codes.to_numpy(), dtype=np.int64)
            valid = codes[codes >= 0]
            out["id_missing"] = int(codes.shape[0] - valid.shape[0])
            out["id_range"] = (int(valid.min()), int(valid.max())) if valid.size else None
        else:
            missing = int(ids.isna().sum())
            out["id_missing"] = missing
            rest = ids.dropna() if missing else ids
            try:
                out["id_range"] = (rest.min(), rest.max()) if len(rest) else None
            except TypeError:  # unorderable mixed ids: never treated as disjoint
                out["id_range"] = "unordered"
    if time is not None:
        ticks = _wall_ticks(part[time])
        valid_ticks = ticks[ticks != _NAT]
        out["time_missing"] = int(ticks.shape[0] - valid_ticks.shape[0])
        out["time_range"] = (
            (int(valid_ticks.min()), int(valid_ticks.max())) if valid_ticks.size else None
        )
        out["late"] = int(np.count_nonzero(valid_ticks > end)) if end is not None else 0
    if amount is not None:
        values = part[amount]
        out["amount_missing"] = int(values.isna().sum())
        arr = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        out["amount_inf"] = int(np.count_nonzero(np.isinf(arr)))
        out["amount_negative"] = int(np.count_nonzero(arr < 0))
    return out


def _dask() -> Any:
    return importlib.import_module("dask")


def _compute_partitions(frame: Any, function: Callable[..., Any], *args: Any) -> list[Any]:
    """``function(partition, *args)`` for every partition, computed by Dask."""
    dask = _dask()
    delayed = dask.delayed(function, pure=True)
    tasks = [delayed(part, *args) for part in frame.to_delayed()]
    return list(dask.compute(*tasks))


def _plan(
    ddf: Any,
    columns: _Columns,
    *,
    observation_end: object,
    end_name: str = "observation_end",
) -> tuple[_Plan, pd.Timestamp]:
    """Validate the whole frame in one pass; resolve ``observation_end``.

    Raises the in-memory errors (:func:`~growthkit.prepare_transactions`), in its order,
    with counts summed over all partitions.
    """
    meta: pd.DataFrame = ddf._meta
    names: dict[str, str | None] = {
        "customer_col": columns.customer,
        "time_col": columns.time,
        "amount_col": columns.amount,
    }
    present = {role: col for role, col in names.items() if col is not None and col in meta}
    time_dtype: Any = meta[columns.time].dtype if "time_col" in present else None
    amount_dtype = (
        meta[columns.amount].dtype if "amount_col" in present and columns.amount else None
    )
    tz = time_dtype.tz if isinstance(time_dtype, pd.DatetimeTZDtype) else None
    unit = "ns"
    if time_dtype is not None and _is_time(time_dtype):
        base = np.dtype(f"M8[{time_dtype.unit}]") if tz is not None else time_dtype
        unit = str(np.datetime_data(cast(Any, base))[0])
    end_stamp: pd.Timestamp | None = None
    end_ticks: int | None = None
    if observation_end is not None and time_dtype is not None:
        end_stamp = v.resolve_observation_end(observation_end, tz=tz, name=end_name)
        wall = end_stamp.tz_localize(None) if end_stamp.tzinfo is not None else end_stamp
        end_ticks = int(
            np.datetime64(cast(Any, wall.to_datetime64()), cast(Any, unit)).astype(np.int64)
        )

    needed = [c for c in (columns.customer, columns.time, columns.amount) if c is not None]
    frame = ddf[[c for c in needed if c in meta.columns]]
    id_dtype = meta[columns.customer].dtype if "customer_col" in present else None
    if isinstance(id_dtype, pd.CategoricalDtype) and not frame[columns.customer].cat.known:
        frame = frame.assign(**{columns.customer: frame[columns.customer].cat.as_known()})
    stats = _compute_partitions(
        frame,
        _partition_stats,
        columns.customer if "customer_col" in present else None,
        columns.time if time_dtype is not None and _is_time(time_dtype) else None,
        columns.amount if amount_dtype is not None and _is_amount(amount_dtype) else None,
        end_ticks,
    )
    n = sum(int(s["n"]) for s in stats)

    def total(key: str) -> int:
        return sum(int(s.get(key, 0)) for s in stats)

    v.check_columns(cast(pd.DataFrame, _Sized(meta.columns, n)), names)
    if n == 0:
        raise DataError(v.message(columns.customer, "is empty", 0, "Pass at least one order."))
    if not _is_time(time_dtype):
        fix = (
            "Convert it with dask.dataframe.to_datetime(...)."
            if time_dtype is not None and pd.api.types.is_object_dtype(time_dtype)
            else "Convert it with pandas.to_datetime(...)."
        )
        raise SchemaError(
            v.message(columns.time, f"must be datetime64, got dtype {time_dtype}", n, fix)
        )
    if total("time_missing"):
        raise DataError(
            v.message(
                columns.time,
                "has missing values (NaT)",
                total("time_missing"),
                "Drop or fill them first.",
            )
        )
    if columns.amount is not None:
        if not _is_amount(amount_dtype):
            raise SchemaError(
                v.message(
                    columns.amount,
                    f"must be numeric, got dtype {amount_dtype}",
                    n,
                    "Convert it with pandas.to_numeric(...).",
                )
            )
        if total("amount_missing"):
            raise DataError(
                v.message(
                    columns.amount,
                    "has missing values (NaN)",
                    total("amount_missing"),
                    "Drop or fill them first.",
                )
            )
        if total("amount_inf"):
            raise DataError(
                v.message(columns.amount, "has non-finite values (inf)", total("amount_inf"))
            )
        if total("amount_negative"):
            raise DataError(
                v.message(
                    columns.amount,
                    "has negative values",
                    total("amount_negative"),
                    "Refunds must be netted against their orders before the analysis.",
                )
            )
    if total("id_missing"):
        fix = (
            "Drop or fill them."
            if isinstance(id_dtype, pd.CategoricalDtype)
            else "Drop or fill them first."
        )
        raise DataError(
            v.message(columns.customer, "has missing values (NaN/None)", total("id_missing"), fix)
        )
    if total("late"):
        raise DataError(
            v.message(
                columns.time,
                f"has orders after {end_name} ({end_stamp})",
                total("late"),
                f"Filter them out or pass a later {end_name}.",
            )
        )
    ranges = [s["time_range"] for s in stats if s.get("time_range") is not None]
    plan = _Plan(
        frame=frame,
        columns=columns,
        n_rows=n,
        tz=tz,
        unit=unit,
        latest=max(r[1] for r in ranges),
        earliest=min(r[0] for r in ranges),
        disjoint=_disjoint([s.get("id_range") for s in stats if s["n"]]),
        probe=next(s["probe"] for s in stats if s["n"]),
    )
    return plan, end_stamp if end_stamp is not None else plan.timestamp(plan.latest)


def _disjoint(ranges: list[Any]) -> bool:
    """Whether the partitions' id ranges overlap nowhere (then no shuffle is needed)."""
    if len(ranges) <= 1:
        return True
    if any(r is None or isinstance(r, str) for r in ranges):
        return False
    try:
        ordered = sorted(ranges, key=lambda r: r[0])
        return all(a[1] < b[0] for a, b in itertools.pairwise(ordered))
    except TypeError:
        return False


# --------------------------------------------------------------------------------------
# running the in-memory function per partition


def _run_partition(
    part: pd.DataFrame,
    name: str,
    kwargs: dict[str, Any],
    keep_before: int | None,
    table_columns: list[str] | None = None,
) -> Any:
    """The in-memory function on one partition (runs on a worker); ``None`` if no rows.

    ``keep_before``: skip partitions without an order at or before these wall-clock ticks
    (the calibration period), which the in-memory function would reject.
    ``table_columns``: send back only these columns of the result's ``table``.
    """
    if len(part) == 0:
        return None
    if keep_before is not None:
        ticks = _wall_ticks(part[kwargs["time_col"]])
        if not np.any(ticks <= keep_before):
            return None
    result = _public(name)(part, **kwargs)
    if table_columns is not None:
        return result.table[table_columns]
    return result


def _partials(
    plan: _Plan,
    name: str,
    kwargs: dict[str, Any],
    keep_before: int | None = None,
    table_columns: list[str] | None = None,
) -> list[Any]:
    frame = plan.frame
    if not plan.disjoint:
        frame = frame.shuffle(on=plan.columns.customer)
    results = _compute_partitions(frame, _run_partition, name, kwargs, keep_before, table_columns)
    return [r for r in results if r is not None]


def _probe(plan: _Plan, name: str, kwargs: dict[str, Any]) -> Any:
    """Run the in-memory function on one real row so argument errors match exactly.

    The row's time is moved to the earliest order of the whole log, so checks that depend
    on it (an empty calibration period) see what the whole log would show. It runs as a
    Dask task, on a worker that compiles the kernels the partitions need anyway, so the
    client never compiles them.
    """
    probe = plan.probe.copy()
    column = plan.columns.time
    probe[column] = pd.Series([plan.timestamp(plan.earliest)], index=probe.index).astype(
        probe[column].dtype
    )
    dask = _dask()
    task = dask.delayed(_run_partition, pure=True)(probe, name, kwargs, None)
    return dask.compute(task)[0]


def _concat_customers(parts: list[pd.DataFrame], plan: _Plan) -> pd.DataFrame:
    """Concatenate per-customer partial tables into the in-memory order of customers."""
    dtype = plan.frame._meta[plan.columns.customer].dtype
    if plan.disjoint and not isinstance(dtype, pd.CategoricalDtype) and len(parts) > 1:
        # Partitions by id range: in range order the concatenation is already sorted.
        try:
            parts = sorted(parts, key=lambda part: part.index[0])
        except TypeError:
            pass
    frame = pd.concat(parts) if len(parts) > 1 else parts[0].copy()
    if isinstance(dtype, pd.CategoricalDtype):
        position = np.asarray(dtype.categories.get_indexer(frame.index), dtype=np.int64)
        return frame.iloc[np.argsort(position, kind="stable")]
    if frame.index.is_monotonic_increasing:
        return frame
    try:
        return frame.sort_index(kind="stable")
    except TypeError:  # unorderable ids keep first appearance, as in memory
        return frame


def _columns(kwargs: Mapping[str, Any], amount: str | None) -> _Columns:
    return _Columns(
        customer=cast(str, kwargs["customer_col"]),
        time=cast(str, kwargs["time_col"]),
        amount=amount,
    )


# --------------------------------------------------------------------------------------
# per-customer tables


def _per_customer(name: str, ddf: Any, kwargs: Mapping[str, object]) -> pd.DataFrame:
    args = _bind(name, kwargs)
    plan, end = _plan(
        ddf, _columns(args, args.get("amount_col")), observation_end=args["observation_end"]
    )
    args["observation_end"] = end
    _probe(plan, name, args)
    return _concat_customers(_partials(plan, name, args), plan)


def customer_summary(ddf: Any, **kwargs: object) -> pd.DataFrame:
    """:func:`growthkit.customer_summary` of a Dask frame (same arguments and result)."""
    return _per_customer("customer_summary", ddf, kwargs)


def survival_table(ddf: Any, **kwargs: object) -> pd.DataFrame:
    """:func:`growthkit.churn.survival_table` of a Dask frame (same arguments and result)."""
    return _per_customer("survival_table", ddf, kwargs)


def calibration_holdout_summary(ddf: Any, **kwargs: object) -> pd.DataFrame:
    """:func:`growthkit.calibration_holdout_summary` of a Dask frame (same arguments)."""
    name = "calibration_holdout_summary"
    args = _bind(name, kwargs)
    plan, end = _plan(
        ddf, _columns(args, args.get("amount_col")), observation_end=args["observation_end"]
    )
    args["observation_end"] = end
    _probe(plan, name, args)
    calibration = v.resolve_observation_end(
        args["calibration_end"], tz=plan.tz, name="calibration_end"
    )
    parts = _partials(plan, name, args, keep_before=plan.ticks(calibration))
    return _concat_customers(parts, plan)


# --------------------------------------------------------------------------------------
# RFM: per-customer aggregates per partition, scores on the global distribution


def rfm_scores(ddf: Any, **kwargs: object) -> Any:
    """:func:`growthkit.rfm.rfm_scores` of a Dask frame (same arguments and result)."""
    from growthkit import rfm

    name = "rfm_scores"
    args = _bind(name, kwargs)
    amount = rfm._check_amount_col(args["amount_col"])
    plan, end = _plan(ddf, _columns(args, amount), observation_end=args["observation_end"])
    args["observation_end"] = end
    _probe(plan, name, args)
    local = {
        "customer_col": args["customer_col"],
        "time_col": args["time_col"],
        "amount_col": amount,
        "observation_end": end,
    }
    # Only the per-customer aggregates travel back; the scores need the global distribution.
    tables = _partials(plan, name, local, table_columns=["recency_days", "frequency", "monetary"])
    aggregates = _concat_customers(tables, plan)
    return _rfm_from_aggregates(aggregates, end, args)


def _rfm_from_aggregates(aggregates: pd.DataFrame, end: pd.Timestamp, args: dict[str, Any]) -> Any:
    """Score per-customer aggregates exactly as :func:`growthkit.rfm.rfm_scores` does.

    Uses ``growthkit.rfm.score_aggregates`` when the rfm module offers it; otherwise
    mirrors the body of ``rfm_scores`` after its ``_metrics`` step, on the rfm module's own
    scoring helpers (quantile thresholds, scores, codes and segments).
    """
    from growthkit import rfm

    recency_days = np.asarray(aggregates["recency_days"].to_numpy(), dtype=np.int64)
    frequency = np.asarray(aggregates["frequency"].to_numpy(), dtype=np.int64)
    monetary = np.asarray(aggregates["monetary"].to_numpy(), dtype=np.float64)
    hook = getattr(rfm, "score_aggregates", None)
    if hook is not None:
        return hook(
            aggregates.index.copy(),
            recency_days,
            frequency,
            monetary,
            observation_end=end,
            bins=args["bins"],
            segments=args["segments"],
            edges=args["edges"],
            fallback=args["fallback"],
        )
    r_: Any = rfm
    bins = r_._check_bins(args["bins"])
    fixed = r_._check_edges(args["edges"], bins)
    scheme = r_._check_scheme(args["segments"], args["fallback"])
    goodness: dict[str, Any] = {
        "recency_days": -recency_days,
        "frequency": frequency,
        "monetary": monetary,
    }
    scores: dict[str, npt.NDArray[np.int64]] = {}
    reported: dict[str, npt.NDArray[np.float64]] = {}
    for dim in r_.DIMENSIONS:
        g = goodness[dim]
        if dim in fixed:
            e = fixed[dim]
            thresholds = -e[::-1] if dim == "recency_days" else e
        else:
            counted = r_._counted_thresholds(g, bins) if g.dtype.kind == "i" else None
            thresholds = r_._quantile_thresholds(g, bins) if counted is None else counted
        thresholds = np.ascontiguousarray(thresholds, dtype=np.float64)
        scores[dim] = r_._score(g, thresholds)
        shown = (-thresholds[::-1] if dim == "recency_days" else thresholds.copy()) + 0.0
        shown.flags.writeable = False
        reported[dim] = shown
    r, f, m = scores["recency_days"], scores["frequency"], scores["monetary"]
    total, codes, segment_codes = r_._combine(scheme, r, f, m, bins)
    table = pd.DataFrame(
        {
            "recency_days": recency_days,
            "frequency": frequency,
            "monetary": monetary,
            "r": r,
            "f": f,
            "m": m,
            "rfm_code": codes,
            "rfm_score": total,
            "segment": r_._categorical(segment_codes, scheme.names),
        },
        index=aggregates.index.copy(),
        copy=False,
    )
    return rfm.RFMResult(
        table=table,
        bins=bins,
        observation_end=end,
        edges=MappingProxyType(reported),
        segments=scheme.names,
    )


# --------------------------------------------------------------------------------------
# cohorts: counts add up across partitions (customers are disjoint)


def _period_key(plan: _Plan, stamp: pd.Timestamp, period: v.Period) -> int:
    """Calendar-period ordinal of ``stamp`` on the log's wall clock (as in memory)."""
    from growthkit._kernels import periods

    ticks = np.array([plan.ticks(stamp)], dtype=np.int64)
    per_day = 86_400 * 10 ** {"s": 0, "ms": 3, "us": 6, "ns": 9}[plan.unit]
    return int(periods.period_keys(ticks, per_day, periods.PERIOD_CODES[period])[0])


def cohort_matrix(ddf: Any, **kwargs: object) -> Any:
    """:func:`growthkit.cohort.cohort_matrix` of a Dask frame (same arguments and result)."""
    from growthkit._prepare import period_index
    from growthkit.cohort import CohortMatrix

    name = "cohort_matrix"
    args = _bind(name, kwargs)
    value = args["value"]
    amount = args["amount_col"] if value == "revenue" else None
    plan, end = _plan(ddf, _columns(args, amount), observation_end=args["observation_end"])
    if value == "revenue" and args["amount_col"] is None:
        _probe_counted(plan, name, args)
    args["observation_end"] = end
    definition = _probe(plan, name, args).definition
    cumulative = args["cumulative"]
    # Orders and revenue: sum the cells, then the running total, as in memory; customers
    # "unbounded" retention is a count of customers, so the partials add up as they are.
    local = dict(args)
    if value != "customers":
        local["cumulative"] = False
    results = _partials(plan, name, local)
    period = results[0].period
    hi = _period_key(plan, end, period)
    lo = min(int(r.counts.index[0].ordinal) for r in results)
    n = hi - lo + 1
    table = np.zeros((n, n), dtype=np.float64)
    sizes = np.zeros(n, dtype=np.int64)
    for r in results:
        rows = np.asarray(cast(Any, r.counts.index).asi8, dtype=np.int64) - lo
        cells = np.nan_to_num(r.counts.to_numpy(dtype=np.float64), nan=0.0)
        table[rows[:, None], np.arange(cells.shape[1])[None, :]] += cells
        sizes[rows] += r.sizes.to_numpy(dtype=np.int64)
    if value != "customers" and cumulative:
        table = np.cumsum(table, axis=1)
    ages = np.arange(n, dtype=np.int64)
    table[ages[None, :] > (n - 1 - ages)[:, None]] = np.nan
    keep = np.flatnonzero(sizes > 0)
    index = period_index(lo + keep.astype(np.int64), period).rename("cohort")
    counts = pd.DataFrame(table[keep], index=index, columns=pd.Index(ages, name="age"))
    return CohortMatrix(
        counts=counts,
        sizes=pd.Series(sizes[keep], index=index, name="cohort_size"),
        value=value,
        period=period,
        cumulative=bool(cumulative),
        definition=definition,
    )


def _probe_counted(plan: _Plan, name: str, args: dict[str, Any]) -> None:
    """Argument errors whose message counts the rows: rerun them with the true count."""
    try:
        _probe(plan, name, args)
    except GrowthkitError as error:
        text = str(error).replace(": 1 rows.", f": {plan.n_rows} rows.", 1)
        raise type(error)(text) from None


_RATIOS = ("acquired", "quick_ratio", "churn_rate", "churn_rate_acquired", "revenue_quick_ratio")


def _ratio(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: npt.NDArray[np.float64] = num / den
    return out


def growth_accounting(ddf: Any, **kwargs: object) -> pd.DataFrame:
    """:func:`growthkit.cohort.growth_accounting` of a Dask frame (same arguments, result)."""
    from growthkit._prepare import period_index

    name = "growth_accounting"
    args = _bind(name, kwargs)
    plan, end = _plan(
        ddf, _columns(args, args["amount_col"]), observation_end=args["observation_end"]
    )
    args["observation_end"] = end
    _probe(plan, name, args)
    results: list[pd.DataFrame] = _partials(plan, name, args)
    period = v.check_period(args["period"])
    hi = _period_key(plan, end, period)
    lo = min(int(r.index[0].ordinal) for r in results)
    n = hi - lo + 1
    template = results[0]
    additive = [c for c in template.columns if c not in _RATIOS]
    sums: dict[str, Any] = {c: np.zeros(n, dtype=cast(Any, template[c].dtype)) for c in additive}
    for r in results:
        rows = np.asarray(cast(Any, r.index).asi8, dtype=np.int64) - lo
        for c in additive:
            sums[c][rows] += r[c].to_numpy()
    new = sums["new"]
    acquired = np.cumsum(new)
    active = sums["active"].astype(np.float64)
    previous_active = np.concatenate([[0.0], active[:-1]])
    previous_acquired = np.concatenate([[0], acquired[:-1]]).astype(np.float64)
    churned = sums["churned"].astype(np.float64)
    derived: dict[str, npt.NDArray[Any]] = {
        "acquired": acquired,
        "quick_ratio": _ratio((new + sums["resurrected"]).astype(np.float64), churned),
        "churn_rate": _ratio(churned, previous_active),
        "churn_rate_acquired": _ratio(churned, previous_acquired),
    }
    if "revenue" in sums:
        derived["revenue_quick_ratio"] = _ratio(
            sums["new_revenue"] + sums["resurrected_revenue"] + sums["expansion_revenue"],
            sums["churned_revenue"] + sums["contraction_revenue"],
        )
    columns = {c: sums[c] if c in sums else derived[c] for c in template.columns}
    index = period_index(lo + np.arange(n, dtype=np.int64), period).rename("period")
    return pd.DataFrame(columns, index=index)


def _ratio_stats_by_variant(ddf: Any, **kwargs: Any) -> object:
    from growthkit import _dask_stats

    return _dask_stats.ratio_stats_by_variant(ddf, **kwargs)


_RUNNERS: dict[str, Callable[..., object]] = {
    "customer_summary": customer_summary,
    "calibration_holdout_summary": calibration_holdout_summary,
    "rfm_scores": rfm_scores,
    "cohort_matrix": cohort_matrix,
    "growth_accounting": growth_accounting,
    "survival_table": survival_table,
    "ratio_stats_by_variant": _ratio_stats_by_variant,
}
