"""Exceptions and warnings raised by growthkit.

Every error is a :class:`GrowthkitError`, itself a :class:`ValueError`, so callers that
already catch ``ValueError`` keep working. Messages follow one template::

    `{column or parameter}` {problem}: {count} rows. {How to fix it.}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ConvergenceError",
    "DataError",
    "GrowthkitError",
    "GrowthkitWarning",
    "SchemaError",
]


class GrowthkitError(ValueError):
    """Base class of every error growthkit raises on bad input or failed fits."""


class SchemaError(GrowthkitError):
    """A column is missing or has the wrong dtype."""


class DataError(GrowthkitError):
    """Values are invalid: NaN/NaT, negative or non-finite amounts, late timestamps, empty."""


class ConvergenceError(GrowthkitError):
    """A model fit did not converge.

    Parameters
    ----------
    message
        What failed.
    last_params
        The parameters at the last iterate, by name, so that the caller can inspect them
        or restart from them.
    """

    def __init__(self, message: str, last_params: Mapping[str, float] | None = None) -> None:
        super().__init__(message)
        self.last_params: dict[str, float] = dict(last_params or {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.last_params))


class GrowthkitWarning(UserWarning):
    """Base class of growthkit's warnings."""
