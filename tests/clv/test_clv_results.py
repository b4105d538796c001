"""Fitted CLV models and results: equality, pickling, read-only arrays and frames."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    HoldoutComparison,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    holdout_comparison,
)

CDNOW = gk.datasets.load_cdnow_summary()


def fitted() -> list[Any]:
    return [
        BetaGeo.fit(CDNOW),
        ModifiedBetaGeo.fit(CDNOW),
        ParetoNBD.fit(CDNOW),
        GammaGamma.fit(CDNOW),
        ShiftedBetaGeometric.fit([1000, 869, 743, 653, 593, 551, 517, 491]),
    ]


@pytest.fixture(scope="module")
def models() -> list[Any]:
    return fitted()


@pytest.fixture(scope="module")
def comparison() -> HoldoutComparison:
    split = gk.calibration_holdout_summary(
        gk.datasets.load_cdnow(), calibration_end="1997-09-30", period="W"
    )
    return holdout_comparison(BetaGeo.fit(split), split)


def test_fitted_models_compare_equal_and_hash(models: list[Any]) -> None:
    again = fitted()
    for a, b in zip(models, again, strict=True):
        assert a == b and hash(a) == hash(b)
    assert models[0] != models[1]  # same parameter names, other model
    assert models[0] != BetaGeo(**models[0].params)  # no fit statistics
    given = BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    assert given == BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    assert given != BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.9)
    assert len({given, BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)}) == 1


def test_models_pickle_round_trip(models: list[Any]) -> None:
    for model in [*models, BetaGeo(0.2, 4.0, 0.8, 2.4)]:
        back = pickle.loads(pickle.dumps(model))
        assert back == model and type(back) is type(model)
        if model.covariance is not None:
            assert not back.covariance.flags.writeable


def test_covariance_is_read_only_and_copied(models: list[Any]) -> None:
    for model in models:
        with pytest.raises(ValueError, match="read-only"):
            model.covariance[0, 0] = 1.0
    cov = np.eye(2)
    model = ShiftedBetaGeometric(alpha=1.0, beta=2.0, covariance=cov)
    cov[0, 0] = 5.0  # the caller's array is not the model's
    assert model.covariance is not None and model.covariance[0, 0] == 1.0


def test_models_are_frozen(models: list[Any]) -> None:
    with pytest.raises(AttributeError):
        models[0].r = 1.0


def test_holdout_comparison_equality_and_pickle(comparison: HoldoutComparison) -> None:
    back = pickle.loads(pickle.dumps(comparison))
    assert back == comparison
    for frame in (back.table, back.per_customer):
        with pytest.raises(ValueError, match="read-only"):
            frame.iloc[0, 0] = 99
    changed = HoldoutComparison(
        table=comparison.table,
        per_customer=comparison.per_customer,
        mae=comparison.mae + 1,
        rmse=comparison.rmse,
        total_actual=comparison.total_actual,
        total_predicted=comparison.total_predicted,
        bucket_mae=comparison.bucket_mae,
        correlation=comparison.correlation,
    )
    assert changed != comparison


def test_holdout_comparison_frames_cannot_be_changed(comparison: HoldoutComparison) -> None:
    before = comparison.table.copy()
    with pytest.raises(ValueError, match="read-only"):
        comparison.table.iloc[0, 1] = 99.0
    with pytest.raises(ValueError, match="read-only"):
        comparison.per_customer.loc[comparison.per_customer.index[0], "actual"] = 99.0
    pd.testing.assert_frame_equal(comparison.table, before)
    # to_frame() hands out a copy the caller may change.
    mine = comparison.to_frame()
    mine.iloc[0, 1] = 99.0
    pd.testing.assert_frame_equal(comparison.table, before)
