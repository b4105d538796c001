"""The intervention loop: whom to target, how to hold out, what the campaign earned.

- :func:`target_customers` -- rank customers by expected value at risk
  (P(churn within h) x CLV, optionally x an uplift score) and select under a budget or
  top k (:class:`TargetList`).
- :func:`assign_holdout` -- a deterministic salted-hash split into treatment and holdout,
  stratified by segment (:class:`HoldoutAssignment`, with its SRM check);
  :func:`hash_unit` the hash itself; :func:`holdout_sample_size` the customers needed.
- :func:`evaluate_campaign` -- win-back rate, orders, revenue per customer and per order
  after the send date, treatment vs holdout, with intervals (CUPED on the pre-period),
  incremental revenue and ROI (:class:`CampaignEvaluation`).
- :func:`evaluate_uplift` -- uplift and Qini curves of any score on randomised data, AUUC,
  Qini coefficient and uplift at k (:class:`UpliftEvaluation`); :func:`uplift_auc_score`,
  :func:`qini_auc_score`, :func:`uplift_at_k` as in scikit-uplift.
- :func:`campaign_section` -- the campaign section of ``python -m growthkit report``.

The statistics come from :mod:`growthkit.experiments`, churn probabilities from
:func:`growthkit.churn.early_warning` and lifetime values from
:func:`growthkit.clv.customer_lifetime_value`; charts are ``growthkit.plotting``'s
:func:`~growthkit.plotting.plot_uplift` and :func:`~growthkit.plotting.plot_campaign`.
A simulated campaign with known uplift: :func:`growthkit.datasets.simulate_campaign`.
Guide: ``docs/campaigns.md``.
"""

from growthkit.campaigns._evaluate import CampaignEvaluation, evaluate_campaign
from growthkit.campaigns._holdout import (
    HoldoutAssignment,
    assign_holdout,
    hash_unit,
    holdout_sample_size,
)
from growthkit.campaigns._report import ReportSection, campaign_section
from growthkit.campaigns._targeting import TargetList, target_customers
from growthkit.campaigns._uplift import (
    Strategy,
    UpliftEvaluation,
    evaluate_uplift,
    qini_auc_score,
    uplift_at_k,
    uplift_auc_score,
)

__all__ = [
    "CampaignEvaluation",
    "HoldoutAssignment",
    "ReportSection",
    "Strategy",
    "TargetList",
    "UpliftEvaluation",
    "assign_holdout",
    "campaign_section",
    "evaluate_campaign",
    "evaluate_uplift",
    "hash_unit",
    "holdout_sample_size",
    "qini_auc_score",
    "target_customers",
    "uplift_at_k",
    "uplift_auc_score",
]
