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
    """Base class of every error growthkit raises on bad input or failed fits.

    Examples
    --------
    One ``except`` clause catches every growthkit error; it is also a ``ValueError``.

    >>> import pandas as pd
    >>> import growthkit as gk
    >>> tx = pd.DataFrame({"customer_id": [1], "timestamp": [pd.NaT]})
    >>> try:
    ...     gk.customer_summary(tx)
    ... except gk.GrowthkitError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    DataError True
    """


class SchemaError(GrowthkitError):
    """A column is missing or has the wrong dtype.

    Examples
    --------
    >>> import pandas as pd
    >>> import growthkit as gk
    >>> tx = pd.DataFrame({"customer_id": [1], "time": [pd.Timestamp("2024-01-02")]})
    >>> gk.customer_summary(tx)
    Traceback (most recent call last):
    ...
    growthkit.errors.SchemaError: `timestamp` column not found (columns: customer_id, time): ...
    >>> len(gk.customer_summary(tx, time_col="time"))
    1
    """


class DataError(GrowthkitError):
    """Values are invalid: NaN/NaT, negative or non-finite amounts, late timestamps, empty.

    Examples
    --------
    >>> import pandas as pd
    >>> import growthkit as gk
    >>> tx = pd.DataFrame(
    ...     {
    ...         "customer_id": [1, 2],
    ...         "timestamp": pd.to_datetime(["2024-01-02", "2024-01-09"]),
    ...         "amount": [10.0, -3.0],
    ...     }
    ... )
    >>> gk.rfm_scores(tx)
    Traceback (most recent call last):
    ...
    growthkit.errors.DataError: `amount` has negative values: 1 rows. ...
    """


class ConvergenceError(GrowthkitError):
    """A model fit did not converge.

    Parameters
    ----------
    message
        What failed.
    last_params
        The parameters at the last iterate, by name, so that the caller can inspect them
        or restart from them.

    Examples
    --------
    >>> from growthkit.errors import ConvergenceError
    >>> err = ConvergenceError("BG/NBD fit did not converge", {"r": 0.24, "alpha": 4.4})
    >>> str(err), err.last_params["r"]
    ('BG/NBD fit did not converge', 0.24)
    """

    def __init__(self, message: str, last_params: Mapping[str, float] | None = None) -> None:
        super().__init__(message)
        self.last_params: dict[str, float] = dict(last_params or {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.last_params))


class GrowthkitWarning(UserWarning):
    """Base class of growthkit's warnings.

    Examples
    --------
    Filter growthkit's warnings (for example, lifelines fits that were slow to converge)
    without touching other libraries' warnings:

    >>> import warnings
    >>> from growthkit.errors import GrowthkitWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", GrowthkitWarning)
    ...     warnings.warn("step size shrank", GrowthkitWarning)
    >>> issubclass(GrowthkitWarning, UserWarning)
    True
    """
