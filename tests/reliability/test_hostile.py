"""A corpus of bad records and damaged files, made here, through every command that reads.

Each run must end in exit 0 (bad records skipped and named) or 2 (one line on stderr that
says what to do), never a traceback, and leave every input byte-identical; each `clean`
that succeeds must write or reject every record it read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from pathlib import Path

import pytest

from reliability.battery import accounted, fails, run

GOOD = "The council met on Monday to review the draft budget for the coming year."
RIVER = "A second, different story about the river and the bridge."
DEEP = 100_000  # levels of JSON nesting: deeper than Python's stack


def _records() -> list[str]:
    return [
        json.dumps({"text": GOOD}),
        "not json",
        json.dumps({"text": None}),
        json.dumps({"body": "no text field"}),
        json.dumps({"text": 7}),
        '{"text": "lone \\ud800 surrogate"}',
        "[1, 2]",
        '{"text": "deep", "x": ' + "[" * DEEP + "]" * DEEP + "}",
        '{"text": "a long number", "n": ' + "1" * 5000 + "}",
        json.dumps({"text": "a NUL \u0000 inside a record"}),
        json.dumps({"text": RIVER}),
    ]


def _parquet(texts: list[bytes]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    column = pa.array(texts, type=pa.binary()).view(pa.string())
    pq.write_table(pa.table({"text": column}), buf)
    return buf.getvalue()


def _hostile() -> dict[str, tuple[bytes, int]]:
    """name -> (bytes, records a reader sees when it can read the file at all)."""
    import zstandard

    records = _records()
    jsonl = ("\n".join(records) + "\n").encode()
    n = len(records)
    parquet = _parquet([GOOD.encode(), b"bad \xff bytes", RIVER.encode()])
    return {
        "mixed.jsonl": (jsonl, n),
        "bad-bytes.jsonl": (jsonl + b'{"text": "\xff\xfe"}\n', n + 1),
        "crlf-bom.jsonl": (b"\xef\xbb\xbf" + jsonl.replace(b"\n", b"\r\n"), n),
        "truncated.jsonl.gz": (gzip.compress(jsonl)[:-12], 0),
        "truncated.jsonl.xz": (lzma.compress(jsonl)[:-12], 0),
        "truncated.jsonl.zst": (zstandard.ZstdCompressor().compress(jsonl)[:-12], 0),
        "fine.jsonl.bz2": (bz2.compress(jsonl), n),
        "plain-named.jsonl.gz": (jsonl, 0),
        "lines.json": (jsonl, n),
        "deep.json": (records[7].encode(), 1),
        "cp1252.txt": (("Café – " + GOOD).encode("cp1252"), 1),
        "bom.txt": (b"\xef\xbb\xbf" + GOOD.encode(), 1),
        "whitespace.txt": (b" \n\t\n", 1),
        "empty.jsonl": (b"", 0),
        "binary.txt": (bytes(range(256)), 1),
        "quote.csv": (b'id,text\n1,"never closed\n2,next\n', 0),
        "stray-quote.csv": (f'id,text\n1,"{GOOD}\n2,"{RIVER}"\n3,third\n'.encode(), 2),
        "ragged.csv": (b"id,text\n1,one\n2\n3,three,extra\n", 3),
        "twice.csv": (b"text,id,text\none,1,two\n", 0),
        "long-number.csv": (b"id,text\n" + b"1" * 5000 + b",a row with a long id\n", 1),
        "not.parquet": (b"PAR1 but nothing else", 0),
        "bad-utf8.parquet": (parquet, 3),
        "cut.parquet": (parquet[: len(parquet) // 2], 0),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    root = tmp_path_factory.mktemp("hostile")
    out = {}
    for name, (data, records) in _hostile().items():
        (root / name).write_bytes(data)
        out[name] = (root / name, records)
    return out


COMMANDS = {
    "scan": ("scan", "{path}", "-q", "--no-passages"),
    "check": ("check", "{path}", "--format", "json"),
    "clean": ("clean", "{path}", "-o", "{out}", "-q", "--no-passages"),
    "index-build": ("index", "build", "{path}", "-o", "{out}.idx"),
}
MORE = {  # commands that read a corpus beside something else (an index, a second file)
    "compare": ("compare", "{path}", "{good}"),
    "index-add": ("index", "add", "{index}", "{path}"),
    "index-query": ("index", "query", "{index}", "{path}"),
    "check-against": ("check", "{good}", "--against", "{path}"),
    "train": ("boilerplate", "train", "{path}", "-o", "{out}.model"),
}


@pytest.mark.parametrize("command", [*COMMANDS, *MORE])
def test_every_command_on_every_hostile_file_is_exit_0_or_one_line_exit_2(
    hostile: dict[str, tuple[Path, int]], tmp_path: Path, command: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD + "\n")
    index = tmp_path / "good.idx"
    run("index", "build", good, "-o", index, inputs=[good], codes=(0,))
    for k, (path, records) in enumerate(hostile.values()):
        out = tmp_path / f"out{k}"
        spec = COMMANDS.get(command) or MORE[command]
        args = [a.format(path=path, out=out, good=good, index=index) for a in spec]
        outcome = run(*args, inputs=[path])
        if command == "clean" and outcome.code == 0:
            accounted(out, read=records)


def test_every_command_on_the_hostile_directory_reads_or_names_every_file(
    hostile: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    root = next(iter(hostile.values()))[0].parent
    for command in COMMANDS.values():
        args = [a.format(path=root, out=tmp_path / "out") for a in command]
        outcome = run(*args, inputs=[root])
        assert outcome.code == 2  # a damaged file stops the run: which one is named
        assert str(root) in outcome.error


def test_clean_of_the_readable_hostile_files_together_loses_no_record(
    hostile: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    readable = ["mixed.jsonl", "bad-bytes.jsonl", "fine.jsonl.bz2", "lines.json", "ragged.csv"]
    readable += ["stray-quote.csv", "bad-utf8.parquet", "bom.txt", "whitespace.txt"]
    paths = [hostile[name][0] for name in readable]
    args = ["clean", *map(str, paths), "-o", str(tmp_path / "out"), "--no-passages"]
    outcome = run(*args, inputs=paths, codes=(0,))
    named = [line for line in outcome.err.splitlines() if line.startswith("skipped /")]
    assert len(named) == 20  # the first bad records by name, then a count of the rest
    assert "skipped 17 more records" in outcome.err
    written, rejected = accounted(tmp_path / "out", read=sum(hostile[n][1] for n in readable))
    assert (written, rejected) == (6, 49)  # 37 unreadable records, 12 near-duplicate copies
    assert "37 unreadable" in outcome.err


def test_a_csv_header_naming_a_column_twice_is_refused_not_half_read(
    hostile: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    path = hostile["twice.csv"][0]
    says = "the CSV header names 'text' twice; rename one"
    fails("clean", path, "-o", tmp_path / "out", inputs=[path], says=says)
