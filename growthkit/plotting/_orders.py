"""Charts of the order log itself (foundation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from growthkit.plotting._style import PALETTE, chart

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from growthkit._prepare import Transactions

__all__ = ["plot_orders_over_time"]


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
        Titled "Orders per <period>"; first orders at the bottom of each bar.

    Raises
    ------
    SchemaError
        ``period`` is not one of ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``, or a column is
        missing.

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
    with chart(ax) as ax:
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
