"""Id factorisation kernels against naive twins on random inputs (issue 16).

The twins are plain Python: a dict from id to first-appearance number for the codes, and
``sorted(set(ids))`` for the order (Python compares strings by code point, which is UTF-8
byte order, NUL bytes included).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthkit._kernels import factorize as fk
from growthkit._prepare import factorize_ids
from growthkit._threads import thread_map
from growthkit.errors import DataError

pa = pytest.importorskip("pyarrow")

from growthkit._interop import string_array, string_tokens  # noqa: E402

# Empty strings, NUL bytes, non-ASCII and long ids with shared prefixes (ties on the first
# 8, 16 and 32 bytes, which the kernels hold in registers and records).
ids = st.one_of(
    st.text(max_size=6),
    st.text(alphabet="ab\x00é", max_size=40),
    st.builds(lambda s: "x" * 30 + s, st.text(alphabet="\x00ab€", max_size=12)),
    st.text(min_size=100, max_size=300),
)
id_lists = st.lists(ids, min_size=0, max_size=60)
SETTINGS = settings(max_examples=60, deadline=None)


def naive_codes(values: list[Any]) -> list[int]:
    seen: dict[Any, int] = {}
    return [seen.setdefault(v, len(seen)) for v in values]


def same_partition(codes: Any, values: list[Any]) -> bool:
    """``codes`` group the rows exactly like the ids do (code numbering is free)."""
    return naive_codes(list(np.asarray(codes).tolist())) == naive_codes(values)


def tokens(data: Any) -> tuple[Any, Any]:
    read = string_tokens(data)
    assert read is not None
    return read


def chunked(values: list[str], cuts: list[int], kind: Any) -> Any:
    """``values`` as a chunked Arrow array split at ``cuts``, each chunk a slice of a
    larger array (so offsets do not start at 0)."""
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    chunks = []
    for a, b in itertools.pairwise(bounds):
        padded = pa.array(["pad", *values[a:b], "pad"], type=kind)
        chunks.append(padded.slice(1, b - a))
    return pa.chunked_array(chunks, type=kind)


KINDS = [pa.string(), pa.large_string(), pa.string_view()]


@SETTINGS
@given(id_lists, st.lists(st.integers(0, 60), max_size=4), st.sampled_from(KINDS))
def test_string_tokens_read_every_layout(values: list[str], cuts: list[int], kind: Any) -> None:
    buffer, offsets = tokens(chunked(values, cuts, kind))
    got = [bytes(buffer[offsets[i] : offsets[i + 1]]) for i in range(len(values))]
    assert got == [v.encode("utf-8") for v in values]


@SETTINGS
@given(id_lists, st.integers(0, 4), st.lists(st.integers(0, 60), max_size=3), st.integers(1, 3))
def test_hash_and_sort_arrow_tokens_match_naive(
    values: list[str], bits: int, cuts: list[int], workers: int
) -> None:
    buffer, offsets = tokens(chunked(values, cuts, pa.large_string()))
    # Several workers split the rows and the partitions (run in turn here).
    codes, first_row, head0, head1 = fk.hash_bytes_codes(buffer, offsets, bits, 0, workers=workers)
    assert same_partition(codes, values)
    assert len(first_row) == len(set(values))
    assert [values[i] for i in first_row[codes]] == values
    order = fk.sort_tokens(buffer, offsets, first_row, head0, head1, 0)
    assert [values[i] for i in first_row[order]] == sorted(set(values))
    data, starts = fk.gather_tokens(buffer, offsets, 0, first_row[order])
    labels = string_array(data, starts, pa.string())
    assert labels.to_pylist() == sorted(set(values))


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.integers(-(2**63), 2**63 - 1),
            st.sampled_from([-(2**63), 2**63 - 1, 0, -1]),
            st.integers(-3, 3),
        ),
        max_size=200,
    ),
    st.integers(0, 4),
)
def test_hash_int_codes_matches_naive(values: list[int], bits: int) -> None:
    arr = np.array(values, dtype=np.int64)
    codes, uniques = fk.hash_int_codes(arr, bits)
    assert same_partition(codes, values)
    assert sorted(uniques.tolist()) == sorted(set(values))
    np.testing.assert_array_equal(uniques[codes], arr)


@SETTINGS
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=300))
def test_sparse_int_ids_sorted_numerically(values: list[int]) -> None:
    codes, customers = factorize_ids(pd.Series(values, dtype=np.int64), "customer_id")
    assert list(customers) == sorted(set(values))
    assert customers.dtype == np.int64
    np.testing.assert_array_equal(customers[codes], values)


def _variants(values: list[str]) -> dict[str, pd.Series]:
    out = {
        "object": pd.Series(np.array(values, dtype=object)),
        "string[python]": pd.Series(values, dtype="string"),
        "string[pyarrow]": pd.Series(values, dtype="string[pyarrow]"),
        "str": pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
    }
    for kind in KINDS:
        array = pd.arrays.ArrowExtensionArray(chunked(values, [len(values) // 2], kind))
        out[f"arrow {kind}"] = pd.Series(array)
    return out


@SETTINGS
@given(st.lists(ids, min_size=1, max_size=60))
def test_factorize_ids_same_sorted_codes_for_every_string_kind(values: list[str]) -> None:
    want = sorted(set(values))
    rank = {v: i for i, v in enumerate(want)}
    for name, series in _variants(values).items():
        codes, customers = factorize_ids(series, "customer_id")
        assert codes.tolist() == [rank[v] for v in values], name
        assert list(customers) == want, name
        assert customers.dtype == series.dtype, name


def test_python_strings_beyond_pyarrow() -> None:
    # Lone surrogates (not UTF-8: pyarrow declines) go through the NUL-joined buffer;
    # str beside bytes through the general path, never decoded into one another.
    # object dtype: pandas 3 would store plain strings as Arrow, which refuses surrogates
    surrogates = pd.Series(["b\ud800", "a", "b\ud800"], dtype=object)
    codes, customers = factorize_ids(surrogates, "customer_id")
    assert codes.tolist() == [1, 0, 1] and list(customers) == ["a", "b\ud800"]
    codes, customers = factorize_ids(pd.Series(["a", b"a", "a"], dtype=object), "customer_id")
    assert codes.tolist() == [0, 1, 0] and list(customers) == ["a", b"a"]


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(["a", None, "b"]),
        pd.Series(["a", None, "b"], dtype="string[pyarrow]"),
        pd.Series(["a", None, "b"], dtype="string"),
        pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([["a"], [None, "b"]]))),
    ],
    ids=["object", "string[pyarrow]", "string[python]", "arrow chunked"],
)
def test_null_ids_are_reported(series: pd.Series) -> None:
    with pytest.raises(DataError, match=r"`customer_id` has missing values \(NaN/None\): 1 rows"):
        factorize_ids(series, "customer_id")


def test_string_tokens_declines_other_types_and_reads_empty_arrays() -> None:
    assert string_tokens(pa.array([1, 2])) is None
    assert string_tokens(pa.array([b"a"], type=pa.binary())) is None
    buffer, offsets = tokens(pa.chunked_array([], type=pa.string()))
    assert len(buffer) == 0 and offsets.tolist() == [0]
    buffer, offsets = tokens(pa.array(["", ""]))
    assert offsets.tolist() == [0, 0, 0]


def test_threads_give_the_same_codes() -> None:
    rng = np.random.default_rng(7)
    pool = [rng.bytes(int(rng.integers(0, 40))).hex() for _ in range(3_000)]
    values = [pool[i] for i in rng.integers(0, len(pool), 50_000)]
    buffer, offsets = tokens(pa.array(values))
    one = fk.hash_bytes_codes(buffer, offsets, 5, 0)
    two = fk.hash_bytes_codes(
        buffer, offsets, 5, 0, workers=2, pool=functools.partial(thread_map, threads=2)
    )
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    codes, customers = factorize_ids(pd.Series(values), "customer_id")
    assert list(customers) == sorted(set(values))
    assert same_partition(codes, values)
