"""Holdout design: deterministic salted-hash assignment, stratified; holdout sample size."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._results import ExactFields, freeze, frozen
from growthkit.experiments import Metric as Metric
from growthkit.experiments import SampleSizeResult, SRMResult, sample_size, srm_test

__all__ = [
    "ARMS",
    "HoldoutAssignment",
    "assign_holdout",
    "hash_unit",
    "holdout_sample_size",
]

ARMS: tuple[str, str] = ("treatment", "holdout")
"""The two arm labels, in the order of every per-arm count."""

_SEP = "\x1f"  # unit separator: salt "a" + id "bc" never hashes like salt "ab" + id "c"


def _id_texts(customers: object, name: str) -> tuple[pd.Index, list[str]]:
    data: Any = customers.to_numpy() if isinstance(customers, pd.Series) else customers
    ids = pd.Index(data)
    if ids.ndim != 1:
        raise v.schema_error(name, "must be 1-D ids", len(ids))
    missing = int(ids.isna().sum())
    if missing:
        raise v.data_error(name, "has missing ids (NaN/None)", missing, "Drop or fill them first.")
    dup = int(ids.duplicated().sum())
    if dup:
        raise v.data_error(name, "has duplicated ids", dup, "Pass each customer once.")
    return ids, [str(x) for x in ids]


def hash_unit(customers: object, *, salt: str) -> npt.NDArray[np.float64]:
    r"""A uniform number in [0, 1) per id, fixed by the salt and the id's text.

    Parameters
    ----------
    customers
        Customer ids (ints, strings; any 1-D array-like).
    salt
        Campaign-specific text; a new salt gives an independent draw.

    Returns
    -------
    numpy.ndarray
        ``blake2b(salt + "\x1f" + str(id), digest_size=8)`` read as a big-endian
        unsigned 64-bit integer, top 53 bits over ``2**53``: the same number in every
        process, machine and Python version (unlike the built-in ``hash``, which is salted
        per process for strings).

    Raises
    ------
    SchemaError
        ``salt`` not a string.
    DataError
        Missing or duplicated ids.

    Examples
    --------
    >>> from growthkit.campaigns import hash_unit
    >>> hash_unit(["a", "b"], salt="spring-2024").round(6).tolist()
    [0.148288, 0.587768]
    >>> hash_unit([7], salt="s").tolist() == hash_unit(["7"], salt="s").tolist()
    True
    """
    if not isinstance(salt, str):
        raise v.schema_error("salt", f"must be a string, got {type(salt).__name__}", 1)
    _, texts = _id_texts(customers, "customers")
    prefix = (salt + _SEP).encode("utf-8")
    words = np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(prefix + t.encode("utf-8"), digest_size=8).digest(), "big"
            )
            >> 11
            for t in texts
        ),
        dtype=np.int64,
        count=len(texts),
    )
    out: npt.NDArray[np.float64] = words.astype(np.float64) * 2.0**-53
    return out


@dataclass(frozen=True, slots=True, eq=False)
class HoldoutAssignment(ExactFields):
    """Customers split into treatment and a stratified holdout by a salted hash.

    Attributes
    ----------
    table
        Indexed by customer (in the order given): ``stratum`` (``"all"`` without
        strata), ``hash`` (:func:`hash_unit`) and ``arm`` (``"treatment"`` or
        ``"holdout"``). A copy on each access from :meth:`to_frame`.
    salt, holdout_share
        The design.

    Notes
    -----
    Two assignments are ``==`` when every field and the table are exactly equal; they
    pickle, and the table is read-only.

    Examples
    --------
    >>> from growthkit.campaigns import assign_holdout
    >>> a = assign_holdout(range(10), salt="demo", holdout_share=0.3)
    >>> a.counts()  # doctest: +NORMALIZE_WHITESPACE
    arm      treatment  holdout
    stratum
    all              7        3
    >>> a.table["arm"].tolist() == assign_holdout(range(10), salt="demo",
    ...                                           holdout_share=0.3).table["arm"].tolist()
    True
    """

    table: pd.DataFrame
    salt: str
    holdout_share: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", frozen(self.table))

    def __hash__(self) -> int:
        return hash((self.salt, self.holdout_share, len(self.table)))

    def to_frame(self) -> pd.DataFrame:
        """The assignment table (a copy)."""
        return self.table.copy()

    def counts(self) -> pd.DataFrame:
        """Customers per stratum (rows) and arm (columns ``treatment``, ``holdout``)."""
        counts = pd.crosstab(self.table["stratum"], self.table["arm"])
        return counts.reindex(columns=list(ARMS), fill_value=0)

    def srm(self) -> SRMResult:
        """Sample-ratio check of the arm sizes against the planned split (``srm_test``)."""
        totals = self.counts().sum(axis=0).to_numpy(dtype=np.float64)
        return srm_test(totals, [1.0 - self.holdout_share, self.holdout_share])

    def __str__(self) -> str:
        head = f"holdout assignment (salt={self.salt!r}, share={self.holdout_share:g})"
        return f"{head}\n{self.counts()}"


def assign_holdout(
    customers: object,
    *,
    salt: str,
    holdout_share: float = 0.1,
    strata: object = None,
) -> HoldoutAssignment:
    """Split customers into treatment and holdout, stratified, by a salted hash.

    Parameters
    ----------
    customers
        Customer ids (e.g. ``target_list.selected().index``).
    salt
        Campaign-specific text (``"winback-2024-06"``): reusing it reproduces the split
        exactly, a new one gives an independent split.
    holdout_share
        Share of each stratum held out, in (0, 1).
    strata
        Optional segment label per customer (same length as ``customers``, or a Series
        indexed by customer), e.g. an RFM segment or a value tier.

    Returns
    -------
    HoldoutAssignment

    Raises
    ------
    SchemaError
        ``salt`` not a string.
    DataError
        Missing or duplicated ids, missing strata, ``strata`` of another length or
        missing customers, ``holdout_share`` outside (0, 1).

    Notes
    -----
    Within each stratum, customers are sorted by (:func:`hash_unit`, id text) and the
    first ``floor(share * n + 1/2)`` are held out. The split therefore depends only on the
    salt, the ids and their strata -- not on the input order, the process, the machine or
    the Python version -- and each stratum's holdout share is as close to ``holdout_share``
    as whole customers allow, so the arms are balanced on the strata by construction.
    A customer's arm can change when the stratum's membership changes: store the
    assignment at send time (``to_frame().to_csv(...)``).

    Examples
    --------
    >>> from growthkit.campaigns import assign_holdout
    >>> ids = [f"c{i}" for i in range(1000)]
    >>> a = assign_holdout(ids, salt="winback-june", holdout_share=0.2,
    ...                    strata=["high" if i % 4 == 0 else "low" for i in range(1000)])
    >>> a.counts()  # doctest: +NORMALIZE_WHITESPACE
    arm      treatment  holdout
    stratum
    high           200       50
    low            600      150
    >>> round(float(a.srm().pvalue), 3)
    1.0
    >>> b = assign_holdout(ids[::-1], salt="winback-june", holdout_share=0.2,
    ...                    strata=["high" if i % 4 == 0 else "low" for i in range(1000)][::-1])
    >>> bool((b.table["arm"].loc[ids] == a.table["arm"]).all())  # input order does not matter
    True
    """
    share = v.check_probability("holdout_share", holdout_share)
    u = hash_unit(customers, salt=salt)
    ids, texts = _id_texts(customers, "customers")
    labels = _strata(strata, ids)
    codes, uniques = pd.factorize(labels, sort=True)
    # sort by stratum, then hash, then id text (ties of 53-bit hashes are astronomically rare)
    order = np.lexsort((np.array(texts, dtype=object), u, codes))
    sizes = np.bincount(codes, minlength=len(uniques))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    position = np.empty(len(ids), dtype=np.int64)
    position[order] = np.arange(len(ids)) - np.repeat(starts, sizes)
    quota = np.floor(share * sizes + 0.5).astype(np.int64)
    held = position < quota[codes]
    table = pd.DataFrame(
        {
            "stratum": pd.Categorical(labels, categories=list(uniques)),
            "hash": u,
            "arm": np.where(held, ARMS[1], ARMS[0]).astype(object),
        },
        index=ids.rename(ids.name or "customer_id"),
    )
    return HoldoutAssignment(table=freeze(table), salt=salt, holdout_share=share)


def _strata(strata: object, ids: pd.Index) -> npt.NDArray[Any]:
    if strata is None:
        return np.full(len(ids), "all", dtype=object)
    if isinstance(strata, pd.Series) and not isinstance(strata.index, pd.RangeIndex):
        missing = int(np.count_nonzero(~ids.isin(strata.index)))
        if missing:
            raise v.data_error("strata", "has no label for some customers", missing)
        strata = strata.loc[ids]
    raw = strata.to_numpy() if isinstance(strata, pd.Series) else strata
    labels = np.asarray(raw, dtype=object)
    if labels.shape != (len(ids),):
        raise v.data_error(
            "strata",
            f"has shape {labels.shape}, not one label per customer ({len(ids)})",
            int(labels.size),
        )
    missing = int(pd.isna(labels).sum())
    if missing:
        raise v.data_error("strata", "has missing labels", missing, "Fill them, e.g. 'unknown'.")
    out: npt.NDArray[Any] = labels
    return out


def holdout_sample_size(
    baseline: float,
    mde: float,
    *,
    metric: Metric = "proportion",
    std: float | None = None,
    relative: bool = False,
    holdout_share: float = 0.1,
    power: float = 0.8,
    alpha: float = 0.05,
) -> SampleSizeResult:
    """Holdout and treatment sizes needed to detect a win-back-rate or revenue effect.

    :func:`growthkit.experiments.sample_size` with the holdout as control A and the
    treatment as variant B, ``ratio = (1 - holdout_share) / holdout_share``.

    Parameters
    ----------
    baseline
        Win-back rate of the holdout (``metric="proportion"``), or its mean revenue per
        customer (``metric="mean"``, with ``std`` the standard deviation of revenue per
        customer).
    mde
        Smallest effect worth detecting (absolute, or relative with ``relative=True``).
    metric, std, relative, power, alpha
        As in :func:`growthkit.experiments.sample_size`.
    holdout_share
        Planned share held out, in (0, 1).

    Returns
    -------
    SampleSizeResult
        ``n_a``: customers to hold out; ``n_b``: to treat; ``total``: to select.

    Raises
    ------
    DataError
        As :func:`growthkit.experiments.sample_size`; ``holdout_share`` outside (0, 1).

    Examples
    --------
    >>> from growthkit.campaigns import holdout_sample_size
    >>> res = holdout_sample_size(0.05, 0.02, holdout_share=0.2)
    >>> int(res.n_a), int(res.n_b), int(res.total)
    (1432, 5725, 7157)
    """
    share = v.check_probability("holdout_share", holdout_share)
    return sample_size(
        baseline,
        mde,
        metric=metric,
        std=std,
        relative=relative,
        power=power,
        ratio=(1.0 - share) / share,
        alpha=alpha,
    )


def arm_labels(values: object, n: int, name: str = "arm") -> npt.NDArray[np.bool_]:
    """``True`` for treatment, ``False`` for holdout; anything else is a ``DataError``."""
    arr = np.asarray(values, dtype=object)
    treated = arr == ARMS[0]
    bad = int(np.count_nonzero(~treated & (arr != ARMS[1])))
    if bad:
        sample: Hashable = next(x for x in arr if x not in ARMS)
        raise v.data_error(
            name,
            f"has values other than 'treatment' and 'holdout' (e.g. {sample!r})",
            bad,
            "Label every customer 'treatment' or 'holdout'.",
        )
    for label, count in ((ARMS[0], int(treated.sum())), (ARMS[1], n - int(treated.sum()))):
        if count == 0:
            raise v.data_error(
                name, f"has no '{label}' customer (an empty arm)", 0, "Both arms need customers."
            )
    out: npt.NDArray[np.bool_] = treated.astype(bool)
    return out
