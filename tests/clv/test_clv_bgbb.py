"""BG/BB: likelihood, P(alive) and expectations against quadrature and simulation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate, special, stats

from growthkit.clv import BetaGeoBetaBinom
from growthkit.clv.bgbb import _neg_ll_grad
from growthkit.errors import DataError

MODEL = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)


Term = tuple[Callable[[float], float], Callable[[float], float]]


def prior_expectation(terms: list[Term]) -> float:
    """Sum over terms of E[f(p)] E[h(theta)] under the Beta priors, by 1-D quadrature.

    Each term of the individual-level likelihood is a product of a function of p and a
    function of theta, and p and theta are independent a priori.
    """
    m = MODEL
    total = 0.0
    for f, h in terms:
        ep = integrate.quad(weighted(f, m.alpha, m.beta), 0, 1)[0]
        et = integrate.quad(weighted(h, m.gamma, m.delta), 0, 1)[0]
        total += ep * et
    return total


def weighted(f: Callable[[float], float], a: float, b: float) -> Callable[[float], float]:
    return lambda v: f(v) * float(stats.beta.pdf(v, a, b))


def p_term(x: int, k: int) -> Callable[[float], float]:
    return lambda p: p**x * (1 - p) ** k


def theta_term(dead: bool, k: int) -> Callable[[float], float]:
    return lambda t: (t if dead else 1.0) * (1 - t) ** k


def individual(x: int, tx: int, n: int, extra: int = 0) -> list[Term]:
    """Terms of the individual-level likelihood; ``extra`` more survived opportunities."""
    terms: list[Term] = [(p_term(x, n - x), theta_term(False, n + extra))]
    if extra == 0:
        terms += [(p_term(x, tx - x + i), theta_term(True, tx + i)) for i in range(n - tx)]
    return terms


def loglik(x: int, tx: int, n: int) -> float:
    p = np.array([MODEL.alpha, MODEL.beta, MODEL.gamma, MODEL.delta])
    one = np.ones(1)
    return -_neg_ll_grad(p, x * one, tx * one, n * one, one)[0]


@pytest.mark.parametrize("x, tx, n", [(0, 0, 6), (2, 4, 6), (6, 6, 6), (1, 1, 10)])
def test_loglik_and_p_alive_by_quadrature(x: int, tx: int, n: int) -> None:
    total = prior_expectation(individual(x, tx, n))
    assert loglik(x, tx, n) == pytest.approx(np.log(total), abs=1e-7)
    alive_next = prior_expectation(individual(x, tx, n, extra=1))
    assert MODEL.probability_alive(x, tx, n)[0] == pytest.approx(alive_next / total, rel=1e-6)


def test_conditional_expectation_matches_paper_closed_form() -> None:
    # Fader, Hardie & Shang (2010): E[X(n, n+n*) | x, t_x, n] in closed form.
    a, b, g, d = MODEL.alpha, MODEL.beta, MODEL.gamma, MODEL.delta
    x, tx, n, ns = 3, 5, 6, 5
    ll = loglik(x, tx, n)
    lead = np.exp(special.betaln(a + x + 1, b + n - x) - special.betaln(a, b) - ll)
    gam = special.gammaln
    bracket = np.exp(gam(1 + d + n) - gam(g + d + n)) - np.exp(
        gam(1 + d + n + ns) - gam(g + d + n + ns)
    )
    paper = lead * d / (g - 1) * np.exp(gam(g + d) - gam(1 + d)) * bracket
    assert MODEL.expected_purchases(ns, x, tx, n)[0] == pytest.approx(paper, rel=1e-10)


def test_new_customer_expectation_closed_form_and_simulation() -> None:
    a, b, g, d = MODEL.alpha, MODEL.beta, MODEL.gamma, MODEL.delta
    n = np.array([1.0, 6.0, 20.0])
    gam = special.gammaln
    paper = (
        a
        / (a + b)
        * d
        / (g - 1)
        * (1 - np.exp(gam(g + d) + gam(1 + d + n) - gam(g + d + n) - gam(1 + d)))
    )
    np.testing.assert_allclose(MODEL.expected_purchases_new_customer(n), paper, rtol=1e-10)
    rng = np.random.default_rng(0)
    size = 200_000
    p = rng.beta(a, b, size)
    theta = rng.beta(g, d, size)
    # Alive at opportunity k with probability (1 - theta)^k; transacts with probability p.
    alive_through = rng.geometric(theta) - 1
    counts = rng.binomial(np.minimum(alive_through, 6), p)
    se = counts.std() / np.sqrt(size)
    assert abs(float(MODEL.expected_purchases_new_customer(6)) - counts.mean()) < 4 * se


def test_invalid_inputs() -> None:
    with pytest.raises(DataError, match=r"`frequency` is greater than `recency`: 1 rows\."):
        BetaGeoBetaBinom.fit([3], [2], [6])
    with pytest.raises(DataError, match=r"`recency` is greater than `n_periods`: 1 rows\."):
        BetaGeoBetaBinom.fit([3], [7], [6])
    with pytest.raises(DataError, match=r"`n_periods` is not a whole number: 1 rows\."):
        MODEL.probability_alive([3], [4], [6.5])
    with pytest.raises(DataError, match=r"`t` is not a whole number >= 0: 1 rows\."):
        MODEL.expected_purchases(1.5, [3], [4], [6])
