"""Which format a file is in: text, JSONL, CSV/TSV or Parquet, possibly gzip/zstd-compressed.

The format comes from the suffix left after the compression suffix (`a.jsonl.gz` is
gzip-compressed JSONL); a file with an unknown suffix given by name is read as text.
The reader records each file's `InputFormat` so that `clean` can write its output in the
same format, with the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dedup.io.compression import strip_compression, suffix_compression

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
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


def is_corpus_file(path: Path) -> bool:
    """Whether a directory walk picks up this file (a known suffix, maybe compressed).

    Example:
        >>> is_corpus_file(Path("a.jsonl.gz")), is_corpus_file(Path("a.png"))
        (True, False)
    """
    return strip_compression(path).suffix.lower() in KINDS


def source_path(source: str) -> str:
    """The file part of a record source `path:LINE` / `path:ROW` (a text file's source is its path).

    Example:
        >>> source_path("data/a.csv:12"), source_path("data/a.txt")
        ('data/a.csv', 'data/a.txt')
    """
    head, sep, tail = source.rpartition(":")
    return head if sep and tail.isdigit() else source
