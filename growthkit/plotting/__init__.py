"""Every growthkit chart, one name each, with one look.

Needs matplotlib (``pip install "growthkit[plot]"``), imported only when a function is
called, so ``import growthkit.plotting`` is free.

- :func:`style` -- a context manager with the house look (used by ``python -m growthkit
  report``); wrap your own plotting code in it to match. :data:`PALETTE` is its colour
  cycle and :func:`new_axes` a pyplot-free figure to draw on.
- Charts: :func:`plot_orders_over_time` (foundation), :func:`plot_cohort_retention`,
  :func:`plot_growth` (cohorts), :func:`plot_segments`, :func:`plot_rf_heatmap` (RFM),
  :func:`plot_survival`, :func:`plot_risk_distribution`, :func:`plot_calibration`,
  :func:`plot_lift`, :func:`plot_evaluation` (churn),
  :func:`plot_frequency_recency_matrix`, :func:`plot_probability_alive_matrix`,
  :func:`plot_holdout_comparison`, :func:`plot_calibration_purchases_vs_holdout_purchases`,
  :func:`plot_clv_distribution` (CLV; the ``lifetimes`` chart names work too),
  :func:`plot_forest` (experiments), :func:`plot_campaign`, :func:`plot_uplift`
  (campaigns), :func:`plot_funnel`, :func:`plot_funnel_steps`,
  :func:`plot_stickiness` (event logs).

Every chart draws on ``ax`` when given (else on a new pyplot figure), in the house style,
and returns the matplotlib ``Axes`` (:func:`plot_evaluation`: a pair). Each is implemented
once, in the private module of its domain (``_orders``, ``_cohort``, ``_rfm``, ``_churn``,
``_clv``, ``_experiments``, ``_campaigns``, ``_funnel``; the look in ``_style``), and the
analysis modules define no chart functions. The ``plot`` methods of results
(:meth:`~growthkit.cohort.CohortMatrix.plot`, :meth:`~growthkit.churn.KaplanMeier.plot`,
:meth:`~growthkit.churn.EarlyWarningEvaluation.plot`,
:meth:`~growthkit.experiments.ComparisonResult.plot`, and those of the funnel and campaign
results) import these functions when called and draw the same charts.
"""

from growthkit.plotting._campaigns import plot_campaign, plot_uplift
from growthkit.plotting._churn import (
    plot_calibration,
    plot_evaluation,
    plot_lift,
    plot_risk_distribution,
    plot_survival,
)
from growthkit.plotting._clv import (
    plot_calibration_purchases_vs_holdout_purchases,
    plot_clv_distribution,
    plot_frequency_recency_matrix,
    plot_holdout_comparison,
    plot_probability_alive_matrix,
)
from growthkit.plotting._cohort import plot_cohort_retention, plot_growth
from growthkit.plotting._experiments import plot_forest
from growthkit.plotting._funnel import plot_funnel, plot_funnel_steps, plot_stickiness
from growthkit.plotting._orders import plot_orders_over_time
from growthkit.plotting._rfm import plot_rf_heatmap, plot_segments
from growthkit.plotting._style import PALETTE, new_axes, style

__all__ = [
    "PALETTE",
    "new_axes",
    "plot_calibration",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_campaign",
    "plot_clv_distribution",
    "plot_cohort_retention",
    "plot_evaluation",
    "plot_forest",
    "plot_frequency_recency_matrix",
    "plot_funnel",
    "plot_funnel_steps",
    "plot_growth",
    "plot_holdout_comparison",
    "plot_lift",
    "plot_orders_over_time",
    "plot_probability_alive_matrix",
    "plot_risk_distribution",
    "plot_rf_heatmap",
    "plot_segments",
    "plot_stickiness",
    "plot_survival",
    "plot_uplift",
    "style",
]
