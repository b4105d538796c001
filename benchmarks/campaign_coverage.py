"""Coverage of the incremental-revenue interval on simulated campaigns (issue 18).

Each run simulates a win-back campaign (``growthkit.datasets.simulate_campaign``: 20,000
customers in four segments with known uplift, 20% held out per segment, a 30-day window)
with its own seed, evaluates it with ``growthkit.campaigns.evaluate_campaign`` and checks
whether the 95% interval of the incremental revenue holds the truth, the expected extra
revenue of the treated customers (``true_incremental_revenue``). Three evaluations per run:

- stratified: ``segment_col="segment"`` (post-stratified Welch; the design's estimator);
- stratified + CUPED: the same with ``pre_days=180``;
- unstratified: plain Welch, which ignores the stratified split.

The figures are recorded in docs/campaigns.md; tests/campaigns/test_campaign_evaluation.py
asserts a 200-run version in a binomial band.

Run: ``python benchmarks/campaign_coverage.py [runs]`` (about 5 minutes for 1,000 runs).
"""

from __future__ import annotations

import math
import sys
import time

from growthkit.campaigns import evaluate_campaign
from growthkit.datasets import simulate_campaign

VARIANTS: dict[str, dict[str, object]] = {
    "stratified": {"segment_col": "segment"},
    "stratified + CUPED (180 days)": {"segment_col": "segment", "pre_days": 180},
    "unstratified Welch": {},
}


def main(runs: int = 1000) -> None:
    hits = dict.fromkeys(VARIANTS, 0)
    width = dict.fromkeys(VARIANTS, 0.0)
    started = time.perf_counter()
    for seed in range(runs):
        sim = simulate_campaign(20_000, seed=seed)
        truth = sim.true_incremental_revenue
        for name, kwargs in VARIANTS.items():
            ev = evaluate_campaign(
                sim.orders,
                sim.assignment,
                send_date=sim.send_date,
                window_days=sim.window_days,
                **kwargs,  # type: ignore[arg-type]
            )
            low, high = ev.incremental_revenue_ci
            hits[name] += low <= truth <= high
            width[name] += (high - low) / runs
    seconds = time.perf_counter() - started
    print(f"{runs} simulated campaigns, 20,000 customers each ({seconds:.0f} s)")
    print("| evaluation | coverage of the 95% CI | binomial s.e. | mean CI width |")
    print("| --- | --- | --- | --- |")
    for name in VARIANTS:
        p = hits[name] / runs
        se = math.sqrt(p * (1 - p) / runs)
        print(f"| {name} | {p:.1%} ({hits[name]}/{runs}) | {se:.1%} | {width[name]:,.0f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
