"""Which format a file is in: text, JSONL, CSV/TSV or Parquet, possibly gzip/zstd-compressed.

The format comes from the suffix left after the compression suffix (`a.jsonl.gz` is
gzip-compressed JSONL); a file with an unknown suffix given by name is read as text.
A directory walk (`walk`) reads the known formats and text files without a suffix, and
names every other file it passes over.
The reader records each file's `InputFormat` so that `clean` can write its output in the
same format, with the same columns.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dedup.errors import InputError, unreadable
from dedup.io.compression import STREAM_ERRORS, open_read, strip_compression, suffix_compression

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".rst"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv", ".tsv"})
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
KINDS = {
    **dict.fromkeys(TEXT_SUFFIXES, "text"),
    **dict.fromkeys(JSONL_SUFFIXES, "jsonl"),
    **dict.fromkeys(CSV_SUFFIXES, "csv"),
    **dict.fromkeys(PARQUET_SUFFIXES, "parquet"),
}


@dataclass(frozen=True)
class InputFormat:
    """How one input file is stored, enough to write records back the same way.

    Attributes:
        kind: `text`, `jsonl`, `csv` or `parquet`.
        compression: `gzip`, `zstd` or None, from the file name.
        delimiter: the CSV delimiter (tab for `.tsv`).
        columns: the CSV header or the Parquet column names, in order.
        arrow_schema: the Parquet schema (a `pyarrow.Schema`), so types survive a rewrite.
        encoding: the text encoding a text file was read with (and is written back in).

    Example:
        >>> fmt = detect_format("corpus/part-0.csv.zst")
        >>> fmt.kind, fmt.compression, fmt.delimiter, fmt.encoding
        ('csv', 'zstd', ',', 'utf-8')
    """

    kind: str
    compression: str | None = None
    delimiter: str = ","
    columns: tuple[str, ...] = ()
    arrow_schema: Any = None
    encoding: str = "utf-8"


def detect_format(path: str | Path) -> InputFormat:
    """The format a file name announces; unknown suffixes are text.

    Example:
        >>> detect_format("a.jsonl.gz").kind, detect_format("a.tsv").delimiter
        ('jsonl', '\\t')
    """
    inner = strip_compression(path).suffix.lower()
    kind = KINDS.get(inner, "text")
    return InputFormat(kind, suffix_compression(path), "\t" if inner == ".tsv" else ",")


def walk(root: Path) -> tuple[list[Path], list[Path]]:
    """The files a directory walk reads, sorted, and the files it passes over.

    Read: a known suffix, maybe compressed (`.txt`, `.md`, `.rst`, `.jsonl`, `.csv`,
    `.parquet`, ...); a `.json` file that is JSON Lines; a file without a suffix (`README`,
    the numbered posts of 20 Newsgroups) or named as a package's document whatever follows
    the name (`README.Debian`, `changelog.Debian.gz`: `DOC_NAMES`) that is text, by git's
    test: no NUL byte in its first 8 KB. Passed over, for the caller to name: every other
    file (`.png`, a pretty-printed `dataset_info.json`, ...), a link to a folder (not
    followed: no loops, no corpus read twice), a broken link and what is not a regular
    file (a FIFO would block the walk).
    Hidden files and directories (`.git`, `.DS_Store`) are neither.

    Raises:
        InputError: a folder of the walk (or `root`) cannot be listed (no permission), as a
            file of it that cannot be opened is: its documents would be missing unnamed.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> for name, data in [("a.txt", b"x"), ("README", b"y"), ("logo.png", b"\\x89PNG\\0")]:
        ...     _ = (d / name).write_bytes(data)
        >>> read, passed = walk(d)
        >>> [p.name for p in read], [p.name for p in passed]
        (['README', 'a.txt'], ['logo.png'])
    """
    read: list[Path] = []
    passed: list[Path] = []
    for path in _tree(root):
        try:
            regular = path.is_file()
        except OSError as ex:  # in a folder that can be listed but not entered (mode r--)
            raise unreadable(path, ex) from ex
        if regular:
            (read if _walk_reads(path) else passed).append(path)
        else:
            passed.append(path)
    return read, passed


def _tree(folder: Path) -> Iterator[Path]:
    """Every path under `folder` but its folders and hidden names, depth first in name order
    (that of `sorted(folder.rglob("*"))`). `rglob` passed over a folder it could not list
    without a word (a new-user trial: `chmod 000 DIR/sub`, exit 0, nothing in rejects)."""
    try:
        with os.scandir(folder) as listing:
            shown = (entry for entry in listing if not entry.name.startswith("."))
            entries = sorted(shown, key=lambda entry: entry.name)
    except OSError as ex:
        raise unreadable(folder, ex) from ex
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path))
        else:
            yield Path(entry.path)  # a link to a folder too: passed over, not followed


# The names of a software package's documents, whatever suffix follows them
# ("README.Debian", "changelog.Debian.gz", "NEWS.Debian.gz", "README.policy-rc.d.gz"): a
# new-user trial's walk of /usr/share/doc passed over 95 of 303 such files.
DOC_NAMES = frozenset(
    {"readme", "news", "changelog", "changes", "history", "copying", "copyright", "license",
     "licence", "authors", "contributors", "thanks", "todo", "install", "notice", "bugs",
     "faq", "hacking", "maintainers", "credits"}
)  # fmt: skip


def _walk_reads(path: Path) -> bool:
    plain = strip_compression(path)
    suffix = plain.suffix.lower()
    if suffix in KINDS:
        return True
    if suffix == ".json":
        return is_json_lines(path)
    named = plain.name.split(".", 1)[0].lower() in DOC_NAMES
    return (suffix == "" or named) and _is_text(path)


def _is_text(path: Path, probe: int = 8192) -> bool:
    try:
        with open_read(path) as fh:
            return b"\0" not in fh.read(probe)
    except (InputError, OSError):
        return True  # unreadable: the reader names the trouble
    except STREAM_ERRORS:
        return True


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_dumps(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False)`, without building an encoder on every call
    (a million report lines or output records make that cost show).

    Example:
        >>> json_dumps({"text": "é"})
        '{"text": "é"}'
    """
    return _ENCODER.encode(value)


def written_back(raw: bytes, line_no: int) -> bytes:
    """A JSONL line as `clean` writes back a record it left unchanged: the bytes read, with
    their key order, number forms, escapes and line end (a C4-style record of compact JSON,
    "1.50e2" or "\\u00e9" came back re-encoded: a new-user trial), less the byte-order mark
    that opens a file (line 1) and with a line break after a file's last line.

    Example:
        >>> written_back(b'\\xef\\xbb\\xbf{"text":"caf\\\\u00e9","n":1.50e2}', 1)
        b'{"text":"caf\\\\u00e9","n":1.50e2}\\n'
        >>> written_back(b'{"text": "x"}\\r\\n', 7)
        b'{"text": "x"}\\r\\n'
    """
    if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw if raw.endswith(b"\n") else raw + b"\n"


def with_text(raw: bytes, line_no: int, text_field: str, text: str) -> bytes | None:
    """A JSONL line as `clean` writes back a record whose text it cut: the line read
    (`written_back`) with the value of its top-level `text_field` (the last, as the reader
    takes it) replaced by `text`, every other byte kept (compact JSON, "1.50e2", escapes,
    duplicate keys, the CRLF: a new-user trial found them re-encoded); None when the line
    is no JSON object holding that field.

    Example:
        >>> with_text(b'{"n":1.50e2,"text":"Hi\\\\nAds","u":"a\\\\/b"}\\r\\n', 2, "text", "Hi")
        b'{"n":1.50e2,"text":"Hi","u":"a\\\\/b"}\\r\\n'
    """
    line = written_back(raw, line_no)
    try:
        decoded = line.decode("utf-8")
        span = _value_span(decoded, text_field)
    except (UnicodeDecodeError, ValueError):
        return None
    if span is None:
        return None
    start, end = span
    return (decoded[:start] + json_dumps(text) + decoded[end:]).encode("utf-8")


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]  # not in typeshed


def _skip(line: str, at: int) -> int:
    """Where the JSON whitespace from `at` on ends."""
    found = _WS.match(line, at)
    return at if found is None else found.end()


def _value_span(line: str, key: str) -> tuple[int, int] | None:
    """Where the value of a top-level `key` of the JSON object `line` is, `[start, end)`
    (its last occurrence); None for no such key or no object.

    Raises:
        ValueError: the line is not valid JSON.
    """
    at = _skip(line, 0)
    if line[at : at + 1] != "{":
        return None
    at, found = at + 1, None
    while True:
        at = _skip(line, at)
        if line[at : at + 1] != '"':
            return None  # "}" of an empty object among them: no key
        name, at = _scanstring(line, at + 1)
        at = _skip(line, at)
        if line[at : at + 1] != ":":
            return None
        start = _skip(line, at + 1)
        _, end = _DECODER.raw_decode(line, start)
        if name == key:
            found = (start, end)
        at = _skip(line, end)
        if line[at : at + 1] == "}":
            return found
        if line[at : at + 1] != ",":
            return None
        at += 1


def json_value(text: str | bytes) -> Any:
    """`json.loads`, with every way JSON can be malformed a `ValueError`: bad syntax, but also
    nesting deeper than Python's stack (a `RecursionError`) and a number of more than 4,300
    digits (which Python refuses to convert).

    Example:
        >>> json_value("[" * 100_000 + "]" * 100_000)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: nested too deeply (over ... levels)
        >>> json_value("1" * 5000)
        Traceback (most recent call last):
        ValueError: a number longer than 4,300 digits
    """
    try:
        return json.loads(text)
    except RecursionError as ex:
        msg = f"nested too deeply (over {sys.getrecursionlimit():,} levels)"
        raise ValueError(msg) from ex
    except ValueError as ex:
        if isinstance(ex, json.JSONDecodeError) or "integer string conversion" not in str(ex):
            raise
        msg = "a number longer than 4,300 digits"
        raise ValueError(msg) from ex


def is_json_lines(path: Path) -> bool:
    """Whether a `.json` file is JSON Lines (what `datasets.Dataset.to_json` writes): its
    first line is a whole JSON object, or it is empty. A pretty-printed JSON document is not.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "a.json"
        >>> _ = p.write_text('{"text": "one"}\\n{"text": "two"}\\n')
        >>> is_json_lines(p)
        True
    """
    try:
        with open_read(path) as fh:
            return json_lines_head(fh)
    except (OSError, InputError):
        return False


def json_lines_head(fh: IO[bytes]) -> bool:
    """Whether a decompressed stream starts as JSON Lines do (see `is_json_lines`)."""
    try:
        first = fh.readline(1 << 20)
        if not first:
            return True  # empty: no records (as `clean` writes when it keeps none)
        record = json_value(first.removeprefix(b"\xef\xbb\xbf"))  # a byte-order mark
    except (OSError, ValueError, InputError):
        return False
    except STREAM_ERRORS:
        return False
    return isinstance(record, dict)


def is_corpus_name(name: str) -> bool:
    """Whether a file of a directory URL is read, by its name alone: a known suffix, maybe
    compressed (a store cannot be sniffed for text as cheaply as a local disk).

    Example:
        >>> is_corpus_name("s3://b/a.jsonl.gz"), is_corpus_name("s3://b/README")
        (True, False)
    """
    return strip_compression(name).suffix.lower() in KINDS


def source_path(source: str) -> str:
    """The file part of a record source `path:LINE` / `path:ROW` (a text file's source is its path).

    Example:
        >>> source_path("data/a.csv:12"), source_path("data/a.txt")
        ('data/a.csv', 'data/a.txt')
    """
    head, sep, tail = source.rpartition(":")
    return head if sep and tail.isdigit() else source
