"""No public growthkit function or method mutates its inputs (issue #10).

Every public callable that takes array-likes, Series, DataFrames, prepared logs, results or
fitted models is called here on fresh inputs of several kinds: writeable, read-only and
strided numpy arrays, lists, Series with a non-default index, DataFrames with a categorical
and a tz-aware column, ``attrs`` and a non-default index, and prepared ``Transactions``.
Afterwards every input, including the object a method is bound to, must be what it was:
values (bit for bit), dtypes, shape and strides, index, column order, names, ``attrs`` and
the ``writeable`` flag. Hypothesis adds hostile values (NaN, inf, negatives, zeros): a call
may then raise a ``GrowthkitError``, but it must leave its inputs alone either way.

``test_every_public_callable_is_covered`` enumerates the public API and fails when a
callable is neither exercised here nor listed in ``EXCLUDED`` with the reason.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import growthkit as gk
from growthkit import campaigns, churn, clv, plotting, report
from growthkit import experiments as ex
from growthkit import funnel as gkf

matplotlib.use("Agg")

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

# --------------------------------------------------------------------------------------
# The public API and what this file covers
# --------------------------------------------------------------------------------------

PUBLIC_MODULES = (
    "growthkit",
    "growthkit.experiments",
    "growthkit.clv",
    "growthkit.churn",
    "growthkit.rfm",
    "growthkit.cohort",
    "growthkit.summary",
    "growthkit.plotting",
    "growthkit.report",
    "growthkit.datasets",
    "growthkit.funnel",
    "growthkit.campaigns",
)

# Callables that take no array-like, frame or growthkit object, so there is nothing to
# mutate. Names are public aliases without the ``growthkit.`` prefix; methods and
# constructors are ``Class.method`` and ``Class.__init__``.
EXCLUDED: dict[str, str] = {
    "datasets.load_cdnow": "no arguments: returns a fresh copy of the bundled log",
    "datasets.load_cdnow_summary": "no arguments: returns a fresh copy of the bundled table",
    "datasets.simulate_transactions": "scalar arguments only (counts, dates, parameters, seed)",
    "campaigns.holdout_sample_size": "scalar arguments only (baseline, effect, rates)",
    "warm_up": "no arguments: compiles the kernels",
    "plotting.new_axes": "scalar arguments only (figure size)",
    "plotting.style": "no arguments: a context manager for matplotlib rc settings",
    "GrowthkitError.__init__": "a message string only",
    "SchemaError.__init__": "a message string only",
    "DataError.__init__": "a message string only",
    "GrowthkitWarning.__init__": "a message string only",
}

COVERED: set[str] = set()


def covers(*names: str) -> Callable[[_F], _F]:
    """Record that the decorated test calls the public callables ``names``."""

    def mark(test: _F) -> _F:
        COVERED.update(names)
        return test

    return mark


def _alias(module: str, name: str) -> str:
    return f"{module.removeprefix('growthkit').lstrip('.')}.{name}".lstrip(".")


def public_classes() -> dict[str, type]:
    """Every public class by name (each class has one name across the modules)."""
    found: dict[str, type] = {}
    for module in PUBLIC_MODULES:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isclass(obj):
                assert found.setdefault(obj.__name__, obj) is obj, f"two classes {name}"
    return found


def public_members(cls: type) -> dict[str, object]:
    """Public attributes defined by growthkit on ``cls`` or its growthkit base classes."""
    members: dict[str, object] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("growthkit"):
            members.update({k: v for k, v in vars(base).items() if not k.startswith("_")})
    return members


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """Public methods, classmethods and staticmethods of ``cls`` (not properties)."""
    out: dict[str, Callable[..., Any]] = {}
    for name, raw in public_members(cls).items():
        if isinstance(raw, (classmethod, staticmethod)) or inspect.isfunction(raw):
            out[name] = getattr(cls, name)
    return out


def public_callables() -> list[frozenset[str]]:
    """Every public callable as the set of its names (aliases of one object share an entry)."""
    by_object: dict[int, set[str]] = {}
    for module in PUBLIC_MODULES:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            # typing aliases (``Literal[...]`` option types) are callable but not API calls
            if callable(obj) and not inspect.isclass(obj) and type(obj).__module__ != "typing":
                by_object.setdefault(id(obj), set()).add(_alias(module, name))
    entries = [frozenset(names) for names in by_object.values()]
    for cls_name, cls in public_classes().items():
        entries.append(frozenset({f"{cls_name}.__init__"}))
        entries.extend(frozenset({f"{cls_name}.{m}"}) for m in public_methods(cls))
    return entries


def data_free_methods(cls: type) -> list[str]:
    """Instance methods callable without arguments (every parameter has a default)."""
    out = []
    for name, raw in public_members(cls).items():
        if not inspect.isfunction(raw):
            continue
        params = list(inspect.signature(raw).parameters.values())[1:]
        if all(
            p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params
        ):
            out.append(name)
    return out


def result_classes() -> list[str]:
    """Public dataclasses: results, fitted models and the prepared log."""
    return sorted(name for name, cls in public_classes().items() if dataclasses.is_dataclass(cls))


# --------------------------------------------------------------------------------------
# Snapshots: a deep record of an object's observable state, and the check against it
# --------------------------------------------------------------------------------------

SCALARS = (
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    type(None),
    np.generic,
    pd.Timestamp,
    pd.Timedelta,
    pd.Period,
    type(pd.NaT),
)


@dataclasses.dataclass(frozen=True)
class State:
    kind: str
    value: Any
    meta: Any = None
    children: tuple[tuple[Any, State], ...] = ()


def _array_meta(arr: npt.NDArray[Any]) -> tuple[object, ...]:
    flags = arr.flags
    return (
        arr.dtype,
        arr.shape,
        arr.strides,
        flags.writeable,
        flags.c_contiguous,
        flags.f_contiguous,
    )


def _writeable(series: pd.Series) -> bool:
    # pandas 2 hands out the Series' own buffer here; freezing it would freeze the Series
    return bool(np.asarray(series).flags.writeable)


def capture(obj: object) -> State:
    """Record ``obj`` deeply enough to detect any in-place change."""
    if isinstance(obj, np.ndarray):
        return State("array", obj.copy(order="K"), _array_meta(obj))
    if isinstance(obj, pd.DataFrame):
        flags = tuple(_writeable(obj[c]) for c in obj.columns) if obj.columns.is_unique else ()
        return State("frame", obj.copy(deep=True), (dict(obj.attrs), flags))
    if isinstance(obj, pd.Series):
        return State("series", obj.copy(deep=True), (dict(obj.attrs), _writeable(obj)))
    if isinstance(obj, pd.Index):
        return State("index", obj.copy(deep=True), obj.names)
    if isinstance(obj, SCALARS):
        return State("scalar", obj)
    if isinstance(obj, (list, tuple)):
        return State("sequence", type(obj), len(obj), tuple(enumerate(map(capture, obj))))
    if isinstance(obj, Mapping):
        items = tuple((k, capture(v)) for k, v in obj.items())
        return State("mapping", type(obj), tuple(obj.keys()), items)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = tuple((f.name, capture(getattr(obj, f.name))) for f in dataclasses.fields(obj))
        return State("dataclass", type(obj), None, fields)
    # Anything else (lifelines fitters, classes, callables): the same object, and its
    # array-valued attributes unchanged.
    data = getattr(obj, "__dict__", {}) if not isinstance(obj, type) else {}
    arrays = tuple(
        (k, capture(v))
        for k, v in data.items()
        if isinstance(v, (np.ndarray, pd.Series, pd.DataFrame))
    )
    return State("object", obj, None, arrays)


def _same_scalar(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if a is b:
        return True
    if isinstance(a, (float, np.floating)) and math.isnan(float(a)):
        return isinstance(b, (float, np.floating)) and math.isnan(float(b))
    return bool(a == b)


def verify(state: State, obj: object, where: str) -> None:
    """Assert that ``obj`` still matches the recorded ``state``."""
    kind = state.kind
    if kind == "array":
        assert isinstance(obj, np.ndarray), f"{where}: replaced by {type(obj)}"
        meta = _array_meta(obj)
        assert meta == state.meta, f"{where}: array metadata {state.meta} -> {meta}"
        np.testing.assert_array_equal(obj, state.value, err_msg=where, strict=True)
        if state.value.dtype.kind not in "OV":
            assert obj.tobytes() == state.value.tobytes(), f"{where}: bits changed"
    elif kind == "frame":
        assert isinstance(obj, pd.DataFrame), where
        pd.testing.assert_frame_equal(obj, state.value, check_exact=True, obj=where)
        attrs, flags = state.meta
        assert dict(obj.attrs) == attrs, f"{where}: attrs changed"
        now = tuple(_writeable(obj[c]) for c in obj.columns) if obj.columns.is_unique else ()
        assert now == flags, f"{where}: column writeable flags {flags} -> {now}"
    elif kind == "series":
        assert isinstance(obj, pd.Series), where
        pd.testing.assert_series_equal(obj, state.value, check_exact=True, obj=where)
        attrs, flag = state.meta
        assert dict(obj.attrs) == attrs, f"{where}: attrs changed"
        assert _writeable(obj) == flag, f"{where}: writeable flag {flag} -> {not flag}"
    elif kind == "index":
        assert isinstance(obj, pd.Index), where
        pd.testing.assert_index_equal(obj, state.value, exact=True, check_exact=True, obj=where)
        assert obj.names == state.meta, f"{where}: index names changed"
    elif kind == "scalar":
        assert _same_scalar(obj, state.value), f"{where}: {state.value!r} -> {obj!r}"
    elif kind == "sequence":
        assert type(obj) is state.value, f"{where}: type {state.value} -> {type(obj)}"
        assert isinstance(obj, (list, tuple))
        assert len(obj) == state.meta, f"{where}: length {state.meta} -> {len(obj)}"
        for i, child in state.children:
            verify(child, obj[i], f"{where}[{i}]")
    elif kind == "mapping":
        assert type(obj) is state.value and isinstance(obj, Mapping), where
        assert tuple(obj.keys()) == state.meta, f"{where}: keys {state.meta} -> {tuple(obj)}"
        for key, child in state.children:
            verify(child, obj[key], f"{where}[{key!r}]")
    elif kind == "dataclass":
        assert type(obj) is state.value, f"{where}: type {state.value} -> {type(obj)}"
        for name, child in state.children:
            verify(child, getattr(obj, name), f"{where}.{name}")
    else:
        assert obj is state.value, f"{where}: replaced"
        for name, child in state.children:
            verify(child, getattr(obj, name), f"{where}.{name}")


def _label(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", fn))


def call_unchanged(fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Call ``fn`` and assert that no argument (nor a bound method's object) changed."""
    inputs = (getattr(fn, "__self__", None), args, kwargs)
    state = capture(inputs)
    try:
        return fn(*args, **kwargs)
    finally:
        verify(state, inputs, _label(fn))


def call_allowing(
    errors: tuple[type[Exception], ...], fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> Any:
    """Like :func:`call_unchanged`, but ``errors`` (and any warning) are allowed."""
    inputs = (getattr(fn, "__self__", None), args, kwargs)
    state = capture(inputs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except errors:
        return None
    finally:
        verify(state, inputs, _label(fn))


def call_hostile(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call with hostile inputs: a ``GrowthkitError`` is fine, a changed input is not."""
    return call_allowing((gk.GrowthkitError,), fn, *args, **kwargs)


def close_figures() -> None:
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def figures() -> Iterator[None]:
    yield
    close_figures()


# --------------------------------------------------------------------------------------
# Input containers
# --------------------------------------------------------------------------------------

KINDS = ("array", "float", "readonly", "strided", "list", "series", "nullable")
HOSTILE_KINDS = ("array", "readonly", "strided", "list", "series")
Wrap = Callable[[Sequence[float] | npt.NDArray[Any]], Any]


def wrap(values: Sequence[float] | npt.NDArray[Any], kind: str) -> Any:
    """``values`` as one kind of array-like; integers stay integers."""
    arr = np.array(values)
    if arr.dtype == object or arr.size == 0:
        arr = arr.astype(np.float64)
    n = arr.shape[0]
    if kind == "array":
        return arr
    if kind == "float":  # float64 input is used without a copy: the likeliest to be written
        return arr.astype(np.float64)
    if kind == "readonly":
        arr.flags.writeable = False
        return arr
    if kind == "strided":
        return np.repeat(arr, 2)[::2]  # a writeable view with a stride of two elements
    if kind == "list":
        return values.tolist() if isinstance(values, np.ndarray) else list(values)
    index = pd.Index([f"seg{n - i}" for i in range(n)], name="segment")
    if kind == "series":
        return pd.Series(arr, index=index, name="metric")
    if kind == "nullable":
        dtype = "Int64" if arr.dtype.kind in "iu" else "Float64"
        return pd.Series(arr, index=index, dtype=dtype, name="metric")
    raise AssertionError(kind)


def wrapper(kind: str) -> Wrap:
    return lambda values: wrap(values, kind)


def decorate(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` plus a categorical and a tz-aware column and attrs, columns reordered."""
    n = len(frame)
    out = frame.copy()
    out["channel"] = pd.Categorical(
        rng.choice(["web", "app", "store"], n), categories=["web", "app", "store", "phone"]
    )
    out["seen"] = pd.date_range("2021-03-27", periods=n, freq="7h", tz="Europe/Berlin")
    out = out[[out.columns[-1], *out.columns[:-1]]]  # not the order growthkit writes
    out.attrs = {"source": "test_no_mutation"}
    return out


# --------------------------------------------------------------------------------------
# Transaction logs
# --------------------------------------------------------------------------------------

LOG_KINDS = ("int-ns", "category-tz", "str-seconds", "prepared")


@pytest.fixture(scope="module")
def logs() -> dict[str, tuple[pd.DataFrame | gk.Transactions, pd.Timestamp]]:
    """Order logs with different id and time dtypes, each with a mid-log cutoff."""
    base = gk.datasets.simulate_transactions(80, seed=11, start="2022-01-01", end="2023-06-30")
    rng = np.random.default_rng(0)
    base = base.iloc[rng.permutation(len(base))].reset_index(drop=True)  # unsorted rows
    n = len(base)
    ids = base["customer_id"].to_numpy()
    stamps = base["timestamp"]
    out: dict[str, tuple[pd.DataFrame | gk.Transactions, pd.Timestamp]] = {}

    def add(name: str, frame: pd.DataFrame) -> None:
        frame = decorate(frame, rng)
        ts = frame["timestamp"]
        out[name] = (frame, ts.min() + (ts.max() - ts.min()) * 0.6)

    add(
        "int-ns",
        pd.DataFrame(
            {"customer_id": ids, "timestamp": stamps.to_numpy(), "amount": base["amount"]},
        ).set_axis(pd.Index(rng.permutation(n) * 3 + 1000, name="row")),
    )
    labels = [f"c{i:03d}" for i in ids]
    add(
        "category-tz",
        pd.DataFrame(
            {
                "amount": base["amount"].to_numpy(),
                "customer_id": pd.Categorical(labels, categories=[*sorted(set(labels)), "x"]),
                "timestamp": stamps.dt.tz_localize("UTC")
                .dt.tz_convert("America/New_York")
                .dt.as_unit("us"),
            }
        ).set_axis(pd.Index([f"r{i}" for i in range(n)])),
    )
    add(
        "str-seconds",
        pd.DataFrame(
            {
                "timestamp": stamps.dt.as_unit("s").to_numpy(),
                "customer_id": np.array(labels, dtype=object),
                "amount": base["amount"].to_numpy(),
            },
            index=pd.RangeIndex(7, 7 + 2 * n, 2),
        ),
    )
    frame, cut = out["int-ns"]
    assert isinstance(frame, pd.DataFrame)
    out["prepared"] = (gk.prepare_transactions(frame, amount_col="amount"), cut)
    return out


def _recent_rule(r: npt.NDArray[np.int64], f: npt.NDArray[np.int64], m: Any) -> Any:
    return r >= 3


LogCall = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
LogBuilder = Callable[[Any, pd.Timestamp, Path], LogCall]

LOG_CASES: dict[str, LogBuilder] = {
    "summary.customer_summary": lambda tx, cut, tmp: (
        gk.customer_summary,
        (tx,),
        {"amount_col": "amount", "period": "W", "observation_end": None},
    ),
    "summary.customer_summary[calendar]": lambda tx, cut, tmp: (
        gk.customer_summary,
        (tx,),
        {"period": "M", "calendar": True},
    ),
    "summary.calibration_holdout_summary": lambda tx, cut, tmp: (
        gk.calibration_holdout_summary,
        (tx,),
        {"calibration_end": cut, "amount_col": "amount"},
    ),
    "rfm.rfm_scores": lambda tx, cut, tmp: (
        gk.rfm_scores,
        (tx,),
        {
            "edges": {"frequency": [2, 3, 5, 10], "recency_days": np.array([30.0, 90, 180, 365])},
        },
    ),
    "rfm.rfm_scores[custom]": lambda tx, cut, tmp: (
        gk.rfm_scores,
        (tx,),
        {
            "bins": 3,
            "segments": {"Best": {"r": (3, 3), "f": (2, 3)}, "Recent": _recent_rule},
            "fallback": "Rest",
        },
    ),
    "rfm.lifecycle_stages": lambda tx, cut, tmp: (gk.lifecycle_stages, (tx,), {}),
    "cohort.cohort_matrix": lambda tx, cut, tmp: (gk.cohort_matrix, (tx,), {"period": "M"}),
    "cohort.cohort_matrix[revenue]": lambda tx, cut, tmp: (
        gk.cohort_matrix,
        (tx,),
        {"period": "W", "value": "revenue", "cumulative": True, "amount_col": "amount"},
    ),
    "cohort.growth_accounting": lambda tx, cut, tmp: (
        gk.growth_accounting,
        (tx,),
        {"amount_col": "amount", "period": "Q"},
    ),
    "churn.survival_table": lambda tx, cut, tmp: (
        gk.survival_table,
        (tx,),
        {"amount_col": "amount", "inactivity_days": 60},
    ),
    "prepare_transactions": lambda tx, cut, tmp: (
        gk.prepare_transactions,
        (tx,),
        {"amount_col": "amount"},
    ),
    "churn.evaluate_early_warning": lambda tx, cut, tmp: (
        churn.evaluate_early_warning,
        (tx,),
        {"cutoff": cut, "horizon_days": 60, "score": "bgnbd", "top_k": [5, 10]},
    ),
    "plotting.plot_orders_over_time": lambda tx, cut, tmp: (
        plotting.plot_orders_over_time,
        (tx,),
        {"period": "M"},
    ),
}
COVERED.update(name.split("[")[0] for name in LOG_CASES)


@pytest.mark.parametrize("log_kind", LOG_KINDS)
@pytest.mark.parametrize("case", LOG_CASES)
def test_transaction_functions(
    case: str,
    log_kind: str,
    logs: dict[str, tuple[Any, pd.Timestamp]],
    tmp_path: Path,
    figures: None,
) -> None:
    tx, cut = logs[log_kind]
    fn, args, kwargs = LOG_CASES[case](tx, cut, tmp_path)
    call_unchanged(fn, *args, **kwargs)


@covers("churn.evaluate_early_warning")
def test_evaluate_early_warning_survival_score(logs: dict[str, tuple[Any, pd.Timestamp]]) -> None:
    tx, cut = logs["category-tz"]
    call_unchanged(
        churn.evaluate_early_warning,
        tx,
        cutoff=cut,
        horizon_days=60,
        score="weibull",
        covariates=["orders", "spend"],
        top_k=(5,),
        amount_col="amount",
    )


@covers("report.build_report")
def test_build_report(logs: dict[str, tuple[Any, pd.Timestamp]], tmp_path: Path) -> None:
    tx, _ = logs["category-tz"]
    # The report prepares the log once into an immutable Transactions that every section
    # (charts included) reads, so charts are left out to keep this file fast.
    call_unchanged(report.build_report, tx, out_dir=tmp_path / "report", charts=False)


@st.composite
def hostile_logs(draw: st.DrawFn) -> pd.DataFrame:
    """Small logs with NaN/inf/negative amounts, NaT, unsorted rows and odd dtypes."""
    n = draw(st.integers(0, 10))
    raw_ids = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    id_kind = draw(st.sampled_from(["int", "category", "str"]))
    ids: Any = np.array(raw_ids, dtype=np.int64)
    if id_kind == "category":
        ids = pd.Categorical([f"c{i}" for i in raw_ids], categories=[f"c{i}" for i in range(6)])
    elif id_kind == "str":
        ids = np.array([f"c{i}" for i in raw_ids], dtype=object)
    days = np.array(draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)), dtype=np.int64)
    stamps = pd.Series(pd.Timestamp("2022-01-01") + pd.to_timedelta(days * 86_400 + 3_601, "s"))
    zone = draw(st.sampled_from([None, "UTC", "America/New_York"]))
    if zone is not None:
        stamps = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    if n and draw(st.integers(0, 5)) == 0:
        stamps = stamps.copy()
        stamps.iloc[draw(st.integers(0, n - 1))] = None  # NaT
    pool = st.one_of(
        st.floats(0, 1e3, allow_nan=False),
        st.sampled_from([0.0, -0.0, -3.0, np.nan, np.inf, -np.inf, 1e300]),
    )
    amounts = np.array(draw(st.lists(pool, min_size=n, max_size=n)), dtype=np.float64)
    frame = pd.DataFrame(
        {"customer_id": ids, "timestamp": stamps, "amount": amounts},
        index=pd.Index(np.arange(n)[::-1] * 5 + 3),
    )
    return decorate(frame, np.random.default_rng(n))


HOSTILE_LOG_CASES: dict[str, Callable[[pd.DataFrame, pd.Timestamp], Any]] = {
    "summary": lambda tx, cut: gk.customer_summary(tx, amount_col="amount", period="W"),
    "calibration": lambda tx, cut: gk.calibration_holdout_summary(tx, calibration_end=cut),
    "rfm": lambda tx, cut: gk.rfm_scores(tx),
    "lifecycle": lambda tx, cut: gk.lifecycle_stages(tx),
    "cohort": lambda tx, cut: gk.cohort_matrix(tx, value="revenue", amount_col="amount"),
    "growth": lambda tx, cut: gk.growth_accounting(tx, amount_col="amount"),
    "survival": lambda tx, cut: gk.survival_table(tx, amount_col="amount"),
    "prepare": lambda tx, cut: gk.prepare_transactions(tx, amount_col="amount"),
}


def test_transaction_functions_hostile_logs() -> None:
    @given(hostile_logs(), st.integers(0, 500))
    def run(tx: pd.DataFrame, cut_day: int) -> None:
        cut = pd.Timestamp("2022-01-01") + pd.Timedelta(days=cut_day)
        zone = getattr(tx["timestamp"].dtype, "tz", None)
        cut = cut.tz_localize(zone) if zone is not None else cut
        for fn in HOSTILE_LOG_CASES.values():
            call_hostile(fn, tx, cut)

    run()


# --------------------------------------------------------------------------------------
# Transactions methods with arguments
# --------------------------------------------------------------------------------------


@covers(
    "Transactions.period_keys",
    "Transactions.period_key_of",
    "Transactions.to_ticks",
    "Transactions.to_timestamp",
    "Transactions.observation_end",
)
def test_transactions_methods(logs: dict[str, tuple[Any, pd.Timestamp]]) -> None:
    log, cut = logs["prepared"]
    assert isinstance(log, gk.Transactions)
    call_unchanged(log.period_keys, "W")
    ticks = call_unchanged(log.to_ticks, cut)
    call_unchanged(log.period_key_of, ticks, "M")
    call_unchanged(log.to_timestamp, ticks)
    call_unchanged(log.observation_end, cut + pd.Timedelta(days=1000), name="observation_end")


@covers("Transactions.customer_blocks")
@pytest.mark.parametrize("shift", [0, 3])
def test_transactions_customer_blocks(
    shift: int, logs: dict[str, tuple[Any, pd.Timestamp]]
) -> None:
    log, _ = logs["prepared"]
    assert isinstance(log, gk.Transactions)
    blocks = call_unchanged(log.customer_blocks, shift)
    assert blocks.shift <= shift  # a kept layout with smaller blocks may answer


# --------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------

Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
Builder = Callable[[Wrap], Call]

S_A, N_A, S_B, N_B = [30, 45, 12], [1000, 1200, 400], [41, 50, 9], [1010, 1190, 380]
M_A, V_A, M_B, V_B = [10.0, 2.5, 0.3], [4.0, 1.0, 0.2], [10.4, 2.4, 0.35], [4.2, 0.9, 0.25]
SAMPLE_A = [1.0, 2.5, 0.0, 4.0, 3.5, 2.0, 1.5]
SAMPLE_B = [2.0, 3.5, 1.0, 5.0, 0.5, 2.5]
Y_A, X_A = [3.0, 5.0, 2.0, 7.0, 4.0, 6.0], [2.5, 4.0, 2.5, 6.0, 3.0, 5.5]
Y_B, X_B = [4.0, 6.0, 2.5, 8.0, 4.5, 6.0], [3.0, 4.5, 2.0, 6.5, 3.5, 5.0]


def _ratio_test(w: Wrap) -> Call:
    stats_a = ex.ratio_stats(w(Y_A), w(X_A))
    stats_b = ex.ratio_stats(w(Y_B), w(X_B))
    return ex.ratio_test, (stats_a, stats_b), {"alternative": "greater"}


def _ratio_by_variant(w: Wrap) -> Call:
    frame = decorate(
        pd.DataFrame(
            {
                "variant": pd.Categorical(["a", "b"] * 6, categories=["b", "a", "c"]),
                "revenue": np.array([*Y_A, *Y_B]),
                "orders": np.array([3, 4, 2, 5, 3, 4, 3, 5, 2, 6, 3, 4]),
            },
            index=pd.Index(np.arange(12)[::-1] * 2, name="unit"),
        ),
        np.random.default_rng(1),
    )
    kwargs = {"variant_col": "variant", "numerator_col": "revenue", "denominator_col": "orders"}
    return ex.ratio_stats_by_variant, (frame,), kwargs


EXPERIMENT_CASES: dict[str, Builder] = {
    "experiments.proportion_test": lambda w: (
        ex.proportion_test,
        (w(S_A), w(N_A), w(S_B), w(N_B)),
        {"pooled": False},
    ),
    "experiments.mean_test": lambda w: (
        ex.mean_test,
        (w(M_A), w(V_A), w(N_A), w(M_B), w(V_B), w(N_B)),
        {"alternative": "less"},
    ),
    "experiments.mean_test_samples": lambda w: (
        ex.mean_test_samples,
        (w(SAMPLE_A), w(SAMPLE_B)),
        {},
    ),
    "experiments.mean_test_samples[2d]": lambda w: (
        ex.mean_test_samples,
        (np.array([SAMPLE_A[:6], SAMPLE_B]), np.array([SAMPLE_B, SAMPLE_A[1:]]).T.copy().T),
        {"axis": 1},
    ),
    "experiments.mean_test_samples[frame]": lambda w: (
        ex.mean_test_samples,
        (
            pd.DataFrame({"x": SAMPLE_A[:6], "y": SAMPLE_B}, index=list("fedcba")),
            pd.DataFrame({"x": SAMPLE_B, "y": SAMPLE_A[1:]}, index=list("uvwxyz")),
        ),
        {"axis": 0},
    ),
    "experiments.ratio_stats": lambda w: (ex.ratio_stats, (w(Y_A), w(X_A)), {}),
    "experiments.ratio_test": _ratio_test,
    "experiments.ratio_stats_by_variant": _ratio_by_variant,
    "experiments.cuped": lambda w: (ex.cuped, (w(Y_A), w(X_A)), {}),
    "experiments.cuped_test": lambda w: (ex.cuped_test, (w(Y_A), w(X_A), w(Y_B), w(X_B)), {}),
    "experiments.srm_test": lambda w: (ex.srm_test, (w([5030, 4970, 1010]), w([5, 5, 1])), {}),
    "experiments.srm_test[default]": lambda w: (ex.srm_test, (w([5030, 4970]),), {}),
    "experiments.power": lambda w: (
        ex.power,
        (w(N_A), w([0.1, 0.2, 0.3]), w([0.01, 0.02, 0.05])),
        {"ratio": w([1.0, 2.0, 0.5])},
    ),
    "experiments.power[mean]": lambda w: (
        ex.power,
        (w(N_A), w(M_A), w([0.5, 0.2, 0.05])),
        {"metric": "mean", "std": w([2.0, 1.0, 0.4]), "relative": False},
    ),
    "experiments.sample_size": lambda w: (
        ex.sample_size,
        (w([0.1, 0.2, 0.3]), w([0.1, 0.05, 0.2])),
        {"relative": True, "ratio": w([1.0, 2.0, 0.5])},
    ),
    "experiments.sample_size[mean]": lambda w: (
        ex.sample_size,
        (w(M_A), w([0.5, 0.2, 0.05])),
        {"metric": "mean", "std": w([2.0, 1.0, 0.4])},
    ),
    "experiments.bayes_proportion": lambda w: (
        ex.bayes_proportion,
        (w(S_A), w(N_A), w(S_B), w(N_B)),
        {"prior_alpha": 2.0},
    ),
    "experiments.bayes_mean": lambda w: (
        ex.bayes_mean,
        (w(M_A), w(V_A), w(N_A), w(M_B), w(V_B), w(N_B)),
        {},
    ),
    "experiments.sequential_test": lambda w: (
        ex.sequential_test,
        (w(M_A), w(V_A), w([100, 200, 300]), w(M_B), w(V_B), w([100, 210, 290])),
        {"mixing_variance": w([0.5, 0.5, 0.5])},
    ),
    "experiments.sequential_proportion_test": lambda w: (
        ex.sequential_proportion_test,
        (w([30, 60, 90]), w([1000, 2000, 3000]), w([41, 85, 130]), w([1000, 2000, 3000])),
        {"prior_alpha": 2.0},
    ),
    "experiments.optimal_mixing_variance": lambda w: (
        ex.optimal_mixing_variance,
        (w(V_A), w(V_B), w(N_A), w(N_B)),
        {},
    ),
    "experiments.adjust_pvalues": lambda w: (
        ex.adjust_pvalues,
        (w([0.04, 0.001, 0.3, 0.02]),),
        {"method": "holm"},
    ),
    "experiments.adjust_pvalues[bh]": lambda w: (
        ex.adjust_pvalues,
        (w([0.04, 0.001, 0.3, 0.02]),),
        {"method": "bh"},
    ),
    "experiments.group_sequential_boundaries": lambda w: (
        ex.group_sequential_boundaries,
        (w([0.25, 0.5, 0.75, 1.0]),),
        {"spending": "pocock"},
    ),
    "experiments.campaign_lift": lambda w: (
        ex.campaign_lift,
        (w(S_B), w(N_B), w(S_A), w(N_A)),
        {
            "revenue_treated": w(M_B),
            "revenue_var_treated": w(V_B),
            "revenue_holdout": w(M_A),
            "revenue_var_holdout": w(V_A),
            "cost": w([100.0, 50.0, 10.0]),
        },
    ),
    "experiments.bootstrap_quantile_test": lambda w: (
        ex.bootstrap_quantile_test,
        (w(SAMPLE_A), w(SAMPLE_B)),
        {"q": w([0.25, 0.5, 0.9]), "n_resamples": 100, "rng": 0},
    ),
}
COVERED.update(name.split("[")[0] for name in EXPERIMENT_CASES)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", EXPERIMENT_CASES)
def test_experiments(case: str, kind: str) -> None:
    fn, args, kwargs = EXPERIMENT_CASES[case](wrapper(kind))
    call_unchanged(fn, *args, **kwargs)


@covers(
    "plotting.plot_forest",
    "ComparisonResult.to_frame",
    "ComparisonResult.plot",
)
@pytest.mark.parametrize("labels", [["x", "y", "z"], ("x", "y", "z"), np.array(["x", "y", "z"])])
def test_comparison_labels(labels: Any, figures: None) -> None:
    res = ex.proportion_test(S_A, N_A, S_B, N_B)
    call_unchanged(res.to_frame, labels)
    call_unchanged(res.plot, labels=labels, relative=True)
    call_unchanged(plotting.plot_forest, res, labels=labels)
    call_unchanged(plotting.plot_forest, res, labels=labels, relative=True)


@covers("SRMResult.mismatch")
def test_srm_mismatch() -> None:
    res = ex.srm_test([5030, 4970, 1010], [5, 5, 1])
    call_unchanged(res.mismatch, 0.01)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300, 1.7e308, np.nan, np.inf, -np.inf]
plausible_values = st.one_of(st.integers(1, 200).map(float), st.floats(0.01, 0.99))
hostile_values = st.one_of(
    st.integers(0, 2_000).map(float),
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from(SPECIAL),
)


@st.composite
def hostile_args(draw: st.DrawFn, count: int) -> tuple[list[Any], bool]:
    """``count`` array-likes of one length or scalars; sometimes one of another length.

    Half the calls get only plausible values, so that the success paths run too. Also
    returns whether the lengths are ragged (they then need not broadcast).
    """
    n = draw(st.integers(0, 4))
    element = draw(st.sampled_from([plausible_values, hostile_values]))
    out: list[Any] = []
    ragged = False
    for _ in range(count):
        shape = draw(st.integers(0, 9))
        if shape == 0:
            out.append(draw(element))
            continue
        length = draw(st.integers(0, 4)) if shape == 1 else n
        ragged = ragged or length != n
        values = draw(st.lists(element, min_size=length, max_size=length))
        if draw(st.booleans()):  # counts: whole numbers kept as integers
            values = [int(v) if v.is_integer() and abs(v) < 2**62 else v for v in values]
        out.append(wrap(values, draw(st.sampled_from(HOSTILE_KINDS))))
    return out, ragged


def _hostile_ratio_test(*a: Any) -> Any:
    stats = [ex.RatioStats(*a[:6]), ex.RatioStats(*a[6:])]
    return ex.ratio_test(*stats)


HOSTILE_EXPERIMENTS: dict[str, tuple[Callable[..., Any], int, tuple[str, ...], dict[str, Any]]] = {
    "proportion_test": (ex.proportion_test, 4, (), {}),
    "mean_test": (ex.mean_test, 6, (), {}),
    "mean_test_samples": (ex.mean_test_samples, 2, (), {}),
    "ratio_stats": (ex.ratio_stats, 2, (), {}),
    "ratio_test": (_hostile_ratio_test, 12, (), {}),
    "cuped": (ex.cuped, 2, (), {}),
    "cuped_test": (ex.cuped_test, 4, (), {}),
    "srm_test": (ex.srm_test, 2, (), {}),
    "power": (ex.power, 3, ("std", "ratio"), {"metric": "mean"}),
    "sample_size": (ex.sample_size, 2, ("ratio",), {"relative": True}),
    "bayes_proportion": (ex.bayes_proportion, 4, (), {}),
    "bayes_mean": (ex.bayes_mean, 6, (), {}),
    "sequential_test": (ex.sequential_test, 6, ("mixing_variance",), {}),
    "sequential_proportion_test": (ex.sequential_proportion_test, 4, (), {}),
    "optimal_mixing_variance": (ex.optimal_mixing_variance, 4, (), {}),
    "adjust_pvalues": (ex.adjust_pvalues, 1, (), {"method": "bh"}),
    "group_sequential_boundaries": (ex.group_sequential_boundaries, 1, (), {}),
    "campaign_lift": (
        ex.campaign_lift,
        4,
        (
            "revenue_treated",
            "revenue_var_treated",
            "revenue_holdout",
            "revenue_var_holdout",
            "cost",
        ),
        {},
    ),
    "bootstrap_quantile_test": (
        ex.bootstrap_quantile_test,
        2,
        ("q",),
        {"n_resamples": 100, "rng": 0},
    ),
}


@pytest.mark.parametrize("name", HOSTILE_EXPERIMENTS)
def test_experiments_hostile(name: str) -> None:
    fn, n_args, keywords, fixed = HOSTILE_EXPERIMENTS[name]

    @given(hostile_args(n_args + len(keywords)))
    def run(drawn: tuple[list[Any], bool]) -> None:
        values, ragged = drawn
        kwargs = dict(zip(keywords, values[n_args:], strict=True))
        # Arrays that do not broadcast may fail in numpy (a ValueError, not necessarily a
        # GrowthkitError: the error type is test_fuzz_statistics' business, not this file's).
        errors = (ValueError,) if ragged else (gk.GrowthkitError,)
        call_allowing(errors, fn, *values[:n_args], **kwargs, **fixed)

    run()


# --------------------------------------------------------------------------------------
# CLV
# --------------------------------------------------------------------------------------

PURCHASE_MODELS: dict[str, Any] = {
    "BetaGeo": clv.BetaGeo,
    "ModifiedBetaGeo": clv.ModifiedBetaGeo,
    "ParetoNBD": clv.ParetoNBD,
}

FREQ = [0, 1, 2, 5, 0, 3, 1, 7, 2, 0]
REC = [0.0, 20.0, 35.5, 80.0, 0.0, 60.0, 5.0, 90.0, 40.0, 0.0]
TT = [30.0, 40.0, 60.0, 95.0, 10.0, 70.0, 50.0, 100.0, 45.0, 80.0]
MONEY = [0.0, 20.0, 35.5, 12.0, 0.0, 60.0, 5.0, 19.0, 40.0, 0.0]
HORIZON = [1.0, 7.0, 30.0, 0.0, 14.0, 2.0, 3.0, 4.0, 5.0, 6.0]

# BG/BB patterns (frequency, recency) over 6 opportunities with their customer counts,
# simulated from alpha=1.2, beta=0.75, gamma=0.66, delta=2.78 (1,000 customers, seed 1).
BB_FREQ = [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6]
BB_REC = [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6]
BB_N = [6] * len(BB_FREQ)
BB_WEIGHTS = [
    316,
    111,
    22,
    14,
    9,
    6,
    5,
    48,
    23,
    23,
    20,
    14,
    32,
    20,
    21,
    30,
    24,
    23,
    42,
    20,
    51,
    126,
]
BB_T = [1 + i % 5 for i in range(len(BB_FREQ))]
SBG_COUNTS = [1000, 631, 468, 382, 326]


@pytest.fixture(scope="module")
def summary_frame(logs: dict[str, tuple[Any, pd.Timestamp]]) -> pd.DataFrame:
    """A daily customer summary with extra columns, attrs and an index of customer ids."""
    tx, _ = logs["int-ns"]
    return decorate(gk.customer_summary(tx, amount_col="amount"), np.random.default_rng(2))


@pytest.fixture(scope="module")
def holdout_frame(logs: dict[str, tuple[Any, pd.Timestamp]]) -> pd.DataFrame:
    tx, cut = logs["int-ns"]
    table = gk.calibration_holdout_summary(tx, calibration_end=cut, amount_col="amount")
    return decorate(table, np.random.default_rng(3))


@pytest.fixture(scope="module")
def cdnow_frame() -> pd.DataFrame:
    """300 customers of the published CDNOW summary (weekly), enough to identify every model."""
    table = gk.datasets.load_cdnow_summary().iloc[:300]
    return decorate(table, np.random.default_rng(7))


@pytest.fixture(scope="module")
def models(cdnow_frame: pd.DataFrame, holdout_frame: pd.DataFrame) -> dict[str, Any]:
    repeat = cdnow_frame[cdnow_frame["frequency"] > 0]
    out: dict[str, Any] = {name: cls.fit(cdnow_frame) for name, cls in PURCHASE_MODELS.items()}
    out["GammaGamma"] = clv.GammaGamma.fit(repeat)
    out["BetaGeoBetaBinom"] = clv.BetaGeoBetaBinom.fit(BB_FREQ, BB_REC, BB_N, weights=BB_WEIGHTS)
    out["ShiftedBetaGeometric"] = clv.ShiftedBetaGeometric.fit(SBG_COUNTS)
    out["calibration"] = clv.BetaGeo.fit(holdout_frame)
    return out


# The three purchase models share their input handling (growthkit.clv._base), so every
# container kind goes through BetaGeo and two through the others, to keep the file fast.
FIT_CASES = [("BetaGeo", kind) for kind in KINDS] + [
    (name, kind) for name in ("ModifiedBetaGeo", "ParetoNBD") for kind in ("readonly", "series")
]


@covers(*(f"{name}.fit" for name in PURCHASE_MODELS))
@pytest.mark.parametrize(("name", "kind"), FIT_CASES)
def test_purchase_model_fit(name: str, kind: str, cdnow_frame: pd.DataFrame) -> None:
    cls = PURCHASE_MODELS[name]
    w = wrapper(kind)
    columns = [w(cdnow_frame[c].tolist()) for c in ("frequency", "recency", "T")]
    weights = w(np.arange(len(cdnow_frame)) % 3 + 1)
    call_unchanged(cls.fit, *columns, weights=weights)
    if kind == "series":
        call_unchanged(cls.fit, cdnow_frame, start={"r": 1.0})


@covers(
    *(
        f"{name}.{method}"
        for name in PURCHASE_MODELS
        for method in (
            "expected_purchases",
            "probability_alive",
            "expected_purchases_new_customer",
            "simulate",
        )
    ),
)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", PURCHASE_MODELS)
def test_purchase_model_predictions(
    name: str, kind: str, models: dict[str, Any], summary_frame: pd.DataFrame
) -> None:
    model = models[name]
    w = wrapper(kind)
    call_unchanged(model.expected_purchases, w(HORIZON), w(FREQ), w(REC), w(TT))
    call_unchanged(model.probability_alive, w(FREQ), w(REC), w(TT), horizon=w(HORIZON))
    call_unchanged(model.expected_purchases_new_customer, w(HORIZON))
    call_unchanged(model.simulate, 4, T=w([10.0, 20.0, 30.0, 40.0]), rng=0)
    call_unchanged(model.expected_purchases, 10.0, summary_frame)
    call_unchanged(model.probability_alive, summary_frame, horizon=5.0)


@covers("GammaGamma.fit", "GammaGamma.expected_average_value")
@pytest.mark.parametrize("kind", KINDS)
def test_gamma_gamma(kind: str, models: dict[str, Any], cdnow_frame: pd.DataFrame) -> None:
    w = wrapper(kind)
    repeat = cdnow_frame[cdnow_frame["frequency"] > 0]
    freq, money = w(repeat["frequency"].tolist()), w(repeat["monetary_value"].tolist())
    call_unchanged(clv.GammaGamma.fit, freq, money, weights=w(np.arange(len(repeat)) % 2 + 1))
    call_unchanged(models["GammaGamma"].expected_average_value, w(FREQ), w(MONEY))
    if kind == "series":
        call_unchanged(clv.GammaGamma.fit, repeat)
        call_unchanged(models["GammaGamma"].expected_average_value, cdnow_frame)


@covers(
    "BetaGeoBetaBinom.fit",
    "BetaGeoBetaBinom.expected_purchases",
    "BetaGeoBetaBinom.probability_alive",
    "BetaGeoBetaBinom.expected_purchases_new_customer",
)
@pytest.mark.parametrize("kind", KINDS)
def test_bgbb(kind: str, models: dict[str, Any]) -> None:
    w = wrapper(kind)
    call_unchanged(clv.BetaGeoBetaBinom.fit, w(BB_FREQ), w(BB_REC), w(BB_N), weights=w(BB_WEIGHTS))
    model = models["BetaGeoBetaBinom"]
    call_unchanged(model.expected_purchases, w(BB_T), w(BB_FREQ), w(BB_REC), w(BB_N))
    call_unchanged(model.probability_alive, w(BB_FREQ), w(BB_REC), w(BB_N))
    call_unchanged(model.expected_purchases_new_customer, w([1, 5, 10]))
    frame = decorate(
        pd.DataFrame(
            {"frequency": BB_FREQ, "recency": BB_REC, "n_periods": BB_N},
            index=pd.Index([f"pattern{i}" for i in range(len(BB_FREQ))][::-1]),
        ),
        np.random.default_rng(4),
    )
    call_unchanged(clv.BetaGeoBetaBinom.fit, frame, weights=w(BB_WEIGHTS))
    call_unchanged(model.expected_purchases, 3, frame)
    call_unchanged(model.probability_alive, frame)


@covers(
    "ShiftedBetaGeometric.fit",
    "ShiftedBetaGeometric.survival",
    "ShiftedBetaGeometric.retention_rate",
    "ShiftedBetaGeometric.churn_probability",
    "ShiftedBetaGeometric.discounted_expected_residual_lifetime",
    "ShiftedBetaGeometric.discounted_expected_lifetime",
)
@pytest.mark.parametrize("kind", KINDS)
def test_sbg(kind: str, models: dict[str, Any]) -> None:
    w = wrapper(kind)
    call_unchanged(clv.ShiftedBetaGeometric.fit, w(SBG_COUNTS), start={"alpha": 1.0, "beta": 1.0})
    model = models["ShiftedBetaGeometric"]
    for method in (model.survival, model.retention_rate, model.churn_probability):
        call_unchanged(method, w([1, 2, 3, 7, 12]))
    call_unchanged(model.discounted_expected_residual_lifetime, w([0, 1, 4]), discount_rate=0.05)
    call_unchanged(model.discounted_expected_lifetime, discount_rate=0.05)


@covers("clv.customer_lifetime_value")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", PURCHASE_MODELS)
def test_customer_lifetime_value(
    name: str, kind: str, models: dict[str, Any], summary_frame: pd.DataFrame
) -> None:
    model = models[name]
    call_unchanged(gk.customer_lifetime_value, model, models["GammaGamma"], summary_frame)
    values = wrap(np.linspace(1.0, 50.0, len(summary_frame)).tolist(), kind)
    if isinstance(values, pd.Series):  # a Series is aligned on the customer ids
        values = values.set_axis(summary_frame.index)
    call_unchanged(
        gk.customer_lifetime_value,
        model,
        values,
        summary_frame,
        horizon_months=3,
        discount_rate=0.0,
    )
    call_unchanged(gk.customer_lifetime_value, model, 25.0, summary_frame, time_unit_days=7.0)


@covers(
    "clv.holdout_comparison",
    "clv.frequency_recency_matrix",
    "plotting.plot_clv_distribution",
    "plotting.plot_frequency_recency_matrix",
    "plotting.plot_probability_alive_matrix",
    "plotting.plot_holdout_comparison",
    "plotting.plot_calibration_purchases_vs_holdout_purchases",
)
@pytest.mark.parametrize("kind", ["array", "readonly", "series", "list"])
def test_clv_evaluation_and_plots(
    kind: str, models: dict[str, Any], holdout_frame: pd.DataFrame, figures: None
) -> None:
    model = models["calibration"]
    comparison = call_unchanged(clv.holdout_comparison, model, holdout_frame, max_frequency=4)
    call_unchanged(clv.frequency_recency_matrix, model, T=60.0, kind="probability_alive")
    values = wrap([1.0, 5.0, 0.0, 12.5, 3.0, 3.0], kind)
    call_unchanged(plotting.plot_clv_distribution, values)
    call_unchanged(plotting.plot_clv_distribution, values, bins=3)
    call_unchanged(plotting.plot_frequency_recency_matrix, model, T=60.0)
    call_unchanged(plotting.plot_frequency_recency_matrix, model, T=60.0, max_frequency=5)
    call_unchanged(plotting.plot_probability_alive_matrix, model, T=60.0)
    call_unchanged(plotting.plot_holdout_comparison, comparison)
    call_unchanged(
        plotting.plot_calibration_purchases_vs_holdout_purchases, model, holdout_frame, n=4
    )


@st.composite
def hostile_summaries(draw: st.DrawFn) -> list[Any]:
    """frequency, recency, T, horizon of one length in random containers."""
    n = draw(st.integers(0, 5))
    out = []
    for lo, hi in [(0, 10), (0, 100), (0, 100), (0, 50)]:
        element = st.one_of(st.integers(lo, hi).map(float), st.sampled_from(SPECIAL))
        values = draw(st.lists(element, min_size=n, max_size=n))
        out.append(wrap(values, draw(st.sampled_from(HOSTILE_KINDS))))
    return out


@pytest.mark.parametrize(
    "name", [*PURCHASE_MODELS, "GammaGamma", "BetaGeoBetaBinom", "ShiftedBetaGeometric"]
)
def test_clv_predictions_hostile(name: str, models: dict[str, Any]) -> None:
    model = models[name]

    @settings(max_examples=max(settings().max_examples // 2, 3))
    @given(hostile_summaries())
    def run(data: list[Any]) -> None:
        freq, rec, big_t, horizon = data
        if name == "GammaGamma":
            call_hostile(model.expected_average_value, freq, rec)
        elif name == "ShiftedBetaGeometric":
            call_hostile(model.survival, freq)
            call_hostile(model.discounted_expected_residual_lifetime, rec)
        elif name == "BetaGeoBetaBinom":
            call_hostile(model.expected_purchases, horizon, freq, rec, big_t)
            call_hostile(model.probability_alive, freq, rec, big_t)
        else:
            call_hostile(model.expected_purchases, horizon, freq, rec, big_t)
            call_hostile(model.probability_alive, freq, rec, big_t, horizon=horizon)
            call_hostile(model.expected_purchases_new_customer, horizon)

    run()


@pytest.mark.parametrize(
    "name", [*PURCHASE_MODELS, "GammaGamma", "BetaGeoBetaBinom", "ShiftedBetaGeometric"]
)
def test_clv_fit_hostile(name: str) -> None:
    @settings(max_examples=max(settings().max_examples // 6, 3))
    @given(hostile_summaries())
    def run(data: list[Any]) -> None:
        freq, rec, big_t, _ = data
        if name == "GammaGamma":
            call_hostile(clv.GammaGamma.fit, freq, rec)
        elif name == "ShiftedBetaGeometric":
            call_hostile(clv.ShiftedBetaGeometric.fit, big_t)
        elif name == "BetaGeoBetaBinom":
            call_hostile(clv.BetaGeoBetaBinom.fit, freq, rec, big_t)
        else:
            call_hostile(PURCHASE_MODELS[name].fit, freq, rec, big_t)

    run()


# --------------------------------------------------------------------------------------
# Churn
# --------------------------------------------------------------------------------------

COVARIATES = ["mean_gap_days", "spend"]


@pytest.fixture(scope="module")
def churn_table(logs: dict[str, tuple[Any, pd.Timestamp]]) -> pd.DataFrame:
    tx, _ = logs["int-ns"]
    table = gk.survival_table(tx, amount_col="amount", inactivity_days=60)
    return decorate(table, np.random.default_rng(5))


@pytest.fixture(scope="module")
def cox(churn_table: pd.DataFrame) -> churn.ChurnModel:
    return churn.fit_churn_model(churn_table, covariates=COVARIATES)


@covers("churn.fit_churn_model")
@pytest.mark.parametrize("covariates", [COVARIATES, tuple(COVARIATES), pd.Index(COVARIATES)])
def test_fit_churn_model(covariates: Any, churn_table: pd.DataFrame) -> None:
    call_unchanged(churn.fit_churn_model, churn_table, model="weibull", covariates=covariates)


@covers("churn.fit_gap_model")
@pytest.mark.parametrize("log_kind", LOG_KINDS)
def test_fit_gap_model(log_kind: str, logs: dict[str, tuple[Any, pd.Timestamp]]) -> None:
    tx, _ = logs[log_kind]
    call_unchanged(churn.fit_gap_model, tx, model="weibull", amount_col="amount")


@covers(
    "ChurnModel.churn_probability",
    "ChurnModel.median_lifetime",
    "ChurnModel.risk_contributions",
    "ChurnModel.survival_at",
    "ChurnModel.survival_function",
    "early_warning",
    "EarlyWarningList.top",
)
@pytest.mark.parametrize("kind", ["array", "readonly", "series", "list"])
def test_churn_model_methods(kind: str, cox: churn.ChurnModel, churn_table: pd.DataFrame) -> None:
    w = wrapper(kind)
    call_unchanged(cox.churn_probability, churn_table, horizon_days=30)
    call_unchanged(cox.median_lifetime, churn_table)
    call_unchanged(cox.risk_contributions, churn_table)
    call_unchanged(cox.survival_at, w([30.0, 90.0]), churn_table)
    call_unchanged(cox.survival_function, churn_table, w([0.0, 30.0, 365.0]))
    alerts = call_unchanged(gk.early_warning, cox, churn_table, horizon_days=30, n_drivers=1)
    call_unchanged(alerts.top, 3)


@covers("churn.early_warning", "churn.bgnbd_churn_probability")
def test_early_warning_purchase_model(
    models: dict[str, Any], churn_table: pd.DataFrame, summary_frame: pd.DataFrame
) -> None:
    for name in ("BetaGeo", "ModifiedBetaGeo"):
        model = models[name]
        call_unchanged(churn.early_warning, model, churn_table, summary=summary_frame)
        call_unchanged(churn.bgnbd_churn_probability, model, summary_frame, horizon_days=30)


@covers("churn.kaplan_meier", "churn.logrank_test", "KaplanMeier.survival_at")
@pytest.mark.parametrize("kind", ["array", "readonly", "series", "list"])
def test_kaplan_meier_and_logrank(kind: str, churn_table: pd.DataFrame) -> None:
    groups = pd.Series(
        np.where(churn_table["orders"].to_numpy() > 1, "repeat", "single"),
        index=churn_table.index,
        name="buyer",
    )
    call_unchanged(churn.kaplan_meier, churn_table)
    km = call_unchanged(churn.kaplan_meier, churn_table, groups="channel", confidence_level=0.9)
    call_unchanged(km.survival_at, wrap([0.0, 30.0, 90.0], kind))
    call_unchanged(churn.kaplan_meier, churn_table, groups=groups)
    call_unchanged(churn.logrank_test, churn_table, groups="channel")
    call_unchanged(churn.logrank_test, churn_table, groups=groups)


def _bad_tables(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    nan_duration = table.copy()
    nan_duration["duration"] = nan_duration["duration"].astype(float)
    nan_duration.loc[table.index[0], "duration"] = np.nan
    negative = table.copy()
    negative.loc[table.index[1], "duration"] = -5
    nan_covariate = table.copy()
    nan_covariate.loc[table.index[2], "mean_gap_days"] = np.inf
    return {
        "nan-duration": nan_duration,
        "negative-duration": negative,
        "inf-covariate": nan_covariate,
        "no-churned": table.drop(columns=["churned"]),
        "empty": table.iloc[:0],
    }


@pytest.mark.parametrize(
    "bad", ["nan-duration", "negative-duration", "inf-covariate", "no-churned", "empty"]
)
def test_churn_bad_tables(bad: str, churn_table: pd.DataFrame, cox: churn.ChurnModel) -> None:
    table = _bad_tables(churn_table)[bad]
    call_hostile(churn.kaplan_meier, table, groups="channel")
    call_hostile(churn.logrank_test, table, groups="channel")
    call_hostile(churn.fit_churn_model, table, covariates=COVARIATES)
    call_hostile(churn.early_warning, cox, table)
    # A fitted model's predictions check the table too (an empty one once failed in numpy).
    call_allowing((gk.GrowthkitError,), cox.churn_probability, table, horizon_days=30)
    call_allowing((gk.GrowthkitError,), cox.risk_contributions, table)


@covers(
    "plotting.plot_survival",
    "plotting.plot_risk_distribution",
)
def test_churn_plots(cox: churn.ChurnModel, churn_table: pd.DataFrame, figures: None) -> None:
    km = churn.kaplan_meier(churn_table, groups="channel")
    alerts = gk.early_warning(cox, churn_table)
    call_unchanged(plotting.plot_survival, km, groups_only=False)
    call_unchanged(plotting.plot_survival, km, ci=False)
    call_unchanged(plotting.plot_risk_distribution, alerts)
    call_unchanged(plotting.plot_risk_distribution, alerts, bins=5)


@covers("plotting.plot_calibration", "plotting.plot_lift", "plotting.plot_evaluation")
def test_churn_evaluation_plots(logs: dict[str, tuple[Any, pd.Timestamp]], figures: None) -> None:
    tx, cut = logs["int-ns"]
    ev = churn.evaluate_early_warning(tx, cutoff=cut, horizon_days=30, top_k=5)
    call_unchanged(plotting.plot_calibration, ev)
    call_unchanged(plotting.plot_lift, ev)
    call_unchanged(plotting.plot_evaluation, ev)


# --------------------------------------------------------------------------------------
# RFM and cohort plots
# --------------------------------------------------------------------------------------


@covers(
    "plotting.plot_rf_heatmap",
    "plotting.plot_segments",
    "plotting.plot_growth",
    "plotting.plot_cohort_retention",
)
def test_rfm_and_cohort_plots(logs: dict[str, tuple[Any, pd.Timestamp]], figures: None) -> None:
    tx, _ = logs["category-tz"]
    scores = gk.rfm_scores(tx)
    call_unchanged(plotting.plot_rf_heatmap, scores, value="monetary")
    call_unchanged(plotting.plot_rf_heatmap, scores)
    call_unchanged(plotting.plot_segments, scores)
    growth = decorate(gk.growth_accounting(tx, amount_col="amount"), np.random.default_rng(6))
    call_unchanged(plotting.plot_growth, growth, revenue=True)
    call_unchanged(plotting.plot_growth, growth)
    matrix = gk.cohort_matrix(tx)
    call_unchanged(plotting.plot_cohort_retention, matrix, annotate=True)


@covers(
    "plotting.plot_funnel",
    "plotting.plot_funnel_steps",
    "plotting.plot_stickiness",
    "plotting.plot_uplift",
    "plotting.plot_campaign",
)
def test_funnel_and_campaign_plots(figures: None) -> None:
    events = gk.datasets.simulate_events(300, seed=3)
    funnel = gk.funnel.funnel(events, ["visit", "view", "purchase"], window="1D", by="device")
    call_unchanged(plotting.plot_funnel, funnel)
    call_unchanged(plotting.plot_funnel_steps, funnel)
    call_unchanged(plotting.plot_stickiness, gk.funnel.activity(events))
    rng = np.random.default_rng(0)
    treated, gain = rng.integers(0, 2, 300), rng.uniform(0, 0.4, 300)
    outcome = (rng.uniform(size=300) < 0.1 + gain * treated).astype(int)
    uplift = gk.campaigns.evaluate_uplift(outcome, gain, treated)
    call_unchanged(plotting.plot_uplift, uplift)
    call_unchanged(plotting.plot_uplift, uplift, kind="uplift")
    sim = gk.datasets.simulate_campaign(2_000, seed=1)
    campaign = gk.campaigns.evaluate_campaign(sim.orders, sim.assignment, send_date=sim.send_date)
    call_unchanged(plotting.plot_campaign, campaign)


# --------------------------------------------------------------------------------------
# Event logs (growthkit.funnel) and campaigns (growthkit.campaigns)
# --------------------------------------------------------------------------------------

STEPS = ["visit", "view", "purchase"]


@pytest.fixture(scope="module")
def event_logs() -> dict[str, pd.DataFrame | gkf.Events]:
    """Event logs: int ids and a categorical event, str ids and tz-aware times, prepared."""
    base = gk.datasets.simulate_events(120, seed=5, days=21)
    rng = np.random.default_rng(2)
    base = base.iloc[rng.permutation(len(base))]  # unsorted rows
    n = len(base)
    out: dict[str, pd.DataFrame | gkf.Events] = {
        "int-category": decorate(
            base.set_axis(pd.Index(rng.permutation(n) * 3 + 7, name="row")), rng
        ),
        "str-tz": decorate(
            pd.DataFrame(
                {
                    "event": base["event"].astype(str).to_numpy(dtype=object),
                    "user_id": np.array([f"u{i:03d}" for i in base["user_id"]], dtype=object),
                    "timestamp": base["timestamp"].dt.tz_localize("Europe/Berlin").to_numpy(),
                    "device": base["device"].to_numpy(),
                },
                index=pd.RangeIndex(3, 3 + 2 * n, 2),
            ),
            rng,
        ),
    }
    out["prepared"] = gk.prepare_events(out["int-category"], properties=["device"])
    return out


@covers(
    "prepare_events",
    "funnel.funnel",
    "funnel.paths",
    "funnel.transition_matrix",
    "funnel.activity",
    "funnel.event_retention",
    "funnel.report_section",
)
@pytest.mark.parametrize("log_kind", ["int-category", "str-tz", "prepared"])
def test_funnel_functions(log_kind: str, event_logs: dict[str, Any]) -> None:
    events = event_logs[log_kind]
    if isinstance(events, pd.DataFrame):
        call_unchanged(gk.prepare_events, events, properties=["device"])
        call_unchanged(gkf.prepare_events, events, properties=("device",))
    else:
        call_unchanged(gkf.prepare_events, events)
    for order in ("strict", "any"):
        call_unchanged(gkf.funnel, events, STEPS, window="2D", order=order, by="device")
    call_unchanged(gkf.funnel, events, tuple(STEPS), quantiles=[0.1, 0.9])
    call_unchanged(gkf.funnel, events, np.array(STEPS, dtype=object), window=pd.Timedelta("1D"))
    call_unchanged(gkf.paths, events, "view", direction="before", length=2, top=5)
    call_unchanged(gkf.paths, events, "visit", collapse_repeats=True)
    call_unchanged(gkf.transition_matrix, events, collapse_repeats=True)
    call_unchanged(gkf.activity, events, event="purchase", wau_days=7, mau_days=14)
    call_unchanged(gkf.event_retention, events, period="W", cumulative=True)
    call_unchanged(gkf.event_retention, events, event="view", period="D")
    call_unchanged(gkf.report_section, events, steps=STEPS, window="1D")


def _bad_event_logs(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    nat = events.copy()
    nat.loc[events.index[0], "timestamp"] = pd.NaT
    missing_user = events.copy()
    missing_user["user_id"] = missing_user["user_id"].astype(object)
    missing_user.loc[events.index[1], "user_id"] = None
    return {
        "nat-time": nat,
        "missing-user": missing_user,
        "no-event-column": events.drop(columns=["event"]),
        "numeric-time": events.assign(timestamp=np.arange(len(events), dtype=np.float64)),
        "empty": events.iloc[:0],
    }


@pytest.mark.parametrize(
    "bad", ["nat-time", "missing-user", "no-event-column", "numeric-time", "empty"]
)
def test_funnel_bad_event_logs(bad: str, event_logs: dict[str, Any]) -> None:
    events = _bad_event_logs(event_logs["int-category"])[bad]
    call_hostile(gkf.prepare_events, events, properties=["device"])
    call_hostile(gkf.funnel, events, STEPS, by="device")
    call_hostile(gkf.paths, events, "view")
    call_hostile(gkf.transition_matrix, events)
    call_hostile(gkf.activity, events)
    call_hostile(gkf.event_retention, events)
    call_hostile(gkf.report_section, events, steps=STEPS)


def test_funnel_bad_arguments(event_logs: dict[str, Any]) -> None:
    events = event_logs["str-tz"]
    call_hostile(gkf.funnel, events, ["visit", "no-such-step"])
    call_hostile(gkf.funnel, events, STEPS, window="-1D")
    call_hostile(gkf.funnel, events, STEPS, by="no-such-column")
    call_hostile(gkf.paths, events, "view", length=0)
    call_hostile(gkf.activity, events, wau_days=0)


@covers("Events.event_codes", "Events.property")
def test_events_methods(event_logs: dict[str, Any]) -> None:
    events = event_logs["prepared"]
    assert isinstance(events, gkf.Events)
    for names in (STEPS, tuple(STEPS), np.array(STEPS, dtype=object), pd.Series(STEPS)):
        call_unchanged(events.event_codes, names, field="steps")
    call_unchanged(events.property, "device")


@pytest.fixture(scope="module")
def campaign() -> gk.datasets.SimulatedCampaign:
    return gk.datasets.simulate_campaign(1_500, seed=4)


@covers("datasets.simulate_events", "datasets.simulate_campaign")
def test_simulators() -> None:
    call_unchanged(gk.datasets.simulate_events, 40, seed=1, rates=(0.8, 0.4, 0.5, 0.6))
    segments = decorate(gk.datasets.CAMPAIGN_SEGMENTS.copy(deep=True), np.random.default_rng(3))
    call_unchanged(gk.datasets.simulate_campaign, 500, seed=2, segments=segments)


@covers(
    "assign_holdout",
    "campaigns.hash_unit",
    "evaluate_campaign",
    "campaigns.campaign_section",
)
@pytest.mark.parametrize("kind", ["array", "readonly", "list", "series", "index"])
def test_holdout_and_campaign_evaluation(
    kind: str, campaign: gk.datasets.SimulatedCampaign
) -> None:
    ids = campaign.assignment["customer_id"].to_numpy()
    strata = campaign.assignment["segment"].to_numpy()
    customers: Any = pd.Index(ids, name="customer_id") if kind == "index" else wrap(ids, kind)
    strata_in: Any = strata.tolist() if kind == "list" else strata.copy()
    if kind == "readonly":
        strata_in.flags.writeable = False
    if kind == "series":
        # labelled by customer, in another order than the customers
        strata_in = pd.Series(strata[::-1], index=pd.Index(ids[::-1], name="id"), name="segment")
    call_unchanged(campaigns.hash_unit, customers, salt="spring")
    call_unchanged(gk.assign_holdout, customers, salt="spring", holdout_share=0.2)
    held = call_unchanged(campaigns.assign_holdout, customers, salt="spring", strata=strata_in)
    orders = decorate(campaign.orders, np.random.default_rng(5))
    assignment = decorate(campaign.assignment, np.random.default_rng(6))
    send = campaign.send_date
    call_unchanged(gk.evaluate_campaign, orders, held, send_date=send, window_days=14)
    call_unchanged(
        campaigns.evaluate_campaign,
        orders,
        assignment,
        send_date=send,
        pre_days=60,
        cost=500.0,
        segment_col="segment",
    )
    arms = assignment.set_index("customer_id")["arm"]
    call_unchanged(campaigns.evaluate_campaign, orders, arms, send_date=str(send.date()))
    call_unchanged(campaigns.campaign_section, orders, assignment, send_date=send, cost=100.0)


def _uplift_inputs(n: int, seed: int) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    treated, gain = rng.integers(0, 2, n), rng.uniform(0, 0.4, n)
    outcome = (rng.uniform(size=n) < 0.1 + gain * treated).astype(int)
    return outcome, gain, treated


@covers(
    "evaluate_uplift",
    "campaigns.qini_auc_score",
    "campaigns.uplift_at_k",
    "campaigns.uplift_auc_score",
)
@pytest.mark.parametrize("kind", ["array", "float", "readonly", "strided", "list", "series"])
def test_uplift_scores(kind: str) -> None:
    outcome, score, treated = (wrap(v, kind) for v in _uplift_inputs(300, 7))
    call_unchanged(gk.evaluate_uplift, outcome, score, treated, k=0.2)
    call_unchanged(campaigns.evaluate_uplift, outcome, score, treated, strategy="by_group")
    call_unchanged(campaigns.qini_auc_score, outcome, score, treated, negative_effect=False)
    call_unchanged(campaigns.uplift_at_k, outcome, score, treated, k=0.5)
    call_unchanged(campaigns.uplift_auc_score, outcome, score, treated)


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_campaigns_hostile(kind: str, campaign: gk.datasets.SimulatedCampaign) -> None:
    outcome, score, treated = _uplift_inputs(60, 3)
    bad_score = score.copy()
    bad_score[[0, 5]] = [np.nan, np.inf]
    bad_treated = treated.copy()
    bad_treated[1] = 2
    for args in ((outcome, bad_score, treated), (outcome, score, bad_treated)):
        wrapped = [wrap(a, kind) for a in args]
        call_hostile(campaigns.evaluate_uplift, *wrapped)
        call_hostile(campaigns.uplift_auc_score, *wrapped)
    ids = campaign.assignment["customer_id"].to_numpy().astype(np.float64)
    ids[2] = np.nan
    call_hostile(campaigns.assign_holdout, wrap(ids, kind), salt="s")
    call_hostile(campaigns.assign_holdout, wrap(ids[3:], kind), salt="s", holdout_share=1.5)
    orders = campaign.orders.copy()
    orders.loc[orders.index[0], "amount"] = -5.0
    call_hostile(campaigns.evaluate_campaign, orders, campaign.assignment, send_date=None)
    call_hostile(
        campaigns.evaluate_campaign, orders, campaign.assignment, send_date=campaign.send_date
    )


@covers("target_customers")
def test_target_customers(cox: churn.ChurnModel, churn_table: pd.DataFrame) -> None:
    alerts = gk.early_warning(cox, churn_table)
    prob = alerts.table["churn_probability"]
    rng = np.random.default_rng(8)
    clv_values = pd.Series(rng.gamma(2.0, 50.0, len(prob)), index=prob.index, name="clv")
    uplift = pd.Series(rng.uniform(0, 0.3, len(prob)), index=prob.index, name="uplift")
    cost = pd.Series(rng.uniform(0.5, 2.0, len(prob)), index=prob.index, name="cost")
    call_unchanged(gk.target_customers, alerts, clv_values, top_k=10)
    call_unchanged(campaigns.target_customers, prob, clv_values, uplift=uplift, budget=20.0)
    call_unchanged(
        campaigns.target_customers, prob, clv_values, uplift=0.1, cost_per_contact=cost, top_k=5
    )


# --------------------------------------------------------------------------------------
# Every result class: constructors, argument-free methods and properties
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instances(
    logs: dict[str, tuple[Any, pd.Timestamp]],
    models: dict[str, Any],
    holdout_frame: pd.DataFrame,
    churn_table: pd.DataFrame,
    cox: churn.ChurnModel,
    event_logs: dict[str, Any],
    campaign: gk.datasets.SimulatedCampaign,
) -> dict[str, object]:
    """One instance of every public dataclass, made by the public API."""
    tx, cut = logs["int-ns"]
    prepared, _ = logs["prepared"]
    events = event_logs["prepared"]
    alerts = gk.early_warning(cox, churn_table)
    prob = alerts.table["churn_probability"]
    clv_values = pd.Series(np.linspace(10.0, 200.0, len(prob)), index=prob.index, name="clv")
    out: dict[str, object] = {
        "CohortMatrix": gk.cohort_matrix(tx, value="revenue", amount_col="amount"),
        "ComparisonResult": ex.proportion_test(S_A, N_A, S_B, N_B),
        "LifecycleResult": gk.lifecycle_stages(tx),
        "RFMResult": gk.rfm_scores(tx),
        "Transactions": prepared,
        "BayesResult": ex.bayes_proportion(S_A, N_A, S_B, N_B),
        "CampaignResult": ex.campaign_lift(
            S_B,
            N_B,
            S_A,
            N_A,
            revenue_treated=M_B,
            revenue_var_treated=V_B,
            revenue_holdout=M_A,
            revenue_var_holdout=V_A,
            cost=[100.0, 50.0, 10.0],
        ),
        "CupedResult": ex.cuped(Y_A, X_A),
        "GroupSequentialBoundaries": ex.group_sequential_boundaries([0.5, 1.0]),
        "RatioStats": ex.ratio_stats(Y_A, X_A),
        "SRMResult": ex.srm_test([5030, 4970]),
        "SampleSizeResult": ex.sample_size([0.1, 0.2], [0.01, 0.02]),
        "SequentialResult": ex.sequential_test(
            M_A, V_A, [100, 200, 300], M_B, V_B, [100, 210, 290], mixing_variance=0.5
        ),
        "HoldoutComparison": clv.holdout_comparison(models["calibration"], holdout_frame),
        "ChurnModel": cox,
        "EarlyWarningEvaluation": churn.evaluate_early_warning(
            tx, cutoff=cut, horizon_days=60, score="bgnbd", top_k=5
        ),
        "EarlyWarningList": gk.early_warning(cox, churn_table),
        "KaplanMeier": churn.kaplan_meier(churn_table, groups="channel"),
        "LogrankResult": churn.logrank_test(churn_table, groups="channel"),
        "Events": events,
        "FunnelResult": gkf.funnel(events, STEPS, window="2D", by="device"),
        "ActivityResult": gkf.activity(events),
        "EventsSection": gkf.report_section(events, steps=STEPS),
        "PathsResult": gkf.paths(events, "view"),
        "TransitionMatrix": gkf.transition_matrix(events),
        "SimulatedCampaign": campaign,
        "CampaignEvaluation": campaigns.evaluate_campaign(
            campaign.orders,
            campaign.assignment,
            send_date=campaign.send_date,
            segment_col="segment",
            cost=100.0,
        ),
        "HoldoutAssignment": campaigns.assign_holdout(
            campaign.assignment["customer_id"], salt="s", strata=campaign.assignment["segment"]
        ),
        "ReportSection": campaigns.campaign_section(
            campaign.orders, campaign.assignment, send_date=campaign.send_date
        ),
        "TargetList": campaigns.target_customers(alerts, clv_values, uplift=0.1, top_k=5),
        "UpliftEvaluation": campaigns.evaluate_uplift(*_uplift_inputs(300, 9)),
    }
    for name in (
        "BetaGeo",
        "ModifiedBetaGeo",
        "ParetoNBD",
        "GammaGamma",
        "BetaGeoBetaBinom",
        "ShiftedBetaGeometric",
    ):
        out[name] = models[name]
    return out


def fresh(value: object) -> object:
    """An independent, writeable deep copy of a constructor argument."""
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy(deep=True)
    if isinstance(value, Mapping):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(fresh(v) for v in value)
    return value


RESULT_CLASSES = result_classes()
for _name in RESULT_CLASSES:
    COVERED.add(f"{_name}.__init__")
    COVERED.update(f"{_name}.{m}" for m in data_free_methods(public_classes()[_name]))


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_constructor(name: str, instances: dict[str, object]) -> None:
    instance = instances[name]
    assert dataclasses.is_dataclass(instance) and not isinstance(instance, type)
    kwargs = {
        f.name: fresh(getattr(instance, f.name)) for f in dataclasses.fields(instance) if f.init
    }
    call_unchanged(type(instance), **kwargs)


@pytest.mark.parametrize("name", RESULT_CLASSES)
def test_argument_free_methods_and_properties(
    name: str, instances: dict[str, object], figures: None
) -> None:
    instance = instances[name]
    cls = type(instance)
    assert cls is public_classes()[name]
    state = capture(instance)
    for method in data_free_methods(cls):
        getattr(instance, method)()
        str(instance)
    for attr, raw in public_members(cls).items():
        if isinstance(raw, property):
            getattr(instance, attr)
    repr(instance)
    str(instance)
    verify(state, instance, name)


@covers("ConvergenceError.__init__")
def test_convergence_error() -> None:
    last = {"r": 1.0, "alpha": np.float64(2.0)}
    call_unchanged(gk.ConvergenceError, "`params` did not converge: 0 rows", last_params=last)


# --------------------------------------------------------------------------------------
# The checker itself: it notices every kind of in-place change
# --------------------------------------------------------------------------------------


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {"amount": [0.0, 2.5, 1.0], "customer_id": [3, 1, 2]}, index=pd.Index([9, 7, 8], name="row")
    )
    return decorate(frame, np.random.default_rng(0))


def _freeze_view(obj: Any) -> None:
    np.asarray(obj).flags.writeable = False


# Negative controls: each mutates its input in place, and verify() must notice.
MUTATIONS: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {
    "array value": (lambda: np.arange(3.0), lambda a: a.__setitem__(0, 9.0)),
    "array zero sign": (lambda: np.zeros(3), lambda a: a.__setitem__(0, -0.0)),
    "array frozen": (lambda: np.arange(3.0), lambda a: setattr(a.flags, "writeable", False)),
    "array reshaped": (lambda: np.arange(4.0), lambda a: setattr(a, "shape", (2, 2))),
    "list appended": (lambda: [1.0, 2.0], lambda v: v.append(3.0)),
    "dict key": (lambda: {"r": (1, 2)}, lambda d: d.__setitem__("f", (1, 1))),
    "series value": (
        lambda: pd.Series([1.0, 2.0], index=["a", "b"]),
        lambda s: s.__setitem__("a", 5.0),
    ),
    "series name": (lambda: pd.Series([1.0], name="x"), lambda s: setattr(s, "name", "y")),
    "series index name": (
        lambda: pd.Series([1.0], index=pd.Index(["a"], name="i")),
        lambda s: setattr(s.index, "name", "j"),
    ),
    "series attrs": (lambda: pd.Series([1.0]), lambda s: s.attrs.__setitem__("k", 1)),
    "frame column added": (_frame, lambda f: f.__setitem__("extra", 1)),
    "frame column dropped": (_frame, lambda f: f.pop("channel")),
    "frame value": (_frame, lambda f: f.__setitem__("amount", f["amount"] + 1.0)),
    "frame index": (_frame, lambda f: setattr(f, "index", f.index[::-1])),
    "frame dtype": (_frame, lambda f: f.__setitem__("seen", f["seen"].dt.tz_convert("UTC"))),
    "frame categories": (
        _frame,
        lambda f: f.__setitem__("channel", f["channel"].cat.add_categories(["fax"])),
    ),
    "frame index name": (_frame, lambda f: setattr(f.index, "name", "other")),
    "frame attrs": (_frame, lambda f: f.attrs.clear()),
    "dataclass field": (
        lambda: ex.cuped([1.0, 2.0, 4.0], [1.0, 3.0, 3.0]),
        lambda r: object.__setattr__(r, "theta", np.zeros(1)),
    ),
}
# Under pandas 3 (copy-on-write) np.asarray hands out read-only views, so a Series cannot be
# frozen from outside; under pandas 2 it hands out the Series' own buffer.
if np.asarray(pd.Series([1.0])).flags.writeable:
    MUTATIONS["series frozen"] = (lambda: pd.Series([1.0, 2.0]), _freeze_view)
    MUTATIONS["frame column frozen"] = (_frame, lambda f: _freeze_view(f["amount"]))


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_snapshot_detects_in_place_changes(mutation: str) -> None:
    make, mutate = MUTATIONS[mutation]
    obj = make()
    state = capture(obj)
    verify(state, obj, mutation)
    mutate(obj)
    with pytest.raises(AssertionError):
        verify(state, obj, mutation)


# --------------------------------------------------------------------------------------
# The public API is covered
# --------------------------------------------------------------------------------------


def test_every_public_callable_is_covered() -> None:
    entries = public_callables()
    known = set().union(*entries)
    accounted = COVERED | set(EXCLUDED)
    missing = sorted(min(names) for names in entries if not names & accounted)
    assert not missing, f"public callables neither covered nor excluded: {missing}"
    stale = sorted(accounted - known)
    assert not stale, f"covered or excluded names that are not public callables: {stale}"
    assert not COVERED & set(EXCLUDED), "a name is both covered and excluded"
