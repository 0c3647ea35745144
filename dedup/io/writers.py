"""Writing outputs, each atomically through `dedup.io.atomic`.

Records go to JSONL (`write_jsonl`) or back into their input's format (`write_like`).
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

from dedup.document import Document
from dedup.errors import InputError
from dedup.io.atomic import write_atomic
from dedup.io.compression import open_read, open_write_atomic, suffix_compression
from dedup.io.formats import InputFormat, json_dumps, with_text, written_back
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

    Records are each document's `meta` with `text_field` set to its text (`Document.record`),
    so every other field or column comes back as read: a JSONL record keeps its key order, a
    CSV its header order, a Parquet file its schema (`fmt.arrow_schema`). A `text` format
    writes the single document's text. The file is compressed by `path`'s suffix (`.gz`,
    `.zst`) and replaced atomically. JSONL lines of a sequence of documents are encoded by
    `jobs` forked processes, a chunk each (the file is the same).

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
    records = (doc.record(text_field) for doc in docs)
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
            if jobs > 1 and len(tasks) > 1 and suffix_compression(path) is None:
                _copy_chunks(Path(path), fh, docs, tasks, text_field, jobs)
                return len(docs)
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


def write_jsonl_copying(
    path: str | Path, docs: Sequence[Document], unchanged: Sequence[bool], text_field: str
) -> bool:
    """Write the JSONL records of `docs`, each unchanged one (`unchanged`) copied from its
    file as it was read (`written_back`), each cut one with only its text replaced
    (`with_text`, else encoded whole: `Document.record`); False,
    writing nothing, unless every document is a record of one local file (`source`
    "path:LINE"), in its order.

    The input is read again line by line beside the output (compressed or not), so nothing
    more is held in memory; only the texts `clean` cut are encoded.

    Raises:
        InputError: the input no longer has a line it was read with (changed meanwhile).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "in.jsonl").write_bytes(b'{"text":"Hi","n":1.50e2}\\n{"text":"Ho"}\\n')
        >>> docs = [Document("1", "Hi", f"{d / 'in.jsonl'}:1", {"n": 150.0}),
        ...         Document("2", "H", f"{d / 'in.jsonl'}:2")]
        >>> write_jsonl_copying(d / "out.jsonl", docs, [True, False], "text")
        True
        >>> (d / "out.jsonl").read_bytes()
        b'{"text":"Hi","n":1.50e2}\\n{"text":"H"}\\n'
    """
    places = [doc.source.rpartition(":") for doc in docs]
    files = {file for file, _, _ in places}
    if len(files) != 1 or not all(line.isdigit() for _, _, line in places):
        return False
    file = files.pop()
    numbers = [int(line) for _, _, line in places]
    if file == "-" or not Path(file).is_file():  # standard input is not there to read again
        return False
    if any(a >= b for a, b in itertools.pairwise(numbers)):
        return False
    with open_read(file) as fh, open_write_atomic(path) as out:
        lines = enumerate(fh, start=1)
        for doc, same, line_no in zip(docs, unchanged, numbers, strict=True):
            raw = next((raw for n, raw in lines if n == line_no), None)
            if raw is None:
                msg = f"{file}: has no line {line_no} any more (changed while cleaned); run again"
                raise InputError(msg)
            line = (
                written_back(raw, line_no)
                if same
                else with_text(raw, line_no, text_field, doc.text)
            )
            if line is None:  # no object holding the text: encoded whole
                line = (json_dumps(doc.record(text_field)) + "\n").encode("utf-8")
            out.write(line)
    return True


WRITE_CHUNK = 4096  # documents per JSONL encoding task


def _jsonl_lines(docs: Sequence[Document], task: range, text_field: str) -> bytes:
    """The JSONL lines of `docs[task]`, each its `Document.record` with `text_field`.

    A line `docs` has as it must be written (`JsonlCorpus.verbatim_line`) is copied as it is.
    """
    verbatim = getattr(docs, "verbatim_line", None)
    if verbatim is None:
        lines = (json_dumps(docs[i].record(text_field)) + "\n" for i in task)
        return "".join(lines).encode("utf-8")
    out = []
    for i in task:
        line = verbatim(i, text_field)
        if line is None:
            line = (json_dumps(docs[i].record(text_field)) + "\n").encode("utf-8")
        out.append(line)
    return b"".join(out)


def _copy_chunks(
    path: Path,
    fh: IO[bytes],
    docs: Sequence[Document],
    tasks: list[range],
    text_field: str,
    jobs: int,
) -> None:
    """Write the JSONL lines of `docs` to `fh` (the uncompressed file replacing `path`), the
    chunks encoded by `jobs` forked workers that each write theirs to a file beside `path`,
    copied into `fh` by the kernel in order: no chunk is pickled back to this process.

    The chunk files are named as the atomic writer names its temporary files, so a killed
    run's leftovers are recognised (and `clean` removes them).
    """
    stem = f".{path.name}.{secrets.token_hex(4)}"
    fh.flush()
    out = fh.fileno()
    write = partial(_jsonl_chunk_file, stem=str(path.with_name(stem)), text_field=text_field)
    try:
        for chunk in map_shared(write, docs, list(enumerate(tasks)), jobs=jobs):
            with open(chunk, "rb") as src:
                _copy_file(src, fh, out)
            os.unlink(chunk)
    finally:
        for left in path.parent.glob(f"{glob.escape(stem)}????.tmp"):
            left.unlink(missing_ok=True)


def _jsonl_chunk_file(
    docs: Sequence[Document], task: tuple[int, range], stem: str, text_field: str
) -> str:
    """Write chunk `k` (`task` is `(k, positions)`) to its own file; return the file's name."""
    k, positions = task
    name = f"{stem}{k % 0x10000:04x}.tmp"
    with open(name, "wb") as fh:
        fh.write(_jsonl_lines(docs, positions, text_field))
    return name


def _copy_file(src: IO[bytes], dst: IO[bytes], out: int) -> None:
    """Append all of `src` to `dst` (whose descriptor is `out`), in the kernel when it can."""
    size = os.fstat(src.fileno()).st_size
    try:
        while size > 0:
            sent = os.copy_file_range(src.fileno(), out, size)
            if not sent:
                break
            size -= sent
    except (AttributeError, OSError):  # no copy_file_range (not Linux), or not across these
        shutil.copyfileobj(src, dst)
        dst.flush()
        return
    if size > 0:
        shutil.copyfileobj(src, dst)
        dst.flush()
