"""Kaplan-Meier, log-rank, Cox/AFT fits, early warning: against plain lifelines calls."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import (
    CoxPHFitter,
    KaplanMeierFitter,
    LogNormalAFTFitter,
    WeibullAFTFitter,
)
from lifelines.statistics import logrank_test as ll_logrank
from lifelines.statistics import multivariate_logrank_test

import growthkit as gk
from growthkit.churn import (
    ChurnModel,
    early_warning,
    evaluate_early_warning,
    fit_churn_model,
    kaplan_meier,
    logrank_test,
    survival_table,
)


@pytest.fixture(scope="module")
def sim_log() -> pd.DataFrame:
    return gk.datasets.simulate_transactions(2000, seed=21)


@pytest.fixture(scope="module")
def table(sim_log: pd.DataFrame) -> pd.DataFrame:
    return survival_table(sim_log, amount_col="amount")


@pytest.fixture(scope="module")
def cox(table: pd.DataFrame) -> ChurnModel:
    return fit_churn_model(table, covariates=["orders", "mean_gap_days"])


COVS = ["orders", "mean_gap_days"]


def _plain(table: pd.DataFrame, covariates: list[str], positive: bool = False) -> pd.DataFrame:
    df = table[["duration", "churned", *covariates]].astype(float)
    return df[df["duration"] > 0] if positive else df


# ----------------------------------------------------------------- Kaplan-Meier, log-rank


def test_kaplan_meier_equals_lifelines(table: pd.DataFrame) -> None:
    km = kaplan_meier(table, groups="cohort")
    ref = KaplanMeierFitter().fit(table["duration"], table["churned"])
    np.testing.assert_allclose(
        km.fitter.survival_function_.to_numpy(), ref.survival_function_.to_numpy()
    )
    assert km.median_lifetime()["all"] == ref.median_survival_time_
    grp = table["cohort"] == table["cohort"].iloc[0]
    ref_g = KaplanMeierFitter().fit(table.loc[grp, "duration"], table.loc[grp, "churned"])
    key = table["cohort"].iloc[0]
    np.testing.assert_allclose(
        km.by_group[key].survival_function_.to_numpy(), ref_g.survival_function_.to_numpy()
    )
    s = km.survival_at([0, 30, 365])
    assert s.index[0] == "all"
    np.testing.assert_allclose(
        s.loc["all"].to_numpy(), ref.survival_function_at_times([0, 30, 365]).to_numpy()
    )
    long = km.to_frame()
    assert set(long.columns) == {"group", "duration", "survival", "ci_low", "ci_high"}
    assert (
        (long["ci_low"] <= long["survival"] + 1e-12) & (long["survival"] <= long["ci_high"] + 1e-12)
    ).all()
    assert "median lifetime" in str(km)


def test_kaplan_meier_groups_series_and_nobody_churned() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09"]),
        }
    )
    t = survival_table(tx)
    assert not t["churned"].any()
    km = kaplan_meier(t, groups=pd.Series(["a", "b", "a"], index=t.index, name="seg"))
    assert km.median_lifetime()["all"] == np.inf
    assert km.group_name == "seg"
    assert set(km.by_group) == {"a", "b"}


def test_logrank_two_and_many_groups_equal_lifelines(table: pd.DataFrame) -> None:
    table = table.assign(
        repeat=table["orders"] > 1, band=pd.cut(table["orders"], [0, 1, 3, 1000]).astype(str)
    )
    res = logrank_test(table, groups="repeat")
    a, b = ~table["repeat"], table["repeat"]
    ref = ll_logrank(
        table.loc[a, "duration"],
        table.loc[b, "duration"],
        table.loc[a, "churned"],
        table.loc[b, "churned"],
    )
    assert res.statistic == pytest.approx(ref.test_statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.p_value, rel=1e-9)
    assert res.degrees_of_freedom == 1
    multi = logrank_test(table, groups="band")
    ref_m = multivariate_logrank_test(table["duration"], table["band"], table["churned"])
    assert multi.statistic == pytest.approx(ref_m.test_statistic, rel=1e-12)
    assert multi.degrees_of_freedom == 2
    assert 0.0 <= multi.pvalue <= 1.0
    assert "Log-rank" in str(multi) and multi.to_frame().shape == (1, 4)


# ----------------------------------------------------------------- regression fits


def test_cox_equals_plain_lifelines(table: pd.DataFrame, cox: ChurnModel) -> None:
    ref = CoxPHFitter().fit(_plain(table, COVS), "duration", "churned")
    np.testing.assert_allclose(cox.coefficients.to_numpy(), ref.params_.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        cox.fitter.standard_errors_.to_numpy(), ref.standard_errors_.to_numpy(), rtol=1e-6
    )
    assert cox.fitter.log_likelihood_ == pytest.approx(ref.log_likelihood_, rel=1e-10)
    assert cox.n_rows < cox.n_customers  # censored customers were merged
    # lifelines centres on the unweighted mean of the rows it sees, so the baselines differ
    # by a constant factor; survival predictions, which are what we use, are identical.
    x = table[COVS].head(200)
    np.testing.assert_allclose(
        cox.fitter.predict_survival_function(x, times=[30, 365, 900]).to_numpy(),
        ref.predict_survival_function(x, times=[30, 365, 900]).to_numpy(),
        rtol=1e-6,
    )


def test_cox_uncompressed_equals_compressed(table: pd.DataFrame, cox: ChurnModel) -> None:
    plain = fit_churn_model(table, covariates=COVS, compress=False)
    assert plain.n_rows == len(table)
    np.testing.assert_allclose(plain.coefficients, cox.coefficients, rtol=1e-6)


@pytest.mark.parametrize(
    ("kind", "cls"), [("weibull", WeibullAFTFitter), ("lognormal", LogNormalAFTFitter)]
)
def test_aft_equals_plain_lifelines(table: pd.DataFrame, kind: str, cls: type) -> None:
    m = fit_churn_model(table, model=kind, covariates=COVS)  # type: ignore[arg-type]
    ref = cls().fit(_plain(table, COVS, positive=True), "duration", "churned")
    np.testing.assert_allclose(
        m.fitter.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4, atol=1e-7
    )
    np.testing.assert_allclose(
        m.fitter.standard_errors_.to_numpy(), ref.standard_errors_.to_numpy(), rtol=1e-3
    )
    assert m.n_excluded == int((table["duration"] == 0).sum())
    assert m.n_rows < m.n_customers
    key = "lambda_" if kind == "weibull" else "mu_"
    np.testing.assert_allclose(
        m.coefficients.to_numpy(), ref.params_.loc[key].loc[COVS].to_numpy(), rtol=1e-4
    )


def test_default_covariates_and_summary(table: pd.DataFrame) -> None:
    m = fit_churn_model(table)
    assert m.covariates == ("orders", "mean_gap_days", "spend")
    assert set(m.summary().index) == set(m.covariates)
    assert "ChurnModel(coxph" in str(m)


def test_churn_probability_matches_lifelines_conditional(
    table: pd.DataFrame, cox: ChurnModel
) -> None:
    current = table.loc[~table["churned"]]
    p = cox.churn_probability(current, horizon_days=30)
    t = current["duration"].to_numpy(dtype=float)
    # The plain lifelines call on the uncompressed fit: 1 - S(t + h | x) / S(t | x).
    ref = CoxPHFitter().fit(_plain(table, COVS), "duration", "churned")
    want = 1.0 - ref.predict_survival_function(current[COVS], times=[30.0], conditional_after=t)
    np.testing.assert_allclose(p.to_numpy(), want.to_numpy().ravel(), rtol=1e-6, atol=1e-12)
    # ... which is the ratio of two unconditional survival curves.
    s_t = np.diag(ref.predict_survival_function(current[COVS].head(20), times=t[:20]).to_numpy())
    s_th = np.diag(
        ref.predict_survival_function(current[COVS].head(20), times=t[:20] + 30).to_numpy()
    )
    np.testing.assert_allclose(p.to_numpy()[:20], 1 - s_th / s_t, rtol=1e-6, atol=1e-12)


def test_risk_contributions_and_survival_helpers(table: pd.DataFrame, cox: ChurnModel) -> None:
    contrib = cox.risk_contributions(table)
    beta = cox.coefficients.to_numpy()
    xc = table[COVS].to_numpy(dtype=float) - table[COVS].to_numpy(dtype=float).mean(axis=0)
    np.testing.assert_allclose(contrib.to_numpy(), xc * beta)
    # The log partial hazard is the sum of the contributions (lifelines centres at the mean).
    plain = CoxPHFitter().fit(_plain(table, COVS), "duration", "churned")
    np.testing.assert_allclose(
        contrib.sum(axis=1).to_numpy(),
        plain.predict_log_partial_hazard(table[COVS]).to_numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    sf = cox.survival_function(table.head(5), [0, 100, 200])
    assert ((sf >= 0) & (sf <= 1)).all().all()
    assert (np.diff(sf.to_numpy(), axis=1) <= 1e-12).all()
    pop = cox.survival_at([100, 200], table)
    assert pop.iloc[0] >= pop.iloc[1]
    med = cox.median_lifetime(table.head(5))
    assert (med > 0).all()


# ----------------------------------------------------------------- early warning


def test_early_warning_ranks_current_customers(table: pd.DataFrame, cox: ChurnModel) -> None:
    alerts = early_warning(cox, table, horizon_days=30, n_drivers=2)
    t = alerts.table
    assert len(t) == int((~table["churned"]).sum())
    assert set(t.index) == set(table.index[~table["churned"]])
    p = t["churn_probability"].to_numpy()
    assert (np.diff(p) <= 0).all() and ((p >= 0) & (p <= 1)).all()
    assert t["rank"].tolist() == list(range(1, len(t) + 1))
    assert (t["contribution_1"] >= t["contribution_2"]).all()
    contrib = cox.risk_contributions(table.loc[t.index])
    np.testing.assert_allclose(t["contribution_1"].to_numpy(), contrib.max(axis=1).to_numpy())
    assert len(alerts.top(5)) == 5
    assert "EarlyWarningList" in str(alerts)


@settings(max_examples=15, deadline=None)
@given(h=st.floats(0.5, 2000), n=st.integers(1, 40))
def test_probabilities_in_unit_interval(
    table: pd.DataFrame, cox: ChurnModel, h: float, n: int
) -> None:
    p = cox.churn_probability(table.head(n), horizon_days=h)
    assert ((p >= 0) & (p <= 1)).all()
    longer = cox.churn_probability(table.head(n), horizon_days=h * 2)
    assert (longer.to_numpy() >= p.to_numpy() - 1e-12).all()


def test_out_of_time_evaluation_beats_random(sim_log: pd.DataFrame) -> None:
    ev = evaluate_early_warning(sim_log, cutoff="2024-03-31", horizon_days=90, top_k=[50, 200])
    # Simulated BG/NBD churn: the ranking must order customers well above chance.
    assert ev.concordance > 0.6
    assert float(ev.at_k["lift"].iloc[0]) > 1.0
    assert 0.0 < ev.base_rate < 1.0
    assert ev.n_customers == len(ev.ranking)
    assert "concordance" in str(ev)
    aft = evaluate_early_warning(sim_log, cutoff="2024-03-31", horizon_days=90, score="weibull")
    assert aft.concordance > 0.6


def test_out_of_time_bgnbd_scores(sim_log: pd.DataFrame) -> None:
    # Issue 14: the old score 1 - P(alive h days after T) ignored the churn rule and ranked
    # BG/NBD below chance (this test pinned concordance < 0.5). Under the rule's probability
    # 1[d + h > k] P(no purchase in k + 1 - d days) both models rank well.
    bg = evaluate_early_warning(sim_log, cutoff="2024-03-31", horizon_days=90, score="bgnbd")
    mbg = evaluate_early_warning(sim_log, cutoff="2024-03-31", horizon_days=90, score="mbgnbd")
    assert bg.concordance > 0.7
    assert mbg.concordance > 0.7
    p = mbg.ranking["churn_probability"]
    assert ((p >= 0) & (p <= 1)).all()


def test_early_warning_with_bgnbd_model(sim_log: pd.DataFrame, table: pd.DataFrame) -> None:
    from growthkit.clv import ModifiedBetaGeo

    summary = gk.customer_summary(sim_log, period="D")
    model = ModifiedBetaGeo.fit(summary)
    alerts = early_warning(model, table, horizon_days=60, summary=summary, inactivity_days=90)
    current = summary.loc[alerts.table.index]
    # Issue 14: the rule's probability, not 1 - P(alive 60 days after T) (which this test
    # compared with before): 0 unless d + h > k, else P(no purchase in k + 1 - d days).
    d = table.loc[alerts.table.index, "days_since_last"].to_numpy(dtype=float)
    x, t = current["frequency"].to_numpy(dtype=float), current["T"].to_numpy(dtype=float)
    p_alive = model.probability_alive(x, current["recency"], t)
    quiet = ((model.alpha + t) / (model.alpha + t + 91.0 - d)) ** (model.r + x)
    want = np.where(d + 60 > 90, 1.0 - p_alive + p_alive * quiet, 0.0)
    np.testing.assert_allclose(alerts.table["churn_probability"].to_numpy(), want, rtol=1e-12)
    # Issue 17: the documented label, not the class name ("ModifiedBetaGeo" before).
    assert alerts.score == "mbgnbd"
    assert "driver_1" not in alerts.table.columns
    with pytest.raises(gk.SchemaError, match=r"^`summary` is required with a BG/NBD model"):
        early_warning(model, table)
    with pytest.raises(gk.SchemaError, match=r"^`summary` has no row for some current customers"):
        early_warning(model, table, summary=summary.iloc[:10])


# ----------------------------------------------------------------- degenerate and bad input


def test_nobody_churned_cannot_fit() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09"]),
        }
    )
    with pytest.raises(
        gk.DataError,
        match=r"^`churned` has no churned customers, so there is nothing to fit: 3 rows",
    ):
        fit_churn_model(survival_table(tx), covariates=["tenure_days"])


def test_everyone_churned_fits_but_cannot_rank(table: pd.DataFrame, cox: ChurnModel) -> None:
    gone = table.loc[table["churned"]]
    m = fit_churn_model(gone, covariates=COVS)
    assert np.isfinite(m.coefficients).all()
    with pytest.raises(
        gk.DataError, match=r"^`churned` is True for every customer: nobody is left to rank"
    ):
        early_warning(cox, gone)


def test_zero_variance_covariate(table: pd.DataFrame) -> None:
    with pytest.raises(
        gk.DataError, match=r"^`flat` has zero variance \(every customer has the same value\)"
    ):
        fit_churn_model(table.assign(flat=1.0), covariates=["orders", "flat"])


def test_single_customer() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01"])}
    )
    t = survival_table(tx, observation_end="2024-12-31")
    with pytest.raises(gk.DataError, match=r"^`orders` has zero variance"):
        fit_churn_model(t, covariates=["orders"])


def _one_day_log(n: int) -> pd.DataFrame:
    """``n`` customers whose every order falls on 2024-01-01 (half of them order twice)."""
    ids = np.r_[np.arange(n), np.arange(n // 2)]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.Timestamp("2024-01-01 09:00") + pd.to_timedelta(ids, unit="min"),
        }
    )


def test_all_purchases_on_one_day() -> None:
    tx = _one_day_log(40)
    # Observed on that day: everyone is censored at duration 0.
    same_day = survival_table(tx)
    assert (same_day["duration"] == 0).all() and not same_day["churned"].any()
    assert kaplan_meier(same_day).median_lifetime()["all"] == np.inf
    with pytest.raises(gk.DataError, match=r"^`churned` has no churned customers"):
        fit_churn_model(same_day, covariates=["orders"])
    # Observed a year later: everyone churned at exactly inactivity_days.
    later = survival_table(tx, observation_end="2024-12-31")
    assert (later["duration"] == 90).all() and later["churned"].all()
    assert kaplan_meier(later).median_lifetime()["all"] == 90.0
    assert logrank_test(later, groups=later["orders"] > 1).pvalue == pytest.approx(1.0)
    for kind in ("weibull", "lognormal"):
        with pytest.raises(
            gk.DataError,
            match=r"^`duration` is 90 days for every customer, so a parametric model has no "
            r"time scale to estimate: 40 rows\. Use model=\"coxph\"",
        ):
            fit_churn_model(later, model=kind, covariates=["orders"])
    with pytest.raises(
        gk.DataError,
        match=r"^`duration` is 90 days for every customer and every one churned, so the Cox "
        r"partial likelihood is flat: 40 rows",
    ):
        fit_churn_model(later, covariates=["orders"])


def test_one_common_duration_with_censoring_is_fitted_by_cox() -> None:
    # One risk set with some deaths identifies Cox's coefficient (which customers died).
    t = pd.DataFrame(
        {
            "duration": [90] * 6,
            "churned": [True, True, True, False, False, False],
            "orders": [1, 1, 2, 2, 3, 3],
        }
    )
    assert fit_churn_model(t, covariates=["orders"]).coefficients["orders"] < 0
    with pytest.raises(gk.DataError, match=r"^`duration` is 90 days for every customer, so"):
        fit_churn_model(t, model="weibull", covariates=["orders"])


def test_evaluation_when_everyone_has_churned_at_the_cutoff() -> None:
    tx = pd.concat(
        [
            _one_day_log(30),
            pd.DataFrame({"customer_id": [99], "timestamp": [pd.Timestamp("2025-01-01")]}),
        ]
    )
    with pytest.raises(
        gk.DataError, match=r"^`churned` is True for every customer at the cutoff: 30 rows"
    ):
        evaluate_early_warning(tx, cutoff="2024-12-01", horizon_days=30)


def test_unknown_and_bad_covariates(table: pd.DataFrame) -> None:
    with pytest.raises(gk.SchemaError, match=r"^`nope` covariate not found \(columns: orders"):
        fit_churn_model(table, covariates=["nope"])
    with pytest.raises(gk.SchemaError, match=r"^`cohort` must be numeric, got dtype period\[M\]"):
        fit_churn_model(table, covariates=["cohort"])
    with pytest.raises(
        gk.SchemaError, match=r"^`duration` is the outcome and cannot be a covariate"
    ):
        fit_churn_model(table, covariates=["duration"])
    with pytest.raises(gk.SchemaError, match=r"^`covariates` is empty"):
        fit_churn_model(table, covariates=[])
    with pytest.raises(gk.SchemaError, match=r"^`orders` is named more than once"):
        fit_churn_model(table, covariates=["orders", "orders"])
    with pytest.raises(gk.DataError, match=r"^`orders` has missing or infinite values: 1 rows"):
        fit_churn_model(
            table.assign(orders=table["orders"].where(table.index != table.index[0])),
            covariates=["orders"],
        )


def test_bad_options(table: pd.DataFrame, cox: ChurnModel) -> None:
    with pytest.raises(
        gk.SchemaError, match=r"^`model` must be one of 'coxph', 'weibull', 'lognormal', got 'cox'"
    ):
        fit_churn_model(table, model="cox")  # type: ignore[arg-type]
    with pytest.raises(gk.DataError, match=r"^`penalizer` must be a finite number >= 0, got -1"):
        fit_churn_model(table, penalizer=-1)
    with pytest.raises(gk.DataError, match=r"^`horizon_days` must be a positive number, got 0"):
        early_warning(cox, table, horizon_days=0)
    with pytest.raises(gk.DataError, match=r"^`n_drivers` must be an integer >= 1"):
        early_warning(cox, table, n_drivers=0)
    with pytest.raises(
        gk.DataError, match=r"^`confidence_level` must lie strictly between 0 and 1"
    ):
        kaplan_meier(table, confidence_level=1.5)
    with pytest.raises(
        gk.DataError, match=r"^`horizons` must be finite, non-negative days: 1 rows"
    ):
        cox.survival_function(table, [-1.0])


def test_bad_tables_and_groups(table: pd.DataFrame) -> None:
    with pytest.raises(
        gk.SchemaError, match=r"^`table` must be a pandas DataFrame from survival_table"
    ):
        kaplan_meier([1, 2])  # type: ignore[arg-type]
    with pytest.raises(gk.SchemaError, match=r"^`churned` column not found"):
        kaplan_meier(table.drop(columns="churned"))
    with pytest.raises(gk.SchemaError, match=r"^`churned` must be bool, got int64"):
        kaplan_meier(table.assign(churned=table["churned"].astype(np.int64)))
    with pytest.raises(
        gk.DataError, match=r"^`duration` has negative, missing or infinite values: 1 rows"
    ):
        kaplan_meier(
            table.assign(duration=table["duration"].where(table.index != table.index[0], -1))
        )
    with pytest.raises(gk.DataError, match=r"^`duration` is empty"):
        kaplan_meier(table.iloc[:0])
    with pytest.raises(gk.SchemaError, match=r"^`segment` group column not found"):
        kaplan_meier(table, groups="segment")
    partial = pd.Series("a", index=table.index[:10], name="seg")
    with pytest.raises(
        gk.DataError, match=rf"^`seg` has no group for some customers .*: {len(table) - 10} rows"
    ):
        logrank_test(table, groups=partial)
    with pytest.raises(
        gk.DataError, match=r"^`one` has 1 distinct group\(s\); the log-rank test needs at least 2"
    ):
        logrank_test(table.assign(one="x"), groups="one")
    with pytest.raises(
        gk.SchemaError, match=r"^`groups` must be a column name or a pandas Series, got int"
    ):
        kaplan_meier(table, groups=3)  # type: ignore[arg-type]


def test_bad_evaluation_input(sim_log: pd.DataFrame) -> None:
    with pytest.raises(
        gk.DataError, match=r"^`cutoff` plus horizon_days .* is after the last order"
    ):
        evaluate_early_warning(sim_log, cutoff="2024-12-01", horizon_days=90)
    with pytest.raises(gk.DataError, match=r"^`timestamp` has no orders at or before cutoff"):
        evaluate_early_warning(sim_log, cutoff="2021-06-01", horizon_days=90)
    with pytest.raises(gk.SchemaError, match=r"^`score` must be one of"):
        evaluate_early_warning(sim_log, cutoff="2024-01-01", score="rf")  # type: ignore[arg-type]
    with pytest.raises(gk.DataError, match=r"^`top_k` must be an integer >= 1"):
        evaluate_early_warning(sim_log, cutoff="2024-01-01", top_k=0)


def test_lifelines_diagnostics_become_growthkit_warnings(table: pd.DataFrame) -> None:
    # Perfect separation: the covariate is the churn flag itself. lifelines warns (its
    # ConvergenceWarning); growthkit re-emits it as a GrowthkitWarning naming the fit.
    leaky = table.assign(leak=table["churned"].astype(float))
    # Recorded by hand: pytest.warns would re-raise the unrelated deprecation warnings that
    # lifelines 0.30.0 triggers on pandas 3 (ignored by the project's filters otherwise).
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit_churn_model(leaky, covariates=["leak", "orders"])
    texts = [str(w.message) for w in record if issubclass(w.category, gk.GrowthkitWarning)]
    assert any(t.startswith("coxph fit: Column leak have very low variance") for t in texts)


def test_lifelines_failure_becomes_convergence_error(table: pd.DataFrame) -> None:
    # Collinear covariates make lifelines' Hessian singular: a ConvergenceError with the fix.
    twin = table.assign(orders2=table["orders"] * 2.0)
    with pytest.raises(gk.ConvergenceError, match=r"^`model` coxph fit did not converge: "):
        fit_churn_model(twin, covariates=["orders", "orders2"])


def test_input_table_not_mutated(table: pd.DataFrame) -> None:
    before = table.copy(deep=True)
    m = fit_churn_model(table, model="weibull", covariates=COVS)
    early_warning(m, table)
    kaplan_meier(table, groups="cohort")
    pd.testing.assert_frame_equal(table, before)


def test_plots_headless(table: pd.DataFrame, cox: ChurnModel) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from growthkit.plotting import plot_risk_distribution, plot_survival

    km = kaplan_meier(table.assign(repeat=table["orders"] > 1), groups="repeat")
    ax = plot_survival(km)
    assert len(ax.get_lines()) == 2
    ax2 = km.plot(groups_only=False, ci=False)
    assert len(ax2.get_lines()) == 3
    ax3 = plot_risk_distribution(early_warning(cox, table))
    assert ax3.get_xlabel().startswith("P(churn within 30")
    plt.close("all")


def test_evaluation_on_second_resolution_tz_aware_log(sim_log: pd.DataFrame) -> None:
    # Customers without orders before the cutoff exist in the truncated log; with
    # second ticks their placeholder times are far outside the calendar and must be ignored.
    tx = sim_log.assign(
        timestamp=sim_log["timestamp"].astype("datetime64[s]").dt.tz_localize("UTC")
    )
    ev = evaluate_early_warning(tx, cutoff="2024-03-31", horizon_days=90, score="weibull")
    ref = evaluate_early_warning(sim_log, cutoff="2024-03-31", horizon_days=90, score="weibull")
    assert ev.n_customers == ref.n_customers
    assert ev.concordance == pytest.approx(ref.concordance, rel=1e-9)
    assert str(ev.cutoff.tz) == "UTC"


def test_bool_covariate_is_fitted_as_indicator(table: pd.DataFrame) -> None:
    flagged = table.assign(repeat=table["orders"] > 1)
    m = fit_churn_model(flagged, covariates=["repeat", "mean_gap_days"])
    ref = CoxPHFitter().fit(
        flagged[["duration", "churned", "repeat", "mean_gap_days"]].astype(float),
        "duration",
        "churned",
    )
    np.testing.assert_allclose(m.coefficients.to_numpy(), ref.params_.to_numpy(), rtol=1e-6)
    assert early_warning(m, flagged).table["churn_probability"].between(0, 1).all()
