"""Cohort matrices (retention, orders, revenue by cohort and age) and growth accounting.

A customer's *cohort* is the calendar period of their first order; their *age* in a later
period is the number of periods since it. Definitions offered (see ``docs/cohort.md``):

- **classic retention** (``value="customers"``): share of the cohort active *in* age ``k``;
- **unbounded (rolling) retention** (``value="customers", cumulative=True``): share of the
  cohort active in age ``k`` *or any later* observed age;
- **cumulative revenue per cohort customer** (``value="revenue", cumulative=True``, then
  ``.retention``): the cumulative-LTV curve of each cohort.

Growth accounting splits each period's active customers into new, retained and resurrected
ones and counts the churned ones (and, with amounts, does the same for revenue, adding
expansion and contraction).

The charts (retention heatmap, growth-accounting bars) are in :mod:`growthkit.plotting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _blocks
from growthkit import _validate as v
from growthkit._engine import PerPeriod, Spec, run
from growthkit._prepare import Transactions, period_index
from growthkit._results import ExactFields, freeze, frozen
from growthkit.errors import DataError, SchemaError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from growthkit._kernels.cohort import KeysLayout, Layout, TicksLayout

__all__ = ["CohortMatrix", "CohortValue", "cohort_matrix", "growth_accounting"]

CohortValue = Literal["customers", "orders", "revenue"]
_VALUES: tuple[CohortValue, ...] = ("customers", "orders", "revenue")

_DEFINITIONS = {
    ("customers", False): "classic retention: distinct customers active in age k",
    ("customers", True): "unbounded retention: distinct customers active in age k or later",
    ("orders", False): "orders placed in age k",
    ("orders", True): "cumulative orders placed in ages 0..k",
    ("revenue", False): "revenue in age k",
    ("revenue", True): "cumulative revenue in ages 0..k (cumulative LTV)",
}


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise SchemaError(v.message(name, f"must be True or False, got {value!r}", 1))
    return bool(value)


# Largest division-free period table (16 bytes a bucket of about a day): beyond it (logs
# spanning millennia) the period keys are computed into an array first.
_TABLE_BUCKETS = 1 << 20
# A cohort matrix is periods x periods: 4096 periods (78 years of weeks, 11 of days) is
# about 400 MB of kernel tables; beyond that a coarser period is the answer.
_MAX_MATRIX_PERIODS = 4096


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A prepared log and how the kernels read its rows' periods ``0..n_periods-1``.

    ``values`` are the log's ticks (periods looked up in a table on the fly), or for logs
    spanning millennia the materialised period keys.
    """

    log: Transactions
    values: npt.NDArray[np.int64]
    layout: TicksLayout | KeysLayout
    lo: int
    n_periods: int
    period: v.Period


def _prepare(log: Transactions, period: v.Period, observation_end: object) -> _Prepared:
    """How the kernels read the periods of a prepared log (and the end's period)."""
    from growthkit._kernels import cohort as ck
    from growthkit._kernels import periods

    first_tick, last_tick = int(log.ticks.min()), int(log.ticks.max())
    end_ticks = last_tick if observation_end is None else log.observation_end(observation_end)[1]
    lo = log.period_key_of(first_tick, period)
    n_periods = log.period_key_of(max(last_tick, end_ticks), period) - lo + 1
    code = periods.PERIOD_CODES[period]
    table = periods.period_table(first_tick, last_tick, log.ticks_per_day, code, _TABLE_BUCKETS)
    if table[1].shape[0]:
        layout: TicksLayout | KeysLayout = ck.ticks_layout(lo, first_tick, table)
        return _Prepared(log, log.ticks, layout, lo, n_periods, period)
    return _Prepared(log, log.period_keys(period), (lo,), lo, n_periods, period)


def _n_rows(tx: object) -> int:
    return tx.n_rows if isinstance(tx, Transactions) else len(cast(pd.DataFrame, tx))


def _partition(
    prep: _Prepared, *, state_bytes: int, amounts: bool
) -> tuple[
    int,
    npt.NDArray[np.int64],
    npt.NDArray[np.integer[Any]],
    npt.NDArray[np.int64],
    Layout,
    npt.NDArray[np.float64],
]:
    """The log's customer blocks sized for ``state_bytes`` of kernel state per customer.

    Returns the block shift and the kernels' inputs ``offsets, rows, values, layout,
    amounts``: the log's customer-block layout (rows are the customers' positions in their
    block) with the ticks as values (periods looked up from them as the kernel goes) or,
    for logs spanning millennia, the period keys. When all customers' state fits one
    block, that block is the prepared arrays themselves.
    """
    from growthkit._kernels import periods

    log = prep.log
    blocks = log.customer_blocks(_blocks.shift_for(state_bytes, log.n_customers))
    placed = blocks.amounts if amounts and blocks.amounts is not None else np.empty(0, np.float64)
    values = prep.values
    if blocks.n_blocks > 1:
        values = blocks.ticks
        if len(prep.layout) == 1:
            code = periods.PERIOD_CODES[prep.period]
            values = periods.period_keys(values, log.ticks_per_day, code)
    return blocks.shift, blocks.offsets, blocks.codes, values, prep.layout, placed


@dataclass(frozen=True, slots=True, eq=False)
class CohortMatrix(ExactFields):
    """Customers, orders or revenue by cohort (first-order period) and age.

    Attributes
    ----------
    counts
        Index = cohort period (``pandas.Period``, named ``cohort``; only periods in which
        at least one customer made a first order), columns = age ``0..max`` (int, named
        ``age``). Cells hold the statistic named by ``value`` (see ``definition``); ages
        not yet observable (cohort period + age after the last observed period) are NaN,
        observable-but-empty cells are 0.
    sizes
        Customers per cohort (those active at age 0), int64, same index as ``counts``.
    value
        ``"customers"``, ``"orders"`` or ``"revenue"``.
    period
        The calendar period: ``"D"``, ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.
    cumulative
        Whether ``counts`` is cumulative over ages (see ``definition``).
    definition
        The statistic in words, e.g. ``"classic retention: ..."``.

    Examples
    --------
    >>> import growthkit as gk
    >>> print(gk.cohort.cohort_matrix(gk.datasets.load_cdnow(), period="Q"))
    ... # doctest: +NORMALIZE_WHITESPACE
    CohortMatrix(customers, period='Q', cumulative=False): 1 cohorts, 2357 customers, ages 0..5
    classic retention: distinct customers active in age k
    age       0      1      2      3      4      5
    cohort
    1997Q1  1.0  0.222  0.177  0.171  0.163  0.127
    """

    counts: pd.DataFrame
    sizes: pd.Series
    value: CohortValue
    period: v.Period
    cumulative: bool
    definition: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", frozen(self.counts))
        object.__setattr__(self, "sizes", frozen(self.sizes))

    def __hash__(self) -> int:
        return hash((self.value, self.period, self.cumulative, self.definition))

    @property
    def retention(self) -> pd.DataFrame:
        """``counts`` divided by the cohort sizes.

        For customers this is the retention rate (classic, or unbounded when cumulative);
        for orders and revenue it is orders / revenue per cohort customer (with
        ``cumulative=True`` the cumulative-LTV curve). NaN exactly where ``counts`` is.

        Examples
        --------
        >>> import growthkit as gk
        >>> m = gk.cohort.cohort_matrix(gk.datasets.load_cdnow(), period="Q")
        >>> m.retention.round(3)  # doctest: +NORMALIZE_WHITESPACE
        age       0      1      2      3      4      5
        cohort
        1997Q1  1.0  0.222  0.177  0.171  0.163  0.127
        """
        out: pd.DataFrame = self.counts.div(self.sizes.astype(np.float64), axis=0)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per observable (cohort, age) cell.

        Columns ``cohort``, ``age``, ``period`` (cohort + age), ``cohort_size``, the value
        column (named by ``value``) and ``retention``.

        Examples
        --------
        >>> import growthkit as gk
        >>> m = gk.cohort.cohort_matrix(gk.datasets.load_cdnow())
        >>> m.to_frame().head(3)  # doctest: +NORMALIZE_WHITESPACE
            cohort  age   period  cohort_size  customers  retention
        0  1997-01    0  1997-01          781      781.0   1.000000
        1  1997-01    1  1997-02          781      124.0   0.158771
        2  1997-01    2  1997-03          781       95.0   0.121639
        """
        values = self.counts.to_numpy()
        rows, ages = np.nonzero(~np.isnan(values))
        cohorts = self.counts.index[rows]
        sizes = self.sizes.to_numpy()[rows]
        cells = values[rows, ages]
        frame: pd.DataFrame = pd.DataFrame(
            {
                "cohort": cohorts,
                "age": ages.astype(np.int64),
                "period": cohorts + ages,
                "cohort_size": sizes,
                self.value: cells,
                "retention": cells / sizes,
            }
        )
        return frame

    def __str__(self) -> str:
        head = (
            f"CohortMatrix({self.value}, period={self.period!r}, "
            f"cumulative={self.cumulative}): {len(self.sizes)} cohorts, "
            f"{int(self.sizes.sum())} customers, ages 0..{self.counts.shape[1] - 1}\n"
            f"{self.definition}\n"
        )
        return head + str(self.retention.round(3).to_string(max_rows=12, max_cols=10))

    def plot(
        self,
        *,
        ax: Axes | None = None,
        annotate: bool | None = None,
        cmap: str = "Blues",
        skip_age0: bool = True,
    ) -> Axes:
        """Heatmap of ``retention`` (cohorts down, ages across).

        The chart is :func:`growthkit.plotting.plot_cohort_retention`.

        Parameters
        ----------
        ax
            Axes to draw on; a new figure when ``None``.
        annotate
            Write each cell's value (percent for customers, the number otherwise);
            ``None`` annotates when the matrix has at most 24 cohorts and 24 ages.
        cmap
            Matplotlib colormap name.
        skip_age0
            For customers the age-0 column is always 100 %; leave it out of the colour
            scale so the differences among later ages stay visible.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        Drawn here on a pyplot-free figure (no window, no global state):

        >>> import growthkit as gk
        >>> from growthkit.plotting import new_axes
        >>> m = gk.cohort.cohort_matrix(gk.datasets.load_cdnow(), period="Q")
        >>> ax = m.plot(ax=new_axes())
        >>> ax.get_title()
        'classic retention: distinct customers active in age k'
        >>> [t.get_text() for t in ax.texts]
        ['100%', '22%', '18%', '17%', '16%', '13%']
        """
        from growthkit.plotting import plot_cohort_retention

        return plot_cohort_retention(self, ax=ax, annotate=annotate, cmap=cmap, skip_age0=skip_age0)


def cohort_matrix(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    period: v.Period = "M",
    value: CohortValue = "customers",
    cumulative: bool = False,
    observation_end: object = None,
) -> CohortMatrix:
    """Count customers, orders or revenue of each acquisition cohort by age.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`.
    customer_col, time_col, amount_col
        Column names. ``amount_col`` is required for ``value="revenue"`` and ignored (not
        read, not validated) otherwise.
    period
        Calendar period of cohorts and ages: ``"D"``, ``"W"`` (weeks start Monday),
        ``"M"``, ``"Q"``, ``"Y"``.
    value
        ``"customers"`` (distinct customers with at least one order in the cell),
        ``"orders"`` (rows) or ``"revenue"`` (sum of ``amount_col``).
    cumulative
        For orders and revenue: running totals over ages ``0..k``. For customers:
        *unbounded* (rolling) retention, customers active in age ``k`` or any later
        observed age (a running total from the right, since a distinct count cannot be
        summed from the left).
    observation_end
        The "now" of the matrix: ages whose period falls after the period containing it
        are NaN. Defaults to the latest order time; orders after it raise
        :class:`~growthkit.DataError`.

    Returns
    -------
    CohortMatrix
        ``counts`` (cohort x age, NaN where not yet observable), ``sizes`` and
        ``retention`` (``counts / sizes``), ``to_frame()`` (long format), ``plot()``.

    Raises
    ------
    SchemaError
        Missing or mistyped columns, a bad ``period`` / ``value``, or
        ``value="revenue"`` without ``amount_col``.
    DataError
        Empty log, missing ids/times, bad amounts, orders after ``observation_end``, or a
        log spanning more than 4096 periods (the matrix would need over 16 M cells).

    Notes
    -----
    With ``f_i`` the first period of customer ``i`` and ``A_i`` the set of periods in which
    ``i`` ordered, the classic cell is ``n[c, k] = #{i : f_i = c, c + k in A_i}``, the
    unbounded cell ``#{i : f_i = c, max A_i >= c + k}``, and the cohort size
    ``n[c, 0]``. Retention is ``n[c, k] / n[c, 0]``. Cell ``(c, k)`` is observable when
    ``c + k`` is at most the period of ``observation_end``.

    No sort and no hash table: the rows (customer codes and period keys) are split into
    blocks of customers by one stable counting-sort pass, and each block is then counted
    with a block-local bitset, one bit per customer per period, small enough to stay in the
    CPU cache (distinct customers and unbounded retention), or with a block-local first
    period followed by the sums (orders, revenue). See ``docs/cohort.md``.

    Examples
    --------
    >>> import growthkit as gk
    >>> tx = gk.datasets.load_cdnow()
    >>> m = gk.cohort.cohort_matrix(tx)
    >>> m.sizes.tolist()
    [781, 857, 719]
    >>> m.retention.iloc[:, :6].round(3)  # doctest: +NORMALIZE_WHITESPACE
    age        0      1      2      3      4      5
    cohort
    1997-01  1.0  0.159  0.122  0.090  0.083  0.099
    1997-02  1.0  0.156  0.128  0.088  0.090  0.088
    1997-03  1.0  0.121  0.117  0.108  0.088  0.089
    >>> ltv = gk.cohort.cohort_matrix(tx, value="revenue", amount_col="amount", cumulative=True)
    >>> ltv.retention.iloc[:, [0, 11]].round(1)  # doctest: +NORMALIZE_WHITESPACE
    age        0     11
    cohort
    1997-01  36.6  86.3
    1997-02  39.0  88.3
    1997-03  45.6  92.1
    """
    return cast(CohortMatrix, run(COHORT_MATRIX, tx, locals()))


def _check_matrix_args(arguments: dict[str, Any], tx: object) -> dict[str, Any]:
    args = dict(arguments)
    args["value"] = v.check_choice("value", args["value"], _VALUES)
    args["cumulative"] = _check_bool("cumulative", args["cumulative"])
    if args["value"] == "revenue" and args["amount_col"] is None:
        raise SchemaError(
            v.message(
                "amount_col",
                "is required for value='revenue'",
                _n_rows(tx),
                "Pass amount_col='<column of order values>'.",
            )
        )
    args["period"] = v.check_period(args["period"])
    if args["value"] != "revenue":
        args["amount_col"] = None
    return args


def _matrix_partials(log: Transactions, args: dict[str, Any]) -> PerPeriod:
    """Cohort x age counts of a log: customers' ``active`` / ``last`` age, or sums."""
    from growthkit._kernels import cohort as ck

    prep = _prepare(log, args["period"], args["observation_end"])
    n = prep.n_periods
    if n > _MAX_MATRIX_PERIODS:
        raise DataError(
            v.message(
                "period",
                f"{args['period']!r} splits the log into {n} periods; a cohort matrix needs "
                f"{n} x {n} cells (at most {_MAX_MATRIX_PERIODS} periods)",
                prep.log.n_rows,
                "Choose a coarser period, or filter the log to a shorter span.",
            )
        )
    if args["value"] == "customers":
        n_words = (n + 63) // 64
        shift, offsets, rows, values, layout, _ = _partition(
            prep, state_bytes=8 * n_words, amounts=False
        )
        active, last = ck.cohort_customers(offsets, rows, values, layout, shift, n_words, n)
        return PerPeriod(prep.lo, {"active": active, "last": last})
    revenue = args["value"] == "revenue"
    shift, offsets, rows, values, layout, placed = _partition(prep, state_bytes=16, amounts=revenue)
    if revenue and offsets.shape[0] > 2:
        # Several customer blocks: sum the cells in row order (bit-identical across
        # id dtypes, whose codes order the customers differently).
        cohort_of = np.empty(prep.log.n_customers, dtype=np.int16)  # n <= 4096
        _, sizes, _ = ck.cohort_sums(offsets, rows, values, layout, placed, shift, n, cohort_of)
        del rows, placed
        assert prep.log.amounts is not None
        table = ck.revenue_in_row_order(
            prep.log.codes, prep.values, prep.layout, prep.log.amounts, cohort_of, n
        )
    else:
        no_record = np.empty(0, dtype=np.int16)
        table, sizes, _ = ck.cohort_sums(offsets, rows, values, layout, placed, shift, n, no_record)
    return PerPeriod(prep.lo, {"table": table, "sizes": sizes})


def _finish_matrix(parts: PerPeriod, args: dict[str, Any]) -> CohortMatrix:
    value: CohortValue = args["value"]
    is_cumulative: bool = args["cumulative"]
    checked_period: v.Period = args["period"]
    if value == "customers":
        active, last = parts.arrays["active"], parts.arrays["last"]
        sizes = active[:, 0].copy()
        if is_cumulative:
            # Unbounded: active at age k or later <=> last active age >= k.
            table = np.cumsum(last[:, ::-1], axis=1)[:, ::-1].astype(np.float64)
        else:
            table = active.astype(np.float64)
    else:
        table, sizes = parts.arrays["table"], parts.arrays["sizes"]
        if is_cumulative:
            table = np.cumsum(table, axis=1)
    n = table.shape[0]
    ages = np.arange(n, dtype=np.int64)
    table[ages[None, :] > (n - 1 - ages)[:, None]] = np.nan
    keep = np.flatnonzero(sizes > 0)
    index = period_index(parts.lo + keep.astype(np.int64), checked_period).rename("cohort")
    counts = pd.DataFrame(table[keep], index=index, columns=pd.Index(ages, name="age"))
    return CohortMatrix(
        counts=freeze(counts),
        sizes=freeze(pd.Series(sizes[keep].astype(np.int64), index=index, name="cohort_size")),
        value=value,
        period=checked_period,
        cumulative=is_cumulative,
        definition=_DEFINITIONS[(value, is_cumulative)],
    )


def _ratio(
    numerator: npt.NDArray[np.float64], denominator: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``numerator / denominator`` with x/0 = inf for x > 0 and 0/0 = NaN, silently."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: npt.NDArray[np.float64] = numerator / denominator
    return out


def growth_accounting(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    period: v.Period = "M",
    amount_col: str | None = None,
    observation_end: object = None,
) -> pd.DataFrame:
    """Split each period's active customers (and revenue) into new, retained, resurrected.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`.
    customer_col, time_col
        Column names.
    period
        ``"D"``, ``"W"`` (weeks start Monday), ``"M"``, ``"Q"`` or ``"Y"``.
    amount_col
        Order values; adds the revenue columns.
    observation_end
        Extends the table with the (possibly empty) periods up to the one containing it;
        defaults to the latest order time. Orders after it raise
        :class:`~growthkit.DataError`.

    Returns
    -------
    pandas.DataFrame
        Indexed by every period from the first order's to the last (``pandas.Period``,
        named ``period``, empty periods included), with int64 columns

        - ``active``: customers with an order in the period;
        - ``new``: customers whose first order is in the period;
        - ``retained``: active in the period and in the previous one;
        - ``resurrected``: active in the period, not in the previous one, not new;
        - ``churned``: active in the previous period but not in this one (>= 0; 0 in the
          first period);
        - ``acquired``: customers acquired so far (cumulative ``new``);

        and float64 columns

        - ``quick_ratio`` = (new + resurrected) / churned. When ``churned`` is 0 it is
          ``inf`` if anyone was gained and NaN only for 0 / 0 (nobody gained or lost,
          e.g. the periods of an empty stretch);
        - ``churn_rate`` = churned / active in the previous period (the *period churn
          rate*; NaN in the first period and after a period with no active customers);
        - ``churn_rate_acquired`` = churned / customers acquired before the period (churn
          against *all customers ever acquired*; NaN in the first period).

        With ``amount_col``: ``revenue``, ``new_revenue``, ``retained_revenue``,
        ``expansion_revenue``, ``contraction_revenue``, ``resurrected_revenue``,
        ``churned_revenue`` (all >= 0) and ``revenue_quick_ratio`` = (new + resurrected +
        expansion) / (churned + contraction), with the same inf / NaN rule.

    Raises
    ------
    SchemaError, DataError
        Bad input; see :func:`~growthkit.prepare_transactions`.

    Notes
    -----
    Identities (tested): ``active = new + retained + resurrected``;
    ``churned[t] = active[t-1] - retained[t]``; ``sum(new) = customers``. For revenue,
    with ``r_i(t)`` a customer's revenue in period ``t``: a retained customer contributes
    ``min(r_i(t), r_i(t-1))`` to retained revenue and the difference to expansion (if
    positive) or contraction (if negative); churned revenue is the previous period's
    revenue of churned customers. So ``revenue[t] = new + resurrected + retained +
    expansion`` and ``revenue[t-1] = retained + contraction + churned``.

    This is the growth-accounting framework popularised by Social Capital's "Diligence at
    Social Capital" series (Hsu, 2015); the quick ratio is Mamoon Hamid's (2015).

    Counts come from block-local bitsets (as in :func:`cohort_matrix`); with amounts, a
    block-local state machine visits each block's rows in period order (the log's own order
    when it is sorted by time, else after a counting sort by period).

    References
    ----------
    Hsu, J. (2015). Diligence at Social Capital, part 1: accounting for user growth.
    Hamid, M. (2015). Social Capital's quick ratio.

    Examples
    --------
    >>> import growthkit as gk
    >>> g = gk.cohort.growth_accounting(gk.datasets.load_cdnow(), period="Q")
    >>> g[["active", "new", "retained", "resurrected", "churned", "quick_ratio"]]
    ... # doctest: +NORMALIZE_WHITESPACE
            active   new  retained  resurrected  churned  quick_ratio
    period
    1997Q1    2357  2357         0            0        0          inf
    1997Q2     524     0       524            0     1833     0.000000
    1997Q3     418     0       214          204      310     0.658065
    1997Q4     404     0       203          201      215     0.934884
    1998Q1     384     0       196          188      208     0.903846
    1998Q2     300     0       169          131      215     0.609302
    """
    return cast(pd.DataFrame, run(GROWTH_ACCOUNTING, tx, locals()))


def _check_growth_args(arguments: dict[str, Any], tx: object) -> dict[str, Any]:
    args = dict(arguments)
    args["period"] = v.check_period(args["period"])
    return args


_MONEY = ("revenue", "new", "retained", "expansion", "contraction", "resurrected", "churned")


def _growth_partials(log: Transactions, args: dict[str, Any]) -> PerPeriod:
    """Per-period customer counts (periods x 4) and, with amounts, revenue (periods x 7)."""
    from growthkit._kernels import cohort as ck

    prep = _prepare(log, args["period"], args["observation_end"])
    n = prep.n_periods
    if prep.log.amounts is None:
        n_words = (n + 63) // 64
        shift, offsets, rows, values, layout, _ = _partition(
            prep, state_bytes=8 * n_words, amounts=False
        )
        counts = ck.growth_counts(offsets, rows, values, layout, shift, n_words, n)
        return PerPeriod(prep.lo, {"counts": counts.T})
    shift, offsets, rows, values, layout, placed = _partition(prep, state_bytes=32, amounts=True)
    counts, money = ck.growth_revenue(offsets, rows, values, layout, placed, shift, n)
    return PerPeriod(prep.lo, {"counts": counts.T, "money": money.T})


def _finish_growth(parts: PerPeriod, args: dict[str, Any]) -> pd.DataFrame:
    new, retained, resurrected, churned = parts.arrays["counts"].T
    n = new.shape[0]
    active = new + retained + resurrected
    acquired = np.cumsum(new)
    previous_active = np.concatenate([[0], active[:-1]]).astype(np.float64)
    previous_acquired = np.concatenate([[0], acquired[:-1]]).astype(np.float64)
    columns: dict[str, npt.NDArray[np.int64] | npt.NDArray[np.float64]] = {
        "active": active,
        "new": new,
        "retained": retained,
        "resurrected": resurrected,
        "churned": churned,
        "acquired": acquired,
        "quick_ratio": _ratio((new + resurrected).astype(np.float64), churned.astype(np.float64)),
        "churn_rate": _ratio(churned.astype(np.float64), previous_active),
        "churn_rate_acquired": _ratio(churned.astype(np.float64), previous_acquired),
    }
    if "money" in parts.arrays:
        money = parts.arrays["money"].T
        for name, row in zip(_MONEY, money, strict=True):
            columns[name if name == "revenue" else f"{name}_revenue"] = row
        columns["revenue_quick_ratio"] = _ratio(money[1] + money[5] + money[3], money[6] + money[4])
    index = period_index(parts.lo + np.arange(n, dtype=np.int64), args["period"]).rename("period")
    table: pd.DataFrame = pd.DataFrame(columns, index=index)
    return table


COHORT_MATRIX = Spec(cohort_matrix, _check_matrix_args, _matrix_partials, _finish_matrix)
GROWTH_ACCOUNTING = Spec(growth_accounting, _check_growth_args, _growth_partials, _finish_growth)
