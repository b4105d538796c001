"""Private group-sequential numerics: alpha spending and boundaries.

Boundaries come from recursive numerical integration (Armitage, McPherson & Rowe 1969;
Jennison & Turnbull 2000, ch. 19).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from growthkit._validate import FloatArray


def spending(t: FloatArray, alpha: float, kind: str, sides: int) -> FloatArray:
    """Lan-DeMets alpha-spending function evaluated at information fractions ``t``."""
    if kind == "obrien-fleming":
        # each side spends 2 - 2 Phi(z_{1 - a/2} / sqrt(t)) of its share a = alpha / sides
        z = -special.ndtri(alpha / sides / 2.0)
        return np.asarray(sides * 2.0 * special.ndtr(-z / np.sqrt(t)), dtype=np.float64)
    return np.asarray(alpha * np.log1p((math.e - 1.0) * t), dtype=np.float64)


def boundaries(t: FloatArray, spend: FloatArray, sides: int, grid: int = 1201) -> FloatArray:
    """Critical z values so that the crossing probability at look k is ``spend[k]``.

    The score S_k = Z_k sqrt(t_k) is Brownian motion; the sub-density of S_k on the
    continuation region is carried forward on a grid with Simpson weights.
    """
    z_out = np.empty(t.size)
    nodes: FloatArray = np.zeros(1)
    weights: FloatArray = np.ones(1)  # point mass at S_0 = 0
    prev_t = 0.0
    for k in range(t.size):
        dt = t[k] - prev_t
        sd = math.sqrt(dt)
        target = float(spend[k])
        root_t = math.sqrt(t[k])

        def cross(
            z: float,
            nodes: FloatArray = nodes,
            weights: FloatArray = weights,
            root_t: float = root_t,
            sd: float = sd,
        ) -> float:
            b = z * root_t
            upper = special.ndtr((nodes - b) / sd)
            lower = special.ndtr((-b - nodes) / sd) if sides == 2 else 0.0
            return float(np.dot(weights, upper + lower))

        if target <= 0.0:
            z = np.inf
        else:
            # one-sided spends above 1/2 put the boundary below zero
            low = 0.0 if sides == 2 else -40.0
            z = optimize.brentq(lambda v, c=target: cross(v) - c, low, 40.0, xtol=1e-12)
        z_out[k] = z
        if k == t.size - 1:
            break
        b = min(z * root_t, 40.0 * root_t)
        lo = -b if sides == 2 else min(-8.0 * math.sqrt(t[k]), -b)
        new_nodes = np.linspace(lo, b, grid)
        h = new_nodes[1] - new_nodes[0]
        simpson = np.ones(grid)
        simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
        simpson *= h / 3.0
        dens = np.exp(-0.5 * ((new_nodes[:, None] - nodes[None, :]) / sd) ** 2) / (
            sd * math.sqrt(2.0 * math.pi)
        )
        weights = simpson * (dens @ weights)
        nodes = new_nodes
        prev_t = float(t[k])
    return z_out
