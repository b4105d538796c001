from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit._cli import main


def test_import_is_lazy() -> None:
    code = (
        "import sys, growthkit; "
        "heavy = [m for m in ('pandas', 'numba', 'scipy', 'lifelines') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve() -> None:
    for name in gk.__all__:
        assert getattr(gk, name) is not None
    assert "customer_summary" in dir(gk)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gk.nope  # noqa: B018


def test_py_typed_shipped() -> None:
    assert (Path(gk.__file__).parent / "py.typed").exists()


def test_load_cdnow(cdnow: pd.DataFrame) -> None:
    assert len(cdnow) == 6919
    assert cdnow["customer_id"].nunique() == 2357
    assert cdnow["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["timestamp"].max() == pd.Timestamp("1998-06-30")
    # total revenue of the sample, summed from the published file
    assert round(cdnow["amount"].sum(), 2) == 244091.94


def test_simulate_is_deterministic_and_sized() -> None:
    a = gk.datasets.simulate_transactions(2000, seed=5)
    b = gk.datasets.simulate_transactions(2000, seed=5)
    c = gk.datasets.simulate_transactions(2000, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert 1.5 < len(a) / 2000 < 5
    assert a["timestamp"].is_monotonic_increasing
    assert (a["amount"] > 0).all()
    assert a["customer_id"].nunique() == 2000
    s = gk.datasets.simulate_transactions(50, seed=1, id_type="str")
    assert s["customer_id"].str.match(r"C\d{7}").all()
    k = gk.datasets.simulate_transactions(50, seed=1, id_type="category")
    assert isinstance(k["customer_id"].dtype, pd.CategoricalDtype)
    np.testing.assert_array_equal(s["timestamp"], k["timestamp"])


def test_simulate_bad_arguments() -> None:
    with pytest.raises(gk.DataError, match=r"`n_customers` must be at least 1"):
        gk.datasets.simulate_transactions(0)
    with pytest.raises(gk.DataError, match=r"`r` must be a positive finite number"):
        gk.datasets.simulate_transactions(10, r=-1.0)
    with pytest.raises(gk.DataError, match=r"`end` must be after `start`"):
        gk.datasets.simulate_transactions(10, start="2024-01-01", end="2023-01-01")


def test_simulated_repeat_rate_follows_bgnbd() -> None:
    # Fader, Hardie & Lee (2005), eq. 9: E[X(t)] of a BG/NBD customer observed for t weeks.
    from scipy.special import hyp2f1

    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    t = 52.0
    tx = gk.datasets.simulate_transactions(
        20_000, start="2020-01-01", end="2020-12-30", acquisition_end="2020-01-01 00:00:01", seed=3
    )
    s = gk.customer_summary(tx, period="W", observation_end="2020-12-30")
    expected = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    # 5 %: Monte-Carlo error plus same-day purchases merged by the summary
    assert abs(s["frequency"].mean() - expected) < 0.05 * expected


def test_cli_bundled(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "2,357" in out and "6,919" in out


def test_cli_user_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    pd.DataFrame(
        {
            "user": ["a", "b", "a"],
            "ts": ["2024-01-01", "2024-01-03", "2024-02-01"],
            "value": [1, 2, 3],
        }
    ).to_csv(path, index=False)
    rc = main(
        [
            str(path),
            "--customer-col",
            "user",
            "--time-col",
            "ts",
            "--amount-col",
            "value",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 0
    assert (tmp_path / "out" / "summary.csv").exists()
    assert "customers                         2" in capsys.readouterr().out


def test_cli_bad_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    pd.DataFrame({"customer_id": [1], "timestamp": ["yesterday-ish"], "amount": [1.0]}).to_csv(
        path, index=False
    )
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("growthkit: error: `timestamp`")
    assert main([str(tmp_path / "missing.csv")]) == 2
    assert main([str(path), "--amount-col", "nope"]) == 2
