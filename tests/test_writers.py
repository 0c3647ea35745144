"""Writers: records come back byte for byte as a reader expects, in the input's format."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest

from dedup.document import Document
from dedup.io.formats import detect_format
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
