"""The churn charts under their ``growthkit.churn`` names, drawn by :mod:`growthkit.plotting`.

One implementation per chart lives in ``growthkit.plotting`` (which imports the churn result
types only for type checking); the result objects' ``.plot()`` methods call it lazily.
"""

from __future__ import annotations

from growthkit.plotting import (
    plot_calibration,
    plot_evaluation,
    plot_lift,
    plot_risk_distribution,
    plot_survival,
)

__all__ = [
    "plot_calibration",
    "plot_evaluation",
    "plot_lift",
    "plot_risk_distribution",
    "plot_survival",
]
