"""Churn charts: Kaplan-Meier survival curves and the early-warning risk histogram."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthkit.plotting._style import axes, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.churn import EarlyWarningList, KaplanMeier

__all__ = ["plot_risk_distribution", "plot_survival"]


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
    with style():
        ax = axes(ax)
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
    with style():
        ax = axes(ax)
        ax.hist(p, bins=np.linspace(0.0, 1.0, bins + 1).tolist())
        ax.set_xlabel(f"P(churn within {alerts.horizon_days:g} days)")
        ax.set_ylabel("customers")
        ax.set_title("Early warning: churn risk of current customers")
    return ax
