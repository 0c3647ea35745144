"""CSV and Parquet records, streamed in both directions.

CSV is read with the standard `csv` module, row by row; a row that cannot be used (a
broken quote, the wrong number of fields, bytes that are not UTF-8) comes out as a bad
`RawRecord` with its problem, and the next row reads on. Parquet (needs pyarrow:
`pip install -e '.[parquet]'`) is read one record batch at a time, so a file far larger
than memory streams. Both writers stream too and replace the target atomically.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dedup.errors import BadFile, InputError, first_line
from dedup.io.compression import decompressing, open_write_atomic
from dedup.report import amount

BATCH_ROWS = 1024
# The csv module refuses fields over 128 KiB by default; whole documents are longer.
FIELD_LIMIT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One CSV row or Parquet row as read: its fields, or the problem that stopped it.

    Attributes:
        number: the row number, counting data rows from 1 (a CSV header is not a row).
        fields: column name -> value; None when the row is bad.
        problem: why the row is bad ("" when it is good).
        raw: the row as read, for the rejects file.
    """

    number: int
    fields: dict[str, Any] | None
    problem: str = ""
    raw: str = ""


def csv_records(
    fh: IO[bytes], name: str, delimiter: str = ","
) -> tuple[tuple[str, ...], Iterator[RawRecord]]:
    """The header of a CSV stream and an iterator over its rows.

    Example:
        >>> cols, rows = csv_records(io.BytesIO(b'id,text\\n1,"Hi, there"\\n2\\n'), "a.csv")
        >>> cols
        ('id', 'text')
        >>> [(r.number, r.fields, r.problem) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
        [(1, {'id': '1', 'text': 'Hi, there'}, ''),
         (2, None, 'has 1 field, the header has 2')]
    """
    csv.field_size_limit(FIELD_LIMIT)
    # surrogateescape keeps a bad byte from stopping the file: the row holding it is skipped.
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    # strict: a quote never closed is an error at the end of the file, instead of a field
    # that silently swallows every row after it.
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = tuple(next(reader, ()))
    except csv.Error as ex:
        msg = f"{name}: the CSV header cannot be read ({ex}); check the file"
        raise InputError(msg) from ex
    if _undecodable(header):
        msg = f"{name}: the CSV header is not valid UTF-8; convert the file to UTF-8 first"
        raise InputError(msg)
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        # A row read by column name would keep one of the two values and lose the other.
        msg = f"{name}: the CSV header names {', '.join(map(repr, twice))} twice; rename one"
        raise InputError(msg)
    return header, _csv_rows(reader, lines, header, name)


class _Lines:
    """The lines of a text stream, keeping those the csv reader took for its current row
    (a row the reader rejects is kept whole, with every line it spans, in the rejects)."""

    def __init__(self, text: Iterator[str]) -> None:
        self.text = text
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.text)
        self.taken.append(line)
        return line

    def raw(self) -> str:
        """The lines taken since the last `raw` call, as one string (bad bytes escaped)."""
        text = "".join(self.taken).rstrip("\r\n")
        self.taken.clear()
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _csv_rows(
    reader: Any, lines: _Lines, header: tuple[str, ...], name: str
) -> Iterator[RawRecord]:
    number = 0
    lines.raw()  # the header's
    while True:
        number += 1
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as ex:
            if "unexpected end of data" in str(ex):
                msg = (
                    f"{name}: row {number} (line {line}) opens a quote that is never closed, "
                    "so every later row would be read into one field; fix the quoting"
                )
                raise InputError(msg) from ex
            problem = f"not a valid CSV row ({ex})"
            if reader.line_num > line:
                problem += f"; it spans lines {line}-{reader.line_num}: is a quote left open?"
            yield RawRecord(number, None, problem, lines.raw())
            continue
        lines.raw()
        raw = _format_csv_row(row, reader.dialect.delimiter)
        if _undecodable(row):
            yield RawRecord(number, None, "not valid UTF-8", raw.encode(errors="replace").decode())
        elif len(row) != len(header):
            problem = f"has {amount(len(row), 'field')}, the header has {len(header)}"
            yield RawRecord(number, None, problem, raw)
        else:
            yield RawRecord(number, dict(zip(header, row, strict=True)), "", raw)


def _undecodable(fields: Sequence[str]) -> bool:
    try:
        "".join(fields).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _format_csv_row(row: Sequence[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return out.getvalue()


def parquet_records(
    name: str, source: Path | Callable[[], IO[bytes]], *, compressed: bool
) -> tuple[Any, Iterator[RawRecord]]:
    """The Arrow schema of a Parquet file and an iterator over its rows, batch by batch.

    `source` is the local file, or opens the file's (seekable) bytes, named `name`. A
    gzip/zstd-compressed Parquet file is first unpacked into a temporary file, because
    Parquet is read from its footer and needs a seekable file.

    Raises:
        InputError: pyarrow is missing, or the file is not Parquet.
    """
    pq = _pyarrow_parquet()
    opened: Any = str(source) if isinstance(source, Path) else source()
    if compressed:
        # Closed when the ParquetFile reading it is collected; the OS removes it on close.
        unpacked_file = tempfile.TemporaryFile()  # noqa: SIM115
        raw = open(opened, "rb") if isinstance(opened, str) else opened  # noqa: SIM115
        with raw, decompressing(raw, name) as unpacked:
            shutil.copyfileobj(unpacked, unpacked_file)
        unpacked_file.seek(0)
        opened = unpacked_file
    try:
        parquet = pq.ParquetFile(opened)
    except Exception as ex:  # pyarrow raises ArrowInvalid, OSError, ... for a bad file
        reason = f"not a readable Parquet file ({first_line(ex)}); check the file"
        raise BadFile(name, reason) from ex
    return parquet.schema_arrow, _parquet_rows(parquet, name)


def _parquet_rows(parquet: Any, path: str) -> Iterator[RawRecord]:
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            for row in _batch_rows(batch):
                number += 1
                yield RawRecord(number, *row)
    except Exception as ex:  # a damaged page: ArrowInvalid, OSError, ArrowNotImplementedError...
        if not isinstance(ex, OSError) and not type(ex).__module__.startswith("pyarrow"):
            raise
        reason = f"Parquet data is damaged after row {number} ({first_line(ex)}); check the file"
        raise BadFile(path, reason) from ex


def _batch_rows(batch: Any) -> Iterator[tuple[dict[str, Any] | None, str, str]]:
    """(fields, problem, raw) of every row of a record batch.

    A string column can hold bytes that are not UTF-8 (Parquet does not check): then the
    batch is read row by row, and only the rows that cannot be decoded are bad.
    """
    try:
        rows = batch.to_pylist()
    except UnicodeDecodeError:
        for i in range(batch.num_rows):
            try:
                (row,) = batch.slice(i, 1).to_pylist()
            except UnicodeDecodeError as ex:
                raw = repr(ex.object[:200]) if isinstance(ex.object, bytes) else ""
                yield None, "a string column holds bytes that are not UTF-8", raw
            else:
                yield row, "", ""
        return
    for row in rows:
        yield row, "", ""


def write_csv(
    path: str | Path,
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    delimiter: str = ",",
) -> int:
    """Write records as CSV with `columns` as header, compressed by suffix, atomically.

    Example:
        >>> p = Path(tempfile.mkdtemp()) / "out.csv"
        >>> write_csv(p, [{"id": "1", "text": "Hi, there"}], ["id", "text"])
        1
        >>> p.read_bytes()
        b'id,text\\n1,"Hi, there"\\n'
    """
    count = 0
    with open_write_atomic(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.DictWriter(
            text, fieldnames=list(columns), delimiter=delimiter, lineterminator="\n"
        )
        writer.writeheader()
        for record in records:
            writer.writerow(record)
            count += 1
        text.flush()
        text.detach()  # the atomic writer closes the underlying stream itself
    return count


def write_parquet(
    path: str | Path, records: Iterable[Mapping[str, Any]], schema: Any = None
) -> int:
    """Write records as Parquet in batches, with `schema` (a `pyarrow.Schema`) when given.

    Passing the schema read from the input keeps every column and its type.

    Example:
        >>> p = Path(tempfile.mkdtemp()) / "out.parquet"
        >>> write_parquet(p, [{"id": 1, "text": "Hi"}])
        1
        >>> _pyarrow_parquet().read_table(p).to_pylist()
        [{'id': 1, 'text': 'Hi'}]
    """
    pq = _pyarrow_parquet()
    import pyarrow as pa

    count = 0
    with open_write_atomic(path) as raw:
        writer = None
        for batch in _batches(records):
            table = pa.Table.from_pylist(batch, schema=schema)
            if writer is None:
                writer = pq.ParquetWriter(raw, table.schema)
            writer.write_table(table)
            count += len(batch)
        if writer is None:  # no rows: still a valid, empty file with the schema
            empty = schema if schema is not None else pa.schema([])
            writer = pq.ParquetWriter(raw, empty)
        writer.close()
    return count


def _batches(records: Iterable[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def raw_json(fields: Mapping[str, Any]) -> str:
    """A record as one line of JSON for the rejects file (values JSON lacks become strings).

    Example:
        >>> raw_json({"id": 1, "text": None})
        '{"id": 1, "text": null}'
    """
    return json.dumps(dict(fields), ensure_ascii=False, default=str)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as ex:
        msg = "reading or writing Parquet needs pyarrow: pip install -e '.[parquet]'"
        raise InputError(msg) from ex
    return pq
