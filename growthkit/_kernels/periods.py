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


@nb.njit(nogil=True, cache=True)
def period_table(
    first_tick: int, last_tick: int, ticks_per_day: int, period: int, max_buckets: int
) -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Division-free lookup of the period of any tick in ``[first_tick, last_tick]``.

    :func:`period_of` costs ~40 ns a row (the civil-calendar arithmetic); a table lookup
    costs one L1/L2 load. The ticks are cut into buckets of ``2**shift`` ticks, the largest
    power of two not above one day, so a bucket holds at most one period boundary (every
    period is whole days). Per bucket the table stores the period of its first tick
    (``keys``) and the first tick of the next period if that starts inside the bucket
    (``bounds``, else the int64 maximum); see :func:`period_lookup`. Returns
    ``(shift, keys, bounds)``; when more than ``max_buckets`` buckets would be needed
    (ticks spanning millennia) both arrays are empty and the caller computes keys with
    :func:`period_keys` instead.
    """
    shift = 0
    while (2 << shift) <= ticks_per_day:
        shift += 1
    span = last_tick - first_tick  # wraps negative past 2**63 ns (about 292 years)
    n_buckets = (span >> shift) + 1
    if span < 0 or n_buckets > max_buckets:
        return shift, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    keys = np.empty(n_buckets, dtype=np.int64)
    bounds = np.full(n_buckets, np.iinfo(np.int64).max, dtype=np.int64)
    for j in range(n_buckets):
        start = first_tick + (j << shift)
        keys[j] = period_of(start, ticks_per_day, period)
        # The only possible boundary in the bucket is the first day start after its start.
        day_start = -((-start) // ticks_per_day) * ticks_per_day
        if day_start > start and day_start - start < (1 << shift):
            if period_of(day_start, ticks_per_day, period) != keys[j]:
                bounds[j] = day_start
    return shift, keys, bounds


@nb.njit(inline="always", cache=True)
def period_lookup(
    tick: int,
    first_tick: int,
    shift: int,
    keys: npt.NDArray[np.int64],
    bounds: npt.NDArray[np.int64],
) -> int:
    """Period ordinal of a tick (as :func:`period_of`) from a non-empty :func:`period_table`.

    Branch-free, so that it inlines anywhere.
    """
    j = (tick - first_tick) >> shift
    return int(keys[j] + np.int64(tick >= bounds[j]))
