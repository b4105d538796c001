from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import growthkit as gk
from growthkit import plotting


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return gk.datasets.load_cdnow()


def render(ax: Axes) -> np.ndarray[Any, Any]:
    """Render the figure to PNG and read the pixels back."""
    buf = io.BytesIO()
    fig: Any = ax.figure
    fig.savefig(buf, format="png", dpi=60)
    pixels: np.ndarray[Any, Any] = mpimg.imread(io.BytesIO(buf.getvalue()), format="png")
    return pixels


def assert_drawn(ax: Axes) -> None:
    assert isinstance(ax, Axes)
    pixels = render(ax)
    assert pixels.shape[0] > 50 and pixels.shape[1] > 50
    # more than a blank canvas: a good share of non-white pixels
    ink = (pixels[..., :3] < 0.9).any(axis=-1).mean()
    assert ink > 0.02, ink


def test_style_restores_rc() -> None:
    before = dict(matplotlib.rcParams)
    with plotting.style():
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == plotting.PALETTE[0]
    assert dict(matplotlib.rcParams) == before


def test_new_axes_is_not_registered_with_pyplot() -> None:
    ax = plotting.new_axes(4, 3)
    assert plt.get_fignums() == []
    ax.plot([0, 1], [0, 1])
    assert_drawn(ax)


def test_orders_over_time(cdnow: pd.DataFrame) -> None:
    before = cdnow.copy()
    ax = plotting.plot_orders_over_time(cdnow, period="M")
    assert_drawn(ax)
    bars: list[Any] = list(ax.patches)
    heights = [p.get_height() for p in bars]
    # first orders + repeat orders over all months = every order
    assert sum(heights) == len(cdnow)
    assert sum(heights[:18]) == cdnow["customer_id"].nunique()
    pd.testing.assert_frame_equal(cdnow, before)


def test_orders_over_time_bad_period(cdnow: pd.DataFrame) -> None:
    with pytest.raises(gk.SchemaError, match=r"`period`"):
        plotting.plot_orders_over_time(cdnow, period="H")  # type: ignore[arg-type]


def test_cohort_plots(cdnow: pd.DataFrame) -> None:
    m = gk.cohort.cohort_matrix(cdnow, period="M")
    assert_drawn(plotting.plot_cohort_retention(m))
    table = gk.cohort.growth_accounting(cdnow, amount_col="amount")
    assert_drawn(plotting.plot_growth(table))
    assert_drawn(plotting.plot_growth(table, revenue=True))


def test_rfm_plots(cdnow: pd.DataFrame) -> None:
    result = gk.rfm.rfm_scores(cdnow, amount_col="amount")
    assert_drawn(plotting.plot_segments(result))
    assert_drawn(plotting.plot_rf_heatmap(result, value="monetary"))


def test_churn_plots(cdnow: pd.DataFrame) -> None:
    from growthkit import churn

    table = churn.survival_table(cdnow)
    assert_drawn(plotting.plot_survival(churn.kaplan_meier(table, groups="cohort")))
    model = churn.fit_churn_model(table, covariates=["orders"])
    assert_drawn(plotting.plot_risk_distribution(churn.early_warning(model, table)))


def test_clv_plots(cdnow: pd.DataFrame) -> None:
    ch = gk.calibration_holdout_summary(cdnow, calibration_end="1997-09-30", period="W")
    model = gk.clv.BetaGeo.fit(ch)
    assert_drawn(plotting.plot_frequency_recency_matrix(model, T=39, t=4))
    assert_drawn(plotting.plot_probability_alive_matrix(model, T=39))
    ax = plotting.plot_calibration_purchases_vs_holdout_purchases(model, ch, n=5)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "5+"
    assert_drawn(ax)
    s = gk.customer_summary(cdnow, amount_col="amount", period="W")
    repeat = s[s["frequency"] > 0]
    gg = gk.clv.GammaGamma.fit(repeat["frequency"], repeat["monetary_value"])
    clv = gk.clv.customer_lifetime_value(model, gg, s, time_unit_days=7)
    ax = plotting.plot_clv_distribution(clv)
    assert "top 20 %" in ax.get_title()
    assert_drawn(ax)


def test_forest_plot() -> None:
    res = gk.experiments.proportion_test([100, 50, 30], [1000] * 3, [120, 45, 31], [1000] * 3)
    ax = plotting.plot_forest(res, labels=["a", "b", "c"], relative=True)
    assert_drawn(ax)


@pytest.fixture(scope="module")
def inputs(cdnow: pd.DataFrame) -> dict[str, Any]:
    """One input of every kind a chart takes, computed once."""
    from growthkit import churn

    table = churn.survival_table(cdnow)
    ch = gk.calibration_holdout_summary(cdnow, calibration_end="1997-09-30", period="W")
    model = gk.clv.BetaGeo.fit(ch)
    events = gk.datasets.simulate_events(500, seed=3)
    rng = np.random.default_rng(0)
    t, gain = rng.integers(0, 2, 500), rng.uniform(0, 0.4, 500)
    y = (rng.uniform(size=500) < 0.1 + gain * t).astype(int)
    sim = gk.datasets.simulate_campaign(5_000, seed=1)
    return {
        "tx": cdnow,
        "matrix": gk.cohort.cohort_matrix(cdnow, period="Q"),
        "growth": gk.cohort.growth_accounting(cdnow, period="Q", amount_col="amount"),
        "rfm": gk.rfm.rfm_scores(cdnow, amount_col="amount"),
        "km": churn.kaplan_meier(table, groups="cohort"),
        "alerts": churn.early_warning(churn.fit_churn_model(table, covariates=["orders"]), table),
        "model": model,
        "ch": ch,
        "comparison": gk.clv.holdout_comparison(model, ch),
        "clv": np.array([1.0, 2.0, 2.5, 40.0, np.nan]),
        "evaluation": churn.evaluate_early_warning(
            cdnow, cutoff="1997-12-31", horizon_days=30, top_k=50
        ),
        "funnel": gk.funnel.funnel(events, ["visit", "view", "purchase"], window="1D", by="device"),
        "activity": gk.funnel.activity(events),
        "uplift": gk.campaigns.evaluate_uplift(y, gain, t),
        "campaign": gk.campaigns.evaluate_campaign(
            sim.orders, sim.assignment, send_date=sim.send_date
        ),
        "ab": gk.experiments.proportion_test([100, 50], [1000, 800], [130, 45], [1000, 800]),
    }


# every public chart with a call on the inputs above
CHARTS: dict[str, Callable[[dict[str, Any], Axes | None], Axes]] = {
    "plot_orders_over_time": lambda d, ax: plotting.plot_orders_over_time(d["tx"], ax=ax),
    "plot_cohort_retention": lambda d, ax: plotting.plot_cohort_retention(d["matrix"], ax=ax),
    "plot_growth": lambda d, ax: plotting.plot_growth(d["growth"], revenue=True, ax=ax),
    "plot_segments": lambda d, ax: plotting.plot_segments(d["rfm"], ax=ax),
    "plot_rf_heatmap": lambda d, ax: plotting.plot_rf_heatmap(d["rfm"], ax=ax),
    "plot_survival": lambda d, ax: plotting.plot_survival(d["km"], ax=ax),
    "plot_risk_distribution": lambda d, ax: plotting.plot_risk_distribution(d["alerts"], ax=ax),
    "plot_calibration": lambda d, ax: plotting.plot_calibration(d["evaluation"], ax=ax),
    "plot_lift": lambda d, ax: plotting.plot_lift(d["evaluation"], ax=ax),
    # two panels: the calibration panel is checked here, the pair in its own test
    "plot_evaluation": lambda d, ax: plotting.plot_evaluation(
        d["evaluation"], ax=None if ax is None else (ax, plotting.new_axes())
    )[0],
    "plot_frequency_recency_matrix": lambda d, ax: plotting.plot_frequency_recency_matrix(
        d["model"], T=39, ax=ax
    ),
    "plot_probability_alive_matrix": lambda d, ax: plotting.plot_probability_alive_matrix(
        d["model"], T=39, ax=ax
    ),
    "plot_holdout_comparison": lambda d, ax: plotting.plot_holdout_comparison(
        d["comparison"], ax=ax
    ),
    "plot_calibration_purchases_vs_holdout_purchases": lambda d, ax: (
        plotting.plot_calibration_purchases_vs_holdout_purchases(d["model"], d["ch"], ax=ax)
    ),
    "plot_clv_distribution": lambda d, ax: plotting.plot_clv_distribution(d["clv"], ax=ax),
    "plot_forest": lambda d, ax: plotting.plot_forest(d["ab"], ax=ax),
    "plot_funnel": lambda d, ax: plotting.plot_funnel(d["funnel"], ax=ax),
    "plot_funnel_steps": lambda d, ax: plotting.plot_funnel_steps(d["funnel"], ax=ax),
    "plot_stickiness": lambda d, ax: plotting.plot_stickiness(d["activity"], ax=ax),
    "plot_uplift": lambda d, ax: plotting.plot_uplift(d["uplift"], ax=ax),
    "plot_campaign": lambda d, ax: plotting.plot_campaign(d["campaign"], ax=ax),
}


def test_every_chart_has_a_render_test() -> None:
    assert set(CHARTS) == {name for name in plotting.__all__ if name.startswith("plot_")}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_renders_in_the_house_style(name: str, inputs: dict[str, Any]) -> None:
    # on a new pyplot figure: the house look (no top spine, white face) without a style block
    ax = CHARTS[name](inputs, None)
    assert plt.get_fignums() == [1]
    assert ax.spines["top"].get_visible() is False
    assert_drawn(ax)
    # on the caller's axes: drawn there and returned
    given = plotting.new_axes()
    assert CHARTS[name](inputs, given) is given
    assert_drawn(given)
    assert plt.get_fignums() == [1]


def test_plotting_is_one_namespace() -> None:
    # no lookup into the analysis modules: every chart is defined in growthkit.plotting
    assert "__getattr__" not in vars(plotting)
    for name in plotting.__all__:
        obj = getattr(plotting, name)
        module = getattr(obj, "__module__", "growthkit.plotting._style")
        assert module.startswith("growthkit.plotting._"), (name, module)


# each result's plot() method and the plotting function that draws its chart
METHODS: dict[str, tuple[str, Callable[..., Any]]] = {
    "CohortMatrix.plot": ("matrix", plotting.plot_cohort_retention),
    "KaplanMeier.plot": ("km", plotting.plot_survival),
    "ComparisonResult.plot": ("ab", plotting.plot_forest),
    "FunnelResult.plot": ("funnel", plotting.plot_funnel),
    "ActivityResult.plot": ("activity", plotting.plot_stickiness),
    "UpliftEvaluation.plot": ("uplift", plotting.plot_uplift),
    "CampaignEvaluation.plot": ("campaign", plotting.plot_campaign),
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_plot_methods_draw_the_plotting_chart(method: str, inputs: dict[str, Any]) -> None:
    key, chart = METHODS[method]
    result = inputs[key]
    assert type(result).__name__ == method.split(".")[0]
    by_method = result.plot(ax=plotting.new_axes())
    by_function = chart(result, ax=plotting.new_axes())
    assert np.array_equal(render(by_method), render(by_function))


def test_evaluation_plot_method_draws_the_plotting_pair(inputs: dict[str, Any]) -> None:
    ev = inputs["evaluation"]
    by_method = ev.plot(ax=(plotting.new_axes(), plotting.new_axes()))
    by_function = plotting.plot_evaluation(ev, ax=(plotting.new_axes(), plotting.new_axes()))
    for a, b in zip(by_method, by_function, strict=True):
        assert np.array_equal(render(a), render(b))


def test_analysis_modules_have_no_chart_functions() -> None:
    # one name per chart: the charts live in growthkit.plotting only
    import importlib

    for module in (
        "summary",
        "rfm",
        "cohort",
        "churn",
        "clv",
        "experiments",
        "funnel",
        "campaigns",
    ):
        mod = importlib.import_module(f"growthkit.{module}")
        assert not [n for n in mod.__all__ if n.startswith("plot")], module


def test_evaluation_pair(inputs: dict[str, Any]) -> None:
    calib, lift = plotting.plot_evaluation(inputs["evaluation"])
    assert calib.figure is lift.figure
    assert calib.get_ylabel() == "observed churn rate"
    assert lift.get_ylabel() == "lift over the base rate"
    assert_drawn(lift)


def test_survival_groups_only_and_cohort_skip_age0(inputs: dict[str, Any]) -> None:
    km = inputs["km"]
    groups = plotting.plot_survival(km, ax=plotting.new_axes(), ci=False)
    every = plotting.plot_survival(km, groups_only=False, ci=False, ax=plotting.new_axes())
    assert len(every.get_lines()) == len(groups.get_lines()) + 1
    m = inputs["matrix"]
    scaled = plotting.plot_cohort_retention(m, ax=plotting.new_axes())
    full = plotting.plot_cohort_retention(m, skip_age0=False, ax=plotting.new_axes())
    assert scaled.images[0].get_clim()[1] < full.images[0].get_clim()[1] == 1.0


PLOTS: list[Callable[..., Axes]] = [
    getattr(plotting, name) for name in plotting.__all__ if name.startswith("plot_")
]


@pytest.mark.parametrize("fn", PLOTS, ids=lambda f: f.__name__)
def test_every_plot_takes_ax_and_documents_axes(fn: Callable[..., Axes]) -> None:
    import inspect

    params = inspect.signature(fn).parameters
    assert params["ax"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["ax"].default is None
    assert "matplotlib.axes.Axes" in (fn.__doc__ or "")


def test_plotting_import_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, growthkit.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_module_plot_is_reachable_from_plotting() -> None:
    import importlib

    for module in ("cohort", "rfm", "churn", "clv", "experiments"):
        mod = importlib.import_module(f"growthkit.{module}")
        for name in getattr(mod, "__all__", ()):
            if name.startswith("plot_"):
                assert callable(getattr(plotting, name)), (module, name)
    with pytest.raises(AttributeError, match="has no attribute 'plot_nothing'"):
        plotting.plot_nothing  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'other'"):
        plotting.other  # type: ignore[attr-defined]  # noqa: B018
