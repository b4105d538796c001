"""Type-I error of the sequential tests under continuous monitoring (issue 17).

A/A experiments: both arms draw from the same distribution, one unit per arm arrives at a
time, and the test is looked at after every pair of units up to n = 1,000 per arm (from
n = 2 for the mSPRT, whose variance needs two units; from n = 1 for the exact test). A run
counts as a false rejection when the always-valid p-value reaches alpha = 0.05 at any
look. 10,000 runs per row, seeded. The figures are recorded in docs/experiments.md;
tests/experiments/test_sequential_validity.py asserts a 500-run version.

Run: ``python benchmarks/sequential_type1.py [runs]`` (a few minutes on one core); also
prints the power of both tests against a real difference.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from growthkit import experiments as ex

FArr = NDArray[np.float64]
ALPHA = 0.05
N = 1000
CHUNK = 500

DRAWS: dict[str, tuple[Callable[[np.random.Generator, tuple[int, int]], FArr], float]] = {
    "normal N(0, 1)": (lambda g, s: g.normal(0.0, 1.0, s), 1.0),
    "lognormal (mu 0, sigma 1)": (
        lambda g, s: g.lognormal(0.0, 1.0, s),
        (math.e - 1.0) * math.e,
    ),
    "Bernoulli(0.1)": (lambda g, s: (g.random(s) < 0.1).astype(np.float64), 0.09),
}


def cumulative(draws: FArr) -> tuple[FArr, FArr, FArr]:
    """Running mean, variance (ddof=1) and n along axis 1, from n = 2 on."""
    n = np.arange(1, draws.shape[1] + 1, dtype=np.float64)
    mean = np.cumsum(draws, axis=1) / n
    # the centred sum of squares by Welford-free two-pass is too slow here; shift by the
    # first draw to keep the cancellation small
    shifted = draws - draws[:, :1]
    sq = np.cumsum(shifted * shifted, axis=1)
    sm = np.cumsum(shifted, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.maximum(sq - sm * sm / n, 0.0) / (n - 1.0)
    return mean[:, 1:], var[:, 1:], n[1:]


def rejections(
    draw: Callable[[np.random.Generator, tuple[int, int]], FArr],
    variance: float,
    runs: int,
    seed: int,
    min_n: float | None,
    exact: tuple[float, float] | None = None,
    shift: float = 0.0,
    n_max: int = N,
) -> tuple[int, int]:
    """Runs whose p-value reaches ALPHA at some look, and runs whose interval misses."""
    rng = np.random.default_rng(seed)
    tau2 = float(ex.optimal_mixing_variance(variance, variance, n_max, n_max, alpha=ALPHA))
    total = missed = 0
    for start in range(0, runs, CHUNK):
        size = min(CHUNK, runs - start)
        a, b = draw(rng, (size, n_max)), draw(rng, (size, n_max)) + shift
        if exact is not None:
            n = np.arange(1, n_max + 1, dtype=np.float64)
            xa, xb = np.cumsum(a, axis=1), np.cumsum(b, axis=1)
            res = ex.sequential_proportion_test(
                xa, n, xb, n, alpha=ALPHA, prior_alpha=exact[0], prior_beta=exact[1]
            )
        else:
            (ma, va, n), (mb, vb, _) = cumulative(a), cumulative(b)
            kw = {} if min_n is None else {"min_n": min_n}
            res = ex.sequential_test(ma, va, n, mb, vb, n, mixing_variance=tau2, alpha=ALPHA, **kw)
        total += int(res.rejected[:, -1].sum())
        missed += int((~((res.ci_low <= shift) & (res.ci_high >= shift)).all(axis=1)).sum())
    return total, missed


def power_rows(runs: int) -> None:
    """Power against 0.10 vs 0.13 with a look per unit up to 4,000 per arm."""
    n_max, p_a, p_b = 4000, 0.10, 0.13
    rng = np.random.default_rng(99)
    hits = {"mSPRT (default burn-in)": 0, "exact, prior (1, 1)": 0, "exact, prior (10, 90)": 0}
    fixed = 0
    tau2 = float(ex.optimal_mixing_variance(0.09, 0.09, n_max, n_max, alpha=ALPHA))
    n = np.arange(1, n_max + 1, dtype=np.float64)
    for start in range(0, runs, CHUNK):
        size = min(CHUNK, runs - start)
        xa = np.cumsum(rng.random((size, n_max)) < p_a, axis=1).astype(np.float64)
        xb = np.cumsum(rng.random((size, n_max)) < p_b, axis=1).astype(np.float64)
        ma, mb = xa[:, 1:] / n[1:], xb[:, 1:] / n[1:]
        va, vb = ma * (1 - ma) * n[1:] / (n[1:] - 1), mb * (1 - mb) * n[1:] / (n[1:] - 1)
        msprt = ex.sequential_test(ma, va, n[1:], mb, vb, n[1:], mixing_variance=tau2)
        hits["mSPRT (default burn-in)"] += int(msprt.rejected[:, -1].sum())
        for label, prior in (
            ("exact, prior (1, 1)", (1.0, 1.0)),
            ("exact, prior (10, 90)", (10.0, 90.0)),
        ):
            res = ex.sequential_proportion_test(
                xa, n, xb, n, prior_alpha=prior[0], prior_beta=prior[1]
            )
            hits[label] += int(res.rejected[:, -1].sum())
        fixed += int((ex.proportion_test(xa[:, -1], n_max, xb[:, -1], n_max).pvalue <= ALPHA).sum())
    print(f"\nPower, Bernoulli {p_a} vs {p_b}, look per unit to {n_max} per arm, {runs} runs:")
    for label, k in hits.items():
        print(f"| {label} | {k / runs:.3f} |")
    print(f"| z-test at {n_max} only (one look) | {fixed / runs:.3f} |")


def main(runs: int = 10_000) -> None:
    half = 1.96 * math.sqrt(ALPHA * (1 - ALPHA) / runs)
    print(f"{runs} runs, looks after every unit per arm up to {N}, alpha = {ALPHA}")
    print(f"(95 % Monte-Carlo half-width at alpha: {half:.4f})")
    print("| data | test | type-I error | interval misses 0 at some look |")
    print("| --- | --- | --- | --- |")
    for seed, (name, (draw, variance)) in enumerate(DRAWS.items()):
        for label, min_n in (
            ("mSPRT, no burn-in (min_n=1)", 1.0),
            ("mSPRT, default burn-in", None),
        ):
            k, m = rejections(draw, variance, runs, seed, min_n)
            print(f"| {name} | {label} | {k / runs:.4f} | {m / runs:.4f} |", flush=True)
        if name.startswith("Bernoulli"):
            for prior in ((1.0, 1.0), (10.0, 90.0)):
                k, m = rejections(draw, variance, runs, seed, None, exact=prior)
                label = f"sequential_proportion_test, prior {prior[0]:g}, {prior[1]:g}"
                print(f"| {name} | {label} | {k / runs:.4f} | {m / runs:.4f} |", flush=True)
    power_rows(max(runs // 5, 200))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
