"""Discounted customer lifetime value from a purchase model and a spend model."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit._validate import check_nonnegative, check_positive_int, data_error, schema_error
from growthkit.clv._base import (
    FloatArray,
    PurchaseModel,
    broadcast_summary,
    check_purchase_model,
    check_rate,
    column,
)
from growthkit.clv.gammagamma import GammaGamma

__all__ = ["DAYS_PER_MONTH", "customer_lifetime_value"]

DAYS_PER_MONTH = 365.25 / 12
"""Length of the CLV month in days (an average Gregorian month, 30.4375 days)."""


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    value_model: GammaGamma | float | npt.ArrayLike,
    summary: pd.DataFrame,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    time_unit_days: float = 1.0,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next months.

    ``CLV_i = sum_{m=1}^{H} value_i * (E[Y_i(m M)] - E[Y_i((m-1) M)]) / (1 + d)^m`` where
    ``E[Y_i(t)]`` is the purchase model's conditional expected number of purchases in the
    next ``t`` time units, ``M`` the month length in the summary's time unit, ``H =
    horizon_months`` and ``d`` the monthly discount rate: each month's expected purchases
    are discounted at that month's end (the convention of the ``lifetimes`` package and of
    Fader, Hardie & Lee 2005, "RFM and CLV", eq. 2 discretised by month).

    Parameters
    ----------
    purchase_model
        A fitted :class:`BetaGeo`, :class:`ModifiedBetaGeo` or :class:`ParetoNBD` (anything
        with ``expected_purchases(t, frequency, recency, T)``).
    value_model
        A fitted :class:`GammaGamma` (then ``summary`` needs ``monetary_value``), or the
        value of one purchase: a number, or one per customer (e.g. a margin): a
        ``pandas.Series`` is aligned on the summary's index (every customer needs a
        value), an array is taken in the summary's row order.
    summary
        Customer summary: ``frequency``, ``recency``, ``T`` (in the time unit of the
        purchase model), and ``monetary_value`` when ``value_model`` is a GammaGamma.
    horizon_months
        Number of months to sum over.
    discount_rate
        Discount rate per month (0.01 is about 12.7 % a year); 0 means no discounting.
    time_unit_days
        Length in days of one time unit of ``recency``/``T``: 1 (the default) for summaries
        built with ``period="D"``, 7 for weekly summaries such as the CDNOW one. A month is
        ``DAYS_PER_MONTH`` = 30.4375 days.

    Returns
    -------
    pandas.Series
        ``clv`` per customer, indexed like ``summary``.

    Raises
    ------
    SchemaError
        If ``summary`` lacks a needed column.
    DataError
        If the summary is invalid, ``horizon_months < 1``, ``discount_rate < 0`` or
        ``time_unit_days <= 0``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo, GammaGamma, customer_lifetime_value
    >>> cdnow = gk.datasets.load_cdnow_summary()
    >>> bg = BetaGeo.fit(cdnow)
    >>> gg = GammaGamma.fit(cdnow)
    >>> clv = customer_lifetime_value(bg, gg, cdnow, time_unit_days=7)
    >>> round(float(clv.loc[1]), 2)
    36.3
    """
    check_purchase_model("purchase_model", purchase_model)
    if not isinstance(summary, pd.DataFrame):
        raise schema_error("summary", "must be a DataFrame", 0)
    months = check_positive_int("horizon_months", horizon_months)
    d = check_rate("discount_rate", discount_rate, allow_zero=True)
    unit = check_rate("time_unit_days", time_unit_days)
    x, tx, t = broadcast_summary(summary, None, None)
    if isinstance(value_model, GammaGamma):
        if "monetary_value" not in summary.columns:
            raise schema_error(
                "monetary_value",
                "column is missing from the summary",
                len(summary),
                "Build the summary with amount_col to use a GammaGamma value model.",
            )
        value: FloatArray = value_model.expected_average_value(
            x, summary["monetary_value"].to_numpy()
        )
    else:
        value = _per_customer_value(value_model, summary)
    month = DAYS_PER_MONTH / unit
    total = np.zeros(x.size)
    previous = np.zeros(x.size)
    for m in range(1, months + 1):
        cumulative = purchase_model.expected_purchases(m * month, x, tx, t)
        total += (cumulative - previous) * (1.0 + d) ** -m  # (1+d)**m overflows for huge d
        previous = cumulative
    return pd.Series(value * total, index=summary.index, name="clv")


def _per_customer_value(value_model: object, summary: pd.DataFrame) -> FloatArray:
    """A purchase value per summary row: a scalar, an array in row order, or a Series by id."""
    n = len(summary)
    if isinstance(value_model, pd.Series):
        absent = int((~summary.index.isin(value_model.index)).sum())
        if absent:
            raise data_error(
                "value_model",
                f"has no value for {absent} of the summary's customers (a Series is "
                "aligned on the summary's index)",
                absent,
                "Index it by customer id, or pass .to_numpy() to match by position.",
            )
        value_model = value_model.reindex(summary.index).to_numpy()
    values = column("value_model", value_model)
    check_nonnegative(
        "value_model", values, "A purchase's value (an amount or a margin) is 0 or more."
    )
    if values.shape[0] not in (1, n):
        raise data_error(
            "value_model",
            f"has {values.shape[0]} values for {n} customers",
            n,
            "Pass one value, or one per summary row.",
        )
    out: FloatArray = np.broadcast_to(values, (n,)).astype(np.float64)
    return out
