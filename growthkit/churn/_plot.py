"""Plot helpers (matplotlib is imported lazily: install the ``plot`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from growthkit.churn._evaluation import EarlyWarningEvaluation
    from growthkit.churn._models import KaplanMeier
    from growthkit.churn._warning import EarlyWarningList

__all__ = [
    "plot_calibration",
    "plot_evaluation",
    "plot_lift",
    "plot_risk_distribution",
    "plot_survival",
]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots()
    return new


def plot_survival(
    km: KaplanMeier, *, ax: Any = None, groups_only: bool = True, ci: bool = True
) -> Any:
    """Kaplan-Meier curves with confidence bands, one per group.

    Parameters
    ----------
    km
        A :func:`~growthkit.churn.kaplan_meier` result.
    ax
        Matplotlib Axes to draw on; a new figure when ``None``.
    groups_only
        With groups, draw the groups but not the overall curve.
    ci
        Shade the pointwise confidence bands.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import growthkit as gk
    >>> from growthkit.churn import kaplan_meier, plot_survival, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> ax = plot_survival(kaplan_meier(table, groups="cohort"))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['1997-01', '1997-02', '1997-03']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('days since first order', 'share not churned')
    >>> plt.close(ax.figure)
    """
    ax = _axes(ax)
    frame = km.to_frame()
    keys = [str(k) for k in km.by_group] if km.by_group and groups_only else None
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


def plot_risk_distribution(alerts: EarlyWarningList, *, ax: Any = None, bins: int = 50) -> Any:
    """Histogram of the early-warning churn probabilities.

    Parameters
    ----------
    alerts
        An :func:`~growthkit.churn.early_warning` result.
    ax
        Matplotlib Axes to draw on; a new figure when ``None``.
    bins
        Number of histogram bins over [0, 1].

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    Drawing on a figure outside pyplot (no display or ``plt.close`` needed):

    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, fit_churn_model, survival_table
    >>> from growthkit.churn import plot_risk_distribution
    >>> from growthkit.plotting import new_axes
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> cox = fit_churn_model(table, covariates=["orders"])
    >>> alerts = early_warning(cox, table, horizon_days=30)
    >>> ax = plot_risk_distribution(alerts, ax=new_axes(), bins=20)
    >>> ax.get_xlabel(), len(ax.patches)
    ('P(churn within 30 days)', 20)
    """
    ax = _axes(ax)
    p = alerts.table["churn_probability"].to_numpy(dtype=np.float64)
    ax.hist(p, bins=np.linspace(0.0, 1.0, bins + 1))
    ax.set_xlabel(f"P(churn within {alerts.horizon_days:g} days)")
    ax.set_ylabel("customers")
    return ax


def plot_calibration(evaluation: EarlyWarningEvaluation, *, ax: Any = None) -> Any:
    """Calibration curve: observed churn rate against mean probability, by decile.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    ax
        Matplotlib Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning, plot_calibration
    >>> from growthkit.plotting import new_axes
    >>> ev = evaluate_early_warning(gk.datasets.load_cdnow(), cutoff="1997-12-31",
    ...                             horizon_days=30, top_k=50)
    >>> plot_calibration(ev, ax=new_axes()).get_ylabel()
    'observed churn rate'
    """
    ax = _axes(ax)
    table = evaluation.calibration
    ax.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", label="perfect")
    ax.plot(table["mean_probability"], table["churn_rate"], marker="o", label=evaluation.score)
    ax.set_xlabel(f"predicted P(churn within {evaluation.horizon_days:g} days)")
    ax.set_ylabel("observed churn rate")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.legend()
    return ax


def plot_lift(evaluation: EarlyWarningEvaluation, *, ax: Any = None) -> Any:
    """Cumulative lift of the top of each ranking (model and baselines) over the base rate.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    ax
        Matplotlib Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning, plot_lift
    >>> from growthkit.plotting import new_axes
    >>> ev = evaluate_early_warning(gk.datasets.load_cdnow(), cutoff="1997-12-31",
    ...                             horizon_days=30, top_k=50)
    >>> [line.get_label() for line in plot_lift(ev, ax=new_axes()).get_lines()]
    ['mbgnbd', 'days_since_last', 'rfm_score', 'base_rate']
    """
    ax = _axes(ax)
    ranking = evaluation.ranking.sort_index()
    y = ranking["churned_after"].to_numpy(dtype=np.float64)
    base = max(float(y.mean()), 1e-12)
    share = np.arange(1, len(y) + 1) / max(len(y), 1)
    scores = {
        evaluation.score: ranking["churn_probability"].to_numpy(dtype=np.float64),
        "days_since_last": ranking["days_since_last"].to_numpy(dtype=np.float64),
        "rfm_score": -ranking["rfm_score"].to_numpy(dtype=np.float64),
    }
    for name, score in scores.items():
        hits = np.cumsum(y[np.argsort(-score, kind="stable")])
        ax.plot(share, hits / np.arange(1, len(y) + 1) / base, label=name)
    ax.axhline(1.0, linestyle="--", color="grey", label="base_rate")
    ax.set_xlabel("share of current customers contacted (highest score first)")
    ax.set_ylabel("lift over the base rate")
    ax.legend()
    return ax


def plot_evaluation(evaluation: EarlyWarningEvaluation, *, axes: Any = None) -> Any:
    """Calibration curve and lift curve side by side (``EarlyWarningEvaluation.plot``).

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.churn.evaluate_early_warning` result.
    axes
        Two matplotlib Axes to draw on; a new figure with two panels when ``None``.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(calibration, lift)``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning
    >>> from growthkit.plotting import new_axes
    >>> ev = evaluate_early_warning(gk.datasets.load_cdnow(), cutoff="1997-12-31",
    ...                             horizon_days=30, top_k=50)
    >>> calib, lift = ev.plot(axes=(new_axes(), new_axes()))
    >>> calib.get_ylabel(), lift.get_ylabel()
    ('observed churn rate', 'lift over the base rate')
    """
    if axes is None:
        import matplotlib.pyplot as plt

        _, pair = plt.subplots(1, 2, figsize=(10, 4))
        axes = (pair[0], pair[1])
    first, second = axes
    return plot_calibration(evaluation, ax=first), plot_lift(evaluation, ax=second)
