"""Runs that are killed or that race, in real processes: item 9 (two concurrent `index add`)
and item 17 (kill -9 of `clean`: its workers die with it, and a rerun writes the bytes an
uninterrupted run writes)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from reliability.battery import finished, run, started


def _corpus(path: Path, count: int, tag: str = "Story") -> Path:
    rows = (
        json.dumps({"text": f"{tag} {i} about topic {i % 50}: the council met again. " * 6})
        for i in range(count)
    )
    path.write_text("\n".join(rows) + "\n")
    return path


def test_item_09_two_concurrent_index_adds_both_land(tmp_path: Path) -> None:
    index = tmp_path / "x.idx"
    first = _corpus(tmp_path / "p0.jsonl", 1500, "Part 0 note")
    assert finished(started("index", "build", first, "-o", index, inputs=[first])).code == 0
    parts = [_corpus(tmp_path / f"p{k}.jsonl", 1500, f"Part {k} note") for k in (1, 2)]
    runs = [started("index", "add", index, part, inputs=[part]) for part in parts]
    outcomes = [finished(r) for r in runs]
    assert [o.code for o in outcomes] == [0, 0], [o.err for o in outcomes]
    assert "4,500 in" in run("index", "remove", index, "none", codes=(0,)).err


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_item_17_a_clean_killed_midway_then_rerun_gives_the_same_bytes(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c.jsonl", 4000)
    clean = ("clean", corpus, "-q", "--jobs", "2", "--resume", "-o")
    assert finished(started(*clean, tmp_path / "whole", inputs=[corpus])).code == 0
    killed = started(*clean, tmp_path / "again", new_session=True)
    time.sleep(1.0)
    os.killpg(killed.process.pid, signal.SIGKILL)  # the run and any worker it started
    killed.process.wait()
    assert finished(started(*clean, tmp_path / "again", inputs=[corpus])).code == 0
    assert _tree(tmp_path / "again") == _tree(tmp_path / "whole")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_item_17_workers_die_with_their_parent(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c.jsonl", 6000)
    parent = started("clean", corpus, "-q", "--jobs", "2", "-o", tmp_path / "out")
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while not workers and parent.process.poll() is None and time.monotonic() < deadline:
        workers = _children(parent.process.pid)
        time.sleep(0.02)
    if not workers:
        pytest.fail("the run started no worker processes to watch")
    os.kill(parent.process.pid, signal.SIGKILL)  # the parent alone, not its group
    parent.process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [w for w in workers if _alive(w)]
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    assert not orphans, f"workers {orphans} outlived their killed parent"
