"""`clean` on Spark: the executors write the cleaned corpus, its rejects and removed lines.

The driver holds the report (every document's id, source and length, the clusters and the
boilerplate findings) and nothing of the texts:

1. scan: `spark.scan_files`, the local engine's report;
2. verdicts: the report's decisions per document, made on the driver by the local
   `clean.dropped_copies` (a near-duplicate's reject record) and `clean.cuts_by_document`
   (the boilerplate lines to cut), one row per document with either, as JSON;
3. the documents are read again by the tasks (every field of each record), joined to the
   verdicts by id (broadcast below BROADCAST_VERDICTS rows, a shuffle join above),
   range-partitioned and sorted by input position;
4. one `mapInArrow` task per partition cleans each document with the local
   `clean.remove_spans` and writes, with the local writers, its part of the output into a
   temporary folder inside OUT, returning only counts;
5. when every task has succeeded and the counts add up (read = written + rejected), the
   driver renames the parts into place and writes the manifest; a failed run deletes the
   temporary folder and leaves OUT as the last run left it.

Layout (a Spark user's: part files, read back whole with `spark.read.json(OUT)` or by
concatenating the parts in name order, which gives the input order):

    OUT/part-00000.jsonl ...          kept documents: each record as read, the text cleaned
                                      (`.parquet` parts when every input is Parquet of one
                                      schema); a text file's document gets its name as `id`
    OUT/rejects/part-00000.jsonl ...  documents not written, with the reason (as rejects.jsonl;
                                      the files an input folder's walk did not read last, in
                                      rejects/part-not-read.jsonl)
    OUT/removed/part-00000.jsonl ...  cut lines, with the finding (as removed.jsonl)
    OUT/.dedup-clean.json             the manifest: what this run wrote

A part is written only when it has a record. The records are the local engine's: the union
of the parts equals, record for record, what `dedup clean` writes without `--engine spark`;
within each kind they are in input order (the local rejects.jsonl lists unreadable records
last, here they are in place).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

from dedup.clean import (
    Reject,
    _check_out_dir,
    _replace_manifest,
    cuts_by_document,
    dropped_copies,
    listed_documents,
    not_read_record,
    remove_spans,
)
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.engines.spark import (
    RECORD_SCHEMA,
    ReadSettings,
    SparkScan,
    _read_files,
    _session,
    _worker_errors,
    arrow_schema,
    require_files,
    scan_files,
    unpack_record,
)
from dedup.errors import DedupError, InputError
from dedup.io.atomic import replace_all
from dedup.io.formats import InputFormat, detect_format
from dedup.io.readers import DocumentReader
from dedup.io.writers import write_jsonl, write_like
from dedup.report import BoilerplateLine, Report

REJECTS_DIR, REMOVED_DIR = "rejects", "removed"
NOT_READ_PART = "part-not-read.jsonl"  # the driver's: after the tasks' parts, by name
BROADCAST_VERDICTS = 200_000  # verdict rows (~0.3 KB each) sent whole to every task
VERDICT_SCHEMA = "id string, reject string, cuts string"
PART_SCHEMA = (
    "part long, written long, near_duplicates long, unreadable long, "
    "removed_lines long, removed_chars long"
)
COUNTED = [c.split()[0] for c in PART_SCHEMA.split(", ")][1:]
_TEMP_DIR = re.compile(r"\.spark-clean\.[0-9a-f]{12}\.tmp")


@dataclass(frozen=True)
class SparkClean:
    """What `clean_spark` wrote: counts as `CleanResult.summary` gives them, the files, the
    records the reader could not use, and the scan it applied."""

    counts: dict[str, int]
    outputs: tuple[str, ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()  # (source, reason)
    passed_over: tuple[str, ...] = ()
    scan: SparkScan | None = field(default=None, repr=False)
    seconds: dict[str, float] = field(default_factory=dict)  # the scan's stages, and `write`

    def summary(self) -> dict[str, int]:
        """Counts; `written + rejected == read` always holds."""
        return dict(self.counts)


def clean_spark(
    paths: Sequence[str],
    out: str | Path,
    config: DedupConfig | None = None,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    strict: bool = False,
    encoding: str = "utf-8",
    allow_empty: bool = False,
    master: str = "local[*]",
    partitions: int | None = None,
    session: Any = None,
) -> SparkClean:
    """Scan `paths` on Spark and write the cleaned corpus from the executors (module doc).

    Args:
        paths: files, directories and globs the workers can open.
        out: output directory; must not be an input or lie inside one.
        config: detection settings (shared passages are not searched: clean ignores them).
        text_field: field or column holding the text (also the field written back).
        id_field: field holding the id.
        strict: stop at the first bad record.
        encoding: how text files are decoded.
        allow_empty: write an empty corpus when no document is read.
        master: the Spark master.
        partitions: partitions of every stage, and so the number of parts at most.
        session: a running SparkSession to use (and leave running).

    Raises:
        InputError: as `clean`; DedupError: the counts of the written parts do not add up.
    """
    settings = replace(config or DedupConfig(), passages=False)
    out_dir = Path(out)
    _check_out_dir(paths, out_dir)
    require_files(paths)
    reader = DocumentReader(
        text_field=text_field, id_field=id_field, strict=strict, encoding=encoding
    )
    files = reader.files(paths)
    _check_targets(files, out_dir)
    spark, own = (session, False) if session is not None else _session(master)
    try:
        found = scan_files(
            paths,
            settings,
            text_field=text_field,
            id_field=id_field,
            strict=strict,
            encoding=encoding,
            allow_empty=allow_empty,
            partitions=partitions,
            session=spark,
        )
        start = time.monotonic()
        with _worker_errors():
            written, counts = _write(spark, files, reader, found, settings, out_dir, partitions)
        seconds = {**found.seconds, "write": round(time.monotonic() - start, 2)}
        _replace_manifest(out_dir, written, paths)
    finally:
        if own:
            spark.stop()
    unreadable = tuple((s.source, s.reason) for s in found.skipped)
    passed = tuple(found.passed_over)
    return SparkClean(counts, tuple(written), unreadable, passed, found, seconds)


def _write(
    spark: Any,
    files: list[str],
    reader: DocumentReader,
    found: SparkScan,
    config: DedupConfig,
    out_dir: Path,
    partitions: int | None,
) -> tuple[list[str], dict[str, int]]:
    """Write the parts into a temporary folder, check the counts, move them into OUT."""
    from pyspark.sql import functions as F

    parts = partitions or spark.sparkContext.defaultParallelism
    fmt = _output_format(files)
    settings = ReadSettings.of(reader)
    names = spark.range(len(files), numPartitions=max(1, min(len(files), parts)))
    docs = names.mapInArrow(
        _read_files(files, settings, config, sign=False, meta=True), RECORD_SCHEMA
    )
    table = _verdicts(found.report)
    verdicts = spark.createDataFrame(table, schema=VERDICT_SCHEMA)
    if table.num_rows <= BROADCAST_VERDICTS:
        verdicts = F.broadcast(verdicts)
    joined = docs.select("pos", "kind", "id", "source", "text", "meta", "reason", "raw")
    joined = joined.join(verdicts, "id", "left").repartitionByRange(parts, "pos")
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftover_dirs(out_dir)
    tmp = out_dir / f".spark-clean.{secrets.token_hex(6)}.tmp"
    try:
        task = _clean_partition(str(tmp), fmt, reader.text_field)
        got = joined.sortWithinPartitions("pos").mapInArrow(task, PART_SCHEMA).toArrow()
        counts = {name: int(sum(got.column(name).to_pylist())) for name in COUNTED}
        summary = _summary(counts, found)
        if found.passed_over:  # the files the walk did not read, last (as the local engine)
            not_read = [not_read_record(name).to_dict() for name in found.passed_over]
            write_jsonl(tmp / REJECTS_DIR / NOT_READ_PART, not_read)
        # Parts only: not the temporary file of an attempt killed while writing.
        done = (p for p in tmp.rglob("part-*") if p.is_file())
        written = sorted(p.relative_to(tmp).as_posix() for p in done)
        replace_all([(tmp / name, out_dir / name) for name in written])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written, summary


def _check_targets(files: Sequence[str], out_dir: Path) -> None:
    """Refuse inputs where this run writes: OUT/part-*, OUT/rejects/ or OUT/removed/ (an
    earlier Spark clean's output, read again into the same OUT)."""
    root = out_dir.resolve()
    for name in files:
        path = Path(name).resolve()
        if not path.is_relative_to(root):
            continue
        rel = path.relative_to(root).parts
        if rel[0] in (REJECTS_DIR, REMOVED_DIR) or (len(rel) == 1 and rel[0].startswith("part-")):
            msg = f"writing {out_dir} would overwrite input {name}; choose another -o"
            raise InputError(msg)


def _output_format(files: Sequence[str]) -> InputFormat:
    """Parquet parts (with the inputs' schema) when every input is Parquet of one schema;
    JSONL parts otherwise."""
    kinds = {detect_format(f).kind for f in files}
    if kinds == {"parquet"}:
        import pyarrow.parquet as pq

        schemas = [pq.read_schema(f).remove_metadata() for f in files]
        if all(s.equals(schemas[0]) for s in schemas):
            return InputFormat("parquet", columns=tuple(schemas[0].names), arrow_schema=schemas[0])
    return InputFormat("jsonl")


def _summary(counts: dict[str, int], found: SparkScan) -> dict[str, int]:
    """`CleanResult.summary`'s counts, after checking that nothing was lost: every document
    the scan listed was written or rejected, every unreadable record rejected."""
    read = len(found.report.documents) + len(found.skipped)
    rejected = counts["near_duplicates"] + counts["unreadable"]
    if counts["written"] + rejected != read or counts["unreadable"] != len(found.skipped):
        msg = (
            f"the Spark clean wrote {counts['written']:,} and rejected {rejected:,} of "
            f"{read:,} records read; nothing was written to the output: run it again"
        )
        raise DedupError(msg)
    return {
        "read": read,
        "written": counts["written"],
        "rejected": rejected,
        "near_duplicates": counts["near_duplicates"],
        "unreadable": counts["unreadable"],
        "indexed": 0,
        "removed_lines": counts["removed_lines"],
        "removed_passages": 0,
        "removed_chars": counts["removed_chars"],
    }


def _verdicts(report: Report) -> Any:
    """One row per document the report drops or cuts: its reject record, or the lines to
    cut, as JSON (an Arrow table)."""
    import pyarrow as pa

    listed = listed_documents(report)
    rejects = dropped_copies(report.duplicates, listed)
    cuts = cuts_by_document(report, listed)
    ids = sorted(set(rejects) | set(cuts))
    table = {
        "id": ids,
        "reject": [json.dumps(rejects[i].to_dict()) if i in rejects else None for i in ids],
        "cuts": [json.dumps([f.to_dict() for f in cuts[i]]) if i in cuts else None for i in ids],
    }
    return pa.table(table, schema=arrow_schema(VERDICT_SCHEMA))


def _remove_leftover_dirs(out_dir: Path) -> None:
    """Delete the temporary folders a killed run left in OUT (only ours, by their name)."""
    for left in sorted(out_dir.glob(".spark-clean.*.tmp")):
        if _TEMP_DIR.fullmatch(left.name) and left.is_dir():
            shutil.rmtree(left, ignore_errors=True)


# --------------------------------------------------------------------- the task (in workers)


def _clean_partition(
    tmp: str, fmt: InputFormat, text_field: str
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The writing task: a partition's rows (sorted by position) in, its three parts written
    to `tmp`, its counts out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        context = TaskContext.get()
        part = context.partitionId() if context is not None else 0
        name = f"part-{part:05d}.{'parquet' if fmt.kind == 'parquet' else 'jsonl'}"
        job = _PartJob()
        folder = Path(tmp)
        written = _write_part(folder / name, job.kept(batches), fmt, text_field)
        for sub, records in ((REJECTS_DIR, job.rejects), (REMOVED_DIR, job.removed)):
            if records:
                write_jsonl(folder / sub / f"part-{part:05d}.jsonl", records)
        counts = {"part": [part], "written": [written], **{k: [v] for k, v in job.counts.items()}}
        yield pa.RecordBatch.from_pydict(counts, schema=arrow_schema(PART_SCHEMA))

    return run


def _write_part(path: Path, kept: Iterator[Document], fmt: InputFormat, text_field: str) -> int:
    """Write the kept documents (streamed: a partition is never held whole) to `path`, when
    there is one."""
    first = next(kept, None)
    if first is None:
        return 0
    return write_like(path, chain([first], kept), fmt, text_field=text_field)


class _PartJob:
    """One partition's cleaning: the kept documents streamed out, the rejects and removed
    records and the counts gathered on the way."""

    def __init__(self) -> None:
        self.rejects: list[dict[str, Any]] = []
        self.removed: list[dict[str, Any]] = []
        self.counts = {"near_duplicates": 0, "unreadable": 0, "removed_lines": 0}
        self.counts["removed_chars"] = 0

    def kept(self, batches: Iterator[Any]) -> Iterator[Document]:
        for batch in batches:
            for row in batch.to_pylist():
                doc = self._clean(row)
                if doc is not None:
                    yield doc

    def _clean(self, row: dict[str, Any]) -> Document | None:
        if row["kind"] == "error":  # a file the scan read, unreadable now
            raise InputError(row["reason"])
        if row["kind"] != "doc":
            reject = Reject(None, row["source"], "unreadable", detail=row["reason"], raw=row["raw"])
            self.rejects.append(reject.to_dict())
            self.counts["unreadable"] += 1
            return None
        if row["reject"] is not None:
            self.rejects.append(json.loads(row["reject"]))
            self.counts["near_duplicates"] += 1
            return None
        doc = unpack_record(row)
        if row["cuts"] is None:
            return doc
        lines = [BoilerplateLine.from_dict(f) for f in json.loads(row["cuts"])]
        text, cut = remove_spans(doc, lines)
        self.removed.extend(c.to_dict() for c in cut)
        self.counts["removed_lines"] += len(cut)
        self.counts["removed_chars"] += sum(len(c.text) for c in cut)
        return replace(doc, text=text) if cut else doc
