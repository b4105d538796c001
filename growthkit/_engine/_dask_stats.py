"""A/B sufficient statistics from a Dask frame: one aggregation, then the vectorised tests.

:func:`ratio_stats_by_variant` is the Dask twin of
:func:`growthkit.experiments.ratio_stats_by_variant`: per variant the unit count, the sums
of numerator and denominator, their sums of squares and the sum of cross-products, i.e.
everything :func:`~growthkit.experiments.ratio_test` (and, with a denominator of ones,
:func:`~growthkit.experiments.mean_test`) needs. The validation counts (missing variants,
non-finite values) ride along in the same graph, so the data is read once.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from growthkit import _validate as v
from growthkit._engine._dask import _Sized
from growthkit.errors import GrowthkitError

__all__ = ["mean_inputs", "ratio_stats_by_variant"]


def ratio_stats_by_variant(
    ddf: Any, *, variant_col: str, numerator_col: str, denominator_col: str
) -> dict[Hashable, Any]:
    """Per-variant :class:`~growthkit.experiments.RatioStats` of a Dask frame of units.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame`` with one row per randomisation unit.
    variant_col, numerator_col, denominator_col
        As in :func:`growthkit.experiments.ratio_stats_by_variant`.

    Returns
    -------
    dict
        ``{variant: RatioStats}``, variants sorted, the same structure as in memory.

    Raises
    ------
    SchemaError
        A named column is missing (the message counts all rows).
    DataError
        Missing variant labels, or NaN / infinite / non-numeric values, counted over all
        partitions.

    Notes
    -----
    One ``groupby(variant).sum()`` of ``x, y, x*x, y*y, x*y`` plus the unit counts; Dask
    reduces it as a tree, so the memory per worker is one partition plus one row per
    variant. Sums are added in a different order than in memory, so floating-point
    results agree to rounding (exactly for integer-valued metrics).
    """
    from growthkit.experiments import RatioStats

    dask = importlib.import_module("dask")
    meta: pd.DataFrame = ddf._meta
    names = {
        "variant_col": variant_col,
        "numerator_col": numerator_col,
        "denominator_col": denominator_col,
    }
    present = [c for c in names.values() if c in meta.columns]
    if len(present) < len(names) or meta.columns.duplicated().any():
        n = int(dask.compute(ddf.shape[0])[0])
        v.check_columns(_Sized(meta.columns, n), dict(names.items()))  # type: ignore[arg-type]
    numeric = {
        col: bool(
            pd.api.types.is_numeric_dtype(meta[col].dtype)
            and not pd.api.types.is_bool_dtype(meta[col].dtype)
        )
        for col in (numerator_col, denominator_col)
    }
    frame = ddf[[variant_col, numerator_col, denominator_col]]
    x = frame[numerator_col].astype(np.float64) if numeric[numerator_col] else None
    y = frame[denominator_col].astype(np.float64) if numeric[denominator_col] else None
    n_rows = frame.shape[0]
    missing = frame[variant_col].isna().sum()
    bad_x = (~np.isfinite(x)).sum() if x is not None else n_rows
    bad_y = (~np.isfinite(y)).sum() if y is not None else n_rows
    if x is not None and y is not None:
        parts = frame[[variant_col]].assign(x=x, y=y, xx=x * x, yy=y * y, xy=x * y)
        grouped = parts.groupby(variant_col, sort=False)
        sums = grouped[["x", "y", "xx", "yy", "xy"]].sum()
        counts = grouped.size()
        n, n_missing, n_bad_x, n_bad_y, sum_frame, count_series = dask.compute(
            n_rows, missing, bad_x, bad_y, sums, counts
        )
    else:
        n, n_missing, n_bad_x, n_bad_y = dask.compute(n_rows, missing, bad_x, bad_y)
    if n_missing:
        raise _fail(variant_col, "is missing", int(n_missing), "Label every unit's variant.")
    for col, bad, is_numeric in (
        (numerator_col, n_bad_x, numeric[numerator_col]),
        (denominator_col, n_bad_y, numeric[denominator_col]),
    ):
        if not is_numeric:
            raise _fail(col, "is not numeric", int(n), "Pass numbers.")
        if bad:
            raise _fail(
                col,
                "is NaN or infinite",
                int(bad),
                "Drop or fill the missing values before testing.",
            )
    order = sum_frame.index.sort_values()
    sums = sum_frame.loc[order].rename(columns={col: name for name, col in _FIELDS.items()})
    counts = count_series.loc[order].astype(np.float64)
    return {
        key: RatioStats(
            n=np.asarray(counts[key]), **{name: np.asarray(sums.at[key, name]) for name in _FIELDS}
        )
        for key in order
    }


# RatioStats field -> column of the per-variant sums.
_FIELDS = {
    "sum_num": "x",
    "sum_den": "y",
    "sum_num_sq": "xx",
    "sum_den_sq": "yy",
    "sum_num_den": "xy",
}


def mean_inputs(stats: Any) -> tuple[Any, Any, Any]:
    """``(mean, var, n)`` of the numerator from :class:`RatioStats`, for ``mean_test``.

    The sample variance ``(sum_sq - n mean^2) / (n - 1)`` from the sums; use it for
    metrics whose mean is not huge relative to their spread (the usual case of A/B
    metrics), where the cancellation costs a few digits at most.

    Examples
    --------
    >>> from growthkit.experiments import ratio_stats
    >>> from growthkit._engine._dask_stats import mean_inputs
    >>> mean, var, n = mean_inputs(ratio_stats([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]))
    >>> float(mean), float(var), float(n)
    (2.0, 1.0, 3.0)
    """
    n = np.asarray(stats.n, dtype=np.float64)
    mean = stats.sum_num / n
    var = np.maximum(stats.sum_num_sq - n * mean * mean, 0.0) / (n - 1.0)
    return mean, var, n


def _fail(field: str, problem: str, count: int, fix: str) -> GrowthkitError:
    return v.data_error(field, problem, count, fix)
