"""Pieces shared by the experiment families: result base class, formatting, input checks.

The checks themselves live in :mod:`growthkit._validate`; this module only fixes the
experiment-specific wording (the fix sentences) and the checks that involve two arguments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from growthkit import _validate as v
from growthkit._results import ExactFields
from growthkit._validate import FloatArray

NONNEGATIVE = "Counts and variances must be >= 0."


def check_alpha(value: object, name: str = "alpha") -> float:
    """Return a significance level in (0, 1) (``SchemaError`` if not a number)."""
    return v.check_probability(name, value, "Pass a level such as 0.05.")


def frozen(value: ArrayLike) -> FloatArray:
    """A read-only float64 view: no copy, and the caller's array keeps its own flags."""
    arr: FloatArray = np.asarray(value, dtype=np.float64).view()
    arr.flags.writeable = False
    return arr


def freeze_fields(obj: object, names: Sequence[str]) -> None:
    """Replace the named array fields of a frozen dataclass by read-only views."""
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            object.__setattr__(obj, name, frozen(value))


class ResultBase(ExactFields):
    """Read-only arrays, equality, hashing and pickling of the frozen result dataclasses.

    The fields named in ``_ARRAYS`` are stored as read-only float64 views. ``==`` compares
    every field exactly (arrays by dtype, shape and values; NaN equals NaN). Results are
    not hashable (their arrays are not). Pickling rebuilds the object through its
    constructor, so the arrays of an unpickled result are read-only again.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]
    _ARRAYS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        freeze_fields(self, self._ARRAYS)


def fmt(value: float) -> str:
    """Four significant digits."""
    return f"{value:.4g}"


def pct(value: float) -> str:
    """A signed percentage with two decimals (``+inf``/``-inf`` spelled out)."""
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{100.0 * value:+.2f}%"


def broadcast_floats(**values: ArrayLike) -> tuple[FloatArray, ...]:
    """Validate each keyword as a float array (named in messages) and broadcast them all."""
    return v.broadcast([(name, v.as_float_array(name, value)) for name, value in values.items()])


def check_counts(successes: FloatArray, trials: FloatArray, s_name: str, t_name: str) -> None:
    """Counts of one arm: successes >= 0, trials > 0, successes <= trials."""
    v.check_nonnegative(s_name, successes, NONNEGATIVE)
    v.check_positive(t_name, trials, "Each arm needs at least one trial.")
    bad = successes > trials
    v.reject(s_name, bad, f"exceeds `{t_name}`", "Successes cannot outnumber trials.")


def proportion_inputs(
    successes_a: ArrayLike, trials_a: ArrayLike, successes_b: ArrayLike, trials_b: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validated, broadcast counts of two arms."""
    xa, na, xb, nb = broadcast_floats(
        successes_a=successes_a, trials_a=trials_a, successes_b=successes_b, trials_b=trials_b
    )
    check_counts(xa, na, "successes_a", "trials_a")
    check_counts(xb, nb, "successes_b", "trials_b")
    return xa, na, xb, nb


def check_both_zero(var_a: FloatArray, var_b: FloatArray, name_a: str, name_b: str) -> None:
    """Reject comparisons where neither arm varies (the test statistic is 0/0)."""
    bad = (var_a == 0) & (var_b == 0)
    v.reject(
        f"{name_a}` and `{name_b}",
        bad,
        "are both zero",
        "The test is undefined without variation in at least one arm.",
    )


_MOMENTS = ("mean_a", "var_a", "n_a", "mean_b", "var_b", "n_b")


def moment_inputs(moments: Sequence[ArrayLike], fix: str) -> tuple[FloatArray, ...]:
    """Validated, broadcast ``(mean, var, n)`` of two arms (n >= 2, some variation).

    ``moments`` are the arguments named in ``_MOMENTS``, in that order; ``fix`` is the
    sentence for an arm with fewer than two observations.
    """
    ma, va, na, mb, vb, nb = broadcast_floats(**dict(zip(_MOMENTS, moments, strict=True)))
    v.check_nonnegative("var_a", va, NONNEGATIVE)
    v.check_nonnegative("var_b", vb, NONNEGATIVE)
    v.check_min("n_a", na, 2, fix)
    v.check_min("n_b", nb, 2, fix)
    check_both_zero(va / na, vb / nb, "var_a", "var_b")  # var/n: what the SE uses
    return ma, va, na, mb, vb, nb
