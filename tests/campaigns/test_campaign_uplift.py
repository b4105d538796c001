"""Uplift metrics: equal to scikit-uplift's, a brute-force twin, a pinned table, bad input.

References, in order of strength:

- ``sklift.metrics`` 0.5.1 (the dev extra) on 300 random data sets with ties, to 1e-12
  (skipped when scikit-uplift is not installed);
- a brute-force twin written from the definitions (one boolean mask per threshold, no
  cumulative sums), so the tests stand without scikit-uplift;
- a table of values computed with scikit-uplift 0.5.1, scikit-learn 1.9.1, numpy 2.4.6
  (the script: ``sklift.metrics.*`` on the arrays Y, S, T below), pinned.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.campaigns import (
    UpliftEvaluation,
    evaluate_uplift,
    qini_auc_score,
    uplift_at_k,
    uplift_auc_score,
)

# fmt: off
Y = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0,
     1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
T = [0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1,
     0, 1, 0, 1, 0, 0, 1, 0, 0, 0]
S = [0.2, 0.6, 0.2, 0.3, 0.2, 0.9, 0.8, 0.6, 0.3, 0.1, 0.1, 0.1, 1.0, 0.5, 0.4, 0.8, 1.0, 1.0,
     0.1, 0.7, 0.4, 1.0, 0.9, 0.2, 0.7, 1.0, 0.4, 0.8, 0.1, 0.5, 0.4, 0.1, 0.7, 0.9, 0.1, 0.8,
     0.8, 0.0, 0.4, 0.6]
# fmt: on
PINNED = {
    "qini": 0.2558063083913508,
    "qini_no_negative": 0.35031068986270775,
    "auuc": 0.041964903677836736,
    ("overall", 0.3): 0.6666666666666666,
    ("overall", 10): 0.5714285714285714,
    ("by_group", 0.3): 0.6,
    ("by_group", 10): 0.5,
}


def random_data(seed: int) -> tuple[np.ndarray[Any, Any], ...]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    y = rng.integers(0, 2, n)
    t = rng.integers(0, 2, n)
    # half the sets with many ties, half with (almost surely) distinct scores
    s = rng.integers(0, 6, n).astype(float) if seed % 2 else rng.normal(size=n)
    return y, s, t


# ----------------------------------------------------------------------- brute force


def brute_curve(
    y: np.ndarray[Any, Any], s: np.ndarray[Any, Any], t: np.ndarray[Any, Any], kind: str
) -> tuple[list[int], list[float]]:
    """Curve points from the definition: for each distinct score c (descending), the units
    with score >= c are targeted."""
    xs, vals = [0], [0.0]
    for c in sorted(set(s.tolist()), reverse=True):
        top = s >= c
        nt, nc = int((top & (t == 1)).sum()), int((top & (t == 0)).sum())
        yt, yc = float(y[top & (t == 1)].sum()), float(y[top & (t == 0)].sum())
        if kind == "uplift":
            rate_t = yt / nt if nt else 0.0
            rate_c = yc / nc if nc else 0.0
            vals.append((rate_t - rate_c) * (nt + nc))
        else:
            vals.append(yt - yc * (nt / nc if nc else 0.0))
        xs.append(nt + nc)
    return xs, vals


def area(x: list[int] | list[float], y: list[float]) -> float:
    return sum((x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2 for i in range(len(x) - 1))


def brute_score(y: Any, s: Any, t: Any, kind: str, negative_effect: bool = True) -> float:
    y, s, t = (np.asarray(a, dtype=float) for a in (y, s, t))
    x, c = brute_curve(y, s, t, kind)
    if kind == "uplift":
        cr = ((y == 1) & (t == 0)).sum()
        tn = ((y == 0) & (t == 1)).sum()
        perfect = 2 * (y == t) + (y if cr > tn else t)
        px, pc = brute_curve(y, perfect, t, "uplift")
    elif negative_effect:
        px, pc = brute_curve(y, y * t - y * (1 - t), t, "qini")
    else:
        r = y[t == 1].sum() - (t == 1).sum() * y[t == 0].sum() / (t == 0).sum()
        px, pc = [0, r, len(y)], [0.0, r, r]
    base = px[-1] * pc[-1] / 2
    return (area(x, c) - base) / (area(px, pc) - base)


def brute_at_k(y: Any, s: Any, t: Any, k: float, strategy: str) -> float:
    y, s, t = (np.asarray(a, dtype=float) for a in (y, s, t))
    # stable descending order with ties in reverse input order, as sorted() gives
    order = sorted(range(len(s)), key=lambda i: (-s[i], -i))
    if strategy == "overall":
        top = order[: int(len(y) * k) if isinstance(k, float) else k]
        treated = [y[i] for i in top if t[i] == 1]
        control = [y[i] for i in top if t[i] == 0]
    else:
        ti = [i for i in order if t[i] == 1]
        ci = [i for i in order if t[i] == 0]
        kt = int(len(ti) * k) if isinstance(k, float) else k
        kc = int(len(ci) * k) if isinstance(k, float) else k
        treated, control = [y[i] for i in ti[:kt]], [y[i] for i in ci[:kc]]
    return float(np.mean(treated) - np.mean(control))


# ----------------------------------------------------------------------- references


def test_pinned_scikit_uplift_values() -> None:
    assert qini_auc_score(Y, S, T) == pytest.approx(PINNED["qini"], abs=1e-12)
    assert qini_auc_score(Y, S, T, negative_effect=False) == pytest.approx(
        PINNED["qini_no_negative"], abs=1e-12
    )
    assert uplift_auc_score(Y, S, T) == pytest.approx(PINNED["auuc"], abs=1e-12)
    for strategy in ("overall", "by_group"):
        for k in (0.3, 10):
            got = uplift_at_k(Y, S, T, k=k, strategy=strategy)
            assert got == pytest.approx(PINNED[(strategy, k)], abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_brute_force_twin(seed: int) -> None:
    y, s, t = random_data(seed)
    if len(y) < 30 or t.min() == t.max() or y.min() == y.max():
        return
    ev = evaluate_uplift(y, s, t, k=0.5)
    x, up = brute_curve(y.astype(float), s, t.astype(float), "uplift")
    _, qi = brute_curve(y.astype(float), s, t.astype(float), "qini")
    assert ev.curve["n"].tolist() == x
    np.testing.assert_allclose(ev.curve["uplift"], up, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ev.curve["qini"], qi, rtol=0, atol=1e-9)
    assert ev.auuc == pytest.approx(brute_score(y, s, t, "uplift"), abs=1e-9)
    assert ev.qini_coefficient == pytest.approx(brute_score(y, s, t, "qini"), abs=1e-9)
    for strategy in ("overall", "by_group"):
        try:
            want = brute_at_k(y, s, t, 0.5, strategy)
        except (ValueError, RuntimeWarning):
            continue
        if np.isfinite(want):
            got = uplift_at_k(y, s, t, k=0.5, strategy=strategy)
            assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.filterwarnings("ignore::FutureWarning:sklearn.*")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_equals_scikit_uplift_on_random_data() -> None:
    sm = pytest.importorskip("sklift.metrics")
    compared = 0
    for seed in range(300):
        y, s, t = random_data(seed)
        calls: list[tuple[Any, Any, dict[str, Any]]] = [
            (sm.qini_auc_score, qini_auc_score, {"negative_effect": True}),
            (sm.qini_auc_score, qini_auc_score, {"negative_effect": False}),
            (sm.uplift_auc_score, uplift_auc_score, {}),
        ]
        calls += [
            (sm.uplift_at_k, uplift_at_k, {"strategy": st, "k": k})
            for st in ("overall", "by_group")
            for k in (0.3, 0.7, 5)
        ]
        for theirs, ours, kwargs in calls:
            try:
                want = float(theirs(y, s, t, **kwargs))
            except (ValueError, ZeroDivisionError):
                want = float("nan")  # sklift refuses; so must we
            if not np.isfinite(want):
                with pytest.raises(gk.GrowthkitError):
                    ours(y, s, t, **kwargs)
                continue
            assert abs(ours(y, s, t, **kwargs) - want) <= 1e-12, (seed, theirs.__name__, kwargs)
            compared += 1
    assert compared > 2_000


# ----------------------------------------------------------------------- the result


def test_evaluation_result_contract() -> None:
    ev = evaluate_uplift(Y, S, T, k=10, strategy="by_group")
    assert ev.auuc == pytest.approx(PINNED["auuc"], abs=1e-12)
    assert ev.qini_coefficient == pytest.approx(PINNED["qini"], abs=1e-12)
    assert ev.uplift_at_k == pytest.approx(PINNED[("by_group", 10)], abs=1e-12)
    assert (ev.n_treated, ev.n_control) == (int(np.sum(T)), len(T) - int(np.sum(T)))
    assert ev == evaluate_uplift(Y, S, T, k=10, strategy="by_group")
    assert ev != evaluate_uplift(Y, S, T, k=0.3)
    assert pickle.loads(pickle.dumps(ev)) == ev
    with pytest.raises(ValueError, match="read-only"):
        ev.curve.iloc[0, 0] = 5
    frame = ev.to_frame()
    frame.iloc[0, 0] = 5
    assert ev.curve.iloc[0, 0] == 0
    curve = ev.curve
    assert curve.iloc[0].tolist() == [0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert curve["n"].iloc[-1] == len(Y)
    # the random lines end where the curves end
    assert curve["qini_random"].iloc[-1] == curve["qini"].iloc[-1]
    assert "auuc" in str(ev)
    assert isinstance(ev, UpliftEvaluation)


def test_continuous_outcome_gives_curves_and_nan_scores() -> None:
    rng = np.random.default_rng(1)
    revenue = rng.gamma(2.0, 10.0, 200) * rng.integers(0, 2, 200)
    t = np.arange(200) % 2
    ev = evaluate_uplift(revenue, rng.normal(size=200), t)
    assert np.isnan(ev.auuc) and np.isnan(ev.qini_coefficient)
    assert np.isfinite(ev.curve[["uplift", "qini"]].to_numpy()).all()
    assert np.isfinite(ev.uplift_at_k)


def test_inputs_not_mutated() -> None:
    y, s, t = pd.Series(Y), pd.Series(S), np.array(T)
    before = (y.copy(), s.copy(), t.copy())
    evaluate_uplift(y, s, t)
    pd.testing.assert_series_equal(y, before[0])
    pd.testing.assert_series_equal(s, before[1])
    np.testing.assert_array_equal(t, before[2])


# ----------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"treatment": [0, 1, 2, 1]},
            gk.DataError,
            r"^`treatment` is not 0 or 1: 1 rows\. Pass 1 for treated, 0 for control\.$",
        ),
        (
            {"treatment": [1, 1, 1, 1]},
            gk.DataError,
            r"^`treatment` has no control unit: 0 rows\. Uplift needs both arms of a random",
        ),
        (
            {"score": [0.1, 0.2, 0.3]},
            gk.DataError,
            r"^`score` has 3 values, unlike `outcome` with 4: 1 rows\. Pass one value per unit\.$",
        ),
        (
            {"score": [0.1, np.nan, 0.3, 0.2]},
            gk.DataError,
            r"^`score` has NaN or infinite values: 1 rows\.",
        ),
        (
            {"outcome": [0, 2, 1, 0]},
            gk.DataError,
            r"^`outcome` is not 0 or 1: 1 rows\. AUUC and the Qini coefficient need a binary",
        ),
        (
            {"outcome": ["a", "b", "c", "d"]},
            gk.SchemaError,
            r"^`outcome` must be numeric: 4 rows\.",
        ),
    ],
)
def test_bad_input_messages(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    args = {"outcome": [1, 0, 1, 0], "score": [0.9, 0.1, 0.4, 0.6], "treatment": [1, 1, 0, 0]}
    args |= kwargs
    with pytest.raises(error, match=message):
        qini_auc_score(args["outcome"], args["score"], args["treatment"])


def test_bad_k_and_strategy_messages() -> None:
    with pytest.raises(gk.DataError, match=r"^`k` is 1.5, not a share in \(0, 1\): 1 rows\."):
        uplift_at_k(Y, S, T, k=1.5)
    with pytest.raises(gk.DataError, match=r"^`k` is 40, not between 1 and 39 units: 1 rows\."):
        uplift_at_k(Y, S, T, k=40)
    with pytest.raises(gk.SchemaError, match=r"^`k` must be an int or a float, got '3': 1 rows\."):
        uplift_at_k(Y, S, T, k="3")  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"^`strategy` must be one of 'overall', 'by_group'"):
        uplift_at_k(Y, S, T, strategy="all")  # type: ignore[arg-type]
    with pytest.raises(
        gk.DataError, match=r"^`k` leaves no control unit among the top 1 \(strategy='overall'\)"
    ):
        uplift_at_k([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0], k=1)
    with pytest.raises(gk.DataError, match=r"^`k` asks for 3 treated units, more than the 2"):
        uplift_at_k([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0], k=3, strategy="by_group")
    with pytest.raises(gk.SchemaError, match=r"^`negative_effect` must be True or False"):
        qini_auc_score(Y, S, T, negative_effect=1)  # type: ignore[arg-type]
    with pytest.raises(gk.DataError, match=r"^`outcome` leaves the perfect curve on the random"):
        uplift_auc_score([0, 0, 0, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0])
    with pytest.raises(gk.DataError, match=r"^`outcome` is lower under treatment overall"):
        qini_auc_score([0, 0, 1, 1], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0], negative_effect=False)
