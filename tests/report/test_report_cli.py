from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

import growthkit as gk
from growthkit._cli import main


@pytest.fixture()
def user_csv(tmp_path: Path) -> Path:
    tx = gk.datasets.simulate_transactions(300, seed=11, id_type="str")
    path = tmp_path / "orders.csv"
    tx.rename(columns={"customer_id": "user", "timestamp": "ts", "amount": "value"}).to_csv(
        path, index=False
    )
    return path


def test_report_on_user_csv(
    user_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["report", str(user_csv), "--customer-col", "user", "--time-col", "ts"]
    rc = main([*args, "--amount-col", "value", "--out", str(out), "--no-charts"])
    assert rc == 0
    captured = capsys.readouterr()
    assert f"wrote {out / 'report.html'}" in captured.out
    assert "[6/6] Customer lifetime value: done" in captured.err
    assert (out / "rfm_customers.csv").exists()
    assert "class='skipped'" not in (out / "report.html").read_text(encoding="utf-8")


def test_report_without_amount_column_runs_without_values(
    user_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["report", str(user_csv), "--customer-col", "user", "--time-col", "ts"]
    assert main([*args, "--out", str(out), "--no-charts"]) == 0
    assert "no `amount` column" in capsys.readouterr().err
    assert not (out / "rfm_customers.csv").exists()


def test_report_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.parquet"
    gk.datasets.simulate_transactions(200, seed=5).to_parquet(path)
    out = tmp_path / "out"
    assert main(["report", str(path), "--out", str(out), "--no-charts", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert (out / "clv_customers.csv").exists()


@pytest.mark.parametrize(
    ("content", "extra", "start"),
    [
        ("customer_id,timestamp,amount\n1,yesterday-ish,1.0\n", [], "`timestamp`"),
        ("customer_id,timestamp,amount\n1,2024-01-01,1.0\n", ["--amount-col", "nope"], "`nope`"),
        ("customer_id,timestamp,amount\n1,2024-01-01,-1.0\n", [], "`amount`"),
        ('a,b\n"1,2\n', [], "`"),
        ("", [], "`"),
    ],
)
def test_report_bad_file_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    extra: list[str],
    start: str,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(content)
    rc = main(["report", str(path), *extra, "--out", str(tmp_path / "out"), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"growthkit: error: {start}")
    assert not (tmp_path / "out" / "report.html").exists()


def test_report_missing_file_and_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "missing.csv")]) == 2
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("growthkit: error: `") and "does not exist" in err[0]
    assert "is a directory" in err[1]


def test_report_unwritable_out(
    user_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = ["report", str(user_csv), "--customer-col", "user", "--time-col", "ts"]
    rc = main([*args, "--out", str(blocker / "sub"), "--no-charts", "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write to" in err


def test_headline_mentions_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "2,357" in out and "python -m growthkit report" in out


def test_report_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    assert "--customer-col" in capsys.readouterr().out
