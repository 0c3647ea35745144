"""Reading documents from text files, directories and JSONL, with traceable ids.

A text file is one document (id: its path). A directory is every text or JSONL file under
it, recursively, in sorted order. A JSONL file is one document per line (id: the
`id_field` value, or `path:LINE`). A record that cannot be used (bad JSON, no text field)
is skipped and recorded with its reason, or stops the run when `strict` is set; a file
that cannot be read at all is always an `InputError`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dedup.document import Document
from dedup.errors import InputError

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})

DECODE_ERROR_TEXT = (
    "{path} is not valid UTF-8 (byte {pos}); convert it first, e.g. "
    "`iconv -f latin1 -t utf-8 {path} > fixed.txt`"
)


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record that was not read, and why."""

    source: str
    reason: str


@dataclass
class DocumentReader:
    """Reads documents from paths and keeps count of records it had to skip.

    Attributes:
        text_field: JSONL field holding the text.
        id_field: JSONL field holding the id (default: `path:LINE`).
        strict: raise on the first bad record instead of skipping it.
        skipped: records skipped so far, with reasons.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.jsonl").write_text('{"text": "hi"}\\nnot json\\n', encoding="utf-8")
        >>> reader = DocumentReader()
        >>> [doc.id for doc in reader.read([str(d / "a.jsonl")])] == [f"{d / 'a.jsonl'}:1"]
        True
        >>> reader.skipped[0].reason.startswith("not valid JSON")
        True
    """

    text_field: str = "text"
    id_field: str | None = None
    strict: bool = False
    skipped: list[SkippedRecord] = field(default_factory=list)

    def read(self, paths: Sequence[str]) -> Iterator[Document]:
        """Documents of every path in order; `-` reads JSONL from standard input."""
        for path in paths:
            if path == "-":
                yield from self._read_jsonl(sys.stdin, "-")
                continue
            p = Path(path)
            if not p.exists():
                msg = f"{path}: no such file or directory; check the path"
                raise InputError(msg)
            if p.is_dir():
                for child in sorted(_corpus_files(p)):
                    yield from self._read_file(child)
            else:
                yield from self._read_file(p)

    def _read_file(self, path: Path) -> Iterator[Document]:
        if path.suffix.lower() in JSONL_SUFFIXES:
            with _open_text(path) as fh:
                yield from self._read_jsonl(fh, str(path))
        else:
            yield Document(id=str(path), text=_read_text(path), source=str(path))

    def _read_jsonl(self, fh: TextIO, name: str) -> Iterator[Document]:
        try:
            for line_no, line in enumerate(fh, start=1):
                if line.strip():
                    doc = self._parse_record(line, f"{name}:{line_no}")
                    if doc is not None:
                        yield doc
        except UnicodeDecodeError as ex:
            msg = DECODE_ERROR_TEXT.format(path=name, pos=ex.start)
            raise InputError(msg) from ex

    def _parse_record(self, line: str, where: str) -> Document | None:
        try:
            row = json.loads(line)
        except json.JSONDecodeError as ex:
            return self._skip(where, f"not valid JSON ({ex.msg})")
        if not isinstance(row, dict):
            return self._skip(where, f"expected a JSON object, got {type(row).__name__}")
        text = row.get(self.text_field)
        if not isinstance(text, str):
            keys = sorted(row)
            reason = f"no string field {self.text_field!r} (keys: {keys}); pass --text-field"
            return self._skip(where, reason)
        doc_id = where
        if self.id_field is not None:
            if row.get(self.id_field) is None:
                return self._skip(where, f"no field {self.id_field!r}; pass another --id-field")
            doc_id = str(row[self.id_field])
        meta: dict[str, Any] = {k: v for k, v in row.items() if k != self.text_field}
        return Document(id=doc_id, text=text, source=where, meta=meta)

    def _skip(self, where: str, reason: str) -> None:
        if self.strict:
            msg = f"{where}: {reason} (drop --strict to skip bad records)"
            raise InputError(msg)
        self.skipped.append(SkippedRecord(where, reason))
        return None


def _corpus_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        suffix = path.suffix.lower()
        if path.is_file() and (suffix in TEXT_SUFFIXES or suffix in JSONL_SUFFIXES):
            yield path


def _open_text(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8")
    except OSError as ex:
        msg = f"{path}: cannot be read ({ex.strerror}); check its permissions"
        raise InputError(msg) from ex


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as ex:
        msg = f"{path}: cannot be read ({ex.strerror}); check its permissions"
        raise InputError(msg) from ex
    try:
        # Newlines are kept as they are: offsets index the text exactly as stored.
        return data.decode("utf-8")
    except UnicodeDecodeError as ex:
        msg = DECODE_ERROR_TEXT.format(path=path, pos=ex.start)
        raise InputError(msg) from ex


def read_documents(
    paths: Sequence[str], *, text_field: str = "text", id_field: str | None = None
) -> list[Document]:
    """Read every document of `paths` (skipping bad JSONL records; see `DocumentReader`).

    Example:
        >>> read_documents(["samples/004_35cd667b6f9468cb.txt"])[0].chars
        3302
    """
    return list(DocumentReader(text_field=text_field, id_field=id_field).read(paths))
