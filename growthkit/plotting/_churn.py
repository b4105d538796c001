"""Churn charts: survival curves, the early-warning risk histogram and its evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from growthkit.plotting._style import chart, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.churn import EarlyWarningEvaluation, EarlyWarningList, KaplanMeier

__all__ = [
    "plot_calibration",
    "plot_evaluation",
    "plot_lift",
    "plot_risk_distribution",
    "plot_survival",
]


def plot_survival(
    km: KaplanMeier, *, ax: Axes | None = None, groups_only: bool = True, ci: bool = True
) -> Axes:
    """Kaplan-Meier curves (share of customers not yet churned by age), one per group.

    The same chart as :meth:`growthkit.churn.KaplanMeier.plot`.

    Parameters
    ----------
    km
        A :func:`~growthkit.churn.kaplan_meier` result.
    ax
        Axes to draw on; a new figure when ``None``.
    groups_only
        With groups, draw the groups but not the overall curve.
    ci
        Shade the pointwise confidence bands.

    Returns
    -------
    matplotlib.axes.Axes
        One step curve per group, the y axis from 0 to 1.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> table = churn.survival_table(gk.datasets.load_cdnow())
    >>> km = churn.kaplan_meier(table, groups="cohort")
    >>> ax = plotting.plot_survival(km, ax=plotting.new_axes())
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['1997-01', '1997-02', '1997-03']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('days since first order', 'share not churned')
    """
    frame = km.to_frame()
    keys = [str(k) for k in km.by_group] if km.by_group and groups_only else None
    with chart(ax) as ax:
        for label, part in frame.groupby("group", sort=False):
            if keys is not None and label not in keys:
                continue
            (line,) = ax.step(part["duration"], part["survival"], where="post", label=str(label))
            if ci:
                ax.fill_between(
                    part["duration"],
                    part["ci_low"],
                    part["ci_high"],
                    step="post",
                    alpha=0.2,
                    color=line.get_color(),
                )
        ax.set_xlabel("days since first order")
        ax.set_ylabel("share not churned")
        ax.set_ylim(0.0, 1.02)
        if km.group_name:
            ax.legend(title=km.group_name)
    return ax


def plot_risk_distribution(
    alerts: EarlyWarningList, *, ax: Axes | None = None, bins: int = 50
) -> Axes:
    """Histogram of the early-warning churn probabilities.

    Parameters
    ----------
    alerts
        An :func:`~growthkit.churn.early_warning` result.
    ax
        Axes to draw on; a new figure when ``None``.
    bins
        Number of histogram bins over [0, 1].

    Returns
    -------
    matplotlib.axes.Axes
        The histogram, titled "Early warning: churn risk of current customers".

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> table = churn.survival_table(gk.datasets.load_cdnow())
    >>> cox = churn.fit_churn_model(table, covariates=["orders"])
    >>> alerts = churn.early_warning(cox, table, horizon_days=30)
    >>> ax = plotting.plot_risk_distribution(alerts, ax=plotting.new_axes(), bins=20)
    >>> ax.get_xlabel(), len(ax.patches)
    ('P(churn within 30 days)', 20)
    >>> ax.get_title()
    'Early warning: churn risk of current customers'
    """
    p = alerts.table["churn_probability"].to_numpy(dtype=np.float64)
    with chart(ax) as ax:
        ax.hist(p, bins=np.linspace(0.0, 1.0, bins + 1).tolist())
        ax.set_xlabel(f"P(churn within {alerts.horizon_days:g} days)")
        ax.set_ylabel("customers")
        ax.set_title("Early warning: churn risk of current customers")
    return ax


def plot_calibration(evaluation: EarlyWarningEvaluation, *, ax: Axes | None = None) -> Axes:
    """Calibration curve: observed churn rate against mean predicted probability, by decile.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The model's decile points beside the diagonal of perfect calibration.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> ev = churn.evaluate_early_warning(
    ...     gk.datasets.load_cdnow(), cutoff="1997-12-31", horizon_days=30, top_k=50
    ... )
    >>> ax = plotting.plot_calibration(ev, ax=plotting.new_axes())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('predicted P(churn within 30 days)', 'observed churn rate')
    """
    table = evaluation.calibration
    with chart(ax) as ax:
        ax.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", label="perfect")
        ax.plot(table["mean_probability"], table["churn_rate"], marker="o", label=evaluation.score)
        ax.set_xlabel(f"predicted P(churn within {evaluation.horizon_days:g} days)")
        ax.set_ylabel("observed churn rate")
        ax.set_xlim(0.0, 1.0)
        ax.set_ylim(0.0, 1.02)
        ax.legend()
    return ax


def plot_lift(evaluation: EarlyWarningEvaluation, *, ax: Axes | None = None) -> Axes:
    """Cumulative lift of the top of each ranking (model and baselines) over the base rate.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One lift curve per ranking (model, days since last order, RFM score).

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> ev = churn.evaluate_early_warning(
    ...     gk.datasets.load_cdnow(), cutoff="1997-12-31", horizon_days=30, top_k=50
    ... )
    >>> ax = plotting.plot_lift(ev, ax=plotting.new_axes())
    >>> [line.get_label() for line in ax.get_lines()]
    ['mbgnbd', 'days_since_last', 'rfm_score', 'base_rate']
    """
    ranking = evaluation.ranking.sort_index()
    y = ranking["churned_after"].to_numpy(dtype=np.float64)
    base = max(float(y.mean()), 1e-12)
    share = np.arange(1, len(y) + 1) / max(len(y), 1)
    scores = {
        evaluation.score: ranking["churn_probability"].to_numpy(dtype=np.float64),
        "days_since_last": ranking["days_since_last"].to_numpy(dtype=np.float64),
        "rfm_score": -ranking["rfm_score"].to_numpy(dtype=np.float64),
    }
    with chart(ax) as ax:
        for name, score in scores.items():
            hits = np.cumsum(y[np.argsort(-score, kind="stable")])
            ax.plot(share, hits / np.arange(1, len(y) + 1) / base, label=name)
        ax.axhline(1.0, linestyle="--", color="grey", label="base_rate")
        ax.set_xlabel("share of current customers contacted (highest score first)")
        ax.set_ylabel("lift over the base rate")
        ax.legend()
    return ax


def plot_evaluation(
    evaluation: EarlyWarningEvaluation, *, ax: Sequence[Axes] | None = None
) -> tuple[Axes, Axes]:
    """Calibration curve and lift curve side by side.

    The same charts as :meth:`growthkit.churn.EarlyWarningEvaluation.plot`:
    :func:`plot_calibration` on the left, :func:`plot_lift` on the right.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    ax
        Two matplotlib.axes.Axes to draw on (calibration, lift); a new figure with two
        panels when ``None``.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(calibration, lift)``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import churn, plotting
    >>> ev = churn.evaluate_early_warning(
    ...     gk.datasets.load_cdnow(), cutoff="1997-12-31", horizon_days=30, top_k=50
    ... )
    >>> calib, lift = plotting.plot_evaluation(ev, ax=(plotting.new_axes(), plotting.new_axes()))
    >>> calib.get_ylabel(), lift.get_ylabel()
    ('observed churn rate', 'lift over the base rate')
    """
    if ax is None:
        import matplotlib.pyplot as plt

        with style():
            _, pair = plt.subplots(1, 2, figsize=(10, 4))
        ax = (pair[0], pair[1])
    first, second = ax
    return plot_calibration(evaluation, ax=first), plot_lift(evaluation, ax=second)
