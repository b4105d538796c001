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
        plotting.plot_nothing  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'other'"):
        plotting.other  # noqa: B018
