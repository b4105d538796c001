"""What every result of :mod:`growthkit.funnel` shares: read-only arrays, ``==``, pickling."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Frozen"]


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fcmM"))
    if isinstance(a, pd.Index) or isinstance(b, pd.Index):
        return (
            isinstance(a, pd.Index)
            and isinstance(b, pd.Index)
            and a.dtype == b.dtype
            and a.name == b.name
            and bool(a.equals(b))
        )
    return bool(a == b)


class Frozen:
    """Mixin for ``@dataclass(frozen=True, slots=True, eq=False)`` results.

    ``__post_init__`` makes every array field read-only: a writeable array is replaced by a
    read-only copy (the caller's array is never frozen in place),
    ``==`` compares the fields exactly (NaN and NaT equal to themselves), and pickling goes
    through the constructor so that an unpickled result is read-only too.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                value = value.copy()
                value.flags.writeable = False
                object.__setattr__(self, f.name, value)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            _same(getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)  # type: ignore[arg-type]
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        values = tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]
        return type(self), values
