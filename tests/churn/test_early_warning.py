"""Early warning under the churn rule (issue 14), checked against brute-force pandas twins.

Every expected number here is recomputed independently of growthkit's evaluation code:
outcomes from the raw order log with pandas date arithmetic, AUC by comparing every
(churner, non-churner) pair, calibration bins by ``rank(method="min")``, precision by a
stable sort. The BTYD closed forms are checked against Monte-Carlo simulations of the
models themselves.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.churn import (
    EarlyWarningEvaluation,
    early_warning,
    evaluate_early_warning,
    fit_churn_model,
    fit_gap_model,
    kaplan_meier,
    logrank_test,
    survival_table,
)
from growthkit.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD

K, H = 90, 30
MODELS = ["mbgnbd", "bgnbd", "paretonbd", "coxph", "weibull", "lognormal"]
SIM_CUTOFF = "2024-06-30"
CDNOW_CUTOFF = "1997-12-31"


# ----------------------------------------------------------------------- brute force


def brute_outcome(tx: pd.DataFrame, cutoff: str, h: int, k: int) -> pd.DataFrame:
    """Customers current at the end of the cutoff day, and whether they churned by c + h.

    The rule read day by day: churned on day e when e - (last order day <= e) > k.
    """
    day = tx["timestamp"].dt.normalize()
    c = pd.Timestamp(cutoff).normalize()
    frame = tx.assign(day=day)
    last = frame.loc[frame["day"] <= c].groupby("customer_id")["day"].max()
    d = (c - last).dt.days
    current = d[d <= k]
    future = frame.loc[(frame["day"] > c) & (frame["day"] <= c + pd.Timedelta(days=h))]
    churned = {}
    for cid, dd in current.items():
        orders = future.loc[future["customer_id"] == cid, "day"]
        gone = False
        # walk the days after the cutoff: the first day the gap exceeds k, unless reset
        last_day = c - pd.Timedelta(days=int(dd))
        for step in range(1, h + 1):
            today = c + pd.Timedelta(days=step)
            if (orders == today).any():
                last_day = today
            if (today - last_day).days > k:
                gone = True
                break
        churned[cid] = gone
    return pd.DataFrame({"days_since_last": current, "churned": pd.Series(churned)})


def brute_auc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = score[y], score[~y]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def brute_metrics(p: pd.Series, y: pd.Series) -> dict[str, float]:
    n = len(p)
    yf = y.astype(float)
    q = p.clip(1e-15, 1 - 1e-15)
    bins = np.floor(10 * (p.rank(method="min") - 1) / n)
    cal = (
        pd.DataFrame({"p": p, "y": yf, "bin": bins})
        .groupby("bin")
        .agg(p=("p", "mean"), y=("y", "mean"), n=("p", "size"))
    )
    return {
        "auc": brute_auc(p.to_numpy(), y.to_numpy(dtype=bool)),
        "brier": float(((p - yf) ** 2).mean()),
        "log_loss": float(-(yf * np.log(q) + (1 - yf) * np.log(1 - q)).mean()),
        "calibration_error": float((cal["n"] * (cal["p"] - cal["y"]).abs()).sum() / n),
    }


def brute_precision(score: pd.Series, y: pd.Series, k: int) -> float:
    frame = pd.DataFrame({"s": score, "y": y}).sort_index()
    top = frame.sort_values("s", ascending=False, kind="stable").head(k)
    return float(top["y"].mean())


# ----------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def logs() -> dict[str, tuple[pd.DataFrame, str]]:
    out = {
        f"sim{seed}": (gk.datasets.simulate_transactions(4000, seed=seed), SIM_CUTOFF)
        for seed in (1, 2, 3)
    }
    out["cdnow"] = (gk.datasets.load_cdnow(), CDNOW_CUTOFF)
    return out


@pytest.fixture(scope="module")
def outcomes(logs: dict[str, tuple[pd.DataFrame, str]]) -> dict[str, pd.DataFrame]:
    return {name: brute_outcome(tx, cut, H, K) for name, (tx, cut) in logs.items()}


@pytest.fixture(scope="module")
def evaluations(logs: dict[str, tuple[pd.DataFrame, str]]) -> dict[tuple[str, str], Any]:
    return {
        (name, model): evaluate_early_warning(
            tx,
            cutoff=cut,
            horizon_days=H,
            score=model,  # type: ignore[arg-type]
            top_k=[25, 100],
            amount_col="amount",
        )
        for name, (tx, cut) in logs.items()
        for model in MODELS
    }


# ----------------------------------------------------------------------- the bar


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("data", ["sim1", "sim2", "sim3", "cdnow"])
def test_bar_against_brute_force(
    data: str,
    model: str,
    evaluations: dict[tuple[str, str], EarlyWarningEvaluation],
    outcomes: dict[str, pd.DataFrame],
) -> None:
    ev = evaluations[(data, model)]
    want = outcomes[data]
    ranking = ev.ranking.sort_index()
    # the same customers and the same outcomes as the day-by-day walk
    assert list(ranking.index) == list(want.index)
    np.testing.assert_array_equal(ranking["churned_after"], want["churned"])
    y = want["churned"].astype(bool)
    p = ranking["churn_probability"]
    # exactly 0 where the rule makes churn within the horizon impossible
    impossible = want["days_since_last"] + H <= K
    assert (p[impossible] == 0.0).all() and (p[~impossible] > 0.0).all()
    got = ev.metrics
    mine = brute_metrics(p, y)
    recency = brute_auc(want["days_since_last"].to_numpy(float), y.to_numpy())
    base = float(y.mean())
    base_brier = float(((base - y.astype(float)) ** 2).mean())
    for metric, value in mine.items():
        assert got.loc[model, metric] == pytest.approx(value, rel=1e-12, abs=1e-15), metric
    assert got.loc["days_since_last", "auc"] == pytest.approx(recency, rel=1e-12)
    assert got.loc["base_rate", "brier"] == pytest.approx(base_brier, rel=1e-12)
    assert ev.base_rate == pytest.approx(base, rel=1e-15)
    for k in (25, 100):
        assert ev.at_k.loc[k, "precision"] == pytest.approx(brute_precision(p, y, k), rel=1e-15)
        assert ev.baselines_at_k.loc[("days_since_last", k), "precision"] == pytest.approx(
            brute_precision(want["days_since_last"], y, k), rel=1e-15
        )
    # the bar (issue 14): as good as recency, better than the base rate, calibrated
    assert mine["auc"] >= recency - 0.005
    assert mine["brier"] < base_brier
    if data.startswith("sim"):
        assert mine["calibration_error"] < 0.02


def test_default_model_is_the_documented_one() -> None:
    import inspect

    assert inspect.signature(evaluate_early_warning).parameters["score"].default == "mbgnbd"


def test_rfm_baseline_matches_rfm_scores(
    logs: dict[str, tuple[pd.DataFrame, str]],
    evaluations: dict[tuple[str, str], EarlyWarningEvaluation],
    outcomes: dict[str, pd.DataFrame],
) -> None:
    tx, cut = logs["cdnow"]
    kept = tx.loc[tx["timestamp"].dt.normalize() <= pd.Timestamp(cut)]
    rfm = gk.rfm_scores(
        kept, observation_end=pd.Timestamp(cut) + pd.Timedelta("1D") - pd.Timedelta("1ns")
    )
    ev = evaluations[("cdnow", "mbgnbd")]
    want = outcomes["cdnow"]
    score = rfm.table["rfm_score"].reindex(want.index).astype(float)
    ranking = ev.ranking.sort_index()
    np.testing.assert_array_equal(ranking["rfm_score"], score)
    y = want["churned"].astype(bool)
    assert ev.metrics.loc["rfm_score", "auc"] == pytest.approx(
        brute_auc(-score.to_numpy(), y.to_numpy()), rel=1e-12
    )


# ----------------------------------------------------------------------- defects (issue 14)


@pytest.fixture(scope="module")
def cdnow_table() -> pd.DataFrame:
    return survival_table(gk.datasets.load_cdnow(), amount_col="amount")


def _cdnow_models() -> dict[str, Any]:
    tx = gk.datasets.load_cdnow()
    summary = gk.customer_summary(tx, period="D")
    table = survival_table(tx, amount_col="amount")
    return {
        "gap-coxph": (fit_gap_model(tx, amount_col="amount"), None),
        "gap-weibull": (fit_gap_model(tx, model="weibull"), None),
        "gap-lognormal": (fit_gap_model(tx, model="lognormal"), None),
        "age-coxph": (fit_churn_model(table), None),
        "bgnbd": (BetaGeo.fit(summary), summary),
        "mbgnbd": (ModifiedBetaGeo.fit(summary), summary),
        "paretonbd": (ParetoNBD.fit(summary), summary),
    }


@pytest.fixture(scope="module")
def cdnow_models() -> dict[str, Any]:
    return _cdnow_models()


@pytest.mark.parametrize(
    "name",
    ["gap-coxph", "gap-weibull", "gap-lognormal", "age-coxph", "bgnbd", "mbgnbd", "paretonbd"],
)
def test_no_churn_probability_where_the_rule_forbids_it(
    name: str, cdnow_models: dict[str, Any], cdnow_table: pd.DataFrame
) -> None:
    # Issue 14: 229 of 300 current CDNOW customers had P > 0 (rank 9 at 0.709 after 59
    # quiet days) although with 90/30 only those quiet for more than 60 days can churn.
    model, summary = cdnow_models[name]
    alerts = early_warning(model, cdnow_table, horizon_days=H, summary=summary)
    t = alerts.table
    late = t["days_since_last"] + H > K
    assert (t.loc[~late, "churn_probability"] == 0.0).all()
    if name != "age-coxph":  # Cox's age baseline puts no mass where nobody churned
        assert (t.loc[late, "churn_probability"] > 0.0).all()
    assert int(late.sum()) == 69 and list(t["rank"]) == list(range(1, len(t) + 1))
    assert alerts.inactivity_days == K


def test_scores_are_the_documented_labels(
    cdnow_models: dict[str, Any], cdnow_table: pd.DataFrame
) -> None:
    # Issue 14/17: the class name ("ModifiedBetaGeo") was returned for purchase models.
    labels = {
        name: early_warning(model, cdnow_table, summary=summary).score
        for name, (model, summary) in cdnow_models.items()
    }
    assert labels == {
        "gap-coxph": "coxph",
        "gap-weibull": "weibull",
        "gap-lognormal": "lognormal",
        "age-coxph": "coxph",
        "bgnbd": "bgnbd",
        "mbgnbd": "mbgnbd",
        "paretonbd": "paretonbd",
    }


def test_age_at_cutoff_no_longer_beats_the_model(
    logs: dict[str, tuple[pd.DataFrame, str]],
    evaluations: dict[tuple[str, str], EarlyWarningEvaluation],
    outcomes: dict[str, pd.DataFrame],
) -> None:
    # Issue 14: the old concordance used age since the first order, and the score "age at
    # cutoff" beat every model. On the outcome itself, it is far behind.
    tx, cut = logs["sim1"]
    first = tx.groupby("customer_id")["timestamp"].min().dt.normalize()
    want = outcomes["sim1"]
    age = (pd.Timestamp(cut) - first.reindex(want.index)).dt.days.to_numpy(float)
    y = want["churned"].to_numpy(bool)
    ev = evaluations[("sim1", "mbgnbd")]
    assert brute_auc(age, y) < float(np.asarray(ev.metrics.loc["mbgnbd", "auc"])) - 0.2


def test_gap_model_matches_plain_lifelines_on_the_gaps() -> None:
    from lifelines import CoxPHFitter

    tx = gk.datasets.load_cdnow()
    model = fit_gap_model(tx, covariates=["orders", "mean_gap_days"])
    # the gaps built by hand: distinct order days per customer, history on each day
    days = tx.assign(day=tx["timestamp"].dt.normalize())
    per = days.groupby(["customer_id", "day"]).size().rename("n").reset_index()
    per["orders"] = per.groupby("customer_id")["n"].cumsum().astype(float)
    first = per.groupby("customer_id")["day"].transform("min")
    age = (per["day"] - first).dt.days
    per["mean_gap_days"] = np.where(per["orders"] > 1, age / (per["orders"] - 1).clip(1), 0.0)
    nxt = per.groupby("customer_id")["day"].shift(-1)
    end = days["day"].max()
    per["duration"] = np.where(nxt.notna(), (nxt - per["day"]).dt.days, (end - per["day"]).dt.days)
    per["event"] = nxt.notna().astype(float)
    ref = CoxPHFitter().fit(
        per[["orders", "mean_gap_days", "duration", "event"]].astype(float), "duration", "event"
    )
    # half Newton steps stop within lifelines' tolerance of the same maximum
    np.testing.assert_allclose(model.coefficients.to_numpy(), ref.params_.to_numpy(), rtol=1e-5)
    assert model.n_customers == tx["customer_id"].nunique()
    # P(churn within 30) = 1[d + 30 > 90] S(91 | x) / S(d | x), by lifelines directly
    table = survival_table(tx)
    current = table.loc[~table["churned"]]
    p = model.churn_probability(current, horizon_days=30, inactivity_days=90)
    d = current["days_since_last"].to_numpy(float)
    sf = ref.predict_survival_function(current[["orders", "mean_gap_days"]], times=np.arange(0, 92))
    s = sf.to_numpy()
    cols = np.arange(len(current))
    want = np.where(d + 30 > 90, s[91, cols] / s[d.astype(int), cols], 0.0)
    np.testing.assert_allclose(p.to_numpy(), want, rtol=1e-5, atol=1e-9)


def test_drivers_explain_the_gap_score(cdnow_table: pd.DataFrame) -> None:
    model = fit_gap_model(gk.datasets.load_cdnow(), amount_col="amount")
    alerts = early_warning(model, cdnow_table, horizon_days=H, n_drivers=3)
    t = alerts.table
    contrib = model.risk_contributions(cdnow_table.loc[t.index])
    np.testing.assert_allclose(t["contribution_1"], contrib.max(axis=1))
    # Cox on the reorder hazard: at equal silence, a larger total contribution (a lower
    # hazard of ordering) means a higher churn probability.
    for _, group in t.assign(total=contrib.sum(axis=1)).groupby("days_since_last"):
        g = group.loc[group["churn_probability"] > 0].sort_values("total")
        assert (np.diff(g["churn_probability"].to_numpy()) >= -1e-12).all()


# ----------------------------------------------------------------------- Monte Carlo


def _simulate(
    kind: str, n: int, t_end: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, float]]:
    """x, t_x in (0, T] and whether a purchase falls in (T, T + w], from the model itself."""
    params = {"r": 0.6, "alpha": 20.0, "a": 0.8, "b": 2.5, "s": 0.5, "beta": 60.0}
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    w = rng.integers(1, 61, n).astype(float)
    if kind == "paretonbd":
        death = rng.exponential(1.0 / rng.gamma(params["s"], 1.0 / params["beta"], n))
    else:
        p = rng.beta(params["a"], params["b"], n)
        death = np.full(n, np.inf)
        if kind == "mbgnbd":
            death[rng.random(n) < p] = 0.0
    t = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    bought_after = np.zeros(n, dtype=bool)
    active = death > 0
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1.0 / lam[idx])
        alive = t[idx] < death[idx]
        inside = alive & (t[idx] <= t_end)
        later = alive & (t[idx] > t_end) & (t[idx] <= t_end + w[idx])
        x[idx[inside]] += 1
        tx[idx[inside]] = t[idx[inside]]
        bought_after[idx[later]] = True
        stop = ~alive | (t[idx] > t_end)
        if kind != "paretonbd":
            dies = inside & (rng.random(idx.size) < p[idx])
            death[idx[dies]] = t[idx[dies]]
            stop |= dies
        active[idx[stop]] = False
    return pd.DataFrame(
        {"frequency": x, "recency": tx, "T": t_end, "w": w, "quiet": ~bought_after}
    ), params


@pytest.mark.parametrize("kind", ["bgnbd", "mbgnbd", "paretonbd"])
def test_no_purchase_closed_forms_match_monte_carlo(kind: str) -> None:
    from growthkit.churn._btyd import no_purchase_probability

    sim, prm = _simulate(kind, 200_000, 100.0, np.random.default_rng(7))
    if kind == "paretonbd":
        model: Any = ParetoNBD(r=prm["r"], alpha=prm["alpha"], s=prm["s"], beta=prm["beta"])
    else:
        cls = BetaGeo if kind == "bgnbd" else ModifiedBetaGeo
        model = cls(r=prm["r"], alpha=prm["alpha"], a=prm["a"], b=prm["b"])
    p = no_purchase_probability(model, sim, sim["w"].to_numpy())
    y = sim["quiet"].to_numpy(float)
    # calibration of the exact conditional probability, by decile and by frequency
    for key in (pd.qcut(p, 10, labels=False, duplicates="drop"), np.minimum(sim["frequency"], 6)):
        g = pd.DataFrame({"p": p, "y": y, "g": key}).groupby("g")
        mean_p, mean_y, size = g["p"].mean(), g["y"].mean(), g.size()
        se = np.sqrt(mean_p * (1 - mean_p) / size) + 1e-4
        assert (np.abs(mean_p - mean_y) < 4 * se).all(), pd.DataFrame({"p": mean_p, "y": mean_y})


# ----------------------------------------------------------------------- bad input


def test_horizon_longer_than_the_rule(cdnow_table: pd.DataFrame, cdnow_models: Any) -> None:
    msg = (
        r"^`horizon_days` \(120\) is larger than inactivity_days \(90\), so the churn rule "
        r"cannot be read on it: 1 rows\. Pass horizon_days <= inactivity_days"
    )
    with pytest.raises(gk.DataError, match=msg):
        early_warning(cdnow_models["gap-coxph"][0], cdnow_table, horizon_days=120)
    with pytest.raises(gk.DataError, match=msg):
        evaluate_early_warning(gk.datasets.load_cdnow(), cutoff="1997-10-01", horizon_days=120)


def test_cutoff_outside_the_log() -> None:
    tx = gk.datasets.load_cdnow()
    with pytest.raises(
        gk.DataError,
        match=r"^`timestamp` has no orders at or before cutoff \(1996-12-31 00:00:00\): the "
        r"cutoff is before the first order \(1997-01-01 00:00:00\): 0 rows\. Pass a cutoff",
    ):
        evaluate_early_warning(tx, cutoff="1996-12-31", horizon_days=30)
    with pytest.raises(
        gk.DataError,
        match=r"^`cutoff` plus horizon_days \(the end of 1998-07-30\) is after the last "
        r"order \(1998-06-30 00:00:00\): 1 rows\.",
    ):
        evaluate_early_warning(tx, cutoff="1998-06-30", horizon_days=30)


def test_inactivity_days_checked_against_the_table(
    cdnow_table: pd.DataFrame, cdnow_models: Any
) -> None:
    model = cdnow_models["gap-coxph"][0]
    with pytest.raises(
        gk.DataError,
        match=r"^`churned` disagrees with inactivity_days=60 \(churned must be "
        r"days_since_last > 60\): \d+ rows\. Pass the inactivity_days the table was built",
    ):
        early_warning(model, cdnow_table, inactivity_days=60)
    # read from the flags when they pin it down, else 90 when it fits, else the lower bound
    assert early_warning(model, cdnow_table).inactivity_days == 90
    few = cdnow_table.loc[cdnow_table["days_since_last"].isin([10, 200])]
    assert early_warning(model, few).inactivity_days == 90
    near = cdnow_table.loc[cdnow_table["days_since_last"].isin([20, 25, 40])]
    near = near.assign(churned=near["days_since_last"] > 30)
    assert early_warning(model, near, horizon_days=10).inactivity_days == 25
    lower = near.assign(churned=near["days_since_last"] > 20)
    assert early_warning(model, lower, horizon_days=10).inactivity_days == 20
    with pytest.raises(gk.SchemaError, match=r"^`days_since_last` column not found"):
        early_warning(model, cdnow_table.drop(columns="days_since_last"))
    with pytest.raises(gk.SchemaError, match=r"^`model` must be a ChurnModel or a fitted"):
        early_warning(object(), cdnow_table)


# ----------------------------------------------------------------------- result objects


def test_results_compare_pickle_and_protect_their_frames(
    cdnow_table: pd.DataFrame,
    cdnow_models: dict[str, Any],
    evaluations: dict[tuple[str, str], EarlyWarningEvaluation],
) -> None:
    km = kaplan_meier(cdnow_table, groups="cohort")
    km2 = pickle.loads(pickle.dumps(km))
    pd.testing.assert_frame_equal(km2.to_frame(), km.to_frame())
    assert km == km and km != km2  # documented eq=False: identity
    lr = logrank_test(cdnow_table, groups="cohort")
    assert pickle.loads(pickle.dumps(lr)) == lr
    model = cdnow_models["gap-coxph"][0]
    assert pickle.loads(pickle.dumps(model)) == model
    coefficients = model.coefficients
    coefficients.iloc[0] = 99.0
    assert model.coefficients.iloc[0] != 99.0
    alerts = early_warning(model, cdnow_table)
    again = pickle.loads(pickle.dumps(alerts))
    assert again == alerts and again == early_warning(model, cdnow_table)
    table, top = alerts.table, alerts.top(3)
    table["churn_probability"] = 5.0
    top["rank"] = 0
    assert alerts.table["churn_probability"].max() <= 1.0 and alerts.table["rank"].iloc[0] == 1
    ev = evaluations[("cdnow", "mbgnbd")]
    back = pickle.loads(pickle.dumps(ev))
    assert back == ev
    for name in ("metrics", "at_k", "baselines_at_k", "calibration", "ranking"):
        frame = getattr(ev, name)
        frame.iloc[0, 0] = -1.0
        assert getattr(ev, name).iloc[0, 0] != -1, name
    frame = ev.to_frame()
    assert list(frame.index) == ["mbgnbd", "days_since_last", "rfm_score", "base_rate"]
    assert list(frame.columns[:4]) == ["auc", "brier", "log_loss", "calibration_error"]
    assert "precision@25" in frame.columns and "lift@100" in frame.columns


def test_evaluation_plot_headless(
    evaluations: dict[tuple[str, str], EarlyWarningEvaluation],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    calib, lift = evaluations[("sim1", "coxph")].plot()
    assert calib.get_xlabel().startswith("predicted P(churn within 30")
    assert len(lift.get_lines()) == 4
    plt.close("all")


def test_churn_modules_import_no_cycle() -> None:
    """Runtime imports among growthkit.churn modules (in functions too) form no cycle."""
    import ast
    from pathlib import Path

    import growthkit.churn

    root = Path(growthkit.churn.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip |= {id(n) for n in ast.walk(node)}
        deps = {
            (n.module or "").rsplit(".", 1)[-1]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            and id(n) not in skip
            and (n.module or "").startswith("growthkit.churn.")
        }
        graph[path.stem] = deps
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        assert node not in stack, " -> ".join([*stack, node])
        if seen.get(node):
            return
        for dep in graph.get(node, set()):
            visit(dep, [*stack, node])
        seen[node] = 1

    for name in graph:
        visit(name, [])
    assert max(len(p.read_text().splitlines()) for p in root.glob("*.py")) <= 1000


def test_gap_cox_converges_without_spend() -> None:
    # lifelines' default Newton step diverged on CDNOW's gaps (orders, mean_gap_days only)
    ev = evaluate_early_warning(
        gk.datasets.load_cdnow(), cutoff=CDNOW_CUTOFF, horizon_days=H, score="coxph", top_k=10
    )
    metrics = ev.metrics
    brier = metrics["brier"].to_numpy(dtype=float)
    assert brier[0] < brier[list(metrics.index).index("base_rate")]
