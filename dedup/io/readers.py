"""Reading documents from text, JSONL, CSV and Parquet files, plain or gzip/zstd-compressed.

A text file is one document (id: its path). A directory is every file of a known format
under it, recursively, in sorted order. A JSONL file is one document per line (id: the
`id_field` value, or `path:LINE`); a CSV or Parquet file one document per row (id: the
`id_field` value, or `path:ROW`, rows counted from 1 without the header). `-` reads JSONL
from standard input. Everything streams: a JSONL or CSV file is read line by line and a
Parquet file batch by batch.

A record that cannot be used (bad JSON, bytes that are not UTF-8, a broken CSV row, no
string in the text field) is skipped and recorded with its reason and raw content, or stops
the run when `strict` is set; so is a text file found by walking a directory whose bytes do
not decode, or whose compressed data or Parquet pages are damaged (after the documents read
before the damage). A file that cannot be read at all (missing, unreadable, no text column),
a folder a walk cannot list or enter, and a file named directly that does not decode or is
damaged, are always an `InputError`.
"""

from __future__ import annotations

import codecs
import glob
import io
import json
import os
import re
import shlex
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np

from dedup.config import DedupConfig
from dedup.document import Document
from dedup.errors import BadFile, InputError, unreadable
from dedup.io.compression import (
    STREAM_ERRORS,
    decompressing,
    magic_compression,
    open_read,
    strip_compression,
    suffix_compression,
)
from dedup.io.formats import (
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    InputFormat,
    detect_format,
    is_corpus_name,
    json_lines_head,
    json_value,
    walk,
)
from dedup.io.jsonlcorpus import (
    ByteRanges,
    JsonlCorpus,
    JsonlIndex,
    index_range,
    parse_range,
    range_tasks,
)
from dedup.io.remote import GLOB, is_url, remote_files
from dedup.io.tables import RawRecord, csv_records, parquet_records, raw_json
from dedup.parallel import map_batches, map_shared, shared_array
from dedup.report import amount

__all__ = [
    "JSONL_SUFFIXES",
    "TEXT_SUFFIXES",
    "DocumentReader",
    "SkippedRecord",
    "read_documents",
]

DECODE_ERROR_TEXT = (
    "is not valid UTF-8 (byte {pos}); pass its encoding (--encoding cp1252) or let "
    "dedup detect it (--encoding auto)"
)
NOT_TEXT_TEXT = (
    "does not look like a text file ({why}, byte {pos}); leave it out, or name its "
    "encoding with --encoding"
)
BINARY_SNIFF = 8192  # bytes `_looks_binary` reads, as git and grep do
STDIN = "-"
Raw = Callable[[], IO[bytes]]  # opens a file's undecompressed bytes (a URL's, see remote)


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record that was not read, why, and what it held (for the rejects file)."""

    source: str
    reason: str
    raw: str = ""


@dataclass
class DocumentReader:
    """Reads documents from paths and keeps count of records it had to skip.

    Attributes:
        text_field: JSONL field / CSV or Parquet column holding the text.
        id_field: field holding the id (default: `path:LINE` for JSONL, `path:ROW` for tables).
        strict: raise on the first bad record instead of skipping it.
        encoding: how text files are decoded: a codec name ("utf-8", "cp1252", ...) or
            "auto" (UTF-8 when valid, else what chardet detects; the choice is
            kept in `meta["encoding"]` and in `formats`).
        skipped: records skipped so far, with reasons.
        passed_over: files a directory walk did not read (not a corpus format; see `walk`).
        formats: the format of every file read so far, by path (`-` for stdin).
        jobs: worker processes that parse a local, uncompressed JSONL file, a byte range
            each (the documents, their order and the skipped records do not depend on it).

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
    encoding: str = "utf-8"
    skipped: list[SkippedRecord] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)
    formats: dict[str, InputFormat] = field(default_factory=dict)
    jobs: int = 1
    walked: set[str] = field(default_factory=set)

    def read(self, paths: Sequence[str]) -> Iterator[Document]:
        """Documents of every path in order; `-` reads JSONL from standard input.

        A path may be a file, a directory (see `dedup.io.formats.walk`), a glob
        (`data/*.jsonl`, sorted) or a URL (`s3://...`, see `dedup.io.remote`).
        """
        for path in paths:
            if path == STDIN:
                yield from self._read_stdin()
            elif is_url(path):
                files, passed = remote_files(path, is_corpus_name)
                self.passed_over.extend(passed)
                for url, raw in files:
                    yield from self._read_file(url, raw)
            else:
                for file in self._local_files(path):
                    yield from self._read_file(str(file))

    def files(self, paths: Sequence[str]) -> list[str]:
        """The files `read` would read for local `paths`, in the same order (no stdin, no
        URLs: an engine that hands files to workers reads each with `read([file])`)."""
        return [str(f) for path in paths for f in self._local_files(path)]

    def jsonl_corpus(
        self, paths: Sequence[str], *, sign: DedupConfig | None = None
    ) -> JsonlCorpus | None:
        """With `jobs` > 1 and only local, uncompressed JSONL files: their documents as a
        `JsonlCorpus`, indexed by `jobs` processes; otherwise None (use `read`).

        The corpus holds each document's id, length and place in its file, not its text:
        a worker that needs a text parses its line again, so no text crosses a process
        boundary or stays in this process's memory. With `sign`, the workers also compute
        each document's MinHash signature under those settings while they hold its text
        (`JsonlCorpus.take_signatures`), which saves parsing every line a second time.
        """
        if self.jobs <= 1 or any(p == STDIN or is_url(p) for p in paths):
            return None
        passed = len(self.passed_over)
        files = self.files(paths)
        plain = [detect_format(f) for f in files]
        if not files or not all(_by_ranges(f, fmt) for f, fmt in zip(files, plain, strict=True)):
            del self.passed_over[passed:]  # `read` walks the paths again
            return None
        meanwhile = None
        if sign is not None:
            from dedup.signature import prepare  # the sketch is not a reader's concern

            # Loaded here while the lines are counted, before the indexing workers fork
            # (they inherit it): once, not once in every worker of every pool.
            meanwhile = partial(prepare, sign)
        try:
            tasks = range_tasks(files, self.jobs, meanwhile)
            indexes = []
            for name, fmt in zip(files, plain, strict=True):
                self.formats[name] = fmt
                indexes.append((name, self._index_jsonl(name, tasks[name], sign)))
        except OSError as ex:
            msg = f"{ex.filename or ', '.join(files)}: cannot be read ({ex}); check the file"
            raise InputError(msg) from ex
        return JsonlCorpus.join(self, indexes, sign)

    def _index_jsonl(self, name: str, tasks: ByteRanges, sign: DedupConfig | None) -> JsonlIndex:
        """Index one file's byte ranges over `jobs` forked workers; with `sign`, each writes
        the signatures of its documents into one array shared with this process, at the row
        of their line, so no signature is pickled or copied on its way here."""
        rows = None if sign is None else shared_array((tasks.lines, sign.num_perm), np.uint32)
        settings = replace(self, skipped=[], passed_over=[], formats={}, jobs=1)
        index = partial(index_range, sign=sign)
        parts = list(map_shared(index, (settings, name, rows), tasks.ranges, jobs=self.jobs))
        for part in parts:
            self.skipped.extend(part.skipped)
        joined = JsonlIndex.join(parts)
        if rows is None:
            return joined
        every_line = len(joined.lines) == tasks.lines  # no blank or skipped line: no copy
        return replace(joined, signatures=rows if every_line else rows[joined.lines - 1])

    def _local_files(self, path: str) -> list[Path]:
        """The files a local path names: itself, a directory's walk, or a glob's matches."""
        p = Path(path)
        try:
            found = [p] if p.exists() else []
        except OSError as ex:  # a path through a folder that cannot be entered
            raise unreadable(path, ex) from ex
        pattern = GLOB.search(path) or BRACES.search(path)
        if not found and pattern:
            alternatives = braces(path)
            for one in alternatives:
                _require_listed(one)
            matches = {Path(m) for one in alternatives for m in glob.glob(one, recursive=True)}
            found = _outermost(sorted(matches))
        if not found:
            # "no such file or directory" for a quoted glob reads as if it was taken literally
            what = "the pattern matches no file" if pattern else "no such file or directory"
            msg = f"{path}: {what}; check the path"
            raise InputError(msg)
        files: list[Path] = []
        for match in found:
            if match.is_dir():
                read, passed = walk(match)
                files.extend(read)
                self.walked.update(map(str, read))
                self.passed_over.extend(map(str, passed))
            else:
                files.append(match)
                if match != p:  # a glob's match, one file of many like a directory's
                    self.walked.add(str(match))
        return files

    def _read_stdin(self) -> Iterator[Document]:
        self.formats[STDIN] = InputFormat("jsonl")
        stream: IO[bytes] = getattr(sys.stdin, "buffer", None) or _encoded(sys.stdin)
        unpacked = decompressing(stream, STDIN)
        head = unpacked.peek(4)[:4] if hasattr(unpacked, "peek") else b""
        if head == b"PAR1":
            # Parquet needs its footer, which a pipe cannot seek to; every "line" of it would
            # otherwise be skipped as bad JSON, one by one.
            msg = "standard input holds Parquet, which is read from a file: pass its path instead"
            raise InputError(msg)
        yield from self._guarded(STDIN, lambda: self._read_jsonl(unpacked, STDIN))

    def _read_file(self, name: str, raw: Raw | None = None) -> Iterator[Document]:
        """The documents of one file: local (`name` is its path) or opened by `raw`.

        A file found by walking a directory or matching a glob whose content cannot be read
        (`BadFile`: bytes that do not decode, damaged compression or Parquet) is a bad record
        of the corpus, skipped after the documents read before the damage: one cut-off shard
        must not stop a crawl. A file the user named is the user's to fix: an error.
        """
        try:
            yield from self._file_documents(name, raw)
        except BadFile as ex:
            if name not in self.walked:
                raise
            self._skip(name, ex.reason)

    def _file_documents(self, name: str, raw: Raw | None) -> Iterator[Document]:
        fmt = detect_format(name)
        if strip_compression(name).suffix.lower() == ".json":
            with open_read(name, raw) as head:
                if json_lines_head(head):
                    fmt = replace(fmt, kind="jsonl")
        self.formats[name] = fmt
        if fmt.kind == "parquet":
            source = raw if raw is not None else Path(name)
            yield from self._guarded(name, lambda: self._read_parquet(name, source, fmt))
            return
        if raw is None and self.jobs > 1 and _by_ranges(name, fmt):
            yield from self._guarded(name, lambda: self._read_jsonl_ranges(name))
            return
        with open_read(name, raw) as fh:
            if fmt.kind == "jsonl":
                yield from self._guarded(name, lambda: self._read_jsonl(fh, name))
            elif fmt.kind == "csv":
                yield from self._guarded(name, lambda: self._read_csv(fh, name, fmt))
            else:
                yield from self._guarded(name, lambda: self._read_text(fh, name, fmt))

    def _read_text(self, fh: IO[bytes], name: str, fmt: InputFormat) -> Iterator[Document]:
        doc = _text_document(fh, name, self.encoding)
        used = str(doc.meta.get("encoding", "utf-8"))
        self.formats[name] = replace(fmt, encoding=used)
        yield doc

    def _guarded(self, name: str, records: Any) -> Iterator[Document]:
        """Turn damaged compressed data into `BadFile` (saying how many documents came before
        the damage) and a failing disk into a one-line `InputError`."""
        read = 0
        try:
            for doc in records():
                read += 1
                yield doc
        except STREAM_ERRORS as ex:
            after = f" after {amount(read, 'document')}" if read else ""
            reason = f"the compressed data is damaged{after} ({ex}); check or re-download the file"
            raise BadFile(name, reason) from ex
        except OSError as ex:
            msg = f"{name}: cannot be read ({ex}); check the file"
            raise InputError(msg) from ex

    def _read_jsonl(self, fh: IO[bytes], name: str, first_line: int = 1) -> Iterator[Document]:
        for line_no, raw in enumerate(fh, start=first_line):
            where = f"{name}:{line_no}"
            try:
                # A byte-order mark (Windows tools write one) opens the file, not the record.
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as ex:
                self._skip(where, f"not valid UTF-8 (byte {ex.start})", _lossy(raw))
                continue
            if line.strip():
                doc = self._parse_line(line, name, where)
                if doc is not None:
                    yield doc

    def _read_jsonl_ranges(self, name: str) -> Iterator[Document]:
        """`_read_jsonl` of a local file, its byte ranges parsed by `jobs` processes.

        The parent only joins the results in order: JSON parsing, the bulk of reading, is
        what a corpus-sized scan would otherwise do on one core.
        """
        tasks = range_tasks([name], self.jobs)[name].ranges
        settings = replace(self, skipped=[], passed_over=[], formats={}, jobs=1)
        parse = partial(parse_range, settings, name)
        for docs, skipped in map_batches(parse, ([t] for t in tasks), jobs=self.jobs):
            self.skipped.extend(skipped)
            yield from docs

    def _parse_line(self, line: str, name: str, where: str) -> Document | None:
        try:
            row = json_value(line)
        except ValueError as ex:
            self._skip(where, f"not valid JSON ({_json_problem(line, ex)})", line.rstrip("\r\n"))
            return None
        if not isinstance(row, dict):
            reason = f"expected a JSON object, got {type(row).__name__}"
            self._skip(where, reason, line.rstrip("\r\n"))
            return None
        return self._record_document(row, name, where, line.rstrip("\r\n"), placed=True)

    def _read_csv(self, fh: IO[bytes], name: str, fmt: InputFormat) -> Iterator[Document]:
        columns, rows = csv_records(fh, name, fmt.delimiter)
        _check_columns(name, columns, self.text_field, self.id_field)
        self.formats[name] = replace(fmt, columns=columns)
        yield from self._table_documents(rows, name)

    def _read_parquet(self, name: str, source: Path | Raw, fmt: InputFormat) -> Iterator[Document]:
        schema, rows = parquet_records(name, source, compressed=fmt.compression is not None)
        _check_columns(name, tuple(schema.names), self.text_field, self.id_field)
        _check_text_type(name, schema, self.text_field)
        self.formats[name] = replace(fmt, columns=tuple(schema.names), arrow_schema=schema)
        yield from self._table_documents(rows, name)

    def _table_documents(self, rows: Iterator[RawRecord], name: str) -> Iterator[Document]:
        for record in rows:
            where = f"{name}:{record.number}"
            if record.fields is None:
                self._skip(where, record.problem, record.raw)
                continue
            doc = self._record_document(record.fields, name, where, record.raw)
            if doc is not None:
                yield doc

    def _record_document(
        self, row: Mapping[str, Any], name: str, where: str, raw: str, *, placed: bool = False
    ) -> Document | None:
        """The document of one record of file `name`, at `where`, or None when it is skipped
        (the reason recorded).

        With `placed` (a JSONL record), the document notes where its text field sat when
        that is not last (`Document.text_at`), so it is written back in its place. CSV and
        Parquet rows need not: their writers keep the header's or schema's order.
        """
        text = row.get(self.text_field)
        if not isinstance(text, str):
            nested = nested_text_path(row, self.text_field)
            if nested:
                reason = (
                    f"--text-field {self.text_field}: the text is nested at {nested}, and "
                    "--text-field names a top-level field; flatten the records first "
                    f"({_flatten_command(name, nested)}) and pass --text-field text"
                )
            elif self.text_field in row:
                got = "null" if text is None else type(text).__name__
                reason = f"field {self.text_field!r} is {got}, not a string"
            else:
                reason = f"no field {self.text_field!r} (keys: {sorted(row)}); {_field_hint(row)}"
            self._skip(where, reason, raw or raw_json(row))
            return None
        if not text.isascii() and _has_lone_surrogate(text):
            # JSON may escape half of a UTF-16 pair ("\ud800"): no UTF-8 text can hold it,
            # so the record could not be written back, indexed or hashed.
            reason = f"field {self.text_field!r} holds a lone surrogate (invalid Unicode)"
            self._skip(where, reason, raw or raw_json(row))
            return None
        doc_id = where
        if self.id_field is not None:
            if row.get(self.id_field) is None:
                what = "is null" if self.id_field in row else "is missing"
                reason = f"field {self.id_field!r} {what}; pass another --id-field"
                self._skip(where, reason, raw or raw_json(row))
                return None
            value = row[self.id_field]
            if isinstance(value, bool | list | dict):
                # str() would make a Python repr ("{'a': 1}", "True") of it: no id to match.
                kinds = {"list": "a list", "dict": "an object"}
                got = kinds.get(type(value).__name__) or json.dumps(value)
                reason = f"field {self.id_field!r} is {got}, not a string or a number; "
                self._skip(where, reason + "pass another --id-field", raw or raw_json(row))
                return None
            doc_id = str(value)
        text_at = None
        if placed:
            keys = list(row)
            if keys[-1] != self.text_field:
                text_at = keys.index(self.text_field)
        meta: dict[str, Any] = {k: v for k, v in row.items() if k != self.text_field}
        return Document(id=doc_id, text=text, source=where, meta=meta, text_at=text_at)

    def _skip(self, where: str, reason: str, raw: str = "") -> None:
        if self.strict:
            msg = f"{where}: {reason} (drop --strict to skip bad records)"
            raise InputError(msg)
        self.skipped.append(SkippedRecord(where, reason, raw))


def _by_ranges(path: str, fmt: InputFormat) -> bool:
    """Whether a file's lines can be read by byte ranges (by workers, lazily): local
    uncompressed JSONL in a file to seek in (a pipe or FIFO is read once, in order), and
    not a `.jsonl` that is compressed after all (its magic bytes), which `read` opens as
    what it is. (The fuzz test: with workers such a file gave "not valid UTF-8", read in
    order "the compressed data is damaged": a result that depended on --jobs.)"""
    if fmt.kind != "jsonl" or fmt.compression is not None or not os.path.isfile(path):
        return False
    with open(path, "rb") as fh:
        return magic_compression(fh.read(8)) is None


def nested_text_path(row: Mapping[str, Any], field: str) -> str | None:
    """The jq path of the text a nested `field` points at, when it is not a top-level field:
    `doc.body`, or `doc` holding an object, in `{"doc": {"body": "..."}}` (None otherwise).

    Example:
        >>> row = {"doc": {"lang": 1, "body": "text"}}
        >>> nested_text_path(row, "doc.body"), nested_text_path(row, "doc")
        ('.doc.body', '.doc.body')
        >>> nested_text_path({"text": 7}, "text") is None
        True
    """
    value: Any = row
    path = field.split(".")
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    while isinstance(value, Mapping):
        key = next((k for k, v in value.items() if isinstance(v, str | Mapping)), None)
        if key is None:
            return None
        path.append(key)
        value = value[key]
    if not isinstance(value, str) or len(path) < 2:
        return None
    return "".join(f".{p}" if p.isidentifier() else f".{json.dumps(p)}" for p in path)


def _field_hint(row: Mapping[str, Any]) -> str:
    """What to pass instead: the field holding the longest string, or just the option
    ("pass --text-field" told a new user who had passed `--text-field body` nothing).

    Example:
        >>> _field_hint({"id": "a1", "text": "A long story."}), _field_hint({"n": 1})
        ('pass --text-field text', 'pass --text-field')
    """
    texts = [(len(v), k) for k, v in row.items() if isinstance(v, str) and v.strip()]
    return f"pass --text-field {max(texts)[1]}" if texts else "pass --text-field"


def _flatten_command(name: str, nested: str) -> str:
    """The jq command that copies the nested text at `nested` of the records of file `name`
    to a top-level `text` field (jq reads no compressed file: its tool decompresses it).

    Example:
        >>> _flatten_command("data/my corpus.jsonl", ".doc.body")
        "jq -c '.text = .doc.body' 'data/my corpus.jsonl' > flat.jsonl"
        >>> _flatten_command("a.jsonl.zst", ".doc.body")
        "zstd -dc a.jsonl.zst | jq -c '.text = .doc.body' > flat.jsonl"
        >>> _flatten_command("-", ".doc.body")
        "pipe the records through jq -c '.text = .doc.body'"
    """
    jq = f"jq -c {shlex.quote(f'.text = {nested}')}"
    if name == STDIN:
        return f"pipe the records through {jq}"
    compression = suffix_compression(name)
    if compression is not None:
        return f"{compression} -dc {shlex.quote(name)} | {jq} > flat.jsonl"
    return f"{jq} {shlex.quote(name)} > flat.jsonl"


def _json_problem(line: str, ex: ValueError) -> str:
    """What is wrong with a JSON line, and where: the record without its line end (a string
    left open at the newline is "Unterminated", not "Invalid control character"), with the
    column the parser stopped at.

    Example:
        >>> line = '{"id": "bad1", "text": "unterminated\\n'
        >>> _json_problem(line, ValueError())
        'Unterminated string starting at column 24'
    """
    try:
        json_value(line.rstrip("\r\n"))
    except json.JSONDecodeError as found:
        where = "" if found.msg.endswith(" at") else " at"
        return f"{found.msg}{where} column {found.colno}"
    except ValueError as found:
        return str(found)
    return str(ex)


NOT_A_CORPUS_FORMAT = "not a corpus format; name a file to read it as text"
LINKED_FOLDER = "a link to a folder, not followed; name it to read it"
NOT_A_FILE = "not a regular file: a FIFO, socket or device"
BROKEN_LINK = "a broken link"


def passed_over_reason(name: str) -> str:
    """Why a directory walk did not read `name` (`formats.walk`), looked up on the disk.

    Example:
        >>> passed_over_reason("d/logo.png")
        'not a corpus format; name a file to read it as text'
    """
    path = Path(name)
    if path.is_symlink():
        if path.is_dir():
            return LINKED_FOLDER
        if not path.exists():
            return BROKEN_LINK
    if path.exists() and not path.is_file() and not path.is_dir():
        return NOT_A_FILE
    kind = _binary_kind(_first_bytes(path))
    if kind is not None:  # naming it would only say so (a new-user trial followed the hint)
        return f"not text: {kind}"
    return NOT_A_CORPUS_FORMAT


def _first_bytes(path: Path, size: int = 16) -> bytes:
    """The first bytes of a file, or none when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


# A group of alternatives in a quoted glob, as a shell expands them: '/usr/share/doc/{bash,
# coreutils}' (a new-user trial, told to quote a glob to keep each folder's name).
BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")


def braces(pattern: str) -> list[str]:
    """The patterns a glob's groups of alternatives stand for, in order (no nesting).

    Example:
        >>> braces("doc/{bash,coreutils}/*.gz"), braces("a{1,2}b{x,y}"), braces("a/*")
        (['doc/bash/*.gz', 'doc/coreutils/*.gz'], ['a1bx', 'a1by', 'a2bx', 'a2by'], ['a/*'])
    """
    group = BRACES.search(pattern)
    if group is None:
        return [pattern]
    head, tail = pattern[: group.start()], pattern[group.end() :]
    return [out for alt in group[1].split(",") for out in braces(head + alt + tail)]


def _require_listed(pattern: str) -> None:
    """Fail on a folder the glob `pattern` would search but cannot list: `glob` passes over
    it without a word, and `'in/*/*.txt'` read `in/a`'s files while `in/b` (mode 000) lost
    its own unnamed (a new-user trial). A walk's folder fails the same way (`walk`).

    Raises:
        InputError: a folder the pattern's folder part matches cannot be listed.
    """
    parent = os.path.dirname(pattern)
    if not parent:
        return
    if GLOB.search(parent) is not None:
        _require_listed(parent)  # the folders above first: theirs is the first trouble
        # A trailing separator matches folders only: `in/**` would list every file too.
        found = glob.glob(os.path.join(parent, ""), recursive=True)
        folders = sorted(folder.rstrip(os.sep) or os.sep for folder in found)
    else:
        folders = [parent] if os.path.isdir(parent) else []
    for folder in folders:
        try:
            with os.scandir(folder):
                pass
        except OSError as ex:
            raise unreadable(folder, ex) from ex


def _outermost(matches: list[Path]) -> list[Path]:
    """A glob's matches without those inside a matched folder, whose walk reads them:
    `'in/**/*'` matches `in/a` and `in/a/copyright`, and the file was read twice.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "a").mkdir()
        >>> for name in ("a/b.txt", "c.txt"):
        ...     _ = (root / name).write_text("x")
        >>> found = [root / "a", root / "a" / "b.txt", root / "c.txt"]
        >>> [str(p.relative_to(root)) for p in _outermost(found)]
        ['a', 'c.txt']
    """
    folders = {m for m in matches if m.is_dir() and not m.is_symlink()}
    return [m for m in matches if not folders.intersection(m.parents)]


def passed_over_note(passed: Sequence[str], shown: int = 5) -> str:
    """The stderr lines naming what a directory walk did not read, one line per reason
    ("" when nothing).

    Example:
        >>> passed_over_note(["d/logo.png"])
        'note: not read (not a corpus format; name a file to read it as text): d/logo.png'
    """
    by_reason: dict[str, list[str]] = {}
    for name in passed:
        by_reason.setdefault(passed_over_reason(name), []).append(name)
    lines = []
    known = (NOT_A_CORPUS_FORMAT, LINKED_FOLDER, NOT_A_FILE, BROKEN_LINK)
    # then what a file's first bytes say it is ("not text: an image (PNG)"), by reason
    for reason in (*known, *sorted(set(by_reason) - set(known))):
        names = by_reason.get(reason, [])
        if names:
            more = f" and {len(names) - shown} more" if len(names) > shown else ""
            lines.append(f"note: not read ({reason}): {', '.join(names[:shown])}{more}")
    return "\n".join(lines)


def require_documents(
    read: int,
    skipped: Sequence[SkippedRecord],
    paths: Sequence[str],
    *,
    allow_empty: bool,
    passed_over: Sequence[str] = (),
) -> None:
    """No document read is an input error unless allowed: a misspelled field skips every
    record, and an empty result must not look like a clean corpus or a passing check. The
    error repeats the most common skip reason, which names the option to fix (--text-field,
    --id-field, --encoding), rather than guessing one.

    Example:
        >>> bad = [SkippedRecord("a.jsonl:1", "no field 'ident'; pass another --id-field")]
        >>> require_documents(0, bad, ["a.jsonl"], allow_empty=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        dedup.errors.InputError: no document read from a.jsonl: 1 record skipped, 1 for: no ...
    """
    if read or allow_empty:
        return
    where = ", ".join(dict.fromkeys(paths))  # each input named once, in order
    if not skipped and passed_over:
        # `dedup scan /usr/share/man/man1` said "no record in it" of its 17,904 `.1.gz` files.
        files = amount(len(passed_over), "file")
        reason = passed_over_reason(passed_over[0])
        if reason == NOT_A_CORPUS_FORMAT:
            msg = (
                f"no document read from {where}: {files} not read (not a corpus format, such "
                f"as {passed_over[0]}); name the files, or quote a glob of them, to read them "
                "as text (or pass --allow-empty)"
            )
        else:
            msg = (
                f"no document read from {where}: {files} not read, such as {passed_over[0]} "
                f"({reason}) (or pass --allow-empty)"
            )
        raise InputError(msg)
    if not skipped:
        msg = f"no document read from {where}: no record in it; pass --allow-empty to go on"
        raise InputError(msg)
    # Counted by what is wrong, not by each record's keys or file: a field missing from
    # every record is "84 of 84", not "47 of 84" for the records with one set of keys.
    reasons = Counter(_PER_RECORD.sub("", record.reason) for record in skipped)
    reason, count = min(reasons.items(), key=lambda item: (-item[1], item[0]))
    example = next(r.reason for r in skipped if _PER_RECORD.sub("", r.reason) == reason)
    records = "record" if len(skipped) == 1 else "records"
    hint = "or pass --allow-empty"
    if STDIN in paths and example.startswith("not valid JSON"):
        # `cat article.txt | dedup clean -` (a new-user trial): the fix is not --allow-empty.
        hint = "standard input is read as JSON Lines, one record a line: name a text file instead"
    msg = (
        f"no document read from {where}: {len(skipped):,} {records} skipped, {count:,} for: "
        f"{example} ({hint})"
    )
    raise InputError(msg)


# What a skip reason says of its own record: its keys, the file its flattening command reads.
_PER_RECORD = re.compile(
    r" \(keys: \[.*?\]\)"  # "no field 'text' (keys: ['body', 'id'])"
    r"|(?<=flatten the records first )\(.*\)(?= and pass)"  # "(jq -c '...' a.jsonl > ...)"
)


def require_codec(encoding: str) -> None:
    """An --encoding that names no codec (nor "auto") is an error, raised before any reading:
    JSON Lines and CSV inputs never look it up, and a typo must not pass silently there.

    Example:
        >>> require_codec("latin-1"), require_codec("auto")
        (None, None)
        >>> require_codec("nosuch")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        dedup.errors.InputError: --encoding 'nosuch': no such codec; ...
    """
    if encoding == "auto":
        return
    try:
        codecs.lookup(encoding)
    except LookupError as ex:
        raise _no_codec(encoding) from ex


def _no_codec(encoding: str) -> InputError:
    return InputError(f"--encoding {encoding!r}: no such codec; try utf-8, cp1252, latin-1 or auto")


def _has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a code point in U+D800-U+DFFF (which UTF-8 cannot encode).

    Example:
        >>> _has_lone_surrogate("a" + chr(0xD800) + "b"), _has_lone_surrogate("naïve")
        (True, False)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class NotText(BadFile):
    """A text file whose bytes do not decode ("PATH is not valid UTF-8 ...")."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason, sep=" ")


def _text_document(fh: IO[bytes], path: str, encoding: str = "utf-8") -> Document:
    data = fh.read()
    chosen = encoding
    if encoding == "auto":
        chosen = _detect_encoding(data)
    try:
        # Newlines are kept as they are: offsets index the text exactly as stored.
        text = data.decode(chosen)
    except UnicodeDecodeError as ex:
        reason = DECODE_ERROR_TEXT.format(pos=ex.start)
        kind = _binary_kind(data)
        if kind is not None:  # an executable, an image: no codec makes it text
            reason = f"is not text: it is {kind}; leave it out"
        elif _looks_binary(data):  # NUL bytes: UTF-16 text has them too
            reason = NOT_TEXT_TEXT.format(why="it holds NUL bytes", pos=ex.start)
        elif encoding == "auto":
            # No guess reads as text (random bytes, or UTF-8 with a stray Latin-1 byte, as
            # libmp3lame0's changelog), or the guess does not fit: Latin-1 still reads it.
            found = (
                "could not tell its encoding"
                if chosen == "utf-8"
                else f"guessed {chosen}, which does not fit its bytes"
            )
            reason = (
                f"does not decode: --encoding auto {found} (byte {ex.start}); leave it out, "
                "or name its encoding with --encoding (latin-1 reads any bytes, though in a "
                "file of mixed encodings some characters come out wrong)"
            )
        elif encoding != "utf-8":
            reason = f"is not valid {chosen} (byte {ex.start}); pass its encoding with --encoding"
        raise NotText(path, reason) from ex
    except LookupError as ex:
        raise _no_codec(encoding) from ex
    meta = {} if chosen == "utf-8" else {"encoding": chosen}
    return Document(id=path, text=text, source=path, meta=meta)


# File signatures of what is never text, whatever --encoding says (a new-user trial named
# /bin/ls and was told to name its encoding).
_MAGIC = (
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "an executable (PE)"),
    (b"\x89PNG", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF8", "an image (GIF)"),
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def _binary_kind(data: bytes) -> str | None:
    """What a file that does not decode is, by its first bytes, when that is never text.

    Example:
        >>> _binary_kind(b"\\x7fELF\\x02\\x01"), _binary_kind(b"caf\\xe9")
        ('an executable (ELF)', None)
    """
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _looks_binary(data: bytes) -> bool:
    """Whether bytes that failed to decode look binary: a NUL in the first `BINARY_SNIFF`.

    Example:
        >>> _looks_binary(b"\\x7fELF\\x02\\x01\\x01\\x00"), _looks_binary("café".encode("cp1252"))
        (True, False)
    """
    return b"\0" in data[:BINARY_SNIFF]


def _detect_encoding(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else chardet's guess, as a Python codec name.

    chardet, not charset-normalizer: on real legacy files (Latin-1 changelogs of Debian
    packages, man pages in Latin-1, Latin-2, cp1251, KOI8-R and cp1254, `tests/data/encodings`)
    charset-normalizer chose a wrong codec for all eight, Big5 for a Latin-1 changelog with
    a few accented names (a new-user trial), where chardet 7 reads all eight right (5.x: six).

    Example:
        >>> _detect_encoding("naïve café".encode("utf-8")), _detect_encoding(b"plain")
        ('utf-8', 'utf-8')
        >>> names = "Søren Müller, François Pinard".encode("latin-1")
        >>> _detect_encoding(names) in ("cp1252", "iso8859-1")
        True
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        import chardet  # only for files that are not UTF-8

        found = chardet.detect(data)["encoding"]
        if found is None or _controls(data.decode(found, errors="replace")) > CONTROL_SHARE:
            return "utf-8"  # nothing reads as text: the caller says no encoding fits
        return codecs.lookup(found).name
    return "utf-8"


# Text holds no control characters but whitespace: past this share of a guessed decoding's
# characters, the bytes are not text in that encoding (random bytes read as ISO-8859-5
# give a C1 control for every fourth byte).
CONTROL_SHARE = 0.01
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _controls(text: str) -> float:
    """The share of `text`'s characters that are control characters other than whitespace.

    Example:
        >>> _controls("a\\tb\\nc"), _controls("ab\\x85")
        (0.0, 0.3333333333333333)
    """
    return len(_CONTROLS.findall(text)) / max(1, len(text))


def _check_columns(
    path: str, columns: Sequence[str], text_field: str, id_field: str | None
) -> None:
    """A table without the text (or id) column has no usable row: say so once, not per row."""
    for name, option in ((text_field, "--text-field"), (id_field, "--id-field")):
        if name is not None and columns and name not in columns:
            msg = f"{path}: no column {name!r} (columns: {list(columns)}); pass {option}"
            raise InputError(msg)


def _check_text_type(path: str, schema: Any, text_field: str) -> None:
    import pyarrow as pa

    kind = schema.field(text_field).type
    if pa.types.is_dictionary(kind):  # a categorical column (pandas): its values are the text
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        msg = f"{path}: column {text_field!r} holds {kind}, not strings; pass --text-field"
        raise InputError(msg)


def _lossy(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace").rstrip("\r\n")


def _encoded(text: IO[str]) -> IO[bytes]:
    """A text stream without a binary buffer (rare: a replaced sys.stdin), as bytes."""

    return io.BytesIO(text.read().encode("utf-8"))


def read_documents(
    paths: Sequence[str],
    *,
    text_field: str = "text",
    id_field: str | None = None,
    encoding: str = "utf-8",
) -> list[Document]:
    """Read every document of `paths` (skipping bad records; see `DocumentReader`, whose
    `encoding` is the CLI's `--encoding`: a codec, or "auto").

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
        >>> _ = path.write_text('{"text": "one"}\\n{"text": 2}\\n{"text": "three"}\\n')
        >>> [(d.id.rsplit("/", 1)[-1], d.text) for d in read_documents([str(path)])]
        [('a.jsonl:1', 'one'), ('a.jsonl:3', 'three')]
    """
    reader = DocumentReader(text_field=text_field, id_field=id_field, encoding=encoding)
    return list(reader.read(paths))
