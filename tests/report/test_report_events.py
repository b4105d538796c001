"""The report's events section (growthkit.funnel), from the library and from the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import growthkit as gk
from growthkit._cli import main
from growthkit.report import EVENTS_TABLES, build_report

STEPS = list(gk.datasets.EVENT_STEPS)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return gk.datasets.simulate_events(800, seed=3)


def _section(page: str) -> tuple[str, str]:
    match = re.search(r"<section id='events' class='(\w+)'>(.*?)</section>", page, re.S)
    assert match is not None
    return match.group(1), match.group(2)


def test_events_section_and_tables(tmp_path: Path, events: pd.DataFrame) -> None:
    before = events.copy()
    path = build_report(
        gk.datasets.load_cdnow(),
        out_dir=tmp_path,
        charts=False,
        events=events,
        funnel_steps=STEPS,
    )
    state, html = _section(path.read_text(encoding="utf-8"))
    assert state == "ok" and "Funnel" in html
    for name in EVENTS_TABLES:
        assert (tmp_path / f"{name}.csv").is_file()
    funnel = pd.read_csv(tmp_path / "funnel.csv")
    expected = gk.funnel.funnel(events, steps=STEPS, window="30D").to_frame()
    assert funnel["users"].tolist() == expected["users"].tolist()
    pd.testing.assert_frame_equal(events, before)


def test_a_later_run_without_events_removes_their_tables(
    tmp_path: Path, events: pd.DataFrame
) -> None:
    tx = gk.datasets.load_cdnow()
    build_report(tx, out_dir=tmp_path, charts=False, events=events, funnel_steps=STEPS)
    page = build_report(tx, out_dir=tmp_path, charts=False).read_text(encoding="utf-8")
    assert "<section id='events'" not in page
    assert not any((tmp_path / f"{name}.csv").exists() for name in EVENTS_TABLES)


def test_cli_events(
    tmp_path: Path, events: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "events.csv"
    events.to_csv(csv, index=False)
    out = tmp_path / "out"
    argv = ["report", "--out", str(out), "--no-charts", "--quiet", "--events", str(csv)]
    assert main([*argv, "--funnel-steps", ",".join(STEPS)]) == 0
    funnel = pd.read_csv(out / "funnel.csv")
    assert funnel["step"].tolist() == STEPS
    assert main(["report", "--out", str(out), "--quiet", "--events", str(tmp_path / "no.csv")])
    err = capsys.readouterr().err.strip()
    assert err.startswith("growthkit: error: ") and err.endswith("(--events)")
    assert len(err.splitlines()) == 1
