"""Shared helpers of result objects: frames that cannot be changed, exact equality.

A result stores its frames with read-only arrays (:func:`freeze`), so a value cannot be
changed through the result, and compares them exactly (:func:`same`): values, dtypes,
index and column labels and names. :class:`ExactFields` gives a frozen result dataclass
that ``==`` and pickling through its constructor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

__all__ = ["ExactFields", "freeze", "freeze_arrays", "frozen", "same"]

_P = TypeVar("_P", pd.DataFrame, pd.Series)


def _arrays(data: pd.DataFrame | pd.Series) -> list[np.ndarray[Any, Any]]:
    out = []
    for block in data._mgr.blocks:
        values = block.values
        if isinstance(values, pd.Categorical):
            values = values.codes.base if values.codes.base is not None else values.codes
        if isinstance(values, np.ndarray):
            out.append(values)
    return out


def freeze(data: _P) -> _P:
    """Mark the arrays under ``data`` read-only (in place) and return ``data``.

    Only for frames a function built and owns: ``df.iloc[0, 0] = x`` and the like then
    raise ``ValueError: assignment destination is read-only``.
    """
    for values in _arrays(data):
        values.flags.writeable = False
    return data


def freeze_arrays(result: object) -> None:
    """Mark every numpy array field of a dataclass result read-only, in place.

    Only for arrays the result owns (built by the function that returns it), as
    :func:`freeze` is for frames.
    """
    for f in fields(result):  # type: ignore[arg-type]
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


def frozen(data: _P) -> _P:
    """``data`` if its arrays are read-only already, else a read-only deep copy.

    For a result's constructor: the caller's frame is never changed, and the frames the
    library built (frozen by :func:`freeze` first) are not copied.
    """
    if all(not values.flags.writeable for values in _arrays(data)):
        return data
    return freeze(data.copy(deep=True))


def same(a: Any, b: Any) -> bool:
    """Exact equality of result fields: frames, series, indexes, arrays, mappings, floats.

    Arrays compare by dtype, shape and values; NaN (and NaT) equals itself, in arrays and
    in floats.
    """
    for kind, equal in _EXACT:
        if isinstance(a, kind) or isinstance(b, kind):
            return isinstance(a, kind) and isinstance(b, kind) and equal(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _labels_same(a: pd.Index, b: pd.Index) -> bool:
    return a.dtype == b.dtype and list(a.names) == list(b.names) and bool(a.equals(b))


def _frames_same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (
        _labels_same(a.index, b.index)
        and _labels_same(a.columns, b.columns)
        and a.dtypes.equals(b.dtypes)
        and a.equals(b)
    )


def _series_same(a: pd.Series, b: pd.Series) -> bool:
    return (
        a.name == b.name and a.dtype == b.dtype and _labels_same(a.index, b.index) and a.equals(b)
    )


def _arrays_same(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    equal_nan = a.dtype.kind in "fcmM"
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=equal_nan)


_EXACT: tuple[tuple[type, Callable[[Any, Any], bool]], ...] = (
    (pd.DataFrame, _frames_same),
    (pd.Series, _series_same),
    (pd.Index, _labels_same),
    (np.ndarray, _arrays_same),
)


class ExactFields:
    """Mixin of the ``@dataclass(frozen=True, slots=True, eq=False)`` results.

    ``==`` compares every field with :func:`same` (results of one type only), and pickling
    goes through the constructor, so an unpickled result is frozen again. A result that
    is hashable defines its own ``__hash__`` (over its scalar fields); without one it is
    not hashable. A result names in ``not_compared`` the fields ``==`` passes over (a
    fitted model object, say).
    """

    __slots__ = ()
    not_compared: ClassVar[tuple[str, ...]] = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            same(getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)  # type: ignore[arg-type]
            if f.name not in self.not_compared
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        values = tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]
        return type(self), values
