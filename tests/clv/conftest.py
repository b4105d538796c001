from __future__ import annotations

import pandas as pd
import pytest

import growthkit.datasets as ds


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    return ds.load_cdnow_summary()
