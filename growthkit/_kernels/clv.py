"""Series kernels of the CLV models (Pareto/NBD likelihood, BG/NBD conditional expectation).

Both kernels sum positive, geometrically decaying hypergeometric series term by term, so
they never overflow; the naive twins in the tests integrate the same quantities with
``scipy.integrate.quad``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import numpy.typing as npt

_MAX_TERMS = 1_000_000
_TINY = 1e-17


@nb.njit(nogil=True, cache=False)
def _log_j(
    r: float, alpha: float, s: float, beta: float, x: float, t: float
) -> tuple[float, float, float, float, float]:
    """Log of J(t) = int_t^inf s (beta+u)^-(s+1) (alpha+u)^-(r+x) du and its gradient.

    J is written with the Euler-transformed Gauss function 2F1(1, c; d; z), whose series has
    positive terms with ratio below z < 1 (Fader & Hardie 2005, "A Note on Deriving the
    Pareto/NBD Model", eqs. 21-22, rearranged so that neither case overflows).
    """
    a = r + s + x
    la = math.log(alpha + t)
    lb = math.log(beta + t)
    if alpha >= beta:
        c = r + x
        z = (alpha - beta) / (alpha + t)
        dz_da = (beta + t) / (alpha + t) ** 2
        dz_db = -1.0 / (alpha + t)
    else:
        c = s + 1.0
        z = (beta - alpha) / (beta + t)
        dz_da = -1.0 / (beta + t)
        dz_db = (alpha + t) / (beta + t) ** 2
    d = a + 1.0
    g = 1.0
    gc = 0.0
    gd = 0.0
    gz = 0.0
    coef = 1.0
    zp = 1.0
    sc = 0.0
    sd = 0.0
    one_minus_z = 1.0 - z
    for n in range(1, _MAX_TERMS):
        k = n - 1.0
        coef *= (c + k) / (d + k)
        sc += 1.0 / (c + k)
        sd += 1.0 / (d + k)
        u = coef * zp
        term = u * z
        g += term
        gc += term * sc
        gd -= term * sd
        gz += n * u
        zp *= z
        if term <= _TINY * g * one_minus_z and n * u <= _TINY * gz * one_minus_z:
            break
    dg_c = gc / g
    dg_d = gd / g
    dg_z = gz / g
    if alpha >= beta:
        return (
            math.log(s) - math.log(a) - (r + x) * la - s * lb + math.log(g),
            -1.0 / a - la + dg_c + dg_d,
            -(r + x) / (alpha + t) + dg_z * dz_da,
            1.0 / s - 1.0 / a - lb + dg_d,
            -s / (beta + t) + dg_z * dz_db,
        )
    return (
        math.log(s) - math.log(a) - (r + x - 1.0) * la - (s + 1.0) * lb + math.log(g),
        -1.0 / a - la + dg_d,
        -(r + x - 1.0) / (alpha + t) + dg_z * dz_da,
        1.0 / s - 1.0 / a - lb + dg_c + dg_d,
        -(s + 1.0) / (beta + t) + dg_z * dz_db,
    )


def _pareto_mixture(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: npt.NDArray[np.float64],
    tx: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Pareto/NBD log-likelihood rows without the x-only terms, gradient, P(alive).

    Row value: log[(alpha+T)^-(r+x) (beta+T)^-s + J(t_x) - J(T)], the bracket of
    Fader & Hardie's Pareto/NBD likelihood (2005 note, eq. 22). Returns the values, their
    gradient (n, 4) in (r, alpha, s, beta), and the share of the "alive at T" term, which is
    P(alive | x, t_x, T) (eq. 11 of Fader & Hardie's note).
    """
    n = x.shape[0]
    ll = np.empty(n)
    grad = np.empty((n, 4))
    alive = np.empty(n)
    for i in nb.prange(n):
        xi = x[i]
        lat = math.log(alpha + T[i])
        lbt = math.log(beta + T[i])
        l0 = -(r + xi) * lat - s * lbt
        d0r = -lat
        d0a = -(r + xi) / (alpha + T[i])
        d0s = -lbt
        d0b = -s / (beta + T[i])
        if T[i] <= tx[i]:
            ratio = 1.0
        else:
            jx, gx0, gx1, gx2, gx3 = _log_j(r, alpha, s, beta, xi, tx[i])
            jt, gt0, gt1, gt2, gt3 = _log_j(r, alpha, s, beta, xi, T[i])
            ratio = math.exp(jt - jx) if jt < jx else 1.0
        if ratio >= 1.0:
            ll[i] = l0
            alive[i] = 1.0
            grad[i, 0] = d0r
            grad[i, 1] = d0a
            grad[i, 2] = d0s
            grad[i, 3] = d0b
            continue
        ld = jx + math.log1p(-ratio)
        m = max(l0, ld)
        tot = m + math.log(math.exp(l0 - m) + math.exp(ld - m))
        p0 = math.exp(l0 - tot)
        pd = 1.0 - p0
        ll[i] = tot
        alive[i] = p0
        inv = pd / (1.0 - ratio)
        grad[i, 0] = p0 * d0r + (gx0 - ratio * gt0) * inv
        grad[i, 1] = p0 * d0a + (gx1 - ratio * gt1) * inv
        grad[i, 2] = p0 * d0s + (gx2 - ratio * gt2) * inv
        grad[i, 3] = p0 * d0b + (gx3 - ratio * gt3) * inv
    return ll, grad, alive


@nb.njit(nogil=True, cache=False)
def _q_one(k: float, u: float, a: float, b: float) -> float:
    """E[(1 - (1 + p u)^-k) / p] for p ~ Beta(a, b).

    Equals (a+b-1) [(1 - (1-z)^(a-1) 2F1(a-1, a+b-1-k; a+b-1; z)) / (a-1)] with
    z = u / (1+u) (Fader, Hardie & Lee 2005, eq. 10, after Pfaff's transformation); the
    (a-1) factor is divided out of the series analytically so that a -> 1 is stable.
    """
    if u <= 0.0:
        return 0.0
    z = u / (1.0 + u)
    c1 = a - 1.0
    c2 = a + b - 1.0 - k
    cc = a + b - 1.0
    log1mz = -math.log1p(u)
    if c1 == 0.0:
        first = -log1mz
    else:
        first = -math.expm1(c1 * log1mz) / c1
    term = c2 / cc * z
    total = term
    for n in range(1, _MAX_TERMS):
        term *= (a + n - 1.0) * (c2 + n) * z / ((cc + n) * (n + 1.0))
        total += term
        if abs(term) <= _TINY * abs(total) * (1.0 - z) or term == 0.0:
            break
    value = cc * (first - math.exp(c1 * log1mz) * total)
    return max(value, 0.0)


def _beta_posterior_purchases(
    k: npt.NDArray[np.float64],
    u: npt.NDArray[np.float64],
    a: float,
    b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Vectorised :func:`_q_one` over customers (``k``, ``u``, ``b`` per customer)."""
    n = k.shape[0]
    out = np.empty(n)
    for i in nb.prange(n):
        out[i] = _q_one(k[i], u[i], a, b[i])
    return out


_PARALLEL_MIN_ROWS = 50_000

_pareto_serial = nb.njit(nogil=True, cache=False)(_pareto_mixture)
_pareto_parallel = nb.njit(nogil=True, cache=False, parallel=True)(_pareto_mixture)
_q_serial = nb.njit(nogil=True, cache=False)(_beta_posterior_purchases)
_q_parallel = nb.njit(nogil=True, cache=False, parallel=True)(_beta_posterior_purchases)


def pareto_mixture(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: npt.NDArray[np.float64],
    tx: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Dispatch :func:`_pareto_mixture`: threads only pay off on large inputs."""
    kernel = _pareto_parallel if x.shape[0] >= _PARALLEL_MIN_ROWS else _pareto_serial
    return kernel(r, alpha, s, beta, x, tx, T)


def beta_posterior_purchases(
    k: npt.NDArray[np.float64],
    u: npt.NDArray[np.float64],
    a: float,
    b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Dispatch :func:`_beta_posterior_purchases` (threads on large inputs only)."""
    kernel = _q_parallel if k.shape[0] >= _PARALLEL_MIN_ROWS else _q_serial
    return kernel(k, u, a, b)
