"""Bundled and simulated transaction logs.

- :func:`load_cdnow` -- the public CDNOW sample transaction log (Fader & Hardie).
- :func:`load_cdnow_summary` -- its published per-customer calibration summary.
- :func:`simulate_transactions` -- a synthetic buy-till-you-die order log.
- :func:`simulate_events` -- a synthetic e-commerce event log (visit .. purchase funnel).
- :func:`simulate_campaign` -- a win-back campaign with a random holdout and known uplift.

The CDNOW files ship inside the package (``growthkit/datasets/data``); their source and terms
are stated in ``data/README.md`` there.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from growthkit.datasets._campaign import CAMPAIGN_SEGMENTS, SimulatedCampaign, simulate_campaign
from growthkit.errors import DataError

__all__ = [
    "CAMPAIGN_SEGMENTS",
    "EVENT_STEPS",
    "SimulatedCampaign",
    "load_cdnow",
    "load_cdnow_summary",
    "simulate_campaign",
    "simulate_events",
    "simulate_transactions",
]


def _read_csv(name: str, **kwargs: object) -> pd.DataFrame:
    with resources.files(__package__).joinpath("data").joinpath(name).open("rb") as raw:
        with gzip.open(raw, "rt") as text:
            return pd.read_csv(text, **kwargs)  # type: ignore[call-overload, no-any-return]


def load_cdnow() -> pd.DataFrame:
    """Load the CDNOW sample transaction log.

    Every purchase (6,919 rows) made from 1997-01-01 to 1998-06-30 by the 2,357 customers of
    Fader & Hardie's 1/10th systematic sample of the customers who made their first purchase
    at CDNOW in the first quarter of 1997.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int64, 1..2357), ``timestamp`` (datetime64, day
        resolution), ``amount`` (float64, US dollars) and ``quantity`` (CDs bought), sorted by
        customer and time as published.

    Notes
    -----
    The standard BTYD calibration period ends on 1997-09-30 (39 weeks); the published
    summary of that period is :func:`load_cdnow_summary`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    The data set is distributed by Bruce Hardie for research and teaching; the bundled copy
    comes from the MIT-licensed ``Lifetimes`` 0.11.3 wheel (see ``data/README.md``).

    Examples
    --------
    >>> import growthkit as gk
    >>> tx = gk.datasets.load_cdnow()
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    """
    raw = _read_csv("cdnow_sample.csv.gz", dtype={"date": str})
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("int64"),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype("float64"),
            "quantity": raw["quantity"].astype("int64"),
        }
    )


def load_cdnow_summary() -> pd.DataFrame:
    """Load the published calibration summary of the CDNOW sample.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with ``frequency`` (repeat purchases, x), ``recency``
        (t_x, weeks), ``T`` (weeks) and ``monetary_value`` (mean repeat-purchase value,
        zbar), for the calibration period 1997-01-01 .. 1997-09-30, rounded to two decimals as
        published.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2); Fader & Hardie (2013), "The
    Gamma-Gamma Model of Monetary Value".

    Examples
    --------
    >>> import growthkit as gk
    >>> gk.datasets.load_cdnow_summary().loc[1].tolist()
    [2.0, 30.43, 38.86, 22.35]
    """
    raw = _read_csv("cdnow_summary_published.csv.gz")
    out = raw.set_index("customer_id").astype("float64")
    out["frequency"] = out["frequency"].astype("int64")
    return out


def simulate_transactions(
    n_customers: int,
    *,
    start: str | pd.Timestamp = "2022-01-01",
    end: str | pd.Timestamp = "2024-12-31",
    seed: int = 0,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    acquisition_end: str | pd.Timestamp | None = None,
    id_type: Literal["int", "str", "category"] = "int",
) -> pd.DataFrame:
    """Simulate an order log from a BG/NBD buy-till-you-die process with gamma spend.

    Each customer is acquired (makes a first order) at a uniformly random time between
    ``start`` and ``acquisition_end``, then buys as a Poisson process with rate
    ``lambda ~ Gamma(r, alpha)`` (per week) and may drop out after each repeat purchase with
    probability ``p_drop ~ Beta(a, b)`` (Fader, Hardie & Lee 2005). Order values follow the
    gamma-gamma model: ``nu ~ Gamma(q, v)`` per customer, each order ``~ Gamma(p, nu)``
    (Fader & Hardie 2013). The defaults are the published CDNOW estimates, so a log looks
    like CDNOW's: about 3 orders per customer over 3 years.

    Parameters
    ----------
    n_customers
        Number of customers. Orders are about ``3 * n_customers`` with the defaults over
        three years: ``n_customers=3_300_000`` gives roughly 10^7 orders.
    start, end
        The observation window; orders fall in ``[start, end)``.
    seed
        Seed of the random stream: the same seed always gives the same log.
    r, alpha, a, b
        BG/NBD parameters, time unit one week.
    p, q, v
        Gamma-gamma spend parameters.
    acquisition_end
        Last possible first-order time; defaults to ``end``, so cohorts span the window.
    id_type
        dtype of ``customer_id``: ``"int"`` (int64), ``"str"`` (``"C0000042"``-style
        strings, object dtype) or ``"category"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``timestamp`` (datetime64[ns], second resolution) and
        ``amount`` (float64), sorted by time.

    Raises
    ------
    DataError
        If ``n_customers`` < 1, a parameter is not positive, or ``end <= start``.

    Examples
    --------
    >>> import growthkit as gk
    >>> tx = gk.datasets.simulate_transactions(1000, seed=1)
    >>> sorted(tx.columns)
    ['amount', 'customer_id', 'timestamp']
    >>> tx.equals(gk.datasets.simulate_transactions(1000, seed=1))
    True
    """
    from growthkit._kernels.simulate import count_orders, order_times

    if int(n_customers) < 1:
        raise DataError(f"`n_customers` must be at least 1, got {n_customers}: 0 rows.")
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q, "v": v}.items():
        if not (np.isfinite(value) and value > 0):
            raise DataError(f"`{name}` must be a positive finite number, got {value}: 1 rows.")
    t0 = pd.Timestamp(start)
    t1 = pd.Timestamp(end)
    acq = pd.Timestamp(acquisition_end) if acquisition_end is not None else t1
    if t1 <= t0 or acq <= t0 or acq > t1:
        raise DataError("`end` must be after `start` (and `acquisition_end` within): 1 rows.")
    n = int(n_customers)
    rng = np.random.default_rng(seed)
    week_ns = 7 * 86_400 * 10**9
    span_weeks = (t1 - t0).value / week_ns
    acq_weeks = (acq - t0).value / week_ns
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    lam = np.maximum(lam, 1e-12)
    p_drop = rng.beta(a, b, size=n)
    first = rng.uniform(0.0, acq_weeks, size=n)
    horizon = span_weeks - first
    kernel_seed = int(rng.integers(0, 2**31 - 1))
    counts = count_orders(lam, p_drop, horizon, kernel_seed)
    offsets = order_times(lam, p_drop, horizon, counts, kernel_seed)
    customer = np.repeat(np.arange(n, dtype=np.int64), counts)
    weeks = first[customer] + offsets
    seconds = np.floor(weeks * (7 * 86_400)).astype(np.int64)
    timestamps = t0.value + seconds * 10**9
    nu = rng.gamma(q, 1.0 / v, size=n)
    amounts = rng.gamma(p, 1.0 / nu[customer])
    amounts = np.round(amounts, 2)
    order = np.argsort(timestamps, kind="stable")
    ids = customer[order] + 1
    id_values: object
    if id_type == "int":
        id_values = ids
    elif id_type == "str":
        labels = np.array([f"C{i:07d}" for i in range(1, n + 1)], dtype=object)
        id_values = labels[ids - 1]
    elif id_type == "category":
        labels = np.array([f"C{i:07d}" for i in range(1, n + 1)], dtype=object)
        id_values = pd.Categorical.from_codes(cast(Any, ids - 1), categories=pd.Index(labels))
    else:
        raise DataError(f"`id_type` must be 'int', 'str' or 'category', got {id_type!r}: 1 rows.")
    return pd.DataFrame(
        {
            "customer_id": id_values,
            "timestamp": pd.to_datetime(timestamps[order], unit="ns"),
            "amount": amounts[order],
        }
    )


EVENT_STEPS: tuple[str, ...] = ("visit", "view", "add_to_cart", "checkout", "purchase")
"""The e-commerce funnel of :func:`simulate_events`, in order."""


def simulate_events(
    n_users: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2024-01-01",
    days: int = 28,
    rates: tuple[float, float, float, float] = (0.7, 0.3, 0.6, 0.7),
    returns: float = 0.0,
    extra_views: float = 1.0,
    mobile_share: float = 0.6,
) -> pd.DataFrame:
    """Simulate an e-commerce event log: visit -> view -> add_to_cart -> checkout -> purchase.

    Every session starts with a ``visit``; it goes on to the next step with the step's rate
    (``rates[0]`` from visit to view, ``rates[1]`` view to add_to_cart, ``rates[2]``
    add_to_cart to checkout, ``rates[3]`` checkout to purchase) and stops at the first
    failure. A session that reaches ``view`` views ``1 + Poisson(extra_views)`` products.
    Events follow each other after exponential gaps (mean 90 s), floored to whole seconds,
    so some share a timestamp. Each user has a first session on a uniform day of the
    ``days`` from ``start`` and ``Poisson(returns)`` more sessions on uniform later days.

    With ``returns=0`` (one session per user) the step-to-step conversion of
    :func:`growthkit.funnel.funnel` (any window of an hour or more) estimates ``rates``.

    Parameters
    ----------
    n_users
        Number of users (about ``3.6 * n_users * (1 + returns)`` events with the defaults).
    seed
        Seed of the random stream: the same seed always gives the same log.
    start, days
        First day and number of days of the log.
    rates
        The four step-to-step conversion rates, each in [0, 1].
    returns
        Mean number of further sessions per user.
    extra_views
        Mean number of further product views per session that views.
    mobile_share
        Share of users on ``"mobile"`` (the rest ``"desktop"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``user_id`` (int64, 1..n_users), ``timestamp`` (datetime64[ns], whole
        seconds), ``event`` (categorical, categories in funnel order) and ``device``
        (categorical, per user), sorted by time.

    Raises
    ------
    DataError
        ``n_users`` or ``days`` below 1, a rate outside [0, 1], or a negative mean.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.datasets.simulate_events(1000, seed=1)
    >>> list(log.columns), list(log["event"].cat.categories)
    (['user_id', 'timestamp', 'event', 'device'], ['visit', 'view', 'add_to_cart', 'checkout', 'purchase'])
    >>> log.equals(gk.datasets.simulate_events(1000, seed=1))
    True
    """  # noqa: E501
    if int(n_users) < 1 or int(days) < 1:
        raise DataError(f"`n_users` and `days` must be at least 1, got {n_users}, {days}: 0 rows.")
    probs = np.asarray(rates, dtype=np.float64)
    if probs.shape != (4,) or not np.all((probs >= 0) & (probs <= 1)):
        raise DataError(f"`rates` must be four numbers in [0, 1], got {rates!r}: 1 rows.")
    for name, value in {"returns": returns, "extra_views": extra_views}.items():
        if not (np.isfinite(value) and value >= 0):
            raise DataError(f"`{name}` must be a finite number >= 0, got {value}: 1 rows.")
    if not 0 <= mobile_share <= 1:
        raise DataError(f"`mobile_share` must lie in [0, 1], got {mobile_share}: 1 rows.")
    n = int(n_users)
    rng = np.random.default_rng(seed)
    sessions = 1 + rng.poisson(returns, n)
    user = np.repeat(np.arange(n, dtype=np.int64), sessions)
    first_day = rng.integers(0, int(days), n)
    later = rng.random(user.shape[0]) * (int(days) - first_day[user])
    is_first = np.zeros(user.shape[0], dtype=np.bool_)
    is_first[np.cumsum(sessions) - sessions] = True
    day = np.where(is_first, first_day[user], first_day[user] + np.floor(later).astype(np.int64))
    session_start = day * 86_400 + rng.integers(0, 86_400, user.shape[0])
    passed = rng.random((user.shape[0], 4)) < probs
    depth = 1 + np.cumprod(passed, axis=1).sum(axis=1)
    views = np.where(depth >= 2, 1 + rng.poisson(extra_views, user.shape[0]), 0)
    per_session = 1 + views + np.maximum(depth - 2, 0)
    session = np.repeat(np.arange(user.shape[0]), per_session)
    first_row = np.cumsum(per_session) - per_session
    position = np.arange(session.shape[0]) - first_row[session]
    n_views = views[session]
    kind = np.where(position == 0, 0, np.where(position <= n_views, 1, position - n_views + 1))
    gaps = rng.exponential(90.0, session.shape[0])
    gaps[first_row] = 0.0
    since = np.cumsum(gaps)
    since -= since[first_row][session]
    seconds = session_start[session] + np.floor(since).astype(np.int64)
    order = np.argsort(seconds, kind="stable")
    device = np.where(rng.random(n) < mobile_share, 1, 0)
    t0 = pd.Timestamp(start).value
    return pd.DataFrame(
        {
            "user_id": user[session][order] + 1,
            "timestamp": pd.to_datetime(t0 + seconds[order] * 10**9, unit="ns"),
            "event": pd.Categorical.from_codes(
                cast(Any, kind[order]), categories=pd.Index(list(EVENT_STEPS))
            ),
            "device": pd.Categorical.from_codes(
                cast(Any, device[user[session][order]]), categories=pd.Index(["desktop", "mobile"])
            ),
        }
    )
