"""BG/BB discrete-time purchase model (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from growthkit._validate import check_nonnegative, check_whole, data_error
from growthkit.clv._base import (
    FittedModel,
    FloatArray,
    Objective,
    check_weights,
    compress,
    from_frame,
    per_customer,
    summary_arrays,
    times,
)

__all__ = ["BetaGeoBetaBinom"]

_COLUMNS = ("frequency", "recency", "n_periods")

# The likelihood sums one term per opportunity after the last transaction and the
# predictions one per future opportunity; beyond this many the arrays and loops would run
# out of memory or time, and the data are no longer discrete opportunities anyway.
MAX_PERIODS = 10_000


def _check_max_periods(name: str, values: FloatArray) -> None:
    bad = int(np.count_nonzero(values > MAX_PERIODS))
    if bad:
        raise data_error(
            name,
            f"exceeds {MAX_PERIODS} opportunities",
            bad,
            "BG/BB models discrete opportunities (years, campaigns); aggregate to "
            "coarser periods, or use BetaGeo / ParetoNBD for continuous time.",
        )


_WHOLE = "is not a whole number >= 0"


def _opportunities(t: FloatArray) -> FloatArray:
    """Check a number of future opportunities (non-negative already): whole, not too many."""
    bad = int(np.count_nonzero(t != np.floor(t)))
    if bad:
        raise data_error("t", _WHOLE, bad)
    _check_max_periods("t", t)
    return t


def _check(
    frequency: object, recency: object, n_periods: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x, tx, n = summary_arrays(_COLUMNS, (frequency, recency, n_periods))
    for name, arr in (("frequency", x), ("recency", tx), ("n_periods", n)):
        check_nonnegative(name, arr)
        check_whole(name, arr, "BG/BB counts opportunities.")
    _check_max_periods("n_periods", n)
    bad = int(np.count_nonzero(tx > n))
    if bad:
        raise data_error("recency", "is greater than `n_periods`", bad)
    bad = int(np.count_nonzero(x > tx))
    if bad:
        raise data_error(
            "frequency",
            "is greater than `recency`",
            bad,
            "At most one transaction per opportunity, so frequency <= recency.",
        )
    bad = int(np.count_nonzero((x == 0) & (tx > 0)))
    if bad:
        raise data_error("recency", "is positive where `frequency` is 0", bad)
    return x, tx, n


def _terms(
    p: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Log terms of the BG/BB likelihood and their gradients, one column per term.

    Column 0 is "alive through n"; column ``1 + i`` is "last seen at t_x, dropped out
    before opportunity t_x + i + 1" (Fader, Hardie & Shang 2010, eq. 5); columns beyond
    ``n - t_x`` are -inf.
    """
    a, b, g, d = (float(v) for v in p)
    width = int(np.max(n - tx)) + 1
    base = -special.betaln(a, b) - special.betaln(g, d)
    dbase = np.array(
        [
            special.digamma(a + b) - special.digamma(a),
            special.digamma(a + b) - special.digamma(b),
            special.digamma(g + d) - special.digamma(g),
            special.digamma(g + d) - special.digamma(d),
        ]
    )
    logs = np.full((x.size, width), -np.inf)
    grads = np.zeros((4, x.size, width))
    y = b + n - x
    logs[:, 0] = special.betaln(a + x, y) + special.betaln(g, d + n) + base
    grads[0, :, 0] = special.digamma(a + x) - special.digamma(a + x + y)
    grads[1, :, 0] = special.digamma(y) - special.digamma(a + x + y)
    grads[2, :, 0] = special.digamma(g) - special.digamma(g + d + n)
    grads[3, :, 0] = special.digamma(d + n) - special.digamma(g + d + n)
    for i in range(width - 1):
        rows = (n - tx) > i
        xi, ti = x[rows], tx[rows]
        yb = b + ti - xi + i
        dd = d + ti + i
        logs[rows, i + 1] = special.betaln(a + xi, yb) + special.betaln(g + 1, dd) + base
        grads[0, rows, i + 1] = special.digamma(a + xi) - special.digamma(a + xi + yb)
        grads[1, rows, i + 1] = special.digamma(yb) - special.digamma(a + xi + yb)
        grads[2, rows, i + 1] = special.digamma(g + 1) - special.digamma(g + 1 + dd)
        grads[3, rows, i + 1] = special.digamma(dd) - special.digamma(g + 1 + dd)
    grads += dbase[:, None, None]
    return logs, grads


def _neg_ll_grad(
    p: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    logs, grads = _terms(p, x, tx, n)
    ll = special.logsumexp(logs, axis=1)
    share = np.exp(logs - ll[:, None])
    g = np.einsum("kij,ij->ki", grads, share) @ w
    return -float(w @ ll), -np.asarray(g, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BetaGeoBetaBinom(FittedModel):
    """BG/BB model of discrete-time repeat transactions, fitted or with given parameters.

    At each of ``n`` transaction opportunities an alive customer transacts with probability
    ``p ~ Beta(alpha, beta)``, and before each opportunity they may become inactive with
    probability ``theta ~ Beta(gamma, delta)``.

    Attributes
    ----------
    alpha, beta, gamma, delta
        Parameters.
    log_likelihood
        Maximised log-likelihood.
    n_customers
        Number of customers (sum of weights).
    covariance
        Inverse observed information matrix in (alpha, beta, gamma, delta), read-only.

    Notes
    -----
    Likelihood of a customer with ``x`` transactions, the last at opportunity ``t_x``, out
    of ``n`` (Fader, Hardie & Shang 2010)::

        B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
        + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
                              B(gamma+1, delta+t_x+i)/B(gamma, delta)

    summed in log space (``logsumexp``) with an analytic gradient.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. *Marketing Science* 29(6), 1086-1108.

    Examples
    --------
    >>> from growthkit.clv import BetaGeoBetaBinom
    >>> model = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    >>> model.probability_alive(frequency=[0, 6], recency=[0, 6], n_periods=[6, 6]).round(3)
    array([0.108, 0.93 ])
    """

    alpha: float
    beta: float
    gamma: float
    delta: float

    _param_names = ("alpha", "beta", "gamma", "delta")

    @classmethod
    def fit(
        cls,
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        n_periods: npt.ArrayLike | None = None,
        *,
        weights: npt.ArrayLike | None = None,
        start: Mapping[str, float] | None = None,
    ) -> BetaGeoBetaBinom:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        frequency
            Transactions per customer (at most one per opportunity, the first excluded), or
            a DataFrame with columns ``frequency``, ``recency`` and ``n_periods``.
        recency
            Opportunity of the last transaction (0 without transactions).
        n_periods
            Number of opportunities observed.
        weights
            Number of customers each row stands for (BG/BB data is usually given as counts
            per (frequency, recency) pattern).
        start
            Start values by name (default all 1).

        Returns
        -------
        BetaGeoBetaBinom
            The fitted, immutable model.

        Raises
        ------
        DataError
            Negative or non-integer values, ``recency > n_periods``, ``frequency >
            recency``, positive recency without transactions.
        ConvergenceError
            If the optimiser fails or the maximum is not identified.
        """
        values = from_frame(frequency, [recency, n_periods], _COLUMNS)
        x, tx, n = _check(*values)
        w = check_weights(weights, x.size)
        (x, tx, n), w = compress([x, tx, n], w)

        def objective(x: FloatArray, tx: FloatArray, n: FloatArray, w: FloatArray) -> Objective:
            return lambda p: _neg_ll_grad(p, x, tx, n, w)

        init = dict.fromkeys(cls._param_names, 1.0)
        return cls._maximum_likelihood(objective, (x, tx, n), w, init, start)

    def _params(self) -> FloatArray:
        return np.array([self.alpha, self.beta, self.gamma, self.delta])

    def _summary(
        self, frequency: object, recency: object, n_periods: object
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        values = from_frame(frequency, [recency, n_periods], _COLUMNS)
        x, tx, n = _check(*values)
        logs, _ = _terms(self._params(), x, tx, n)
        return x, tx, n, special.logsumexp(logs, axis=1)

    def probability_alive(
        self,
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        n_periods: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Probability of being alive at the next opportunity ``n + 1``.

        ``B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/B(gamma, delta) / L``
        (Fader, Hardie & Shang 2010).

        Parameters
        ----------
        frequency, recency, n_periods
            The customers' summary (arrays or a DataFrame as first argument).

        Returns
        -------
        numpy.ndarray
            Probabilities, one per customer.
        """
        x, _, n, ll = self._summary(frequency, recency, n_periods)
        a, b, g, d = self._params()
        log_num = (
            special.betaln(a + x, b + n - x)
            - special.betaln(a, b)
            + special.betaln(g, d + n + 1)
            - special.betaln(g, d)
        )
        return np.asarray(np.exp(log_num - ll), dtype=np.float64)

    def _alive_sum(self, start: FloatArray, periods: FloatArray) -> FloatArray:
        """Sum over k = 1..periods of B(gamma, delta+start+k) / B(gamma, delta+start)."""
        g, d = self.gamma, self.delta
        out = np.zeros(start.shape)
        ratio = np.ones(start.shape)
        for k in range(1, int(np.max(periods, initial=0)) + 1):
            ratio = ratio * (d + start + k - 1) / (g + d + start + k - 1)
            out += np.where(periods >= k, ratio, 0.0)
        return out

    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        n_periods: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Return the expected transactions in the next ``t`` opportunities per customer.

        ``sum_{k=1}^{t} P(alive at n+k, transacts)`` under the posterior: ``1/L
        B(alpha+x+1, beta+n-x)/B(alpha, beta) sum_k B(gamma, delta+n+k)/B(gamma, delta)``,
        the summed form of Fader, Hardie & Shang's conditional expectation (stable for
        ``gamma`` near 1).

        Parameters
        ----------
        t
            Number of future opportunities (whole number; scalar or one per customer).
        frequency, recency, n_periods
            The customers' summary.

        Returns
        -------
        numpy.ndarray
            Expected transactions, one per customer.
        """
        x, _, n, ll = self._summary(frequency, recency, n_periods)
        periods = _opportunities(per_customer("t", t, x.size, negative=_WHOLE))
        a, b, g, d = self._params()
        log_lead = (
            special.betaln(a + x + 1, b + n - x)
            - special.betaln(a, b)
            + special.betaln(g, d + n)
            - special.betaln(g, d)
            - ll
        )
        return np.asarray(np.exp(log_lead) * self._alive_sum(n, periods), dtype=np.float64)

    def expected_purchases_new_customer(self, t: npt.ArrayLike) -> FloatArray:
        """Return the expected transactions in the first ``t`` opportunities of a new customer.

        ``alpha/(alpha+beta) sum_{k=1}^{t} B(gamma, delta+k)/B(gamma, delta)`` (Fader, Hardie
        & Shang 2010, the mean of X(n), summed).

        Parameters
        ----------
        t
            Number of opportunities (whole number, scalar or array).

        Returns
        -------
        numpy.ndarray
            ``E[X(t)]`` with the shape of ``t``.
        """
        tt = times("t", t, negative=_WHOLE)
        flat = _opportunities(tt.ravel())
        total = self._alive_sum(np.zeros(flat.shape), flat)
        out = self.alpha / (self.alpha + self.beta) * total
        return np.asarray(out.reshape(tt.shape), dtype=np.float64)
