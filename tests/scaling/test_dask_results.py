"""Dask results equal the in-memory results, on a real 2-worker distributed.LocalCluster.

Reference: the in-memory growthkit function on the same data (``ddf.compute()``), compared
with ``check_exact=True``. Amounts are multiples of 1/4 so that every sum is exact in
binary floating point whatever order the partitions add it in; one test uses arbitrary
float amounts and a 1e-12 relative tolerance instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit import _engine
from growthkit._engine import _dask as _engine_dask
from growthkit._engine import _dask_stats
from growthkit.churn import survival_table
from growthkit.churn._table import SURVIVAL_TABLE
from growthkit.cohort import COHORT_MATRIX, GROWTH_ACCOUNTING, cohort_matrix, growth_accounting
from growthkit.errors import DataError, GrowthkitError, SchemaError
from growthkit.experiments import ratio_stats_by_variant, ratio_test
from growthkit.rfm import rfm_scores
from growthkit.rfm._scores import RFM_SCORES
from growthkit.summary import (
    CALIBRATION_HOLDOUT,
    SUMMARY,
    calibration_holdout_summary,
    customer_summary,
)

# The engine by function name (the names the former growthkit._dask module offered).
_SPECS: dict[str, Any] = {
    spec.name: spec
    for spec in (
        SUMMARY,
        CALIBRATION_HOLDOUT,
        RFM_SCORES,
        COHORT_MATRIX,
        GROWTH_ACCOUNTING,
        SURVIVAL_TABLE,
    )
}


def _runner(spec: Any) -> Any:
    return lambda ddf, **kwargs: _engine_dask.run(spec, ddf, kwargs)


_dask = SimpleNamespace(
    **{name: _runner(spec) for name, spec in _SPECS.items()},
    _plan=_engine_dask._plan,
    _Columns=_engine_dask._Columns,
    is_dask_frame=_engine.is_dask_frame,
    maybe_dispatch=lambda name, tx, kwargs: _engine.maybe_dispatch(
        _SPECS[name] if name in _SPECS else name, tx, kwargs
    ),
    dispatch=lambda name, tx, kwargs: _engine_dask.run(_SPECS[name], tx, kwargs),
)

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit="2GB",
    )
    dask_client = distributed.Client(cluster)
    yield dask_client
    dask_client.close()
    cluster.close()


def _log(id_type: Any, n: int = 1200, seed: int = 7) -> pd.DataFrame:
    tx = gk.datasets.simulate_transactions(
        n, start="2022-01-01", end="2023-12-31", seed=seed, id_type=id_type
    )
    tx["amount"] = (tx["amount"] * 4.0).round() / 4.0
    return tx


@pytest.fixture(scope="module")
def int_log(client: Any) -> tuple[Any, pd.DataFrame]:
    # Rows in time order, split by rows: every customer spans several partitions.
    tx = _log("int").sort_values("timestamp", kind="stable").reset_index(drop=True)
    ddf = dd.from_pandas(tx, npartitions=3).persist()
    return ddf, ddf.compute()


CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("customer_summary", customer_summary, {"amount_col": "amount"}),
    ("customer_summary", customer_summary, {"period": "W", "calendar": True}),
    (
        "calibration_holdout_summary",
        calibration_holdout_summary,
        {"amount_col": "amount", "calibration_end": "2023-03-31", "period": "W"},
    ),
    ("survival_table", survival_table, {"amount_col": "amount", "inactivity_days": 60}),
    ("growth_accounting", growth_accounting, {"amount_col": "amount"}),
    (
        "growth_accounting",
        growth_accounting,
        {"period": "Q", "observation_end": "2024-06-30", "amount_col": "amount"},
    ),
]


@pytest.mark.parametrize(("name", "reference", "kwargs"), CASES)
def test_tables_equal_in_memory(
    int_log: tuple[Any, pd.DataFrame], name: str, reference: Any, kwargs: dict[str, Any]
) -> None:
    ddf, frame = int_log
    out = getattr(_dask, name)(ddf, **kwargs)
    pd.testing.assert_frame_equal(out, reference(frame, **kwargs), check_exact=True)


@pytest.mark.parametrize(
    ("value", "cumulative", "period"),
    [
        ("customers", False, "M"),
        ("customers", True, "W"),
        ("revenue", True, "Q"),
    ],
)
def test_cohort_matrix_equals_in_memory(
    int_log: tuple[Any, pd.DataFrame], value: str, cumulative: bool, period: str
) -> None:
    ddf, frame = int_log
    kwargs: dict[str, Any] = {
        "value": value,
        "cumulative": cumulative,
        "period": period,
        "amount_col": "amount",
    }
    out = _dask.cohort_matrix(ddf, **kwargs)
    ref = cohort_matrix(frame, **kwargs)
    pd.testing.assert_frame_equal(out.counts, ref.counts, check_exact=True)
    pd.testing.assert_series_equal(out.sizes, ref.sizes, check_exact=True)
    assert (out.value, out.period, out.cumulative, out.definition) == (
        ref.value,
        ref.period,
        ref.cumulative,
        ref.definition,
    )


def _assert_rfm_equal(out: Any, ref: Any) -> None:
    pd.testing.assert_frame_equal(out.table, ref.table, check_exact=True)
    assert out.bins == ref.bins
    assert out.observation_end == ref.observation_end
    assert out.segments == ref.segments
    assert set(out.edges) == set(ref.edges)
    for key, edges in ref.edges.items():
        np.testing.assert_array_equal(out.edges[key], edges)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"bins": 4, "observation_end": "2024-02-01", "edges": {"frequency": [2, 3, 5]}}],
)
def test_rfm_scores_equal_in_memory(
    int_log: tuple[Any, pd.DataFrame], kwargs: dict[str, Any]
) -> None:
    ddf, frame = int_log
    _assert_rfm_equal(_dask.rfm_scores(ddf, **kwargs), rfm_scores(frame, **kwargs))


def test_string_ids_and_disjoint_partitions_need_no_shuffle(client: Any) -> None:
    # Written by customer (like one parquet file per id range): partitions hold disjoint
    # customers, which the validation pass notices, so nothing is shuffled.
    tx = _log("str", seed=11)
    ids = tx["customer_id"]
    parts = [
        tx[ids < "C0000400"],
        tx[(ids >= "C0000400") & (ids < "C0000800")],
        tx[ids >= "C0000800"],
    ]
    ddf = dd.concat([dd.from_pandas(part, npartitions=1) for part in parts])
    frame = ddf.compute()
    assert ddf.npartitions == 3
    plan, _ = _dask._plan(
        ddf, _dask._Columns("customer_id", "timestamp", None), observation_end=None
    )
    assert plan.disjoint
    pd.testing.assert_frame_equal(
        _dask.customer_summary(ddf, amount_col="amount"),
        customer_summary(frame, amount_col="amount"),
        check_exact=True,
    )
    _assert_rfm_equal(_dask.rfm_scores(ddf), rfm_scores(frame))
    out = _dask.cohort_matrix(ddf, value="revenue", amount_col="amount")
    ref = cohort_matrix(frame, value="revenue", amount_col="amount")
    pd.testing.assert_frame_equal(out.counts, ref.counts, check_exact=True)


def test_categorical_ids_keep_category_order(client: Any) -> None:
    tx = _log("category", n=600, seed=3)
    reordered = list(tx["customer_id"].cat.categories)[::-1]
    tx["customer_id"] = tx["customer_id"].cat.reorder_categories(reordered)
    ddf = dd.from_pandas(tx, npartitions=3)
    frame = ddf.compute()
    out = _dask.survival_table(ddf, amount_col="amount")
    ref = survival_table(frame, amount_col="amount")
    pd.testing.assert_frame_equal(out, ref, check_exact=True)
    present = set(out.index)
    assert list(out.index) == [c for c in reordered if c in present]


def test_tz_aware_times(client: Any) -> None:
    tx = _log("int", n=600, seed=5)
    tx["timestamp"] = tx["timestamp"].dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    ddf = dd.from_pandas(tx, npartitions=3)
    frame = ddf.compute()
    out = _dask.cohort_matrix(ddf, period="W")
    pd.testing.assert_frame_equal(out.counts, cohort_matrix(frame, period="W").counts)
    pd.testing.assert_frame_equal(
        _dask.customer_summary(ddf, period="M"), customer_summary(frame, period="M")
    )


def test_float_amounts_agree_to_rounding(client: Any) -> None:
    tx = _log("int", n=800, seed=9)
    tx["amount"] = tx["amount"] + 0.1
    ddf = dd.from_pandas(tx, npartitions=4)
    frame = ddf.compute()
    pd.testing.assert_frame_equal(
        _dask.growth_accounting(ddf, amount_col="amount"),
        growth_accounting(frame, amount_col="amount"),
        check_exact=False,
        rtol=1e-12,
    )
    out = _dask.rfm_scores(ddf)
    ref = rfm_scores(frame)
    pd.testing.assert_frame_equal(out.table, ref.table, check_exact=False, rtol=1e-12)


def test_dispatch(int_log: tuple[Any, pd.DataFrame]) -> None:
    ddf, frame = int_log
    assert _dask.maybe_dispatch("customer_summary", frame, {"tx": frame}) is None
    assert not _dask.is_dask_frame(frame)
    assert _dask.is_dask_frame(ddf)
    kwargs = {"tx": ddf, "customer_col": "customer_id", "time_col": "timestamp"}
    out = _dask.maybe_dispatch("customer_summary", ddf, kwargs)
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(out, customer_summary(frame), check_exact=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        _dask.dispatch("customer_summary", ddf, {"colour": 1})


def test_input_not_mutated(int_log: tuple[Any, pd.DataFrame]) -> None:
    ddf, frame = int_log
    before = frame.copy()
    _dask.survival_table(ddf)
    pd.testing.assert_frame_equal(ddf.compute(), before)


# --------------------------------------------------------------------------------------
# bad input: the in-memory error, with the row count summed over all partitions


def _errors(tx: pd.DataFrame, name: str, reference: Any, **kwargs: Any) -> tuple[str, str]:
    ddf = dd.from_pandas(tx, npartitions=3)
    with pytest.raises(GrowthkitError) as expected:
        reference(ddf.compute(), **kwargs)
    with pytest.raises(type(expected.value)) as got:
        getattr(_dask, name)(ddf, **kwargs)
    return str(got.value), str(expected.value)


@pytest.fixture(scope="module")
def small(client: Any) -> pd.DataFrame:
    return _log("int", n=90, seed=2).reset_index(drop=True)


def test_missing_ids_counted_across_partitions(small: pd.DataFrame) -> None:
    tx = small.astype({"customer_id": "float64"})
    tx.loc[[0, len(tx) // 2, len(tx) - 1], "customer_id"] = np.nan
    got, expected = _errors(tx, "customer_summary", customer_summary)
    assert got == expected
    assert "`customer_id` has missing values (NaN/None): 3 rows." in got


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("amount", -1.0, r"`amount` has negative values: 2 rows\. Refunds"),
        ("amount", np.inf, r"`amount` has non-finite values \(inf\): 2 rows\."),
        ("amount", np.nan, r"`amount` has missing values \(NaN\): 2 rows\."),
        ("timestamp", pd.NaT, r"`timestamp` has missing values \(NaT\): 2 rows\."),
    ],
)
def test_bad_rows_counted_across_partitions(
    small: pd.DataFrame, column: str, value: Any, match: str
) -> None:
    tx = small.copy()
    tx.loc[[1, len(tx) - 2], column] = value
    got, expected = _errors(tx, "rfm_scores", rfm_scores)
    assert got == expected
    with pytest.raises(DataError, match=match):
        _dask.rfm_scores(dd.from_pandas(tx, npartitions=3))


def test_orders_after_observation_end(small: pd.DataFrame) -> None:
    end = small["timestamp"].sort_values().iloc[-5]
    got, expected = _errors(small, "survival_table", survival_table, observation_end=end)
    assert got == expected
    assert "has orders after observation_end" in got


def test_schema_errors_count_all_rows(small: pd.DataFrame) -> None:
    got, expected = _errors(small, "customer_summary", customer_summary, amount_col="price")
    assert got == expected
    assert f": {len(small)} rows." in got
    text = small.assign(amount=small["amount"].astype(str))
    got, expected = _errors(text, "rfm_scores", rfm_scores)
    assert got.split(" rows.")[0].endswith(str(len(small)))
    with pytest.raises(SchemaError, match=r"`amount` must be numeric"):
        _dask.rfm_scores(dd.from_pandas(text, npartitions=3))
    got, expected = _errors(small, "cohort_matrix", cohort_matrix, value="revenue")
    assert got == expected


def test_argument_errors_match(small: pd.DataFrame) -> None:
    cases: list[tuple[str, Any, dict[str, Any]]] = [
        ("growth_accounting", growth_accounting, {"period": "H"}),
        ("rfm_scores", rfm_scores, {"bins": 0}),
        ("survival_table", survival_table, {"inactivity_days": -3}),
        ("cohort_matrix", cohort_matrix, {"value": "visits"}),
        (
            "calibration_holdout_summary",
            calibration_holdout_summary,
            {"calibration_end": "2001-01-01"},
        ),
        (
            "calibration_holdout_summary",
            calibration_holdout_summary,
            {"calibration_end": "2030-01-01"},
        ),
    ]
    for name, reference, kwargs in cases:
        got, expected = _errors(small, name, reference, **kwargs)
        assert got == expected, name


def test_empty_frame(small: pd.DataFrame) -> None:
    got, expected = _errors(small.iloc[:0], "customer_summary", customer_summary)
    assert got == expected == "`customer_id` is empty: 0 rows. Pass at least one order."


# --------------------------------------------------------------------------------------
# experiments: per-variant sufficient statistics in one Dask aggregation


def test_ratio_stats_by_variant(client: Any) -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    units = pd.DataFrame(
        {
            "variant": rng.choice(["A", "B", "C"], n),
            "revenue": rng.integers(0, 200, n).astype(np.float64),
            "orders": rng.integers(0, 6, n),
        }
    )
    ddf = dd.from_pandas(units, npartitions=4)
    kwargs = {"variant_col": "variant", "numerator_col": "revenue", "denominator_col": "orders"}
    out = _dask_stats.ratio_stats_by_variant(ddf, **kwargs)
    ref = ratio_stats_by_variant(units, **kwargs)
    assert list(out) == list(ref)
    fields = ("n", "sum_num", "sum_den", "sum_num_sq", "sum_den_sq", "sum_num_den")
    for key in ref:
        for field in fields:
            # integer-valued metrics: every sum is exact, whatever the order
            assert getattr(out[key], field) == getattr(ref[key], field), (key, field)
    a, b = ratio_test(out["A"], out["B"]), ratio_test(ref["A"], ref["B"])
    assert float(a.pvalue) == float(b.pvalue)
    assert _dask.maybe_dispatch("ratio_stats_by_variant", ddf, {"frame": ddf, **kwargs}) is not None
    mean, var, count = _dask_stats.mean_inputs(out["A"])
    sample = units.loc[units["variant"] == "A", "revenue"]
    np.testing.assert_allclose([mean, var, count], [sample.mean(), sample.var(), len(sample)])
    units.loc[[5, n - 5], "revenue"] = np.nan
    units.loc[7, "variant"] = None
    bad = dd.from_pandas(units, npartitions=4)
    with pytest.raises(DataError, match=r"`variant` is missing: 1 rows"):
        _dask_stats.ratio_stats_by_variant(bad, **kwargs)
    units = units.dropna(subset=["variant"])
    with pytest.raises(DataError, match=r"`revenue` is NaN or infinite: 2 rows"):
        _dask_stats.ratio_stats_by_variant(dd.from_pandas(units, npartitions=4), **kwargs)
