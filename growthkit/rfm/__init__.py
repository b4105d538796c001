"""RFM scores, named segments and lifecycle stages.

- :func:`rfm_scores` -- recency / frequency / monetary per customer, scores ``1..bins``
  (higher is better), an ``rfm_code``, and a named segment per customer
  (:class:`RFMResult`, with :meth:`RFMResult.segment_summary`).
- :func:`lifecycle_stages` -- new / active / at-risk / lost stages, a high-value flag and the
  repeat-purchase rate (:class:`LifecycleResult`).
- The charts of an :class:`RFMResult` are :func:`growthkit.plotting.plot_segments` and
  :func:`growthkit.plotting.plot_rf_heatmap`.

Both functions follow the one growthkit path: validate -> :func:`~growthkit.prepare_transactions`
(or a prepared :class:`~growthkit.Transactions`) -> the shared ``customer_aggregates`` kernel
-> scoring kernels -> a frozen result.
"""

from growthkit.rfm._lifecycle import LifecycleResult, lifecycle_stages
from growthkit.rfm._scores import (
    DIMENSIONS,
    LIFECYCLE_STAGES,
    STANDARD_SEGMENTS,
    Dimension,
    LifecycleStage,
    RFMResult,
    SegmentRule,
    SegmentScheme,
    rfm_scores,
)
from growthkit.rfm._scores import FloatArray as FloatArray
from growthkit.rfm._scores import IntArray as IntArray

__all__ = [
    "DIMENSIONS",
    "LIFECYCLE_STAGES",
    "STANDARD_SEGMENTS",
    "Dimension",
    "LifecycleResult",
    "LifecycleStage",
    "RFMResult",
    "SegmentRule",
    "SegmentScheme",
    "lifecycle_stages",
    "rfm_scores",
]
