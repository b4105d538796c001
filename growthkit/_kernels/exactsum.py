"""Exact, order-independent sums of float64 values (a fixed-point superaccumulator).

A float sum depends on the order of its terms in the last bits. Where the order follows
the customer codes (which follow the id dtype's sort order), that would make a result
depend on whether ids were ints or strings. Each accumulator here holds the exact sum as
signed 32-bit limbs covering every float64 exponent, so any order of the same terms gives
the same limbs, and one fixed conversion gives the same double.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt

# Bit 0 of limb 0 weighs 2**-OFFSET: below the smallest subnormal's mantissa bit (2**-1126
# after scaling the 53-bit mantissa to an integer); 70 limbs reach past 2**1024.
OFFSET = 1152
N_LIMBS = 70
_LOW = np.int64(0xFFFFFFFF)


@nb.njit(inline="always", cache=True)
def add(acc: npt.NDArray[np.int64], cell: int, x: float) -> None:
    """Add the finite ``x`` to accumulator ``cell`` exactly.

    Each limb takes less than 2**32 per call: 2**31 calls per accumulator stay exact in
    int64 before a :func:`normalize` is due.
    """
    if x == 0.0:
        return
    m, e = math.frexp(x)
    mantissa = np.int64(m * 9007199254740992.0)  # m * 2**53, exact
    p = e - 53 + OFFSET
    i = p >> 5
    s = p & 31
    a = mantissa if mantissa > 0 else -mantissa
    lo = (a & ((np.int64(1) << (32 - s)) - 1)) << s
    rest = a >> (32 - s)
    if mantissa > 0:
        acc[cell, i] += lo
        acc[cell, i + 1] += rest & _LOW
        acc[cell, i + 2] += rest >> 32
    else:
        acc[cell, i] -= lo
        acc[cell, i + 1] -= rest & _LOW
        acc[cell, i + 2] -= rest >> 32


@nb.njit(nogil=True, cache=True)
def normalize(acc: npt.NDArray[np.int64]) -> None:
    """Propagate carries: limbs below the top in ``[0, 2**32)``, the top one signed."""
    for cell in range(acc.shape[0]):
        carry = np.int64(0)
        for i in range(N_LIMBS - 1):
            v = acc[cell, i] + carry
            acc[cell, i] = v & _LOW
            carry = v >> 32
        acc[cell, N_LIMBS - 1] += carry


@nb.njit(nogil=True, cache=True)
def to_float(acc: npt.NDArray[np.int64], out: npt.NDArray[np.float64]) -> None:
    """Write each accumulator's value into ``out`` (flat, one per accumulator).

    The limbs are normalised first, so equal sums give identical doubles; adding the limbs
    from the most significant down rounds to within one unit in the last place.
    """
    normalize(acc)
    magnitude = np.empty(N_LIMBS, dtype=np.int64)
    for cell in range(acc.shape[0]):
        negative = acc[cell, N_LIMBS - 1] < 0
        if negative:  # two's complement negation, limb by limb
            carry = np.int64(1)
            for i in range(N_LIMBS - 1):
                v = (_LOW - acc[cell, i]) + carry
                magnitude[i] = v & _LOW
                carry = v >> 32
            magnitude[N_LIMBS - 1] = -acc[cell, N_LIMBS - 1] - 1 + carry
        else:
            magnitude[:] = acc[cell]
        total = 0.0
        for i in range(N_LIMBS - 1, -1, -1):
            limb = magnitude[i]
            if limb != 0:
                total += math.ldexp(float(limb), 32 * i - OFFSET)
        out[cell] = -total if negative else total
