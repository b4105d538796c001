"""A fitted churn model checks the table it scores (found by the no-mutation sweep)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.churn import ChurnModel, fit_churn_model

Fitted = tuple[pd.DataFrame, ChurnModel]


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    table = gk.survival_table(gk.datasets.simulate_transactions(400, seed=3), amount_col="amount")
    return table, fit_churn_model(table)


def _nan_orders(t: pd.DataFrame) -> pd.DataFrame:
    return t.assign(orders=np.where(np.arange(len(t)) < 2, np.nan, t["orders"]))


EDITS: list[tuple[Callable[[pd.DataFrame], pd.DataFrame], type[gk.GrowthkitError], str]] = [
    (lambda t: t.iloc[:0], gk.DataError, "table"),
    (_nan_orders, gk.DataError, "orders"),
    (lambda t: t.assign(spend=np.inf), gk.DataError, "spend"),
    (lambda t: t.drop(columns=["orders"]), gk.SchemaError, "orders"),
]


@pytest.mark.parametrize(("edit", "error", "field"), EDITS)
def test_scoring_rejects_bad_tables(
    fitted: Fitted,
    edit: Callable[[pd.DataFrame], pd.DataFrame],
    error: type[gk.GrowthkitError],
    field: str,
) -> None:
    table, model = fitted
    bad = edit(table)
    calls: list[Callable[[], object]] = [
        lambda: model.churn_probability(bad, horizon_days=30),
        lambda: model.risk_contributions(bad),
        lambda: model.median_lifetime(bad),
    ]
    for call in calls:
        with pytest.raises(error, match=f"^`{field}`"):
            call()


def test_churn_probability_rejects_bad_durations(fitted: Fitted) -> None:
    table, model = fitted
    bad = table.assign(duration=np.where(np.arange(len(table)) < 3, -1.0, table["duration"]))
    with pytest.raises(gk.DataError, match=r"^`duration`.*: 3 rows"):
        model.churn_probability(bad, horizon_days=30)


def test_aft_fit_on_zero_durations_only_is_a_data_error() -> None:
    # found by the long fuzz run: every row dropped (AFT needs duration > 0), then lifelines
    # raised ValueError on the empty frame
    table = pd.DataFrame(
        {
            "duration": [0.0, 0.0, 0.0, 0.0],
            "churned": [False, False, False, True],
            "orders": [1.0, 1.0, 1.0, 2.0],
            "mean_gap_days": [0.0, 0.0, 0.0, 1.0],
            "spend": [0.0, 0.0, 0.0, 1.0],
        },
        index=pd.Index(range(4), name="customer_id"),
    )
    for kind in ("weibull", "lognormal"):
        with pytest.raises(gk.DataError, match=r"^`duration` is 0 for every customer.*: 4 rows"):
            fit_churn_model(table, model=kind)
