"""Naive pandas twins of the foundation kernels (independent groupby implementations)."""

from __future__ import annotations

import pandas as pd

PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.2425 / 12, "Q": 365.2425 / 4, "Y": 365.2425}


def naive_summary(
    tx: pd.DataFrame,
    *,
    amount_col: str | None,
    observation_end: pd.Timestamp,
    period: str,
    calendar: bool,
) -> pd.DataFrame:
    """Summary by groupby, following lifetimes' summary_data_from_transaction_data."""
    t = tx["timestamp"]
    if t.dt.tz is not None:
        t = t.dt.tz_localize(None)
        if observation_end.tzinfo is not None:
            observation_end = observation_end.tz_localize(None)
    if calendar:
        freq = {"W": "W-SUN", "Y": "Y-DEC", "Q": "Q-DEC"}.get(period, period)
        key = t.dt.to_period(freq).map(lambda p: p.ordinal).astype("int64")
        end_key = pd.Period(observation_end, freq).ordinal
        unit = 1.0
    else:
        key = t.dt.floor("D").astype("datetime64[ns]").astype("int64") // 86_400_000_000_000
        end_key = pd.Timestamp(observation_end).floor("D").value // 86_400_000_000_000
        unit = PERIOD_DAYS[period]
    frame = pd.DataFrame({"c": tx["customer_id"], "k": key})
    if amount_col is not None:
        frame["a"] = tx[amount_col].astype("float64")
    else:
        frame["a"] = 0.0
    per = frame.groupby(["c", "k"], sort=True, observed=True)["a"].sum().reset_index()
    g = per.groupby("c", sort=True, observed=True)
    first = g["k"].min()
    out = pd.DataFrame(
        {
            "frequency": (g["k"].count() - 1).astype("int64"),
            "recency": (g["k"].max() - first) / unit,
            "T": (end_key - first) / unit,
        }
    )
    if amount_col is not None:
        first_value = per[per["k"] == per["c"].map(first)].set_index("c")["a"]
        repeat = g["a"].sum() - first_value
        out["monetary_value"] = (repeat / out["frequency"]).where(out["frequency"] > 0, 0.0)
    out.index.name = "customer_id"
    return out
