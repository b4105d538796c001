"""Targeting and holdout design: ranking, budget, salted-hash assignment, sample size."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.campaigns import (
    HoldoutAssignment,
    TargetList,
    assign_holdout,
    hash_unit,
    holdout_sample_size,
    target_customers,
)
from growthkit.experiments import sample_size, srm_test

# ----------------------------------------------------------------------- hashing


def test_hash_unit_is_blake2b_of_salt_and_id_text() -> None:
    ids = ["a", "b", 7, "naïve"]
    got = hash_unit(ids, salt="s1")
    for x, u in zip(ids, got, strict=True):
        digest = hashlib.blake2b(f"s1\x1f{x}".encode(), digest_size=8).digest()
        assert u == (int.from_bytes(digest, "big") >> 11) / 2**53
    assert ((got >= 0) & (got < 1)).all()


def test_assignment_is_stable_across_processes() -> None:
    """String hashing in Python is salted per process; ours must not be."""
    code = (
        "from growthkit.campaigns import assign_holdout;"
        "a = assign_holdout([f'c{i}' for i in range(300)], salt='x', holdout_share=0.3);"
        "print(''.join('h' if arm == 'holdout' else 't' for arm in a.table['arm']))"
    )
    outs = set()
    for seed in ("1", "2", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        outs.add(run.stdout.strip())
    here = assign_holdout([f"c{i}" for i in range(300)], salt="x", holdout_share=0.3)
    outs.add("".join("h" if arm == "holdout" else "t" for arm in here.table["arm"]))
    assert len(outs) == 1


def test_hash_is_uniform_and_a_threshold_split_passes_srm() -> None:
    u = hash_unit(np.arange(200_000), salt="uniform")
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    assert srm_test(counts).pvalue > 0.001
    held = int((u < 0.1).sum())
    assert srm_test([u.size - held, held], [0.9, 0.1]).pvalue > 0.01


def test_salts_are_independent() -> None:
    ids = np.arange(50_000)
    a, b = hash_unit(ids, salt="one"), hash_unit(ids, salt="two")
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02


# ----------------------------------------------------------------------- assignment


def test_stratified_assignment_is_balanced_and_order_free() -> None:
    rng = np.random.default_rng(0)
    ids = [f"u{i:05d}" for i in range(10_000)]
    strata = rng.choice(["gold", "silver", "bronze"], size=10_000, p=[0.1, 0.3, 0.6])
    a = assign_holdout(ids, salt="june", holdout_share=0.15, strata=strata)
    counts = a.counts()
    sizes = pd.Series(strata).value_counts()
    for stratum, row in counts.iterrows():
        n = int(sizes.loc[str(stratum)])
        assert row["holdout"] == np.floor(0.15 * n + 0.5)
        assert row["treatment"] + row["holdout"] == n
    assert float(a.srm().pvalue) > 0.9
    # reversed input: every customer keeps its arm
    b = assign_holdout(ids[::-1], salt="june", holdout_share=0.15, strata=strata[::-1])
    assert (b.table["arm"].loc[ids] == a.table["arm"]).all()
    # a Series of strata indexed by customer in another order
    c = assign_holdout(
        ids, salt="june", holdout_share=0.15, strata=pd.Series(strata, index=ids).iloc[::-1]
    )
    assert (c.table["arm"] == a.table["arm"]).all()
    # another salt: another split of the same sizes
    d = assign_holdout(ids, salt="july", holdout_share=0.15, strata=strata)
    assert d.counts().equals(counts)
    assert (d.table["arm"] != a.table["arm"]).any()


def test_assignment_result_contract() -> None:
    a = assign_holdout(range(100), salt="s", holdout_share=0.2)
    assert isinstance(a, HoldoutAssignment)
    assert list(a.table.columns) == ["stratum", "hash", "arm"]
    assert a.table.index.name == "customer_id"
    assert a == assign_holdout(range(100), salt="s", holdout_share=0.2)
    assert a != assign_holdout(range(100), salt="t", holdout_share=0.2)
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(ValueError, match="read-only"):
        a.table.iloc[0, 1] = 0.5
    assert a.counts().to_numpy().tolist() == [[80, 20]]  # stratum "all": treatment, holdout
    assert "salt='s'" in str(a)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"customers": ["a", "b", "a"]},
            gk.DataError,
            r"^`customers` has duplicated ids: 1 rows\. Pass each customer once\.$",
        ),
        (
            {"customers": ["a", None, "c"]},
            gk.DataError,
            r"^`customers` has missing ids \(NaN/None\): 1 rows\.",
        ),
        ({"salt": 5}, gk.SchemaError, r"^`salt` must be a string, got int: 1 rows\.$"),
        (
            {"holdout_share": 1.0},
            gk.DataError,
            r"^`holdout_share` must lie strictly between 0 and 1, got 1.0: 1 rows\.$",
        ),
        (
            {"strata": ["x", None, "y"]},
            gk.DataError,
            r"^`strata` has missing labels: 1 rows\. Fill them, e.g\. 'unknown'\.$",
        ),
        (
            {"strata": ["x", "y"]},
            gk.DataError,
            r"^`strata` has shape \(2,\), not one label per customer \(3\): 2 rows\.$",
        ),
        (
            {"strata": pd.Series(["x"], index=["a"])},
            gk.DataError,
            r"^`strata` has no label for some customers: 2 rows\.$",
        ),
    ],
)
def test_assignment_bad_input(kwargs: dict[str, object], error: type, message: str) -> None:
    args: dict[str, object] = {"customers": ["a", "b", "c"], "salt": "s", "holdout_share": 0.5}
    args |= kwargs
    customers = args.pop("customers")
    with pytest.raises(error, match=message):
        assign_holdout(customers, **args)  # type: ignore[arg-type]


def test_holdout_sample_size_is_sample_size_with_the_arm_ratio() -> None:
    got = holdout_sample_size(0.08, 0.02, holdout_share=0.25)
    want = sample_size(0.08, 0.02, ratio=3.0)
    assert got == want
    assert int(got.n_b) == int(np.ceil(3.0 * float(got.n_a_exact) - 1e-9))
    rev = holdout_sample_size(12.0, 1.5, metric="mean", std=30.0, holdout_share=0.1)
    assert rev == sample_size(12.0, 1.5, metric="mean", std=30.0, ratio=9.0)
    with pytest.raises(gk.DataError, match=r"^`holdout_share` must lie strictly between"):
        holdout_sample_size(0.08, 0.02, holdout_share=0.0)


# ----------------------------------------------------------------------- targeting


@pytest.fixture
def scores() -> tuple[pd.Series, pd.Series]:
    p = pd.Series([0.9, 0.2, 0.6, 0.5, 0.0], index=list("abcde"), name="churn_probability")
    clv = pd.Series([100.0, 500.0, 50.0, 60.0, 900.0, 10.0], index=list("abcdez"))
    return p, clv


def test_ranking_by_value_at_risk(scores: tuple[pd.Series, pd.Series]) -> None:
    p, clv = scores
    tl = target_customers(p, clv)
    table = tl.table
    # brute force: p * clv, highest first; the customer with no risk is not selected
    want = (p * clv.loc[p.index]).sort_values(ascending=False, kind="stable")
    assert table.index.tolist() == want.index.tolist()
    np.testing.assert_array_equal(table["value_at_risk"], want.to_numpy())
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert table["selected"].tolist() == [True, True, True, True, False]
    assert "z" not in table.index  # clv beyond the candidates is ignored
    assert tl.selected().index.tolist() == ["b", "a", "c", "d"]  # c and d tie: input order


def test_uplift_top_k_and_budget(scores: tuple[pd.Series, pd.Series]) -> None:
    p, clv = scores
    uplift = pd.Series([0.5, 0.01, 0.2, 0.3, 0.9], index=list("edcba"))
    tl = target_customers(p, clv, uplift=uplift, top_k=2)
    gain = p * clv.loc[p.index] * uplift.loc[p.index]
    assert (
        tl.table.index.tolist() == gain.sort_values(ascending=False, kind="stable").index.tolist()
    )
    assert tl.table["selected"].sum() == 2
    cost = pd.Series([3.0, 1.0, 1.0, 2.0, 1.0], index=list("abcde"))
    tl = target_customers(p, clv, budget=4.0, cost_per_contact=cost)
    # ranking b (cost 1), a (3): 4 fits; c (1) would exceed: the prefix stops there
    assert tl.selected().index.tolist() == ["b", "a"]
    assert tl.table["cumulative_cost"].tolist() == [1.0, 4.0, 5.0, 7.0, 8.0]
    assert "2 of 5 customers selected" in str(tl)


def test_target_list_from_early_warning_and_contract() -> None:
    from growthkit.churn import early_warning, fit_gap_model, survival_table

    tx = gk.datasets.load_cdnow()
    table = survival_table(tx)
    alerts = early_warning(fit_gap_model(tx), table, inactivity_days=90)
    clv = pd.Series(50.0, index=table.index)
    tl = target_customers(alerts, clv, top_k=10)
    assert isinstance(tl, TargetList)
    assert len(tl.table) == len(alerts.table)
    assert tl.table["selected"].sum() == 10
    np.testing.assert_allclose(
        tl.table["churn_probability"].to_numpy(),
        alerts.table["churn_probability"].loc[tl.table.index].to_numpy(),
    )
    assert tl == target_customers(alerts, clv, top_k=10)
    assert pickle.loads(pickle.dumps(tl)) == tl
    with pytest.raises(ValueError, match="read-only"):
        tl.table.iloc[0, 1] = 0.5


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"clv": pd.Series([1.0], index=["a"])},
            gk.DataError,
            r"^`clv` has no value for some customers of the churn list: 4 rows\.",
        ),
        (
            {"p": pd.Series([0.5, 1.5], index=["a", "b"])},
            gk.DataError,
            r"^`churn_probability` is outside \[0, 1\]: 1 rows\.$",
        ),
        (
            {"p": pd.Series([0.5, 0.5], index=["a", "a"])},
            gk.DataError,
            r"^`churn_probability` has duplicated customers: 1 rows\.$",
        ),
        (
            {"p": pd.Series([], dtype=float)},
            gk.DataError,
            r"^`churn_probability` is empty: 0 rows\. Score some customers first\.$",
        ),
        ({"p": [0.5]}, gk.SchemaError, r"^`churn_probability` must be an EarlyWarningList"),
        (
            {"clv": pd.Series([-1.0] * 5, index=list("abcde"))},
            gk.DataError,
            r"^`clv` is negative: 5 rows\.$",
        ),
        ({"top_k": 0}, gk.DataError, r"^`top_k` must be an integer >= 1, got 0: 1 rows\.$"),
        ({"budget": -1.0}, gk.DataError, r"^`budget` must be a finite number > 0, got -1.0"),
    ],
)
def test_targeting_bad_input(
    scores: tuple[pd.Series, pd.Series], kwargs: dict[str, object], error: type, message: str
) -> None:
    p, clv = scores
    args: dict[str, object] = {"p": p, "clv": clv} | kwargs
    with pytest.raises(error, match=message):
        target_customers(args.pop("p"), args.pop("clv"), **args)  # type: ignore[arg-type]
