"""The shipped .pre-commit-hooks.yaml, run by real pre-commit on a temporary git repository.

The hook repository is a git copy of this project (manifest, pyproject.toml, README.md and the
package) committed once per session. A dataset repository names it, at that commit, in its
.pre-commit-config.yaml as a user's would; pre-commit installs the hook environment once
(into a session-wide PRE_COMMIT_HOME; `try-repo` would reinstall it on every run) and runs
the hooks on `git commit` and `pre-commit run`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
NEWS = (
    "Pakistan and the US are set to hold a new round of their defence dialogue in "
    "Washington next week.\nThe first round of the dialogue was held in Pakistan in "
    "January 2021, officials said on Monday. The delegation will be led by the chief "
    "of general staff and will meet officials of the department of defense.\n"
)
OTHER = (
    "The city council approved the new budget on Tuesday after a long debate about "
    "schools, roads and the harbour. Residents will see the first changes in spring.\n"
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _git_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    _git(path, "init", "-q")
    _git(path, "config", "user.email", "test@example.com")
    _git(path, "config", "user.name", "test")
    _git(path, "config", "commit.gpgsign", "false")
    return path


def _commit_all(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project as a committed git repository pre-commit can install hooks from."""
    repo = _git_repo(tmp_path_factory.mktemp("hooks") / "dedup")
    for name in (".pre-commit-hooks.yaml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "dedup", repo / "dedup", ignore=shutil.ignore_patterns("__pycache__"))
    _commit_all(repo)
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook_repo: Path, pre_commit_home: Path
) -> Path:
    """A dataset repository using the dataset hook: data/a.txt committed, [tool.dedup]
    naming the data, pre-commit installed as its git hook."""
    repo = _git_repo(tmp_path / "dataset")
    (repo / "data").mkdir()
    (repo / "data" / "a.txt").write_text(NEWS)
    (repo / "pyproject.toml").write_text('[tool.dedup]\npaths = ["data"]\n')
    rev = subprocess.run(
        ["git", "-C", str(hook_repo), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: dedup-check\n"
    )
    _commit_all(repo)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    assert _run(repo, *PRE_COMMIT, "install")[0] == 0
    return repo


def _run(repo: Path, *command: str) -> tuple[int, str]:
    run = subprocess.run(
        command, cwd=repo, env=os.environ, capture_output=True, text=True, timeout=600
    )
    return run.returncode, run.stdout + run.stderr


def _hook(repo: Path, hook: str) -> tuple[int, str]:
    """`pre-commit run HOOK` on the staged files, as a commit would run it."""
    return _run(repo, *PRE_COMMIT, "run", hook)


def test_the_manifest_loads_and_declares_both_hooks(hook_repo: Path) -> None:
    run = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(hook_repo / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: dedup-check\n" in text
    assert "- id: dedup-check-staged\n" in text


def test_dataset_hook_fails_on_a_new_near_copy_of_an_unchanged_file(dataset: Path) -> None:
    (dataset / "data" / "c.txt").write_text(OTHER)
    _git(dataset, "add", "data/c.txt")
    code, out = _run(dataset, "git", "commit", "-m", "a new distinct file")
    assert code == 0, out
    assert "dedup check (the dataset in [tool.dedup] paths)" in out
    assert "Passed" in out

    (dataset / "data" / "b.txt").write_text(NEWS.replace("Monday", "Tuesday"))
    _git(dataset, "add", "data/b.txt")
    code, out = _run(dataset, "git", "commit", "-m", "a near-copy of data/a.txt")
    assert code == 1, out
    assert "- hook id: dedup-check\n" in out
    # Measured over the whole dataset (3 documents), not over the one staged file.
    assert "FAIL: 3 documents" in out
    assert "FAIL max-duplicate-ratio 0.3333 > 0" in out
    assert "data/b.txt is a near-duplicate of data/a.txt" in out


def test_staged_hook_checks_staged_files_against_the_index(dataset: Path) -> None:
    config = dataset / ".pre-commit-config.yaml"
    config.write_text(
        config.read_text().replace("dedup-check\n", "dedup-check-staged\n        files: ^data/\n")
    )
    _git(dataset, "commit", "-q", "--no-verify", "-m", "the staged hook", config.name)
    code, out = _hook(dataset, "dedup-check-staged")
    # Nothing staged: pre-commit skips the hook.
    assert code == 0, out

    (dataset / "data" / "b.txt").write_text(NEWS.replace("Monday", "Tuesday"))
    _git(dataset, "add", "data/b.txt")
    code, out = _hook(dataset, "dedup-check-staged")
    assert code == 1, out
    assert "exit code: 2" in out
    assert "--require-index: no index to check against" in out

    with (dataset / "pyproject.toml").open("a") as fh:
        fh.write('against = "ci/data.idx"\n')
    _git(dataset, "commit", "-q", "-m", "index", "pyproject.toml")
    assert run_cli("index", "build", "data/a.txt", "-o", "ci/data.idx")[0] == 0
    code, out = _hook(dataset, "dedup-check-staged")
    assert code == 1, out
    assert "near-duplicate of indexed document data/a.txt" in out

    # An edited version of an indexed file is that document, not a copy of it.
    _git(dataset, "rm", "-q", "--cached", "data/b.txt")
    (dataset / "data" / "a.txt").write_text(NEWS.replace("Monday", "Friday"))
    _git(dataset, "add", "data/a.txt")
    code, out = _hook(dataset, "dedup-check-staged")
    assert code == 0, out
