r"""P(no purchase in the next ``w`` days) from a fitted BTYD model (days as time unit).

Only public names of :mod:`growthkit.clv` are used: ``probability_alive`` and ``params``.

BG/NBD and MBG/NBD (Fader, Hardie & Lee 2005; Batislam et al. 2007): a customer drops out
only right after a purchase, so one alive at ``T`` makes no purchase in ``(T, T + w]`` with
probability ``exp(-lambda w)``; given alive and ``(x, t_x, T)`` the purchase rate is
``Gamma(r + x, alpha + T)``, hence

.. math:: P(X(T, T + w) = 0) = 1 - P_a + P_a \left(\frac{\alpha + T}{\alpha + T + w}\right)^{r + x}.

Pareto/NBD (Schmittlein, Morrison & Colombo 1987): dropout is exponential (rate ``mu``) and
competes with purchases. Alive at ``T`` with ``(lambda, mu)``, no purchase in ``w`` days
happens if neither event comes (``exp(-(lambda + mu) w)``) or death comes first
(``int_0^w mu exp(-(lambda + mu) u) du``). Given alive, ``lambda ~ Gamma(r + x, alpha + T)``
and ``mu ~ Gamma(s, beta + T)`` independently, so with
``A(u) = ((alpha + T)/(alpha + T + u))^(r + x)`` and ``B(u) = ((beta + T)/(beta + T + u))^s``

.. math:: P(X(T, T + w) = 0 \mid \text{alive})
          = A(w) B(w) + \int_0^w \frac{s}{\beta + T + u} A(u) B(u)\, du,

integrated by 48-point Gauss-Legendre quadrature (a smooth integrand on a finite range).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.errors import SchemaError

__all__ = ["btyd_label", "no_purchase_probability"]

FloatArray = npt.NDArray[np.float64]
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


def btyd_label(model: object) -> str | None:
    """``"bgnbd"``, ``"mbgnbd"`` or ``"paretonbd"`` for a fitted clv model, else ``None``."""
    from growthkit.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD

    if isinstance(model, ModifiedBetaGeo):
        return "mbgnbd"
    if isinstance(model, BetaGeo):
        return "bgnbd"
    if isinstance(model, ParetoNBD):
        return "paretonbd"
    return None


def no_purchase_probability(model: Any, summary: pd.DataFrame, window: FloatArray) -> FloatArray:
    """P(no purchase in the next ``window`` days | frequency, recency, T) per summary row."""
    label = btyd_label(model)
    if label is None:
        raise SchemaError(
            v.message(
                "model",
                "must be a ChurnModel or a fitted growthkit.clv BetaGeo, ModifiedBetaGeo or "
                f"ParetoNBD, got {type(model).__name__}",
                len(summary),
            )
        )
    x, tx, t = (summary[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T"))
    alive = np.asarray(model.probability_alive(x, tx, t), dtype=np.float64)
    p = model.params
    w = np.asarray(window, dtype=np.float64)
    rate_part = np.exp(-(p["r"] + x) * np.log1p(w / (p["alpha"] + t)))
    if label == "paretonbd":
        stay = np.exp(-p["s"] * np.log1p(w / (p["beta"] + t)))
        quiet = rate_part * stay + _death_first(p, x, t, w)
    else:
        quiet = rate_part
    return np.asarray(np.clip(1.0 - alive + alive * quiet, 0.0, 1.0), dtype=np.float64)


def _death_first(p: dict[str, float], x: FloatArray, t: FloatArray, w: FloatArray) -> FloatArray:
    """``int_0^w s/(beta+T+u) A(u) B(u) du``: the Pareto/NBD customer dies before buying."""
    u = (_NODES[None, :] + 1.0) * 0.5 * w[:, None]
    tt = t[:, None]
    log_a = -(p["r"] + x[:, None]) * np.log1p(u / (p["alpha"] + tt))
    log_b = -p["s"] * np.log1p(u / (p["beta"] + tt))
    f = p["s"] / (p["beta"] + tt + u) * np.exp(log_a + log_b)
    return np.asarray((f @ _WEIGHTS) * 0.5 * w, dtype=np.float64)
