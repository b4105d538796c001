"""RFM scores and named segments: :func:`rfm_scores` and :class:`RFMResult`.

The path is the growthkit one: checks -> :func:`~growthkit.prepare_transactions` -> per-customer
aggregates (``_partials``, the shared ``customer_aggregates`` kernel) -> scores on the
distribution of every customer (``_finish``) -> a frozen result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _blocks, _threads
from growthkit import _validate as v
from growthkit._engine import PerCustomer, Spec, run
from growthkit._prepare import Transactions
from growthkit._results import ExactFields, freeze, frozen
from growthkit.errors import DataError, SchemaError

if TYPE_CHECKING:
    pass

__all__ = [
    "DIMENSIONS",
    "LIFECYCLE_STAGES",
    "RFM_SCORES",
    "STANDARD_SEGMENTS",
    "RFMResult",
    "SegmentRule",
    "rfm_scores",
]


IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SegmentRule = (
    Callable[[IntArray, IntArray, IntArray], npt.ArrayLike] | Mapping[str, tuple[int, int]]
)
"""A custom segment rule: a callable ``(r, f, m) -> bool mask`` on the score arrays, or a
mapping from ``"r"``, ``"f"``, ``"m"`` to an inclusive ``(low, high)`` score range (a missing
key matches every score)."""

SegmentScheme = Literal["standard"] | Mapping[str, SegmentRule]

Dimension = Literal["recency_days", "frequency", "monetary"]
DIMENSIONS: tuple[Dimension, ...] = ("recency_days", "frequency", "monetary")

STANDARD_SEGMENTS: tuple[str, ...] = (
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Cannot Lose Them",
    "Hibernating",
    "Lost",
)
"""The 11 segments of the ``"standard"`` scheme, best first."""

# Rows: R score 1..5; columns: FM score 1..5 (FM = mean of F and M, rounded half up).
# Indices into STANDARD_SEGMENTS. The grid is the widely circulated R x F regex map
# ('[1-2][1-2]' Hibernating, '[1-2][3-4]' At Risk, '[1-2]5' Can't Lose, '3[1-2]' About to
# Sleep, '33' Need Attention, '[3-4][4-5]' Loyal, '41' Promising, '51' New, '[4-5][2-3]'
# Potential Loyalist, '5[4-5]' Champions) read on R x FM, with its lowest-recency
# Hibernating cells (R = 1) named Lost as in the 11-segment R-vs-FM table.
_STANDARD_GRID = np.array(
    [
        [10, 10, 7, 7, 8],
        [9, 9, 7, 7, 8],
        [6, 6, 5, 1, 1],
        [4, 2, 2, 1, 1],
        [3, 2, 2, 0, 0],
    ],
    dtype=np.int64,
)

LifecycleStage = Literal["new", "active", "at_risk", "lost"]
LIFECYCLE_STAGES: tuple[LifecycleStage, ...] = ("new", "active", "at_risk", "lost")
"""The lifecycle stages of :func:`lifecycle_stages`, in lifecycle order."""


# --------------------------------------------------------------------------------------
# checks (RFM-specific; generic ones live in growthkit._validate)


def _check_bins(bins: object) -> int:
    value = v.check_positive_int("bins", bins)
    if value > 99:
        raise DataError(
            v.message("bins", f"must be at most 99, got {value}", 1, "Use 5 (quintiles) or 10.")
        )
    return value


def _check_edges(edges: object, bins: int) -> dict[Dimension, FloatArray]:
    if edges is None:
        return {}
    if not isinstance(edges, Mapping):
        raise SchemaError(
            v.message(
                "edges",
                f"must be a mapping from dimension to edges, got {type(edges).__name__}",
                1,
            )
        )
    out: dict[Dimension, FloatArray] = {}
    for key, raw in edges.items():
        if key not in DIMENSIONS:
            raise SchemaError(
                v.message(
                    "edges",
                    f"has unknown dimension {key!r}",
                    1,
                    "Use 'recency_days', 'frequency' or 'monetary'.",
                )
            )
        try:
            arr = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SchemaError(v.message(f"edges[{key!r}]", "must be numbers", 1)) from exc
        if arr.ndim != 1 or arr.shape[0] != bins - 1:
            raise DataError(
                v.message(
                    f"edges[{key!r}]",
                    f"must hold bins - 1 = {bins - 1} edges, got {arr.size}",
                    1,
                )
            )
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        if bad:
            raise DataError(v.message(f"edges[{key!r}]", "has non-finite values", bad))
        steps = int(np.count_nonzero(np.diff(arr) <= 0))
        if steps:
            raise DataError(
                v.message(
                    f"edges[{key!r}]",
                    "must be strictly increasing",
                    steps,
                    "Sort the edges and drop duplicates.",
                )
            )
        out[cast(Dimension, key)] = arr
    return out


def _check_amount_col(amount_col: object) -> str:
    if not isinstance(amount_col, str):
        raise SchemaError(
            v.message(
                "amount_col",
                "is required (monetary is total spend)",
                1,
                "Pass amount_col=... naming the order-value column.",
            )
        )
    return amount_col


@dataclass(frozen=True, slots=True)
class _Scheme:
    names: tuple[str, ...]
    rules: tuple[Callable[[IntArray, IntArray, IntArray], npt.NDArray[np.bool_]], ...]
    standard: bool


def _range_rule(
    name: str, rule: Mapping[str, Any]
) -> Callable[[IntArray, IntArray, IntArray], npt.NDArray[np.bool_]]:
    ranges: dict[str, tuple[int, int]] = {}
    for key, bounds in rule.items():
        if key not in ("r", "f", "m"):
            raise SchemaError(
                v.message(
                    f"segments[{name!r}]",
                    f"has unknown score {key!r}",
                    1,
                    "Use 'r', 'f' or 'm' with an inclusive (low, high) range.",
                )
            )
        if not (
            isinstance(bounds, Sequence)
            and len(bounds) == 2
            and all(isinstance(b, (int, np.integer)) for b in bounds)
            and bounds[0] <= bounds[1]
        ):
            raise SchemaError(
                v.message(
                    f"segments[{name!r}][{key!r}]",
                    f"must be an inclusive (low, high) pair of ints, got {bounds!r}",
                    1,
                )
            )
        ranges[key] = (int(bounds[0]), int(bounds[1]))

    def matches(r: IntArray, f: IntArray, m: IntArray) -> npt.NDArray[np.bool_]:
        mask = np.ones(r.shape[0], dtype=np.bool_)
        for key, arr in (("r", r), ("f", f), ("m", m)):
            if key in ranges:
                lo, hi = ranges[key]
                mask &= (arr >= lo) & (arr <= hi)
        return mask

    return matches


def _check_scheme(segments: object, fallback: object) -> _Scheme:
    if isinstance(segments, str):
        v.check_choice("segments", segments, ("standard",))
        return _Scheme(STANDARD_SEGMENTS, (), standard=True)
    if not isinstance(segments, Mapping):
        raise SchemaError(
            v.message(
                "segments",
                f"must be 'standard' or a mapping from segment name to rule, "
                f"got {type(segments).__name__}",
                1,
            )
        )
    if not segments:
        raise SchemaError(v.message("segments", "is an empty mapping", 1, "Name a segment."))
    if not isinstance(fallback, str):
        raise SchemaError(v.message("fallback", f"must be a str, got {fallback!r}", 1))
    rules = []
    for name, rule in segments.items():
        if not isinstance(name, str):
            raise SchemaError(v.message("segments", f"has a non-str name {name!r}", 1))
        if isinstance(rule, Mapping):
            rules.append(_range_rule(name, rule))
        elif callable(rule):
            rules.append(_callable_rule(name, rule))
        else:
            raise SchemaError(
                v.message(
                    f"segments[{name!r}]",
                    f"must be a callable (r, f, m) -> mask or a mapping of score ranges, "
                    f"got {type(rule).__name__}",
                    1,
                )
            )
    names = tuple(segments)
    if fallback not in names:
        names = (*names, fallback)
    return _Scheme(names, tuple(rules), standard=False)


def _callable_rule(
    name: str, rule: Callable[[IntArray, IntArray, IntArray], npt.ArrayLike]
) -> Callable[[IntArray, IntArray, IntArray], npt.NDArray[np.bool_]]:
    def matches(r: IntArray, f: IntArray, m: IntArray) -> npt.NDArray[np.bool_]:
        mask = np.asarray(rule(r, f, m))
        if mask.dtype != np.bool_ or mask.shape != r.shape:
            raise SchemaError(
                v.message(
                    f"segments[{name!r}]",
                    f"must return a bool mask of shape {r.shape}, "
                    f"got dtype {mask.dtype} and shape {mask.shape}",
                    int(r.shape[0]),
                )
            )
        return mask

    return matches


# --------------------------------------------------------------------------------------
# per-customer metrics and scoring


@dataclass(frozen=True, slots=True)
class _Metrics:
    frequency: IntArray
    monetary: FloatArray
    first: IntArray
    last: IntArray


# customer_aggregates keeps 32 bytes per customer: orders, total, first and last tick.
_STATE_BYTES = 32


def _metrics(log: Transactions) -> _Metrics:
    """Per-customer aggregates, block by block of the log's customer-block layout.

    On a time-ordered log consecutive rows belong to unrelated customers: one pass would
    miss the cache on every row once the per-customer arrays outgrow it. Blocks hold
    disjoint customers and keep the rows' order, so the result is bitwise that of one
    pass; the policy's threads share the blocks (the kernel releases the GIL).
    """
    from growthkit._kernels import aggregate as agg

    n_customers = log.n_customers
    blocks = log.customer_blocks(_blocks.shift_for(_STATE_BYTES, n_customers))
    shift = blocks.shift
    amounts = blocks.amounts if blocks.amounts is not None else np.empty(0, dtype=np.float64)
    if blocks.n_blocks == 1:
        orders, total, first, last = agg.customer_aggregates(
            blocks.codes, blocks.ticks, amounts, n_customers
        )
        return _Metrics(orders, total, first, last)
    out = _Metrics(
        frequency=np.empty(n_customers, dtype=np.int64),
        monetary=np.empty(n_customers, dtype=np.float64),
        first=np.empty(n_customers, dtype=np.int64),
        last=np.empty(n_customers, dtype=np.int64),
    )

    def run(span: range) -> None:
        for b in span:
            rows = blocks.rows(b)
            lo, hi = b << shift, min((b + 1) << shift, n_customers)
            o, t, f, la = agg.customer_aggregates(
                blocks.codes[rows],
                blocks.ticks[rows],
                amounts[rows] if amounts.shape[0] else amounts,
                hi - lo,
            )
            out.frequency[lo:hi] = o
            out.monetary[lo:hi] = t
            out.first[lo:hi] = f
            out.last[lo:hi] = la

    threads = _threads.threads_for(log.n_rows)
    _threads.thread_map(run, blocks.balanced(threads), threads=threads)
    return out


def _days_before(end_ticks: int, ticks: IntArray, log: Transactions) -> IntArray:
    # end_ticks >= every order, so floor division equals pandas' Timedelta.days.
    days: IntArray = (end_ticks - ticks) // log.ticks_per_day
    return days


def _quantile_thresholds(goodness: FloatArray | IntArray, bins: int) -> FloatArray:
    """Least goodness reaching each score 2..bins under the min-rank percentile rule.

    A value's score is ``1 + floor(bins * below / n)`` with ``below`` the number of values
    strictly worse. Score ``s`` is reached iff ``below >= k_s = ceil((s - 1) n / bins)``:
    the threshold is the order statistic ``x_(k_s)`` (0-based) unless it is tied with
    ``x_(k_s - 1)``, in which case it is the least value above the tie (``inf`` if none).
    """
    n = goodness.shape[0]
    ordered = np.sort(goodness)
    thresholds = np.full(bins - 1, np.inf, dtype=np.float64)
    for s in range(2, bins + 1):
        k = -(-(s - 1) * n // bins)
        if k >= n:
            continue
        pivot = ordered[k]
        if ordered[k - 1] < pivot:
            thresholds[s - 2] = pivot
        else:
            nxt = int(np.searchsorted(ordered, pivot, side="right"))
            if nxt < n:
                thresholds[s - 2] = ordered[nxt]
    return thresholds


def _counted_thresholds(values: IntArray, bins: int) -> FloatArray | None:
    """:func:`_quantile_thresholds` for integer values of small range, by counting, O(n).

    ``None`` when the range is too wide for a count table.
    """
    n = values.shape[0]
    lo, hi = int(values.min()), int(values.max())
    size = hi - lo + 1
    if size > 4 * n + 4096:
        return None
    from growthkit._kernels import rfm as kr

    counts = kr.value_counts(values, lo, size)
    present = np.flatnonzero(counts)
    # Exclusive running count: customers strictly below each distinct value (increasing).
    below = np.cumsum(counts[present]) - counts[present]
    ks = np.array([-(-(s - 1) * n // bins) for s in range(2, bins + 1)], dtype=np.int64)
    pos = np.searchsorted(below, ks, side="left")
    thresholds = np.full(bins - 1, np.inf, dtype=np.float64)
    reached = pos < present.shape[0]
    thresholds[reached] = present[pos[reached]] + lo
    return thresholds


def _score(goodness: FloatArray | IntArray, thresholds: FloatArray) -> IntArray:
    from growthkit._kernels import rfm as kr

    scores: IntArray = kr.threshold_scores(goodness, thresholds)
    return scores


def _standard_scale(bins: int) -> IntArray:
    """Lookup ``scale[s]`` mapping scores 1..bins linearly onto 1..5 (rounding half up).

    Identity for ``bins=5``; every score maps to 3 when ``bins`` is 1.
    """
    s = np.arange(bins + 1, dtype=np.int64)
    if bins == 1:
        return np.full(2, 3, dtype=np.int64)
    scale: IntArray = 1 + (8 * (s - 1) + (bins - 1)) // (2 * (bins - 1))
    scale[0] = 1
    return scale


_NO_GRID = np.empty((0, 5), dtype=np.int64)


def _combine(
    scheme: _Scheme, r: IntArray, f: IntArray, m: IntArray, bins: int
) -> tuple[IntArray, pd.Categorical, IntArray]:
    """``rfm_score``, the ``rfm_code`` categorical and the segment codes, in one pass."""
    from growthkit._kernels import rfm as kr

    grid = _STANDARD_GRID if scheme.standard else _NO_GRID
    total, key, counts, segment = kr.combine_scores(r, f, m, bins, _standard_scale(bins), grid)
    if not scheme.standard:
        segment = _custom_segments(scheme, r, f, m)
    return total, _code_strings(key, counts, bins), segment


def _assign(
    scheme: _Scheme, r: IntArray, f: IntArray, m: IntArray, bins: int
) -> npt.NDArray[np.int64]:
    """Segment codes (indices into ``scheme.names``) per customer."""
    return _combine(scheme, r, f, m, bins)[2]


def _custom_segments(scheme: _Scheme, r: IntArray, f: IntArray, m: IntArray) -> IntArray:
    fallback = len(scheme.names) - 1
    codes = np.full(r.shape[0], -1, dtype=np.int64)
    for i, rule in enumerate(scheme.rules):
        open_ = codes < 0
        if not open_.any():
            break
        codes[rule(r, f, m) & open_] = i
    codes[codes < 0] = fallback
    return codes


def _code_strings(key: IntArray, counts: IntArray, bins: int) -> pd.Categorical:
    """``rfm_code`` as a categorical of the codes present (zero-padded when bins >= 10)."""
    present = np.flatnonzero(counts)
    width = 1 if bins < 10 else 2
    pr, rest = np.divmod(present, bins * bins)
    pf, pm = np.divmod(rest, bins)
    labels = [
        f"{a + 1:0{width}d}{b + 1:0{width}d}{c + 1:0{width}d}"
        for a, b, c in zip(pr.tolist(), pf.tolist(), pm.tolist(), strict=True)
    ]
    # The smallest code dtype pandas would pick anyway, so that it does not convert again.
    dtype = np.int16 if present.shape[0] < np.iinfo(np.int16).max else np.int32
    lookup = np.zeros(bins**3, dtype=dtype)
    lookup[present] = np.arange(present.shape[0], dtype=dtype)
    return _categorical(lookup[key], labels)


def _categorical(codes: npt.NDArray[np.integer[Any]], labels: Sequence[str]) -> pd.Categorical:
    """A categorical of string labels from integer codes (no per-row Python objects)."""
    # pandas-stubs declare Sequence[int] codes; pandas takes (and prefers) an int ndarray.
    return pd.Categorical.from_codes(
        codes,  # type: ignore[arg-type]
        categories=pd.Index(list(labels), dtype=object),
    )


# --------------------------------------------------------------------------------------
# RFM


class CustomerTable(ExactFields):
    """Base of the rfm results, built around one per-customer ``table``."""

    __slots__ = ()
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Return the per-customer table (a copy)."""
        frame: pd.DataFrame = self.table.copy()
        return frame


@dataclass(frozen=True, slots=True, eq=False)
class RFMResult(CustomerTable):
    """Per-customer RFM values, scores and segments.

    Attributes
    ----------
    table
        Indexed by customer id (sorted, named ``customer_col``): ``recency_days`` (int64,
        whole days from the last order to ``observation_end``), ``frequency`` (int64,
        orders), ``monetary`` (float64, total spend), ``r``, ``f``, ``m`` (int64 scores
        ``1..bins``, higher is better), ``rfm_code`` (categorical of strings such as
        ``"545"``), ``rfm_score`` (``r + f + m``) and ``segment`` (categorical, categories in
        scheme order).
    bins
        Number of score levels.
    observation_end
        The moment recency is measured from.
    edges
        Per dimension, the ``bins - 1`` edges the scores were cut at (read-only float
        arrays, ascending). For ``frequency`` and ``monetary`` a value ``>= edges[s - 2]``
        scores at least ``s``; for ``recency_days`` a value ``<= edges[bins - s]`` scores at
        least ``s``. A repeated edge means a score no customer reached; ``inf`` marks a score
        out of reach.
    segments
        The segment names in scheme order (the categories of ``table["segment"]``).

    Examples
    --------
    >>> import growthkit as gk
    >>> res = gk.rfm_scores(gk.datasets.load_cdnow(), observation_end="1998-07-01")
    >>> res.bins, len(res.segments), res.segments[0]
    (5, 11, 'Champions')

    Half of the customers ordered once, so the first two frequency edges coincide and no
    customer scores ``f = 2``:

    >>> res.edges["frequency"].tolist()
    [2.0, 2.0, 3.0, 5.0]
    >>> print(res)
    RFMResult: 2357 customers, bins=5, observation_end=1998-07-01 00:00:00
      scores no customer reached (ties): f=[2]
      segment             customers   share  revenue_share
      Champions                 434   18.4%          50.1%
    ...
    """

    table: pd.DataFrame
    bins: int
    observation_end: pd.Timestamp
    edges: Mapping[str, FloatArray]
    segments: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", frozen(self.table))
        edges = {}
        for key, values in self.edges.items():
            array = np.asarray(values)
            if array.flags.writeable:  # the caller's array: keep a read-only copy
                array = array.copy()
                array.flags.writeable = False
            edges[key] = array
        object.__setattr__(self, "edges", MappingProxyType(edges))

    def __hash__(self) -> int:
        return hash((self.bins, self.observation_end, self.segments))

    def __reduce__(self) -> tuple[Any, ...]:
        fields = tuple(getattr(self, f) for f in self.__slots__)
        return (RFMResult, (*fields[:3], dict(self.edges), *fields[4:]))

    def segment_summary(self) -> pd.DataFrame:
        """Size, mean scores and values, and revenue share of every segment.

        Returns
        -------
        pandas.DataFrame
            Indexed by segment (scheme order, empty segments included): ``customers``,
            ``share`` (of customers), ``r_mean``, ``f_mean``, ``m_mean``,
            ``recency_days_mean``, ``frequency_mean``, ``monetary_mean`` (NaN for an empty
            segment), ``revenue`` (total spend) and ``revenue_share`` (0 when total spend
            is 0).
        """
        t = self.table
        k = len(self.segments)
        codes = np.asarray(t["segment"].cat.codes.to_numpy(), dtype=np.int64)
        counts = np.bincount(codes, minlength=k)
        n = max(int(counts.sum()), 1)
        out: dict[str, npt.NDArray[np.generic]] = {
            "customers": counts,
            "share": counts / n,
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            for col in ("r", "f", "m", "recency_days", "frequency", "monetary"):
                weights = np.asarray(t[col].to_numpy(), dtype=np.float64)
                sums = np.bincount(codes, weights=weights, minlength=k)
                out[f"{col}_mean"] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        revenue = np.bincount(
            codes, weights=np.asarray(t["monetary"].to_numpy(), dtype=np.float64), minlength=k
        )
        total = float(revenue.sum())
        out["revenue"] = revenue
        out["revenue_share"] = revenue / total if total > 0 else np.zeros(k)
        index = pd.CategoricalIndex(
            self.segments, categories=list(self.segments), ordered=False, name="segment"
        )
        frame: pd.DataFrame = pd.DataFrame(out, index=index)
        return frame

    def score_counts(self) -> pd.DataFrame:
        """Count customers per score level and dimension (index ``1..bins``, columns r, f, m).

        Heavy ties (most customers with one order) leave some levels empty; this table
        shows which.
        """
        data = {
            col: np.bincount(
                np.asarray(self.table[col].to_numpy(), dtype=np.int64), minlength=self.bins + 1
            )[1:]
            for col in ("r", "f", "m")
        }
        frame: pd.DataFrame = pd.DataFrame(
            data, index=pd.RangeIndex(1, self.bins + 1, name="score")
        )
        return frame

    def __str__(self) -> str:
        counts = self.score_counts()
        empty = {
            col: [int(s) for s in counts.index[counts[col].to_numpy() == 0]]
            for col in ("r", "f", "m")
        }
        lines = [
            f"RFMResult: {len(self.table)} customers, bins={self.bins}, "
            f"observation_end={self.observation_end}",
        ]
        unused = {k: e for k, e in empty.items() if e}
        if unused:
            lines.append(
                "  scores no customer reached (ties): "
                + ", ".join(f"{k}={e}" for k, e in unused.items())
            )
        summary = self.segment_summary()
        width = max(len(s) for s in self.segments)
        lines.append(f"  {'segment':<{width}}  customers   share  revenue_share")
        for name, row in summary.iterrows():
            lines.append(
                f"  {name!s:<{width}}  {int(row['customers']):>9}  {row['share']:6.1%}"
                f"  {row['revenue_share']:13.1%}"
            )
        return "\n".join(lines)


def rfm_scores(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    observation_end: object = None,
    bins: int = 5,
    segments: SegmentScheme = "standard",
    edges: Mapping[str, Sequence[float]] | None = None,
    fallback: str = "Other",
) -> RFMResult:
    r"""Score every customer on recency, frequency and monetary value, and name a segment.

    Parameters
    ----------
    tx
        Order log (one row per order) or a prepared :class:`~growthkit.Transactions`
        (with amounts).
    customer_col, time_col, amount_col
        Column names; amounts must be non-negative (net refunds first).
    observation_end
        The moment recency is measured from; defaults to the latest order. Orders after it
        raise :class:`~growthkit.DataError`.
    bins
        Score levels, 1..99 (5 = quintiles). Codes use one digit per score below 10 and two
        zero-padded digits from 10.
    segments
        ``"standard"`` (the 11-segment R x FM grid, see Notes) or a mapping from segment
        name to a :data:`SegmentRule`; the first matching rule wins and customers matched
        by none go to ``fallback``.
    edges
        Fixed cut points instead of quantiles, per dimension (``"recency_days"``,
        ``"frequency"``, ``"monetary"``; others stay quantile-based): ``bins - 1`` strictly
        increasing finite numbers. An edge belongs to the better side: with frequency
        edges ``[2, 3, 5, 10]`` two orders score 2; with recency edges
        ``[30, 90, 180, 365]`` a last order 30 days ago scores 5.
    fallback
        Segment name for customers no custom rule matches (always a category of custom
        schemes; unused by ``"standard"``, which covers every score combination).

    Returns
    -------
    RFMResult

    Raises
    ------
    DataError
        ``bins`` is not an integer in 1..99; an edge list has the wrong length, non-finite
        or non-increasing values; plus the input checks of
        :func:`~growthkit.prepare_transactions` (negative amounts, NaN, empty input, orders
        after ``observation_end``).
    SchemaError
        Unknown ``segments`` string, a malformed rule, an unknown ``edges`` dimension,
        ``amount_col=None``, or a missing/mistyped column.

    Notes
    -----
    **Values.** ``recency_days`` = ``(observation_end - last order).days`` (whole days,
    floored, as pandas ``Timedelta.days``; tz-aware logs count local calendar days, so
    midnight to midnight across a spring DST change is a whole day more than pandas'
    absolute-time difference floors to), ``frequency`` = number of orders (rows),
    ``monetary`` = total spend.

    **Quantile scores and ties.** Each dimension is oriented so that higher is better
    (recency enters negated). With ``n`` customers and ``below`` the number of customers
    strictly worse on the dimension, the score is

    .. math:: s = 1 + \lfloor \mathrm{bins} \cdot \mathrm{below} / n \rfloor,

    the bin of the customer's min-rank percentile (``(rank_min - 1) / n``, pandas
    ``rank(method="min")``). On distinct values this is the equal-count quantile split;
    tied values always share a score, the worst value always scores 1, and a customer
    better on a dimension never scores lower. Heavy ties are not spread artificially: if
    60 % of customers have one order they all get ``f = 1`` and the next order count starts
    at ``f = 4``, leaving 2 and 3 empty -- :meth:`RFMResult.score_counts`, ``str(result)``
    and repeated values in ``RFMResult.edges`` report such empty levels. The rule is exact
    (integer arithmetic), so it is reproducible across platforms.

    **Standard segments.** Scores are put on the 1..5 scale (identity for ``bins=5``,
    otherwise ``1 + round(4 (s - 1) / (bins - 1))``, half up), ``FM`` is the mean of F and M
    rounded half up, and the (R, FM) cell names the segment (rows R = 5..1, columns
    FM = 1..5)::

        R=5  New Customers  Potential Loyalist  Potential Loyalist  Champions        Champions
        R=4  Promising      Potential Loyalist  Potential Loyalist  Loyal            Loyal
        R=3  About to Sleep About to Sleep      Need Attention      Loyal            Loyal
        R=2  Hibernating    Hibernating         At Risk             At Risk          Cannot Lose Them
        R=1  Lost           Lost                At Risk             At Risk          Cannot Lose Them

    This is the widely used R x F "regex" segment map (``[1-2][1-2]`` Hibernating,
    ``[1-2][3-4]`` At Risk, ``[1-2]5`` Can't Lose, ``3[1-2]`` About to Sleep, ``33`` Need
    Attention, ``[3-4][4-5]`` Loyal, ``41`` Promising, ``51`` New, ``[4-5][2-3]`` Potential
    Loyalist, ``5[4-5]`` Champions) read on R against the FM average as in the 11-segment
    R-vs-FM table, whose Lost segment (lowest R and FM) takes the R = 1 Hibernating cells.
    Unlike the overlapping ranges of the published table, the grid is a partition: every
    customer gets exactly one segment.

    The per-customer aggregation is one pass of the shared ``customer_aggregates`` kernel;
    logs of 2^21 rows or more are first scattered into buckets of 32,768 consecutive customers
    so that the kernel's per-customer arrays stay in cache, and the buckets run on two threads.

    References
    ----------
    Hughes, A. M. (1994). *Strategic Database Marketing*. Probus. (RFM quintile scoring.)

    Putler, "RFM analysis for successful customer segmentation" (the 11 R-vs-FM segments),
    https://www.putler.com/rfm-analysis/ ; the same table at
    https://docs.churned.io/churned-docs/dashboard-and-features/rfv-model-segment-best-practices/rfm-model

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.rfm import rfm_scores
    >>> res = rfm_scores(gk.datasets.load_cdnow(), observation_end="1998-07-01")
    >>> row = res.table.loc[1]
    >>> int(row["recency_days"]), int(row["frequency"]), round(float(row["monetary"]), 2)
    (201, 4, 100.5)
    >>> row["rfm_code"], row["segment"], int(row["rfm_score"])
    ('444', 'Loyal', 12)

    Half of the CDNOW customers ordered once, so they all score ``f = 1`` and ``f = 2`` is
    empty:

    >>> res.score_counts()["f"].tolist()
    [1205, 0, 406, 358, 388]
    >>> res.segment_summary().loc["Champions", ["customers", "revenue_share"]].round(3).tolist()
    [434.0, 0.501]
    """  # noqa: E501
    return cast(RFMResult, run(RFM_SCORES, tx, locals()))


def _check_args(arguments: dict[str, Any], tx: object) -> dict[str, Any]:
    args = dict(arguments)
    args["bins"] = _check_bins(args["bins"])
    args["edges"] = _check_edges(args["edges"], args["bins"])
    args["segments"] = _check_scheme(args["segments"], args["fallback"])
    args["amount_col"] = _check_amount_col(args["amount_col"])
    return args


def _partials(log: Transactions, args: dict[str, Any]) -> PerCustomer:
    """Per-customer recency (days), orders and spend."""
    end_stamp, end_ticks = log.observation_end(args["observation_end"])
    metrics = _metrics(log)
    columns = {
        "recency_days": _days_before(end_ticks, metrics.last, log),
        "frequency": metrics.frequency,
        "monetary": metrics.monetary,
    }
    return PerCustomer(log.customers, columns, {"observation_end": end_stamp})


def _finish(parts: PerCustomer, args: dict[str, Any]) -> RFMResult:
    """Scores on the distribution of every customer, codes and segments."""
    bins: int = args["bins"]
    fixed: dict[Dimension, FloatArray] = args["edges"]
    scheme: _Scheme = args["segments"]
    recency_days: IntArray = parts.columns["recency_days"]
    goodness: dict[Dimension, FloatArray | IntArray] = {
        "recency_days": -recency_days,
        "frequency": parts.columns["frequency"],
        "monetary": parts.columns["monetary"],
    }
    scores: dict[Dimension, IntArray] = {}
    reported: dict[str, FloatArray] = {}
    for dim in DIMENSIONS:
        g = goodness[dim]
        if dim in fixed:
            e = fixed[dim]
            thresholds = -e[::-1] if dim == "recency_days" else e
        else:
            counted = _counted_thresholds(cast(IntArray, g), bins) if g.dtype.kind == "i" else None
            thresholds = _quantile_thresholds(g, bins) if counted is None else counted
        thresholds = np.ascontiguousarray(thresholds, dtype=np.float64)
        scores[dim] = _score(g, thresholds)
        shown = (-thresholds[::-1] if dim == "recency_days" else thresholds.copy()) + 0.0
        shown.flags.writeable = False
        reported[dim] = shown

    r, f, m = scores["recency_days"], scores["frequency"], scores["monetary"]
    total, codes, segment_codes = _combine(scheme, r, f, m, bins)
    table = pd.DataFrame(
        {
            "recency_days": recency_days,
            "frequency": parts.columns["frequency"],
            "monetary": parts.columns["monetary"],
            "r": r,
            "f": f,
            "m": m,
            "rfm_code": codes,
            "rfm_score": total,
            "segment": _categorical(segment_codes, scheme.names),
        },
        index=parts.customers.copy(),
        # Every column is a fresh array: skip pandas' consolidation copy.
        copy=False,
    )
    return RFMResult(
        table=freeze(table),
        bins=bins,
        observation_end=parts.context["observation_end"],
        edges=MappingProxyType(reported),
        segments=scheme.names,
    )


RFM_SCORES = Spec(rfm_scores, _check_args, _partials, _finish)
