"""BG/NBD and MBG/NBD: likelihood, gradient, predictions against independent evaluations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from growthkit.clv import BetaGeo, ModifiedBetaGeo
from growthkit.clv.bgnbd import _neg_ll_grad
from growthkit.errors import DataError, SchemaError

CDNOW = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 35.0, 38.0), (1, 2.0, 50.0), (40, 10.0, 20.0)]


def prior_integral(
    model: BetaGeo | ModifiedBetaGeo, f: Callable[[float, float], float], lam_max: float = 40.0
) -> float:
    """E[f(lambda, p)] under the Gamma(r, alpha) x Beta(a, b) prior by 2-D quadrature.

    Substituting lambda = s^(1/r) and p = q^(1/a) removes the integrable singularities of
    the prior densities at 0, so plain adaptive quadrature converges.
    """
    r, al, a, b = model.r, model.alpha, model.a, model.b
    const = al**r / special.gamma(r) / special.beta(a, b) / (r * a)

    def integrand(s: float, q: float) -> float:
        lam = s ** (1 / r)
        p = q ** (1 / a)
        return float(np.exp(-al * lam) * (1 - p) ** (b - 1) * f(lam, p))

    value, _ = integrate.dblquad(integrand, 0, 1, 0, lam_max**r, epsabs=0, epsrel=1e-10)
    return float(const * value)


def naive_loglik(model: BetaGeo | ModifiedBetaGeo, x: float, tx: float, T: float) -> float:
    """Per-customer log-likelihood by 2-D numerical integration over (lambda, p)."""
    m = 1 if isinstance(model, ModifiedBetaGeo) else 0

    def lik(lam: float, p: float) -> float:
        alive = (1 - p) ** (x + m) * lam**x * np.exp(-lam * T)
        dead = p * (1 - p) ** (x + m - 1) * lam**x * np.exp(-lam * tx) if x + m > 0 else 0.0
        return float(alive + dead)

    return float(np.log(prior_integral(model, lik)))


def closed_form_loglik(model: BetaGeo, x: float, tx: float, T: float) -> float:
    """FHL (2005) eq. 6, evaluated directly (no log-space tricks)."""
    r, al, a, b = model.r, model.alpha, model.a, model.b
    a1 = special.gamma(r + x) * al**r / special.gamma(r)
    a2 = special.beta(a, b + x) / special.beta(a, b)
    a3 = (al + T) ** -(r + x)
    a4 = a / (b + x - 1) * (al + tx) ** -(r + x) if x > 0 else 0.0
    return float(np.log(a1 * a2 * (a3 + a4)))


def loglik(model: BetaGeo | ModifiedBetaGeo, x: float, tx: float, T: float) -> float:
    arr = np.array([float(x)])
    m = 1 if isinstance(model, ModifiedBetaGeo) else 0
    p = np.array([model.r, model.alpha, model.a, model.b])
    value, _ = _neg_ll_grad(p, arr, np.array([tx]), np.array([T]), np.ones(1), arr, np.ones(1), m)
    return -value


@pytest.mark.parametrize("x, tx, T", CUSTOMERS[:4])
def test_loglik_matches_paper_formula_and_integration(x: int, tx: float, T: float) -> None:
    assert loglik(CDNOW, x, tx, T) == pytest.approx(closed_form_loglik(CDNOW, x, tx, T), rel=1e-10)
    assert loglik(CDNOW, x, tx, T) == pytest.approx(naive_loglik(CDNOW, x, tx, T), abs=1e-6)


@pytest.mark.parametrize("x, tx, T", CUSTOMERS[:4])
def test_mbg_loglik_matches_integration(x: int, tx: float, T: float) -> None:
    model = ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614)
    assert loglik(model, x, tx, T) == pytest.approx(naive_loglik(model, x, tx, T), abs=1e-6)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_gradient_matches_finite_differences(
    cls: type[BetaGeo] | type[ModifiedBetaGeo], cdnow_summary: pd.DataFrame
) -> None:
    x = cdnow_summary["frequency"].to_numpy(float)
    tx = cdnow_summary["recency"].to_numpy()
    T = cdnow_summary["T"].to_numpy()
    ux, inv = np.unique(x, return_inverse=True)
    wx = np.bincount(inv).astype(float)
    m = 1 if cls is ModifiedBetaGeo else 0
    p = np.array([0.3, 5.0, 0.7, 2.0])
    _, grad = _neg_ll_grad(p, x, tx, T, np.ones(x.size), ux, wx, m)
    for j in range(4):
        h = 1e-6 * p[j]
        up, dn = p.copy(), p.copy()
        up[j] += h
        dn[j] -= h
        f_up = _neg_ll_grad(up, x, tx, T, np.ones(x.size), ux, wx, m)[0]
        f_dn = _neg_ll_grad(dn, x, tx, T, np.ones(x.size), ux, wx, m)[0]
        assert grad[j] == pytest.approx((f_up - f_dn) / (2 * h), rel=1e-5)


def posterior_expectation(
    model: BetaGeo | ModifiedBetaGeo, t: float, x: int, tx: float, T: float
) -> float:
    """P(alive) * E[(1 - exp(-lambda p t)) / p] by quadrature over the Beta posterior of p."""
    m = 1 if isinstance(model, ModifiedBetaGeo) else 0
    k = model.r + x
    u = t / (model.alpha + T)

    def integrand(p: float) -> float:
        return float(
            -np.expm1(-k * np.log1p(p * u)) / p * stats.beta.pdf(p, model.a, model.b + x + m)
        )

    value, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-11, limit=200)
    alive = model.probability_alive(x, tx, T)[0]
    return float(alive * value)


def paper_conditional_expectation(model: BetaGeo, t: float, x: int, tx: float, T: float) -> float:
    """FHL (2005) eq. 10 with scipy's hyp2f1 (fine for moderate x)."""
    r, al, a, b = model.r, model.alpha, model.a, model.b
    z = t / (al + T + t)
    bracket = 1 - ((al + T) / (al + T + t)) ** (r + x) * special.hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    num = (a + b + x - 1) / (a - 1) * bracket
    den = 1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)
    return float(num / den)


@pytest.mark.parametrize("x, tx, T", CUSTOMERS)
@pytest.mark.parametrize("t", [1.0, 39.0, 200.0])
def test_conditional_expectation(x: int, tx: float, T: float, t: float) -> None:
    got = CDNOW.expected_purchases(t, x, tx, T)[0]
    assert got == pytest.approx(posterior_expectation(CDNOW, t, x, tx, T), rel=1e-7)
    if x < 20:
        assert got == pytest.approx(paper_conditional_expectation(CDNOW, t, x, tx, T), rel=1e-7)


@pytest.mark.parametrize("x, tx, T", CUSTOMERS)
def test_mbg_conditional_expectation(x: int, tx: float, T: float) -> None:
    model = ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614)
    got = model.expected_purchases(39.0, x, tx, T)[0]
    assert got == pytest.approx(posterior_expectation(model, 39.0, x, tx, T), rel=1e-7)


def test_fhl_worked_example() -> None:
    # FHL (2005), section 4: customer with x=2, t_x=30.43, T=38.86 expects 1.226 purchases in
    # the next 39 weeks.
    assert CDNOW.expected_purchases(39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=5e-4)


def test_probability_alive_by_bayes_rule() -> None:
    # Direct Bayes: ratio of the 'alive' part of the integrated likelihood to the total.
    x, tx, T = 3, 10.0, 38.0
    alive = prior_integral(CDNOW, lambda lam, p: (1 - p) ** x * lam**x * np.exp(-lam * T))
    dead = prior_integral(CDNOW, lambda lam, p: p * (1 - p) ** (x - 1) * lam**x * np.exp(-lam * tx))
    assert CDNOW.probability_alive(x, tx, T)[0] == pytest.approx(alive / (alive + dead), rel=1e-6)
    assert CDNOW.probability_alive(0, 0, 20)[0] == 1.0


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_probability_alive_at_horizon_by_quadrature(
    cls: type[BetaGeo] | type[ModifiedBetaGeo],
) -> None:
    model = cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    m = 1 if cls is ModifiedBetaGeo else 0
    x, tx, T, h = 4, 20.0, 38.0, 26.0

    def surv(p: float) -> float:
        u = h / (model.alpha + T)
        return float((1 + p * u) ** -(model.r + x) * stats.beta.pdf(p, model.a, model.b + x + m))

    expected = model.probability_alive(x, tx, T)[0] * integrate.quad(surv, 0, 1)[0]
    got = model.probability_alive(x, tx, T, horizon=h)[0]
    assert got == pytest.approx(expected, rel=1e-8)
    assert got < model.probability_alive(x, tx, T)[0]


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_new_customer_expectation_by_simulation(cls: type[BetaGeo] | type[ModifiedBetaGeo]) -> None:
    model = cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    n = 400_000
    for t in (10.0, 78.0):
        sim = model.simulate(n, T=t, rng=7)["frequency"].to_numpy()
        se = sim.std() / np.sqrt(n)
        got = model.expected_purchases_new_customer(t)
        assert abs(float(got) - sim.mean()) < 4 * se


def test_new_customer_expectation_paper_formula() -> None:
    # FHL (2005) eq. 7.
    r, al, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    t = np.array([1.0, 39.0, 78.0])
    paper = (
        (a + b - 1)
        / (a - 1)
        * (1 - (al / (al + t)) ** r * special.hyp2f1(r, b, a + b - 1, t / (al + t)))
    )
    np.testing.assert_allclose(CDNOW.expected_purchases_new_customer(t), paper, rtol=1e-9)
    assert CDNOW.expected_purchases_new_customer(0.0) == 0.0


def test_parameter_recovery_from_simulation() -> None:
    true = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    rng = np.random.default_rng(11)
    n = 40_000
    data = BetaGeo(r=0.5, alpha=6.0, a=0.8, b=2.5).simulate(n, T=rng.uniform(20, 80, n), rng=12)
    fitted = BetaGeo.fit(data)
    for name, value in true.items():
        assert abs(fitted.params[name] - value) < 4 * fitted.standard_errors[name], name


def test_mbg_parameter_recovery_from_simulation() -> None:
    true = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    rng = np.random.default_rng(3)
    n = 40_000
    data = ModifiedBetaGeo(r=0.5, alpha=6.0, a=0.9, b=1.6).simulate(
        n, T=rng.uniform(20, 80, n), rng=4
    )
    fitted = ModifiedBetaGeo.fit(data)
    for name, value in true.items():
        assert abs(fitted.params[name] - value) < 4 * fitted.standard_errors[name], name


def test_weights_equal_repeated_rows(cdnow_summary: pd.DataFrame) -> None:
    counts = cdnow_summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    compressed = BetaGeo.fit(
        counts["frequency"], counts["recency"], counts["T"], weights=counts["n"]
    )
    full = BetaGeo.fit(cdnow_summary)
    assert compressed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-10)
    for name in full.params:
        assert compressed.params[name] == pytest.approx(full.params[name], rel=1e-5)


def test_fit_accepts_arrays_and_frame(cdnow_summary: pd.DataFrame) -> None:
    a = BetaGeo.fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    b = BetaGeo.fit(cdnow_summary)
    assert a.params == pytest.approx(b.params)
    assert a.n_customers == len(cdnow_summary)
    assert set(a.standard_errors) == {"r", "alpha", "a", "b"}
    assert "alpha" in str(a)


def test_model_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CDNOW.r = 1.0  # type: ignore[misc]
    params = CDNOW.params
    params["r"] = 99.0
    assert CDNOW.r == 0.243


def test_predictions_accept_frame_and_vectorise(cdnow_summary: pd.DataFrame) -> None:
    frame = CDNOW.expected_purchases(10, cdnow_summary)
    arrays = CDNOW.expected_purchases(
        10, cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]
    )
    np.testing.assert_array_equal(frame, arrays)
    assert frame.shape == (len(cdnow_summary),)
    per_customer_t = CDNOW.expected_purchases(np.full(len(cdnow_summary), 10.0), cdnow_summary)
    np.testing.assert_array_equal(per_customer_t, frame)


summaries = st.integers(0, 10_000).flatmap(
    lambda x: st.tuples(
        st.just(x),
        st.floats(0, 1e4) if x > 0 else st.just(0.0),
        st.floats(0, 1e4),
    )
)


@settings(max_examples=60, deadline=None)
@given(summaries, st.floats(0, 1e3), st.sampled_from([BetaGeo, ModifiedBetaGeo]))
def test_predictions_finite_for_extreme_inputs(
    row: tuple[int, float, float], t: float, cls: type[BetaGeo] | type[ModifiedBetaGeo]
) -> None:
    x, tx, T = row
    tx, T = min(tx, T), max(tx, T)
    model = cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    alive = model.probability_alive(x, tx, T, horizon=t)[0]
    expected = model.expected_purchases(t, x, tx, T)[0]
    assert 0.0 <= alive <= 1.0
    assert np.isfinite(expected) and expected >= 0.0
    # Expected purchases are bounded by those of a customer known to be alive forever.
    assert expected <= (model.r + x) / (model.alpha + T) * t * (1 + 1e-9) + 1e-12
    assert np.isfinite(loglik(model, x, tx, T))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"frequency": [1, 2], "recency": [5.0, 9.0], "T": [4.0, 10.0]},
            r"`recency` is greater than `T`: 1 rows\. Recency runs",
        ),
        (
            {"frequency": [-1, 2], "recency": [0.0, 9.0], "T": [4.0, 10.0]},
            r"`frequency` is negative: 1 rows\.",
        ),
        (
            {"frequency": [0, 0], "recency": [1.0, 2.0], "T": [4.0, 10.0]},
            r"`recency` is positive where `frequency` is 0: 2 rows\. A customer",
        ),
        (
            {"frequency": [1, 2], "recency": [np.nan, 1.0], "T": [4.0, 10.0]},
            r"`recency` has NaN or infinite values: 1 rows\. Drop or fill",
        ),
        (
            {"frequency": [1.5, 2], "recency": [1.0, 1.0], "T": [4.0, 10.0]},
            r"`frequency` is not a whole number: 1 rows\.",
        ),
        (
            {"frequency": [1, 2], "recency": [1.0, -1.0], "T": [4.0, 10.0]},
            r"`recency` is negative: 1 rows\.",
        ),
        ({"frequency": [], "recency": [], "T": []}, r"`frequency` is empty: 0 rows\."),
        (
            {"frequency": [1, 2], "recency": [1.0], "T": [4.0, 10.0]},
            r"`recency` and `T` must have the length of `frequency` \(2\), got 1 and 2: 1 rows\.",
        ),
    ],
)
def test_invalid_summary_raises(kwargs: dict[str, list[float]], match: str) -> None:
    with pytest.raises(DataError, match=match):
        BetaGeo.fit(kwargs["frequency"], kwargs["recency"], kwargs["T"])
    with pytest.raises(DataError, match=match):
        CDNOW.probability_alive(kwargs["frequency"], kwargs["recency"], kwargs["T"])


def test_missing_column_and_arguments() -> None:
    with pytest.raises(SchemaError, match=r"`T` column is missing from the summary: 1 rows\."):
        BetaGeo.fit(pd.DataFrame({"frequency": [1], "recency": [1.0]}))
    with pytest.raises(SchemaError, match=r"`recency` is required"):
        BetaGeo.fit([1, 2])


def test_invalid_prediction_arguments() -> None:
    with pytest.raises(DataError, match=r"`t` is negative: 1 rows\."):
        CDNOW.expected_purchases(-1.0, 1, 1.0, 2.0)
    with pytest.raises(DataError, match=r"`horizon` is negative or not finite: 1 rows\."):
        CDNOW.probability_alive(1, 1.0, 2.0, horizon=-1.0)
    with pytest.raises(DataError, match=r"`weights` is negative: 1 rows\."):
        BetaGeo.fit([1, 2], [1.0, 1.0], [2.0, 2.0], weights=[1.0, -1.0])


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_subsample_warm_start_reaches_same_optimum(
    cls: type[BetaGeo] | type[ModifiedBetaGeo], monkeypatch: pytest.MonkeyPatch
) -> None:
    from growthkit.clv import _base

    rng = np.random.default_rng(2)
    data = cls(r=0.5, alpha=6.0, a=0.8, b=2.5).simulate(20_000, T=rng.uniform(20, 80, 20_000))
    direct = cls.fit(data)
    monkeypatch.setattr(_base, "_WARM_START_ROWS", 1_000)
    monkeypatch.setattr(_base, "_SAMPLE_ROWS", 2_000)
    warm = cls.fit(data)
    assert warm.log_likelihood == pytest.approx(direct.log_likelihood, rel=1e-11)
    for name in direct.params:
        assert warm.params[name] == pytest.approx(direct.params[name], rel=1e-5)


def naive_q(k: float, u: float, a: float, b: float) -> float:
    """Naive twin of the series kernel: E[(1 - (1 + p u)^-k) / p] by quadrature."""

    def integrand(p: float) -> float:
        return float(-np.expm1(-k * np.log1p(p * u)) / p * stats.beta.pdf(p, a, b))

    return float(integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-12, limit=400)[0])


def test_posterior_purchase_kernel_on_random_inputs() -> None:
    from growthkit._kernels.clv import beta_posterior_purchases

    rng = np.random.default_rng(8)
    k = rng.uniform(0.05, 60, 30)
    u = rng.uniform(0.0, 8.0, 30)
    a = 0.2 + 3 * rng.random()
    b = rng.uniform(0.2, 40, 30)
    got = beta_posterior_purchases(k, u, a, b)
    expected = [naive_q(*args) for args in zip(k, u, [a] * 30, b, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-8)
    # a = 1 exactly is a removable singularity of the closed form.
    one = beta_posterior_purchases(np.array([2.0]), np.array([0.5]), 1.0, np.array([3.0]))
    assert one[0] == pytest.approx(naive_q(2.0, 0.5, 1.0, 3.0), rel=1e-9)
