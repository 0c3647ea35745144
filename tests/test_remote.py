"""Inputs by URL through fsspec (its real `memory://` and `file://` filesystems) and globs."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from cli_helpers import run_cli

from dedup.io.readers import DocumentReader

ROWS = [
    {"text": "The council met on Monday to review the draft budget.", "id": "a1"},
    {"text": "A second story about the river, the bridge and the ferry.", "id": "a2"},
]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


@pytest.fixture
def memory() -> Iterator[fsspec.AbstractFileSystem]:
    fs = fsspec.filesystem("memory")
    fs.pipe("/corpus/a.jsonl", _jsonl(ROWS))
    fs.pipe("/corpus/sub/b.jsonl.gz", gzip.compress(_jsonl([{"text": "Gzipped news."}])))
    fs.pipe("/corpus/notes.bin", b"\x00\x01")
    fs.pipe("/corpus/.hidden/c.jsonl", _jsonl([{"text": "Not read."}]))
    yield fs
    fs.rm("/corpus", recursive=True)


def test_a_url_file_directory_or_glob_is_read_with_the_url_as_source(memory) -> None:
    reader = DocumentReader()
    assert [d.id for d in reader.read(["memory://corpus/a.jsonl"])] == [
        "memory:///corpus/a.jsonl:1",
        "memory:///corpus/a.jsonl:2",
    ]
    walked = DocumentReader()
    texts = [d.text for d in walked.read(["memory://corpus"])]
    assert texts == [ROWS[0]["text"], ROWS[1]["text"], "Gzipped news."]  # sorted, no .hidden
    assert walked.passed_over == ["memory:///corpus/notes.bin"]  # named on stderr
    globbed = DocumentReader().read(["memory://corpus/**/*.jsonl.gz"])
    assert [d.source for d in globbed] == ["memory:///corpus/sub/b.jsonl.gz:1"]


def test_a_url_that_names_nothing_or_an_unknown_protocol_is_one_line(memory) -> None:
    code, _, err = run_cli("scan", "memory://corpus/nope.jsonl")
    assert code == 2
    assert (
        err.strip() == "Error: memory://corpus/nope.jsonl: no such file or directory; check the URL"
    )
    code, _, err = run_cli("scan", "nosuch://bucket/a.jsonl")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Protocol not known: nosuch" in err


def test_clean_reads_a_url_and_writes_it_locally(memory, tmp_path: Path) -> None:
    code, _, err = run_cli("clean", "memory://corpus/a.jsonl", "-o", str(tmp_path / "out"))
    assert code == 0, err
    written = (tmp_path / "out" / "a.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in written] == ["a1", "a2"]
    assert memory.cat("/corpus/a.jsonl") == _jsonl(ROWS)  # the input is untouched


def test_file_urls_and_local_globs_read_the_same_documents(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for k in (2, 1):
        (tmp_path / "d" / f"part{k}.jsonl").write_bytes(_jsonl([{"text": f"Part {k}."}]))
    by_glob = [d.text for d in DocumentReader().read([str(tmp_path / "d" / "part*.jsonl")])]
    by_url = [d.text for d in DocumentReader().read([f"file://{tmp_path}/d/part*.jsonl"])]
    assert by_glob == by_url == ["Part 1.", "Part 2."]
    code, _, err = run_cli("scan", str(tmp_path / "d" / "nothing*.jsonl"))
    assert code == 2
    assert "the pattern matches no file" in err


def test_parquet_is_read_from_a_url(memory) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["one row", "two rows"]}), buf)
    memory.pipe("/corpus/t.parquet", buf.getvalue())
    docs = list(DocumentReader().read(["memory://corpus/t.parquet"]))
    assert [(d.id, d.text) for d in docs] == [
        ("memory:///corpus/t.parquet:1", "one row"),
        ("memory:///corpus/t.parquet:2", "two rows"),
    ]


def test_two_files_of_a_url_glob_never_share_an_output_file(memory, tmp_path: Path) -> None:
    memory.pipe("/corpus/x/story.txt", b"The first story of the river and the ferry.\n")
    memory.pipe("/corpus/y/story.txt", b"The second story, of the bridge and the toll.\n")
    out = tmp_path / "out"
    code, _, err = run_cli("clean", "memory://corpus/*/story.txt", "-o", str(out))
    assert code == 2
    assert err.strip() == (
        "Error: memory:///corpus/x/story.txt and memory:///corpus/y/story.txt would both be "
        f"written to {out / 'story.txt'}; clean them in separate runs"
    )
    assert not out.exists()
