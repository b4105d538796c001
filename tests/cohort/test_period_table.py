"""The division-free period table against the arithmetic ``period_of`` it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from growthkit._kernels import cohort as ck
from growthkit._kernels import periods

TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


@pytest.mark.parametrize("unit", list(TICKS_PER_DAY))
@pytest.mark.parametrize("period", list(periods.PERIOD_CODES))
def test_table_lookup_matches_period_of(unit: str, period: str) -> None:
    tpd = TICKS_PER_DAY[unit]
    rng = np.random.default_rng(len(unit) * 7 + len(period))
    days = rng.integers(-7_300, 22_000, 3_000)  # 1950..2030, across 1970 (negative ticks)
    # Random times of day, and the first and last tick of days (where periods turn over).
    ticks = np.concatenate(
        [days * tpd + rng.integers(0, tpd, days.shape[0]), days * tpd, days * tpd - 1]
    ).astype(np.int64)
    code = periods.PERIOD_CODES[period]
    want = periods.period_keys(ticks, tpd, code)
    lo = int(want.min())
    first, last = int(ticks.min()), int(ticks.max())
    table = periods.period_table(first, last, tpd, code, 1 << 30)
    # Every row's period as the kernels read it through the ticks layout.
    layout = ck.ticks_layout(lo, first, table)
    got = np.array([periods.period_lookup(int(t), *layout[1:]) for t in ticks]) - lo
    np.testing.assert_array_equal(got, want - lo)
    _, keys, bounds = periods.period_table(first, last, tpd, code, 10)
    assert keys.shape == bounds.shape == (0,)  # too long a span: no table


def test_bucket_is_the_largest_power_of_two_within_a_day() -> None:
    for tpd in TICKS_PER_DAY.values():
        shift, _, _ = periods.period_table(0, 10 * tpd, tpd, periods.MONTH, 1 << 20)
        assert (1 << shift) <= tpd < (2 << shift)
    shift, keys, bounds = periods.period_table(5, 9, 1, periods.DAY, 1 << 20)
    assert shift == 0
    np.testing.assert_array_equal(keys, np.arange(5, 10))
    assert (bounds == np.iinfo(np.int64).max).all()
