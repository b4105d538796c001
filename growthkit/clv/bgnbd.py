"""BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam et al. 2007) purchase models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from growthkit._kernels import clv as _kernels
from growthkit.clv import _simulate
from growthkit.clv._base import FloatArray, IntArray, Objective, PurchaseModel, factorize_rows

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _BetaGeoFamily(PurchaseModel):
    """Shared algebra of BG/NBD (``_shift = 0``) and MBG/NBD (``_shift = 1``).

    With ``m = _shift`` the customer survives ``x + m`` purchase opportunities before T:
    the likelihood is ``B(a, b+x+m)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r) *
    [(alpha+T)^-(r+x) + 1{x+m>0} a/(b+x+m-1) (alpha+t_x)^-(r+x)]``.
    """

    r: float
    alpha: float
    a: float
    b: float

    _param_names = ("r", "alpha", "a", "b")
    _shift: ClassVar[int] = 0

    @classmethod
    def _objective(cls, x: FloatArray, tx: FloatArray, t: FloatArray, w: FloatArray) -> Objective:
        ux, inv = np.unique(x, return_inverse=True)
        wx = np.asarray(np.bincount(inv, weights=w), dtype=np.float64)
        m = cls._shift
        return lambda p: _neg_ll_grad(p, x, tx, t, w, ux, wx, m)

    @classmethod
    def _start(cls, mean_x: float, mean_t: float) -> dict[str, float]:
        # r = a = b = 1 and alpha matched to the mean purchase rate.
        return {"r": 1.0, "alpha": max(mean_t / max(mean_x, 0.1), 1e-3), "a": 1.0, "b": 1.0}

    def _alive_odds_log(self, x: FloatArray, tx: FloatArray, t: FloatArray) -> FloatArray:
        """Return log of a/(b+x+m-1) ((alpha+T)/(alpha+t_x))^(r+x); -inf where no dropout term."""
        m = self._shift
        dead = (x + m) > 0
        out = np.full(x.shape, -np.inf)
        xd = x[dead]
        out[dead] = (
            np.log(self.a)
            - np.log(self.b + xd + m - 1.0)
            + (self.r + xd) * (np.log(self.alpha + t[dead]) - np.log(self.alpha + tx[dead]))
        )
        return out

    def _draw(self, gen: np.random.Generator, t: FloatArray) -> tuple[IntArray, FloatArray]:
        return _simulate.beta_geo(gen, t, self.r, self.alpha, self.a, self.b, self._shift)

    def _probability_alive(
        self, x: FloatArray, tx: FloatArray, t: FloatArray, horizon: FloatArray
    ) -> FloatArray:
        """P(alive at T) times the probability of surviving ``horizon`` more periods.

        P(alive at T) follows Fader, Hardie & Lee's note "Computing P(alive) using the
        BG/NBD model"; the survival factor is ``E[(1 + p h/(alpha+T))^-(r+x)]`` over the
        posterior ``p ~ Beta(a, b+x+m)``.
        """
        p_alive = special.expit(-self._alive_odds_log(x, tx, t))
        h = horizon
        if not np.any(h != 0):
            return np.asarray(p_alive, dtype=np.float64)
        big_b = self.b + x + self._shift
        z = h / (self.alpha + t + h)
        surv = np.exp(self.a * np.log1p(-z)) * special.hyp2f1(
            self.a, self.a + big_b - (self.r + x), self.a + big_b, z
        )
        # scipy's 2F1 returns NaN/inf in parts of the parameter space (e.g. c - a - b an
        # integer with z near 1): there take the expectation by quadrature instead.
        bad = ~((surv >= 0.0) & (surv <= 1.0 + 1e-9))
        if np.any(bad):
            k, u = self.r + x[bad], h[bad] / (self.alpha + t[bad])
            surv = surv.copy()
            surv[bad] = _beta_expectation(
                lambda p: np.exp(-k[:, None] * np.log1p(p * u[:, None])),
                float(self.a),
                np.asarray(big_b[bad], dtype=np.float64),
            )
        return np.asarray(p_alive * np.clip(surv, 0.0, 1.0), dtype=np.float64)

    def _expected_purchases(
        self, horizon: FloatArray, x: FloatArray, tx: FloatArray, tt: FloatArray
    ) -> FloatArray:
        """Conditional expected purchases (Fader, Hardie & Lee 2005, eq. 10).

        ``E[Y(t) | x, t_x, T] = P(alive) * E[(1 - exp(-lambda p t)) / p]`` over the
        posterior ``lambda ~ Gamma(r+x, alpha+T)``, ``p ~ Beta(a, b+x+m)``, summed as a
        positive series that stays finite for any frequency.
        """
        p_alive = special.expit(-self._alive_odds_log(x, tx, tt))
        # The series depends on (x, T, t) only: evaluate it once per distinct triple, which
        # for daily or weekly data is a small fraction of the customers.
        group, first = factorize_rows([x, tt, horizon])
        xs, ts, hs = x[first], tt[first], horizon[first]
        q = _posterior_purchases(
            np.ascontiguousarray(self.r + xs),
            np.ascontiguousarray(hs / (self.alpha + ts)),
            float(self.a),
            np.ascontiguousarray(self.b + xs + self._shift),
        )
        return np.asarray(p_alive * q[group], dtype=np.float64)

    def _new_customer(self, flat: FloatArray) -> FloatArray:
        """Expected repeat purchases of a new customer (Fader, Hardie & Lee 2005, eq. 7).

        For MBG/NBD the customer may drop out right after the first purchase, which scales
        the integrand by ``1 - p``.
        """
        n = flat.size
        if self._shift == 0:
            bb = np.full(n, self.b)
            factor = 1.0
        else:
            bb = np.full(n, self.b + 1.0)
            factor = self.b / (self.a + self.b)
        q = _posterior_purchases(
            np.full(n, self.r), np.ascontiguousarray(flat / self.alpha), float(self.a), bb
        )
        return np.asarray(factor * q, dtype=np.float64)


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite.hermgauss(96)


def _posterior_purchases(k: FloatArray, u: FloatArray, a: float, b: FloatArray) -> FloatArray:
    """``E[(1 - (1 + p u)^-k) / p]`` over ``p ~ Beta(a, b)``: the kernel, checked.

    The kernel's hypergeometric series does not converge for large ``a`` (it returns NaN)
    and cancels when ``k`` exceeds ``a + b``. The integrand lies in ``(0, min(k u, 1/p)]``,
    so a value outside ``(0, min(k u, E[1/p])]`` is recomputed by quadrature.
    """
    q: FloatArray = _kernels.beta_posterior_purchases(k, u, a, b)
    cap = k * u
    if a > 1.0:
        cap = np.minimum(cap, (a + b - 1.0) / (a - 1.0))
    bad = ~(q <= cap * (1.0 + 1e-9)) | ((q <= 0.0) & (cap > 0.0))
    if np.any(bad):
        q = q.copy()
        q[bad] = _posterior_purchases_quadrature(k[bad], u[bad], a, b[bad])
    return q


def _posterior_purchases_quadrature(
    k: FloatArray, u: FloatArray, a: float, b: FloatArray
) -> FloatArray:
    """The same expectation by quadrature (see :func:`_beta_expectation`)."""

    def g(p: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = -np.expm1(-k[:, None] * np.log1p(p * u[:, None])) / p
        return np.asarray(np.where(p > 0.0, out, (k * u)[:, None]), dtype=np.float64)

    return _beta_expectation(g, a, b)


def _beta_expectation(
    func: Callable[[FloatArray], FloatArray], a: float, b: FloatArray
) -> FloatArray:
    """``E[func(p)]`` over ``p ~ Beta(a, b_i)`` per row, by Gauss-Hermite in ``y = logit(p)``.

    The density of ``y`` is ``exp(a y) (1 + exp(y))^-(a+b) / B(a, b)``, log-concave with
    mode ``log(a/b)`` and curvature ``ab/(a+b)`` there; the nodes are placed by that normal
    approximation and the weights self-normalised, so ``B(a, b)`` never has to be formed.
    ``func`` maps the ``(rows, nodes)`` array of ``p`` to values of the same shape.
    """
    sd = np.sqrt((a + b) / (a * b))
    y = (np.log(a) - np.log(b))[:, None] + np.sqrt(2.0) * sd[:, None] * _GH_NODES
    log_w = np.log(_GH_WEIGHTS) + _GH_NODES**2 + a * y - (a + b)[:, None] * np.logaddexp(0.0, y)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    values = func(special.expit(y))
    return np.asarray((w * values).sum(axis=1) / w.sum(axis=1), dtype=np.float64)


def _neg_ll_grad(
    p: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    t: FloatArray,
    w: FloatArray,
    ux: FloatArray,
    wx: FloatArray,
    m: int,
) -> tuple[float, FloatArray]:
    """Negative log-likelihood and its gradient in (r, alpha, a, b).

    ``ux`` are the distinct frequencies and ``wx`` their total weights: the terms that
    depend on x only are evaluated once per distinct frequency.
    """
    r, alpha, a, b = (float(v) for v in p)
    sums = _kernels.bg_sums(r, alpha, a, b, float(m), x, tx, t, w)
    lg = (
        special.gammaln(r + ux)
        + special.gammaln(a + b)
        + special.gammaln(b + ux + m)
        - special.gammaln(a + b + ux + m)
    )
    dg_ab = special.digamma(a + b) - special.digamma(a + b + ux + m)
    w_total = float(wx.sum())
    ll = (
        float(wx @ lg)
        + sums[0]
        + w_total * (r * np.log(alpha) - special.gammaln(r) - special.gammaln(b))
    )
    g_r = (
        float(wx @ special.digamma(r + ux))
        + sums[1]
        + w_total * (np.log(alpha) - special.digamma(r))
    )
    g_alpha = w_total * r / alpha + sums[2]
    g_a = float(wx @ dg_ab) + sums[3]
    g_b = float(wx @ (dg_ab + special.digamma(b + ux + m))) + sums[4] - w_total * special.digamma(b)
    return -ll, -np.array([g_r, g_alpha, g_a, g_b])


class BetaGeo(_BetaGeoFamily):
    """BG/NBD purchase model (Fader, Hardie & Lee 2005), fitted or with given parameters.

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``;
    after each repeat purchase they drop out with probability ``p ~ Beta(a, b)``. Build one
    with :meth:`fit`; construct it directly only to use known parameters.

    Attributes
    ----------
    r, alpha, a, b
        Parameters (``alpha`` in the time unit of the data it was fitted on).
    log_likelihood
        Maximised log-likelihood (NaN for a model built from given parameters).
    n_customers
        Number of customers (sum of weights) it was fitted on.
    covariance
        Inverse observed information matrix in (r, alpha, a, b), read-only.

    Notes
    -----
    Log-likelihood of one customer (Fader, Hardie & Lee 2005, eq. 6)::

        ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
        + ln[(alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x)]

    evaluated with ``logaddexp`` and summed over distinct (x, t_x, T) rows with weights;
    the gradient is analytic, the standard errors invert the Hessian of the negative
    log-likelihood at the maximum.

    Predictions: ``probability_alive`` is ``1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))``
    for ``x > 0`` (1 for ``x = 0``; FHL's note "Computing P(alive) using the BG/NBD
    model"); ``expected_purchases`` is ``P(alive) E[(1 - (1 + p t/(alpha+T))^-(r+x)) / p]``
    over ``p ~ Beta(a, b+x)`` (eq. 10), summed as a positive series;
    ``expected_purchases_new_customer`` is eq. 7.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import BetaGeo
    >>> cdnow = gk.datasets.load_cdnow_summary()
    >>> model = BetaGeo.fit(cdnow)
    >>> {k: round(v, 3) for k, v in model.params.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(model.log_likelihood, 1)
    -9582.4
    >>> model.expected_purchases(39, frequency=2, recency=30.43, T=38.86).round(3)
    array([1.226])
    """

    __slots__ = ()
    _shift: ClassVar[int] = 0


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007).

    As :class:`BetaGeo`, except that a customer may also drop out right after the first
    purchase, so that customers without repeat purchases can be inactive.

    Attributes
    ----------
    r, alpha, a, b
        Parameters (``alpha`` in the time unit of the data).
    log_likelihood
        Maximised log-likelihood.
    n_customers
        Number of customers it was fitted on.
    covariance
        Inverse observed information matrix in (r, alpha, a, b).

    Notes
    -----
    Log-likelihood of one customer (Batislam et al. 2007, section 2)::

        ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b)
        + ln[(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
    comparison of models for customer base analysis. *International Journal of Research in
    Marketing* 24(3), 201-209.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import ModifiedBetaGeo
    >>> model = ModifiedBetaGeo.fit(gk.datasets.load_cdnow_summary())
    >>> bool(model.probability_alive(0, 0, 30)[0] < 1.0)
    True
    """

    __slots__ = ()
    _shift: ClassVar[int] = 1
