"""Gamma-Gamma model of spend per transaction (Fader & Hardie 2013)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from growthkit._validate import check_nonnegative, data_error
from growthkit.clv._base import (
    FittedModel,
    FloatArray,
    Objective,
    check_frequency,
    check_weights,
    compress,
    from_frame,
    summary_arrays,
)

__all__ = ["GammaGamma"]


def _check_spend(frequency: object, monetary_value: object) -> tuple[FloatArray, FloatArray]:
    x, m = summary_arrays(("frequency", "monetary_value"), (frequency, monetary_value))
    check_nonnegative("frequency", x)
    check_nonnegative("monetary_value", m)
    check_frequency(x)
    bad = int(np.count_nonzero((x == 0) & (m > 0)))
    if bad:
        raise data_error(
            "monetary_value",
            "is positive where `frequency` is 0",
            bad,
            "monetary_value is the mean of repeat purchases, so it is 0 without them.",
        )
    bad = int(np.count_nonzero((x > 0) & (m == 0)))
    if bad:
        raise data_error(
            "monetary_value",
            "is 0 where `frequency` is positive",
            bad,
            "The gamma-gamma model needs positive spend; drop zero-value customers.",
        )
    return x, m


def _neg_ll_grad(
    params: FloatArray,
    *,
    x: FloatArray,
    m: FloatArray,
    w: FloatArray,
    lx: FloatArray,
    lm: FloatArray,
) -> tuple[float, FloatArray]:
    """Negative gamma-gamma log-likelihood and its gradient in (p, q, v)."""
    w_total = float(w.sum())
    p, q, v = (float(c) for c in params)
    px = p * x
    lvxm = np.log(v + x * m)
    rows = (
        special.gammaln(px + q) - special.gammaln(px) + (px - 1.0) * lm + px * lx - (px + q) * lvxm
    )
    ll = float(w @ rows) + w_total * (q * np.log(v) - special.gammaln(q))
    dpq = special.digamma(px + q)
    g_p = float(w @ (x * (dpq - special.digamma(px) + lm + lx - lvxm)))
    g_q = float(w @ (dpq - lvxm)) + w_total * (np.log(v) - special.digamma(q))
    g_v = w_total * q / v - float(w @ ((px + q) / (v + x * m)))
    return -ll, -np.array([g_p, g_q, g_v])


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GammaGamma(FittedModel):
    """Gamma-Gamma spend model, fitted or with given parameters.

    Each transaction value is ``Gamma(p, nu)`` and ``nu ~ Gamma(q, v)`` across customers,
    independent of the purchase process.

    Attributes
    ----------
    p, q, v
        Parameters (``v`` in currency units).
    log_likelihood
        Maximised log-likelihood over the customers with repeat purchases.
    n_customers
        Number of customers with ``frequency > 0`` it was fitted on.
    covariance
        Inverse observed information matrix in (p, q, v), read-only.

    Notes
    -----
    For a customer with ``x`` repeat transactions of mean value ``m`` (Fader & Hardie 2013,
    marginal likelihood of the mean)::

        ln L = ln Gamma(px+q) - ln Gamma(px) - ln Gamma(q) + q ln v + (px-1) ln m
               + px ln x - (px+q) ln(v + x m)

    Customers with ``x = 0`` carry no information on spend and are skipped in the fit.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
    http://brucehardie.com/notes/025/

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import GammaGamma
    >>> cdnow = gk.datasets.load_cdnow_summary()
    >>> model = GammaGamma.fit(cdnow)
    >>> {k: round(v, 2) for k, v in model.params.items()}  # 15.44 on unrounded spend
    {'p': 6.25, 'q': 3.74, 'v': 15.45}
    >>> model.expected_average_value(frequency=[0, 2], monetary_value=[0.0, 22.35]).round(2)
    array([35.17, 24.66])
    """

    p: float
    q: float
    v: float

    _param_names = ("p", "q", "v")

    @classmethod
    def fit(
        cls,
        frequency: npt.ArrayLike | pd.DataFrame,
        monetary_value: npt.ArrayLike | None = None,
        *,
        weights: npt.ArrayLike | None = None,
        start: Mapping[str, float] | None = None,
    ) -> GammaGamma:
        """Fit the model by maximum likelihood on customers with repeat purchases.

        Parameters
        ----------
        frequency
            Repeat purchases per customer, or a summary DataFrame with columns
            ``frequency`` and ``monetary_value``.
        monetary_value
            Mean value of each customer's repeat purchases (0 when ``frequency`` is 0).
        weights
            Number of customers each row stands for.
        start
            Start values by name (default ``p = q = v = 1``).

        Returns
        -------
        GammaGamma
            The fitted, immutable model.

        Raises
        ------
        DataError
            Negative, NaN or non-integer input, ``monetary_value > 0`` with
            ``frequency == 0``, zero spend with repeat purchases, or no repeat customers.
        ConvergenceError
            If the optimiser fails.
        """
        values = from_frame(frequency, [monetary_value], ("frequency", "monetary_value"))
        x, m = _check_spend(*values)
        w = check_weights(weights, x.size)
        keep = x > 0
        if not np.any(keep & (w > 0)):
            raise data_error(
                "frequency",
                "has no customer with repeat purchases",
                x.size,
                "The spend model is fitted on repeat transactions only.",
            )
        (x, m), w = compress([x[keep], m[keep]], w[keep])

        def objective(x: FloatArray, m: FloatArray, w: FloatArray) -> Objective:
            return partial(_neg_ll_grad, x=x, m=m, w=w, lx=np.log(x), lm=np.log(m))

        init = {"p": 1.0, "q": 1.0, "v": 1.0}
        return cls._maximum_likelihood(objective, (x, m), w, init, start)

    def expected_average_value(
        self,
        frequency: npt.ArrayLike | pd.DataFrame,
        monetary_value: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Posterior mean spend per transaction of each customer.

        ``E[Z | x, m] = p (v + x m) / (p x + q - 1)`` (Fader & Hardie 2013): a weighted
        average of the population mean ``p v / (q - 1)`` and the customer's own mean ``m``.
        Customers without repeat purchases get the population mean.

        Parameters
        ----------
        frequency, monetary_value
            Arrays, or a DataFrame with both columns as the first argument.

        Returns
        -------
        numpy.ndarray
            Expected average transaction value, one per customer; ``inf`` for customers
            without repeat purchases when ``q <= 1`` (the population mean does not exist).
        """
        values = from_frame(frequency, [monetary_value], ("frequency", "monetary_value"))
        x, m = _check_spend(*values)
        with np.errstate(divide="ignore"):
            denom = self.p * x + self.q - 1.0
            out = np.where(
                denom > 0, self.p * (self.v + x * m) / np.where(denom > 0, denom, 1.0), np.inf
            )
        return np.asarray(out, dtype=np.float64)
