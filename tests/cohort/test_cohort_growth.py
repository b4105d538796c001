"""growth_accounting: naive-twin reference, identities, quick-ratio / churn-rate edges, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import growthkit as gk
from growthkit import _blocks
from growthkit import cohort as cohort_module
from growthkit.cohort import growth_accounting
from growthkit.plotting import plot_growth
from tests.cohort.naive_cohort import naive_growth, period_keys

COUNTS = ["active", "new", "retained", "resurrected", "churned"]
MONEY = [
    "revenue",
    "new_revenue",
    "retained_revenue",
    "expansion_revenue",
    "contraction_revenue",
    "resurrected_revenue",
    "churned_revenue",
]


def make_log(seed: int, n_rows: int = 400, n_customers: int = 50, days: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": rng.integers(0, n_customers, n_rows),
            "timestamp": pd.Timestamp("2022-11-15")
            + pd.to_timedelta(rng.integers(0, days * 86_400, n_rows), unit="s"),
            "amount": np.round(rng.gamma(2.0, 15.0, n_rows), 2),
        }
    )
    frame.loc[rng.random(n_rows) < 0.1, "amount"] = 0.0
    frame = pd.concat([frame, frame.sample(15, random_state=seed)], ignore_index=True)
    out: pd.DataFrame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return out


def naive_for(frame: pd.DataFrame, period: str, with_amounts: bool) -> pd.DataFrame:
    codes = pd.factorize(frame["customer_id"])[0]
    keys = period_keys(frame["timestamp"], period).to_numpy()
    amounts = frame["amount"].to_numpy() if with_amounts else None
    return naive_growth(codes, keys, amounts)


@pytest.mark.parametrize("period", ["D", "W", "M", "Q", "Y"])
@pytest.mark.parametrize("with_amounts", [False, True])
def test_matches_naive_twin(period: str, with_amounts: bool) -> None:
    frame = make_log(11)
    got = growth_accounting(
        frame,
        period=period,  # type: ignore[arg-type]
        amount_col="amount" if with_amounts else None,
    )
    want = naive_for(frame, period, with_amounts)
    assert isinstance(got.index, pd.PeriodIndex) and got.index.name == "period"
    assert [p.ordinal for p in got.index] == want.index.tolist()
    for column in COUNTS:
        assert got[column].dtype == np.int64
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())
    if with_amounts:
        for column in MONEY:
            np.testing.assert_allclose(got[column], want[column], rtol=1e-10, atol=1e-8)
    else:
        assert "revenue" not in got.columns


def test_column_layout_and_rates() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-03", "2024-02-03", "2024-01-09", "2024-03-09", "2024-03-01", "2024-05-02"]
            ),
            "amount": [10.0, 4.0, 5.0, 8.0, 1.0, 2.0],
        }
    )
    g = growth_accounting(frame, amount_col="amount")
    assert [str(p) for p in g.index] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert g["active"].tolist() == [2, 1, 2, 0, 1]
    assert g["new"].tolist() == [2, 0, 1, 0, 0]
    assert g["retained"].tolist() == [0, 1, 0, 0, 0]
    assert g["resurrected"].tolist() == [0, 0, 1, 0, 1]
    assert g["churned"].tolist() == [0, 1, 1, 2, 0]
    assert g["acquired"].tolist() == [2, 2, 3, 3, 3]
    # quick ratio: inf when nobody churned but someone was gained, NaN only for 0 / 0.
    np.testing.assert_array_equal(g["quick_ratio"], [np.inf, 0.0, 2.0, 0.0, np.inf])
    # churn_rate: against last period's active customers; first period has none: NaN.
    np.testing.assert_array_equal(g["churn_rate"], [np.nan, 0.5, 1.0, 1.0, np.nan])
    # churn_rate_acquired: against all customers acquired before the period.
    np.testing.assert_allclose(g["churn_rate_acquired"], [np.nan, 0.5, 0.5, 2 / 3, 0.0])
    assert g["revenue"].tolist() == [15.0, 4.0, 9.0, 0.0, 2.0]
    assert g["retained_revenue"].tolist() == [0.0, 4.0, 0.0, 0.0, 0.0]
    assert g["contraction_revenue"].tolist() == [0.0, 6.0, 0.0, 0.0, 0.0]
    assert g["churned_revenue"].tolist() == [0.0, 5.0, 4.0, 9.0, 0.0]
    np.testing.assert_array_equal(
        g["revenue_quick_ratio"], [np.inf, 0.0, (1.0 + 8.0) / 4.0, 0.0, np.inf]
    )


def test_zero_over_zero_quick_ratio_is_nan() -> None:
    frame = pd.DataFrame(
        {"customer_id": [1, 1], "timestamp": pd.to_datetime(["2024-01-01", "2024-04-01"])}
    )
    g = growth_accounting(frame, period="M")
    # March: nobody active in February or March, so nothing gained or lost.
    assert g["churned"].iloc[2] == 0
    assert np.isnan(g["quick_ratio"].iloc[2])
    assert np.isnan(g["churn_rate"].iloc[2])


def test_one_period_and_observation_end() -> None:
    frame = pd.DataFrame(
        {"customer_id": [1, 2, 2], "timestamp": pd.to_datetime(["2024-01-01"] * 3)}
    )
    g = growth_accounting(frame)
    assert len(g) == 1 and g["new"].iloc[0] == 2 and g["churned"].iloc[0] == 0
    g2 = growth_accounting(frame, observation_end="2024-03-31")
    assert g2["churned"].tolist() == [0, 2, 0]
    assert g2["active"].tolist() == [2, 0, 0]
    with pytest.raises(gk.DataError, match=r"`timestamp` has orders after observation_end"):
        growth_accounting(frame, observation_end="2023-12-31")


def check_weekly(frame: pd.DataFrame, with_amounts: bool) -> None:
    got = growth_accounting(frame, period="W", amount_col="amount" if with_amounts else None)
    want = naive_for(frame, "W", with_amounts)
    for column in COUNTS:
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())
    if with_amounts:
        for column in MONEY:
            np.testing.assert_allclose(got[column], want[column], rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("shuffled", [False, True])
@pytest.mark.parametrize("with_amounts", [False, True])
def test_partitioned_path_matches_naive(
    shuffled: bool, with_amounts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small logs take the direct single-block path; force the customer-block partition.
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", 64)
    frame = make_log(9, n_rows=2000, n_customers=300)
    if not shuffled:
        frame = frame.sort_values("timestamp", kind="stable", ignore_index=True)
    check_weekly(frame, with_amounts)


@pytest.mark.parametrize("with_amounts", [False, True])
def test_period_keys_path_when_no_period_table(
    with_amounts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Logs spanning millennia get no period table; the kernels then read materialised keys.
    monkeypatch.setattr(cohort_module, "_TABLE_BUCKETS", 0)
    frame = make_log(4, n_rows=2000, n_customers=300)
    check_weekly(frame, with_amounts)


def test_bitset_and_ordered_paths_agree() -> None:
    # Daily over 500 days exceeds the one-word bitset (ordered path); monthly uses it.
    frame = make_log(3, n_rows=3000, n_customers=100, days=500)
    daily = growth_accounting(frame, period="D")
    want = naive_for(frame, "D", False)
    for column in COUNTS:
        np.testing.assert_array_equal(daily[column].to_numpy(), want[column].to_numpy())
    monthly = growth_accounting(frame, period="M")
    with_money = growth_accounting(frame, period="M", amount_col="amount")
    pd.testing.assert_frame_equal(monthly, with_money[monthly.columns])


def test_tz_aware_string_ids_prepared_and_no_mutation() -> None:
    frame = make_log(8)
    frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")
    frame["customer_id"] = "u" + frame["customer_id"].astype(str)
    before = frame.copy(deep=True)
    g = growth_accounting(frame, amount_col="amount")
    pd.testing.assert_frame_equal(frame, before)
    log = gk.prepare_transactions(frame, amount_col="amount")
    pd.testing.assert_frame_equal(growth_accounting(log, amount_col="amount"), g)
    want = naive_for(frame, "M", True)
    np.testing.assert_array_equal(g["active"].to_numpy(), want["active"].to_numpy())


def test_cdnow_reference() -> None:
    # CDNOW sample: all 2357 customers are acquired in 1997Q1 (Fader & Hardie's cohort),
    # so quarterly churn in 1997Q2 is 2357 - 524 active; checked against the naive twin.
    g = growth_accounting(gk.datasets.load_cdnow(), period="Q", amount_col="amount")
    assert g["new"].sum() == 2357
    assert g["churned"].iloc[1] == 2357 - 524
    want = naive_for(gk.datasets.load_cdnow(), "Q", True)
    np.testing.assert_allclose(g[MONEY].to_numpy(), want[MONEY].to_numpy(), rtol=1e-10)


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 300), st.integers(0, 20)),
        min_size=1,
        max_size=60,
    ),
    period=st.sampled_from(["D", "W", "M"]),
)
def test_identities(rows: list[tuple[int, int, int]], period: str) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], unit="D")
    g = growth_accounting(frame, period=period, amount_col="amount")  # type: ignore[arg-type]
    assert (g["active"] == g["new"] + g["retained"] + g["resurrected"]).all()
    previous = g["active"].shift(1, fill_value=0)
    assert (g["churned"] == previous - g["retained"]).all()
    assert (g["churned"] >= 0).all()
    assert g["new"].sum() == frame["customer_id"].nunique()
    gained = g["new_revenue"] + g["resurrected_revenue"] + g["retained_revenue"]
    np.testing.assert_allclose(gained + g["expansion_revenue"], g["revenue"], atol=1e-9)
    lost = g["retained_revenue"] + g["contraction_revenue"] + g["churned_revenue"]
    np.testing.assert_allclose(lost, g["revenue"].shift(1, fill_value=0.0), atol=1e-9)
    assert not g[COUNTS + MONEY].isna().to_numpy().any()
    qr = g["quick_ratio"].to_numpy()
    assert (np.isnan(qr) == ((g["churned"] == 0) & (g["new"] + g["resurrected"] == 0))).all()


def test_bad_input() -> None:
    frame = make_log(0)
    with pytest.raises(gk.SchemaError, match=r"`period` must be one of"):
        growth_accounting(frame, period="month")  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"`amt` column not found"):
        growth_accounting(frame, amount_col="amt")
    with pytest.raises(
        gk.SchemaError, match=r"`amount` was asked for but the prepared log has no amounts"
    ):
        growth_accounting(gk.prepare_transactions(frame), amount_col="amount")
    with pytest.raises(gk.DataError, match=r"`customer_id` has missing values"):
        growth_accounting(
            frame.assign(customer_id=frame["customer_id"].astype(object).where(frame.index != 0))
        )


def test_plot_growth() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = growth_accounting(make_log(0), amount_col="amount")
    ax = plot_growth(g)
    assert len(ax.patches) == 4 * len(g)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "retained",
        "new",
        "resurrected",
        "churned",
    ]
    _, axis = plt.subplots()
    assert plot_growth(g, revenue=True, ax=axis) is axis
    assert len(axis.patches) == 6 * len(g)
    with pytest.raises(gk.SchemaError, match=r"`retained_revenue` column not found"):
        plot_growth(g[COUNTS], revenue=True)
    plt.close("all")
