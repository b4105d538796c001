"""Every shared check of ``growthkit._validate``: its class and its message, pinned in one place.

The house rule: the wrong *kind* of input (type, dtype, choice, dimension) is a
``SchemaError``; the right kind with a wrong *value* is a ``DataError``. Messages follow one
template: "`{field}` {problem}: {count} rows. {fix}".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from growthkit import _validate as v
from growthkit.errors import DataError, GrowthkitError, SchemaError

CASES: list[tuple[str, Callable[[], object], type[GrowthkitError], str]] = [
    (
        "choice",
        lambda: v.check_choice("value", "x", ("a", "b")),
        SchemaError,
        r"^`value` must be one of 'a', 'b', got 'x': 1 rows\.$",
    ),
    (
        "choice not a string",
        lambda: v.check_choice("value", 3, ("a", "b")),
        SchemaError,
        r"^`value` must be one of 'a', 'b', got 3: 1 rows\.$",
    ),
    (
        "period",
        lambda: v.check_period("H"),
        SchemaError,
        r"^`period` must be one of 'D', 'W', 'M', 'Q', 'Y', got 'H': 1 rows\. Weeks start",
    ),
    (
        "alternative",
        lambda: v.check_alternative("larger"),
        SchemaError,
        r"^`alternative` must be one of 'two-sided', 'greater', 'less', got 'larger': 1 rows\.$",
    ),
    (
        "int: value",
        lambda: v.check_positive_int("bins", 0),
        DataError,
        r"^`bins` must be an integer >= 1, got 0: 1 rows\.$",
    ),
    (
        "int: not whole",
        lambda: v.check_positive_int("bins", 2.5),
        DataError,
        r"^`bins` must be an integer >= 1, got 2\.5: 1 rows\.$",
    ),
    (
        "int: type",
        lambda: v.check_positive_int("bins", "5"),
        SchemaError,
        r"^`bins` must be an integer >= 1, got '5': 1 rows\.$",
    ),
    (
        "level: value",
        lambda: v.check_probability("alpha", 1.5, "Pass a level such as 0.05."),
        DataError,
        r"^`alpha` must lie strictly between 0 and 1, got 1\.5: 1 rows\. Pass a level",
    ),
    (
        "level: NaN",
        lambda: v.check_probability("alpha", float("nan")),
        DataError,
        r"^`alpha` must lie strictly between 0 and 1, got nan: 1 rows\.$",
    ),
    (
        "level: type",
        lambda: v.check_probability("confidence_level", "0.9"),
        SchemaError,
        r"^`confidence_level` must lie strictly between 0 and 1, got '0\.9': 1 rows\.$",
    ),
    (
        "positive number: value",
        lambda: v.check_positive_number("rate", -1.0),
        DataError,
        r"^`rate` must be a finite number > 0, got -1\.0: 1 rows\.$",
    ),
    (
        "positive number: type",
        lambda: v.check_positive_number("rate", None),
        SchemaError,
        r"^`rate` must be a finite number > 0, got None: 1 rows\.$",
    ),
    (
        "array: not numeric",
        lambda: v.as_float_array("x", ["a", "b"]),
        SchemaError,
        r"^`x` must be numeric: 2 rows\. Pass numbers\.$",
    ),
    (
        "array: DataFrame",
        lambda: v.as_float_array("x", pd.DataFrame({"a": [1.0]}), ndim=1),
        SchemaError,
        r"^`x` must be a 1-D array-like, got a DataFrame: 1 rows\.$",
    ),
    (
        "array: 2-D",
        lambda: v.as_float_array("x", np.ones((2, 2)), ndim=1),
        SchemaError,
        r"^`x` must be 1-D, got 2 dimensions: 4 rows\.$",
    ),
    (
        "array: NaN",
        lambda: v.as_float_array("x", [1.0, np.nan, np.inf]),
        DataError,
        r"^`x` has NaN or infinite values: 2 rows\. Drop or fill the missing values first\.$",
    ),
    (
        "array: negative",
        lambda: v.check_nonnegative("var_a", np.array([-1.0, 1.0])),
        DataError,
        r"^`var_a` is negative: 1 rows\.$",
    ),
    (
        "array: not positive",
        lambda: v.check_positive("n", np.array([0.0, 1.0]), "Each arm needs one."),
        DataError,
        r"^`n` is not positive: 1 rows\. Each arm needs one\.$",
    ),
    (
        "array: below",
        lambda: v.check_min("n_a", np.array([1.0]), 2, "Two per arm."),
        DataError,
        r"^`n_a` is below 2: 1 rows\. Two per arm\.$",
    ),
    (
        "array: whole",
        lambda: v.check_whole("k", np.array([1.5])),
        DataError,
        r"^`k` is not a whole number: 1 rows\. Pass integer counts\.$",
    ),
    (
        "array: shapes",
        lambda: v.broadcast([("a", np.ones(3)), ("b", np.ones(2))]),
        DataError,
        r"^`b` has shape \(2,\), unlike `a` with shape \(3,\): 2 rows\. Pass scalars",
    ),
    (
        "array: empty beside values",
        lambda: v.broadcast([("a", np.ones(1)), ("b", np.ones(0))]),
        DataError,
        r"^`b` has shape \(0,\), unlike `a`, which has values: 0 rows\.",
    ),
    (
        "frame: missing column",
        lambda: v.check_columns(pd.DataFrame({"a": [1]}), {"customer_col": "id"}),
        SchemaError,
        r"^`id` column not found \(columns: a\): 1 rows\. Pass customer_col=\.\.\.",
    ),
    (
        "frame: amounts",
        lambda: v.check_amounts(pd.Series([1.0, -2.0]), "amount"),
        DataError,
        r"^`amount` has negative values: 1 rows\. Refunds must be netted",
    ),
    (
        "frame: amount dtype",
        lambda: v.check_amounts(pd.Series(["a"]), "amount"),
        SchemaError,
        r"^`amount` must be numeric, got dtype (object|str): 1 rows\.",
    ),
]


@pytest.mark.parametrize(
    ("call", "kind", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_message(call: Callable[[], object], kind: type[GrowthkitError], pattern: str) -> None:
    with pytest.raises(GrowthkitError, match=pattern) as info:
        call()
    assert type(info.value) is kind


def test_valid_values_pass_through() -> None:
    assert v.check_positive_int("bins", np.int64(3)) == 3
    assert v.check_probability("alpha", 0.05) == 0.05
    assert v.check_positive_number("rate", 0, allow_zero=True) == 0.0
    assert v.as_float_array("x", 3.0, ndim=1).shape == (1,)
    assert v.as_float_array("x", 3.0).shape == ()
    a, b = v.broadcast([("a", np.ones(3)), ("b", np.array(2.0))])
    assert a.shape == b.shape == (3,)
