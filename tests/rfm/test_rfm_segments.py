"""RFM segments: the standard grid, custom schemes, segment_summary, invariants, plots."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit import plotting, rfm
from growthkit.rfm import _scores
from tests.rfm.rfm_naive import naive_rfm, naive_standard_segment

matplotlib.use("Agg")


def log_from_rows(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """(customer, day offset, whole-dollar amount) rows -> an order log."""
    ids, days, amounts = zip(*rows, strict=True)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype=np.int64),
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.asarray(days), unit="D"),
            "amount": np.asarray(amounts, dtype=np.float64),
        }
    )
    return frame


def test_standard_grid_cells_follow_the_published_maps() -> None:
    # Every (r, f, m) score triple with bins=5, one customer each: the segment must be the
    # regex map (R x FM) with Lost for R = 1 and FM <= 2.
    triples = np.array(list(itertools.product(range(1, 6), repeat=3)), dtype=np.int64)
    r, f, m = (triples[:, i].copy() for i in range(3))
    got = _scores._STANDARD_GRID[r - 1, (f + m + 1) // 2 - 1]
    names = np.asarray(rfm.STANDARD_SEGMENTS, dtype=object)[got]
    want = naive_standard_segment(pd.Series(r), pd.Series(f), pd.Series(m))
    assert names.tolist() == want.tolist()
    assert set(names) == set(rfm.STANDARD_SEGMENTS)


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("555", "Champions"),
        ("545", "Champions"),
        ("511", "New Customers"),
        ("411", "Promising"),
        ("433", "Potential Loyalist"),
        ("344", "Loyal"),
        ("333", "Need Attention"),
        ("312", "About to Sleep"),
        ("244", "At Risk"),
        ("155", "Cannot Lose Them"),
        ("212", "Hibernating"),
        ("111", "Lost"),
        ("122", "Lost"),
    ],
)
def test_standard_segment_of_known_codes(code: str, segment: str) -> None:
    r, f, m = (np.array([int(c)], dtype=np.int64) for c in code)
    idx = _scores._assign(_scores._check_scheme("standard", "Other"), r, f, m, 5)
    assert rfm.STANDARD_SEGMENTS[int(idx[0])] == segment


def test_standard_segments_match_naive_twin(cdnow: pd.DataFrame) -> None:
    res = rfm.rfm_scores(cdnow)
    t = res.table
    want = naive_standard_segment(t["r"], t["f"], t["m"])
    assert t["segment"].astype(str).tolist() == want.tolist()
    # Scores match the naive twin too (frequency and recency exactly).
    naive = naive_rfm(cdnow)
    assert (t[["r", "f"]] == naive[["r", "f"]]).all().all()


def test_custom_scheme_first_match_wins_and_fallback() -> None:
    tx = gk.datasets.simulate_transactions(400, seed=2)
    scheme: dict[str, rfm.SegmentRule] = {
        "VIP": {"r": (4, 5), "f": (4, 5), "m": (4, 5)},
        "Recent": {"r": (4, 5)},
        "Big spender": lambda r, f, m: m == 5,
    }
    res = rfm.rfm_scores(tx, segments=scheme, fallback="Everyone else")
    t = res.table
    assert res.segments == ("VIP", "Recent", "Big spender", "Everyone else")
    assert list(t["segment"].cat.categories) == list(res.segments)
    vip = (t["r"] >= 4) & (t["f"] >= 4) & (t["m"] >= 4)
    recent = ~vip & (t["r"] >= 4)
    big = ~vip & ~recent & (t["m"] == 5)
    want = np.select([vip, recent, big], ["VIP", "Recent", "Big spender"], "Everyone else")
    assert t["segment"].astype(str).tolist() == want.tolist()


def test_custom_scheme_can_name_its_own_catch_all() -> None:
    tx = gk.datasets.simulate_transactions(100, seed=4)
    res = rfm.rfm_scores(
        tx, segments={"Top": {"m": (5, 5)}, "Rest": lambda r, f, m: np.ones_like(r, bool)}
    )
    assert res.segments == ("Top", "Rest", "Other")
    assert res.segment_summary().loc["Other", "customers"] == 0


def test_segment_summary_columns_and_totals(cdnow: pd.DataFrame) -> None:
    res = rfm.rfm_scores(cdnow)
    s = res.segment_summary()
    assert list(s.index) == list(rfm.STANDARD_SEGMENTS)
    assert s.index.name == "segment"
    assert list(s.columns) == [
        "customers",
        "share",
        "r_mean",
        "f_mean",
        "m_mean",
        "recency_days_mean",
        "frequency_mean",
        "monetary_mean",
        "revenue",
        "revenue_share",
    ]
    t = res.table
    assert s["customers"].sum() == len(t)
    assert s["share"].sum() == pytest.approx(1.0)
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    # Naive twin: groupby on the table.
    g = t.groupby("segment", observed=False)
    np.testing.assert_array_equal(s["customers"], g.size().to_numpy())
    for col in ("r", "f", "m", "recency_days", "frequency", "monetary"):
        np.testing.assert_allclose(s[f"{col}_mean"], g[col].mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(s["revenue"], g["monetary"].sum().to_numpy(), rtol=1e-12)
    # Empty segments stay in the table with zero counts and NaN means.
    empty = s["customers"] == 0
    assert empty.any()
    assert s.loc[empty, "r_mean"].isna().all()
    assert (s.loc[empty, ["share", "revenue", "revenue_share"]] == 0).all().all()


def test_revenue_share_zero_when_nobody_spent() -> None:
    tx = log_from_rows([(1, 0, 0), (2, 3, 0), (2, 5, 0)])
    s = rfm.rfm_scores(tx).segment_summary()
    assert (s["revenue_share"] == 0).all()


def test_str_is_readable(cdnow: pd.DataFrame) -> None:
    text = str(rfm.rfm_scores(cdnow))
    assert text.startswith("RFMResult: 2357 customers, bins=5")
    assert "Champions" in text and "revenue_share" in text


rows_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=15),
        st.integers(min_value=0, max_value=60),
        st.integers(min_value=0, max_value=9),
    ),
    min_size=1,
    max_size=60,
)


@given(rows=rows_strategy, bins=st.integers(min_value=1, max_value=7))
def test_invariants(rows: list[tuple[int, int, int]], bins: int) -> None:
    tx = log_from_rows(rows)
    res = rfm.rfm_scores(tx, bins=bins)
    t = res.table
    scores = t[["r", "f", "m"]].to_numpy()
    assert ((scores >= 1) & (scores <= bins)).all()
    # The worst value on each dimension scores 1.
    assert t.loc[t["recency_days"] == t["recency_days"].max(), "r"].eq(1).all()
    assert t.loc[t["frequency"] == t["frequency"].min(), "f"].eq(1).all()
    assert t.loc[t["monetary"] == t["monetary"].min(), "m"].eq(1).all()
    # Monotone, ties equal: better on a dimension never scores lower.
    for value, score, sign in (
        ("recency_days", "r", -1),
        ("frequency", "f", 1),
        ("monetary", "m", 1),
    ):
        x = sign * t[value].to_numpy(dtype=np.float64)
        s = t[score].to_numpy()
        better = x[:, None] > x[None, :]
        assert (s[:, None] >= s[None, :])[better].all()
        assert (s[:, None] == s[None, :])[x[:, None] == x[None, :]].all()
    # Every customer exactly one segment, from the scheme.
    assert t["segment"].notna().all()
    assert set(t["segment"].astype(str)) <= set(rfm.STANDARD_SEGMENTS)
    assert res.segment_summary()["customers"].sum() == len(t) == tx["customer_id"].nunique()
    assert (t["rfm_score"] == t["r"] + t["f"] + t["m"]).all()


@given(rows=rows_strategy, lo=st.integers(1, 5), hi=st.integers(1, 5))
def test_custom_scheme_invariant_every_customer_one_segment(
    rows: list[tuple[int, int, int]], lo: int, hi: int
) -> None:
    tx = log_from_rows(rows)
    lo, hi = min(lo, hi), max(lo, hi)
    res = rfm.rfm_scores(tx, segments={"Band": {"f": (lo, hi)}, "Recent": {"r": (5, 5)}})
    seg = res.table["segment"]
    assert seg.notna().all()
    assert res.segment_summary()["customers"].sum() == len(seg)
    band = res.table["f"].between(lo, hi)
    assert (seg[band] == "Band").all()


# --- plots --------------------------------------------------------------------------


def test_plot_segments_returns_axes(cdnow: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    res = rfm.rfm_scores(cdnow)
    ax = plotting.plot_segments(res)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(rfm.STANDARD_SEGMENTS)
    assert len(ax.patches) == 2 * len(rfm.STANDARD_SEGMENTS)
    plt.close("all")


@pytest.mark.parametrize("value", ["customers", "monetary"])
def test_plot_rf_heatmap_returns_axes(cdnow: pd.DataFrame, value: str) -> None:
    import matplotlib.pyplot as plt

    res = rfm.rfm_scores(cdnow)
    fig, ax = plt.subplots()
    out = plotting.plot_rf_heatmap(res, value=value, ax=ax)  # type: ignore[arg-type]
    assert out is ax
    grid = np.asarray(ax.images[0].get_array())
    if value == "customers":
        assert grid.sum() == len(res.table)
        # Top row is R = 5.
        assert grid[0].sum() == (res.table["r"] == 5).sum()
    plt.close(fig)


def test_plot_rf_heatmap_rejects_unknown_value(cdnow: pd.DataFrame) -> None:
    res = rfm.rfm_scores(cdnow)
    with pytest.raises(gk.SchemaError, match="`value` must be one of 'customers', 'monetary'"):
        plotting.plot_rf_heatmap(res, value="orders")  # type: ignore[arg-type]


@pytest.mark.parametrize("bins", [1, 3, 10])
def test_standard_segments_with_other_bins_use_the_rescaled_scores(
    cdnow: pd.DataFrame, bins: int
) -> None:
    t = rfm.rfm_scores(cdnow, bins=bins).table

    def to5(s: pd.Series) -> pd.Series:
        if bins == 1:
            return pd.Series(3, index=s.index)
        scaled: pd.Series = np.floor(1 + 4 * (s - 1) / (bins - 1) + 0.5).astype("int64")
        return scaled

    want = naive_standard_segment(to5(t["r"]), to5(t["f"]), to5(t["m"]))
    assert t["segment"].astype(str).tolist() == want.tolist()


def test_results_are_frozen_and_compare_by_value(cdnow: pd.DataFrame) -> None:
    import dataclasses

    res = rfm.rfm_scores(cdnow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.bins = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.edges["monetary"] = np.zeros(4)  # type: ignore[index]
    assert res == res and res == rfm.rfm_scores(cdnow)
    assert res != rfm.rfm_scores(cdnow, bins=4)
    life = rfm.lifecycle_stages(cdnow)
    assert life == life and len({res, life}) == 2
