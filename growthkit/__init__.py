"""growthkit: growth-analytics primitives for e-commerce and subscription businesses.

Where things live:

- :mod:`growthkit.summary` -- BTYD customer summaries (frequency, recency, T, monetary).
- :mod:`growthkit.datasets` -- the bundled CDNOW log and a transaction simulator.
- :mod:`growthkit.errors` -- ``GrowthkitError`` and its subclasses.

Every transaction-level function accepts a ``pandas.DataFrame`` or a
:class:`Transactions` made once by :func:`prepare_transactions`.
"""

from growthkit import datasets
from growthkit._prepare import Transactions, prepare_transactions
from growthkit.errors import (
    ConvergenceError,
    DataError,
    GrowthkitError,
    GrowthkitWarning,
    SchemaError,
)
from growthkit.summary import calibration_holdout_summary, customer_summary

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "DataError",
    "GrowthkitError",
    "GrowthkitWarning",
    "SchemaError",
    "Transactions",
    "__version__",
    "calibration_holdout_summary",
    "customer_summary",
    "datasets",
    "prepare_transactions",
]
