"""The one atomic writer: all or nothing, no temporary file left behind, normal permissions.

mutmut skips the `@contextmanager` functions, so these one-line bugs were planted by hand
and each fails a test here: the temporary file renamed over the target on an error
(`os.replace` in the `except` of `atomic_path`); `open_atomic`, `open_write_atomic` or
`write_like` opening the target itself; `write_jsonl` writing the target in place.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dedup.document import Document
from dedup.io.atomic import atomic_path, is_stream, open_atomic, write_atomic
from dedup.io.compression import open_write_atomic
from dedup.io.formats import detect_format
from dedup.io.writers import write_jsonl, write_like


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


# --- A writer killed mid-write, and writes that replace rather than overwrite ------------

_TEMP = re.compile(r"\.report\.json\.[0-9a-f]{12}\.tmp")

# The child writes half the new contents, says so, and waits to be killed (-9: no cleanup).
_KILLED_WRITER = """
import sys, time
from dedup.io.atomic import open_atomic
from dedup.io.writers import write_like
from dedup.io.formats import detect_format
from dedup.document import Document

def docs():
    yield Document("a", "new " * 50000)
    print("ready", flush=True)
    time.sleep(60)
    yield Document("b", "never written")

if sys.argv[2] == "open_atomic":
    with open_atomic(sys.argv[1]) as fh:
        fh.write(b"new contents, half written" * 40000)
        fh.flush()
        print("ready", flush=True)
        time.sleep(60)
else:
    write_like(sys.argv[1], docs(), detect_format(sys.argv[1] + ".jsonl"))
"""


@pytest.mark.parametrize("writer", ["open_atomic", "write_like"])
def test_writer_killed_midway_leaves_the_old_target_and_only_its_hidden_temp(
    tmp_path: Path, writer: str
) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old contents\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target), writer],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline() == b"ready\n"
        # While the write is under way, readers of the target still see the old file.
        assert target.read_bytes() == b"old contents\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert target.read_bytes() == b"old contents\n"
    # Nothing could clean up after -9; what is left is the writer's own hidden temporary
    # file (which the next `clean` into this directory deletes), never a partial target.
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p != target)
    assert len(leftovers) == 1
    assert _TEMP.fullmatch(leftovers[0])
    write_atomic(target, "next run")
    assert target.read_text() == "next run"


def _write_like(fmt_name: str):
    def write(path: Path) -> None:
        write_like(path, [Document("a", "new text", meta={"id": 1})], detect_format(fmt_name))

    return write


@pytest.mark.parametrize(
    "write",
    [
        lambda p: write_atomic(p, "new text"),
        lambda p: write_jsonl(p, [{"text": "new text"}]),
        _write_like("x.jsonl"),
        _write_like("x.txt"),
        _write_like("x.csv"),
        _write_like("x.jsonl.gz"),
        _gzip,
    ],
    ids=["text", "jsonl", "like-jsonl", "like-text", "like-csv", "like-gzip", "open-gzip"],
)
def test_write_replaces_the_file_instead_of_overwriting_it(tmp_path: Path, write) -> None:
    # A reader that opened the old file before the write reads the old file to its end:
    # the new contents went to a new inode, renamed over the name. An in-place write
    # would truncate what that reader sees.
    target = tmp_path / "out"
    target.write_bytes(b"old contents\n" * 1000)
    with target.open("rb") as reader:
        write(target)
        assert reader.read() == b"old contents\n" * 1000
    assert target.read_bytes() != b"old contents\n" * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_temp_file_that_cannot_be_removed_does_not_hide_the_error(
    tmp_path: Path, monkeypatch
) -> None:
    # A read-only directory (which root ignores, so simulated): the caller still sees Boom.
    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(Boom):
        _write_then_fail(open_atomic, tmp_path / "report.json")


def test_a_fifo_target_is_written_through_not_replaced(tmp_path: Path) -> None:
    # `dedup scan corpus/ -o pipe` into another process: the FIFO stays a FIFO and the
    # reader gets the bytes (a rename made it a regular file, and the reader waited forever).
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "report\n")
    reader.join(timeout=10)
    assert got == [b"report\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_symlink_target_keeps_its_link_and_replaces_the_file_it_names(tmp_path: Path) -> None:
    # ci/report.json -> ../shared/report.json: the link stays, the file it names is replaced.
    real = tmp_path / "shared" / "report.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


@pytest.mark.parametrize("name", ["/dev/null", "/dev/stdout", "/proc/self/fd/1", "/dev/fd/2"])
def test_device_paths_are_streams(name: str) -> None:
    # `-o /dev/null` as root (a CI container) renamed a regular file over the machine's
    # /dev/null; devices and open descriptors are written in place, never replaced.
    assert is_stream(name)
    assert not is_stream("report.json")
    assert not is_stream("/dev/shm/report.json")  # a tmpfs file: replaced atomically
