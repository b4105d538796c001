"""Pareto/NBD: series kernel, likelihood, gradient and predictions against quadrature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from growthkit._kernels import clv as kernels
from growthkit.clv import ParetoNBD
from growthkit.clv.paretonbd import _neg_ll_grad, _Pairs
from growthkit.errors import DataError

CDNOW = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)


def naive_log_j(r: float, alpha: float, s: float, beta: float, x: float, t: float) -> float:
    """Naive twin of the series kernel: J(t) = int_t^inf s (beta+u)^-(s+1) (alpha+u)^-(r+x) du."""

    def f(u: float) -> float:
        return float(s * (beta + u) ** -(s + 1) * (alpha + u) ** -(r + x))

    # u = t + (1 + t) v / (1 - v) maps [t, inf) onto [0, 1).
    def g(v: float) -> float:
        if v >= 1.0:
            return 0.0
        return f(t + (1 + t) * v / (1 - v)) * (1 + t) / (1 - v) ** 2

    value, _ = integrate.quad(g, 0, 1, epsabs=0, epsrel=1e-12, limit=500)
    return float(np.log(value))


@pytest.mark.parametrize(
    "params",
    [(0.553, 10.578, 0.606, 11.669), (0.553, 30.0, 0.606, 2.0), (2.0, 1.0, 3.0, 40.0)],
)
@pytest.mark.parametrize("x, t", [(0, 0.0), (1, 5.0), (10, 30.0), (60, 38.0), (3, 400.0)])
def test_log_j_kernel_matches_quadrature(
    params: tuple[float, float, float, float], x: float, t: float
) -> None:
    got = kernels.pareto_log_j(*params, np.array([float(x)]), np.array([t]))[0, 0]
    assert got == pytest.approx(naive_log_j(*params, x, t), rel=1e-9, abs=1e-9)


def test_log_j_kernel_on_random_inputs() -> None:
    rng = np.random.default_rng(5)
    for _ in range(25):
        r, alpha, s, beta = rng.uniform(0.1, 5, 4) * np.array([1, 20, 1, 20])
        x = float(rng.integers(0, 50))
        t = float(rng.uniform(0, 100))
        got = kernels.pareto_log_j(r, alpha, s, beta, np.array([x]), np.array([t]))[0, 0]
        assert got == pytest.approx(naive_log_j(r, alpha, s, beta, x, t), rel=1e-9, abs=1e-9)


def note_loglik(model: ParetoNBD, x: float, tx: float, T: float) -> float:
    """Fader & Hardie's Pareto/NBD note, eqs. 22-24, with scipy's hyp2f1 (moderate inputs)."""
    r, al, s, be = model.r, model.alpha, model.s, model.beta
    big = r + s + x
    if al >= be:
        f1 = special.hyp2f1(big, s + 1, big + 1, (al - be) / (al + tx)) / (al + tx) ** big
        f2 = special.hyp2f1(big, s + 1, big + 1, (al - be) / (al + T)) / (al + T) ** big
    else:
        f1 = special.hyp2f1(big, r + x, big + 1, (be - al) / (be + tx)) / (be + tx) ** big
        f2 = special.hyp2f1(big, r + x, big + 1, (be - al) / (be + T)) / (be + T) ** big
    a0 = f1 - f2
    lead = special.gamma(r + x) * al**r * be**s / special.gamma(r)
    return float(np.log(lead * (1 / ((al + T) ** (r + x) * (be + T) ** s) + s / big * a0)))


def loglik(model: ParetoNBD, x: float, tx: float, T: float) -> float:
    p = np.array([model.r, model.alpha, model.s, model.beta])
    xs = np.array([float(x)])
    pairs = _Pairs(xs, np.array([tx]), np.array([T]))
    return -_neg_ll_grad(p, pairs, np.ones(1), xs, np.ones(1))[0]


@pytest.mark.parametrize("model", [CDNOW, ParetoNBD(r=0.553, alpha=5.0, s=0.606, beta=20.0)])
@pytest.mark.parametrize("x, tx, T", [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 1.0, 38.0)])
def test_loglik_matches_note_formula(model: ParetoNBD, x: int, tx: float, T: float) -> None:
    assert loglik(model, x, tx, T) == pytest.approx(note_loglik(model, x, tx, T), rel=1e-9)


def test_gradient_matches_finite_differences(cdnow_summary: pd.DataFrame) -> None:
    x = cdnow_summary["frequency"].to_numpy(float)
    pairs = _Pairs(x, cdnow_summary["recency"].to_numpy(), cdnow_summary["T"].to_numpy())
    ux, inv = np.unique(x, return_inverse=True)
    wx = np.bincount(inv).astype(float)
    w = np.ones(x.size)
    for p in (np.array([0.5, 10.0, 0.6, 12.0]), np.array([0.5, 20.0, 0.6, 3.0])):
        _, grad = _neg_ll_grad(p, pairs, w, ux, wx)
        for j in range(4):
            h = 1e-6 * p[j]
            up, dn = p.copy(), p.copy()
            up[j] += h
            dn[j] -= h
            numeric = (
                _neg_ll_grad(up, pairs, w, ux, wx)[0] - _neg_ll_grad(dn, pairs, w, ux, wx)[0]
            ) / (2 * h)
            assert grad[j] == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("x, tx, T", [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 1.0, 38.0)])
def test_probability_alive_and_expectation_by_quadrature(x: int, tx: float, T: float) -> None:
    m = CDNOW
    alive_term = (m.alpha + T) ** -(m.r + x) * (m.beta + T) ** -m.s
    dead_term = np.exp(naive_log_j(m.r, m.alpha, m.s, m.beta, x, tx)) - np.exp(
        naive_log_j(m.r, m.alpha, m.s, m.beta, x, T)
    )
    p_alive = alive_term / (alive_term + dead_term)
    assert m.probability_alive(x, tx, T)[0] == pytest.approx(p_alive, rel=1e-9)
    # E[Y(t)] = P(alive) E[lambda] int_0^t E[exp(-mu u)] du under the alive posterior.
    t = 39.0
    survive = integrate.quad(lambda u: ((m.beta + T) / (m.beta + T + u)) ** m.s, 0, t)[0]
    expected = p_alive * (m.r + x) / (m.alpha + T) * survive
    assert m.expected_purchases(t, x, tx, T)[0] == pytest.approx(expected, rel=1e-9)
    horizon = m.probability_alive(x, tx, T, horizon=13.0)[0]
    assert horizon == pytest.approx(p_alive * ((m.beta + T) / (m.beta + T + 13.0)) ** m.s)


def test_new_customer_expectation_by_simulation() -> None:
    n = 400_000
    for t in (10.0, 78.0):
        sim = CDNOW.simulate(n, T=t, rng=8)["frequency"].to_numpy()
        got = float(CDNOW.expected_purchases_new_customer(t))
        assert abs(got - sim.mean()) < 4 * sim.std() / np.sqrt(n)


def test_s_equal_one_is_continuous() -> None:
    near = ParetoNBD(r=0.5, alpha=10.0, s=1.0 + 1e-9, beta=12.0)
    exact = ParetoNBD(r=0.5, alpha=10.0, s=1.0, beta=12.0)
    assert exact.expected_purchases_new_customer(39.0) == pytest.approx(
        near.expected_purchases_new_customer(39.0), rel=1e-7
    )


def test_parameter_recovery_from_simulation() -> None:
    true = {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 10.0}
    rng = np.random.default_rng(21)
    n = 20_000
    data = ParetoNBD(r=0.6, alpha=8.0, s=0.7, beta=10.0).simulate(
        n, T=rng.uniform(20, 80, n), rng=22
    )
    fitted = ParetoNBD.fit(data)
    for name, value in true.items():
        assert abs(fitted.params[name] - value) < 4 * fitted.standard_errors[name], name


def test_weights_equal_repeated_rows(cdnow_summary: pd.DataFrame) -> None:
    counts = cdnow_summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    compressed = ParetoNBD.fit(
        counts["frequency"], counts["recency"], counts["T"], weights=counts["n"]
    )
    full = ParetoNBD.fit(cdnow_summary)
    assert compressed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-10)


summaries = st.integers(0, 10_000).flatmap(
    lambda x: st.tuples(st.just(x), st.floats(0, 1e4) if x > 0 else st.just(0.0), st.floats(0, 1e4))
)


@settings(max_examples=60, deadline=None)
@given(
    summaries,
    st.floats(0, 1e3),
    st.tuples(st.floats(0.05, 20), st.floats(0.05, 100), st.floats(0.05, 20), st.floats(0.05, 100)),
)
def test_finite_for_extreme_inputs(
    row: tuple[int, float, float], t: float, params: tuple[float, float, float, float]
) -> None:
    x, tx, T = row
    tx, T = min(tx, T), max(tx, T)
    model = ParetoNBD(*params)
    alive = model.probability_alive(x, tx, T, horizon=t)[0]
    expected = model.expected_purchases(t, x, tx, T)[0]
    assert 0.0 <= alive <= 1.0
    assert (
        np.isfinite(expected)
        and 0.0 <= expected <= (model.r + x) / (model.alpha + T) * t * (1 + 1e-9) + 1e-12
    )
    p = np.array(params)
    xs = np.array([float(x)])
    value, grad = _neg_ll_grad(
        p, _Pairs(xs, np.array([tx]), np.array([T])), np.ones(1), xs, np.ones(1)
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_invalid_input_messages() -> None:
    with pytest.raises(DataError, match=r"`recency` is greater than `T`: 2 rows\."):
        ParetoNBD.fit([1, 2], [5.0, 11.0], [4.0, 10.0])
    with pytest.raises(DataError, match=r"`T` is negative: 1 rows\."):
        CDNOW.expected_purchases(1.0, [0], [0.0], [-1.0])


def test_subsample_warm_start_reaches_same_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    from growthkit.clv import _base

    rng = np.random.default_rng(2)
    data = CDNOW.simulate(10_000, T=rng.uniform(20, 80, 10_000), rng=1)
    direct = ParetoNBD.fit(data)
    monkeypatch.setattr(_base, "_WARM_START_ROWS", 1_000)
    monkeypatch.setattr(_base, "_SAMPLE_ROWS", 2_000)
    warm = ParetoNBD.fit(data)
    assert warm.log_likelihood == pytest.approx(direct.log_likelihood, rel=1e-11)
    for name in direct.params:
        assert warm.params[name] == pytest.approx(direct.params[name], rel=1e-4)
