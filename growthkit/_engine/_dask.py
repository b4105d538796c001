"""The Dask engine: a function's :class:`~growthkit._engine.Spec` on a Dask DataFrame.

Plan of every call (see ``docs/scaling.md``):

1. **Arguments**: the function's own ``check_args``, on the client.
2. **One validation pass** (a task per partition): each partition goes through
   :func:`~growthkit._prepare.as_transactions` and ``observation_end``, the very checks of
   the in-memory path. A partition that fails sends back its failing rows (every row of
   a column of the wrong dtype, else the rows with a missing, non-finite, negative or
   late value); the client runs the same checks on those rows together, so the error is
   the in-memory one with the count summed over all partitions. Healthy partitions send
   back their row count, latest order and first and last customer.
3. **Whole customers per partition.** When the partitions' customer ranges are disjoint
   (a log written by customer) nothing moves; otherwise one
   ``DataFrame.shuffle(on=customer_col)`` sends every customer to one partition.
4. **Partials per partition**: ``as_transactions`` then the function's ``partials``,
   with the resolved ``observation_end`` passed explicitly.
5. **Reduce and finish** on the client: :class:`~growthkit._engine.PerCustomer` partials
   are concatenated into the in-memory order of customers,
   :class:`~growthkit._engine.PerPeriod` partials summed on aligned periods; then the
   function's ``finish``.

This module knows no domain module: it runs the spec it is handed. Dask is imported
lazily, so ``import growthkit`` never imports it.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from growthkit import _validate as v
from growthkit._engine._spec import PerCustomer, PerPeriod, Spec
from growthkit._prepare import as_transactions
from growthkit.errors import DataError, GrowthkitError, SchemaError

__all__ = ["run"]


@dataclass(frozen=True, slots=True)
class _Columns:
    customer: str
    time: str
    amount: str | None

    def names(self) -> dict[str, str | None]:
        return {"customer_col": self.customer, "time_col": self.time, "amount_col": self.amount}


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the validation pass learnt about the whole frame."""

    frame: Any  # the Dask frame restricted to the needed columns
    columns: _Columns
    n_rows: int
    disjoint: bool
    id_dtype: Any


@dataclass(frozen=True, slots=True)
class _Scan:
    """One partition's validation: its size and ranges, or its error and failing rows."""

    n: int
    latest: pd.Timestamp | None = None
    ids: tuple[Any, Any] | None = None
    error: GrowthkitError | None = None
    bad: pd.DataFrame | None = None


class _Sized:
    """A frame's columns with the whole log's length, for the shared column check."""

    def __init__(self, columns: pd.Index, n: int) -> None:
        self.columns = columns
        self._n = n

    def __len__(self) -> int:
        return self._n


def run(spec: Spec, ddf: Any, kwargs: Mapping[str, object]) -> Any:
    """The result of ``spec.function(ddf, **kwargs)``, computed by Dask."""
    args = spec.check_args(_bind(spec, kwargs), ddf)
    columns = _Columns(args["customer_col"], args["time_col"], args["amount_col"])
    plan, end = _plan(ddf, columns, observation_end=args["observation_end"])
    args["observation_end"] = end
    frame = plan.frame if plan.disjoint else plan.frame.shuffle(on=columns.customer)
    parts = [p for p in _compute_partitions(frame, _partials, spec, args) if p is not None]
    if isinstance(parts[0], PerPeriod):
        return spec.finish(PerPeriod.sum(parts), args)
    return spec.finish(_concat_customers(parts, plan), args)


def _bind(spec: Spec, kwargs: Mapping[str, object]) -> dict[str, Any]:
    """The call's keyword arguments with the in-memory function's defaults filled in."""
    signature = inspect.signature(spec.function)
    unknown = [k for k in kwargs if k not in signature.parameters]
    if unknown:
        raise TypeError(f"{spec.name}() got an unexpected keyword argument {unknown[0]!r}")
    bound = {
        key: param.default
        for key, param in signature.parameters.items()
        if param.kind == inspect.Parameter.KEYWORD_ONLY and param.default is not param.empty
    }
    bound.update(kwargs)
    return bound


def _dask() -> Any:
    return importlib.import_module("dask")


def _compute_partitions(frame: Any, function: Callable[..., Any], *args: Any) -> list[Any]:
    """``function(partition, *args)`` for every partition, computed by Dask."""
    dask = _dask()
    delayed = dask.delayed(function, pure=True)
    tasks = [delayed(part, *args) for part in frame.to_delayed()]
    return list(dask.compute(*tasks))


# --------------------------------------------------------------------------------------
# the validation pass


def _prepare(part: pd.DataFrame, columns: _Columns, observation_end: object) -> Any:
    log = as_transactions(
        part, customer_col=columns.customer, time_col=columns.time, amount_col=columns.amount
    )
    log.observation_end(observation_end)
    return log


def _scan(part: pd.DataFrame, columns: _Columns, observation_end: object) -> _Scan:
    """Validate one partition (runs on a worker)."""
    n = len(part)
    if n == 0:
        return _Scan(0)
    try:
        log = _prepare(part, columns, observation_end)
    except SchemaError as error:  # a wrong dtype: every row has it
        return _Scan(n, error=error, bad=part)
    except DataError as error:
        return _Scan(n, error=error, bad=part[_suspect(part, columns, observation_end)])
    return _Scan(n, latest=log.latest, ids=(log.customers[0], log.customers[-1]))


def _suspect(part: pd.DataFrame, columns: _Columns, observation_end: object) -> Any:
    """Rows that may fail a value check: missing values, non-finite, negative or late.

    A superset: the checks themselves run on these rows afterwards, on the client.
    """
    # Never ``|=`` into these: on pandas 3 (copy-on-write) ``to_numpy`` hands out read-only
    # views, so every step below builds a new mask.
    mask = np.asarray(part.isna().any(axis=1).to_numpy(), dtype=bool)
    if columns.amount is not None:
        values = part[columns.amount]
        if pd.api.types.is_numeric_dtype(values.dtype):
            x = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
            with np.errstate(invalid="ignore"):
                mask = mask | ~np.isfinite(x) | (x < 0)
    if observation_end is not None:
        times = part[columns.time]
        try:
            stamp = v.resolve_observation_end(observation_end, tz=getattr(times.dtype, "tz", None))
            mask = mask | np.asarray((times > stamp).to_numpy(), dtype=bool)
        except (GrowthkitError, TypeError):
            pass  # a bad observation_end: the partition's own error is the answer
    return mask


def _plan(ddf: Any, columns: _Columns, *, observation_end: object) -> tuple[_Plan, pd.Timestamp]:
    """Validate the whole frame in one pass; resolve ``observation_end``.

    Raises the in-memory errors of :func:`~growthkit.prepare_transactions` and of an
    explicit ``observation_end``, with counts over all partitions.
    """
    meta: pd.DataFrame = ddf._meta
    names = columns.names()
    try:
        v.check_columns(meta, names)
    except SchemaError:
        v.check_columns(cast(pd.DataFrame, _Sized(meta.columns, len(ddf))), names)
    needed = [c for c in names.values() if c is not None]
    frame = ddf[needed]
    id_dtype = meta[columns.customer].dtype
    if isinstance(id_dtype, pd.CategoricalDtype) and not frame[columns.customer].cat.known:
        frame = frame.assign(**{columns.customer: frame[columns.customer].cat.as_known()})
        id_dtype = frame._meta[columns.customer].dtype
    scans: list[_Scan] = _compute_partitions(frame, _scan, columns, observation_end)
    n = sum(s.n for s in scans)
    if n == 0:
        _prepare(frame._meta, columns, observation_end)  # raises the in-memory "is empty"
    failed = [s for s in scans if s.error is not None]
    if failed:
        bad = pd.concat([cast(pd.DataFrame, s.bad) for s in failed])
        if len(bad):
            _prepare(bad, columns, observation_end)
        raise cast(GrowthkitError, failed[0].error)
    healthy = [s for s in scans if s.n]
    ranges: list[Any] = [s.ids for s in healthy]
    if isinstance(id_dtype, pd.CategoricalDtype):
        ranges = [tuple(id_dtype.categories.get_indexer(pd.Index(r))) for r in ranges]
    plan = _Plan(frame, columns, n, _disjoint(ranges), id_dtype)
    if observation_end is None:
        return plan, max(cast(pd.Timestamp, s.latest) for s in healthy)
    tz = healthy[0].latest.tz if healthy[0].latest is not None else None
    return plan, v.resolve_observation_end(observation_end, tz=tz)


def _disjoint(ranges: list[Any]) -> bool:
    """Whether the partitions' id ranges overlap nowhere (then no shuffle is needed)."""
    if len(ranges) <= 1:
        return True
    try:
        ordered = sorted(ranges, key=lambda r: r[0])
        return all(a[1] < b[0] for a, b in itertools.pairwise(ordered))
    except TypeError:  # unorderable mixed ids: never treated as disjoint
        return False


# --------------------------------------------------------------------------------------
# partials per partition, and their reduction


def _partials(part: pd.DataFrame, spec: Spec, args: dict[str, Any]) -> Any:
    """``spec.partials`` of one partition holding whole customers (runs on a worker)."""
    if len(part) == 0:
        return None
    log = as_transactions(
        part,
        customer_col=args["customer_col"],
        time_col=args["time_col"],
        amount_col=args["amount_col"],
    )
    return spec.partials(log, args)


def _concat_customers(parts: list[PerCustomer], plan: _Plan) -> PerCustomer:
    """Concatenate per-customer partials into the in-memory order of customers."""
    dtype = plan.id_dtype
    categorical = isinstance(dtype, pd.CategoricalDtype)
    if plan.disjoint and not categorical and len(parts) > 1:
        # Partitions by id range: in range order the concatenation is already sorted.
        try:
            parts = sorted(parts, key=lambda part: part.customers[0])
        except TypeError:
            pass
    merged = PerCustomer.concat(parts)
    if categorical:
        position = np.asarray(dtype.categories.get_indexer(merged.customers), dtype=np.int64)
        return merged.take(np.argsort(position, kind="stable"))
    if merged.customers.is_monotonic_increasing:
        return merged
    try:
        order = np.asarray(merged.customers.argsort(kind="stable"), dtype=np.intp)
    except TypeError:  # unorderable ids keep first appearance, as in memory
        return merged
    return merged.take(order)
