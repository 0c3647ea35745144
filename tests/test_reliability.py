"""Hostile input through every command: never a traceback, never an input touched, nothing lost.

A corpus of bad records and damaged files is generated here; each command runs on each
input through the CLI and must end with exit 0 (bad records skipped and counted) or 2 (one
line on stderr that says what to do), and leave every input byte-identical. A hypothesis
property throws random bytes at the readers.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import lzma
from pathlib import Path

import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.errors import DedupError
from dedup.io.readers import DocumentReader

GOOD = "The council met on Monday to review the draft budget for the coming year."


def _hostile(root: Path) -> dict[str, Path]:
    """One file per kind of trouble, each with good records beside the bad ones."""
    lines = [
        json.dumps({"text": GOOD}),
        "not json",
        json.dumps({"text": None}),
        json.dumps({"body": "no text field"}),
        json.dumps({"text": 7}),
        '{"text": "lone \\ud800 surrogate"}',
        json.dumps({"text": "A second, different story about the river and the bridge."}),
    ]
    jsonl = "\n".join(lines) + "\n"
    files = {
        "mixed.jsonl": jsonl.encode(),
        "bad-bytes.jsonl": jsonl.encode() + b'{"text": "\xff\xfe"}\n',
        "truncated.jsonl.gz": gzip.compress(jsonl.encode())[:-12],
        "truncated.jsonl.xz": lzma.compress(jsonl.encode())[:-12],
        "fine.jsonl.bz2": bz2.compress(jsonl.encode()),
        "cp1252.txt": ("Café – " + GOOD).encode("cp1252"),
        "empty.jsonl": b"",
        "binary.txt": bytes(range(256)),
        "quote.csv": b'id,text\n1,"never closed\n2,next\n',
        "ragged.csv": b"id,text\n1,one\n2\n3,three,extra\n",
        "not.parquet": b"PAR1 but nothing else",
    }
    out = {}
    for name, data in files.items():
        (root / name).write_bytes(data)
        out[name] = root / name
    return out


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


COMMANDS = [
    ("scan", "{path}", "-q"),
    ("check", "{path}"),
    ("clean", "{path}", "-o", "{out}", "-q"),
    ("index", "build", "{path}", "-o", "{out}.idx"),
]


@pytest.mark.parametrize(
    "command", COMMANDS, ids=[c[0] if c[0] != "index" else "index" for c in COMMANDS]
)
def test_every_command_on_every_hostile_input_is_exit_0_or_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = _hostile(tmp_path)
    before = _digest(list(inputs.values()))
    for k, path in enumerate(inputs.values()):
        args = [a.format(path=path, out=tmp_path / f"out{k}") for a in command]
        code, _, err = run_cli(*args)
        assert "Traceback" not in err, (args, err)
        if code == 2:
            errors = [line for line in err.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1, (args, err)
        else:
            assert code in (0, 1), (args, code, err)
    assert _digest(list(inputs.values())) == before  # no input touched


def test_clean_loses_no_record_of_a_mixed_file(tmp_path: Path) -> None:
    inputs = _hostile(tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli("clean", str(inputs["mixed.jsonl"]), "-o", str(out), "-q")
    assert code == 0, err
    written = (out / "mixed.jsonl").read_text().splitlines()
    rejects = (out / "rejects.jsonl").read_text().splitlines()
    assert len(written) + len(rejects) == 7  # every record read is written or rejected
    assert len(written) == 2


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400),
    name=st.sampled_from(["a.jsonl", "a.txt", "a.csv", "a.jsonl.gz", "a.parquet", "a.csv.xz"]),
)
def test_readers_either_read_or_say_why(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    reader = DocumentReader()
    try:
        docs = list(reader.read([str(path)]))
    except DedupError as ex:
        message = str(ex)
    else:
        for doc in docs:
            doc.text.encode("utf-8")  # every text read can be written back
        return
    assert "\n" not in message  # one line, for stderr


def test_a_clean_killed_midway_then_rerun_gives_the_same_bytes(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    rows = (
        json.dumps({"text": f"Story {i} about topic {i % 50}: the council met again. " * 6})
        for i in range(4000)
    )
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(rows) + "\n")
    dedup = [sys.executable, "-m", "dedup", "clean", str(corpus), "-q", "--jobs", "2", "--resume"]
    subprocess.run([*dedup, "-o", str(tmp_path / "whole")], check=True)
    run = subprocess.Popen([*dedup, "-o", str(tmp_path / "again")], start_new_session=True)
    time.sleep(1.0)
    os.killpg(run.pid, signal.SIGKILL)  # the run and any worker it started
    run.wait()
    subprocess.run([*dedup, "-o", str(tmp_path / "again")], check=True)

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "again") == tree(tmp_path / "whole")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=300),
    name=st.sampled_from(["a.jsonl", "a.txt", "a.csv", "a.parquet", "a.jsonl.zst", "a.json"]),
    command=st.sampled_from(["scan", "check"]),
)
def test_the_cli_on_random_bytes_never_shows_a_traceback(
    tmp_path: Path, data: bytes, name: str, command: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = run_cli(command, str(path), "--no-passages", "--allow-empty")
    assert "Traceback" not in err
    assert code in (0, 1, 2), err
    if code == 2:
        assert len([line for line in err.splitlines() if line.startswith("Error:")]) == 1
