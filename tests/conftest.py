"""Shared fixtures: the seed files and their gold labels from samples/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from cli_helpers import run_cli

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


INDEXED_NEWS = (
    "Pakistan and the US are set to hold a new round of their defence dialogue in "
    "Washington next week.\nThe first round of the dialogue was held in Pakistan in "
    "January 2021, officials said on Monday.\n"
)


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/ with two files, indexed as train.idx without a settings file; eval.txt is a
    near-duplicate of data/a.txt."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text(INDEXED_NEWS)
    (tmp_path / "data" / "b.txt").write_text(
        "The city council approved the new budget on Tuesday after a long debate.\n"
    )
    (tmp_path / "eval.txt").write_text("Intro. " + INDEXED_NEWS)
    code, _, err = run_cli("index", "build", "data", "-o", "train.idx")
    assert code == 0, err
    return tmp_path


@pytest.fixture
def stages_shown(monkeypatch: pytest.MonkeyPatch) -> Callable[[ModuleType], list[str]]:
    """`stages_shown(module)`: the list that fills with every progress stage name a step
    shows, whether it sets a stage (`module.set_stage`) or counts one (`stage_count`)."""
    from dedup import progress

    def watch(module: ModuleType) -> list[str]:
        shown: list[str] = []
        real_count = progress.stage_count
        monkeypatch.setattr(module, "set_stage", shown.append)
        monkeypatch.setattr(
            progress, "stage_count", lambda name, *a: (shown.append(name), real_count(name, *a))
        )
        return shown

    return watch
