"""growthkit: growth-analytics primitives for e-commerce and subscription businesses.

Where things live:

- :mod:`growthkit.summary` -- BTYD customer summaries (frequency, recency, T, monetary).
- :mod:`growthkit.rfm` -- RFM scores, named segments, lifecycle stages.
- :mod:`growthkit.cohort` -- cohort matrices and growth accounting.
- :mod:`growthkit.churn` -- churn as survival analysis (lifelines) and early warning.
- :mod:`growthkit.clv` -- BG/NBD, Pareto/NBD, Gamma-Gamma, sBG and customer lifetime value.
- :mod:`growthkit.experiments` -- A/B-test statistics from aggregates.
- :mod:`growthkit.funnel` -- funnels, paths, DAU/WAU/MAU and stickiness from event logs.
- :mod:`growthkit.campaigns` -- targeting, holdout design, campaign and uplift evaluation.
- :mod:`growthkit.datasets` -- the bundled CDNOW log and a transaction simulator.
- :mod:`growthkit.errors` -- ``GrowthkitError`` and its subclasses.
- :func:`warm_up` -- load every compiled kernel at service start (see docs/robustness.md).

Every transaction-level function accepts a ``pandas.DataFrame`` or a
:class:`Transactions` made once by :func:`prepare_transactions`.

Submodules and the names below load on first use (PEP 562), so ``import growthkit`` does
not pay for pandas, scipy, numba or lifelines until they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from growthkit.errors import (
    ConvergenceError,
    DataError,
    GrowthkitError,
    GrowthkitWarning,
    SchemaError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_NAMES: dict[str, str] = {
    "Transactions": "growthkit._prepare",
    "prepare_transactions": "growthkit._prepare",
    "customer_summary": "growthkit.summary",
    "calibration_holdout_summary": "growthkit.summary",
    "rfm_scores": "growthkit.rfm",
    "RFMResult": "growthkit.rfm",
    "lifecycle_stages": "growthkit.rfm",
    "LifecycleResult": "growthkit.rfm",
    "cohort_matrix": "growthkit.cohort",
    "CohortMatrix": "growthkit.cohort",
    "growth_accounting": "growthkit.cohort",
    "survival_table": "growthkit.churn",
    "early_warning": "growthkit.churn",
    "customer_lifetime_value": "growthkit.clv",
    "proportion_test": "growthkit.experiments",
    "mean_test": "growthkit.experiments",
    "ComparisonResult": "growthkit.experiments",
    "warm_up": "growthkit._warmup",
    "Events": "growthkit.funnel",
    "prepare_events": "growthkit.funnel",
    "FunnelResult": "growthkit.funnel",
    "target_customers": "growthkit.campaigns",
    "assign_holdout": "growthkit.campaigns",
    "evaluate_campaign": "growthkit.campaigns",
    "evaluate_uplift": "growthkit.campaigns",
}
_SUBMODULES = frozenset(
    {
        "datasets",
        "summary",
        "rfm",
        "cohort",
        "churn",
        "clv",
        "experiments",
        "funnel",
        "campaigns",
        "plotting",
        "report",
    }
)

__all__ = [
    "CohortMatrix",
    "ComparisonResult",
    "ConvergenceError",
    "DataError",
    "Events",
    "FunnelResult",
    "GrowthkitError",
    "GrowthkitWarning",
    "LifecycleResult",
    "RFMResult",
    "SchemaError",
    "Transactions",
    "__version__",
    "assign_holdout",
    "calibration_holdout_summary",
    "campaigns",
    "cohort_matrix",
    "customer_lifetime_value",
    "customer_summary",
    "datasets",
    "early_warning",
    "evaluate_campaign",
    "evaluate_uplift",
    "funnel",
    "growth_accounting",
    "lifecycle_stages",
    "mean_test",
    "prepare_events",
    "prepare_transactions",
    "proportion_test",
    "rfm_scores",
    "survival_table",
    "target_customers",
    "warm_up",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"growthkit.{name}")
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'growthkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES) | _SUBMODULES)


if TYPE_CHECKING:
    from growthkit import campaigns as campaigns
    from growthkit import datasets as datasets
    from growthkit import funnel as funnel
    from growthkit._prepare import Transactions as Transactions
    from growthkit._prepare import prepare_transactions as prepare_transactions
    from growthkit._warmup import warm_up as warm_up
    from growthkit.campaigns import assign_holdout as assign_holdout
    from growthkit.campaigns import evaluate_campaign as evaluate_campaign
    from growthkit.campaigns import evaluate_uplift as evaluate_uplift
    from growthkit.campaigns import target_customers as target_customers
    from growthkit.churn import early_warning as early_warning
    from growthkit.churn import survival_table as survival_table
    from growthkit.clv import customer_lifetime_value as customer_lifetime_value
    from growthkit.cohort import CohortMatrix as CohortMatrix
    from growthkit.cohort import cohort_matrix as cohort_matrix
    from growthkit.cohort import growth_accounting as growth_accounting
    from growthkit.experiments import ComparisonResult as ComparisonResult
    from growthkit.experiments import mean_test as mean_test
    from growthkit.experiments import proportion_test as proportion_test
    from growthkit.funnel import Events as Events
    from growthkit.funnel import FunnelResult as FunnelResult
    from growthkit.funnel import prepare_events as prepare_events
    from growthkit.rfm import LifecycleResult as LifecycleResult
    from growthkit.rfm import RFMResult as RFMResult
    from growthkit.rfm import lifecycle_stages as lifecycle_stages
    from growthkit.rfm import rfm_scores as rfm_scores
    from growthkit.summary import calibration_holdout_summary as calibration_holdout_summary
    from growthkit.summary import customer_summary as customer_summary
