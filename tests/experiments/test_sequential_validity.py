"""Type-I error of the sequential tests under continuous monitoring (issue 17).

A 500-run version of ``benchmarks/sequential_type1.py`` (whose 10,000-run figures are in
docs/experiments.md): A/A data, a look after every unit per arm, the rejection rate must
stay below alpha plus three binomial standard errors. The exact test is also checked
against independent references: numerical integration for its e-value, and the exact
expectation over the binomial distribution, which must not exceed 1 for any null rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from growthkit import experiments as ex
from growthkit.errors import DataError

FArr = NDArray[np.float64]
ALPHA, RUNS, N = 0.05, 500, 1000
MARGIN = 3 * math.sqrt(ALPHA * (1 - ALPHA) / RUNS)

DRAWS: dict[str, tuple[Callable[[np.random.Generator, tuple[int, int]], FArr], float]] = {
    "normal": (lambda g, s: g.normal(0.0, 1.0, s), 1.0),
    "lognormal": (lambda g, s: g.lognormal(0.0, 1.0, s), (math.e - 1.0) * math.e),
    "bernoulli": (lambda g, s: (g.random(s) < 0.1).astype(np.float64), 0.09),
}


def running(draws: FArr) -> tuple[FArr, FArr, FArr]:
    """Running mean, variance (ddof=1) and n from n = 2 on, along axis 1."""
    n = np.arange(1, draws.shape[1] + 1, dtype=np.float64)
    shifted = draws - draws[:, :1]
    total = np.cumsum(shifted, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.maximum(np.cumsum(shifted**2, axis=1) - total**2 / n, 0.0) / (n - 1.0)
    mean = np.cumsum(draws, axis=1) / n
    return mean[:, 1:], var[:, 1:], n[1:]


@pytest.mark.parametrize("data", sorted(DRAWS))
def test_msprt_with_default_burn_in_keeps_alpha_under_continuous_monitoring(data: str) -> None:
    draw, variance = DRAWS[data]
    rng = np.random.default_rng(17)
    (ma, va, n), (mb, vb, _) = running(draw(rng, (RUNS, N))), running(draw(rng, (RUNS, N)))
    tau2 = ex.optimal_mixing_variance(variance, variance, N, N)
    res = ex.sequential_test(ma, va, n, mb, vb, n, mixing_variance=tau2)
    assert float(res.rejected[:, -1].mean()) <= ALPHA + MARGIN
    # the burn-in: no look before 100 units per arm counts
    assert (res.pvalue[:, : 100 - 2] == 1.0).all()


def test_exact_proportion_test_keeps_alpha_from_the_first_unit() -> None:
    rng = np.random.default_rng(18)
    a, b = (rng.random((RUNS, N)) < 0.1).astype(float), (rng.random((RUNS, N)) < 0.1).astype(float)
    n = np.arange(1, N + 1, dtype=np.float64)
    res = ex.sequential_proportion_test(np.cumsum(a, axis=1), n, np.cumsum(b, axis=1), n)
    assert float(res.rejected[:, -1].mean()) <= ALPHA + MARGIN
    covered = ((res.ci_low <= 0) & (res.ci_high >= 0)).all(axis=1).mean()
    assert covered >= 1 - ALPHA - MARGIN


def naive_e_process(counts: list[tuple[int, int, int, int]], a0: float, b0: float) -> list[float]:
    """Twin of the e-process: a plain loop over looks with math.log (Notes of the function)."""
    out, log_e, prev = [], 0.0, (0, 0, 0, 0)
    for xa, na, xb, nb in counts:
        ya, ma, yb, mb = xa - prev[0], na - prev[1], xb - prev[2], nb - prev[3]
        rate_a = (prev[0] + a0) / (prev[1] + a0 + b0)
        rate_b = (prev[2] + a0) / (prev[3] + a0 + b0)
        pooled = (ma * rate_a + mb * rate_b) / (ma + mb)
        for y, m, r in ((ya, ma, rate_a), (yb, mb, rate_b)):
            if y:
                log_e += y * (math.log(r) - math.log(pooled))
            if m - y:
                log_e += (m - y) * (math.log(1 - r) - math.log(1 - pooled))
        out.append(math.exp(log_e))
        prev = (xa, na, xb, nb)
    return out


@pytest.mark.parametrize(("a0", "b0"), [(1.0, 1.0), (10.0, 90.0), (0.5, 2.0)])
def test_exact_e_process_matches_its_naive_twin(a0: float, b0: float) -> None:
    rng = np.random.default_rng(20)
    na = np.cumsum(rng.integers(0, 40, 30))
    nb = np.cumsum(rng.integers(1, 40, 30))
    xa = np.cumsum(rng.binomial(np.diff(na, prepend=0), 0.2))
    xb = np.cumsum(rng.binomial(np.diff(nb, prepend=0), 0.3))
    res = ex.sequential_proportion_test(xa, na, xb, nb, prior_alpha=a0, prior_beta=b0)
    ref = naive_e_process(list(zip(xa, na, xb, nb, strict=True)), a0, b0)
    np.testing.assert_allclose(res.likelihood_ratio, ref, rtol=1e-10)


@pytest.mark.parametrize("p", [0.01, 0.1, 0.37, 0.5, 0.9])
@pytest.mark.parametrize("sizes", [((1, 1), (1, 1)), ((3, 1), (2, 4)), ((6, 6), (5, 0))])
def test_exact_e_process_has_null_expectation_at_most_one(
    p: float, sizes: tuple[tuple[int, int], tuple[int, int]]
) -> None:
    # E_p[E_2] by enumerating every outcome of two batches (binomial weights, scipy.stats):
    # a supermartingale started at 1 must not exceed 1, for any null rate p
    (ma1, mb1), (ma2, mb2) = sizes
    grids = np.meshgrid(*(np.arange(m + 1) for m in (ma1, mb1, ma2, mb2)), indexing="ij")
    ya1, yb1, ya2, yb2 = (g.ravel().astype(float) for g in grids)
    weight = np.ones_like(ya1)
    for y, m in ((ya1, ma1), (yb1, mb1), (ya2, ma2), (yb2, mb2)):
        weight *= stats.binom.pmf(y, m, p)
    looks = np.array([ma1, ma1 + ma2], dtype=float), np.array([mb1, mb1 + mb2], dtype=float)
    res = ex.sequential_proportion_test(
        np.stack([ya1, ya1 + ya2], axis=-1),
        looks[0],
        np.stack([yb1, yb1 + yb2], axis=-1),
        looks[1],
    )
    assert float((weight * res.likelihood_ratio[:, -1]).sum()) <= 1.0 + 1e-12


def test_exact_proportion_test_detects_a_real_difference() -> None:
    rng = np.random.default_rng(19)
    a, b = (
        (rng.random((100, 4000)) < 0.10).astype(float),
        (rng.random((100, 4000)) < 0.13).astype(float),
    )
    n = np.arange(1, 4001, dtype=np.float64)
    res = ex.sequential_proportion_test(np.cumsum(a, axis=1), n, np.cumsum(b, axis=1), n)
    assert res.rejected[:, -1].mean() > 0.7
    assert ((res.ci_low <= 0.03) & (res.ci_high >= 0.03)).all(axis=1).mean() > 0.94


def test_exact_proportion_test_bad_input() -> None:
    with pytest.raises(
        DataError, match=r"`trials_a` decreases from one look to the next: 1 rows\."
    ):
        ex.sequential_proportion_test([1, 2], [10, 5], [1, 2], [10, 20])
    with pytest.raises(DataError, match=r"`successes_b` is not a whole number: 1 rows\."):
        ex.sequential_proportion_test(1, 10, 1.5, 10)
    with pytest.raises(DataError, match=r"`prior_alpha` must be a finite number > 0, got 0\.0"):
        ex.sequential_proportion_test(1, 10, 1, 10, prior_alpha=0.0)
    with pytest.raises(DataError, match=r"`min_n` is below 1: 1 rows\."):
        ex.sequential_test(0.0, 1.0, 10, 0.0, 1.0, 10, mixing_variance=1.0, min_n=0)


def test_exact_proportion_test_is_finite_on_hostile_counts() -> None:
    # counts up to 2**53 (where float64 stops holding whole numbers), priors from 1e-300
    # to a total of 1e9: never NaN, p-values in [0, 1] (found: b0 + n - x rounded to 0)
    top = 2.0**53
    rng = np.random.default_rng(21)
    cases: list[tuple[Any, Any, Any, Any]] = [
        (top, top, 0.0, top),
        (top / 2, top, top / 2, top),
        ([0.0, 1e15], [1.0, top], [0.0, 0.0], [1.0, top]),
    ]
    for _ in range(100):
        scale = 10.0 ** rng.integers(0, 16)
        na = np.minimum(np.cumsum(np.floor(rng.random(4) * scale)) + 1, top)
        nb = np.minimum(np.cumsum(np.floor(rng.random(4) * scale)) + 1, top)
        cases.append((np.floor(na * rng.random()), na, np.floor(nb * rng.random()), nb))
    for counts in cases:
        for prior in ((1.0, 1.0), (1e-300, 1.0), (5e8, 5e8)):
            res = ex.sequential_proportion_test(*counts, prior_alpha=prior[0], prior_beta=prior[1])
            for arr in (res.effect, res.pvalue, res.ci_low, res.ci_high, res.likelihood_ratio):
                assert not np.isnan(arr).any(), (counts, prior)
            assert ((res.pvalue >= 0) & (res.pvalue <= 1)).all()
    with pytest.raises(DataError, match=r"`trials_a` exceeds 2\*\*53 \(about 9\.0e15\)"):
        ex.sequential_proportion_test(0, 1e16, 0, 10)
    with pytest.raises(DataError, match=r"`prior_alpha` plus `prior_beta` exceeds 1e\+09"):
        ex.sequential_proportion_test(1, 10, 1, 10, prior_alpha=1e9, prior_beta=1.0)
