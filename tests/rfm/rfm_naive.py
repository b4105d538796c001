"""Naive pandas twins of growthkit.rfm (independent groupby / rank implementations)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Indices into growthkit.rfm.STANDARD_SEGMENTS are not used here on purpose: the twin
# rebuilds the segment map from the published regex map (R x FM score strings).
REGEX_MAP = {
    r"[1-2][1-2]": "Hibernating",
    r"[1-2][3-4]": "At Risk",
    r"[1-2]5": "Cannot Lose Them",
    r"3[1-2]": "About to Sleep",
    r"33": "Need Attention",
    r"[3-4][4-5]": "Loyal",
    r"41": "Promising",
    r"51": "New Customers",
    r"[4-5][2-3]": "Potential Loyalist",
    r"5[4-5]": "Champions",
}


def min_rank_score(good: pd.Series, bins: int) -> pd.Series:
    """Score = bin of the min-rank percentile (share of customers strictly worse)."""
    n = len(good)
    below = good.rank(method="min").astype("int64") - 1
    return (1 + (bins * below) // n).astype("int64")


def cut_score(good: pd.Series, bins: int) -> pd.Series:
    """The same rule spelt with pandas.cut on the percent rank (right-open bins)."""
    n = len(good)
    pct = (good.rank(method="min") - 1) / n
    edges = [k / bins for k in range(bins)] + [np.inf]
    codes = pd.cut(pct.to_numpy(), edges, right=False, labels=False)
    scores: pd.Series = pd.Series(np.asarray(codes, dtype=np.int64) + 1, index=good.index)
    return scores


def naive_rfm(
    tx: pd.DataFrame, *, observation_end: pd.Timestamp | None = None, bins: int = 5
) -> pd.DataFrame:
    """Per-customer recency_days, frequency, monetary and r/f/m by groupby + rank."""
    g = tx.groupby("customer_id", sort=True, observed=True)
    end = tx["timestamp"].max() if observation_end is None else observation_end
    out = pd.DataFrame(
        {
            "recency_days": (end - g["timestamp"].max()).dt.days.astype("int64"),
            "frequency": g["timestamp"].size().astype("int64"),
            "monetary": g["amount"].sum().astype("float64"),
        }
    )
    out["r"] = min_rank_score(-out["recency_days"], bins)
    out["f"] = min_rank_score(out["frequency"], bins)
    out["m"] = min_rank_score(out["monetary"], bins)
    frame: pd.DataFrame = out
    return frame


def naive_standard_segment(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """Standard segments (bins=5) from the regex map on R and FM, Lost for R=1 low FM."""
    fm = np.floor((f + m) / 2 + 0.5).astype("int64")
    key = r.astype(str) + fm.astype(str)
    seg = key.replace(REGEX_MAP, regex=True)
    named: pd.Series = seg.where(~((r == 1) & (fm <= 2)), "Lost")
    return named
