"""The one place where input checks and their messages live.

Every message follows one template::

    `{column or parameter}` {problem}: {count} rows. {How to fix it.}

so that users (and tests) can rely on the first sentence naming the field, the problem and
how many rows have it. One rule picks the class:

- :class:`~growthkit.SchemaError`: the *kind* of input is wrong: a missing column, a wrong
  type or dtype (text where numbers belong, a DataFrame where an array belongs, an array of
  the wrong dimension), an option that is not one of the choices;
- :class:`~growthkit.DataError`: the kind is right but a *value* is wrong: NaN/NaT,
  infinite, negative, out of range, not whole, empty, shapes that do not match.

The module has three sections: parameter checks (one scalar argument), array checks
(vectorised statistics' array-likes) and frame checks (the columns of an order log).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit.errors import DataError, SchemaError

__all__ = [
    "ALTERNATIVES",
    "PERIODS",
    "Alternative",
    "FloatArray",
    "Period",
    "as_float_array",
    "broadcast",
    "check_alternative",
    "check_choice",
    "check_min",
    "check_nonnegative",
    "check_period",
    "check_positive",
    "check_positive_int",
    "check_positive_number",
    "check_probability",
    "check_whole",
    "data_error",
    "message",
    "schema_error",
]

Period = Literal["D", "W", "M", "Q", "Y"]
PERIODS: tuple[Period, ...] = ("D", "W", "M", "Q", "Y")
Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "greater", "less")
FloatArray = npt.NDArray[np.float64]

_T = TypeVar("_T", bound=str)


def message(field: str, problem: str, count: int, fix: str | None = None) -> str:
    """Format an error message in the house template."""
    text = f"`{field}` {problem}: {count} rows."
    if fix:
        text += f" {fix}"
    return text


def schema_error(field: str, problem: str, count: int, fix: str | None = None) -> SchemaError:
    """A :class:`SchemaError` (wrong kind of input) with a message in the house template."""
    return SchemaError(message(field, problem, count, fix))


def data_error(field: str, problem: str, count: int, fix: str | None = None) -> DataError:
    """A :class:`DataError` (wrong value) with a message in the house template."""
    return DataError(message(field, problem, count, fix))


# --------------------------------------------------------------------------------------
# parameter checks: one scalar argument


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating))


def check_period(period: object) -> Period:
    """Return ``period`` if it is one of ``D, W, M, Q, Y``, else raise ``SchemaError``."""
    return check_choice(
        "period",
        period,
        PERIODS,
        "Weeks start on Monday; months, quarters and years are calendar periods.",
    )


def check_choice(name: str, value: object, choices: Iterable[_T], fix: str | None = None) -> _T:
    """Return ``value`` if it is one of ``choices``, else raise ``SchemaError``."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise schema_error(name, f"must be one of {listed}, got {value!r}", 1, fix)
    return value


def check_alternative(value: object) -> Alternative:
    """Return ``value`` if it is ``"two-sided"``, ``"greater"`` (B > A) or ``"less"``."""
    return check_choice("alternative", value, ALTERNATIVES)


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``.

    Anything that is not a number is a :class:`SchemaError`; a number that is not a whole
    number >= ``minimum`` (booleans included) a :class:`DataError`.
    """
    problem = f"must be an integer >= {minimum}, got {value!r}"
    if not _is_number(value):
        raise schema_error(name, problem, 1)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise data_error(name, problem, 1)
    return int(value)


def check_probability(name: str, value: object, fix: str | None = None) -> float:
    """Return ``value`` as a float if it lies strictly inside (0, 1).

    Used for every level (``alpha``, ``confidence_level``, ``credible_level``, shares).
    Anything that is not a number is a :class:`SchemaError`, a number outside (0, 1) a
    :class:`DataError`.
    """
    problem = f"must lie strictly between 0 and 1, got {value!r}"
    if not _is_number(value) or isinstance(value, bool):
        raise schema_error(name, problem, 1, fix)
    x = float(cast(float, value))
    if not (0.0 < x < 1.0):
        raise data_error(name, problem, 1, fix)
    return x


def check_positive_number(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    bound = ">= 0" if allow_zero else "> 0"
    problem = f"must be a finite number {bound}, got {value!r}"
    if not _is_number(value) or isinstance(value, bool):
        raise schema_error(name, problem, 1)
    x = float(cast(float, value))
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise data_error(name, problem, 1)
    return x


# --------------------------------------------------------------------------------------
# array checks: the array-likes of vectorised statistics and fitted models


def as_float_array(
    name: str,
    values: object,
    *,
    ndim: int | None = None,
    fix: str = "Drop or fill the missing values first.",
) -> FloatArray:
    """Convert ``values`` to a float64 array (a new array or a view), rejecting NaN and inf.

    ``ndim=1`` also accepts scalars (as length-1 arrays) and rejects DataFrames and 2-D
    input; ``ndim=None`` keeps the input's shape (scalars stay 0-d).
    """
    if isinstance(values, pd.DataFrame) and ndim == 1:
        raise schema_error(name, "must be a 1-D array-like, got a DataFrame", len(values))
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        size = np.size(cast(Any, values)) if not isinstance(values, str) else 1
        raise schema_error(name, "must be numeric", int(size), "Pass numbers.") from exc
    if ndim == 1:
        out = np.atleast_1d(out)
        if out.ndim != 1:
            raise schema_error(name, f"must be 1-D, got {out.ndim} dimensions", out.size)
    reject(name, ~np.isfinite(out), "has NaN or infinite values", fix)
    return out


def reject(name: str, bad: npt.ArrayLike, problem: str, fix: str | None = None) -> None:
    """Raise a :class:`DataError` counting the entries where the mask ``bad`` is set, if any."""
    count = int(np.count_nonzero(bad))
    if count:
        raise data_error(name, problem, count, fix)


def _no_missing(name: str, missing: int, what: str) -> None:
    """Reject a column with ``missing`` missing values (``what``: NaN, NaT or NaN/None)."""
    if missing:
        raise data_error(name, f"has missing values ({what})", missing, "Drop or fill them first.")


def check_nonnegative(name: str, arr: FloatArray, fix: str | None = None) -> None:
    """Reject negative entries (counts, variances, sums of squares, durations)."""
    reject(name, arr < 0, "is negative", fix)


def check_positive(name: str, arr: FloatArray, fix: str | None = None) -> None:
    """Reject entries that are zero or negative."""
    reject(name, arr <= 0, "is not positive", fix)


def check_min(name: str, arr: FloatArray, minimum: float, fix: str | None = None) -> None:
    """Reject entries below ``minimum``."""
    reject(name, arr < minimum, f"is below {minimum:g}", fix)


def check_whole(name: str, arr: FloatArray, fix: str = "Pass integer counts.") -> None:
    """Reject entries that are not whole numbers."""
    reject(name, arr != np.round(arr), "is not a whole number", fix)


def broadcast(named: Sequence[tuple[str, FloatArray]]) -> tuple[FloatArray, ...]:
    """Broadcast the arrays by numpy rules; shapes that do not broadcast raise.

    Scalars combine with anything and a ``(looks,)`` array with a ``(comparisons, looks)``
    one, but arrays of unequal length never silently align, and an empty array never
    swallows a length-1 one (numpy would broadcast ``(1,)`` against ``(0,)``).
    """
    shape: tuple[int, ...] = ()
    first = ""
    for name, arr in named:
        try:
            shape = np.broadcast_shapes(shape, arr.shape)
        except ValueError:
            raise data_error(
                name,
                f"has shape {arr.shape}, unlike `{first}` with shape {shape}",
                int(arr.size),
                "Pass scalars or arrays of equal length.",
            ) from None
        if arr.ndim and not first:
            first = name
    filled = [name for name, arr in named if arr.ndim and arr.size]
    if 0 in shape and filled:
        empty, arr = next((name, arr) for name, arr in named if arr.size == 0)
        raise data_error(
            empty,
            f"has shape {arr.shape}, unlike `{filled[0]}`, which has values",
            0,
            "Pass scalars or arrays of equal length.",
        )
    return tuple(np.broadcast_to(arr, shape) for _, arr in named)


# --------------------------------------------------------------------------------------
# frame checks: the columns of an order log or a per-customer table


def check_columns(frame: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Check that every named column exists and each name is used once."""
    n = len(frame)
    if frame.columns.nlevels > 1:
        raise SchemaError(
            message(
                "tx",
                f"has columns on {frame.columns.nlevels} levels (a MultiIndex)",
                n,
                "Flatten them first, e.g. tx.columns = ['_'.join(map(str, c)) for c in "
                "tx.columns].",
            )
        )
    names = [c for c in columns.values() if c is not None]
    for role, col in columns.items():
        if col is None:
            continue
        if col not in frame.columns:
            available = ", ".join(map(str, list(frame.columns)[:12]))
            raise SchemaError(
                message(
                    col,
                    f"column not found (columns: {available})",
                    n,
                    f"Pass {role}=... naming the column that holds it.",
                )
            )
        if names.count(col) > 1:
            raise SchemaError(
                message(col, "is used for more than one role (customer, time, amount)", n)
            )
    duplicated = frame.columns[frame.columns.duplicated()]
    for col in names:
        if col in duplicated:
            raise SchemaError(message(col, "appears more than once among the frame's columns", n))


def check_ids(values: pd.Series, name: str) -> None:
    """Reject missing customer ids, and values that cannot be ids (lists, dicts, sets)."""
    if pd.api.types.is_object_dtype(values.dtype):
        kinds = sorted({type(x).__name__ for x in values.to_numpy() if not _hashable(x)})
        if kinds:
            bad = sum(1 for x in values.to_numpy() if not _hashable(x))
            raise SchemaError(
                message(
                    name,
                    f"has values that are not ids ({', '.join(kinds)})",
                    bad,
                    "Ids must be ints, strings or categoricals; use one column per id.",
                )
            )
    _no_missing(name, int(values.isna().sum()), "NaN/None")


def _hashable(x: object) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def check_amounts(
    values: pd.Series, name: str, *, allow_negative: bool = False
) -> npt.NDArray[np.float64]:
    """Return amounts as a new float64 array, rejecting NaN, inf and (unless allowed) negatives.

    The result never shares memory with ``values``.
    """
    from growthkit._kernels.scan import scan_amounts

    n = len(values)
    if not (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values)):
        raise SchemaError(
            message(
                name,
                f"must be numeric, got dtype {values.dtype}",
                n,
                "Convert it with pandas.to_numeric(...).",
            )
        )
    if isinstance(values.dtype, np.dtype):
        source = np.asarray(values.to_numpy(), dtype=np.float64)
    else:  # nullable / Arrow dtypes: missing values become NaN
        source = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    arr = np.empty(n, dtype=np.float64)
    missing, bad, negative, total = scan_amounts(source, arr)
    _no_missing(name, missing, "NaN")
    if bad:
        raise DataError(message(name, "has non-finite values (inf)", bad))
    if not np.isfinite(total):
        raise DataError(
            message(
                name,
                "sums to more than the largest float64 (about 1.8e308)",
                n,
                "Rescale the amounts, e.g. to thousands.",
            )
        )
    if negative and not allow_negative:
        raise DataError(
            message(
                name,
                "has negative values",
                negative,
                "Refunds must be netted against their orders before the analysis.",
            )
        )
    return arr


def check_times(values: pd.Series, name: str) -> tuple[npt.NDArray[np.int64], str, object]:
    """Return wall-clock ticks (a new int64 array), their unit and the column's time zone.

    tz-aware columns are converted to their local wall-clock time, so that calendar periods
    are those the customer lived in; a column that mixes time zones is rejected.
    """
    n = len(values)
    dtype = values.dtype
    if pd.api.types.is_object_dtype(dtype):
        values = _object_times(values, name)
        dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype) and dtype.kind == "M":
        # Arrow timestamps (pyarrow-backed frames, Tables saved from them): same unit, zone
        arrow = dtype.pyarrow_dtype
        unit: Any = getattr(arrow, "unit", "s")  # Arrow dates (date32, date64) have none
        zone = getattr(arrow, "tz", None)
        unit_tz: Any = pd.DatetimeTZDtype(unit, zone) if zone else f"datetime64[{unit}]"
        values = values.astype(unit_tz)
        dtype = values.dtype
    tz: object = None
    if isinstance(dtype, pd.DatetimeTZDtype):
        tz = dtype.tz
        values = values.dt.tz_localize(None)
        dtype = values.dtype
    if not (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        raise SchemaError(
            message(
                name,
                f"must be datetime64, got dtype {dtype}",
                n,
                "Convert it with pandas.to_datetime(...).",
            )
        )
    from growthkit._kernels.scan import scan_ticks

    unit = np.datetime_data(cast(Any, dtype))[0]
    source = np.asarray(values.to_numpy()).view(np.int64)
    ticks = np.empty(n, dtype=np.int64)
    _no_missing(name, scan_ticks(source, ticks), "NaT")
    return ticks, str(unit), tz


def _object_times(values: pd.Series, name: str) -> pd.Series:
    """Convert an object column of datetimes with one time zone; reject anything else."""
    n = len(values)
    kinds = values.map(lambda v: type(v).__name__ if not pd.isna(v) else "NaT")
    if not kinds.isin(["Timestamp", "datetime", "NaT"]).all():
        bad = int((~kinds.isin(["Timestamp", "datetime", "NaT"])).sum())
        raise SchemaError(
            message(
                name,
                "must be datetime64, got object values that are not timestamps",
                bad,
                "Convert it with pandas.to_datetime(...).",
            )
        )
    # A list, not Series.map: map turns the None of missing values into NaN.
    zone_list = [None if pd.isna(v) else str(getattr(v, "tzinfo", None)) for v in values]
    zones = pd.Series(zone_list, index=values.index, dtype=object)
    distinct = sorted({z for z in zone_list if z is not None})
    if len(distinct) > 1:
        same = _one_zone(values, zones)
        if same is not None:
            return same
        counts = zones.value_counts()
        minority = int(n - counts.max()) if len(counts) else 0
        raise SchemaError(
            message(
                name,
                f"mixes time zones ({', '.join(distinct)})",
                minority,
                "Convert every timestamp to one zone, e.g. pandas.to_datetime(col, utc=True).",
            )
        )
    _no_missing(name, int(values.isna().sum()), "NaT")
    return pd.Series(pd.to_datetime(values), index=values.index)


def _one_zone(values: pd.Series, zones: pd.Series) -> pd.Series | None:
    """The values in the commonest zone if every wall-clock time stays as it is, else None.

    Aliases (``UTC``, ``Etc/UTC``, ``datetime.timezone.utc``; ``US/Eastern`` and
    ``America/New_York``) name one zone: converting between them changes no time.
    """
    if values.isna().any():
        return None
    stamps = [pd.Timestamp(x) for x in values]
    if any(s.tzinfo is None for s in stamps):  # naive beside aware: truly mixed
        return None
    target = values[zones == zones.value_counts().index[0]].iloc[0].tzinfo
    moved = [s.tz_convert(target) for s in stamps]
    if any(m.tz_localize(None) != s.tz_localize(None) for m, s in zip(moved, stamps, strict=True)):
        return None
    return pd.Series(pd.to_datetime(moved), index=values.index)


def resolve_observation_end(
    value: object, *, tz: object, name: str = "observation_end"
) -> pd.Timestamp:
    """Parse ``observation_end`` and put it in the data's time zone (naive = data's zone)."""
    try:
        stamp = pd.Timestamp(cast(str, value))
    except (TypeError, ValueError) as exc:
        raise DataError(message(name, f"is not a timestamp: {value!r}", 1)) from exc
    if pd.isna(stamp):
        raise DataError(message(name, "is missing (NaT)", 1))
    if stamp.tzinfo is None and tz is not None:
        stamp = stamp.tz_localize(cast(str, tz))
    elif stamp.tzinfo is not None and tz is None:
        raise DataError(
            message(
                name,
                f"is tz-aware ({stamp.tzinfo}) but the time column is tz-naive",
                1,
                "Pass a naive timestamp, or localise the time column.",
            )
        )
    elif stamp.tzinfo is not None and tz is not None:
        stamp = stamp.tz_convert(cast(str, tz))
    return stamp
