"""Shared fixtures: the bundled CDNOW log and small simulated logs."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

import growthkit as gk

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,  # CI runs the same examples every time; the long profile explores
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "medium", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# Budgeted fuzz runs between the named profiles: GROWTHKIT_FUZZ_EXAMPLES=N examples each.
if os.environ.get("GROWTHKIT_FUZZ_EXAMPLES"):
    settings.register_profile(
        "fuzz-budget",
        max_examples=int(os.environ["GROWTHKIT_FUZZ_EXAMPLES"]),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("fuzz-budget")


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return gk.datasets.load_cdnow()


@pytest.fixture(scope="session")
def cdnow_summary_published() -> pd.DataFrame:
    return gk.datasets.load_cdnow_summary()


@pytest.fixture(scope="session")
def small_log() -> pd.DataFrame:
    return gk.datasets.simulate_transactions(300, seed=7)


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    return gk.datasets.load_cdnow_summary()
