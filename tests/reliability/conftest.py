"""The battery's fixtures, and its totals written out for benchmarks/reliability_battery.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite("reliability.battery")

from reliability.battery import write_totals  # noqa: E402

TOTALS_ENV = "DEDUP_BATTERY_TOTALS"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory: no settings file above it applies."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get(TOTALS_ENV)
    if path:
        write_totals(path)
