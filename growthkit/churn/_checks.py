"""Checks shared by the churn models: survival tables, covariates, lifelines calls."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.errors import ConvergenceError, DataError, GrowthkitWarning, SchemaError

__all__ = [
    "DEFAULT_COVARIATES",
    "MODEL_KINDS",
    "Groups",
    "ModelKind",
    "check_covariates",
    "check_table",
    "confidence",
    "durations",
    "check_horizons",
    "lifelines_calls",
    "numeric",
    "resolve_groups",
]

ModelKind = Literal["coxph", "weibull", "lognormal"]
MODEL_KINDS: tuple[ModelKind, ...] = ("coxph", "weibull", "lognormal")
#: Covariates fitted when none are named: they describe the customer's buying so far without
#: encoding the churn rule itself (``days_since_last`` and ``tenure_days`` do, see
#: :func:`fit_churn_model`).
DEFAULT_COVARIATES: tuple[str, ...] = ("orders", "mean_gap_days", "spend")
Groups = str | pd.Series | None

# --------------------------------------------------------------------------- checks


def check_table(table: object) -> pd.DataFrame:
    """Check the ``duration`` / ``churned`` columns of a survival table."""
    if not isinstance(table, pd.DataFrame):
        raise SchemaError(
            v.message(
                "table",
                f"must be a pandas DataFrame from survival_table, got {type(table).__name__}",
                0,
            )
        )
    n = len(table)
    for col in ("duration", "churned"):
        if col not in table.columns:
            raise SchemaError(
                v.message(col, "column not found", n, "Build the table with survival_table(...).")
            )
    if n == 0:
        raise DataError(v.message("duration", "is empty", 0, "Pass at least one customer."))
    if not pd.api.types.is_bool_dtype(table["churned"].dtype):
        raise SchemaError(v.message("churned", f"must be bool, got {table['churned'].dtype}", n))
    durations(table)
    return table


def durations(table: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The ``duration`` column as float64, checked: present, finite and >= 0."""
    if "duration" not in table.columns:
        raise SchemaError(v.message("duration", "column not found", len(table)))
    duration = numeric(table, "duration")
    bad = int(np.count_nonzero(~np.isfinite(duration) | (duration < 0)))
    if bad:
        raise DataError(v.message("duration", "has negative, missing or infinite values", bad))
    return duration


def numeric(table: pd.DataFrame, col: str, *, allow_bool: bool = False) -> npt.NDArray[np.float64]:
    values = table[col]
    is_bool = pd.api.types.is_bool_dtype(values.dtype)
    if (is_bool and not allow_bool) or not (is_bool or pd.api.types.is_numeric_dtype(values.dtype)):
        raise SchemaError(v.message(col, f"must be numeric, got dtype {values.dtype}", len(table)))
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def check_covariates(table: pd.DataFrame, covariates: Sequence[str] | None) -> tuple[str, ...]:
    """Resolve and check the covariates of a model fit."""
    if covariates is None:
        names = tuple(c for c in DEFAULT_COVARIATES if c in table.columns)
    elif isinstance(covariates, str):
        names = (covariates,)
    else:
        names = tuple(covariates)
    n = len(table)
    if not names:
        raise SchemaError(
            v.message("covariates", "is empty", n, "Name at least one numeric column.")
        )
    for name in names:
        if name in ("duration", "churned"):
            raise SchemaError(v.message(name, "is the outcome and cannot be a covariate", n))
        if name not in table.columns:
            available = ", ".join(str(c) for c in table.columns if c not in ("duration", "churned"))
            raise SchemaError(
                v.message(
                    name,
                    f"covariate not found (columns: {available})",
                    n,
                    "Pass covariates=[...] naming numeric columns of the table.",
                )
            )
        if names.count(name) > 1:
            raise SchemaError(v.message(name, "is named more than once in covariates", n))
        x = numeric(table, name, allow_bool=True)
        bad = int(np.count_nonzero(~np.isfinite(x)))
        if bad:
            raise DataError(v.message(name, "has missing or infinite values", bad))
        if n == 1 or np.all(x == x[0]):
            raise DataError(
                v.message(
                    name,
                    "has zero variance (every customer has the same value)",
                    n,
                    "Drop it from covariates=...; it cannot be estimated.",
                )
            )
    return names


def confidence(value: object) -> float:
    return v.check_probability("confidence_level", value)


def resolve_groups(table: pd.DataFrame, groups: Groups) -> tuple[pd.Series, str]:
    """Per-customer group labels aligned to the table, and their name."""
    n = len(table)
    if isinstance(groups, str):
        if groups not in table.columns:
            raise SchemaError(
                v.message(
                    groups,
                    "group column not found",
                    n,
                    "Pass groups= a column name or a Series indexed like the table.",
                )
            )
        labels = table[groups]
        name = groups
    elif isinstance(groups, pd.Series):
        labels = groups.reindex(table.index)
        name = str(groups.name) if groups.name is not None else "group"
    else:
        raise SchemaError(
            v.message(
                "groups",
                f"must be a column name or a pandas Series, got {type(groups).__name__}",
                n,
            )
        )
    missing = int(labels.isna().sum())
    if missing:
        raise DataError(
            v.message(
                name,
                "has no group for some customers (missing or not in the Series' index)",
                missing,
                "Give every customer a group.",
            )
        )
    return labels, name


@contextmanager
def lifelines_calls(what: str) -> Iterator[None]:
    """Turn lifelines' convergence failures and warnings into growthkit ones."""
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError
    from lifelines.exceptions import ConvergenceWarning, StatisticalWarning
    from scipy.linalg import LinAlgWarning

    diagnostics = (ConvergenceWarning, StatisticalWarning, LinAlgWarning)
    failure: Exception | None = None
    with warnings.catch_warnings(record=True) as caught:
        # Only lifelines' own diagnostics are captured; other warnings meet the caller's
        # filters as usual (and are replayed below if those let them through).
        for category in diagnostics:
            warnings.filterwarnings("always", category=category)
        try:
            yield
        except (LifelinesConvergenceError, np.linalg.LinAlgError) as exc:
            failure = exc
    if failure is not None:
        # The diagnostics that preceded the failure explain it: fold them into the error.
        notes = [
            " ".join(str(w.message).split()) for w in caught if issubclass(w.category, diagnostics)
        ]
        text = " ".join([" ".join(str(failure).split()), *notes])
        raise ConvergenceError(f"`model` {what} did not converge: {text}") from failure
    for w in caught:
        if issubclass(w.category, diagnostics):
            text = " ".join(str(w.message).split())
            warnings.warn(f"{what}: {text}", GrowthkitWarning, stacklevel=4)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def check_horizons(horizons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    times = np.atleast_1d(np.asarray(horizons, dtype=np.float64))
    bad = int(np.count_nonzero(~np.isfinite(times) | (times < 0)))
    if bad or times.ndim != 1:
        raise DataError(v.message("horizons", "must be finite, non-negative days", bad or 1))
    return times
