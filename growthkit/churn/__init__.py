"""Churn as survival analysis, on lifelines.

- :func:`survival_table` -- one row per customer: ``duration``, ``churned`` and covariates,
  from the prepared arrays in one kernel pass.
- :func:`kaplan_meier`, :func:`logrank_test` -- survival curves overall and by group, and
  their comparison.
- :func:`fit_churn_model` -- Cox proportional hazards or Weibull / log-normal AFT, returned
  as a :class:`ChurnModel` that keeps the lifelines fitter in ``.fitter``.
- :func:`early_warning` -- current customers ranked by P(churn within a horizon | survived
  so far), with the covariates that drive each one's risk.
- :func:`evaluate_early_warning` -- the ranking checked out of time (concordance, lift).
- :func:`plot_survival`, :func:`plot_risk_distribution` -- matplotlib helpers.
"""

from growthkit.churn._models import (
    ChurnModel,
    KaplanMeier,
    LogrankResult,
    ModelKind,
    fit_churn_model,
    kaplan_meier,
    logrank_test,
)
from growthkit.churn._plot import plot_risk_distribution, plot_survival
from growthkit.churn._table import survival_table
from growthkit.churn._warning import (
    EarlyWarningEvaluation,
    EarlyWarningList,
    ScoreKind,
    bgnbd_churn_probability,
    early_warning,
    evaluate_early_warning,
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
    "kaplan_meier",
    "logrank_test",
    "plot_risk_distribution",
    "plot_survival",
    "survival_table",
]
