"""Reading a user's order log from a CSV or parquet file for the command line.

The rules, chosen so that a file never silently means something else:

- CSV cells are read as text. Customer ids stay strings (``007`` and ``7`` are two
  customers; ``NA`` and ``null`` are ids, only an empty cell is missing). A trailing
  separator at the end of every line does not shift the columns.
- The time column is parsed with one format for the whole column: ISO 8601 as is;
  ``05/02/2024``-style dates only when the data prove the order (a day above 12) or
  ``--dayfirst`` / ``--time-format`` says it; integers only with ``--epoch s|ms`` or a
  ``--time-format`` such as ``%Y%m%d``. Anything ambiguous is refused with the option to pass.
- Amounts are read as decimal numbers; ``NA``, ``null`` and empty cells are missing values.

Every problem is a :class:`~growthkit.GrowthkitError` whose one-line message names the
command-line option that fixes it.
"""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from growthkit._validate import message
from growthkit.errors import DataError, GrowthkitError, SchemaError

__all__ = ["ReadOptions", "read_log"]

_NA_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "<na>", "nat", "#n/a", "-"})
_INT = re.compile(r"[+-]?\d+")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?")
_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:[T ].*)?")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a log: the command line's input options."""

    customer_col: str = "customer_id"
    time_col: str = "timestamp"
    amount_col: str | None = "amount"
    sep: str = ","
    encoding: str = "utf-8"
    time_format: str | None = None
    dayfirst: bool = False
    epoch: str | None = None
    utc: bool = False


def read_log(path: str, options: ReadOptions, *, amount_optional: bool = False) -> pd.DataFrame:
    """Read a CSV or parquet order log; ids as text, times and amounts parsed strictly.

    With ``amount_optional`` a missing amount column is no error (the log has no values).
    """
    file = Path(path)
    if not file.exists():
        raise GrowthkitError(f"`{path}` does not exist: 0 rows.")
    if file.is_dir():
        raise GrowthkitError(f"`{path}` is a directory, not an order log: 0 rows.")
    parquet = file.suffix.lower() in {".parquet", ".pq"}
    frame = _read_parquet(file, path) if parquet else _read_csv(file, path, options)
    if amount_optional and options.amount_col not in frame.columns:
        options = replace(options, amount_col=None)
    _check_columns(frame, options, parquet=parquet)
    frame = frame.copy()
    ids = frame[options.customer_col]
    if not parquet:
        frame[options.customer_col] = ids.astype(object).mask(ids == "", None)
    frame[options.time_col] = parse_times(frame[options.time_col], options)
    if options.amount_col is not None:
        frame[options.amount_col] = _parse_amounts(frame[options.amount_col], options.amount_col)
    return frame


def _read_parquet(file: Path, path: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(file)
    except ImportError as exc:
        raise GrowthkitError(
            f"`{path}` is parquet, which needs pyarrow: 0 rows. pip install pyarrow"
        ) from exc
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise GrowthkitError(
            f"`{path}` could not be read as a parquet table: 0 rows. {_first_line(exc)}"
        ) from exc


def _separator(sep: str) -> str:
    sep = {"tab": "\t", "\\t": "\t"}.get(sep, sep)
    if len(sep) != 1 or sep in '"\r\n':
        raise GrowthkitError(
            message(
                "--sep", f"must be one character, got {sep!r}", 0, "E.g. --sep ';' or --sep tab."
            )
        )
    return sep


def _encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise GrowthkitError(
            message(
                "--encoding",
                f"is not a known text encoding: {encoding!r}",
                0,
                "E.g. --encoding latin-1.",
            )
        ) from exc
    return "utf-8-sig" if name == "utf-8" else name  # a byte-order mark is not part of a name


def _read_csv(file: Path, path: str, options: ReadOptions) -> pd.DataFrame:
    sep, encoding = _separator(options.sep), _encoding(options.encoding)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return pd.read_csv(
                file,
                sep=sep,
                encoding=encoding,
                # object, not str: pandas 3 reads str as its string dtype, and its check of a
                # trailing separator then sees no empty cells (a ParserWarning for every line)
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                engine="c",
            )
    except UnicodeDecodeError as exc:
        raise GrowthkitError(
            message(
                path,
                f"is not valid {options.encoding} text (byte {exc.object[exc.start]:#04x} at "
                f"offset {exc.start})",
                0,
                "Pass --encoding, e.g. --encoding latin-1.",
            )
        ) from exc
    except pd.errors.ParserWarning as exc:
        raise GrowthkitError(
            message(path, "has lines with more fields than the header", 0, _sep_hint(sep))
        ) from exc
    except (OSError, ValueError, UnicodeError, Warning) as exc:
        raise GrowthkitError(
            f"`{path}` could not be read as a CSV table: 0 rows. {_first_line(exc)}"
        ) from exc


def _sep_hint(sep: str) -> str:
    return f"Check the separator (now {sep!r}): pass --sep, e.g. --sep ';'."


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_columns(frame: pd.DataFrame, options: ReadOptions, *, parquet: bool) -> None:
    roles = {
        "--customer-col": options.customer_col,
        "--time-col": options.time_col,
        "--amount-col": options.amount_col,
    }
    n = len(frame)
    if isinstance(frame.columns, pd.MultiIndex):  # pragma: no cover - not produced by readers
        raise SchemaError(message("columns", "have several header levels", n))
    names = [str(c) for c in frame.columns]
    for option, col in roles.items():
        if col is None:
            continue
        if names.count(col) > 1:
            raise SchemaError(message(col, "appears more than once in the header", n))
        if col in names:
            continue
        listed = ", ".join(names[:12])
        fix = f"Pass {option} NAME naming the column that holds it."
        if not parquet and len(names) == 1 and any(c in names[0] for c in ";\t|,"):
            guess = next(c for c in ";\t|," if c in names[0])
            fix = f"The file seems to be separated by {guess!r}: pass --sep {guess!r}."
        raise SchemaError(message(col, f"column not found (columns: {listed})", n, fix))
    used = [c for c in roles.values() if c is not None]
    for col in used:
        if used.count(col) > 1:
            raise SchemaError(
                message(
                    col,
                    "is passed for more than one of --customer-col, --time-col, --amount-col",
                    n,
                )
            )


def _text(values: pd.Series) -> pd.Series:
    """Stripped text, empty and NA spellings as None."""
    text = values.astype(object).map(lambda x: x.strip() if isinstance(x, str) else x)
    na = text.map(
        lambda x: (
            x is None
            or (isinstance(x, float) and np.isnan(x))
            or (isinstance(x, str) and x.lower() in _NA_TEXT)
        )
    )
    blank: pd.Series = text.mask(na.astype(bool), None)
    return blank


def parse_times(values: pd.Series, options: ReadOptions) -> pd.Series:
    """Parse a time column with one format (see the module docstring)."""
    name = options.time_col
    if pd.api.types.is_datetime64_any_dtype(values.dtype) and options.epoch is None:
        return values
    if pd.api.types.is_bool_dtype(values.dtype):
        raise SchemaError(
            message(
                name,
                "holds true/false values, not times",
                len(values),
                "Pass --time-col naming the time column.",
            )
        )
    if pd.api.types.is_numeric_dtype(values.dtype):
        values = values.astype(object).map(
            lambda x: None if pd.isna(x) else (str(int(x)) if float(x).is_integer() else str(x))
        )
    text = _text(values)
    present = text.dropna()
    if options.epoch is not None:
        return _epoch(text, present, name, options.epoch)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if options.time_format is not None:
                return _strict(text, options, options.time_format)
            if len(present) and present.map(lambda x: bool(_INT.fullmatch(x))).all():
                raise DataError(
                    message(
                        name,
                        f"holds integers (e.g. {present.iloc[0]}), which may be seconds or "
                        "milliseconds since 1970 or YYYYMMDD dates",
                        len(present),
                        "Pass --epoch s, --epoch ms or --time-format %Y%m%d.",
                    )
                )
            if present.map(lambda x: bool(_ISO.fullmatch(x))).all():
                return _strict(text, options, "ISO8601")
            dmy = present.map(_DMY.fullmatch)
            if len(present) and dmy.map(bool).all():
                return _day_month(text, present, dmy, name, options)
            return _strict(text, options, None)
    except (ValueError, TypeError, OverflowError, Warning) as exc:
        if isinstance(exc, GrowthkitError):
            raise
        raise _not_dates(text, present, name, options) from exc


def _day_month(
    text: pd.Series, present: pd.Series, dmy: pd.Series, name: str, options: ReadOptions
) -> pd.Series:
    """Dates like 05/02/2024: day first or month first, one order for the whole column."""
    first = dmy.map(lambda m: int(m.group(1)))
    second = dmy.map(lambda m: int(m.group(2)))
    head = dmy.iloc[0]
    sep = head.string[head.end(1)]
    year = "%Y" if len(head.group(3)) == 4 else "%y"
    month_first = sep.join(["%m", "%d", year])
    dayfirst = options.dayfirst
    if not dayfirst:
        day_first_proof, month_first_proof = bool((first > 12).any()), bool((second > 12).any())
        if day_first_proof and month_first_proof:
            bad = int(min((first > 12).sum(), (second > 12).sum()))
            raise DataError(
                message(name, "mixes day/month and month/day dates", bad, "Pass --time-format.")
            )
        if not (day_first_proof or month_first_proof):
            raise DataError(
                message(
                    name,
                    f"has dates like {present.iloc[0]!r} that read as day/month or month/day",
                    len(present),
                    f"Pass --dayfirst (day first) or --time-format '{month_first}' (month first).",
                )
            )
        dayfirst = day_first_proof
    if head.end(3) == len(head.string):
        return _strict(text, options, sep.join(["%d", "%m", year]) if dayfirst else month_first)
    # with a time part pandas infers the whole format from the first value, day order given
    return _strict(text, options, None, dayfirst=dayfirst)


def _strict(
    text: pd.Series, options: ReadOptions, fmt: str | None, *, dayfirst: bool = False
) -> pd.Series:
    """Parse every value with ``fmt`` (None: the format pandas infers from the first)."""
    parsed = pd.to_datetime(text, format=fmt, utc=options.utc, dayfirst=dayfirst)
    return pd.Series(parsed, index=text.index, name=text.name)


def _epoch(text: pd.Series, present: pd.Series, name: str, unit: str) -> pd.Series:
    ok = present.map(lambda x: bool(_INT.fullmatch(x)))
    if not ok.all():
        raise DataError(
            message(
                name,
                f"has values that are not whole numbers (e.g. {present[~ok].iloc[0]!r})",
                int((~ok).sum()),
                f"--epoch {unit} needs integer {unit} since 1970; drop --epoch for date text.",
            )
        )
    try:
        numbers = pd.to_numeric(text, errors="raise").astype("Int64")
        parsed = pd.to_datetime(numbers, unit=cast(Any, unit)).astype("datetime64[ns]")
    except (ValueError, OverflowError) as exc:
        raise DataError(
            message(
                name,
                f"has values beyond the years 1677-2262 as {unit} since 1970",
                len(present),
                "Check --epoch (s or ms).",
            )
        ) from exc
    return pd.Series(parsed, index=text.index, name=text.name)


def _not_dates(text: pd.Series, present: pd.Series, name: str, options: ReadOptions) -> DataError:
    offsets = present.map(lambda x: bool(re.search(r"(?:[+-]\d{2}:?\d{2}|Z)$", x)))
    if offsets.any() and not options.utc and options.time_format is None:
        return DataError(
            message(
                name,
                "has times with different UTC offsets",
                len(present),
                "Pass --utc to convert them all to UTC.",
            )
        )
    if options.time_format is not None:
        fmt = options.time_format
        bad = present.map(lambda x: _fails(x, fmt))
        first = present[bad].iloc[0] if bad.any() else present.iloc[0]
        return DataError(
            message(
                name,
                f"has values that do not match --time-format {fmt!r} (e.g. {first!r})",
                int(bad.sum()) or len(present),
            )
        )
    fix = "Pass --time-format, e.g. --time-format '%d.%m.%Y %H:%M'."
    if not len(present):
        return DataError(message(name, "has no dates", len(text), fix))
    guessed = _guess_format(str(present.iloc[0]), dayfirst=options.dayfirst)
    if guessed is None:
        return DataError(
            message(name, f"has values that are not dates (e.g. {present.iloc[0]!r})", 1, fix)
        )
    bad = present.map(lambda x: _fails(x, guessed))
    if not bad.any():  # each value parses alone: they differ in offset or precision
        bad = pd.Series(True, index=present.index)
    return DataError(
        message(
            name,
            f"has values that are not dates in the format of its first value ({guessed!r}), "
            f"e.g. {present[bad].iloc[0]!r}",
            int(bad.sum()),
            fix,
        )
    )


def _guess_format(value: str, *, dayfirst: bool) -> str | None:
    """The strptime format pandas infers from one value, or None."""
    try:
        from pandas.tseries import api
    except ImportError:  # pragma: no cover - pandas < 2.1
        return None
    guess: Any = getattr(api, "guess_datetime_format", None)
    if guess is None:  # pragma: no cover - pandas < 2.2
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guessed: str | None = guess(value, dayfirst=dayfirst)
    return guessed


def _fails(x: str, fmt: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pd.to_datetime(x, format=fmt)
    except (ValueError, Warning):
        return True
    return False


def _parse_amounts(values: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values
    text = _text(values)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        raise DataError(
            message(
                name,
                f"has values that are not numbers (e.g. {text[bad].iloc[0]!r})",
                int(bad.sum()),
                "Pass --amount-col naming the order-value column, or --amount-col '' for none.",
            )
        )
    return pd.Series(numbers.astype(np.float64), index=values.index, name=values.name)
