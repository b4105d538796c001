"""Every growthkit chart in one place, with one look.

Needs matplotlib (``pip install "growthkit[plot]"``), imported only when a function is
called, so ``import growthkit.plotting`` is free.

- :func:`style` -- a context manager with the house look (used by ``python -m growthkit
  report``); wrap your own plotting code in it to match.
- Module chart helpers, re-exported under one name scheme: :func:`plot_orders_over_time`
  (foundation), :func:`plot_cohort_retention`, :func:`plot_growth` (cohorts),
  :func:`plot_segments`, :func:`plot_rf_heatmap` (RFM), :func:`plot_survival`,
  :func:`plot_risk_distribution` (churn), :func:`plot_frequency_recency_matrix`,
  :func:`plot_probability_alive_matrix`, :func:`plot_holdout_comparison`,
  :func:`plot_calibration_purchases_vs_holdout_purchases`, :func:`plot_clv_distribution`
  (CLV; the ``lifetimes`` chart names work too), :func:`plot_forest` (experiments).

Every function draws on ``ax`` when given (else on a new pyplot figure), applies the house
style to what it draws and returns the matplotlib ``Axes``. A ``plot_*`` helper that a
module adds later is reachable here too (``growthkit.plotting.<name>`` looks it up in the
analysis modules), so this namespace always lists every chart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from growthkit._prepare import Transactions
    from growthkit.churn import EarlyWarningList, KaplanMeier
    from growthkit.cohort import CohortMatrix
    from growthkit.experiments import ComparisonResult
    from growthkit.rfm import RFMResult

__all__ = [
    "PALETTE",
    "new_axes",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_clv_distribution",
    "plot_cohort_retention",
    "plot_forest",
    "plot_frequency_recency_matrix",
    "plot_growth",
    "plot_holdout_comparison",
    "plot_orders_over_time",
    "plot_probability_alive_matrix",
    "plot_risk_distribution",
    "plot_rf_heatmap",
    "plot_segments",
    "plot_survival",
    "style",
]

# where module chart helpers not wrapped above are looked up, in this order
_MODULES = (
    "growthkit.cohort",
    "growthkit.rfm",
    "growthkit.churn",
    "growthkit.clv",
    "growthkit.experiments",
)

PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
"""The house colour cycle (colour-blind safe, after Okabe & Ito 2008)."""

_RC: dict[str, Any] = {
    "figure.figsize": (7.5, 4.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": 110,
    "savefig.facecolor": "white",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "image.cmap": "Blues",
}


@contextmanager
def style() -> Iterator[None]:
    """Apply the growthkit look (fonts, grid, colour cycle) inside a ``with`` block.

    Yields
    ------
    None
        Matplotlib rc parameters are restored on exit.

    Examples
    --------
    >>> from growthkit import plotting
    >>> with plotting.style():
    ...     ax = plotting.new_axes()
    >>> ax.spines["top"].get_visible()
    False
    """
    import matplotlib as mpl
    from cycler import cycler

    params: dict[str, Any] = {**_RC, "axes.prop_cycle": cycler(color=list(PALETTE))}
    # Restore only the keys set here: a backend first resolved inside the block (the
    # notebook's inline backend) sets rc keys of its own that must outlive it, which
    # ``matplotlib.rc_context`` would undo (later figures would then not be shown).
    rc: Any = mpl.rcParams
    saved = {key: rc[key] for key in params}
    rc.update(params)
    try:
        yield
    finally:
        rc.update(saved)


def new_axes(width: float = 7.5, height: float = 4.0) -> Axes:
    """Return the Axes of a new figure that is not registered with pyplot.

    Such figures need no ``plt.close`` and work without a display (they render with Agg),
    which suits scripts and reports; in a notebook, use ``plt.subplots`` to see the chart.

    Parameters
    ----------
    width, height
        Figure size in inches.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from growthkit import plotting
    >>> ax = plotting.new_axes(4, 3)
    >>> ax.figure.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig.add_subplot()


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots()
    return new


def _styled(
    draw: Callable[..., Any], /, *args: Any, grid: bool = True, title: str = "", **kwargs: Any
) -> Axes:
    """Call a module's chart helper in the house style; heatmaps pass ``grid=False``."""
    with style():
        ax: Axes = draw(*args, **kwargs)
        if title:
            ax.set_title(title)
    if not grid:
        ax.grid(False)
    return ax


def plot_orders_over_time(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    period: Literal["D", "W", "M", "Q", "Y"] = "M",
    ax: Axes | None = None,
) -> Axes:
    """Orders per period, split into first orders (new customers) and repeat orders.

    Parameters
    ----------
    tx
        Order log or a prepared :class:`~growthkit.Transactions`.
    customer_col, time_col
        Column names.
    period
        Calendar period of the bars.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> ax = plotting.plot_orders_over_time(gk.datasets.load_cdnow(), ax=plotting.new_axes())
    >>> ax.get_title()
    'Orders per month'
    """
    from growthkit import _validate as v
    from growthkit._prepare import as_transactions, period_index

    period = v.check_period(period)
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=None)
    keys = log.period_keys(period)
    lo = int(keys.min())
    n = int(keys.max()) - lo + 1
    # period keys grow with time, so a customer's smallest key is the first order's
    first_key = np.full(log.n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_key, log.codes, keys)
    orders = np.bincount(keys - lo, minlength=n)
    new = np.bincount(first_key - lo, minlength=n)
    labels = [str(p) for p in period_index(lo + np.arange(n, dtype=np.int64), period)]
    names = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
    with style():
        ax = _axes(ax)
        x = np.arange(n)
        ax.bar(x, new, color=PALETTE[0], label="first orders")
        ax.bar(x, orders - new, bottom=new, color=PALETTE[4], label="repeat orders")
        step = max(1, n // 12)
        ax.set_xticks(x[::step])
        ax.set_xticklabels(labels[::step], rotation=45, ha="right")
        ax.set_ylabel("orders")
        ax.set_title(f"Orders per {names[period]}")
        ax.legend()
    return ax


def plot_cohort_retention(
    matrix: CohortMatrix,
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Retention heatmap of a cohort matrix (cohorts down, ages across).

    Wraps :meth:`growthkit.cohort.CohortMatrix.plot`.

    Parameters
    ----------
    matrix
        A :func:`~growthkit.cohort.cohort_matrix` result.
    ax
        Axes to draw on; a new figure when ``None``.
    annotate
        Write each cell's value; ``None`` decides by size.
    cmap
        Matplotlib colormap name.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> m = gk.cohort.cohort_matrix(gk.datasets.load_cdnow(), period="Q")
    >>> ax = plotting.plot_cohort_retention(m, ax=plotting.new_axes())
    >>> ax.get_xlabel()
    'age (Q)'
    """
    return _styled(matrix.plot, ax=ax, annotate=annotate, cmap=cmap, grid=False)


def plot_growth(table: pd.DataFrame, *, revenue: bool = False, ax: Axes | None = None) -> Axes:
    """Stacked bars of a growth-accounting table (gains up, churn down).

    Wraps :func:`growthkit.cohort.plot_growth`.

    Parameters
    ----------
    table
        A :func:`~growthkit.cohort.growth_accounting` result.
    revenue
        Plot the revenue columns (the table needs ``amount_col``).
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> table = gk.cohort.growth_accounting(gk.datasets.load_cdnow())
    >>> ax = plotting.plot_growth(table, ax=plotting.new_axes())
    >>> len(ax.patches) > 0
    True
    """
    from growthkit.cohort import plot_growth as impl

    with style():
        out = impl(table, revenue=revenue, ax=ax)
        out.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return out


def plot_segments(result: RFMResult, *, ax: Axes | None = None) -> Axes:
    """Each RFM segment's share of customers and of revenue.

    Wraps :func:`growthkit.rfm.plot_segments`.

    Parameters
    ----------
    result
        An :func:`~growthkit.rfm.rfm_scores` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> result = gk.rfm.rfm_scores(gk.datasets.load_cdnow(), amount_col="amount")
    >>> ax = plotting.plot_segments(result, ax=plotting.new_axes(7, 5))
    >>> ax.get_xlabel()
    'share'
    """
    from growthkit.rfm import plot_segments as impl

    return _styled(impl, result, ax=ax)


def plot_rf_heatmap(
    result: RFMResult,
    *,
    value: Literal["customers", "monetary"] = "customers",
    ax: Axes | None = None,
) -> Axes:
    """Customers (or mean spend) by R score and F score.

    Wraps :func:`growthkit.rfm.plot_rf_heatmap`.

    Parameters
    ----------
    result
        An :func:`~growthkit.rfm.rfm_scores` result.
    value
        ``"customers"`` or ``"monetary"``.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> result = gk.rfm.rfm_scores(gk.datasets.load_cdnow(), amount_col="amount")
    >>> ax = plotting.plot_rf_heatmap(result, ax=plotting.new_axes(5, 4))
    >>> len(ax.images)
    1
    """
    from growthkit.rfm import plot_rf_heatmap as impl

    return _styled(impl, result, value=value, ax=ax, grid=False)


def plot_survival(km: KaplanMeier, *, ax: Axes | None = None, ci: bool = True) -> Axes:
    """Kaplan-Meier curves (share of customers not yet churned by age), one per group.

    Wraps :func:`growthkit.churn.plot_survival`.

    Parameters
    ----------
    km
        A :func:`~growthkit.churn.kaplan_meier` result.
    ax
        Axes to draw on; a new figure when ``None``.
    ci
        Shade the confidence bands.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> km = churn.kaplan_meier(churn.survival_table(gk.datasets.load_cdnow()))
    >>> ax = plotting.plot_survival(km, ax=plotting.new_axes())
    >>> ax.get_ylabel()
    'share not churned'
    """
    from growthkit.churn import plot_survival as impl

    return _styled(impl, km, ax=ax, ci=ci)


def plot_risk_distribution(
    alerts: EarlyWarningList, *, ax: Axes | None = None, bins: int = 50
) -> Axes:
    """Histogram of the early-warning churn probabilities.

    Wraps :func:`growthkit.churn.plot_risk_distribution`.

    Parameters
    ----------
    alerts
        An :func:`~growthkit.churn.early_warning` result.
    ax
        Axes to draw on; a new figure when ``None``.
    bins
        Number of bins over [0, 1].

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> table = churn.survival_table(gk.datasets.load_cdnow())
    >>> alerts = churn.early_warning(churn.fit_churn_model(table, covariates=["orders"]), table)
    >>> ax = plotting.plot_risk_distribution(alerts, ax=plotting.new_axes())
    >>> ax.get_xlabel()
    'P(churn within 30 days)'
    """
    from growthkit.churn import plot_risk_distribution as impl

    title = "Early warning: churn risk of current customers"
    return _styled(impl, alerts, ax=ax, bins=bins, title=title)


def plot_frequency_recency_matrix(
    model: Any,
    *,
    T: float,
    kind: Literal["expected_purchases", "probability_alive"] = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Expected purchases in the next ``t`` (or P(alive)) by frequency and recency.

    The ``lifetimes`` chart of the same name; wraps
    :func:`growthkit.clv.plot_frequency_recency_matrix`.

    Parameters
    ----------
    model
        A fitted :class:`~growthkit.clv.BetaGeo`, ``ModifiedBetaGeo`` or ``ParetoNBD``.
    T
        Customer age shared by every cell, in the model's time unit.
    kind
        ``"expected_purchases"`` or ``"probability_alive"``.
    t
        Prediction window for expected purchases.
    max_frequency
        Largest frequency shown.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> model = gk.clv.BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> ax = plotting.plot_frequency_recency_matrix(model, T=78, t=4, ax=plotting.new_axes())
    >>> ax.get_ylabel()
    'frequency'
    """
    from growthkit.clv import plot_frequency_recency_matrix as impl

    return _styled(impl, model, T=T, kind=kind, t=t, max_frequency=max_frequency, ax=ax, grid=False)


def plot_probability_alive_matrix(
    model: Any, *, T: float, max_frequency: int | None = None, ax: Axes | None = None
) -> Axes:
    """P(alive) of a customer of age ``T`` by frequency and recency.

    The ``lifetimes`` chart of the same name: :func:`plot_frequency_recency_matrix` with
    ``kind="probability_alive"``.

    Parameters
    ----------
    model
        A fitted :class:`~growthkit.clv.BetaGeo`, ``ModifiedBetaGeo`` or ``ParetoNBD``.
    T
        Customer age shared by every cell, in the model's time unit.
    max_frequency
        Largest frequency shown.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> model = gk.clv.BetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> ax = plotting.plot_probability_alive_matrix(model, T=78, ax=plotting.new_axes())
    >>> ax.get_title()
    'BetaGeo: P(alive) (T = 78)'
    """
    return plot_frequency_recency_matrix(
        model, T=T, kind="probability_alive", max_frequency=max_frequency, ax=ax
    )


def plot_holdout_comparison(comparison: Any, *, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases, actual versus predicted, by calibration frequency.

    Wraps :func:`growthkit.clv.plot_holdout_comparison`.

    Parameters
    ----------
    comparison
        A :func:`growthkit.clv.holdout_comparison` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import clv, plotting
    >>> ch = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    ... )
    >>> comparison = clv.holdout_comparison(clv.BetaGeo.fit(ch), ch)
    >>> ax = plotting.plot_holdout_comparison(comparison, ax=plotting.new_axes())
    >>> ax.get_title()
    'Actual vs predicted holdout purchases'
    """
    from growthkit.clv import plot_holdout_comparison as impl

    title = "Actual vs predicted holdout purchases"
    return _styled(impl, comparison, ax=ax, title=title)


def plot_calibration_purchases_vs_holdout_purchases(
    model: Any, calibration_holdout: pd.DataFrame, *, n: int = 7, ax: Axes | None = None
) -> Axes:
    """The ``lifetimes`` chart of the same name: holdout purchases, actual vs predicted.

    Customers are grouped by calibration ``frequency`` (``n`` and above pooled), through
    :func:`growthkit.clv.holdout_comparison` and :func:`plot_holdout_comparison`.

    Parameters
    ----------
    model
        A purchase model fitted on the calibration columns.
    calibration_holdout
        A :func:`~growthkit.calibration_holdout_summary` result.
    n
        Pool the frequencies ``n`` and above into one group.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import plotting
    >>> ch = gk.calibration_holdout_summary(
    ...     gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    ... )
    >>> model = gk.clv.BetaGeo.fit(ch)
    >>> ax = plotting.plot_calibration_purchases_vs_holdout_purchases(
    ...     model, ch, ax=plotting.new_axes()
    ... )
    >>> len(ax.get_lines())
    2
    """
    from growthkit.clv import holdout_comparison

    return plot_holdout_comparison(
        holdout_comparison(model, calibration_holdout, max_frequency=n), ax=ax
    )


def plot_clv_distribution(
    clv: pd.Series | npt.ArrayLike, *, bins: int = 50, ax: Axes | None = None
) -> Axes:
    """Histogram of customer lifetime values, titled with the top-20 % share of value.

    Wraps :func:`growthkit.clv.plot_clv_distribution`.

    Parameters
    ----------
    clv
        Values per customer, e.g. :func:`~growthkit.clv.customer_lifetime_value`.
    bins
        Number of histogram bins.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from growthkit import plotting
    >>> ax = plotting.plot_clv_distribution([1.0, 2.0, 2.5, 40.0], ax=plotting.new_axes())
    >>> ax.get_title()
    'CLV distribution: the top 20 % of customers hold 88 % of the value'
    """
    from growthkit.clv import plot_clv_distribution as impl

    values = np.asarray(clv, dtype=np.float64)
    ordered = np.sort(values[np.isfinite(values)])[::-1]
    total = float(ordered.sum())
    top = float(ordered[: max(1, int(np.ceil(0.2 * ordered.size)))].sum())
    title = (
        f"CLV distribution: the top 20 % of customers hold {100 * top / total:.0f} % of the value"
        if total > 0
        else ""
    )
    return _styled(impl, values, bins=bins, ax=ax, title=title)


def plot_forest(
    result: ComparisonResult,
    *,
    labels: Sequence[str] | None = None,
    relative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of A/B comparisons: each effect with its confidence interval.

    Wraps :func:`growthkit.experiments.plot_forest`.

    Parameters
    ----------
    result
        A :class:`~growthkit.experiments.ComparisonResult`.
    labels
        Row labels, e.g. metric names.
    relative
        Plot relative effects.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from growthkit import experiments, plotting
    >>> res = experiments.proportion_test([100, 50], [1000, 800], [120, 45], [1000, 800])
    >>> ax = plotting.plot_forest(res, labels=["signup", "upgrade"], ax=plotting.new_axes())
    >>> len(ax.get_yticks())
    2
    """
    from growthkit.experiments import plot_forest as impl

    return _styled(impl, result, labels=labels, relative=relative, ax=ax)


def _module_plots() -> dict[str, str]:
    import importlib

    found: dict[str, str] = {}
    for module in _MODULES:
        try:
            names = getattr(importlib.import_module(module), "__all__", ())
        except ImportError:
            continue
        for name in names:
            if name.startswith("plot_"):
                found.setdefault(name, module)
    return found


def __getattr__(name: str) -> Any:
    if name.startswith("plot_"):
        module = _module_plots().get(name)
        if module is not None:
            import importlib

            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'growthkit.plotting' has no attribute {name!r}")
