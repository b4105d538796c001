"""DataFrame -> compact arrays, once.

Every transaction-level function in growthkit takes either a ``pandas.DataFrame`` or a
:class:`Transactions` made by :func:`prepare_transactions`. The DataFrame path validates and
converts the frame on each call; the prepared path pays that once, so a user who analyses one
log many times (summaries, cohorts, RFM, churn on the same orders) prepares it once and
passes the :class:`Transactions` around.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _threads
from growthkit import _validate as v
from growthkit.errors import DataError, SchemaError

if TYPE_CHECKING:
    from growthkit._blocks import CustomerBlocks

__all__ = [
    "Transactions",
    "as_transactions",
    "factorize_ids",
    "period_index",
    "prepare_transactions",
]

_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _readonly(a: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    a.flags.writeable = False
    return a


class _Derived:
    """What a :class:`Transactions` derives from its arrays and keeps (never pickled).

    Its customer-block layouts by shift, and its view without amounts (which shares them).
    """

    __slots__ = ("blocks", "parent_blocks", "without_amounts")

    def __init__(self) -> None:
        self.blocks: dict[int, CustomerBlocks] = {}
        # The full log's layouts, for its view without amounts (no reference cycle).
        self.parent_blocks: dict[int, CustomerBlocks] = {}
        self.without_amounts: Transactions | None = None

    def __reduce__(self) -> tuple[type[_Derived], tuple[()]]:
        return (_Derived, ())


@dataclass(frozen=True, slots=True, eq=False)
class Transactions:
    """A validated order log as compact arrays, ready for every growthkit kernel.

    Build it with :func:`prepare_transactions`; pass it wherever a function takes ``tx``.
    All arrays are read-only and never alias the caller's frame.

    Attributes
    ----------
    customer_col, time_col, amount_col
        The source column names (``amount_col`` is ``None`` without amounts).
    customers
        The distinct customer ids in their natural sort order (numeric for integers,
        lexicographic for strings, category order for categoricals), named ``customer_col``.
    codes
        Per-row position of the row's customer in ``customers`` (int32).
    ticks
        Per-row wall-clock time as int64 ticks of ``unit`` since 1970-01-01 (for tz-aware
        input, the local time in ``tz``).
    unit
        The tick unit: ``"s"``, ``"ms"``, ``"us"`` or ``"ns"``.
    tz
        The time zone of the source column, or ``None``.
    amounts
        Per-row order value (float64), or ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> import growthkit as gk
    >>> tx = pd.DataFrame(
    ...     {
    ...         "customer_id": ["b", "a", "b"],
    ...         "timestamp": pd.to_datetime(["2024-01-05", "2024-01-02", "2024-02-01"]),
    ...     }
    ... )
    >>> log = gk.prepare_transactions(tx)
    >>> list(log.customers), log.codes.tolist(), log.n_customers
    (['a', 'b'], [1, 0, 1], 2)
    >>> log.latest
    Timestamp('2024-02-01 00:00:00')
    """

    customer_col: str
    time_col: str
    amount_col: str | None
    customers: pd.Index
    codes: npt.NDArray[np.int32]
    ticks: npt.NDArray[np.int64]
    unit: str
    tz: object
    amounts: npt.NDArray[np.float64] | None
    _derived: _Derived = field(default_factory=_Derived, init=False, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        """Number of orders."""
        return int(self.codes.shape[0])

    @property
    def n_customers(self) -> int:
        """Number of distinct customers."""
        return len(self.customers)

    @property
    def ticks_per_day(self) -> int:
        """Ticks in one day for ``unit``."""
        return _TICKS_PER_DAY[self.unit]

    def __repr__(self) -> str:
        amount = f", amount_col={self.amount_col!r}" if self.amount_col else ""
        return (
            f"Transactions({self.n_rows} orders, {self.n_customers} customers, "
            f"customer_col={self.customer_col!r}, time_col={self.time_col!r}{amount})"
        )

    def to_ticks(self, stamp: pd.Timestamp, *, name: str = "time") -> int:
        """Wall-clock ticks of a timestamp already in this log's time zone.

        A time this log's unit cannot hold (before 1677 or after 2262 in nanoseconds) is a
        ``DataError`` naming ``name``, never a wrapped-around tick count.
        """
        wall = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
        try:
            value: Any = wall.as_unit(cast(Any, self.unit)).to_datetime64()
        except (ValueError, OverflowError) as exc:  # pandas' OutOfBoundsDatetime
            span = " (1677-09-21 to 2262-04-11)" if self.unit == "ns" else ""
            units = {"s": "second", "ms": "millisecond", "us": "microsecond", "ns": "nanosecond"}
            raise DataError(
                v.message(
                    name,
                    f"({wall}) is outside the range of {units[self.unit]} times{span}",
                    1,
                    "Pass a date in that range.",
                )
            ) from exc
        return int(value.astype(np.int64))

    def to_timestamp(self, ticks: int) -> pd.Timestamp:
        """The timestamp (in this log's time zone) of wall-clock ``ticks``."""
        unit: Any = self.unit
        stamp = pd.Timestamp(np.datetime64(int(ticks), unit))
        return stamp.tz_localize(cast(str, self.tz)) if self.tz is not None else stamp

    @property
    def latest(self) -> pd.Timestamp:
        """The latest order time (the default ``observation_end``)."""
        return self.to_timestamp(int(self.ticks.max()))

    def observation_end(
        self, value: object = None, *, name: str = "observation_end"
    ) -> tuple[pd.Timestamp, int]:
        """Resolve ``observation_end`` and check that no order lies after it.

        Returns the timestamp and its wall-clock ticks.
        """
        if value is None:
            ticks = int(self.ticks.max())
            return self.to_timestamp(ticks), ticks
        stamp = v.resolve_observation_end(value, tz=self.tz, name=name)
        ticks = self.to_ticks(stamp, name=name)
        late = int(np.count_nonzero(self.ticks > ticks))
        if late:
            raise DataError(
                v.message(
                    self.time_col,
                    f"has orders after {name} ({stamp})",
                    late,
                    f"Filter them out or pass a later {name}.",
                )
            )
        return stamp, ticks

    def days(self) -> npt.NDArray[np.int64]:
        """Per-row calendar day (days since 1970-01-01, local wall clock)."""
        return self.period_keys("D")

    def period_keys(self, period: v.Period) -> npt.NDArray[np.int64]:
        """Per-row calendar-period ordinal, as pandas numbers ``Period`` objects."""
        from growthkit._kernels import periods

        code = periods.PERIOD_CODES[v.check_period(period)]
        keys: npt.NDArray[np.int64] = periods.period_keys(self.ticks, self.ticks_per_day, code)
        return keys

    def period_key_of(self, ticks: int, period: v.Period) -> int:
        """Calendar-period ordinal of one wall-clock time."""
        from growthkit._kernels import periods

        code = periods.PERIOD_CODES[v.check_period(period)]
        one = np.array([ticks], dtype=np.int64)
        return int(periods.period_keys(one, self.ticks_per_day, code)[0])

    def without_amounts(self) -> Transactions:
        """The same log without its amount column (one view per log, sharing its layouts)."""
        view = self._derived.without_amounts
        if view is None:
            view = replace(self, amount_col=None, amounts=None)
            view._derived.parent_blocks = self._derived.blocks
            self._derived.without_amounts = view
        return view

    def customer_blocks(self, shift: int) -> CustomerBlocks:
        """The rows grouped, stably, by blocks of at most ``2**shift`` consecutive customers.

        The log computes a layout once and keeps it (read-only). A call is answered by the
        kept layout with the largest shift not above ``shift`` (smaller blocks serve every
        per-customer kernel as well: read ``layout.shift``), so a log analysed by several
        functions usually holds one layout. See :mod:`growthkit._blocks`.
        """
        from growthkit import _blocks

        derived = self._derived
        kept = [s for s in derived.blocks if s <= shift]
        if kept:
            return derived.blocks[max(kept)]
        shared = [s for s in derived.parent_blocks if s <= shift]
        if shared:
            # The full log's layout, without the amounts this view does not have.
            best = max(shared)
            view = replace(derived.parent_blocks[best], amounts=None)
            return derived.blocks.setdefault(best, view)
        layout = _blocks.build(self.codes, self.ticks, self.amounts, self.n_customers, shift)
        return derived.blocks.setdefault(shift, layout)


def period_index(keys: npt.NDArray[np.int64], period: v.Period) -> pd.PeriodIndex:
    """A ``pandas.PeriodIndex`` from calendar-period ordinals."""
    freq = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}[period]
    try:
        dtype = pd.PeriodDtype(freq)
    except (TypeError, ValueError):  # pandas < 2.2 spells year-end "A-DEC"
        dtype = pd.PeriodDtype(freq.replace("Y-", "A-"))
    values = pd.arrays.PeriodArray(np.asarray(keys, dtype=np.int64), dtype=dtype)
    return pd.PeriodIndex(values)


def prepare_transactions(
    tx: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    allow_negative_amounts: bool = False,
) -> Transactions:
    """Validate an order log once and convert it to compact arrays.

    Pass the result wherever a growthkit function takes ``tx`` to skip the validation and
    conversion on every call (factorising 10^7 string ids costs seconds; the prepared log
    costs nothing to reuse).

    Parameters
    ----------
    tx
        One row per order.
    customer_col, time_col, amount_col
        Column names. Ids may be integers, strings or categoricals; timestamps any
        ``datetime64`` unit, tz-naive or tz-aware (never mixed). Amounts are optional.
    allow_negative_amounts
        Accept negative order values (refunds). Off by default: most analyses assume
        refunds have been netted against their orders.

    Returns
    -------
    Transactions

    Raises
    ------
    SchemaError
        A column is missing or has the wrong dtype, or timestamps mix time zones.
    DataError
        The frame is empty, or ids/times are missing, or amounts are NaN, infinite or
        negative.

    Examples
    --------
    >>> import growthkit as gk
    >>> log = gk.prepare_transactions(gk.datasets.load_cdnow(), amount_col="amount")
    >>> log
    Transactions(6919 orders, 2357 customers, customer_col='customer_id', time_col='timestamp', amount_col='amount')
    >>> gk.customer_summary(log).shape
    (2357, 3)
    """  # noqa: E501
    if isinstance(tx, Transactions):
        return tx
    if not isinstance(tx, pd.DataFrame):
        from growthkit import _interop

        needed = [c for c in (customer_col, time_col, amount_col) if c is not None]
        converted = _interop.to_pandas_frame(tx, needed)
        if converted is not None:
            tx = converted
    if not isinstance(tx, pd.DataFrame):
        raise SchemaError(
            v.message(
                "tx",
                f"must be a pandas DataFrame or growthkit.Transactions, got {type(tx).__name__}",
                0,
            )
        )
    v.check_columns(
        tx, {"customer_col": customer_col, "time_col": time_col, "amount_col": amount_col}
    )
    if len(tx) == 0:
        raise DataError(v.message(customer_col, "is empty", 0, "Pass at least one order."))
    ticks, unit, tz = v.check_times(tx[time_col], time_col)
    amounts = None
    if amount_col is not None:
        amounts = v.check_amounts(tx[amount_col], amount_col, allow_negative=allow_negative_amounts)
    codes, customers = factorize_ids(tx[customer_col], customer_col)
    customers.name = customer_col
    return Transactions(
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        customers=customers,
        codes=cast(npt.NDArray[np.int32], _readonly(codes)),
        ticks=cast(npt.NDArray[np.int64], _readonly(ticks)),
        unit=unit,
        tz=tz,
        amounts=None if amounts is None else cast(npt.NDArray[np.float64], _readonly(amounts)),
    )


def as_transactions(
    tx: pd.DataFrame | Transactions,
    *,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    allow_negative_amounts: bool = False,
) -> Transactions:
    """Prepare ``tx`` unless it is prepared already; drop amounts a call did not ask for.

    A prepared log keeps the columns it was prepared with: a call may name them or leave
    the defaults (``customer_id``, ``timestamp``, ``amount``), but any other name is a
    ``SchemaError``, never silently ignored.
    """
    if isinstance(tx, Transactions):
        for role, asked, prepared, default in (
            ("customer", customer_col, tx.customer_col, "customer_id"),
            ("time", time_col, tx.time_col, "timestamp"),
            ("amount", amount_col, tx.amount_col, "amount"),
        ):
            if prepared is not None and asked not in (None, prepared, default):
                raise SchemaError(
                    v.message(
                        str(asked),
                        f"is not the {role} column the log was prepared with ({prepared!r})",
                        tx.n_rows,
                        f"Prepare the log with prepare_transactions(..., {role}_col={asked!r}).",
                    )
                )
        if amount_col is None:
            return tx.without_amounts() if tx.amounts is not None else tx
        if tx.amounts is None:
            raise SchemaError(
                v.message(
                    amount_col,
                    "was asked for but the prepared log has no amounts",
                    tx.n_rows,
                    "Prepare it with prepare_transactions(..., amount_col=...).",
                )
            )
        if not allow_negative_amounts and tx.amounts.size and tx.amounts.min() < 0:
            negative = int(np.count_nonzero(tx.amounts < 0))
            raise DataError(v.message(tx.amount_col or amount_col, "has negative values", negative))
        return tx
    return prepare_transactions(
        tx,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        allow_negative_amounts=allow_negative_amounts,
    )


def factorize_ids(values: pd.Series, name: str) -> tuple[npt.NDArray[np.int32], pd.Index]:
    """Dense int32 codes in the ids' natural sort order, and the sorted distinct ids."""
    from growthkit._kernels import factorize as fk

    dtype = values.dtype
    n = len(values)
    if isinstance(dtype, pd.CategoricalDtype):
        cat_codes = np.asarray(values.cat.codes.to_numpy(), dtype=np.int64)
        missing = int(np.count_nonzero(cat_codes < 0))
        if missing:
            raise DataError(
                v.message(name, "has missing values (NaN/None)", missing, "Drop or fill them.")
            )
        used = np.bincount(cat_codes, minlength=len(dtype.categories)) > 0
        rank = (np.cumsum(used) - 1).astype(np.int32)
        codes = fk.remap_codes(cat_codes.astype(np.int32), rank)
        return codes, pd.Index(dtype.categories[used])
    if (
        isinstance(dtype, np.dtype)
        and dtype.kind in "iu"
        and not (
            dtype.kind == "u"
            and dtype.itemsize == 8
            and n
            and values.max() > np.iinfo(np.int64).max
        )
    ):
        ints = np.ascontiguousarray(values.to_numpy(), dtype=np.int64)
        lo, hi = fk.int_range(ints)
        size = int(hi) - int(lo) + 1
        if size <= 2 * n + (1 << 20):
            codes, uniques = fk.dense_int_codes(ints, int(lo), size)
            return codes, pd.Index(uniques.astype(dtype, copy=False))
        hashed, distinct = fk.hash_int_codes(ints, fk.partition_bits(n))
        order = np.argsort(distinct)
        sorted_ids = pd.Index(distinct[order].astype(dtype, copy=False))
        return fk.remap_codes(hashed, _rank(order)), sorted_ids
    if isinstance(dtype, (pd.StringDtype, pd.ArrowDtype)) or pd.api.types.is_object_dtype(dtype):
        fast = _factorize_strings(values)
        if fast is not None:
            return fast
    v.check_ids(values, name)
    if pd.api.types.is_object_dtype(dtype):
        # pandas.factorize hashes strings as C strings, so "a\x00b" and "a" would collide:
        # the rare ids the fast path declines (mixed types; NUL bytes without pyarrow) go
        # through a dict.
        seen: dict[object, int] = {}
        dict_codes = np.fromiter(
            (seen.setdefault(x, len(seen)) for x in values.to_numpy()), dtype=np.int32, count=n
        )
        labels = np.empty(len(seen), dtype=object)
        labels[:] = list(seen)
        return _sorted_codes(dict_codes, pd.Index(labels, dtype=object))
    pd_codes, pd_uniques = pd.factorize(values, sort=False)
    return _sorted_codes(pd_codes.astype(np.int32), pd.Index(pd_uniques))


def _rank(order: npt.NDArray[np.intp] | npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """The position of each distinct id in ``order`` (the inverse permutation, int32)."""
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank


def _sorted_codes(
    codes: npt.NDArray[np.int32], uniques: pd.Index
) -> tuple[npt.NDArray[np.int32], pd.Index]:
    """Renumber first-appearance codes so that they follow the sorted uniques."""
    from growthkit._kernels import factorize as fk

    try:
        order = np.asarray(uniques.argsort(), dtype=np.int64)
    except TypeError:
        # Ids of mixed, unorderable types keep their order of first appearance.
        return codes, uniques
    if np.array_equal(order, np.arange(len(order))):
        return codes, uniques
    return fk.remap_codes(codes, _rank(order)), uniques[order]


def _factorize_strings(values: pd.Series) -> tuple[npt.NDArray[np.int32], pd.Index] | None:
    """Fast path for string ids; ``None`` when the values are not all plain strings.

    Arrow-backed strings are hashed straight from their offsets and data buffers, and the
    index of sorted distinct ids is a new Arrow array gathered from those bytes (no Python
    string is made). Python strings are first encoded by pyarrow into one such buffer (one
    C-level pass); without pyarrow, or for lone surrogates, into one NUL-joined buffer,
    which declines ids containing NUL.
    """
    from growthkit import _interop
    from growthkit._kernels import factorize as fk

    array = values.array
    arrow = getattr(array, "_pa_array", None)
    objects = None if arrow is not None else np.asarray(array, dtype=object)
    if objects is not None:
        arrow = _interop.arrow_strings(objects)
    tokens = None if arrow is None else _interop.string_tokens(arrow)
    if tokens is not None:
        buffer, starts = tokens
        gap = 0
    elif objects is None:
        return None
    else:
        try:
            joined = "\x00".join(objects).encode("utf-8", "surrogatepass")
        except (TypeError, UnicodeError):
            return None
        buffer = np.frombuffer(joined, dtype=np.uint8)
        starts = fk.split_offsets(buffer, len(objects), np.uint8(0))
        gap = 1
        if starts.shape[0] == 0:
            return None
    workers = _threads.threads_for(len(values))
    codes, first_row, head0, head1 = fk.hash_bytes_codes(
        buffer,
        starts,
        fk.partition_bits(len(values)),
        gap,
        workers=workers,
        pool=functools.partial(_threads.thread_map, threads=workers),
    )
    order = fk.sort_tokens(buffer, starts, first_row, head0, head1, gap)
    rows = first_row[order]
    if objects is not None:
        uniques = pd.Index(objects[rows], dtype=values.dtype)
    else:  # Arrow-backed values (``arrow`` is their array)
        kind = cast(Any, arrow).type
        labels = _interop.string_array(*fk.gather_tokens(buffer, starts, gap, rows), kind)
        uniques = pd.Index(type(array)(labels), dtype=values.dtype)
    return fk.remap_codes(codes, _rank(order)), uniques
