"""Churn as survival analysis, on lifelines.

- :func:`survival_table` -- one row per customer: ``duration``, ``churned`` and covariates,
  from the prepared arrays in one kernel pass.
- :func:`kaplan_meier`, :func:`logrank_test` -- survival curves overall and by group, and
  their comparison.
- :func:`fit_churn_model` -- Cox proportional hazards or Weibull / log-normal AFT on the
  age clock (first order to churn), a :class:`ChurnModel` keeping the lifelines fitter.
- :func:`fit_gap_model` -- the same models on the inter-purchase clock (order to next
  order), the survival route to early-warning probabilities.
- :func:`early_warning` -- current customers ranked by P(churn within a horizon) under the
  churn rule (exactly 0 for those who cannot churn in time), from a gap model or a BTYD
  model of ``growthkit.clv``, with the covariates that drive each one's risk.
- :func:`evaluate_early_warning` -- the probabilities checked out of time against the
  baselines (AUC, Brier, log loss, calibration, precision and lift at k).
- The charts (survival curves, risk histogram, calibration and lift) are in
  :mod:`growthkit.plotting`; ``KaplanMeier.plot`` and ``EarlyWarningEvaluation.plot`` draw
  them.
"""

from growthkit.churn._checks import ModelKind
from growthkit.churn._evaluation import EarlyWarningEvaluation, evaluate_early_warning
from growthkit.churn._gaps import fit_gap_model
from growthkit.churn._models import KaplanMeier, LogrankResult, kaplan_meier, logrank_test
from growthkit.churn._regression import ChurnModel, fit_churn_model
from growthkit.churn._table import survival_table
from growthkit.churn._warning import (
    EarlyWarningList,
    ScoreKind,
    bgnbd_churn_probability,
    early_warning,
)

__all__ = [
    "ChurnModel",
    "EarlyWarningEvaluation",
    "EarlyWarningList",
    "KaplanMeier",
    "LogrankResult",
    "ModelKind",
    "ScoreKind",
    "bgnbd_churn_probability",
    "early_warning",
    "evaluate_early_warning",
    "fit_churn_model",
    "fit_gap_model",
    "kaplan_meier",
    "logrank_test",
    "survival_table",
]
