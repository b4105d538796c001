"""Lifecycle stages: :func:`lifecycle_stages` and :class:`LifecycleResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions, as_transactions
from growthkit._results import freeze, frozen
from growthkit.errors import DataError
from growthkit.rfm._scores import (
    LIFECYCLE_STAGES,
    CustomerTable,
    FloatArray,
    _categorical,
    _days_before,
    _metrics,
)

__all__ = ["LifecycleResult", "lifecycle_stages"]


@dataclass(frozen=True, slots=True, eq=False)
class LifecycleResult(CustomerTable):
    """Lifecycle stage, high-value flag and repeat-purchase rate per customer.

    Attributes
    ----------
    table
        Indexed by customer id (sorted): ``recency_days`` and ``tenure_days`` (whole days
        from the last / first order to ``observation_end``), ``frequency`` (orders),
        ``monetary`` (total spend; only with amounts), ``stage`` (categorical, categories
        :data:`LIFECYCLE_STAGES`), ``high_value`` (bool; all ``False`` without amounts).
    repeat_purchase_rate
        Share of customers with at least two orders.
    observation_end
        The moment the stages are measured at.
    new_days, at_risk_days, lost_days, high_value_share
        The thresholds used (see :func:`lifecycle_stages`).
    high_value_min_monetary
        The least total spend flagged high-value (``nan`` without amounts).

    Examples
    --------
    >>> import growthkit as gk
    >>> tx = gk.datasets.load_cdnow()
    >>> half = tx[tx["timestamp"] <= "1997-06-30"]
    >>> life = gk.lifecycle_stages(half, observation_end="1997-06-30")
    >>> row = life.table.loc[1]
    >>> int(row["recency_days"]), int(row["tenure_days"]), row["stage"]
    (163, 180, 'at_risk')
    >>> round(life.high_value_min_monetary, 2)
    77.21

    The win-back list: high-value customers at risk.

    >>> len(life.table[(life.table["stage"] == "at_risk") & life.table["high_value"]])
    180
    """

    table: pd.DataFrame
    repeat_purchase_rate: float
    observation_end: pd.Timestamp
    new_days: int
    at_risk_days: int
    lost_days: int
    high_value_share: float
    high_value_min_monetary: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", frozen(self.table))

    def __hash__(self) -> int:
        return hash((self.observation_end, self.new_days, self.at_risk_days, self.lost_days))

    def stage_summary(self) -> pd.DataFrame:
        """Count customers, high-value customers, revenue and repeat rate per stage.

        Returns
        -------
        pandas.DataFrame
            Indexed by stage (all four, lifecycle order): ``customers``, ``share``,
            ``high_value`` (customers flagged), ``repeat_purchase_rate`` (NaN for an empty
            stage), and with amounts ``revenue`` and ``revenue_share``.
        """
        t = self.table
        k = len(LIFECYCLE_STAGES)
        codes = np.asarray(t["stage"].cat.codes.to_numpy(), dtype=np.int64)
        counts = np.bincount(codes, minlength=k)
        n = max(int(counts.sum()), 1)
        repeat = np.bincount(
            codes, weights=(t["frequency"].to_numpy() >= 2).astype(np.float64), minlength=k
        )
        out: dict[str, npt.NDArray[np.generic]] = {
            "customers": counts,
            "share": counts / n,
            "high_value": np.bincount(
                codes, weights=t["high_value"].to_numpy().astype(np.float64), minlength=k
            ).astype(np.int64),
            "repeat_purchase_rate": np.where(counts > 0, repeat / np.maximum(counts, 1), np.nan),
        }
        if "monetary" in t:
            revenue = np.bincount(
                codes,
                weights=np.asarray(t["monetary"].to_numpy(), dtype=np.float64),
                minlength=k,
            )
            total = float(revenue.sum())
            out["revenue"] = revenue
            out["revenue_share"] = revenue / total if total > 0 else np.zeros(k)
        index = pd.CategoricalIndex(
            list(LIFECYCLE_STAGES), categories=list(LIFECYCLE_STAGES), name="stage"
        )
        frame: pd.DataFrame = pd.DataFrame(out, index=index)
        return frame

    def __str__(self) -> str:
        summary = self.stage_summary()
        lines = [
            f"LifecycleResult: {len(self.table)} customers at {self.observation_end}, "
            f"repeat_purchase_rate={self.repeat_purchase_rate:.1%}",
            f"  thresholds: new <= {self.new_days} d tenure, at_risk > {self.at_risk_days} d, "
            f"lost > {self.lost_days} d without an order; high value = top "
            f"{self.high_value_share:.0%} by spend",
            "  stage      customers   share  high_value",
        ]
        for name, row in summary.iterrows():
            lines.append(
                f"  {name!s:<9}  {int(row['customers']):>9}  {row['share']:6.1%}"
                f"  {int(row['high_value']):>10}"
            )
        return "\n".join(lines)


def _high_value(monetary: FloatArray, share: float) -> tuple[npt.NDArray[np.bool_], float]:
    """Flag customers whose share of strictly bigger spenders is below ``share``."""
    n = monetary.shape[0]
    ordered = np.sort(monetary)
    # Customers with spend x have n - #(<= x) strictly bigger spenders.
    above = n - np.searchsorted(ordered, ordered, side="right")
    eligible = ordered[above < share * n]
    if eligible.shape[0] == 0:
        return np.zeros(n, dtype=np.bool_), math.inf
    least = float(eligible[0])
    return monetary >= least, least


def lifecycle_stages(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    observation_end: object = None,
    new_days: int = 30,
    at_risk_days: int = 90,
    lost_days: int = 180,
    high_value_share: float = 0.2,
) -> LifecycleResult:
    """Classify customers into lifecycle stages and flag the high-value ones.

    Parameters
    ----------
    tx
        Order log or prepared :class:`~growthkit.Transactions`.
    customer_col, time_col, amount_col
        Column names; without ``amount_col`` (``None``) there is no ``monetary`` column and
        nobody is flagged high-value.
    observation_end
        The moment the stages are measured at; defaults to the latest order.
    new_days
        A customer whose first order is at most this many whole days old is ``"new"``.
    at_risk_days
        A customer with no order for more than this many days is ``"at_risk"``.
    lost_days
        A customer with no order for more than this many days is ``"lost"`` (dormant).
        Must exceed ``at_risk_days``.
    high_value_share
        Customers in the top ``high_value_share`` by total spend are flagged
        ``high_value``: those for whom the share of customers spending strictly more is
        below it (ties share the flag).

    Returns
    -------
    LifecycleResult

    Raises
    ------
    DataError
        A threshold is not a positive integer, ``lost_days <= at_risk_days``,
        ``high_value_share`` is not in (0, 1); plus the input checks of
        :func:`~growthkit.prepare_transactions`.

    Notes
    -----
    Stages by precedence: ``lost`` (``recency_days > lost_days``), ``at_risk``
    (``recency_days > at_risk_days``), ``new`` (``tenure_days <= new_days``), otherwise
    ``active``. The defaults (30 / 90 / 180 days) suit consumer e-commerce with a
    purchase cycle of one to three months; set them from your own inter-purchase times
    (e.g. ``at_risk_days`` near the 80th percentile of the gap between orders). The
    repeat-purchase rate is the share of customers with at least two orders (rows, not
    distinct days). ``high_value`` crosses the stages, so ``stage == "at_risk"`` and
    ``high_value`` is the win-back list.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.rfm import lifecycle_stages
    >>> tx = gk.datasets.load_cdnow()
    >>> life = lifecycle_stages(tx[tx["timestamp"] <= "1997-06-30"], observation_end="1997-06-30")
    >>> round(life.repeat_purchase_rate, 3)
    0.349
    >>> summary = life.stage_summary()
    >>> summary["customers"].tolist(), summary["high_value"].tolist()
    ([0, 524, 1833, 0], [0, 292, 180, 0])
    """
    new_days = v.check_positive_int("new_days", new_days)
    at_risk_days = v.check_positive_int("at_risk_days", at_risk_days)
    lost_days = v.check_positive_int("lost_days", lost_days)
    if lost_days <= at_risk_days:
        raise DataError(
            v.message(
                "lost_days",
                f"({lost_days}) must exceed at_risk_days ({at_risk_days})",
                1,
            )
        )
    share = v.check_probability("high_value_share", high_value_share)
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    end_stamp, end_ticks = log.observation_end(observation_end)
    metrics = _metrics(log)
    recency_days = _days_before(end_ticks, metrics.last, log)
    tenure_days = _days_before(end_ticks, metrics.first, log)

    stage = np.full(log.n_customers, 1, dtype=np.int64)
    stage[tenure_days <= new_days] = 0
    stage[recency_days > at_risk_days] = 2
    stage[recency_days > lost_days] = 3
    columns: dict[str, Any] = {
        "recency_days": recency_days,
        "tenure_days": tenure_days,
        "frequency": metrics.frequency,
    }
    if log.amounts is not None:
        flag, least = _high_value(metrics.monetary, share)
        columns["monetary"] = metrics.monetary
    else:
        flag, least = np.zeros(log.n_customers, dtype=np.bool_), math.nan
    columns["stage"] = _categorical(stage, LIFECYCLE_STAGES)
    columns["high_value"] = flag
    table = pd.DataFrame(columns, index=log.customers.copy())
    repeat = float(np.count_nonzero(metrics.frequency >= 2)) / log.n_customers
    return LifecycleResult(
        table=freeze(table),
        repeat_purchase_rate=repeat,
        observation_end=end_stamp,
        new_days=new_days,
        at_risk_days=at_risk_days,
        lost_days=lost_days,
        high_value_share=share,
        high_value_min_monetary=least,
    )
