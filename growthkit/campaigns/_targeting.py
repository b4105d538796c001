"""Targeting: customers ranked by expected value at risk, selected under a budget or top k."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from growthkit import _validate as v
from growthkit._results import ExactFields, freeze, frozen
from growthkit.churn import EarlyWarningList

__all__ = ["TargetList", "target_customers"]


@dataclass(frozen=True, slots=True, eq=False)
class TargetList(ExactFields):
    """Customers ranked by the value a campaign could save, and the ones selected.

    Attributes
    ----------
    table
        Indexed by customer, highest priority first: ``rank``, ``churn_probability``,
        ``clv``, ``value_at_risk`` (their product), ``uplift`` and ``expected_gain``
        (``value_at_risk * uplift``) when an uplift score was given, ``cost``,
        ``cumulative_cost`` and ``selected``.
    budget, top_k
        The constraints (``None`` when not given).

    Notes
    -----
    Lists compare with ``==`` (tables exactly), pickle, and their table is read-only.

    Examples
    --------
    >>> import pandas as pd
    >>> from growthkit.campaigns import target_customers
    >>> p = pd.Series([0.5, 0.9], index=["a", "b"])
    >>> tl = target_customers(p, pd.Series([40.0, 10.0], index=["a", "b"]), top_k=1)
    >>> print(tl)
    target list: 1 of 2 customers selected, value at risk 20.00, cost 1.00
    >>> tl.selected().index.tolist()
    ['a']
    """

    table: pd.DataFrame
    budget: float | None
    top_k: int | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", frozen(self.table))

    def __hash__(self) -> int:
        return hash((self.budget, self.top_k, len(self.table)))

    def selected(self) -> pd.DataFrame:
        """The selected customers (a copy), highest priority first."""
        return self.table.loc[self.table["selected"].to_numpy()].copy()

    def to_frame(self) -> pd.DataFrame:
        """The ranked table (a copy)."""
        return self.table.copy()

    def __str__(self) -> str:
        chosen = self.table["selected"].to_numpy()
        value = float(self.table["value_at_risk"].to_numpy()[chosen].sum())
        cost = float(self.table["cost"].to_numpy()[chosen].sum())
        return (
            f"target list: {int(chosen.sum())} of {len(self.table)} customers selected, "
            f"value at risk {value:,.2f}, cost {cost:,.2f}"
        )


def _aligned(name: str, values: object, index: pd.Index) -> np.ndarray:
    """Values of a Series for every customer in ``index`` (all present), or a scalar."""
    if isinstance(values, pd.Series):
        missing = int(np.count_nonzero(~index.isin(values.index)))
        if missing:
            raise v.data_error(
                name,
                "has no value for some customers of the churn list",
                missing,
                f"Pass `{name}` for every customer scored for churn.",
            )
        if values.index.has_duplicates:
            dup = int(values.index.duplicated().sum())
            raise v.data_error(name, "has duplicated customers", dup)
        values = values.loc[index].to_numpy()
    arr = v.as_float_array(name, values)
    if arr.ndim == 0:
        return np.full(len(index), float(arr))
    if arr.shape != (len(index),):
        raise v.data_error(
            name, f"has {arr.size} values for {len(index)} customers", abs(arr.size - len(index))
        )
    return arr


def target_customers(
    churn_probability: EarlyWarningList | pd.Series,
    clv: pd.Series,
    *,
    uplift: pd.Series | float | None = None,
    top_k: int | None = None,
    budget: float | None = None,
    cost_per_contact: pd.Series | float = 1.0,
) -> TargetList:
    """Rank customers by expected value at risk and select whom to contact.

    Parameters
    ----------
    churn_probability
        P(churn within the horizon) per customer: an
        :func:`growthkit.churn.early_warning` list (its ``churn_probability``) or a
        Series indexed by customer. These customers are the candidates.
    clv
        Predicted lifetime value per customer
        (:func:`growthkit.clv.customer_lifetime_value`), covering every candidate;
        customers it has beyond them (churned already) are not candidates.
    uplift
        Optional uplift score (the share of the value a contact saves, from an uplift
        model or a past campaign's segment effects): a Series covering the candidates or
        one number. Ranking is then by ``value_at_risk * uplift``.
    top_k
        Select at most this many customers.
    budget
        Select, in rank order, while the cumulative contact cost stays within it.
    cost_per_contact
        Cost of contacting each customer: one number or a Series covering the candidates.

    Returns
    -------
    TargetList
        Every candidate ranked; ``selected`` marks the chosen ones (customers with a
        positive priority, within ``top_k`` and ``budget``).

    Raises
    ------
    DataError
        NaN, negative probabilities outside [0, 1], negative CLV or costs, candidates
        missing from ``clv``, ``uplift`` or ``cost_per_contact``, duplicated customers,
        a non-positive ``top_k`` or ``budget``.
    SchemaError
        ``churn_probability`` of another type.

    Notes
    -----
    ``value_at_risk = P(churn within h) * CLV`` is the value the customer is expected to
    take away; multiplying by an uplift score gives the value a contact is expected to
    save. Ties keep the order of ``churn_probability``. The budget rule takes the longest
    prefix of the ranking that fits (no customer further down jumps the queue).

    Examples
    --------
    >>> import pandas as pd
    >>> from growthkit.campaigns import target_customers
    >>> p = pd.Series([0.9, 0.2, 0.6], index=["a", "b", "c"])
    >>> clv = pd.Series([100.0, 500.0, 50.0], index=["a", "b", "c"])
    >>> tl = target_customers(p, clv, budget=2.0, cost_per_contact=1.0)
    >>> tl.table[["rank", "value_at_risk", "selected"]]
       rank  value_at_risk  selected
    b     1          100.0      True
    a     2           90.0      True
    c     3           30.0     False
    """
    if isinstance(churn_probability, EarlyWarningList):
        prob = churn_probability.table["churn_probability"]
    elif isinstance(churn_probability, pd.Series):
        prob = churn_probability
    else:
        raise v.schema_error(
            "churn_probability",
            "must be an EarlyWarningList or a pandas Series, got "
            f"{type(churn_probability).__name__}",
            1,
        )
    index = prob.index
    if index.has_duplicates:
        dup = int(index.duplicated().sum())
        raise v.data_error("churn_probability", "has duplicated customers", dup)
    if len(index) == 0:
        raise v.data_error("churn_probability", "is empty", 0, "Score some customers first.")
    p = v.as_float_array("churn_probability", prob.to_numpy(), ndim=1)
    outside = int(np.count_nonzero((p < 0) | (p > 1)))
    if outside:
        raise v.data_error("churn_probability", "is outside [0, 1]", outside)
    value = _aligned("clv", clv, index)
    v.check_nonnegative("clv", value)
    cost = _aligned("cost_per_contact", cost_per_contact, index)
    v.check_nonnegative("cost_per_contact", cost)
    columns: dict[str, Any] = {"churn_probability": p, "clv": value, "value_at_risk": p * value}
    priority = columns["value_at_risk"]
    if uplift is not None:
        columns["uplift"] = _aligned("uplift", uplift, index)
        priority = columns["expected_gain"] = priority * columns["uplift"]
    order = np.argsort(-priority, kind="stable")
    chosen = priority[order] > 0
    if top_k is not None:
        k = v.check_positive_int("top_k", top_k)
        chosen &= np.arange(len(order)) < k
    spent = np.cumsum(cost[order])
    limit: float | None = None
    if budget is not None:
        limit = v.check_positive_number("budget", budget)
        chosen &= spent <= limit
    table = pd.DataFrame(
        {"rank": np.arange(1, len(order) + 1, dtype=np.int64)}
        | {name: col[order] for name, col in columns.items()}
        | {"cost": cost[order], "cumulative_cost": spent, "selected": chosen},
        index=index[order],
    )
    return TargetList(
        table=freeze(table),
        budget=limit,
        top_k=None if top_k is None else int(top_k),
    )
