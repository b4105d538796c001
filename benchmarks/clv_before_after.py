"""Side-by-side timing of the CLV fits and predictions on CDNOW for two growthkit trees.

Usage: ``python benchmarks/clv_before_after.py OLD_ROOT NEW_ROOT [ROUNDS] [REPS]`` where each
root holds a ``growthkit`` package (e.g. ``git archive <rev> growthkit | tar -x -C OLD_ROOT``).
Each round runs one fresh process per tree (alternating which goes first), warms the numba
kernels up, then times every case ``REPS`` times; the table gives min and median over all
rounds. Used for the issue-15 redesign (benchmarks/RESULTS_clv.md).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
import numpy as np
import growthkit as gk
from growthkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, customer_lifetime_value
s = gk.datasets.load_cdnow_summary()
f, r, T = s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy()
rng = np.random.default_rng(1)
big = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426).simulate(
    100_000, T=rng.uniform(1, 78, 100_000), rng=2)
bg, pn, gg = BetaGeo.fit(s), ParetoNBD.fit(s), GammaGamma.fit(s)
cases = {
    "BetaGeo.fit": lambda: BetaGeo.fit(s),
    "ModifiedBetaGeo.fit": lambda: ModifiedBetaGeo.fit(s),
    "ParetoNBD.fit": lambda: ParetoNBD.fit(s),
    "GammaGamma.fit": lambda: GammaGamma.fit(s),
    "BetaGeo E[Y(39)] + P(alive)": lambda: (
        bg.expected_purchases(39, f, r, T), bg.probability_alive(f, r, T)),
    "ParetoNBD E[Y(39)] + P(alive)": lambda: (
        pn.expected_purchases(39, f, r, T), pn.probability_alive(f, r, T)),
    "customer_lifetime_value (BG + GG)": lambda: customer_lifetime_value(
        bg, gg, s, time_unit_days=7),
    "BetaGeo E[Y(39)] + P(alive), 10^5 simulated": lambda: (
        bg.expected_purchases(39, big), bg.probability_alive(big)),
}
for fn in cases.values():
    fn()
out = {}
for name, fn in cases.items():
    times = []
    for _ in range(int(sys.argv[1])):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    out[name] = times
print(json.dumps(out))
"""


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    reps = sys.argv[4] if len(sys.argv) > 4 else "10"
    roots = [("before", old), ("after", new)]
    results: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for rnd in range(rounds):
        for label, root in roots if rnd % 2 == 0 else roots[::-1]:
            env = dict(os.environ, PYTHONPATH=root)
            done = subprocess.run(
                [sys.executable, "-c", CHILD, reps],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd="/",
            )
            for name, times in json.loads(done.stdout.splitlines()[-1]).items():
                results[label].setdefault(name, []).extend(times)
    print("| case | before min | before median | after min | after median | ratio (median) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, after in results["after"].items():
        before = results["before"][name]
        mb, ma = statistics.median(before), statistics.median(after)
        print(
            f"| {name} | {min(before) * 1e3:.1f} ms | {mb * 1e3:.1f} ms | "
            f"{min(after) * 1e3:.1f} ms | {ma * 1e3:.1f} ms | {ma / mb:.2f} |"
        )


if __name__ == "__main__":
    main()
