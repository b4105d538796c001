"""cohort_matrix on logs whose span makes a periods x periods matrix unreasonable."""

from __future__ import annotations

import pandas as pd
import pytest

import growthkit as gk


def test_centuries_long_span_is_a_clear_error_not_a_huge_allocation() -> None:
    # Regression (fuzz): a log spanning 1700-2247 made a 28,500 x 28,500 weekly matrix.
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": pd.to_datetime(["1700-01-01", "1700-01-02", "2247-09-01"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(gk.DataError, match=r"`period` 'W' splits the log into \d+ periods"):
        gk.cohort_matrix(tx, period="W", value="revenue", amount_col="amount")
    assert gk.cohort_matrix(tx, period="Y").counts.shape[0] == 2
    assert len(gk.growth_accounting(tx, period="W")) > 28_000  # linear in periods: fine
