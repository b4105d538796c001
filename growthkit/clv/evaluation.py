"""Scoring a purchase model on a calibration/holdout split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit._results import ExactFields, frozen
from growthkit._validate import check_nonnegative, check_positive_int, schema_error
from growthkit.clv._base import PurchaseModel, broadcast_summary, check_purchase_model, column

__all__ = ["HoldoutComparison", "holdout_comparison"]


@dataclass(frozen=True, slots=True, eq=False)
class HoldoutComparison(ExactFields):
    """Predicted versus actual holdout purchases.

    Attributes
    ----------
    table
        One row per calibration-frequency bucket (``0, 1, ..., max_frequency+``):
        ``customers``, mean ``actual`` and ``predicted`` holdout purchases, and their
        ``error`` (predicted minus actual) -- Figure 4 of Fader, Hardie & Lee (2005).
    per_customer
        ``actual`` and ``predicted`` holdout purchases, indexed like the summary.
    mae, rmse
        Mean absolute and root mean squared per-customer error.
    total_actual, total_predicted
        Holdout purchases summed over customers.
    bucket_mae
        Customer-weighted mean absolute error of the bucket means.
    correlation
        Pearson correlation of per-customer actual and predicted purchases.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, holdout_comparison
    >>> split = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30",
    ...     observation_end="1998-06-30", period="W")
    >>> score = holdout_comparison(BetaGeo.fit(split), split)
    >>> score.table.loc["7+", ["customers", "actual", "predicted"]].round(2).tolist()
    [64.0, 6.36, 6.16]
    >>> print(f"{score.total_error:.3f} mae={score.mae:.3f} rmse={score.rmse:.3f}")
    -0.121 mae=0.785 rmse=1.608
    """

    table: pd.DataFrame
    per_customer: pd.DataFrame
    mae: float
    rmse: float
    total_actual: float
    total_predicted: float
    bucket_mae: float
    correlation: float

    def __post_init__(self) -> None:
        # Frames whose values cannot be set: nothing in the result changes after the fact.
        object.__setattr__(self, "table", frozen(self.table))
        object.__setattr__(self, "per_customer", frozen(self.per_customer))

    @property
    def total_error(self) -> float:
        """Relative error of the aggregate forecast, ``predicted / actual - 1``."""
        if self.total_actual == 0:
            return float("inf") if self.total_predicted > 0 else 0.0
        return self.total_predicted / self.total_actual - 1.0

    def to_frame(self) -> pd.DataFrame:
        """Return the by-bucket table."""
        return self.table.copy()

    def summary(self) -> pd.Series:
        """Return the error summary as a Series."""
        return pd.Series(
            {
                "customers": float(len(self.per_customer)),
                "total_actual": self.total_actual,
                "total_predicted": self.total_predicted,
                "total_error": self.total_error,
                "mae": self.mae,
                "rmse": self.rmse,
                "bucket_mae": self.bucket_mae,
                "correlation": self.correlation,
            },
            name="holdout",
        )

    def __str__(self) -> str:
        return (
            self.table.to_string(float_format=lambda v: f"{v:.3f}")
            + "\n"
            + self.summary().to_string(float_format=lambda v: f"{v:.4f}")
        )


def holdout_comparison(
    model: PurchaseModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> HoldoutComparison:
    """Compare a fitted purchase model's holdout forecast with what customers actually did.

    Parameters
    ----------
    model
        A purchase model fitted on the calibration columns of ``summary``.
    summary
        Output of :func:`growthkit.summary.calibration_holdout_summary`: ``frequency``,
        ``recency``, ``T``, ``frequency_holdout`` and ``duration_holdout`` (the holdout
        length, in the same time unit as ``T``).
    max_frequency
        Calibration frequencies at or above it share the last bucket (``"7+"``).

    Returns
    -------
    HoldoutComparison
        The by-bucket table, per-customer values and error summary.

    Raises
    ------
    SchemaError
        If a holdout column is missing.
    DataError
        If holdout values are negative or NaN.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, holdout_comparison
    >>> from growthkit.summary import calibration_holdout_summary
    >>> split = calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30",
    ...     observation_end="1998-06-30", period="W")
    >>> model = BetaGeo.fit(split)
    >>> score = holdout_comparison(model, split)
    >>> score.table.index.tolist()
    ['0', '1', '2', '3', '4', '5', '6', '7+']
    >>> round(score.total_actual), round(score.total_predicted)
    (1882, 1653)
    """
    check_purchase_model("model", model)
    for name in ("frequency_holdout", "duration_holdout"):
        if name not in summary.columns:
            raise schema_error(
                name,
                "column is missing from the summary",
                len(summary),
                "Build it with growthkit.summary.calibration_holdout_summary.",
            )
    cap = check_positive_int("max_frequency", max_frequency, minimum=0)
    x, tx, t = broadcast_summary(summary, None, None)
    actual = column("frequency_holdout", summary["frequency_holdout"].to_numpy())
    duration = column("duration_holdout", summary["duration_holdout"].to_numpy())
    for name, arr in (("frequency_holdout", actual), ("duration_holdout", duration)):
        check_nonnegative(name, arr)
    predicted = model.expected_purchases(duration, x, tx, t)
    bucket = np.minimum(x, cap).astype(np.int64)
    labels = [str(i) for i in range(cap)] + [f"{cap}+"]
    per = pd.DataFrame({"actual": actual, "predicted": predicted}, index=summary.index)
    counts = np.bincount(bucket, minlength=cap + 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_actual = np.bincount(bucket, weights=actual, minlength=cap + 1) / counts
        mean_predicted = np.bincount(bucket, weights=predicted, minlength=cap + 1) / counts
    table = pd.DataFrame(
        {
            "customers": counts.astype(np.int64),
            "actual": mean_actual,
            "predicted": mean_predicted,
        },
        index=pd.Index(labels, name="frequency"),
    )
    table["error"] = table["predicted"] - table["actual"]
    err = predicted - actual
    filled = table.dropna()
    bucket_mae = float(np.average(np.abs(filled["error"]), weights=filled["customers"]))
    corr = (
        float(np.corrcoef(actual, predicted)[0, 1])
        if actual.size > 1 and np.std(actual) > 0 and np.std(predicted) > 0
        else float("nan")
    )
    return HoldoutComparison(
        table=table,
        per_customer=per,
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        total_actual=float(actual.sum()),
        total_predicted=float(predicted.sum()),
        bucket_mae=bucket_mae,
        correlation=corr,
    )
