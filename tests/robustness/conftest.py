"""Fuzz profile override: ``GROWTHKIT_FUZZ_EXAMPLES=N`` runs N examples per function.

The named profiles (``ci``, ``medium``, ``long``) live in tests/conftest.py and are chosen
with ``HYPOTHESIS_PROFILE``; this override exists for budgeted runs between them.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

if os.environ.get("GROWTHKIT_FUZZ_EXAMPLES"):
    settings.register_profile(
        "fuzz-budget",
        max_examples=int(os.environ["GROWTHKIT_FUZZ_EXAMPLES"]),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("fuzz-budget")
