"""The campaign section of the report (issue 18): build_report(campaign=...) and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from growthkit._cli import main
from growthkit.datasets import SimulatedCampaign, simulate_campaign
from growthkit.report import CAMPAIGN_TABLES, SECTIONS, build_report


@pytest.fixture(scope="module")
def sim() -> SimulatedCampaign:
    return simulate_campaign(3_000, seed=21)


def test_build_report_with_a_campaign(sim: SimulatedCampaign, tmp_path: Path) -> None:
    assignment = sim.assignment[["customer_id", "arm", "segment"]]
    path = build_report(
        sim.orders,
        out_dir=tmp_path,
        charts=False,
        campaign=assignment,
        send_date=sim.send_date,
        campaign_cost=1_000.0,
    )
    page = path.read_text(encoding="utf-8")
    assert "<section id='campaign' class='ok'>" in page
    assert "Campaign evaluation" in page and "return on investment" in page
    effects = pd.read_csv(tmp_path / "campaign_effects.csv", index_col=0)
    assert effects.index.tolist()[:3] == [
        "winback_rate",
        "orders_per_customer",
        "revenue_per_customer",
    ]
    segments = pd.read_csv(tmp_path / "campaign_segments.csv", index_col=0)
    assert segments.index.tolist() == ["at_risk", "lapsed", "loyal", "sleeping_dog"]
    # a later run without the campaign removes its tables and shows no campaign section
    path = build_report(sim.orders, out_dir=tmp_path, charts=False)
    assert "id='campaign'" not in path.read_text(encoding="utf-8")
    for name in CAMPAIGN_TABLES:
        assert not (tmp_path / f"{name}.csv").exists()
    assert "campaign" not in [key for key, _ in SECTIONS]


def test_bad_assignment_skips_only_the_campaign_section(
    sim: SimulatedCampaign, tmp_path: Path
) -> None:
    assignment = sim.assignment[["customer_id", "arm"]].assign(arm="treatment")
    path = build_report(
        sim.orders, out_dir=tmp_path, charts=False, campaign=assignment, send_date=sim.send_date
    )
    page = path.read_text(encoding="utf-8")
    assert "<section id='campaign' class='skipped'>" in page
    assert "has no &#x27;holdout&#x27; customer (an empty arm)" in page
    assert "<section id='growth' class='ok'>" in page  # the other sections run


def test_cli_report_with_a_campaign_file(
    sim: SimulatedCampaign, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = tmp_path / "orders.csv"
    sim.orders.assign(customer_id=sim.orders["customer_id"].map(lambda i: f"c{i}")).to_csv(
        orders, index=False
    )
    campaign = tmp_path / "campaign.csv"
    sim.assignment[["customer_id", "arm", "segment"]].assign(
        customer_id=lambda f: f["customer_id"].map(lambda i: f"c{i}"), send_date="2024-06-01"
    ).to_csv(campaign, index=False)
    out = tmp_path / "out"
    code = main(
        [
            "report",
            str(orders),
            "--campaign",
            str(campaign),
            "--campaign-cost",
            "500",
            "--out",
            str(out),
            "--no-charts",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert (out / "campaign_effects.csv").exists()
    assert "Campaign evaluation" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_campaign_on_the_bundled_sample_and_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import growthkit as gk

    tx = gk.datasets.load_cdnow()
    ids = tx["customer_id"].drop_duplicates()
    design = gk.campaigns.assign_holdout(ids, salt="cdnow", holdout_share=0.3)
    campaign = tmp_path / "campaign.csv"
    design.to_frame()[["arm"]].to_csv(campaign)
    out = tmp_path / "out"
    args = ["report", "--campaign", str(campaign), "--out", str(out), "--no-charts", "--quiet"]
    assert main([*args, "--send-date", "1997-10-01", "--campaign-window-days", "60"]) == 0
    effects = pd.read_csv(out / "campaign_effects.csv", index_col=0)
    assert "winback_rate" in effects.index
    assert main([*args, "--campaign-window-days", "0"]) == 2
    assert "--campaign-window-days" in capsys.readouterr().err
    assert main([*args[:2], str(tmp_path / "missing.csv"), *args[3:]]) == 2
    assert "missing.csv" in capsys.readouterr().err
