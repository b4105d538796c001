"""The churn rule on a horizon: who can churn, and how long they must stay silent.

A customer counts as churned on day ``e`` when more than ``k = inactivity_days`` days
separate ``e`` from the last order (:func:`~growthkit.churn.survival_table`'s rule). A
customer current on day ``c`` with ``d <= k`` days since the last order churns by day
``c + h`` exactly when

- ``d + h > k`` (the gap can exceed ``k`` by then: the first day it does is
  ``c + (k + 1 - d)``), and
- no order falls on the next ``w = k + 1 - d`` days (any order resets the gap).

So ``P(churn within h) = 1[d + h > k] * P(no order in the next k + 1 - d days | history)``.
Every early-warning score is this product; the models differ only in the second factor.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.errors import DataError, SchemaError

DEFAULT_INACTIVITY_DAYS = 90

__all__ = [
    "DEFAULT_INACTIVITY_DAYS",
    "check_horizon",
    "days_since_last",
    "resolve_inactivity",
    "silence_window",
]


def check_horizon(value: object, inactivity_days: int) -> float:
    """Return ``horizon_days`` as a float in ``(0, inactivity_days]``."""
    try:
        h = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        h = float("nan")
    if not (np.isfinite(h) and h > 0):
        raise DataError(v.message("horizon_days", f"must be a positive number, got {value!r}", 1))
    if h > inactivity_days:
        raise DataError(
            v.message(
                "horizon_days",
                f"({h:g}) is larger than inactivity_days ({inactivity_days}), so the churn "
                "rule cannot be read on it",
                1,
                "Pass horizon_days <= inactivity_days (a customer who orders within the "
                "horizon is current again).",
            )
        )
    return h


def days_since_last(table: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The ``days_since_last`` column, checked: present, numeric, finite and >= 0."""
    n = len(table)
    if "days_since_last" not in table.columns:
        raise SchemaError(
            v.message(
                "days_since_last",
                "column not found (the churn rule needs it)",
                n,
                "Build the table with survival_table(...).",
            )
        )
    col = table["days_since_last"]
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        raise SchemaError(v.message("days_since_last", f"must be numeric, got {col.dtype}", n))
    d = np.asarray(col.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    bad = int(np.count_nonzero(~np.isfinite(d) | (d < 0)))
    if bad:
        raise DataError(
            v.message("days_since_last", "has negative, missing or infinite values", bad)
        )
    return d


def resolve_inactivity(table: pd.DataFrame, inactivity_days: object) -> int:
    """The table's ``inactivity_days``: checked against it, or read from it when ``None``.

    ``churned`` is ``days_since_last > k``, so ``k`` lies between ``lo``, the longest gap of
    a current customer, and ``hi``, the shortest gap of a churned one minus one. When
    ``None``: ``lo`` if the bounds meet (any sizeable table), else
    ``table.attrs["inactivity_days"]`` when it fits, else :func:`survival_table`'s default
    90 when it fits, else ``lo`` (the reading that never hides a possible churn).
    """
    d = days_since_last(table)
    churned = table["churned"].to_numpy(dtype=bool)
    lo = int(np.max(d[~churned])) if (~churned).any() else 0
    hi = int(np.min(d[churned])) - 1 if churned.any() else None
    if inactivity_days is None:
        fits = [
            c
            for c in (table.attrs.get("inactivity_days"), DEFAULT_INACTIVITY_DAYS)
            if isinstance(c, (int, np.integer)) and lo <= c and (hi is None or c <= hi)
        ]
        return lo if (hi == lo or not fits) else int(fits[0])
    k = v.check_positive_int("inactivity_days", inactivity_days)
    wrong = int(np.count_nonzero((d > k) != churned))
    if wrong:
        raise DataError(
            v.message(
                "churned",
                f"disagrees with inactivity_days={k} (churned must be days_since_last > {k})",
                wrong,
                "Pass the inactivity_days the table was built with.",
            )
        )
    return k


def silence_window(
    d: npt.NDArray[np.float64], horizon_days: float, inactivity_days: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Who can churn within the horizon, and the days of silence that makes them churn.

    Returns ``(eligible, w)``: ``eligible = d + h > k`` and ``w = k + 1 - d`` (days). Days
    are whole: a horizon of 30.5 days reaches as far as one of 30.
    """
    eligible = d + np.floor(horizon_days) > inactivity_days
    w = np.asarray(inactivity_days + 1.0 - d, dtype=np.float64)
    return eligible, w
