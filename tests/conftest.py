"""Shared fixtures: the seed files and their gold labels from samples/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_paths(expected) -> dict[str, Path]:
    return {key: SAMPLES / name for key, name in expected["documents"].items()}


@pytest.fixture(scope="session")
def seed_texts(seed_paths) -> dict[str, str]:
    return {key: path.read_text(encoding="utf-8") for key, path in seed_paths.items()}
