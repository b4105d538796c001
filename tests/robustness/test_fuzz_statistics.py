"""Fuzz the statistical functions with hostile summaries and aggregates.

The CLV models are fitted and queried on random ``frequency / recency / T / monetary_value``
summaries (zeros, repeat buyers with recency 0, huge values, NaN, inf, negatives, empty and
one-row input) and with random parameters; the experiments functions get random counts,
sums, sums of squares and variances (zero variance, zero counts, NaN, inf, 1e308); the churn
models get random survival tables. Each call must either return a result that satisfies the
module's invariants or raise a ``GrowthkitError`` whose message starts with the name of an
argument of the call; any other exception is a bug.

Profiles (registered in tests/conftest.py, see docs/robustness.md):
``python -m pytest tests/robustness`` runs the quick CI profile;
``HYPOTHESIS_PROFILE=long python -m pytest tests/robustness`` runs 10,000 examples per
function.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import growthkit as gk
from growthkit import experiments as ex
from growthkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    customer_lifetime_value,
)

SPECIAL = [0.0, -0.0, 0.5, 1.0, -1.0, 1e-300, 5e-324, 1e15, 2.0**53, 1e300, 1.7e308]
NONFINITE = [np.nan, np.inf, -np.inf]


def hostile(lo: float = 0.0, hi: float = 1e4) -> st.SearchStrategy[float]:
    """Mostly plausible numbers, sometimes an extreme or non-finite one."""
    return st.integers(0, 19).flatmap(
        lambda k: (
            st.floats(lo, hi, allow_nan=False)
            if k < 12
            else st.integers(int(lo), int(min(hi, 1e6))).map(float)
            if k < 16
            else st.sampled_from(SPECIAL)
            if k < 19
            else st.sampled_from(NONFINITE)
        )
    )


def arrays(element: st.SearchStrategy[float], n: int | None = None) -> st.SearchStrategy[Any]:
    """A scalar or a 1-D array of ``element`` (length ``n`` if given)."""
    if n is not None:
        return st.lists(element, min_size=n, max_size=n).map(lambda v: np.array(v))
    return st.one_of(element, st.lists(element, min_size=0, max_size=4).map(lambda v: np.array(v)))


# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------

_FIELD = re.compile(r"^`([^`]+)`")


def _fraction(divisor: int) -> int:
    """A share of the profile's examples, for the slow functions (bootstrap, lifelines).

    A Cox/AFT fit on a tiny degenerate table takes 0.1-30 s in lifelines (on an idle
    machine 50 fits took 24 s), so ``fit_churn_model`` runs 1/20 of the profile's examples.
    The bootstrap and Kaplan-Meier / log-rank tests run the full profile.
    """
    return max(int(settings().max_examples) // divisor, 1)


def check_error(exc: gk.GrowthkitError, allowed: Iterable[str]) -> None:
    """The message names an argument of the call (or ``params`` for a failed fit)."""
    found = _FIELD.match(str(exc))
    assert found, f"message does not start with a field name: {exc}"
    field = found.group(1).split(".")[0]
    assert field in set(allowed) | {"params"}, f"message names {field!r}: {exc}"


def names_of(fn: Callable[..., Any], *extra: str) -> set[str]:
    return set(inspect.signature(fn).parameters) | set(extra)


def probability(values: Any, what: str) -> None:
    arr = np.asarray(values, dtype=np.float64)
    assert not np.isnan(arr).any(), f"{what}: NaN"
    assert ((arr >= 0) & (arr <= 1)).all(), f"{what}: outside [0, 1]: {arr}"


def finite_nonneg(values: Any, what: str) -> None:
    arr = np.asarray(values, dtype=np.float64)
    assert np.isfinite(arr).all(), f"{what}: not finite: {arr}"
    assert (arr >= 0).all(), f"{what}: negative: {arr}"


def ordered(low: Any, high: Any, what: str) -> None:
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    assert not (np.isnan(lo).any() or np.isnan(hi).any()), f"{what}: NaN bound"
    assert (lo <= hi).all(), f"{what}: interval not ordered: {lo} > {hi}"


def no_nan(obj: Any, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        arr = np.asarray(value, dtype=np.float64)
        assert not np.isnan(arr).any(), f"{name}: NaN: {arr}"


def check_comparison(res: ex.ComparisonResult) -> None:
    no_nan(res, res._ARRAYS)
    probability(res.pvalue, "pvalue")
    ordered(res.ci_low, res.ci_high, "ci")
    ordered(res.rel_ci_low, res.rel_ci_high, "relative ci")
    # A one-sided interval at level 1 - alpha < 0.5 legitimately excludes the estimate.
    inside = np.isfinite(res.effect) & ((res.alternative == "two-sided") | (res.alpha < 0.5))
    assert (res.ci_low[inside] <= res.effect[inside]).all(), "ci above the effect"
    assert (res.effect[inside] <= res.ci_high[inside]).all(), "ci below the effect"
    assert (np.asarray(res.std_error) >= 0).all()
    res.to_frame()
    str(res)


def capped(successes: Any, trials: Any) -> Any:
    """Successes limited to the trials (mostly valid counts) when the shapes agree."""
    if np.shape(successes) != np.shape(trials):
        return successes
    return np.minimum(successes, trials)


def run_case(call: Callable[[], Any], check: Callable[[Any], None], allowed: Iterable[str]) -> None:
    """Call; a GrowthkitError must name a field, a result must pass ``check``."""
    with warnings.catch_warnings():
        # Numerical RuntimeWarnings are not failures by themselves; wrong numbers are.
        warnings.simplefilter("ignore", RuntimeWarning)
        # growthkit's own warnings (e.g. a near-separated Cox fit) are documented outcomes
        warnings.simplefilter("ignore", gk.GrowthkitWarning)
        try:
            out = call()
        except gk.GrowthkitError as exc:
            check_error(exc, allowed)
            return
        check(out)


# --------------------------------------------------------------------------------------
# CLV: summaries
# --------------------------------------------------------------------------------------

INJECT = [np.nan, np.inf, -1.0, -1e-9, 0.5, 1e300, 1.7e308, 1e15, 0.0]


@st.composite
def purchase_summaries(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    """(frequency, recency, T), mostly consistent, sometimes with one hostile cell."""
    n = draw(st.integers(0, 10))
    scale = draw(st.sampled_from([1.0, 1.0, 1e3, 1e6]))
    x = np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), dtype=np.float64)
    t = np.array(draw(st.lists(st.floats(0, 300, allow_nan=False), min_size=n, max_size=n))) * scale
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    tx = np.where(x > 0, share * t, 0.0)
    if n and draw(st.booleans()):
        x = x * draw(st.sampled_from([1.0, 100.0, 1e4]))
    if n and draw(st.integers(0, 2)) == 0:
        column = draw(st.sampled_from([x, tx, t]))
        column[draw(st.integers(0, n - 1))] = draw(st.sampled_from(INJECT))
    if n and draw(st.integers(0, 5)) == 0:  # repeat buyers whose repeats fall at t=0
        tx = np.where(draw(st.booleans()), 0.0, tx)
    return x, tx, t


@st.composite
def spend_summaries(draw: st.DrawFn) -> tuple[Any, Any]:
    n = draw(st.integers(0, 10))
    x = np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), dtype=np.float64)
    m = np.array(draw(st.lists(hostile(0.0, 1e4), min_size=n, max_size=n)), dtype=np.float64)
    if draw(st.booleans()):
        m = np.where(x > 0, m, 0.0)
    return x, m


@st.composite
def bgbb_summaries(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    n = draw(st.integers(0, 10))
    periods = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=float)
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    tx = np.floor(share * periods)
    share2 = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    x = np.where(tx > 0, np.maximum(np.floor(share2 * tx), 1.0), 0.0)
    if n and draw(st.integers(0, 2)) == 0:
        column = draw(st.sampled_from([x, tx, periods]))
        column[draw(st.integers(0, n - 1))] = draw(st.sampled_from([*INJECT, 1e9, 2.0**40, 5000.0]))
    return x, tx, periods


log_params = st.floats(-8, 8, allow_nan=False).map(np.exp)
horizons = st.sampled_from([0.0, 1.0, 7.0, 52.0, 365.0, 1e6, 0.5])


def check_purchase_model(model: Any, x: Any, tx: Any, t: Any, h: float) -> None:
    params = np.array(list(model.params.values()))
    assert np.isfinite(params).all() and (params > 0).all(), model.params
    se = np.array(list(model.standard_errors.values()))
    assert not (se < 0).any()
    probability(model.probability_alive(x, tx, t), "probability_alive")
    finite_nonneg(model.expected_purchases(h, x, tx, t), "expected_purchases")
    finite_nonneg(model.expected_purchases_new_customer(h), "expected_purchases_new_customer")


PURCHASE_MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]


@pytest.mark.parametrize("cls", PURCHASE_MODELS, ids=lambda c: c.__name__)
def test_fuzz_purchase_fit(cls: Any) -> None:
    allowed = names_of(cls.fit)

    @given(purchase_summaries(), horizons, st.booleans())
    def run(data: tuple[Any, Any, Any], h: float, as_frame: bool) -> None:
        x, tx, t = data
        before = [a.copy() for a in data]

        def call() -> Any:
            if as_frame:
                frame = pd.DataFrame({"frequency": x, "recency": tx, "T": t})
                return cls.fit(frame)
            return cls.fit(x, tx, t)

        def check(model: Any) -> None:
            assert np.isfinite(model.log_likelihood)
            check_purchase_model(model, x, tx, t, h)

        run_case(call, check, allowed)
        for a, b in zip(data, before, strict=True):
            np.testing.assert_array_equal(a, b)

    run()


@pytest.mark.parametrize("cls", PURCHASE_MODELS, ids=lambda c: c.__name__)
def test_fuzz_purchase_predict(cls: Any) -> None:
    names = cls._param_names
    allowed = {"frequency", "recency", "T", "t", "horizon"}

    @given(
        st.lists(log_params, min_size=4, max_size=4),
        purchase_summaries(),
        horizons,
        st.sampled_from([0.0, 0.0, 10.0, 1e9]),
    )
    def run(p: list[float], data: tuple[Any, Any, Any], h: float, ahead: float) -> None:
        model = cls(**dict(zip(names, p, strict=True)))
        x, tx, t = data

        def call() -> Any:
            return (
                model.probability_alive(x, tx, t, horizon=ahead),
                model.expected_purchases(h, x, tx, t),
                model.expected_purchases_new_customer(np.array([h, 0.0])),
            )

        def check(out: Any) -> None:
            alive, purchases, new = out
            probability(alive, "probability_alive")
            finite_nonneg(purchases, "expected_purchases")
            finite_nonneg(new, "expected_purchases_new_customer")

        run_case(call, check, allowed)

    run()


def test_fuzz_gamma_gamma() -> None:
    allowed = names_of(GammaGamma.fit)

    @given(spend_summaries(), st.lists(log_params, min_size=3, max_size=3))
    def run(data: tuple[Any, Any], p: list[float]) -> None:
        x, m = data

        def fitted() -> Any:
            return GammaGamma.fit(x, m)

        def check_fit(model: GammaGamma) -> None:
            params = np.array(list(model.params.values()))
            assert np.isfinite(params).all() and (params > 0).all()
            assert np.isfinite(model.log_likelihood)
            check_value(model.expected_average_value(x, m))

        def check_value(value: Any) -> None:
            arr = np.asarray(value)
            assert not np.isnan(arr).any(), "expected_average_value: NaN"
            assert (arr >= 0).all()

        run_case(fitted, check_fit, allowed)
        given_model = GammaGamma(p=p[0], q=p[1], v=p[2])
        run_case(lambda: given_model.expected_average_value(x, m), check_value, allowed)

    run()


@st.composite
def survivor_counts(draw: st.DrawFn) -> Any:
    n = draw(st.integers(0, 12))
    size = draw(st.sampled_from([1.0, 10.0, 1000.0, 1e6, 1e12]))
    shares = sorted(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)), reverse=True)
    counts = np.floor(np.array([1.0, *shares]) * size) if n else np.array([])
    if counts.size and draw(st.integers(0, 3)) == 0:
        counts[draw(st.integers(0, counts.size - 1))] = draw(st.sampled_from(INJECT))
    return counts


def test_fuzz_shifted_beta_geometric() -> None:
    allowed = names_of(ShiftedBetaGeometric.fit, "t")
    periods = np.arange(0.0, 30.0)

    @given(survivor_counts(), st.lists(log_params, min_size=2, max_size=2))
    def run(counts: Any, p: list[float]) -> None:
        def check_model(model: ShiftedBetaGeometric) -> None:
            surv = model.survival(periods)
            probability(surv, "survival")
            assert (np.diff(surv) <= 1e-12).all(), "survival increases"
            probability(model.retention_rate(periods[1:]), "retention_rate")
            probability(model.churn_probability(periods[1:]), "churn_probability")

        def check_fit(model: ShiftedBetaGeometric) -> None:
            assert np.isfinite(model.log_likelihood)
            assert model.alpha > 0 and model.beta > 0
            check_model(model)

        run_case(lambda: ShiftedBetaGeometric.fit(counts), check_fit, allowed)
        given_model = ShiftedBetaGeometric(alpha=p[0], beta=p[1])
        run_case(lambda: check_model(given_model), lambda _: None, allowed)

    run()


def test_fuzz_sbg_discounted_lifetime() -> None:
    allowed = {"discount_rate", "renewals", "t"}
    renewals = np.array([0.0, 1.0, 5.0, 100.0])

    def check_del(v: float, d: float) -> None:
        finite_nonneg(v, "DEL")
        # theta in [0, 1]: 1 <= (1+d) E[1/(d+theta)] <= (1+d)/d
        assert 1 - 1e-12 <= v <= (1 + d) / d * (1 + 1e-12), f"DEL out of bounds: {v}"

    @given(st.lists(log_params, min_size=2, max_size=2), hostile(0, 1))
    def run(p: list[float], d: float) -> None:
        model = ShiftedBetaGeometric(alpha=p[0], beta=p[1])
        run_case(
            lambda: model.discounted_expected_lifetime(discount_rate=d),
            lambda v: check_del(v, d),
            allowed,
        )
        run_case(
            lambda: model.discounted_expected_residual_lifetime(renewals, discount_rate=d),
            lambda v: finite_nonneg(v, "DERL"),
            allowed,
        )

    run()


def test_fuzz_bgbb() -> None:
    allowed = names_of(BetaGeoBetaBinom.fit, "t")

    @given(bgbb_summaries(), st.lists(log_params, min_size=4, max_size=4), st.integers(0, 30))
    def run(data: tuple[Any, Any, Any], p: list[float], h: int) -> None:
        x, tx, n = data

        def check_predictions(model: BetaGeoBetaBinom) -> None:
            probability(model.probability_alive(x, tx, n), "probability_alive")
            finite_nonneg(model.expected_purchases(h, x, tx, n), "expected_purchases")
            finite_nonneg(model.expected_purchases_new_customer(h), "new customer")

        def check_fit(model: BetaGeoBetaBinom) -> None:
            assert np.isfinite(model.log_likelihood)
            check_predictions(model)

        run_case(lambda: BetaGeoBetaBinom.fit(x, tx, n), check_fit, allowed)
        given_model = BetaGeoBetaBinom(alpha=p[0], beta=p[1], gamma=p[2], delta=p[3])
        run_case(lambda: check_predictions(given_model), lambda _: None, allowed)

    run()


def test_fuzz_customer_lifetime_value() -> None:
    allowed = names_of(customer_lifetime_value, "frequency", "recency", "T", "t")

    @given(
        purchase_summaries(),
        st.lists(log_params, min_size=7, max_size=7),
        st.sampled_from([1, 3, 12]),
        hostile(0, 1),
        st.sampled_from([1.0, 7.0, 0.01, 1e6]),
        st.booleans(),
    )
    def run(
        data: tuple[Any, Any, Any],
        p: list[float],
        horizon: int,
        rate: float,
        unit: float,
        spend_model: bool,
    ) -> None:
        x, tx, t = data
        bg = BetaGeo(r=p[0], alpha=p[1], a=p[2], b=p[3])
        summary = pd.DataFrame(
            {"frequency": x, "recency": tx, "T": t, "monetary_value": np.where(x > 0, 20.0, 0.0)}
        )
        value: Any = GammaGamma(p=p[4], q=p[5] + 1.0, v=p[6]) if spend_model else 10.0

        def call() -> pd.Series:
            return customer_lifetime_value(
                bg,
                value,
                summary,
                horizon_months=horizon,
                discount_rate=rate,
                time_unit_days=unit,
            )

        run_case(call, lambda clv: finite_nonneg(clv.to_numpy(), "clv"), allowed)

    run()


# --------------------------------------------------------------------------------------
# experiments from aggregates
# --------------------------------------------------------------------------------------

counts = hostile(0, 1e6).map(lambda v: float(np.floor(v)) if np.isfinite(v) else v)
alphas = st.sampled_from([0.05, 0.05, 0.01, 0.5, 1e-12, 0.999, 0.0, 1.0, np.nan])
alternatives = st.sampled_from(["two-sided", "greater", "less"])


@st.composite
def aggregate_args(draw: st.DrawFn, elements: list[st.SearchStrategy[float]]) -> list[Any]:
    """Equal-length arrays (or scalars) for each argument, occasionally mismatched."""
    k = draw(st.sampled_from([None, None, 1, 2, 3, 0]))
    out: list[Any] = []
    for element in elements:
        if k is None:
            out.append(draw(element))
        else:
            out.append(np.array(draw(st.lists(element, min_size=k, max_size=k)), dtype=float))
    if k and draw(st.integers(0, 15)) == 0:
        out[0] = np.append(out[0], 1.0)
    return out


def test_fuzz_proportion_test() -> None:
    allowed = names_of(ex.proportion_test)

    @given(aggregate_args([counts] * 4), alphas, alternatives, st.booleans(), st.booleans())
    def run(args: list[Any], alpha: float, alt: Any, pooled: bool, cap: bool) -> None:
        xa, na, xb, nb = args
        if cap:  # mostly valid: successes <= trials
            xa, xb = capped(xa, na), capped(xb, nb)

        def call() -> ex.ComparisonResult:
            return ex.proportion_test(xa, na, xb, nb, alpha=alpha, alternative=alt, pooled=pooled)

        run_case(call, check_comparison, allowed)

    run()


def test_fuzz_mean_test() -> None:
    allowed = names_of(ex.mean_test)
    means = hostile(-1e4, 1e4)
    variances = st.one_of(st.just(0.0), hostile(0, 1e4))
    sizes = st.one_of(st.sampled_from([0.0, 1.0, 2.0, 3.0]), counts)

    @given(aggregate_args([means, variances, sizes] * 2), alphas, alternatives)
    def run(args: list[Any], alpha: float, alt: Any) -> None:
        run_case(
            lambda: ex.mean_test(*args, alpha=alpha, alternative=alt), check_comparison, allowed
        )

    run()


def test_fuzz_mean_test_samples() -> None:
    allowed = names_of(ex.mean_test_samples)
    sample = st.lists(hostile(-1e3, 1e3), min_size=0, max_size=8).map(lambda v: np.array(v))

    @given(sample, sample, alternatives)
    def run(a: Any, b: Any, alt: Any) -> None:
        run_case(lambda: ex.mean_test_samples(a, b, alternative=alt), check_comparison, allowed)

    run()


@st.composite
def ratio_stats(draw: st.DrawFn) -> ex.RatioStats:
    if draw(st.booleans()):
        n = draw(st.integers(0, 6))
        num = draw(st.lists(hostile(0, 1e3), min_size=n, max_size=n))
        den = draw(st.lists(st.integers(0, 4).map(float), min_size=n, max_size=n))
        try:
            return ex.ratio_stats(np.array(num), np.array(den))
        except gk.GrowthkitError:
            pass
    n, sx, sy, sxx, syy, sxy = draw(
        aggregate_args([counts, hostile(), hostile(), hostile(), hostile(), hostile(-1e4, 1e4)])
    )
    return ex.RatioStats(
        n=n, sum_num=sx, sum_den=sy, sum_num_sq=sxx, sum_den_sq=syy, sum_num_den=sxy
    )


def test_fuzz_ratio_test() -> None:
    allowed = {"stats_a", "stats_b", "alpha", "alternative"}

    @given(ratio_stats(), ratio_stats(), alternatives)
    def run(a: ex.RatioStats, b: ex.RatioStats, alt: Any) -> None:
        run_case(lambda: ex.ratio_test(a, b, alternative=alt), check_comparison, allowed)

    run()


def test_fuzz_cuped() -> None:
    allowed = names_of(ex.cuped_test) | names_of(ex.cuped)
    values = st.lists(hostile(-1e3, 1e3), min_size=0, max_size=10).map(lambda v: np.array(v))

    @given(values, values, st.lists(st.booleans(), min_size=10, max_size=10))
    def run(y: Any, x: Any, arm: list[bool]) -> None:
        n = min(y.size, x.size)
        y, x = (y[:n], x[:n]) if y.size != x.size and n and arm[0] else (y, x)

        def check(res: ex.CupedResult) -> None:
            assert np.isfinite(res.adjusted).all() and np.isfinite(res.theta).all()
            probability(np.clip(res.variance_reduction, 0, 1 + 1e-9), "variance_reduction")
            assert (np.asarray(res.variance_reduction) <= 1 + 1e-9).all()

        run_case(lambda: ex.cuped(y, x), check, allowed)
        if y.size == x.size:
            treated = np.array(arm[: y.size], dtype=bool)
            run_case(
                lambda: ex.cuped_test(y[~treated], x[~treated], y[treated], x[treated]),
                check_comparison,
                allowed,
            )

    run()


def test_fuzz_srm_test() -> None:
    allowed = names_of(ex.srm_test)

    @given(
        st.lists(counts, min_size=0, max_size=5),
        st.one_of(st.none(), st.lists(hostile(0, 1), min_size=0, max_size=5)),
    )
    def run(obs: list[float], ratios: list[float] | None) -> None:
        def check(res: Any) -> None:
            assert np.isfinite(res.statistic).all() and (np.asarray(res.statistic) >= 0).all()
            probability(res.pvalue, "pvalue")

        run_case(lambda: ex.srm_test(obs, ratios), check, allowed)

    run()


def test_fuzz_power_and_sample_size() -> None:
    allowed = names_of(ex.power) | names_of(ex.sample_size)
    rates = hostile(0, 1)
    effects = st.one_of(hostile(-1, 1), st.sampled_from([1e-9, 1e-300, 0.0]))

    @given(
        counts,
        rates,
        effects,
        st.sampled_from(["proportion", "mean"]),
        st.one_of(st.none(), hostile(0, 100)),
        st.booleans(),
        st.sampled_from([1.0, 1.0, 0.5, 3.0, 0.0, 1e-12]),
        st.sampled_from([0.8, 0.9, 0.5, 0.01, 0.999999, 1.0]),
        alphas,
        alternatives,
    )
    def run(
        n: float,
        baseline: float,
        mde: float,
        metric: Any,
        std: float | None,
        relative: bool,
        ratio: float,
        target: float,
        alpha: float,
        alt: Any,
    ) -> None:
        kwargs: dict[str, Any] = {
            "metric": metric,
            "std": std,
            "relative": relative,
            "ratio": ratio,
            "alpha": alpha,
            "alternative": alt,
        }

        def check_size(res: Any) -> None:
            assert (np.asarray(res.n_a) >= 1).all(), res.n_a
            assert (np.asarray(res.n_b) >= 1).all(), res.n_b
            assert (np.asarray(res.total) == np.asarray(res.n_a) + np.asarray(res.n_b)).all()
            assert np.isfinite(res.n_a_exact).all() and (np.asarray(res.n_a_exact) > 0).all()

        run_case(
            lambda: ex.power(n, baseline, mde, **kwargs), lambda p: probability(p, "power"), allowed
        )
        run_case(lambda: ex.sample_size(baseline, mde, power=target, **kwargs), check_size, allowed)

    run()


def check_bayes(res: ex.BayesResult) -> None:
    no_nan(res, res._ARRAYS)
    probability(res.prob_b_beats_a, "prob_b_beats_a")
    assert (res.expected_loss_a >= 0).all() and (res.expected_loss_b >= 0).all()
    ordered(res.ci_low, res.ci_high, "ci")
    ordered(res.ci_low_a, res.ci_high_a, "ci_a")
    ordered(res.ci_low_b, res.ci_high_b, "ci_b")
    res.to_frame()


def test_fuzz_bayes() -> None:
    allowed = names_of(ex.bayes_proportion) | names_of(ex.bayes_mean)
    priors = st.sampled_from([1.0, 0.5, 1e-9, 1e9, 0.0, -1.0, np.nan])
    levels = st.sampled_from([0.95, 0.5, 0.999999, 0.0, 1.0])

    @given(
        aggregate_args([counts] * 4),
        aggregate_args([hostile(-1e3, 1e3), hostile(0, 1e4), counts] * 2),
        priors,
        priors,
        levels,
        st.booleans(),
    )
    def run(
        props: list[Any], means: list[Any], pa: float, pb: float, level: float, cap: bool
    ) -> None:
        xa, na, xb, nb = props
        if cap:
            xa, xb = capped(xa, na), capped(xb, nb)

        def check_props(res: ex.BayesResult) -> None:
            check_bayes(res)
            probability(res.mean_a, "mean_a")
            probability(res.mean_b, "mean_b")

        run_case(
            lambda: ex.bayes_proportion(
                xa, na, xb, nb, prior_alpha=pa, prior_beta=pb, credible_level=level
            ),
            check_props,
            allowed,
        )
        run_case(lambda: ex.bayes_mean(*means, credible_level=level), check_bayes, allowed)

    run()


def test_fuzz_sequential_test() -> None:
    allowed = names_of(ex.sequential_test) | names_of(ex.optimal_mixing_variance)

    @st.composite
    def looks(draw: st.DrawFn) -> list[Any]:
        k = draw(st.integers(0, 5))
        out = []
        for element in [hostile(-1e3, 1e3), hostile(0, 1e4), counts] * 2:
            out.append(np.array(draw(st.lists(element, min_size=k, max_size=k)), dtype=float))
        if k and draw(st.booleans()):  # cumulative sizes grow along the looks
            # huge sizes may overflow (inf input), inf + -inf gives NaN input
            with np.errstate(over="ignore", invalid="ignore"):
                out[2], out[5] = np.cumsum(out[2]), np.cumsum(out[5])
        return out

    @given(looks(), st.sampled_from([1.0, 1e-6, 1e6, 0.0, -1.0, np.nan]), alphas)
    def run(args: list[Any], tau2: float, alpha: float) -> None:
        def check(res: ex.SequentialResult) -> None:
            no_nan(res, ("effect", "pvalue", "ci_low", "ci_high", "likelihood_ratio"))
            probability(res.pvalue, "pvalue")
            assert (np.diff(res.pvalue, axis=-1) <= 0).all(), "p-value increases"
            # A running intersection may become empty (the sequence then excludes every
            # effect); it must still narrow monotonically. Neighbours are compared, not
            # differenced: looks without information have infinite bounds (-inf - -inf
            # is NaN).
            low, high = res.ci_low, res.ci_high
            assert (low[..., 1:] >= low[..., :-1]).all(), "lower bound decreases"
            assert (high[..., 1:] <= high[..., :-1]).all(), "upper bound increases"
            res.to_frame()

        run_case(
            lambda: ex.sequential_test(*args, mixing_variance=tau2, alpha=alpha), check, allowed
        )
        run_case(
            lambda: ex.optimal_mixing_variance(args[1], args[4], args[2], args[5], alpha=alpha),
            lambda v: finite_nonneg(v, "mixing variance"),
            allowed,
        )

    run()


def test_fuzz_adjust_pvalues_and_boundaries() -> None:
    allowed = names_of(ex.adjust_pvalues) | names_of(ex.group_sequential_boundaries)

    @given(
        st.lists(hostile(0, 1), min_size=0, max_size=8),
        st.sampled_from(["holm", "bh"]),
        st.lists(hostile(0, 1), min_size=0, max_size=6),
        alphas,
        st.sampled_from(["obrien-fleming", "pocock"]),
        alternatives,
    )
    def run(
        p: list[float], method: Any, fractions: list[float], alpha: float, spend: Any, alt: Any
    ) -> None:
        def check_adjusted(out: Any) -> None:
            probability(out, "adjusted")
            assert (np.asarray(out) >= np.asarray(p) - 1e-15).all()

        run_case(lambda: ex.adjust_pvalues(p, method=method), check_adjusted, allowed)

        def check_bounds(res: ex.GroupSequentialBoundaries) -> None:
            assert not np.isnan(res.z_critical).any()
            probability(res.nominal_pvalue, "nominal_pvalue")
            probability(res.cumulative_alpha, "cumulative_alpha")
            assert (np.diff(res.cumulative_alpha) >= -1e-15).all()

        run_case(
            lambda: ex.group_sequential_boundaries(
                fractions, alpha=alpha, spending=spend, alternative=alt
            ),
            check_bounds,
            allowed,
        )

    run()


def test_fuzz_campaign_lift() -> None:
    allowed = names_of(ex.campaign_lift)

    @given(
        aggregate_args([counts] * 4),
        st.one_of(st.none(), aggregate_args([hostile(0, 1e3), hostile(0, 1e4)] * 2)),
        st.one_of(st.none(), hostile(0, 1e5)),
        st.booleans(),
    )
    def run(conv: list[Any], revenue: list[Any] | None, cost: float | None, cap: bool) -> None:
        ct, nt, ch, nh = conv
        if cap:
            ct, ch = capped(ct, nt), capped(ch, nh)
        rev: dict[str, Any] = {}
        if revenue is not None:
            rev = dict(
                zip(
                    [
                        "revenue_treated",
                        "revenue_var_treated",
                        "revenue_holdout",
                        "revenue_var_holdout",
                    ],
                    revenue,
                    strict=True,
                )
            )

        def check(res: ex.CampaignResult) -> None:
            check_comparison(res.conversion)
            if res.revenue is not None:
                check_comparison(res.revenue)
            no_nan(res, res._ARRAYS)
            ordered(res.incremental_conversions_ci_low, res.incremental_conversions_ci_high, "ic")
            res.to_frame()

        run_case(lambda: ex.campaign_lift(ct, nt, ch, nh, cost=cost, **rev), check, allowed)

    run()


def test_fuzz_bootstrap_quantile_test() -> None:
    allowed = names_of(ex.bootstrap_quantile_test)
    sample = st.lists(hostile(-1e3, 1e3), min_size=0, max_size=8).map(lambda v: np.array(v))

    @given(sample, sample, st.sampled_from([0.5, 0.0, 1.0, 0.9, -0.1, np.nan]))
    def run(a: Any, b: Any, q: float) -> None:
        run_case(
            lambda: ex.bootstrap_quantile_test(a, b, q=q, n_resamples=200, rng=0),
            check_comparison,
            allowed,
        )

    run()


# --------------------------------------------------------------------------------------
# churn from a survival table
# --------------------------------------------------------------------------------------


@st.composite
def survival_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    duration = np.array(draw(st.lists(hostile(0, 800), min_size=n, max_size=n)), dtype=float)
    churned = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    orders = np.array(draw(st.lists(st.integers(1, 30), min_size=n, max_size=n)), dtype=float)
    spend = np.array(draw(st.lists(hostile(0, 1e4), min_size=n, max_size=n)), dtype=float)
    gap = np.array(draw(st.lists(hostile(0, 400), min_size=n, max_size=n)), dtype=float)
    return pd.DataFrame(
        {
            "duration": duration,
            "churned": churned,
            "orders": orders,
            "mean_gap_days": gap,
            "spend": spend,
            "segment": np.array(["a", "b"] * 6)[:n],
        },
        index=pd.Index(np.arange(n), name="customer_id"),
    )


def test_fuzz_kaplan_meier_and_logrank() -> None:
    from growthkit.churn import kaplan_meier, logrank_test

    allowed = names_of(kaplan_meier) | {"duration", "churned", "segment"}

    @given(survival_tables(), st.booleans())
    def run(table: pd.DataFrame, grouped: bool) -> None:
        before = table.copy()

        def check_km(km: Any) -> None:
            median = km.median_lifetime().to_numpy(dtype=float)
            assert not np.isnan(median).any() and (median >= 0).all()

        run_case(
            lambda: kaplan_meier(table, groups="segment" if grouped else None), check_km, allowed
        )
        run_case(
            lambda: logrank_test(table, groups="segment"),
            lambda res: probability(res.pvalue, "logrank pvalue"),
            allowed | {"groups"},
        )
        pd.testing.assert_frame_equal(table, before)

    run()


def test_fuzz_fit_churn_model() -> None:
    from growthkit.churn import fit_churn_model

    allowed = names_of(fit_churn_model) | {
        "duration",
        "churned",
        "orders",
        "mean_gap_days",
        "spend",
    }

    @settings(max_examples=_fraction(20))
    @given(survival_tables(), st.sampled_from(["coxph", "weibull", "lognormal"]))
    def run(table: pd.DataFrame, kind: Any) -> None:
        def check(model: Any) -> None:
            coefficients = np.asarray(model.coefficients, dtype=float)
            assert np.isfinite(coefficients).all(), model.coefficients

        run_case(lambda: fit_churn_model(table, model=kind), check, allowed)

    run()


def test_fuzz_early_warning() -> None:
    """Score random survival tables with models fitted once on a clean simulated log."""
    from growthkit.churn import early_warning, fit_churn_model, fit_gap_model
    from growthkit.clv import BetaGeo, ParetoNBD

    log = gk.datasets.simulate_transactions(300, seed=8)
    clean = gk.survival_table(log, amount_col="amount")
    models: dict[str, Any] = {
        "coxph": fit_churn_model(clean, model="coxph"),
        "weibull": fit_churn_model(clean, model="weibull"),
        "gap-lognormal": fit_gap_model(log, model="lognormal", amount_col="amount"),
        "bgnbd": BetaGeo(r=0.24, alpha=4.41, a=0.79, b=2.43),
        "paretonbd": ParetoNBD(r=0.55, alpha=10.6, s=0.61, beta=11.7),
    }
    allowed = names_of(early_warning) | {"duration", "churned", "orders", "mean_gap_days", "spend"}
    allowed |= {"frequency", "recency", "T", "days_since_last"}

    @given(
        survival_tables(),
        st.sampled_from(list(models)),
        st.sampled_from([30.0, 1.0, 1e-9, 1e6, 0.0, -5.0, np.nan, np.inf]),
        st.integers(-1, 4),
    )
    def run(table: pd.DataFrame, kind: str, horizon: float, n_drivers: int) -> None:
        # the churn rule needs days since the last order: consistent with ``churned`` for a
        # 90-day rule wherever the hostile duration allows (NaN/inf stay hostile)
        duration = table["duration"].to_numpy(dtype=float)
        table = table.assign(
            days_since_last=np.where(
                table["churned"].to_numpy(), 91.0 + duration, np.minimum(duration, 90.0)
            )
        )
        before = table.copy()
        summary = None
        if kind in ("bgnbd", "paretonbd"):
            duration = table["duration"].to_numpy(dtype=float)
            summary = pd.DataFrame(
                {
                    "frequency": table["orders"].to_numpy(dtype=float) - 1.0,
                    "recency": np.nan_to_num(duration, posinf=0.0) * 0.5,
                    "T": duration,
                },
                index=table.index,
            )

        def check(res: Any) -> None:
            out = res.table
            probability(out["churn_probability"], "churn_probability")
            assert out["churn_probability"].is_monotonic_decreasing, "not ranked"
            assert list(out["rank"]) == list(range(1, len(out) + 1))
            current = int((~table["churned"]).sum())
            assert len(out) == current, "rows dropped or added"
            res.to_frame()

        run_case(
            lambda: early_warning(
                models[kind],
                table,
                horizon_days=horizon,
                n_drivers=n_drivers,
                summary=summary,
                inactivity_days=90,
            ),
            check,
            allowed,
        )
        pd.testing.assert_frame_equal(table, before)

    run()
