"""rfm_scores: values and scores against naive pandas twins, ties, edges, id/time dtypes."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit import _blocks, _threads, rfm
from growthkit._kernels import blocks as kb
from growthkit._kernels import rfm as kr
from growthkit.rfm import _scores
from tests.rfm.rfm_naive import cut_score, min_rank_score, naive_rfm


def random_log(
    seed: int, n: int = 600, customers: int = 80, days: int = 300, heavy_ties: bool = False
) -> pd.DataFrame:
    """Random orders; integer-valued amounts keep every engine's sums exact."""
    rng = np.random.default_rng(seed)
    if heavy_ties:
        # Most customers buy once, a few buy a lot.
        ids = np.concatenate([np.arange(customers), rng.integers(0, customers // 5, n)])
    else:
        ids = rng.integers(0, customers, n)
    start = np.datetime64("2023-01-01T00:00:00", "s")
    offsets = rng.integers(0, days * 86_400, ids.shape[0])
    amounts = rng.integers(0, 60, ids.shape[0]).astype(np.float64)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "customer_id": ids * 7 + 3,
            "timestamp": (start + offsets.astype("timedelta64[s]")).astype("datetime64[ns]"),
            "amount": amounts,
        }
    )
    return frame


COLUMNS = ["recency_days", "frequency", "monetary", "r", "f", "m"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bins", [1, 2, 3, 5, 7, 10])
@pytest.mark.parametrize("heavy_ties", [False, True])
def test_matches_naive_twin(seed: int, bins: int, heavy_ties: bool) -> None:
    tx = random_log(seed, heavy_ties=heavy_ties)
    end = pd.Timestamp("2023-12-31 18:00")
    got = rfm.rfm_scores(tx, observation_end=end, bins=bins).table
    want = naive_rfm(tx, observation_end=end, bins=bins)
    pd.testing.assert_frame_equal(got[COLUMNS], want[COLUMNS])
    assert got["rfm_score"].tolist() == (want["r"] + want["f"] + want["m"]).tolist()
    width = 1 if bins < 10 else 2
    codes = [
        f"{a:0{width}d}{b:0{width}d}{c:0{width}d}" for a, b, c in want[["r", "f", "m"]].to_numpy()
    ]
    assert got["rfm_code"].astype(str).tolist() == codes


def test_two_twins_of_the_tie_rule_agree() -> None:
    # Two spellings (integer rank arithmetic, pandas.cut on the percent rank) of one rule.
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 10, 99, 1000):
        for bins in (1, 3, 5, 10):
            values = pd.Series(rng.integers(0, 6, n).astype(float))
            pd.testing.assert_series_equal(min_rank_score(values, bins), cut_score(values, bins))


def test_distinct_values_equal_qcut_on_rank_when_bins_divide_n() -> None:
    # The textbook spelling pd.qcut(x.rank(method="first"), bins) on distinct values.
    rng = np.random.default_rng(5)
    values = pd.Series(rng.permutation(1000).astype(float))
    qcut = pd.qcut(values.rank(method="first"), 5, labels=False).astype("int64") + 1
    pd.testing.assert_series_equal(min_rank_score(values, 5), qcut)


def test_cdnow_values_match_pandas(cdnow: pd.DataFrame) -> None:
    got = rfm.rfm_scores(cdnow).table
    want = naive_rfm(cdnow)
    pd.testing.assert_frame_equal(got[COLUMNS[:2]], want[COLUMNS[:2]])
    np.testing.assert_allclose(got["monetary"], want["monetary"], rtol=1e-12)
    assert (got[["r", "f"]] == want[["r", "f"]]).all().all()


def test_table_layout_and_dtypes() -> None:
    tx = random_log(0)
    res = rfm.rfm_scores(tx)
    t = res.table
    assert list(t.columns) == [*COLUMNS, "rfm_code", "rfm_score", "segment"]
    assert t.index.name == "customer_id"
    assert t.index.is_monotonic_increasing and t.index.is_unique
    for col in ("recency_days", "frequency", "r", "f", "m", "rfm_score"):
        assert t[col].dtype == np.int64, col
    assert t["monetary"].dtype == np.float64
    assert isinstance(t["segment"].dtype, pd.CategoricalDtype)
    assert list(t["segment"].cat.categories) == list(rfm.STANDARD_SEGMENTS)
    assert t["rfm_code"].iloc[0] == "".join(map(str, t[["r", "f", "m"]].iloc[0]))
    assert res.bins == 5 and res.observation_end == tx["timestamp"].max()
    assert not t.isna().any().any()
    assert res.to_frame().equals(t) and res.to_frame() is not t


def test_recency_days_floor_whole_days() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": pd.to_datetime(
                ["2024-01-01 00:00", "2024-01-09 23:59", "2024-01-10 00:00"]
            ),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    t = rfm.rfm_scores(tx, observation_end="2024-01-10 23:00").table
    # (end - last).dt.days: 9 d 23 h -> 9; 23 h 1 min -> 0; 23 h -> 0.
    assert t["recency_days"].tolist() == [9, 0, 0]
    assert t["r"].tolist() == [1, 2, 2]


def test_heavy_ties_never_split_and_empty_levels_reported() -> None:
    # 60 customers with one order, 40 with 2..41 orders.
    ids = list(range(60)) + [60 + i for i in range(40) for _ in range(i + 2)]
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.Timestamp("2024-01-01"),
            "amount": 1.0,
        }
    )
    res = rfm.rfm_scores(tx)
    f = res.table["f"]
    assert set(f.iloc[:60]) == {1}
    # 60 % strictly below -> the next order count starts at 1 + floor(5 * 0.6) = 4.
    assert f.iloc[60:].min() == 4
    counts = res.score_counts()
    assert counts["f"].tolist() == [60, 0, 0, 20, 20]
    # Everyone ordered at the same moment: one recency value, everyone r = 1.
    assert counts["r"].tolist() == [100, 0, 0, 0, 0]
    assert "scores no customer reached (ties): r=[2, 3, 4, 5], f=[2, 3]" in str(res)
    np.testing.assert_array_equal(res.edges["frequency"], [2.0, 2.0, 2.0, 22.0])


def test_edges_are_the_least_value_reaching_each_score() -> None:
    tx = random_log(11, heavy_ties=True)
    res = rfm.rfm_scores(tx, bins=5)
    t = res.table
    for col, score in (("frequency", "f"), ("monetary", "m")):
        e = res.edges[col]
        for s in range(2, 6):
            reached = t.loc[t[score] >= s, col]
            assert (e[s - 2] == reached.min()) if len(reached) else np.isinf(e[s - 2])
    e = res.edges["recency_days"]
    for s in range(2, 6):
        reached = t.loc[t["r"] >= s, "recency_days"]
        assert e[5 - s] == reached.max()
    assert not res.edges["monetary"].flags.writeable
    # Feeding the (distinct) quantile edges back as fixed edges reproduces the scores.
    again = rfm.rfm_scores(tx, edges={"recency_days": e.tolist()}).table
    assert (again["r"] == t["r"]).all()


def test_fixed_edges_belong_to_the_better_side() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 3, 3, 3, 4],
            "timestamp": pd.to_datetime(
                [
                    "2024-03-01",
                    "2024-01-31",
                    "2024-02-01",
                    "2023-12-02",
                    "2024-01-01",
                    "2024-01-02",
                    "2023-03-01",
                ]
            ),
            "amount": [10.0, 20.0, 30.0, 50.0, 50.0, 0.0, 100.0],
        }
    )
    res = rfm.rfm_scores(
        tx,
        observation_end="2024-03-01",
        bins=3,
        edges={"recency_days": [30, 90], "frequency": [2, 3], "monetary": [50, 100]},
    )
    t = res.table
    assert t["recency_days"].tolist() == [0, 29, 59, 366]
    assert t["r"].tolist() == [3, 3, 2, 1]
    assert t["f"].tolist() == [1, 2, 3, 1]
    assert t["m"].tolist() == [1, 2, 3, 3]
    np.testing.assert_array_equal(res.edges["recency_days"], [30.0, 90.0])


def test_custom_edges_for_one_dimension_only() -> None:
    tx = random_log(2)
    a = rfm.rfm_scores(tx, edges={"frequency": [2, 4, 6, 8]}).table
    b = rfm.rfm_scores(tx).table
    assert (a[["r", "m"]] == b[["r", "m"]]).all().all()
    assert (a["f"] == 1 + np.searchsorted([2, 4, 6, 8], a["frequency"], side="right")).all()


def test_few_customers_many_bins() -> None:
    tx = random_log(4, n=3, customers=3)
    t = rfm.rfm_scores(tx, bins=9).table
    assert t[["r", "f", "m"]].isin(range(1, 10)).all().all()
    want = naive_rfm(tx, bins=9)
    pd.testing.assert_frame_equal(t[COLUMNS], want[COLUMNS])


@pytest.mark.parametrize("id_type", ["int", "str", "category"])
def test_id_dtypes_give_identical_scores(id_type: Literal["int", "str", "category"]) -> None:
    tx = gk.datasets.simulate_transactions(300, seed=3, id_type=id_type)
    base = gk.datasets.simulate_transactions(300, seed=3)
    got = rfm.rfm_scores(tx).table
    want = rfm.rfm_scores(base).table
    assert got.index.name == "customer_id"
    assert got.index.is_monotonic_increasing
    assert len(got) == len(want)
    # Same customers, same scores (ids map one-to-one and sort the same way).
    np.testing.assert_array_equal(
        np.sort(got[["r", "f", "m"]].to_numpy(), axis=0),
        np.sort(want[["r", "f", "m"]].to_numpy(), axis=0),
    )


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo"])
def test_tz_aware_matches_pandas_without_dst(tz: str) -> None:
    tx = random_log(8)
    tx["timestamp"] = tx["timestamp"].dt.tz_localize(tz)
    end = pd.Timestamp("2024-01-01 05:00", tz=tz)
    got = rfm.rfm_scores(tx, observation_end=end).table
    want = naive_rfm(tx, observation_end=end)
    pd.testing.assert_frame_equal(got[COLUMNS], want[COLUMNS])


def test_any_datetime_unit() -> None:
    tx = random_log(9)
    want = rfm.rfm_scores(tx).table
    for unit in ("s", "ms", "us"):
        other = tx.assign(timestamp=tx["timestamp"].to_numpy().astype(f"datetime64[{unit}]"))
        pd.testing.assert_frame_equal(rfm.rfm_scores(other).table, want)


def test_prepared_log_equals_frame_path() -> None:
    tx = random_log(10)
    log = gk.prepare_transactions(tx, amount_col="amount")
    pd.testing.assert_frame_equal(rfm.rfm_scores(log).table, rfm.rfm_scores(tx).table)


def test_input_not_mutated() -> None:
    tx = random_log(12)
    before = tx.copy()
    rfm.rfm_scores(tx, edges={"monetary": [1, 2, 3, 4]})
    rfm.lifecycle_stages(tx)
    pd.testing.assert_frame_equal(tx, before)


@pytest.mark.parametrize("shift", [0, 3, 6])
def test_bucketed_aggregation_is_bitwise_one_pass(
    monkeypatch: pytest.MonkeyPatch, shift: int
) -> None:
    tx = random_log(13, n=5000, customers=700)
    # Cent amounts: sums depend on the order of addition, which buckets must preserve.
    tx["amount"] = np.random.default_rng(0).integers(0, 10_000, len(tx)) / 100
    one = rfm.rfm_scores(tx).table
    life_one = rfm.lifecycle_stages(tx).table
    monkeypatch.setattr(_threads, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", _scores._STATE_BYTES << shift)
    pd.testing.assert_frame_equal(rfm.rfm_scores(tx).table, one, check_exact=True)
    pd.testing.assert_frame_equal(rfm.lifecycle_stages(tx).table, life_one, check_exact=True)


@pytest.mark.parametrize("with_amounts", [True, False])
def test_partition_rows_matches_stable_argsort(
    with_amounts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_threads, "PARALLEL_ROWS", 10)  # two threads, as rfm uses them
    monkeypatch.setenv(_threads.ENV_VAR, "2")
    rng = np.random.default_rng(2)
    n, shift = 3001, 4
    codes = rng.integers(0, 100, n).astype(np.int32)
    ticks = rng.integers(0, 10**9, n).astype(np.int64)
    amounts = rng.random(n) if with_amounts else np.empty(0)
    n_buckets = -(-100 // (1 << shift))
    layout = _blocks.build(codes, ticks, amounts if with_amounts else None, 100, shift)
    out_codes, out_ticks, starts = layout.codes, layout.ticks, layout.offsets
    out_amounts = layout.amounts if layout.amounts is not None else np.empty(0)
    bucket = codes >> shift
    order = np.argsort(bucket, kind="stable")
    np.testing.assert_array_equal(out_codes, codes[order] - (bucket[order] << shift))
    np.testing.assert_array_equal(out_ticks, ticks[order])
    np.testing.assert_array_equal(out_amounts, amounts[order] if with_amounts else [])
    np.testing.assert_array_equal(starts, np.searchsorted(bucket[order], np.arange(n_buckets + 1)))
    np.testing.assert_array_equal(kb.block_counts(codes, shift, n_buckets), np.diff(starts))


# --- kernels against naive numpy twins -------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 4, 20, 40])
def test_threshold_scores_kernel_matches_searchsorted(k: int) -> None:
    rng = np.random.default_rng(k)
    values = rng.integers(-50, 50, 2000).astype(np.float64)
    thresholds = np.sort(rng.integers(-60, 60, k).astype(np.float64))
    if k:
        thresholds[-1] = np.inf
    got = kr.threshold_scores(values, thresholds)
    want = 1 + np.searchsorted(thresholds, values, side="right")
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bins", [1, 3, 5, 10])
def test_combine_scores_kernel_matches_numpy(bins: int) -> None:
    rng = np.random.default_rng(bins)
    r, f, m = (rng.integers(1, bins + 1, 500) for _ in range(3))
    scale = _scores._standard_scale(bins)
    total, key, counts, segment = kr.combine_scores(r, f, m, bins, scale, _scores._STANDARD_GRID)
    np.testing.assert_array_equal(total, r + f + m)
    want_key = (r - 1) * bins * bins + (f - 1) * bins + (m - 1)
    np.testing.assert_array_equal(key, want_key)
    np.testing.assert_array_equal(counts, np.bincount(want_key, minlength=bins**3))
    fm = np.floor((scale[f] + scale[m]) / 2 + 0.5).astype(np.int64)
    np.testing.assert_array_equal(segment, _scores._STANDARD_GRID[scale[r] - 1, fm - 1])
    without = kr.combine_scores(r, f, m, bins, scale, _scores._NO_GRID)[3]
    np.testing.assert_array_equal(without, np.zeros(500, dtype=np.int64))


def test_value_counts_kernel_matches_bincount() -> None:
    values = np.random.default_rng(0).integers(-20, 30, 1000)
    np.testing.assert_array_equal(
        kr.value_counts(values, -20, 50), np.bincount(values + 20, minlength=50)
    )


def test_standard_scale_is_linear_rounded_half_up() -> None:
    assert _scores._standard_scale(5)[1:].tolist() == [1, 2, 3, 4, 5]
    assert _scores._standard_scale(3)[1:].tolist() == [1, 3, 5]
    assert _scores._standard_scale(10)[1:].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert _scores._standard_scale(1)[1:].tolist() == [3]
    for bins in range(2, 30):
        s = np.arange(1, bins + 1)
        want = np.floor(1 + 4 * (s - 1) / (bins - 1) + 0.5).astype(np.int64)
        assert _scores._standard_scale(bins)[1:].tolist() == want.tolist(), bins


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("bins", [1, 2, 5, 10])
def test_counted_thresholds_equal_sorted_thresholds(seed: int, bins: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    values = rng.geometric(0.5, n).astype(np.int64) - int(rng.integers(0, 50))
    counted = _scores._counted_thresholds(values, bins)
    assert counted is not None
    np.testing.assert_array_equal(counted, _scores._quantile_thresholds(values.astype(float), bins))


def test_counted_thresholds_decline_wide_ranges() -> None:
    assert _scores._counted_thresholds(np.array([0, 10**9], dtype=np.int64), 5) is None


def test_tz_aware_recency_counts_local_calendar_days_across_dst() -> None:
    # Europe/Berlin moves to summer time on 2024-03-31: midnight to midnight is 31 calendar
    # days but 31 days minus one hour of absolute time, which pandas floors to 30. growthkit
    # counts local calendar days, as customer_summary does.
    tx = pd.DataFrame(
        {
            "customer_id": [1],
            "timestamp": pd.DatetimeIndex(["2024-03-01"]).tz_localize("Europe/Berlin"),
            "amount": [1.0],
        }
    )
    end = pd.Timestamp("2024-04-01", tz="Europe/Berlin")
    assert (end - tx["timestamp"]).dt.days.tolist() == [30]
    assert rfm.rfm_scores(tx, observation_end=end).table["recency_days"].tolist() == [31]
