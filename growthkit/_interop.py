"""polars DataFrames and pyarrow Tables as transaction input, without making them required.

:func:`to_pandas_frame` turns a ``polars.DataFrame`` / ``polars.LazyFrame`` or a
``pyarrow.Table`` / ``pyarrow.RecordBatch`` into the pandas frame that
:func:`~growthkit.prepare_transactions` validates, reading only the columns a call needs.
Neither library is imported unless the object's type says it comes from one, so a user
without polars never pays for it.

What is copied and what is not (Arrow -> pandas through ``Table.to_pandas``):

- numeric and timestamp columns without nulls in one chunk become numpy arrays over the
  Arrow buffers (``split_blocks=True`` keeps pandas from consolidating them into a 2-D
  block, which would copy);
- timestamps keep their unit (``s``/``ms``/``us``/``ns``) and time zone, dates become
  ``datetime64``;
- strings become ``string[pyarrow]`` (the ``ArrowStringArray`` pandas wraps around the
  Arrow buffers without building Python objects), whose ids the preparation path hashes
  straight from the offsets and data buffers (:func:`string_tokens`), returning the sorted
  distinct ids as a new Arrow array (:func:`string_array`); ``string_view`` is cast to
  ``large_string`` first (pandas' string dtype cannot hold it);
- dictionary columns (polars ``Categorical`` / ``Enum``) become pandas categoricals;
- null values become NaN / NaT / NA, which validation then reports as missing values
  with the row count, exactly as for a pandas frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["arrow_strings", "string_array", "string_tokens", "to_pandas_frame"]


def _module(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def to_pandas_frame(obj: object, columns: list[str]) -> pd.DataFrame | None:
    """Convert a polars frame or a pyarrow table to pandas, or return ``None``.

    Parameters
    ----------
    obj
        Anything; only polars ``DataFrame`` / ``LazyFrame`` and pyarrow ``Table`` /
        ``RecordBatch`` are converted.
    columns
        The columns the caller needs. Columns absent from ``obj`` are skipped, so the
        caller's own column check reports them with its usual message.

    Returns
    -------
    pandas.DataFrame or None
        The needed columns as a pandas frame (numeric and timestamp columns sharing the
        Arrow buffers where the types allow), or ``None`` for any other object (pandas
        frames included: they need no conversion).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from growthkit._interop import to_pandas_frame
    >>> table = pa.table({"customer_id": ["a", "b"], "amount": [1.5, 2.0], "x": [0, 1]})
    >>> frame = to_pandas_frame(table, ["customer_id", "amount"])
    >>> import pandas as pd
    >>> list(frame.columns), isinstance(frame["customer_id"].dtype, pd.StringDtype)
    (['customer_id', 'amount'], True)
    >>> to_pandas_frame([1, 2], ["customer_id"]) is None
    True
    """
    module = _module(obj)
    if module == "polars":
        return _from_polars(obj, columns)
    if module == "pyarrow":
        return _from_arrow(obj, columns, owned=False)
    return None


def _from_polars(obj: Any, columns: list[str]) -> pd.DataFrame | None:
    kind = type(obj).__name__
    if kind == "LazyFrame":
        present = [c for c in columns if c in obj.collect_schema().names()]
        frame = obj.select(present).collect()
    elif kind == "DataFrame":
        present = [c for c in columns if c in obj.columns]
        frame = obj.select(present)
    else:
        return None
    # polars hands its Arrow buffers over without copying; the Table is ours to release.
    return _from_arrow(frame.to_arrow(), present, owned=True)


def _from_arrow(obj: Any, columns: list[str], *, owned: bool) -> pd.DataFrame | None:
    import pyarrow as pa

    if isinstance(obj, pa.RecordBatch):
        obj = pa.Table.from_batches([obj])
    if not isinstance(obj, pa.Table):
        return None
    present = [c for c in columns if c in obj.column_names]
    table = obj.select(present)
    table = _cast_views(table)
    string_dtype = _string_dtype()

    def mapper(arrow_type: Any) -> Any:
        if arrow_type in (pa.string(), pa.large_string()):
            return string_dtype
        return None

    frame: pd.DataFrame = table.to_pandas(
        types_mapper=mapper,
        split_blocks=True,
        # Releases each column of a Table we made as soon as it is converted; never the
        # caller's Table (its buffers stay shared, never mutated).
        self_destruct=owned,
        date_as_object=False,
        coerce_temporal_nanoseconds=False,
    )
    return frame


def _cast_views(table: Any) -> Any:
    """Cast ``string_view`` columns (and dictionaries of them) to ``large_string``."""
    import pyarrow as pa

    fields = []
    changed = False
    for field in table.schema:
        kind = field.type
        if kind == pa.string_view():
            fields.append(field.with_type(pa.large_string()))
            changed = True
        elif pa.types.is_dictionary(kind) and kind.value_type == pa.string_view():
            fields.append(field.with_type(pa.dictionary(kind.index_type, pa.large_string())))
            changed = True
        else:
            fields.append(field)
    return table.cast(pa.schema(fields)) if changed else table


def _string_dtype() -> Any:
    """The Arrow-backed string dtype, with pandas' own default NA semantics.

    pandas 3 (and pandas 2 with ``future.infer_string``) infers ``str``, an Arrow-backed
    string dtype with NaN as missing value; use it so that results match a frame built by
    pandas itself. Otherwise use ``string[pyarrow]``.
    """
    inferred = pd.Series(["x"]).dtype
    if isinstance(inferred, pd.StringDtype) and inferred.storage == "pyarrow":
        return inferred
    if isinstance(inferred, pd.StringDtype):  # pragma: no cover - python-storage default
        return pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.StringDtype("pyarrow")


def string_tokens(data: Any) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.integer[Any]]] | None:
    """The UTF-8 bytes and offsets of an Arrow string array, without Python strings.

    Parameters
    ----------
    data
        A ``pyarrow.Array`` or ``pyarrow.ChunkedArray`` of ``string``, ``large_string`` or
        ``string_view`` values.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(buffer, offsets)`` with value ``i`` at ``buffer[offsets[i] : offsets[i + 1]]``,
        or ``None`` when ``data`` holds nulls or another type. One chunk of ``string`` /
        ``large_string`` is read in place: ``buffer`` is its data buffer and ``offsets`` a
        view of its offsets (int32 or int64, starting wherever a sliced array starts).
        Several chunks are copied into one buffer with int64 offsets; ``string_view`` is
        cast to ``large_string`` by Arrow first.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from growthkit._interop import string_tokens
    >>> buffer, offsets = string_tokens(pa.array(["ab", "", "c"]).slice(1))
    >>> bytes(buffer[offsets[0] : offsets[-1]]), offsets.tolist()
    (b'c', [2, 2, 3])
    >>> string_tokens(pa.array(["a", None])) is None
    True
    """
    import pyarrow as pa

    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    parts = []
    for chunk in chunks:
        kind = chunk.type
        if chunk.null_count:
            return None
        if pa.types.is_string_view(kind):
            chunk = chunk.cast(pa.large_string())
        elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            return None
        _, offset_buffer, data_buffer = chunk.buffers()
        width = np.int32 if pa.types.is_string(chunk.type) else np.int64
        if offset_buffer is None:  # an empty array may come without buffers
            offsets = np.zeros(1, dtype=width)
        else:
            offsets = np.frombuffer(offset_buffer, dtype=width)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        raw = (
            np.frombuffer(data_buffer, dtype=np.uint8)
            if data_buffer is not None
            else np.zeros(0, dtype=np.uint8)
        )
        parts.append((raw, offsets))
    if len(parts) == 1:
        return parts[0]
    n = sum(len(offsets) - 1 for _, offsets in parts)
    size = sum(int(offsets[-1]) - int(offsets[0]) for _, offsets in parts)
    buffer = np.empty(size, dtype=np.uint8)
    joined = np.empty(n + 1, dtype=np.int64)
    joined[0] = 0
    row = pos = 0
    for raw, offsets in parts:
        start, stop = int(offsets[0]), int(offsets[-1])
        buffer[pos : pos + stop - start] = raw[start:stop]
        m = len(offsets) - 1
        joined[row + 1 : row + m + 1] = offsets[1:] - np.int64(start - pos)
        row += m
        pos += stop - start
    return buffer, joined


def string_array(buffer: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], kind: Any) -> Any:
    """An Arrow string array of type ``kind`` over UTF-8 ``buffer`` and int64 ``offsets``.

    The inverse of :func:`string_tokens` for one chunk: built as ``large_string`` around the
    numpy buffers (no copy), then cast when ``kind`` is another string type.
    """
    import pyarrow as pa

    array = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(buffer)
    )
    return array if kind == pa.large_string() else array.cast(kind)


def arrow_strings(objects: npt.NDArray[np.object_]) -> Any:
    """Python strings as one Arrow string array, or ``None`` (no pyarrow, or not all ``str``).

    pyarrow encodes them in one C-level pass. The type is inferred, not asked for, so that
    ids mixing ``str`` and ``bytes`` come out as ``binary`` (declined by
    :func:`string_tokens`) instead of being decoded; other objects, and strings that are not
    valid UTF-8 (lone surrogates), are declined here.
    """
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is in the dev extra
        return None
    try:
        return pa.array(objects)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
