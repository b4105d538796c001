"""A simulated win-back campaign with a random holdout and known true uplift by segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from growthkit import _validate as v
from growthkit._results import ExactFields, freeze, frozen

__all__ = ["CAMPAIGN_SEGMENTS", "SimulatedCampaign", "simulate_campaign"]

CAMPAIGN_SEGMENTS: pd.DataFrame = pd.DataFrame(
    {
        "share": [0.35, 0.30, 0.20, 0.15],
        "orders_per_year": [3.0, 1.0, 12.0, 4.0],
        "rate_uplift": [0.60, 1.00, 0.05, -0.25],
    },
    index=pd.Index(["at_risk", "lapsed", "loyal", "sleeping_dog"], name="segment"),
)
"""The default segments of :func:`simulate_campaign`: share of customers, mean purchase rate
before the campaign, and the campaign's true relative effect on the purchase rate in the
window (``-0.25``: contacted "sleeping dogs" buy a quarter less)."""


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedCampaign(ExactFields):
    """A simulated campaign: order log, assignment and the true effects.

    Attributes
    ----------
    orders
        The order log (``customer_id``, ``timestamp``, ``amount``), before and after the
        send date; every customer has at least one order before it.
    assignment
        One row per customer: ``customer_id``, ``segment``, ``arm`` (``"treatment"`` or
        ``"holdout"``), ``rate`` (true orders per day), ``mean_spend`` (true mean order
        value) and ``true_uplift`` (expected extra revenue in the window if treated).
    segments
        By segment: ``customers``, ``treated``, ``rate_uplift`` and the expected
        ``winback_uplift`` (extra share with an order in the window) and
        ``revenue_uplift`` (extra revenue per customer) over the segment's customers.
    send_date, window_days, observation_end
        The campaign's send date, its evaluation window and the end of the log
        (``send_date + window_days`` days).
    true_incremental_revenue
        Expected extra revenue the campaign caused: ``true_uplift`` summed over treated
        customers.

    Examples
    --------
    >>> import growthkit as gk
    >>> sim = gk.datasets.simulate_campaign(1_000, seed=2)
    >>> sim.send_date, sim.window_days, sim.observation_end
    (Timestamp('2024-06-01 00:00:00'), 30, Timestamp('2024-07-01 00:00:00'))
    >>> bool(sim.orders["timestamp"].max() < sim.observation_end)
    True
    >>> treated = sim.assignment["arm"] == "treatment"
    >>> bool(sim.true_incremental_revenue == sim.assignment.loc[treated, "true_uplift"].sum())
    True
    """

    orders: pd.DataFrame
    assignment: pd.DataFrame
    segments: pd.DataFrame
    send_date: pd.Timestamp
    window_days: int
    observation_end: pd.Timestamp
    true_incremental_revenue: float

    def __post_init__(self) -> None:
        for name in ("orders", "assignment", "segments"):
            object.__setattr__(self, name, frozen(getattr(self, name)))

    def __hash__(self) -> int:
        return hash((self.send_date, self.window_days, self.true_incremental_revenue))


def simulate_campaign(
    n_customers: int = 20_000,
    *,
    seed: int = 0,
    holdout_share: float = 0.2,
    send_date: str | pd.Timestamp = "2024-06-01",
    window_days: int = 30,
    history_days: int = 365,
    segments: pd.DataFrame | None = None,
) -> SimulatedCampaign:
    """Simulate a win-back campaign with a stratified random holdout and known uplift.

    Each customer belongs to a segment (:data:`CAMPAIGN_SEGMENTS` by default), buys as a
    Poisson process with rate ``lambda ~ Gamma(2, orders_per_year / 2)`` per year and spends
    ``Gamma(2, m / 2)`` per order around a personal mean ``m ~ Gamma(4, 10)``. The first
    order falls uniformly in the ``history_days`` before ``send_date``. Within each segment
    a random ``holdout_share`` of customers is held out; the others are contacted on
    ``send_date``, which multiplies their rate in the next ``window_days`` by
    ``1 + rate_uplift``.

    Parameters
    ----------
    n_customers
        Number of customers (all in the assignment, all in the log).
    seed
        Seed of the random stream: the same seed always gives the same campaign.
    holdout_share
        Share of each segment held out, in (0, 1).
    send_date
        Day of the send (midnight); the log ends ``window_days`` later.
    window_days
        Evaluation window after the send, in days.
    history_days
        Days of history before the send.
    segments
        A table like :data:`CAMPAIGN_SEGMENTS` (columns ``share``, ``orders_per_year``,
        ``rate_uplift``, indexed by segment name).

    Returns
    -------
    SimulatedCampaign
        The log, the assignment and the true effects (per customer and segment).

    Raises
    ------
    DataError
        ``n_customers`` or ``window_days`` or ``history_days`` below 1, ``holdout_share``
        outside (0, 1), or a segment table with non-positive shares or rates or an
        uplift of -1 or below.

    Notes
    -----
    A customer's expected extra revenue is ``lambda * window / 365 * rate_uplift * m``
    (Poisson orders times mean spend), and the chance of at least one order in the window
    moves from ``1 - exp(-mu)`` to ``1 - exp(-mu (1 + rate_uplift))`` with
    ``mu = lambda * window / 365``.

    Examples
    --------
    >>> import growthkit as gk
    >>> sim = gk.datasets.simulate_campaign(2_000, seed=1)
    >>> sim.assignment["arm"].value_counts().to_dict()
    {'treatment': 1601, 'holdout': 399}
    >>> list(sim.segments.index)
    ['at_risk', 'lapsed', 'loyal', 'sleeping_dog']
    >>> sim == gk.datasets.simulate_campaign(2_000, seed=1)
    True
    """
    n = v.check_positive_int("n_customers", n_customers)
    window = v.check_positive_int("window_days", window_days)
    history = v.check_positive_int("history_days", history_days)
    share = v.check_probability("holdout_share", holdout_share)
    seg = CAMPAIGN_SEGMENTS if segments is None else segments
    for col in ("share", "orders_per_year", "rate_uplift"):
        if col not in seg.columns:
            raise v.schema_error(col, "column not found in `segments`", len(seg))
    shares = v.as_float_array("share", seg["share"], ndim=1)
    v.check_positive("share", shares)
    rates = v.as_float_array("orders_per_year", seg["orders_per_year"], ndim=1)
    v.check_positive("orders_per_year", rates)
    uplift = v.as_float_array("rate_uplift", seg["rate_uplift"], ndim=1)
    if np.any(uplift <= -1.0):
        raise v.data_error(
            "rate_uplift", "is -1 or below", int(np.sum(uplift <= -1.0)), "A rate stays above 0."
        )
    send = pd.Timestamp(send_date).normalize()

    rng = np.random.default_rng(seed)
    segment = rng.choice(len(seg), size=n, p=shares / shares.sum())
    lam = rng.gamma(2.0, rates[segment] / 2.0) / 365.0  # orders per day
    mean_spend = rng.gamma(4.0, 10.0, size=n)
    holdout = np.zeros(n, dtype=bool)
    for s in range(len(seg)):
        members = np.flatnonzero(segment == s)
        k = int(np.floor(share * members.size + 0.5))
        holdout[rng.permutation(members)[:k]] = True
    treated = ~holdout
    effect = np.where(treated, uplift[segment], 0.0)

    first = rng.uniform(0.0, history, size=n)  # days before the send
    repeat = rng.poisson(lam * first)
    after = rng.poisson(lam * window * (1.0 + effect))
    who = np.concatenate(
        [
            np.arange(n),
            np.repeat(np.arange(n), repeat),
            np.repeat(np.arange(n), after),
        ]
    )
    days = np.concatenate(
        [
            -first,
            -rng.uniform(0.0, 1.0, size=int(repeat.sum())) * np.repeat(first, repeat),
            rng.uniform(0.0, window, size=int(after.sum())),
        ]
    )
    seconds = np.floor(days * 86_400).astype(np.int64)
    spend = np.round(rng.gamma(2.0, mean_spend[who] / 2.0), 2)
    order = np.lexsort((who, seconds))
    ids = np.arange(1, n + 1, dtype=np.int64)
    orders = pd.DataFrame(
        {
            "customer_id": ids[who[order]],
            "timestamp": send + pd.to_timedelta(seconds[order], unit="s"),
            "amount": spend[order],
        }
    )
    mu = lam * window
    true_uplift = mu * uplift[segment] * mean_spend
    names = np.asarray(seg.index, dtype=object)
    assignment = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": pd.Categorical(names[segment], categories=list(names)),
            "arm": np.where(treated, "treatment", "holdout").astype(object),
            "rate": lam,
            "mean_spend": mean_spend,
            "true_uplift": true_uplift,
        }
    )
    winback = np.exp(-mu) - np.exp(-mu * (1.0 + uplift[segment]))
    by_segment: Any = pd.DataFrame(
        {
            "customers": np.bincount(segment, minlength=len(seg)),
            "treated": np.bincount(segment[treated], minlength=len(seg)),
            "rate_uplift": uplift,
            "winback_uplift": _segment_mean(segment, winback, len(seg)),
            "revenue_uplift": _segment_mean(segment, true_uplift, len(seg)),
        },
        index=pd.Index(list(names), name="segment"),
    )
    return SimulatedCampaign(
        orders=freeze(orders),
        assignment=freeze(assignment),
        segments=freeze(by_segment),
        send_date=send,
        window_days=window,
        observation_end=send + pd.Timedelta(days=window),
        true_incremental_revenue=float(true_uplift[treated].sum()),
    )


def _segment_mean(segment: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(segment, minlength=k)
    sums = np.bincount(segment, weights=values, minlength=k)
    return np.divide(sums, counts, out=np.zeros(k), where=counts > 0)
