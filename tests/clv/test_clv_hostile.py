"""Hostile input to the CLV models (issue 20): each case failed before its fix."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit.datasets as ds
from growthkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    customer_lifetime_value,
    holdout_comparison,
)
from growthkit.errors import DataError, SchemaError

SUMMARY = pd.DataFrame(
    {"frequency": [0, 2, 5], "recency": [0.0, 10.0, 30.0], "T": [40.0, 40.0, 40.0]}
)


@pytest.mark.parametrize(
    ("cls", "args", "match"),
    [
        (BetaGeo, (-1, 1, 1, 1), r"^`r` must be a finite number > 0, got -1: 1 rows\.$"),
        (BetaGeo, (0, 0, 0, 0), r"^`r` must be a finite number > 0, got 0: 1 rows\.$"),
        (BetaGeo, (1, 1, 1, np.nan), r"^`b` must be a finite number > 0, got nan: 1 rows\.$"),
        (ModifiedBetaGeo, (1, -2.0, 1, 1), r"^`alpha` must be a finite number > 0"),
        (ParetoNBD, (1, 1, 1, np.inf), r"^`beta` must be a finite number > 0, got inf"),
        (GammaGamma, (1, 0, 1), r"^`q` must be a finite number > 0, got 0: 1 rows\.$"),
        (ShiftedBetaGeometric, (1, -1), r"^`beta` must be a finite number > 0, got -1"),
        (BetaGeoBetaBinom, (1, 1, 0, 1), r"^`gamma` must be a finite number > 0, got 0"),
    ],
)
def test_invalid_parameters_raise_at_construction(
    cls: Any, args: tuple[float, ...], match: str
) -> None:
    with pytest.raises(DataError, match=match):
        cls(*args)


def test_non_numeric_parameter_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"^`a` must be a finite number > 0, got '1': 1 rows"):
        BetaGeo(1.0, 1.0, "1", 1.0)  # type: ignore[arg-type]


def test_valid_parameters_predict_finite_non_negative() -> None:
    for model in (BetaGeo(0.2, 4.0, 0.8, 2.4), ParetoNBD(0.5, 10.0, 0.6, 11.0)):
        out = model.expected_purchases(10.0, SUMMARY)
        assert np.all(np.isfinite(out)) and np.all(out >= 0)


def test_negative_constant_value_model_raises() -> None:
    model = BetaGeo(0.2, 4.0, 0.8, 2.4)
    with pytest.raises(DataError, match=r"^`value_model` is negative: 1 rows\. "):
        customer_lifetime_value(model, -5.0, SUMMARY)
    with pytest.raises(DataError, match=r"^`value_model` is negative: 2 rows\. "):
        customer_lifetime_value(model, np.array([1.0, -1.0, -2.0]), SUMMARY)


@pytest.mark.parametrize("model", [BetaGeo(0.2, 4.0, 0.8, 2.4), ParetoNBD(0.5, 10.0, 0.6, 11.0)])
def test_expected_purchases_t_of_wrong_length(model: Any) -> None:
    match = r"^`t` has 2 values for 3 customers: 2 rows\. Pass one value, or one per customer\.$"
    with pytest.raises(DataError, match=match):
        model.expected_purchases([1.0, 2.0], SUMMARY)


def test_bgbb_expected_purchases_t_of_wrong_length() -> None:
    model = BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    with pytest.raises(DataError, match=r"^`t` has 2 values for 3 customers: 2 rows\."):
        model.expected_purchases([1, 2], [0, 1, 2], [0, 2, 3], [6, 6, 6])


def test_probability_alive_horizon_of_wrong_length() -> None:
    with pytest.raises(DataError, match=r"^`horizon` has 2 values for 3 customers: 2 rows\."):
        BetaGeo(0.2, 4.0, 0.8, 2.4).probability_alive(SUMMARY, horizon=[1.0, 2.0])


@pytest.mark.parametrize(
    "model",
    [
        ShiftedBetaGeometric(alpha=1.0, beta=2.0),
        GammaGamma(p=6.0, q=3.7, v=15.0),
        BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8),
        "BetaGeo",
    ],
)
def test_non_purchase_model_is_a_schema_error(model: Any) -> None:
    name = type(model).__name__
    match = (
        rf"^`purchase_model` must be a BetaGeo, ModifiedBetaGeo or ParetoNBD, got {name}: "
        r"1 rows\."
    )
    with pytest.raises(SchemaError, match=match):
        customer_lifetime_value(model, 1.0, SUMMARY)
    holdout = SUMMARY.assign(frequency_holdout=[0, 1, 2], duration_holdout=10.0)
    with pytest.raises(SchemaError, match=match.replace("purchase_model", "model")):
        holdout_comparison(model, holdout)


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (BetaGeo, SUMMARY),
        (ParetoNBD, SUMMARY),
        (GammaGamma, pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [5.0, 6.0, 9.0]})),
    ],
)
def test_fit_start_unknown_keys(cls: Any, data: pd.DataFrame) -> None:
    names = ", ".join(cls._param_names)
    match = (
        rf"^`start` has unknown keys 'rr', 'zeta': 2 rows\. {cls.__name__} parameters are "
        rf"{names}\.$"
    )
    with pytest.raises(SchemaError, match=match):
        cls.fit(data, start={"rr": 1.0, "zeta": 2.0})


@pytest.mark.parametrize("value", [0.0, -1.0, np.nan, np.inf])
def test_fit_start_invalid_values(value: float) -> None:
    cdnow = ds.load_cdnow_summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"^`start\['r'\]` must be a finite number > 0, got"):
            BetaGeo.fit(cdnow, start={"r": value})
        with pytest.raises(DataError, match=r"^`start\['alpha'\]` must be a finite number > 0"):
            ShiftedBetaGeometric.fit([1000, 869, 743, 653], start={"alpha": value})


def test_fit_start_non_numeric_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"^`start\['a'\]` must be a finite number > 0"):
        BetaGeo.fit(SUMMARY, start={"a": "1"})  # type: ignore[dict-item]
    with pytest.raises(SchemaError, match=r"^`start` must be a dict of parameter values"):
        BetaGeo.fit(SUMMARY, start=[1.0, 2.0])  # type: ignore[arg-type]


def test_fit_start_valid_values_reach_the_published_optimum() -> None:
    cdnow = ds.load_cdnow_summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BetaGeo.fit(cdnow, start={"r": 0.5, "alpha": 1.0})
    assert round(model.params["r"], 3) == 0.243
