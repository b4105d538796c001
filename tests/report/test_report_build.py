from __future__ import annotations

import base64
import io
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit import report
from growthkit.report import SECTIONS, build_report

EXPECTED_CSV = {
    "data_quality",
    "growth_accounting",
    "cohort_counts",
    "cohort_retention",
    "rfm_segments",
    "rfm_customers",
    "survival_table",
    "early_warning",
    "early_warning_evaluation",
    "clv_parameters",
    "clv_customers",
}


def section_html(page: str, key: str) -> str:
    match = re.search(rf"<section id='{key}' class='(\w+)'>(.*?)</section>", page, re.S)
    assert match is not None, key
    return match.group(0)


def images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r"src='data:image/png;base64,([^']+)'", page)]


@pytest.fixture(scope="module")
def cdnow_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    tx = gk.datasets.load_cdnow()
    before = tx.copy()
    lines: list[str] = []
    path = build_report(
        tx, out_dir=tmp_path_factory.mktemp("cdnow"), source="CDNOW", progress=lines.append
    )
    pd.testing.assert_frame_equal(tx, before)  # input not mutated
    return path, path.read_text(encoding="utf-8"), lines


def test_every_section_runs_on_cdnow(cdnow_report: tuple[Path, str, list[str]]) -> None:
    path, page, lines = cdnow_report
    assert path.name == "report.html"
    for key, title in SECTIONS:
        html = section_html(page, key)
        assert "class='ok'" in html, html[:500]
        assert title in html
    # one line when a section starts and one when it ends
    assert len(lines) == 2 * len(SECTIONS)
    assert all(re.match(r"\[\d/6\] .+", line) for line in lines)


def test_tables_written_as_csv(cdnow_report: tuple[Path, str, list[str]]) -> None:
    path, _, _ = cdnow_report
    written = {p.stem for p in path.parent.glob("*.csv")}
    assert written == EXPECTED_CSV
    growth = pd.read_csv(path.parent / "growth_accounting.csv")
    assert len(growth) == 18  # CDNOW: January 1997 .. June 1998
    rfm = pd.read_csv(path.parent / "rfm_customers.csv")
    clv = pd.read_csv(path.parent / "clv_customers.csv")
    assert len(rfm) == len(clv) == 2357
    assert np.isfinite(clv["clv"]).all() and (clv["clv"] >= 0).all()
    alerts = pd.read_csv(path.parent / "early_warning.csv")
    # the early-warning list ranks exactly the customers not churned yet
    survival = pd.read_csv(path.parent / "survival_table.csv")
    assert len(alerts) == int((~survival["churned"]).sum())
    assert alerts["rank"].tolist() == list(range(1, len(alerts) + 1))


def test_headline_numbers(cdnow_report: tuple[Path, str, list[str]]) -> None:
    _, page, _ = cdnow_report
    quality = section_html(page, "data_quality")
    # Fader & Hardie's CDNOW sample: 6,919 orders by 2,357 customers
    assert "<td>6,919</td>" in quality and "<td>2,357</td>" in quality
    assert "<td>244,092</td>" in quality  # revenue 244,091.94


def test_self_contained(cdnow_report: tuple[Path, str, list[str]]) -> None:
    _, page, _ = cdnow_report
    assert "<script" not in page
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    pngs = images(page)
    assert len(pngs) >= 10
    import matplotlib.image as mpimg

    for png in pngs:
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert float(pixels[..., :3].std()) > 0.05  # not a blank canvas


def test_without_amounts_skips_rfm(tmp_path: Path) -> None:
    tx = gk.datasets.simulate_transactions(400, seed=2, id_type="str")
    path = build_report(tx, out_dir=tmp_path, amount_col=None, period="Q", charts=False)
    page = path.read_text(encoding="utf-8")
    rfm = section_html(page, "rfm")
    assert "class='skipped'" in rfm and "RFM needs an amount column" in rfm
    assert "class='ok'" in section_html(page, "clv")
    clv = pd.read_csv(tmp_path / "clv_customers.csv")
    assert "clv" not in clv.columns and "expected_purchases_90d" in clv.columns
    assert not (tmp_path / "rfm_customers.csv").exists()


def test_missing_module_skips_its_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "growthkit.churn", None)
    tx = gk.datasets.simulate_transactions(300, seed=4)
    page = build_report(tx, out_dir=tmp_path, charts=False).read_text(encoding="utf-8")
    churn = section_html(page, "churn")
    assert "class='skipped'" in churn
    assert "growthkit.churn is not available" in churn
    assert "class='ok'" in section_html(page, "cohorts")


def test_failing_section_does_not_sink_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(ctx: object, s: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setitem(report._STEPS, "cohorts", ("growthkit.cohort", boom))
    monkeypatch.setitem(report._STEPS, "churn", ("growthkit.churn", boom))
    monkeypatch.setitem(report._STEPS, "clv", ("growthkit.clv", boom))
    tx = gk.datasets.simulate_transactions(200, seed=1)
    page = build_report(tx, out_dir=tmp_path, charts=False).read_text(encoding="utf-8")
    assert "Failed (RuntimeError: kaboom)" in section_html(page, "cohorts")
    assert "class='ok'" in section_html(page, "growth")


def test_without_matplotlib_tables_remain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(report._STEPS, "churn", ("growthkit.churn", lambda c, s: None))
    monkeypatch.setitem(report._STEPS, "clv", ("growthkit.clv", lambda c, s: None))
    tx = gk.datasets.simulate_transactions(200, seed=3)
    page = build_report(tx, out_dir=tmp_path).read_text(encoding="utf-8")
    assert "<img" not in page
    assert "Charts need matplotlib" in section_html(page, "growth")
    assert (tmp_path / "growth_accounting.csv").exists()


def test_prepared_log_and_tz_aware_input(tmp_path: Path) -> None:
    tx = gk.datasets.simulate_transactions(300, seed=7)
    tx["timestamp"] = tx["timestamp"].dt.tz_localize("Europe/Berlin")
    log = gk.prepare_transactions(tx, amount_col="amount")
    page = build_report(log, out_dir=tmp_path, period="W", charts=False).read_text("utf-8")
    for key, _ in SECTIONS:
        assert "class='ok'" in section_html(page, key), key
    assert "<img" not in page


def test_bad_arguments(tmp_path: Path) -> None:
    tx = gk.datasets.simulate_transactions(50, seed=1)
    with pytest.raises(gk.SchemaError, match=r"`period`"):
        build_report(tx, out_dir=tmp_path, period="X")  # type: ignore[arg-type]
    with pytest.raises(gk.DataError, match=r"`inactivity_days`"):
        build_report(tx, out_dir=tmp_path, inactivity_days=0)
    with pytest.raises(gk.SchemaError, match=r"`user`"):
        build_report(tx, out_dir=tmp_path, customer_col="user")
    bad = tx.copy()
    bad.loc[3, "timestamp"] = pd.NaT
    with pytest.raises(gk.DataError, match=r"`timestamp`.*: 1 rows"):
        build_report(bad, out_dir=tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_tiny_logs_skip_sections_with_reasons(tmp_path: Path) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 1, 3, 2],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01", "2024-03-02"]
            ),
            "amount": [10.0, 5.0, 7.0, 0.0, 4.0],
        }
    )
    page = build_report(tx, out_dir=tmp_path, charts=False).read_text(encoding="utf-8")
    assert "Failed" not in page
    for key in ("data_quality", "growth", "cohorts", "rfm"):
        assert "class='ok'" in section_html(page, key), key
    # nobody has been silent for 90 days: nothing to fit, said in the section
    assert "no churned customers" in section_html(page, "churn")
    one = build_report(tx.head(1), out_dir=tmp_path / "one", charts=False)
    assert "fewer than two customers bought twice" in one.read_text(encoding="utf-8")
