"""Series kernels of the CLV models (Pareto/NBD likelihood, BG/NBD conditional expectation).

Both kernels sum positive, geometrically decaying hypergeometric series term by term, so
they never overflow; the naive twins in the tests integrate the same quantities with
``scipy.integrate.quad``.
"""

from __future__ import annotations

import math
import types
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

_MAX_TERMS = 1_000_000
_TINY = 1e-17


@nb.njit(nogil=True, cache=True)
def _log_j(
    r: float, alpha: float, s: float, beta: float, x: float, t: float
) -> tuple[float, float, float, float, float]:
    """Log of J(t) = int_t^inf s (beta+u)^-(s+1) (alpha+u)^-(r+x) du and its gradient.

    J is written with the Euler-transformed Gauss function 2F1(1, c; d; z), whose series has
    positive terms with ratio below z < 1 (Fader & Hardie 2005, "A Note on Deriving the
    Pareto/NBD Model", section 3, rearranged so that neither case overflows).
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


def _pareto_log_j(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """:func:`_log_j` over (x, t) pairs: columns log J, d/dr, d/dalpha, d/ds, d/dbeta."""
    n = x.shape[0]
    out = np.empty((n, 5))
    for i in nb.prange(n):
        v, g0, g1, g2, g3 = _log_j(r, alpha, s, beta, x[i], t[i])
        out[i, 0] = v
        out[i, 1] = g0
        out[i, 2] = g1
        out[i, 3] = g2
        out[i, 4] = g3
    return out


def _pareto_rows(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: npt.NDArray[np.float64],
    tx: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    jx: npt.NDArray[np.float64],
    jt: npt.NDArray[np.float64],
    ix: npt.NDArray[np.int64],
    it: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Pareto/NBD log-likelihood rows without the x-only terms, P(alive), weighted gradient.

    Row value: log[(alpha+T)^-(r+x) (beta+T)^-s + J(t_x) - J(T)], the bracket of
    Fader & Hardie's Pareto/NBD likelihood (2005 note, section 3), with ``jx[ix[i]]`` and
    ``jt[it[i]]`` the :func:`_pareto_log_j` rows of (x, t_x) and (x, T). The share of the
    first term is P(alive | x, t_x, T) (the note's section 5). The gradient in
    (r, alpha, s, beta) is summed with weights ``w``.
    """
    n = x.shape[0]
    ll = np.empty(n)
    alive = np.empty(n)
    grad = np.zeros((n, 4))
    for i in nb.prange(n):
        xi = x[i]
        lat = math.log(alpha + T[i])
        lbt = math.log(beta + T[i])
        l0 = -(r + xi) * lat - s * lbt
        d0r = -lat
        d0a = -(r + xi) / (alpha + T[i])
        d0s = -lbt
        d0b = -s / (beta + T[i])
        ratio = 1.0
        k = ix[i]
        q = it[i]
        if T[i] > tx[i] and jt[q, 0] < jx[k, 0]:
            ratio = math.exp(jt[q, 0] - jx[k, 0])
        if ratio >= 1.0:
            ll[i] = l0
            alive[i] = 1.0
            grad[i, 0] = w[i] * d0r
            grad[i, 1] = w[i] * d0a
            grad[i, 2] = w[i] * d0s
            grad[i, 3] = w[i] * d0b
            continue
        ld = jx[k, 0] + math.log1p(-ratio)
        m = max(l0, ld)
        tot = m + math.log(math.exp(l0 - m) + math.exp(ld - m))
        p0 = math.exp(l0 - tot)
        ll[i] = tot
        alive[i] = p0
        inv = (1.0 - p0) / (1.0 - ratio)
        grad[i, 0] = w[i] * (p0 * d0r + (jx[k, 1] - ratio * jt[q, 1]) * inv)
        grad[i, 1] = w[i] * (p0 * d0a + (jx[k, 2] - ratio * jt[q, 2]) * inv)
        grad[i, 2] = w[i] * (p0 * d0s + (jx[k, 3] - ratio * jt[q, 3]) * inv)
        grad[i, 3] = w[i] * (p0 * d0b + (jx[k, 4] - ratio * jt[q, 4]) * inv)
    return ll, alive, grad


def _pareto_alive(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: npt.NDArray[np.float64],
    tx: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
    lj: npt.NDArray[np.float64],
    ix: npt.NDArray[np.int64],
    it: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """P(alive | x, t_x, T) under the Pareto/NBD, without the gradient (for predictions).

    The share of the "alive at T" term in the bracket of :func:`_pareto_rows`; ``lj`` holds
    log J of the distinct (x, t) pairs, ``ix``/``it`` each row's (x, t_x) and (x, T) pair.
    """
    n = x.shape[0]
    out = np.empty(n)
    for i in nb.prange(n):
        jx = lj[ix[i]]
        jt = lj[it[i]]
        if T[i] <= tx[i] or jt >= jx:
            out[i] = 1.0
            continue
        l0 = -(r + x[i]) * math.log(alpha + T[i]) - s * math.log(beta + T[i])
        ld = jx + math.log1p(-math.exp(jt - jx))
        out[i] = 1.0 / (1.0 + math.exp(ld - l0))
    return out


def _bg_sums(
    r: float,
    alpha: float,
    a: float,
    b: float,
    m: float,
    x: npt.NDArray[np.float64],
    tx: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Weighted sums of the BG/NBD (m = 0) / MBG/NBD (m = 1) mixture term and its gradient.

    Per row: log[(alpha+T)^-(r+x) + 1{x+m>0} a/(b+x+m-1) (alpha+t_x)^-(r+x)]
    (Fader, Hardie & Lee 2005, eq. 6). Returns [sum, d/dr, d/dalpha, d/da, d/db] of the
    weighted sum; the x-only terms are added by the caller.
    """
    n = x.shape[0]
    la = math.log(a)
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    for i in nb.prange(n):
        rx = r + x[i]
        lat = math.log(alpha + T[i])
        c1 = -rx * lat
        wi = w[i]
        mix = c1
        pi = 0.0
        latx = 0.0
        inv_bx = 0.0
        if x[i] + m > 0.0:
            latx = math.log(alpha + tx[i])
            inv_bx = 1.0 / (b + x[i] + m - 1.0)
            c2 = la + math.log(inv_bx) - rx * latx
            d = c2 - c1
            if d > 0.0:
                e = math.exp(-d)
                mix = c2 + math.log1p(e)
                pi = 1.0 / (1.0 + e)
            else:
                e = math.exp(d)
                mix = c1 + math.log1p(e)
                pi = e / (1.0 + e)
        s0 += wi * mix
        s1 -= wi * ((1.0 - pi) * lat + pi * latx)
        s2 -= wi * rx * ((1.0 - pi) / (alpha + T[i]) + pi / (alpha + tx[i]))
        s3 += wi * pi / a
        s4 -= wi * pi * inv_bx
    out = np.empty(5)
    out[0] = s0
    out[1] = s1
    out[2] = s2
    out[3] = s3
    out[4] = s4
    return out


@nb.njit(nogil=True, cache=True)
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


# Threads pay off only on large inputs: below this, spawning them costs more than the
# loop (and on a shared 2-core machine the threaded kernels were twice as slow at 10^5).
_PARALLEL_MIN_ROWS = 400_000


class _Kernel:
    """A serial and a threaded twin of one kernel, both cached on disk, picked per call.

    Threads pay off only on large inputs, so the number of rows (the length of the first
    array argument) picks the twin. numba names a cache file after the function's
    qualified name, so two dispatchers of one function would overwrite each other's cache
    index; the threaded one compiles a copy of the function under another name. Array
    arguments are passed as read-only views (see :func:`_readonly`).
    """

    __slots__ = ("parallel", "serial")

    def __init__(self, func: Any) -> None:
        twin = types.FunctionType(
            func.__code__, func.__globals__, func.__name__ + "_parallel", func.__defaults__
        )
        twin.__qualname__ = func.__qualname__ + "_parallel"
        twin.__module__ = func.__module__
        self.serial = nb.njit(nogil=True, cache=True)(func)
        self.parallel = nb.njit(nogil=True, cache=True, parallel=True)(twin)

    def __call__(self, *args: Any) -> Any:
        n = next(a.shape[0] for a in args if isinstance(a, np.ndarray))
        picked = self.parallel if n >= _PARALLEL_MIN_ROWS else self.serial
        return picked(*(_readonly(a) for a in args))


def _readonly(value: Any) -> Any:
    """A read-only view of an array argument (scalars pass through).

    numba types read-only and writeable arrays apart, and the model code hands the kernels
    both (pandas 3 returns read-only column arrays, conversions return fresh writeable
    ones); one view type keeps one compiled signature per kernel, which is what the cache
    and :func:`load_kernels` hold. A view costs no copy.
    """
    if isinstance(value, np.ndarray) and value.flags.writeable:
        view = value.view()
        view.flags.writeable = False
        return view
    return value


pareto_log_j = _Kernel(_pareto_log_j)
pareto_rows = _Kernel(_pareto_rows)
pareto_alive = _Kernel(_pareto_alive)
bg_sums = _Kernel(_bg_sums)
beta_posterior_purchases = _Kernel(_beta_posterior_purchases)

# Every compiled dispatcher by name, (serial, threaded): what warm-up and its tests inspect.
_KERNELS = {
    name: (kernel.serial, kernel.parallel)
    for name, kernel in {
        "log_j": pareto_log_j,
        "rows": pareto_rows,
        "bg": bg_sums,
        "alive": pareto_alive,
        "q": beta_posterior_purchases,
    }.items()
}


def load_kernels() -> None:
    """Call the serial and the threaded twin of every kernel once, on two customers.

    Used by :func:`growthkit.warm_up`: the threaded twins otherwise load only on the first
    input of 400,000 rows. The argument types match those of the model code, so no later
    call compiles or loads another signature.
    """
    x = np.array([0.0, 2.0])
    tx = np.array([0.0, 10.0])
    t = np.array([39.0, 39.0])
    w = np.ones(2)
    px = np.concatenate([x, x])
    pt = np.concatenate([tx, t])
    ix = np.array([0, 1], dtype=np.int64)
    it = np.array([2, 3], dtype=np.int64)
    x, tx, t, w, px, pt, ix, it = (_readonly(a) for a in (x, tx, t, w, px, pt, ix, it))
    for pick in ("serial", "parallel"):
        j = _readonly(getattr(pareto_log_j, pick)(0.55, 10.6, 0.61, 11.7, px, pt))
        getattr(pareto_rows, pick)(0.55, 10.6, 0.61, 11.7, x, tx, t, w, j, j, ix, it)
        lj = _readonly(np.ascontiguousarray(j[:, 0]))
        getattr(pareto_alive, pick)(0.55, 10.6, 0.61, 11.7, x, tx, t, lj, ix, it)
        getattr(bg_sums, pick)(0.24, 4.41, 0.79, 2.43, 1.0, x, tx, t, w)
        k, u, b = (_readonly(np.full(2, v)) for v in (1.0, 0.2, 2.43))
        getattr(beta_posterior_purchases, pick)(k, u, 0.79, b)
