"""The shapes an engine needs to know: a function's :class:`Spec` and its partials.

Imported by the domain modules (through :mod:`growthkit._engine`) and by the engines; it
imports neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["PerCustomer", "PerPeriod", "Spec"]


@dataclass(frozen=True, slots=True)
class PerCustomer:
    """Per-customer partial aggregates: one row per customer of ``customers`` in each array.

    Partitions holding disjoint customers reduce by concatenation (then the in-memory
    order of customers). ``context`` is the same in every partition (it depends on the
    arguments only, e.g. the period key of ``observation_end``).
    """

    customers: pd.Index
    columns: Mapping[str, npt.NDArray[Any]]
    context: Mapping[str, Any] = field(default_factory=dict)

    def take(self, order: npt.NDArray[np.intp]) -> PerCustomer:
        """The same partials with the customers in ``order``."""
        return PerCustomer(
            self.customers[order],
            {key: values[order] for key, values in self.columns.items()},
            self.context,
        )

    @staticmethod
    def concat(parts: Sequence[PerCustomer]) -> PerCustomer:
        """Concatenate partials of disjoint customers (in the given order)."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        return PerCustomer(
            first.customers.append([p.customers for p in parts[1:]]),
            {key: np.concatenate([p.columns[key] for p in parts]) for key in first.columns},
            first.context,
        )


@dataclass(frozen=True, slots=True)
class PerPeriod:
    """Per-period partial counts: axis 0 of every array is the period ``lo + i``.

    Further axes (a cohort matrix's ages) start at 0 in every partition. Partitions of
    disjoint customers reduce by summing the arrays aligned on the period.
    """

    lo: int
    arrays: Mapping[str, npt.NDArray[Any]]
    context: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def sum(parts: Sequence[PerPeriod]) -> PerPeriod:
        """Aligned sums of partials of disjoint customers."""
        if len(parts) == 1:
            return parts[0]
        lo = min(p.lo for p in parts)
        arrays: dict[str, npt.NDArray[Any]] = {}
        for key, template in parts[0].arrays.items():
            shape = [max(p.lo + p.arrays[key].shape[0] for p in parts) - lo]
            for axis in range(1, template.ndim):
                shape.append(max(p.arrays[key].shape[axis] for p in parts))
            total = np.zeros(shape, dtype=template.dtype)
            for p in parts:
                values = p.arrays[key]
                ages = tuple(slice(0, s) for s in values.shape[1:])
                at = (slice(p.lo - lo, p.lo - lo + values.shape[0]), *ages)
                total[at] += values
            arrays[key] = total
        return PerPeriod(lo, arrays, parts[0].context)


@dataclass(frozen=True, slots=True)
class Spec:
    """The steps of one transaction-level function, for an engine to run.

    Attributes
    ----------
    function
        The public function (its signature gives the arguments' names and defaults).
    check_args
        ``(arguments, tx) -> args``: every argument check, in the in-memory order; ``tx`` is
        only asked for its length (by messages that count rows). ``args`` holds at least
        ``customer_col``, ``time_col``, ``amount_col`` (the columns read) and
        ``observation_end``.
    partials
        ``(log, args) -> PerCustomer | PerPeriod`` on a prepared log holding whole
        customers; an engine passes an explicit ``observation_end``.
    finish
        ``(partials, args) -> result`` on the reduced partials.
    """

    function: Callable[..., Any]
    check_args: Callable[[dict[str, Any], object], dict[str, Any]]
    partials: Callable[[Any, dict[str, Any]], PerCustomer | PerPeriod]
    finish: Callable[[Any, dict[str, Any]], Any]

    @property
    def name(self) -> str:
        """The public function's name."""
        return str(self.function.__name__)
