"""Writing files safely: the one path by which the report and the CLI put files on disk.

- :func:`check_out_dir` checks, before any work, that an output directory can be written.
- :func:`write_text` and :func:`write_csv` write to a temporary file in the same directory
  and rename it over the target, so a symbolic link at the target is replaced, never
  followed, and a reader never sees half a file.
- :func:`write_csv` neutralises spreadsheet formulas: a text cell (value, index label or
  header) that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading single quote, the usual defence against CSV formula injection (OWASP). Numbers,
  and text that reads as a plain number (``-3.5``), are written unchanged.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit._validate import message
from growthkit.errors import DataError

__all__ = ["check_out_dir", "neutralise", "write_csv", "write_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def _neutral_text(x: object) -> object:
    if isinstance(x, str) and x.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(x):
        return "'" + x
    return x


def _neutral_values(values: pd.Series | pd.Index) -> pd.Series | pd.Index:
    """Neutralise the text cells of one column or index level (``values`` if none needs it)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if not _starts_formula(values.dtype.categories).any():
            return values
        values = values.astype(object)
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values)):
        return values
    risky = np.flatnonzero(_starts_formula(values))
    if not risky.size:
        return values
    cells = np.asarray(values, dtype=object).copy()
    cells[risky] = [_neutral_text(x) for x in cells[risky]]
    if isinstance(values, pd.Index):
        return pd.Index(cells, dtype=object, name=values.name)
    return pd.Series(cells, index=values.index, name=values.name, dtype=object)


def _starts_formula(values: pd.Series | pd.Index) -> npt.NDArray[np.bool_]:
    """Which cells are text beginning with a formula character (vectorised)."""
    firsts = [x[:1] if type(x) is str else "" for x in np.asarray(values, dtype=object)]
    return np.isin(np.array(firsts, dtype="<U1"), _FORMULA_START)


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, labels and headers cannot start a formula.

    Examples
    --------
    >>> import pandas as pd
    >>> from growthkit._output import neutralise
    >>> frame = pd.DataFrame({"name": ["=1+1", "ok", "-2.5"], "x": [-1, 2, 3]})
    >>> neutralise(frame)["name"].tolist(), neutralise(frame)["x"].tolist()
    (["'=1+1", 'ok', '-2.5'], [-1, 2, 3])
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        fixed = _neutral_values(column)
        if fixed is not column:
            out.isetitem(i, np.asarray(fixed, dtype=object))
    out.columns = pd.Index([_neutral_text(c) for c in out.columns])
    if isinstance(out.index, pd.MultiIndex):
        levels = [_neutral_values(out.index.get_level_values(k)) for k in range(out.index.nlevels)]
        out.index = pd.MultiIndex.from_arrays(levels, names=out.index.names)
    else:
        out.index = pd.Index(_neutral_values(out.index), name=out.index.name)
    out.index.names = [_neutral_text(n) for n in out.index.names]
    return out


def _index_labels(frame: pd.DataFrame) -> list[object]:
    """Index headers that repeat no column header (``id`` beside a column ``id``: ``id_index``)."""
    taken = {str(c) for c in frame.columns}
    labels: list[object] = []
    for name in frame.index.names:
        label = name
        while label is not None and str(label) in taken:
            label = f"{label}_index"
        if label is not None:
            taken.add(str(label))
        labels.append(label)
    return labels


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV: formulas neutralised, headers unique, links replaced."""
    safe = neutralise(frame)
    buffer = io.StringIO()
    # RFC 4180 line ends: the csv writer then quotes every field holding a CR or LF
    safe.to_csv(buffer, index_label=_index_labels(safe), lineterminator="\r\n")
    write_text(path, buffer.getvalue())


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename.

    A symbolic link at ``path`` is replaced by the new file; its target is left alone.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_out_dir(out_dir: str | Path, *, name: str = "out_dir", fix: str | None = None) -> Path:
    """Check that ``out_dir`` is (or can be created as) a writable directory.

    Nothing is created: the nearest existing ancestor is probed with a temporary file that
    is removed at once. Raises :class:`~growthkit.DataError` with a one-line message.
    """
    out = Path(out_dir)
    probe = out
    while not probe.exists() and not probe.is_symlink():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        reason = "it is a file" if probe == out else f"{probe} is a file"
        raise DataError(message(name, f"cannot write to {out} ({reason})", 0, fix or _PICK))
    try:
        fd, tmp = tempfile.mkstemp(dir=probe, prefix=".growthkit-probe-")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(
            message(name, f"cannot write to {out} ({probe}: {reason})", 0, fix or _PICK)
        ) from exc
    os.close(fd)
    os.unlink(tmp)
    return out


_PICK = "Pass a directory you can write to."
