"""The command line reads hostile CSV files exactly or refuses them in one line (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from growthkit._cli import main


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    rc = main([str(path), "--period", "D", *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def write(tmp_path: Path, text: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def summary_csv(tmp_path: Path, path: Path, *args: str) -> pd.DataFrame:
    out = tmp_path / "out"
    assert main([str(path), "--period", "D", "--out", str(out), *args]) == 0
    return pd.read_csv(out / "summary.csv", dtype={"customer_id": str}, keep_default_na=False)


def one_line_error(rc: int, err: str) -> str:
    assert rc == 2
    assert err.count("\n") == 1, err
    assert err.startswith("growthkit: error: `"), err
    assert "pandas" not in err and "Traceback" not in err
    return err


def test_ids_are_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "customer_id,timestamp,amount\n007,2024-01-01,1\n7,2024-01-02,2\n0007,2024-01-03,3\n"
        "NA,2024-01-04,4\nnull,2024-01-05,5\nNA,2024-01-06,6\n",
    )
    summary = summary_csv(tmp_path, path)
    assert sorted(summary["customer_id"]) == ["0007", "007", "7", "NA", "null"]
    assert summary.set_index("customer_id").loc["NA", "frequency"] == 1
    capsys.readouterr()


def test_empty_id_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n,2024-01-01,1\n7,2024-01-02,2\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`customer_id` has missing values (NaN/None): 1 rows" in err


def test_integer_times_are_refused_without_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,1700000000,1\n2,1700086400,2\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`timestamp` holds integers (e.g. 1700000000)" in err
    assert "Pass --epoch s, --epoch ms or --time-format %Y%m%d." in err
    rc, out, _ = run(capsys, path, "--epoch", "s")
    assert rc == 0 and "2023-11-14 .. 2023-11-15" in out
    ms = write(tmp_path, "customer_id,timestamp,amount\n1,1700000000000,1\n", "ms.csv")
    rc, out, _ = run(capsys, ms, "--epoch", "ms")
    assert rc == 0 and "2023-11-14 .. 2023-11-14" in out
    ymd = write(tmp_path, "customer_id,timestamp,amount\n1,20240105,1\n", "ymd.csv")
    rc, out, _ = run(capsys, ymd, "--time-format", "%Y%m%d")
    assert rc == 0 and "2024-01-05 .. 2024-01-05" in out


def test_epoch_with_text_and_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,2024-01-01,1\n")
    err = one_line_error(*run(capsys, path, "--epoch", "s")[::2])
    assert "`timestamp` has values that are not whole numbers (e.g. '2024-01-01'): 1 rows" in err
    huge = write(tmp_path, "customer_id,timestamp,amount\n1,99999999999999999,1\n", "h.csv")
    err = one_line_error(*run(capsys, huge, "--epoch", "s")[::2])
    assert "beyond the years 1677-2262 as s since 1970: 1 rows. Check --epoch" in err


def test_day_first_dates_use_one_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 13/02 proves day/month, so 05/02 is 5 February too (was May 2).
    path = write(tmp_path, "customer_id,timestamp,amount\n1,05/02/2024,1\n2,13/02/2024,2\n")
    rc, out, _ = run(capsys, path)
    assert rc == 0 and "2024-02-05 .. 2024-02-13" in out


def test_ambiguous_dates_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,05/02/2024,1\n2,11/02/2024,2\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`timestamp` has dates like '05/02/2024' that read as day/month or month/day" in err
    assert "Pass --dayfirst" in err
    rc, out, _ = run(capsys, path, "--dayfirst")
    assert rc == 0 and "2024-02-05 .. 2024-02-11" in out
    rc, out, _ = run(capsys, path, "--time-format", "%m/%d/%Y")
    assert rc == 0 and "2024-05-02 .. 2024-11-02" in out


def test_time_format_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,05.02.2024,1\n2,2024-02-13,2\n")
    err = one_line_error(*run(capsys, path, "--time-format", "%d.%m.%Y")[::2])
    assert "do not match --time-format '%d.%m.%Y' (e.g. '2024-02-13'): 1 rows" in err


def test_mixed_offsets_need_utc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "customer_id,timestamp,amount\n1,2024-01-01T10:00:00+01:00,1\n"
        "2,2024-06-01T10:00:00+02:00,2\n",
    )
    err = one_line_error(*run(capsys, path)[::2])
    assert "has times with different UTC offsets: 2 rows. Pass --utc" in err
    rc, out, _ = run(capsys, path, "--utc")
    assert rc == 0 and "2024-01-01 .. 2024-06-01" in out


def test_trailing_delimiter_does_not_shift_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\nA,2024-01-01,1.5,\nB,2024-01-03,2,\n")
    summary = summary_csv(tmp_path, path)
    assert summary["customer_id"].tolist() == ["A", "B"]
    capsys.readouterr()


def test_more_fields_than_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\nA,2024-01-01,1,x,y\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "has lines with more fields than the header: 0 rows. Check the separator" in err


def test_trailing_delimiter_with_a_value_beyond_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # only empty cells after the last column are a trailing separator; a value there is not
    path = write(tmp_path, "customer_id,timestamp,amount\nA,2024-01-01,1,\nB,2024-01-02,1,x\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "has lines with more fields than the header: 0 rows. Check the separator" in err


def test_sep_and_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "customer_id;timestamp;amount\nJosé;2024-01-01;1\nJosé;2024-01-05;2\n"
    path = write(tmp_path, text, encoding="latin-1")
    err = one_line_error(*run(capsys, path)[::2])
    assert "is not valid utf-8 text (byte 0xe9" in err and "Pass --encoding" in err
    err = one_line_error(*run(capsys, path, "--encoding", "latin-1")[::2])
    assert "The file seems to be separated by ';': pass --sep ';'." in err
    summary = summary_csv(tmp_path, path, "--encoding", "latin-1", "--sep", ";")
    assert summary["customer_id"].tolist() == ["José"]
    tabs = write(tmp_path, text.replace(";", "\t"), "tabs.tsv")
    assert summary_csv(tmp_path, tabs, "--sep", "tab")["frequency"].tolist() == [1]
    err = one_line_error(*run(capsys, path, "--encoding", "klingon")[::2])
    assert "`--encoding` is not a known text encoding: 'klingon'" in err
    err = one_line_error(*run(capsys, path, "--sep", ";;")[::2])
    assert "`--sep` must be one character, got ';;'" in err


def test_utf8_byte_order_mark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "\ufeffcustomer_id,timestamp,amount\n1,2024-01-01,1\n")
    assert run(capsys, path)[0] == 0


def test_amounts_that_are_not_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,2024-01-01,abc\n2,2024-01-01,NA\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`amount` has values that are not numbers (e.g. 'abc'): 1 rows" in err
    path = write(tmp_path, "customer_id,timestamp,amount\n1,2024-01-01,NA\n", "na.csv")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`amount` has missing values (NaN): 1 rows" in err


def test_errors_name_options_not_functions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "user,ts,amount\n1,2024-01-01,1\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert "Pass --customer-col NAME naming the column that holds it." in err
    err = one_line_error(*run(capsys, path, "--customer-col", "user")[::2])
    assert "Pass --time-col NAME" in err
    args = ["--customer-col", "user", "--time-col", "ts", "--observation-end"]
    err = one_line_error(*run(capsys, path, *args, "2023-01-01")[::2])
    assert "pass a later --observation-end" in err
    err = one_line_error(*run(capsys, path, *args, "soon")[::2])
    assert err.startswith("growthkit: error: `--observation-end` is not a timestamp")


def test_out_checked_before_the_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,2024-01-01,1\n")
    err = one_line_error(*run(capsys, path, "--out", str(path))[::2])
    assert "`--out` cannot write to" in err and "(it is a file)" in err
    err = one_line_error(*run(capsys, path, "--out", str(path / "sub"))[::2])
    assert f"({path} is a file)" in err
    # the work is not done: no headline printed
    rc, out, err = run(capsys, path, "--out", str(path))
    assert rc == 2 and out == ""


def test_values_in_another_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "customer_id,timestamp,amount\n1,2024-01-01,1\n3,13/02/2024,1\n")
    err = one_line_error(*run(capsys, path)[::2])
    assert (
        "`timestamp` has values that are not dates in the format of its first value "
        "('%Y-%m-%d'), e.g. '13/02/2024': 1 rows. Pass --time-format" in err
    )
    path = write(tmp_path, "customer_id,timestamp,amount\n1,yesterday,1\n", "y.csv")
    err = one_line_error(*run(capsys, path)[::2])
    assert "`timestamp` has values that are not dates (e.g. 'yesterday'): 1 rows." in err


def test_report_takes_the_same_input_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(
        f"{c:03d};{1_700_000_000 + 86_400 * (c + 7 * k)};{c + k}.5\n"
        for c in range(1, 40)
        for k in range(1 + c % 3)
    )
    path = write(tmp_path, "customer_id;timestamp;amount\n" + rows)
    out = tmp_path / "report"
    args = ["report", str(path), "--sep", ";", "--epoch", "s", "--out", str(out), "--no-charts"]
    assert main([*args, "--quiet"]) == 0
    capsys.readouterr()
    rfm = pd.read_csv(out / "rfm_customers.csv", dtype={"customer_id": str})
    assert rfm["customer_id"].str.len().eq(3).all()  # ids kept as text: 001, not 1
    rc = main(["report", str(path), "--sep", ";", "--out", str(out), "--quiet"])
    err = one_line_error(rc, capsys.readouterr().err)
    assert "Pass --epoch s" in err


def test_report_option_values_are_named_as_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["report", "--inactivity-days", "0", "--out", str(tmp_path), "--quiet"])
    err = one_line_error(rc, capsys.readouterr().err)
    assert err.startswith("growthkit: error: `--inactivity-days` must be an integer >= 1, got 0")
