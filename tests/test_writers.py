"""Writers: records come back byte for byte as a reader expects, in the input's format."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.document import Document
from dedup.io import writers
from dedup.io.formats import detect_format
from dedup.io.readers import DocumentReader
from dedup.io.writers import write_jsonl, write_like


def test_jsonl_is_one_utf8_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert write_jsonl(path, [{"id": 1, "text": "café"}, {"id": 2, "text": "naïve"}]) == 2
    assert path.read_bytes() == ('{"id": 1, "text": "café"}\n{"id": 2, "text": "naïve"}\n'.encode())


def test_like_jsonl_keeps_non_ascii_text_as_is(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    docs = [Document("a", "Über", meta={"id": 1}), Document("b", "東京", meta={"id": 2})]
    assert write_like(path, docs, detect_format(path)) == 2
    assert path.read_bytes() == '{"id": 1, "text": "Über"}\n{"id": 2, "text": "東京"}\n'.encode()


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_like_text_writes_the_bare_text_in_its_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "out.txt"
    fmt = dataclasses.replace(detect_format(path), encoding=encoding)
    assert write_like(path, [Document("a", "Crème brûlée\n", meta={"id": 1})], fmt) == 1
    assert path.read_bytes() == "Crème brûlée\n".encode(encoding)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_like_csv_without_known_columns_takes_the_first_records_fields(tmp_path: Path) -> None:
    # A CSV format with no header on record (a fresh name) takes the header from the first
    # record: its meta fields, then the text field.
    path = tmp_path / "out.csv"
    assert detect_format(path).columns == ()
    docs = [Document("a", "one", meta={"id": "7", "lang": "en"})]
    assert write_like(path, docs, detect_format(path)) == 1
    assert _rows(path) == [["id", "lang", "text"], ["7", "en", "one"]]
    docs.append(Document("b", "two", meta={"id": "8", "lang": "fr"}))
    assert write_like(path, docs, detect_format(path)) == 2
    assert _rows(path) == [["id", "lang", "text"], ["7", "en", "one"], ["8", "fr", "two"]]


def test_like_csv_with_nothing_to_write_has_the_text_header(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_like(path, [], detect_format(path), text_field="body") == 0
    assert _rows(path) == [["body"]]


def test_jsonl_records_read_back(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    records = [{"id": k, "text": f"line {k}"} for k in range(3)]
    write_jsonl(path, records)
    assert [json.loads(line) for line in path.read_text().splitlines()] == records


# A record's key order is the reader's to note (`Document.text_at`) and every writer's to keep.
PLACED = [
    Document("a", "first", meta={"id": 1, "url": "u"}, text_at=0),
    Document("b", "middle", meta={"id": 2, "url": "u"}, text_at=1),
    Document("c", "last", meta={"id": 3, "url": "u"}),
]
PLACED_LINES = (
    b'{"text": "first", "id": 1, "url": "u"}\n'
    b'{"id": 2, "text": "middle", "url": "u"}\n'
    b'{"id": 3, "url": "u", "text": "last"}\n'
)


@pytest.mark.parametrize(
    ("name", "jobs", "docs"),
    [
        ("out.jsonl", 1, list),  # in memory, encoded in order
        ("out.jsonl", 2, list),  # chunks encoded by workers, each to its own file
        ("out.jsonl", 1, iter),  # streamed (the Spark engine's parts)
        ("out.jsonl.gz", 2, list),  # compressed: encoded by workers, written here
    ],
)
def test_like_jsonl_puts_the_text_back_in_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, jobs: int, docs: type
) -> None:
    monkeypatch.setattr(writers, "WRITE_CHUNK", 1)
    path = tmp_path / name
    assert write_like(path, docs(PLACED), detect_format(path), jobs=jobs) == 3
    data = path.read_bytes()
    assert (gzip.decompress(data) if name.endswith(".gz") else data) == PLACED_LINES
    assert not list(tmp_path.glob(".*.tmp"))


def test_like_csv_keeps_its_columns_whatever_the_text_place(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    fmt = dataclasses.replace(detect_format(path), columns=("id", "url", "text"))
    assert write_like(path, PLACED, fmt) == 3
    assert _rows(path)[:2] == [["id", "url", "text"], ["1", "u", "first"]]


_KEYS = st.lists(st.sampled_from(["id", "url", "lang", "date", "meta"]), unique=True, max_size=5)
_VALUES = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.lists(st.booleans()))


@settings(max_examples=100, deadline=None)
@given(keys=_KEYS, at=st.integers(0, 5), values=st.lists(_VALUES, min_size=6, max_size=6))
def test_a_record_read_and_written_back_is_byte_identical(
    keys: list[str], at: int, values: list[object]
) -> None:
    keys.insert(min(at, len(keys)), "text")
    record = dict(zip(keys, values, strict=False))
    record["text"] = "Plain prose, é and 東京."
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_bytes(line)
        reader = DocumentReader()
        docs = list(reader.read([str(source)]))
        write_like(out, docs, reader.formats[str(source)])
        assert out.read_bytes() == line


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    before=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "text"), _JSON, max_size=3),
    after=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "text"), _JSON, max_size=3),
    old=st.text(),
    new=st.text(),
    compact=st.booleans(),
    ascii_=st.booleans(),
    crlf=st.booleans(),
)
def test_a_records_text_is_replaced_and_nothing_else(
    before, after, old, new, compact, ascii_, crlf
):
    """`with_text` on any object: the text's value is the new one, every other field and
    the line end as they were, and the bytes around the value untouched."""
    from dedup.io.formats import with_text

    record = {**before, "text": old, **{k: v for k, v in after.items() if k not in before}}
    separators = (",", ":") if compact else (", ", ": ")
    line = json.dumps(record, separators=separators, ensure_ascii=ascii_).encode()
    end = b"\r\n" if crlf else b"\n"
    edited = with_text(line + end, 2, "text", new)
    assert edited is not None
    assert edited.endswith(end)
    assert json.loads(edited) == {**record, "text": new}
    head = line[: line.index(b'"text"')]
    assert edited.startswith(head)
