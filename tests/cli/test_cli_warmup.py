"""``python -m growthkit warmup`` refuses a kernel cache it cannot trust or write (issue 20)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from growthkit._cli import main


def test_unwritable_cache_dir_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))
    assert main(["warmup"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"growthkit: error: `NUMBA_CACHE_DIR` cannot write to {blocker}/cache")
    assert "Set NUMBA_CACHE_DIR to a directory only you can write to." in err


def test_cache_dir_writable_by_others_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(shared))
    assert main(["warmup"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "`NUMBA_CACHE_DIR` is writable by other users" in err and "chmod go-w" in err
