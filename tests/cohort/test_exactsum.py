"""The exact accumulator behind growth accounting's money columns.

Reference: ``math.fsum`` (correctly rounded sum); the accumulator must give one double
for every order of the same terms, within 2 ulp of fsum.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt
from hypothesis import given
from hypothesis import strategies as st

from growthkit._kernels import exactsum


@nb.njit(cache=False)
def _sum(values: npt.NDArray[np.float64], order: npt.NDArray[np.int64]) -> float:
    acc = np.zeros((1, exactsum.N_LIMBS), np.int64)
    for j in order:
        exactsum.add(acc, 0, values[j])
    out = np.empty(1)
    exactsum.to_float(acc, out)
    return float(out[0])


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@given(st.lists(finite, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_order_independent_and_close_to_fsum(values: list[float], rnd: object) -> None:
    arr = np.array(values, dtype=np.float64)
    forward = _sum(arr, np.arange(len(arr)))
    order = np.array(sorted(range(len(arr)), key=lambda _: rnd.random()))  # type: ignore[attr-defined]
    assert _sum(arr, order) == forward
    assert _sum(arr, np.arange(len(arr))[::-1].copy()) == forward
    reference = math.fsum(values)
    assert abs(forward - reference) <= 2 * abs(float(np.spacing(reference)))


def test_cancellation_and_extremes() -> None:
    values = np.array([1e300, 1.0, -1e300, 5e-324, -2.0, 2.5e-320])
    assert _sum(values, np.arange(6)) == math.fsum(values.tolist())
    assert _sum(np.array([-2.0]), np.arange(1)) == -2.0
    assert _sum(np.array([0.1] * 10), np.arange(10)) == 1.0  # naive summation gives 0.9999...
