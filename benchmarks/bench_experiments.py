"""Benchmarks of growthkit.experiments against per-comparison loops over its peers.

Each group holds growthkit and its idiomatic alternatives on identical data; the outputs
are asserted equal before anything is timed.

    pytest benchmarks/bench_experiments.py --benchmark-enable          # timings
    pytest benchmarks/bench_experiments.py --benchmark-disable         # quick smoke run
    pytest benchmarks/bench_experiments.py --benchmark-enable -m slow  # 10^7 rows per arm

(The 10^7 cases are skipped unless the marker expression names ``slow``.)

With ``--benchmark-disable`` the loops over peers run on 300 comparisons only, so the smoke
run takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.stats as st
from numpy.typing import NDArray

from growthkit import experiments as ex

sm_prop = pytest.importorskip("statsmodels.stats.proportion")

N_COMPARISONS = 10_000
SMOKE_LOOP = 300
FArr = NDArray[np.float64]


def loop_size(benchmark: Any) -> int:
    return SMOKE_LOOP if benchmark.disabled else N_COMPARISONS


def run(benchmark: Any, func: Callable[[], Any], rounds: int, warmup: int = 1) -> Any:
    """Time ``func``; few rounds for the slow Python loops."""
    if benchmark.disabled:
        return benchmark(func)
    return benchmark.pedantic(func, rounds=rounds, iterations=1, warmup_rounds=warmup)


@pytest.fixture(scope="module")
def counts() -> tuple[FArr, FArr, FArr, FArr]:
    rng = np.random.default_rng(0)
    na = rng.integers(1_000, 100_000, N_COMPARISONS).astype(np.float64)
    nb = rng.integers(1_000, 100_000, N_COMPARISONS).astype(np.float64)
    pa = rng.uniform(0.01, 0.3, N_COMPARISONS)
    xa = rng.binomial(na.astype(np.int64), pa).astype(np.float64)
    xb = rng.binomial(nb.astype(np.int64), pa * 1.02).astype(np.float64)
    return xa, na, xb, nb


@pytest.fixture(scope="module")
def moments() -> tuple[FArr, ...]:
    rng = np.random.default_rng(1)
    size = N_COMPARISONS
    return (
        rng.normal(20, 3, size),
        rng.uniform(10, 400, size),
        rng.integers(100, 100_000, size).astype(np.float64),
        rng.normal(20.2, 3, size),
        rng.uniform(10, 400, size),
        rng.integers(100, 100_000, size).astype(np.float64),
    )


# --------------------------------------------------------------------------------------
# 10,000 two-proportion z-tests from counts
# --------------------------------------------------------------------------------------


def statsmodels_proportions(xa: FArr, na: FArr, xb: FArr, nb: FArr, size: int) -> FArr:
    out = np.empty(size)
    for i in range(size):
        out[i] = sm_prop.proportions_ztest([xb[i], xa[i]], [nb[i], na[i]])[1]
    return out


@pytest.mark.benchmark(group="proportions: 10,000 comparisons from counts")
def test_proportions_growthkit(benchmark: Any, counts: tuple[FArr, ...]) -> None:
    xa, na, xb, nb = counts
    ref = statsmodels_proportions(xa, na, xb, nb, SMOKE_LOOP)
    np.testing.assert_allclose(
        ex.proportion_test(xa, na, xb, nb).pvalue[:SMOKE_LOOP], ref, rtol=1e-10
    )
    res = benchmark(ex.proportion_test, xa, na, xb, nb)
    assert res.pvalue.shape == (N_COMPARISONS,)


@pytest.mark.benchmark(group="proportions: 10,000 comparisons from counts")
def test_proportions_statsmodels_loop(benchmark: Any, counts: tuple[FArr, ...]) -> None:
    xa, na, xb, nb = counts
    size = loop_size(benchmark)
    ours = ex.proportion_test(xa, na, xb, nb).pvalue[:size]
    out = run(benchmark, lambda: statsmodels_proportions(xa, na, xb, nb, size), rounds=3)
    np.testing.assert_allclose(out, ours, rtol=1e-10)


# --------------------------------------------------------------------------------------
# 10,000 Welch t-tests from means, variances and sizes
# --------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="means: 10,000 Welch tests from aggregates")
def test_means_growthkit(benchmark: Any, moments: tuple[FArr, ...]) -> None:
    ma, va, na, mb, vb, nb = moments
    ref = st.ttest_ind_from_stats(mb, np.sqrt(vb), nb, ma, np.sqrt(va), na, equal_var=False)
    np.testing.assert_allclose(ex.mean_test(*moments).pvalue, ref.pvalue, rtol=1e-10)
    res = benchmark(ex.mean_test, *moments)
    assert res.pvalue.shape == (N_COMPARISONS,)


@pytest.mark.benchmark(group="means: 10,000 Welch tests from aggregates")
def test_means_scipy_vectorised(benchmark: Any, moments: tuple[FArr, ...]) -> None:
    ma, va, na, mb, vb, nb = moments
    sa, sb = np.sqrt(va), np.sqrt(vb)
    ref = benchmark(lambda: st.ttest_ind_from_stats(mb, sb, nb, ma, sa, na, equal_var=False))
    np.testing.assert_allclose(ex.mean_test(*moments).pvalue, ref.pvalue, rtol=1e-10)


@pytest.mark.benchmark(group="means: 10,000 Welch tests from aggregates")
def test_means_scipy_loop(benchmark: Any, moments: tuple[FArr, ...]) -> None:
    ma, va, na, mb, vb, nb = moments
    size = loop_size(benchmark)
    sa, sb = np.sqrt(va), np.sqrt(vb)

    def loop() -> FArr:
        out = np.empty(size)
        for i in range(size):
            out[i] = st.ttest_ind_from_stats(
                mb[i], sb[i], nb[i], ma[i], sa[i], na[i], equal_var=False
            ).pvalue
        return out

    out = run(benchmark, loop, rounds=3)
    np.testing.assert_allclose(out, ex.mean_test(*moments).pvalue[:size], rtol=1e-10)


@pytest.mark.benchmark(group="means: 10,000 Welch tests from aggregates")
def test_means_tea_tasting_loop(benchmark: Any, moments: tuple[FArr, ...]) -> None:
    aggr = pytest.importorskip("tea_tasting.aggr")
    metrics = pytest.importorskip("tea_tasting.metrics")
    ma, va, na, mb, vb, nb = moments
    size = loop_size(benchmark)
    metric = metrics.Mean("x")
    pairs = [
        (
            aggr.Aggregates(count_=int(na[i]), mean_={"x": ma[i]}, var_={"x": va[i]}),
            aggr.Aggregates(count_=int(nb[i]), mean_={"x": mb[i]}, var_={"x": vb[i]}),
        )
        for i in range(size)
    ]

    def loop() -> FArr:
        return np.array([metric.analyze_aggregates(c, t).pvalue for c, t in pairs])

    # about a minute per round at 10,000 comparisons
    out = run(benchmark, loop, rounds=2, warmup=0)
    np.testing.assert_allclose(out, ex.mean_test(*moments).pvalue[:size], rtol=1e-10)


# --------------------------------------------------------------------------------------
# exact Bayesian comparisons, SRM checks
# --------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="bayes: 10,000 exact P(B > A)")
def test_bayes_growthkit(benchmark: Any, counts: tuple[FArr, ...]) -> None:
    xa, na, xb, nb = counts
    res = benchmark(ex.bayes_proportion, xa, na, xb, nb)
    assert ((res.prob_b_beats_a >= 0) & (res.prob_b_beats_a <= 1)).all()


@pytest.mark.benchmark(group="srm: 10,000 chi-square checks, 3 arms")
def test_srm_growthkit(benchmark: Any) -> None:
    rng = np.random.default_rng(2)
    obs = rng.multinomial(30_000, [0.5, 0.25, 0.25], size=N_COMPARISONS).astype(np.float64)
    ref = st.chisquare(obs, np.array([0.5, 0.25, 0.25]) * 30_000, axis=1)
    res = benchmark(ex.srm_test, obs, [2, 1, 1])
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-10)


# --------------------------------------------------------------------------------------
# raw observations: Welch from 10^5 and 10^7 rows per arm
# --------------------------------------------------------------------------------------


def raw_pair(n: int, request: pytest.FixtureRequest) -> tuple[FArr, FArr]:
    if n > 10**6 and "slow" not in str(request.config.getoption("markexpr", "")):
        pytest.skip("10^7 rows per arm: run with -m slow")
    rng = np.random.default_rng(3)
    return rng.gamma(2.0, 10.0, n), rng.gamma(2.0, 10.1, n)


@pytest.mark.parametrize(
    "n", [pytest.param(10**5, id="1e5"), pytest.param(10**7, id="1e7", marks=pytest.mark.slow)]
)
@pytest.mark.benchmark(group="raw arrays: Welch per arm size")
def test_raw_growthkit(benchmark: Any, n: int, request: pytest.FixtureRequest) -> None:
    a, b = raw_pair(n, request)
    ref = st.ttest_ind(b, a, equal_var=False)
    res = benchmark(ex.mean_test_samples, a, b)
    assert float(res.pvalue) == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(
    "n", [pytest.param(10**5, id="1e5"), pytest.param(10**7, id="1e7", marks=pytest.mark.slow)]
)
@pytest.mark.benchmark(group="raw arrays: Welch per arm size")
def test_raw_scipy(benchmark: Any, n: int, request: pytest.FixtureRequest) -> None:
    a, b = raw_pair(n, request)
    ref = benchmark(lambda: st.ttest_ind(b, a, equal_var=False))
    assert float(ex.mean_test_samples(a, b).pvalue) == pytest.approx(ref.pvalue, rel=1e-9)
