"""Every experiments result: frozen, read-only arrays, ``==`` by value, pickle round-trip.

One battery over one instance of each result class (issue 15); the instances come from the
public functions, so a new result class needs one line in ``RESULTS``.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable

import numpy as np
import pytest

from growthkit import experiments as ex

RESULTS: dict[str, Callable[[], object]] = {
    "ComparisonResult": lambda: ex.proportion_test([10, 20], [100, 100], [15, 30], [100, 100]),
    "ComparisonResult-bootstrap": lambda: ex.bootstrap_quantile_test(
        np.arange(50.0), np.arange(50.0) + 3, q=[0.5, 0.9], n_resamples=200, rng=1
    ),
    "RatioStats": lambda: ex.ratio_stats([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]),
    "CupedResult": lambda: ex.cuped([12.0, 9.0, 15.0, 10.0], [11.0, 8.0, 13.0, 10.0]),
    "SRMResult": lambda: ex.srm_test([[50, 51], [60, 40]]),
    "SampleSizeResult": lambda: ex.sample_size(0.1, [0.01, 0.02]),
    "BayesResult": lambda: ex.bayes_proportion([20, 30], 500, [25, 28], 500),
    "SequentialResult": lambda: ex.sequential_test(
        0.0, 1.0, [10, 20], [0.2, 0.3], 1.0, [10, 20], mixing_variance=0.1
    ),
    "GroupSequentialBoundaries": lambda: ex.group_sequential_boundaries(3),
    "CampaignResult": lambda: ex.campaign_lift(
        1200,
        20_000,
        100,
        2_000,
        revenue_treated=96_000.0,
        revenue_var_treated=900.0,
        revenue_holdout=8_000.0,
        revenue_var_holdout=800.0,
        cost=10_000.0,
    ),
}


def _arrays(obj: object) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, field.name)
        if isinstance(value, np.ndarray):
            out.append(value)
        elif dataclasses.is_dataclass(value):
            out.extend(_arrays(value))
    return out


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_equality_pickle_and_read_only(name: str) -> None:
    res, again = RESULTS[name](), RESULTS[name]()
    assert res == again and not (res != again)
    assert res != object() and res != None  # noqa: E711 - a comparison, not an identity test
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res) and back == res
    arrays = _arrays(back)
    assert arrays
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0
    first = dataclasses.fields(back)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(back, first, None)
    with pytest.raises(TypeError):
        hash(res)


def test_equality_compares_arrays_exactly() -> None:
    a = ex.proportion_test([10, 20], [100, 100], [15, 30], [100, 100])
    b = ex.proportion_test([10, 20], [100, 100], [15, 31], [100, 100])
    assert a != b
    assert a != ex.proportion_test(10, 100, 15, 100)  # shape differs
    assert a != dataclasses.replace(a, alpha=0.1)  # scalar field differs
    nan = dataclasses.replace(a, pvalue=np.array([np.nan, 0.5]))
    assert nan == dataclasses.replace(a, pvalue=np.array([np.nan, 0.5]))
    bayes = ex.bayes_proportion(20, 500, 25, 500)
    assert bayes != ex.bayes_proportion(20, 500, 25, 500, credible_level=0.9)
