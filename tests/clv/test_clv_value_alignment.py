"""customer_lifetime_value aligns a per-customer value Series on the summary's index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.clv import BetaGeo

MODEL = BetaGeo(r=0.24, alpha=4.41, a=0.79, b=2.43)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return gk.datasets.load_cdnow_summary().head(6)


def test_series_is_aligned_by_customer_not_position(summary: pd.DataFrame) -> None:
    values = pd.Series(np.arange(1.0, 7.0), index=summary.index)
    by_position = gk.customer_lifetime_value(MODEL, values.to_numpy(), summary)
    shuffled = gk.customer_lifetime_value(MODEL, values.iloc[np.array([3, 0, 5, 1, 4, 2])], summary)
    pd.testing.assert_series_equal(shuffled, by_position)
    # and each customer's CLV is its own value times its expected discounted purchases
    unit = gk.customer_lifetime_value(MODEL, 1.0, summary)
    np.testing.assert_allclose(by_position.to_numpy(), unit.to_numpy() * values.to_numpy())


def test_series_with_foreign_index_is_refused(summary: pd.DataFrame) -> None:
    values = pd.Series(1.0, index=[f"seg{i}" for i in range(len(summary))])
    with pytest.raises(gk.DataError, match=r"^`value_model` has no value for 6 .*: 6 rows"):
        gk.customer_lifetime_value(MODEL, values, summary)


def test_array_of_wrong_length_is_refused(summary: pd.DataFrame) -> None:
    with pytest.raises(gk.DataError, match=r"^`value_model` has 3 values for 6 customers"):
        gk.customer_lifetime_value(MODEL, np.ones(3), summary)
