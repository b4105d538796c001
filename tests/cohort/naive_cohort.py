"""Naive pandas twins of the cohort kernels (independent groupby / unstack implementations)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}


def period_keys(times: pd.Series, period: str) -> pd.Series:
    """Calendar-period ordinals the pandas way (local wall clock for tz-aware times)."""
    if times.dt.tz is not None:
        times = times.dt.tz_localize(None)
    keys: pd.Series = times.dt.to_period(FREQ[period]).map(lambda p: p.ordinal).astype("int64")
    return keys


def naive_cohort_counts(
    codes: np.ndarray,
    keys: np.ndarray,
    amounts: np.ndarray | None,
    *,
    value: str,
    cumulative: bool,
    end_key: int | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Cohort x age table (index = cohort key, columns = ages) and cohort sizes."""
    frame = pd.DataFrame({"c": codes, "k": keys})
    frame["a"] = 1.0 if amounts is None else amounts
    frame["first"] = frame.groupby("c")["k"].transform("min")
    frame["age"] = frame["k"] - frame["first"]
    lo = int(frame["k"].min())
    hi = int(frame["k"].max()) if end_key is None else end_key
    ages = list(range(hi - lo + 1))
    sizes = frame.groupby("first")["c"].nunique()
    if value == "customers" and cumulative:
        last_age = frame.groupby("c").agg(first=("first", "first"), last=("age", "max"))
        # Directly from the definition: customer i counts in age k when its last age >= k.
        reaches = last_age["last"].to_numpy()[:, None] >= np.array(ages)[None, :]
        table = pd.DataFrame(reaches, columns=ages).groupby(last_age["first"].to_numpy()).sum()
    else:
        g = frame.groupby(["first", "age"])
        if value == "customers":
            cells = g["c"].nunique()
        elif value == "orders":
            cells = g.size()
        else:
            cells = g["a"].sum()
        table = cells.unstack(fill_value=0).reindex(columns=ages, fill_value=0)
        if cumulative:
            table = table.cumsum(axis=1)
    table = table.astype("float64")
    observable = table.index.to_numpy()[:, None] + np.array(ages)[None, :] <= hi
    table = table.where(observable)
    return table, sizes


def naive_growth(
    codes: np.ndarray, keys: np.ndarray, amounts: np.ndarray | None, end_key: int | None = None
) -> pd.DataFrame:
    """Growth accounting from a dense customer x period revenue table and shifts."""
    frame = pd.DataFrame({"c": codes, "k": keys, "a": 0.0 if amounts is None else amounts})
    lo = int(frame["k"].min())
    hi = int(frame["k"].max()) if end_key is None else end_key
    periods = list(range(lo, hi + 1))
    revenue = frame.pivot_table(index="c", columns="k", values="a", aggfunc="sum")
    active = frame.assign(one=1).pivot_table(index="c", columns="k", values="one", aggfunc="sum")
    revenue = revenue.reindex(columns=periods).fillna(0.0)
    is_active = active.reindex(columns=periods).notna()
    first = frame.groupby("c")["k"].min().reindex(is_active.index)
    was_active = is_active.shift(1, axis=1, fill_value=False)
    prev_revenue = revenue.shift(1, axis=1, fill_value=0.0)
    is_new = pd.DataFrame({p: first == p for p in periods})
    retained = is_active & was_active
    resurrected = is_active & ~was_active & ~is_new
    churned = was_active & ~is_active
    out = pd.DataFrame(
        {
            "active": is_active.sum(),
            "new": is_new.sum(),
            "retained": retained.sum(),
            "resurrected": resurrected.sum(),
            "churned": churned.sum(),
        }
    )
    if amounts is not None:
        out["revenue"] = revenue.sum()
        out["new_revenue"] = revenue.where(is_new, 0.0).sum()
        out["retained_revenue"] = (
            revenue.where(revenue < prev_revenue, prev_revenue).where(retained, 0.0).sum()
        )
        diff = revenue - prev_revenue
        out["expansion_revenue"] = diff.clip(lower=0).where(retained, 0.0).sum()
        out["contraction_revenue"] = (-diff).clip(lower=0).where(retained, 0.0).sum()
        out["resurrected_revenue"] = revenue.where(resurrected, 0.0).sum()
        out["churned_revenue"] = prev_revenue.where(churned, 0.0).sum()
    out.index = pd.Index(periods)
    result: pd.DataFrame = out
    return result
