"""The report's files on disk: no stale tables, no followed links, no formulas (issues 17, 20)."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import growthkit as gk
from growthkit._cli import main
from growthkit._output import neutralise
from growthkit.report import TABLES, build_report


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return gk.datasets.simulate_transactions(150, seed=3, id_type="str")


def headers(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def test_rerun_removes_tables_this_run_does_not_write(tx: pd.DataFrame, tmp_path: Path) -> None:
    build_report(tx, out_dir=tmp_path, charts=False)
    assert (tmp_path / "rfm_customers.csv").exists()
    (tmp_path / "notes.csv").write_text("mine")
    build_report(tx, out_dir=tmp_path, amount_col=None, charts=False)
    written = {p.stem for p in tmp_path.glob("*.csv")}
    assert "rfm_customers" not in written and "rfm_segments" not in written
    assert written == (set(TABLES) - {"rfm_customers", "rfm_segments"}) | {"notes"}
    assert (tmp_path / "notes.csv").read_text() == "mine"  # not ours: kept


@pytest.mark.parametrize("name", ["clv", "frequency", "segment", "duration", "T", "r"])
def test_customer_column_named_like_an_output_column(
    tx: pd.DataFrame, tmp_path: Path, name: str
) -> None:
    path = build_report(
        tx.rename(columns={"customer_id": name}), out_dir=tmp_path, customer_col=name, charts=False
    )
    page = path.read_text(encoding="utf-8")
    assert "class='skipped'" not in page and "Failed (" not in page
    for table in TABLES:
        row = headers(tmp_path / f"{table}.csv")
        assert len(row) == len(set(row)), (table, row)
    clv = pd.read_csv(tmp_path / "clv_customers.csv", index_col=0)
    assert clv["clv"].is_monotonic_decreasing


def test_links_inside_out_are_replaced_not_followed(tx: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victims = {name: tmp_path / f"victim-{name}" for name in ("report.html", "early_warning.csv")}
    for name, target in victims.items():
        target.write_text("precious")
        (out / name).symlink_to(target)
    build_report(tx, out_dir=out, charts=False)
    for name, target in victims.items():
        assert target.read_text() == "precious"
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 100


def test_out_dir_checked_before_the_work(tx: pd.DataFrame, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    said: list[str] = []
    with pytest.raises(gk.DataError, match=r"`out_dir` cannot write to .*\(it is a file\): 0 rows"):
        build_report(tx, out_dir=blocker, progress=said.append)
    assert said == []


def test_csv_cells_cannot_start_formulas(tx: pd.DataFrame, tmp_path: Path) -> None:
    evil = ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-5", "ok"]
    ids = tx["customer_id"].astype(str)
    codes = pd.Series(pd.factorize(ids)[0], index=tx.index)
    tx = tx.assign(
        customer_id=[evil[c] if c < len(evil) else s for c, s in zip(codes, ids, strict=True)]
    )
    build_report(tx, out_dir=tmp_path, charts=False)
    rfm = pd.read_csv(tmp_path / "rfm_customers.csv", dtype=str, keep_default_na=False)
    ids_out = set(rfm["customer_id"])
    for bad in evil[:6]:
        assert bad not in ids_out and "'" + bad in ids_out
    assert {"-5", "ok"} <= ids_out  # a plain number stays a number
    summary = pd.read_csv(tmp_path / "clv_customers.csv")
    assert (summary["frequency"] >= 0).all()  # numeric columns are still numbers


def test_cli_summary_csv_is_neutralised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,timestamp,amount\n=1+2,2024-01-01,1\n@a,2024-01-02,2\n")
    assert main([str(path), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    text = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    assert "'=1+2," in text and "'@a," in text


def test_neutralise_keeps_numbers_and_input() -> None:
    frame = pd.DataFrame(
        {"text": ["=x", "-1.5", "1,234", "+x"], "num": [-1.0, 2.0, 3.0, 4.0]},
        index=pd.Index(["@i", "a", "b", "c"], name="=n"),
    )
    before = frame.copy()
    safe = neutralise(frame)
    assert safe["text"].tolist() == ["'=x", "-1.5", "1,234", "'+x"]
    assert safe["num"].tolist() == [-1.0, 2.0, 3.0, 4.0]
    assert safe.index.tolist()[0] == "'@i" and safe.index.name == "'=n"
    pd.testing.assert_frame_equal(frame, before)
