"""The one atomic writer: all or nothing, no temporary file left behind, normal permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dedup.io.atomic import atomic_path, open_atomic, write_atomic
from dedup.io.compression import open_write_atomic
from dedup.io.writers import write_jsonl


class Boom(Exception):
    """Raised halfway through a write."""


def _write_then_fail(opener, path: Path) -> None:
    with opener(path) as fh:
        fh.write(b"new contents, half written" * 4096)
        raise Boom


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_that_raises_midway_leaves_the_old_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old contents\n")
    before = target.read_bytes()
    with pytest.raises(Boom):
        _write_then_fail(open_atomic, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.csv.zst"])
def test_compressed_write_that_raises_leaves_nothing_behind(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    with pytest.raises(Boom):
        _write_then_fail(open_write_atomic, target)
    assert list(tmp_path.iterdir()) == []


def test_failing_record_stream_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "rejects.jsonl"
    write_jsonl(target, [{"id": 1}])
    before = target.read_bytes()

    def records():
        yield {"id": 2}
        raise Boom

    with pytest.raises(Boom):
        write_jsonl(target, records())
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["rejects.jsonl"]


def test_block_that_raises_removes_a_file_it_created(tmp_path: Path) -> None:
    def build(path: Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_bytes(b"half an index")
            raise Boom

    with pytest.raises(Boom):
        build(tmp_path / "train.idx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize(
    "write",
    [
        lambda p: write_atomic(p, "text"),
        lambda p: write_jsonl(p, [{"a": 1}]),
        lambda p: _gzip(p),
    ],
    ids=["text", "jsonl", "gzip"],
)
def test_new_file_gets_normal_permissions(tmp_path: Path, write) -> None:
    target = tmp_path / "new.jsonl.gz"
    write(target)
    assert _mode(target) == 0o644  # what open() gives under umask 022, not mkstemp's 0o600


def _gzip(path: Path) -> None:
    with open_write_atomic(path) as fh:
        fh.write(b"x")


def test_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.txt") == 0o640


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.json"
    target.write_text("old")
    target.chmod(0o664)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o664
