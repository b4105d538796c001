"""Calendar-period ordinals from wall-clock ticks, without temporaries.

Ordinals are pandas' ``Period`` ordinals: days, weeks (Monday..Sunday), months, quarters and
years since 1970. Kernels call :func:`period_of` inline, so no per-row key array is built.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

DAY, WEEK, MONTH, QUARTER, YEAR = 0, 1, 2, 3, 4
PERIOD_CODES = {"D": DAY, "W": WEEK, "M": MONTH, "Q": QUARTER, "Y": YEAR}


@nb.njit(inline="always", cache=True)
def _months(days: int) -> int:
    # Civil-from-days (H. Hinnant, "chrono-compatible low-level date algorithms"):
    # months since 1970-01 of a day number since 1970-01-01, proleptic Gregorian.
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return (y - 1970) * 12 + (m - 1)


@nb.njit(inline="always", cache=True)
def period_of(tick: int, ticks_per_day: int, period: int) -> int:
    """Period ordinal of one wall-clock tick."""
    days = tick // ticks_per_day
    if period == DAY:
        return days
    if period == WEEK:
        return (days + 3) // 7 + 1
    months = _months(days)
    if period == MONTH:
        return months
    if period == QUARTER:
        return months // 3
    return months // 12


@nb.njit(nogil=True, cache=True)
def period_keys(
    ticks: npt.NDArray[np.int64], ticks_per_day: int, period: int
) -> npt.NDArray[np.int64]:
    """Period ordinal of every tick."""
    out = np.empty(ticks.shape[0], dtype=np.int64)
    for i in range(ticks.shape[0]):
        out[i] = period_of(ticks[i], ticks_per_day, period)
    return out
