"""Campaign charts: uplift / Qini curves and the campaign's effects with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from growthkit.plotting._style import chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit.campaigns import CampaignEvaluation, UpliftEvaluation

__all__ = ["plot_campaign", "plot_uplift"]

_LABELS = {
    "winback_rate": "win-back rate",
    "orders_per_customer": "orders per customer",
    "revenue_per_customer": "revenue per customer",
    "revenue_per_order": "revenue per order",
}


def plot_uplift(
    evaluation: UpliftEvaluation,
    *,
    kind: Literal["qini", "uplift"] = "qini",
    ax: Axes | None = None,
) -> Axes:
    """The Qini (or uplift) curve of a score beside random targeting.

    The same chart as :meth:`growthkit.campaigns.UpliftEvaluation.plot`.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.campaigns.evaluate_uplift` result.
    kind
        ``"qini"`` (incremental responders, the Qini curve) or ``"uplift"`` (the uplift
        curve).
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        The curve of the score and the random line; the title gives the Qini coefficient (or AUUC).

    Raises
    ------
    SchemaError
        A ``kind`` other than the two.

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit import campaigns, plotting
    >>> rng = np.random.default_rng(0)
    >>> t, gain = rng.integers(0, 2, 500), rng.uniform(0, 0.4, 500)
    >>> y = (rng.uniform(size=500) < 0.1 + gain * t).astype(int)
    >>> ev = campaigns.evaluate_uplift(y, gain, t)
    >>> ax = plotting.plot_uplift(ev, ax=plotting.new_axes())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('share of units targeted, by score', 'incremental responders (Qini)')
    """
    from growthkit import _validate as v

    which = v.check_choice("kind", kind, ("qini", "uplift"))
    curve = evaluation.curve
    share = curve["share"].to_numpy()
    with chart(ax, (6.0, 4.0)) as ax:
        ax.plot(share, curve[which].to_numpy(), label="score", linewidth=2)
        ax.plot(share, curve[f"{which}_random"].to_numpy(), label="random", linestyle="--")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_xlabel("share of units targeted, by score")
        what = "incremental responders (Qini)" if which == "qini" else "uplift x units targeted"
        ax.set_ylabel(what)
        score = evaluation.qini_coefficient if which == "qini" else evaluation.auuc
        name = "Qini coefficient" if which == "qini" else "AUUC"
        if np.isfinite(score):
            ax.set_title(f"{name} {score:.3f}")
        ax.legend(loc="best")
    return ax


def plot_campaign(evaluation: CampaignEvaluation, *, ax: Axes | None = None) -> Axes:
    """Relative effect of the campaign on each metric, treatment vs holdout, with its CI.

    The same chart as :meth:`growthkit.campaigns.CampaignEvaluation.plot`. Significant
    effects are drawn in red, the others in grey.

    Parameters
    ----------
    evaluation
        An :func:`~growthkit.campaigns.evaluate_campaign` result.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One row per metric; the title gives the incremental revenue with its interval.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit import campaigns, plotting
    >>> sim = gk.datasets.simulate_campaign(5_000, seed=1)
    >>> ev = campaigns.evaluate_campaign(sim.orders, sim.assignment, send_date=sim.send_date)
    >>> ax = plotting.plot_campaign(ev, ax=plotting.new_axes())
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'win-back rate'
    """
    results = [
        (label, getattr(evaluation, name))
        for name, label in _LABELS.items()
        if getattr(evaluation, name) is not None
    ]
    est = np.array([float(r.relative_effect) for _, r in results])
    low = np.array([float(r.rel_ci_low) for _, r in results])
    high = np.array([float(r.rel_ci_high) for _, r in results])
    colors = ["tab:red" if bool(r.significant) else "tab:gray" for _, r in results]
    y = np.arange(len(results))[::-1]
    names = [label for label, _ in results]
    level = f"{100 * (1 - evaluation.alpha):g}%"
    with chart(ax, (6.0, 0.5 * len(results) + 1.5)) as ax:
        ax.hlines(y, low, high, colors=colors, linewidth=2)
        ax.scatter(est, y, color=colors, zorder=3)
        ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
        ax.set_yticks(y, names)
        ax.set_xlabel(f"relative effect vs holdout, {level} CI")
        ax.set_title(
            f"incremental revenue {evaluation.incremental_revenue:,.0f} "
            f"[{evaluation.incremental_revenue_ci[0]:,.0f}, "
            f"{evaluation.incremental_revenue_ci[1]:,.0f}]"
        )
    return ax
