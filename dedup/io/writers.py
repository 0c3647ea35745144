"""Writing outputs, each atomically through `dedup.io.atomic`.

Records go to JSONL (`write_jsonl`) or back into their input's format (`write_like`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from dedup.document import Document
from dedup.io.atomic import write_atomic
from dedup.io.compression import open_write_atomic
from dedup.io.formats import InputFormat, json_dumps
from dedup.io.tables import write_csv, write_parquet
from dedup.parallel import map_shared, ranges


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped) atomically; return the count.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl"
        >>> write_jsonl(p, [{"id": 1, "text": "é"}])
        1
        >>> p.read_text(encoding="utf-8")
        '{"id": 1, "text": "é"}\\n'
    """
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records]
    write_atomic(path, "".join(lines))
    return len(lines)


# --- Writing in the input's format (text, JSONL, CSV, Parquet; gzip/zstd by suffix) ---------


def write_like(
    path: str | Path,
    docs: Iterable[Document],
    fmt: InputFormat,
    *,
    text_field: str = "text",
    jobs: int = 1,
) -> int:
    """Write documents to `path` in `fmt`, the format their input file was read in.

    Records are each document's `meta` with `text_field` set to its text, so every other
    field or column comes back as read: a CSV keeps its header order, a Parquet file its
    schema (`fmt.arrow_schema`). A `text` format writes the single document's text. The
    file is compressed by `path`'s suffix (`.gz`, `.zst`) and replaced atomically. JSONL
    lines of a sequence of documents are encoded by `jobs` forked processes, a chunk each
    (the file is the same).

    Returns:
        The number of documents written.

    Example:
        >>> import tempfile, gzip, pathlib
        >>> from dedup.io.formats import detect_format
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl.gz"
        >>> write_like(p, [Document("a", "Hi", meta={"id": 7})], detect_format(p))
        1
        >>> gzip.decompress(p.read_bytes())
        b'{"id": 7, "text": "Hi"}\\n'
    """
    records = ({**doc.meta, text_field: doc.text} for doc in docs)
    if fmt.kind == "parquet":
        return write_parquet(path, records, fmt.arrow_schema)
    if fmt.kind == "csv":
        first = list(itertools.islice(records, 1))
        columns = fmt.columns or (tuple(first[0]) if first else (text_field,))
        return write_csv(path, itertools.chain(first, records), columns, delimiter=fmt.delimiter)
    count = 0
    with open_write_atomic(path) as fh:
        if fmt.kind == "jsonl" and isinstance(docs, Sequence):
            tasks = ranges(len(docs), WRITE_CHUNK)
            lines = partial(_jsonl_lines, text_field=text_field)
            for chunk in map_shared(lines, docs, tasks, jobs=jobs):
                fh.write(chunk)
            return len(docs)
        for record in records:  # streamed: a generator of documents is never held whole
            if fmt.kind == "text":
                fh.write(str(record[text_field]).encode(fmt.encoding))
            else:
                fh.write((json_dumps(record) + "\n").encode("utf-8"))
            count += 1
    return count


WRITE_CHUNK = 4096  # documents per JSONL encoding task


def _jsonl_lines(docs: Sequence[Document], task: range, text_field: str) -> bytes:
    """The JSONL lines of `docs[task]`, each its `meta` with `text_field` set to its text."""
    lines = (json_dumps({**docs[i].meta, text_field: docs[i].text}) + "\n" for i in task)
    return "".join(lines).encode("utf-8")
