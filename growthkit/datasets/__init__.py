"""Bundled and simulated transaction logs.

- :func:`load_cdnow` -- the public CDNOW sample transaction log (Fader & Hardie).
- :func:`load_cdnow_summary` -- its published per-customer calibration summary.
- :func:`simulate_transactions` -- a synthetic buy-till-you-die order log.

The CDNOW files ship inside the package (``growthkit/datasets/data``); their source and terms
are stated in ``data/README.md`` there.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from growthkit.errors import DataError

__all__ = ["load_cdnow", "load_cdnow_summary", "simulate_transactions"]


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
