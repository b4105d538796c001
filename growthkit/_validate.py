"""The one place where input checks and their messages live.

Every message follows one template::

    `{column or parameter}` {problem}: {count} rows. {How to fix it.}

so that users (and tests) can rely on the first sentence naming the field, the problem and
how many rows have it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit.errors import DataError, SchemaError

__all__ = [
    "PERIODS",
    "Period",
    "check_choice",
    "check_period",
    "check_positive_int",
    "check_probability",
    "message",
]

Period = Literal["D", "W", "M", "Q", "Y"]
PERIODS: tuple[Period, ...] = ("D", "W", "M", "Q", "Y")

_T = TypeVar("_T", bound=str)


def message(field: str, problem: str, count: int, fix: str | None = None) -> str:
    """Format an error message in the house template."""
    text = f"`{field}` {problem}: {count} rows."
    if fix:
        text += f" {fix}"
    return text


def check_period(period: object) -> Period:
    """Return ``period`` if it is one of ``D, W, M, Q, Y``, else raise ``SchemaError``."""
    if not isinstance(period, str) or period not in PERIODS:
        raise SchemaError(
            message(
                "period",
                f"must be one of 'D', 'W', 'M', 'Q', 'Y', got {period!r}",
                1,
                "Weeks start on Monday; months, quarters and years are calendar periods.",
            )
        )
    return period


def check_choice(name: str, value: object, choices: Iterable[_T]) -> _T:
    """Return ``value`` if it is one of ``choices``, else raise ``SchemaError``."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise SchemaError(message(name, f"must be one of {listed}, got {value!r}", 1))
    return value


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(message(name, f"must be an integer >= {minimum}, got {value!r}", 1))
    return int(value)


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies strictly inside (0, 1), else raise."""
    try:
        x = float(cast(float, value))
    except (TypeError, ValueError):
        x = float("nan")
    if not (0.0 < x < 1.0):
        raise DataError(message(name, f"must lie strictly between 0 and 1, got {value!r}", 1))
    return x


def check_columns(frame: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Check that every named column exists and each name is used once."""
    n = len(frame)
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
    """Reject missing customer ids."""
    missing = int(values.isna().sum())
    if missing:
        raise DataError(
            message(name, "has missing values (NaN/None)", missing, "Drop or fill them first.")
        )


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
    if missing:
        raise DataError(
            message(name, "has missing values (NaN)", missing, "Drop or fill them first.")
        )
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
    missing = scan_ticks(source, ticks)
    if missing:
        raise DataError(
            message(name, "has missing values (NaT)", missing, "Drop or fill them first.")
        )
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
    missing = int(values.isna().sum())
    if missing:
        raise DataError(
            message(name, "has missing values (NaT)", missing, "Drop or fill them first.")
        )
    return pd.Series(pd.to_datetime(values), index=values.index)


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
