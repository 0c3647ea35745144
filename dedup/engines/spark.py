"""The Spark engine: near-duplicate clusters and shared passages on Apache Spark.

Every stage calls the local core functions, never a second copy of the maths, so the
report equals the local engine's for any partition count:

1. read: the driver lists the input files as the local reader does; tasks read them with
   `DocumentReader` (the same ids, skipped records and errors), each row keyed by its
   position `file << 32 | record`, which sorts as the local input order;
2. sign: one Arrow UDF (`mapInArrow`) per partition calls `signature.text_signatures`,
   `lsh.band_keys` and `cluster.keep_keys`;
3. band join: each batch's band keys split by destination partition (key mod partitions)
   and shuffled as one packed block per partition, not a row per key; a task sorts its
   partition's keys and links each document to the first document sharing a key (star
   links: linear in a bucket's size, never quadratic);
4. connected components of the links (large-star / small-star);
5. cluster: the documents of components of two or more are repartitioned by component,
   and one `mapInArrow` task runs, for each component in its partition,
   `cluster.cluster_signatures` (identical signatures, the capped banding join, exact
   Jaccard, the representative rule) on its documents in input order. Every LSH bucket
   lies inside one component, so this is the local clustering piece by piece. The bound:
   one component's texts and signatures must fit in one Python worker (a component is a
   set of documents linked by shared bands, near copies, not the corpus);
6. passages (with `config.passages`): window signatures, the capped banding join of the
   windows, the gate and the alignment of each candidate document pair, on Spark too
   (`dedup.engines.spark_passages`);
7. boilerplate (with `config.find_boilerplate`): corpus evidence (lines recurring per
   site, documents' openings) as Spark aggregations, each document judged by the local
   code in a UDF (`dedup.engines.spark_boilerplate`);
8. the driver collects the clusters, the passages, the boilerplate findings and every
   document's id, source and length (the report lists every document: ~100 bytes each)
   and assembles the report.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dedup.api import reuse_report
from dedup.boilerplate import document_site
from dedup.cluster import Duplicates, check_keep_keys, cluster_of, cluster_signatures, keep_keys
from dedup.config import DedupConfig
from dedup.document import Document, require_unique_id
from dedup.errors import ConfigError, DedupError, InputError
from dedup.io.readers import STDIN, DocumentReader, SkippedRecord, require_documents
from dedup.io.remote import is_url
from dedup.lsh import band_keys, document_bands
from dedup.passages import Reuse
from dedup.report import DocumentInfo, Report
from dedup.signature import text_signatures

INSTALL_TEXT = "the Spark engine needs pyspark: pip install -e '.[spark]'"
JAVA_TEXT = (
    "Spark could not start ({detail}); it needs Java 17 or newer: "
    "apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
)
FILE_SHIFT = 32  # a row's position: file number << FILE_SHIFT | record number in the file
ROWS_PER_BATCH = 1024  # rows per Arrow batch a read task yields
SAMPLE = 1000  # documents whose fields name a missing --date-field (as `require_field`)

READ_SCHEMA = (
    "pos long, kind string, id string, source string, text string, chars long, "
    "keep double, keep_error string, fields array<string>, reason string, raw string, "
    "site string"
)
SIGNED_SCHEMA = f"{READ_SCHEMA}, keys array<long>"
# The signed table of a documents-only scan: no texts. Caching them cost more than reading
# again the fifth of the documents whose clustering needs them (`_Texts`).
LEAN_SCHEMA = SIGNED_SCHEMA.replace("text string, ", "")
# The read for `clean` (`dedup.engines.spark_clean`): every field of each record and the
# place of its text, pickled (`pack_record`: a Parquet column's type survives), and a text
# file's name as its `id` field.
RECORD_SCHEMA = f"{READ_SCHEMA}, meta binary"
CLUSTER_SCHEMA = (
    "rep long, member long, jaccard double, "
    "duplicate_candidates long, lsh_false_positive long, lsh_buckets_capped long"
)
# Every column but the text and the site (which only the boilerplate stage reads, there).
LISTED = [c.split()[0] for c in READ_SCHEMA.split(", ") if not c.startswith(("text ", "site "))]
PIECE_SCHEMA = "comp long, pos long, text string, keep double"
PIECE_COLUMNS = [c.split()[0] for c in PIECE_SCHEMA.split(", ")]
TEXT_COLUMNS = PIECE_COLUMNS[1:]  # a document's position, text and keep key
TEXT_SCHEMA = PIECE_SCHEMA.removeprefix("comp long, ")  # the schema of TEXT_COLUMNS
# A batch's (position, band key) pairs bound for one partition, both packed int64.
KEY_SCHEMA = "part long, pos binary, key binary"
LINK_SCHEMA = "u long, v long"
DRIVER_LINKS = 20_000_000  # band links put in components on the driver (16 B each)
BROADCAST_NODES = 2_000_000  # documents with candidates joined to the texts by broadcast
LOG_CONFIG = Path(__file__).parent.parent / "data" / "spark-log4j2.properties"  # errors only
LOG_OPTION = f"-Dlog4j2.configurationFile={LOG_CONFIG}"
# A local master's one JVM, for a scan of minutes: the C1 compiler only (the compiler
# threads took 37 of its 82 CPU seconds at 200,000 documents, on the cores the scan needs;
# with C1 alone 5, the tasks' own JVM code 18 % slower: 44 in all) and the parallel
# collector (less background work than G1). Not on a cluster, where long-lived executors
# earn their C2 code.
LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseParallelGC"
PANDAS_WARNING = "PySpark does not yet fully support pandas"
COUNTS = ("duplicate_candidates", "lsh_false_positive", "lsh_buckets_capped")
MEMORY_TEXT = (
    "Spark ran out of memory ({detail}): give it more (a local master: "
    "PYSPARK_SUBMIT_ARGS='--driver-memory 8g pyspark-shell'; a cluster: spark.executor.memory) "
    "or more, smaller partitions (spark.sql.shuffle.partitions)"
)
_OUT_OF_MEMORY = re.compile(
    r"SparkOutOfMemoryError|java\.lang\.OutOfMemoryError(: [^\n]*)?|UNABLE_TO_ACQUIRE_MEMORY|"
    r"\bMemoryError\b"
)
_WORKER_ERROR = re.compile(r"^dedup\.errors\.(ConfigError|InputError|DedupError): (.*)$", re.M)


@dataclass(frozen=True)
class SparkScan:
    """A scan on Spark: the report, the clusters and passages it was assembled from (`reuse`
    by document position, None without passages), what the reader skipped or passed over,
    and what each stage took (`seconds`) and handled (`sizes`), for sizing a cluster."""

    report: Report
    duplicates: Duplicates | None = None
    reuse: Reuse | None = None
    skipped: list[SkippedRecord] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def spark_session(master: str = "local[*]") -> Any:
    """A Spark session for dedup (the active one, or a new one on `master`).

    A `local[...]` master binds to 127.0.0.1 and runs without the web UI; Python workers
    run this interpreter, so they import the same dedup.

    Raises:
        ConfigError: pyspark is not installed, or Java cannot start.
    """
    return _session(master)[0]


def _session(master: str) -> tuple[Any, bool]:
    """The session, and whether it was started here (and so is stopped after the scan)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as ex:
        raise ConfigError(INSTALL_TEXT) from ex
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # pyspark warns on every session and UDF that it is not yet tested with pandas 3; the
    # Spark tests pass with it, and the warning would be printed on every run.
    warnings.filterwarnings("ignore", PANDAS_WARNING, FutureWarning)
    builder = (
        SparkSession.builder.master(master)
        .appName("dedup")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2048")
        .config("spark.driver.extraJavaOptions", LOG_OPTION)
    )
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.driver.extraJavaOptions", f"{LOG_OPTION} {LOCAL_JVM_OPTIONS}")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    try:
        session = builder.getOrCreate()
    except Exception as ex:  # pyspark raises a bare runtime error when Java is missing
        raise ConfigError(JAVA_TEXT.format(detail=str(ex).strip().splitlines()[0])) from ex
    session.sparkContext.setLogLevel("ERROR")
    return session, True


def scan_files(
    paths: Sequence[str],
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
) -> SparkScan:
    """The scan of `paths` on Spark: near-duplicates, shared passages (`config.passages`)
    and boilerplate (`config.find_boilerplate`), the local `scan`'s report, equal to it.

    Args:
        paths: local (or cluster-shared) files, directories and globs, as for `scan`.
        config: settings.
        text_field: field or column holding the text.
        id_field: field holding the id (default `path:LINE` / `path:ROW`).
        strict: stop at the first bad record.
        encoding: how text files are decoded.
        allow_empty: succeed when no document is read.
        master: the Spark master (`local[*]`, `spark://host:7077`, `yarn`, ...).
        partitions: partitions of the document table and of every shuffle (default: the
            session's parallelism); the report does not depend on it.
        session: a running SparkSession to use (and leave running).

    Raises:
        ConfigError: pyspark missing, Java missing, too many candidate document pairs for
            the driver (`spark_passages.DRIVER_PAIRS`), a --site-field in no document.
        InputError: as the local reader, and for standard input or URLs.
    """
    config = config or DedupConfig()
    require_files(paths)
    reader = DocumentReader(
        text_field=text_field, id_field=id_field, strict=strict, encoding=encoding
    )
    files = reader.files(paths)
    spark, own = (session, False) if session is not None else _session(master)
    try:
        with _worker_errors():
            found = _scan(spark, files, reader, config, partitions, paths, allow_empty)
    finally:
        if own:
            spark.stop()
    return replace(found, passed_over=list(reader.passed_over))


def require_files(paths: Sequence[str]) -> None:
    """Refuse standard input and URLs: the tasks open the inputs by name.

    Example:
        >>> require_files(["corpus/"])
    """
    for path in paths:
        if path == STDIN or is_url(path):
            msg = f"{path}: the Spark engine reads files its workers can open; save it to a file"
            raise InputError(msg)


def scan_report(paths: Sequence[str], config: DedupConfig, **options: Any) -> Report:
    """The report of `scan_files`, for a command that scans on Spark and does the rest here
    (`clean` writes the corpus, `check` measures its limits).

    `options` are those of `scan_files`; the report equals `scan`'s.
    """
    return scan_files(paths, config, **options).report


def find_duplicates_spark(
    paths: Sequence[str], config: DedupConfig | None = None, **options: Any
) -> Duplicates:
    """The near-duplicate clusters of `paths` found on Spark, for a scan that runs its
    other stages (passages, boilerplate) here: `scan(docs, config, duplicates=...)`.

    `options` are those of `scan_files`; the clusters and counts equal `find_duplicates`.
    """
    only = replace(config or DedupConfig(), passages=False)
    return find_on_spark(paths, only, **options)[0]


def find_on_spark(
    paths: Sequence[str], config: DedupConfig | None = None, **options: Any
) -> tuple[Duplicates, Reuse | None]:
    """The near-duplicate clusters and (with `config.passages`) the shared passages of
    `paths` found on Spark, for a scan that finds boilerplate here:
    `scan(docs, config, duplicates=..., reuse=...)`, `docs` read in the same order.

    `options` are those of `scan_files`; both equal what `scan` finds.
    """
    found = scan_files(paths, replace(config or DedupConfig(), find_boilerplate=False), **options)
    if found.duplicates is None:  # scan_files always sets it
        msg = "the Spark scan returned no near-duplicates"
        raise DedupError(msg)
    return found.duplicates, found.reuse


@contextmanager
def _worker_errors() -> Iterator[None]:
    """A dedup error raised in a Spark worker is the same one-line error on the driver."""
    try:
        yield
    except DedupError:
        raise
    except Exception as ex:
        found = _WORKER_ERROR.findall(str(ex))
        if not found:
            memory = _OUT_OF_MEMORY.search(str(ex))
            if memory is None:
                raise
            raise ConfigError(MEMORY_TEXT.format(detail=memory.group(0))) from None
        kind, msg = found[-1]
        error = {"ConfigError": ConfigError, "InputError": InputError}.get(kind, DedupError)
        raise error(msg) from None


def _scan(
    spark: Any,
    files: list[str],
    reader: DocumentReader,
    config: DedupConfig,
    partitions: int | None,
    paths: Sequence[str],
    allow_empty: bool,
) -> SparkScan:
    import pyarrow.compute as pc
    from pyspark import StorageLevel

    clock = Clock()
    parts = partitions or spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(parts))
    settings = ReadSettings.of(reader)
    names = spark.range(len(files), numPartitions=max(1, min(len(files), parts)))
    # Only the passage and boilerplate stages read every text again; without them the
    # cluster stage reads the texts of the documents with candidates from the files.
    texts = config.passages or config.find_boilerplate
    schema = SIGNED_SCHEMA if texts else LEAN_SCHEMA
    if len(files) < parts:  # fewer files than partitions: spread their records, then sign
        read = names.mapInArrow(_read_files(files, settings, config, sign=False), READ_SCHEMA)
        table = read.repartition(parts, "pos").mapInArrow(_sign(config, texts=texts), schema)
    else:
        task = _read_files(files, settings, config, sign=True, texts=texts)
        table = names.mapInArrow(task, schema)
    # Serialized on disk: the texts stay off the heap (without texts, ~0.3 KB a document).
    table = table.persist(StorageLevel.DISK_ONLY)
    try:
        # One pass over the cache for both lists: every column but the text and signature.
        listed = table.select(*LISTED).orderBy("pos").toArrow()
        clock.lap("read, sign, cache")
        skipped = _skipped(listed.filter(pc.field("kind") != "doc").to_pydict())
        rows = listed.filter(pc.field("kind") == "doc").to_pydict()
        del listed
        require_documents(len(rows["pos"]), skipped, paths, allow_empty=allow_empty)
        _check_documents(rows, config)
        if config.find_boilerplate and config.boilerplate.site_field:
            from dedup.engines.spark_boilerplate import require_site

            require_site(table, rows, config.boilerplate.site_field)
        infos = [
            DocumentInfo(*doc)
            for doc in zip(rows["id"], rows["source"], rows["chars"], strict=True)
        ]
        clock.lap("collect documents")
        source = _Texts(table, names, files, settings, config)
        positions = np.array(rows["pos"], dtype=np.int64)
        duplicates = _duplicates(source, positions, infos, config, clock)
        reuse, boilerplate = None, None
        if config.passages:
            from dedup.engines.spark_passages import find_reuse_spark

            reuse = find_reuse_spark(table, positions, rows["id"], duplicates, config, clock)
        if config.find_boilerplate:
            from dedup.engines.spark_boilerplate import find_boilerplate_spark

            boilerplate = find_boilerplate_spark(table, len(infos), config.boilerplate, clock)
    finally:
        table.unpersist()
    report = reuse_report(
        config, infos, duplicates, reuse or Reuse([], {}), boilerplate=boilerplate
    )
    return SparkScan(report, duplicates, reuse, skipped, seconds=clock.seconds, sizes=clock.sizes)


class Clock:
    """Seconds per stage, and sizes worth knowing when sizing a cluster (`SparkScan`)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.sizes: dict[str, int] = {}
        self.last = time.monotonic()

    def lap(self, stage: str) -> None:
        now = time.monotonic()
        self.seconds[stage] = round(now - self.last, 2)
        self.last = now


def _skipped(found: dict[str, list[Any]]) -> list[SkippedRecord]:
    """The skipped records in input order; a file that could not be read raises."""
    for kind, reason in zip(found["kind"], found["reason"], strict=True):
        if kind == "error":
            raise InputError(reason)
    return [
        SkippedRecord(*r) for r in zip(found["source"], found["reason"], found["raw"], strict=True)
    ]


def _check_documents(rows: dict[str, list[Any]], config: DedupConfig) -> None:
    """Unique ids and a usable keep rule, checked in input order as `scan` checks them."""
    seen: dict[str, str] = {}
    for doc_id, source in zip(rows["id"], rows["source"], strict=True):
        require_unique_id(Document(doc_id, "", source), seen)
    for error in rows["keep_error"]:
        if error is not None:
            raise ConfigError(error)
    sample = [
        Document(doc_id, "", source, dict.fromkeys(fields or ()))
        for doc_id, source, fields in zip(
            rows["id"][:SAMPLE], rows["source"][:SAMPLE], rows["fields"][:SAMPLE], strict=True
        )
    ]
    check_keep_keys(min(rows["keep"], default=np.inf), sample, config)


# --------------------------------------------------------------------- tasks (run in workers)


@dataclass(frozen=True)
class ReadSettings:
    """What a read task needs to read one file as the local reader does: its options, and
    the files found by walking a directory or a glob (a damaged one is a skipped record
    there, an error when named)."""

    text_field: str
    id_field: str | None
    strict: bool
    encoding: str
    walked: frozenset[str]

    @classmethod
    def of(cls, reader: DocumentReader) -> ReadSettings:
        """The settings of the driver's reader, after it listed the files (`files`)."""
        walked = frozenset(reader.walked)
        return cls(reader.text_field, reader.id_field, reader.strict, reader.encoding, walked)

    def reader(self, name: str) -> DocumentReader:
        """A reader for file `name`, that knows whether the file was walked."""
        walked = {name} & self.walked
        return DocumentReader(
            text_field=self.text_field,
            id_field=self.id_field,
            strict=self.strict,
            encoding=self.encoding,
            walked=walked,
        )


def _read_files(
    files: list[str],
    settings: ReadSettings,
    config: DedupConfig,
    *,
    sign: bool,
    texts: bool = True,
    meta: bool = False,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The read task: file numbers in, document and skipped-record rows out (signed too
    with `sign`: one pass over the texts when no shuffle is needed in between, and then
    without the texts unless `texts`; with `meta`, RECORD_SCHEMA rows, for writing the
    records back)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            for number in batch.column(0).to_pylist():
                rows = _read_file(number, files[number], settings, config, meta=meta)
                yield from _sign(config, texts=texts)(rows) if sign else rows

    return run


def _read_texts(
    files: list[str],
    settings: ReadSettings,
    config: DedupConfig,
    only: np.ndarray[Any, Any] | None,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The task that reads the files again for texts: file numbers in, TEXT_COLUMNS rows
    out for the documents at positions `only` (sorted; None: every document). Files that
    hold none of them are not opened, and the other documents are dropped as they are read
    (no row, no keep key: most of a file's documents have no candidate)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow.compute as pc

        for batch in batches:
            for number in batch.column(0).to_pylist():
                wanted = None if only is None else _in_file(only, number)
                if wanted is not None and not wanted:
                    continue
                for rows in _read_file(number, files[number], settings, config, only=wanted):
                    yield rows.filter(pc.equal(rows.column("kind"), "doc")).select(TEXT_COLUMNS)

    return run


def _in_file(only: np.ndarray[Any, Any], number: int) -> frozenset[int]:
    """The positions of `only` (sorted) in file `number`: one slice, found by bisection.

    Example:
        >>> sorted(_in_file(np.array([5, 1 << FILE_SHIFT, (1 << FILE_SHIFT) + 3]), 1))
        [4294967296, 4294967299]
    """
    lo, hi = np.searchsorted(only, [number << FILE_SHIFT, (number + 1) << FILE_SHIFT])
    return frozenset(only[lo:hi].tolist())


def _read_file(
    number: int,
    name: str,
    settings: ReadSettings,
    config: DedupConfig,
    *,
    meta: bool = False,
    only: frozenset[int] | None = None,
) -> Iterator[Any]:
    reader = settings.reader(name)
    rows = _Rows(number << FILE_SHIFT, config, meta=meta, only=only)
    try:
        for doc in reader.read([name]):
            rows.add_skipped(reader.skipped)
            fmt = reader.formats.get(name)
            if meta and fmt is not None and fmt.kind == "text":
                doc = replace(doc, meta={"id": doc.id, **doc.meta})  # its name, once a record
            rows.add_document(doc)
            if len(rows) >= ROWS_PER_BATCH:
                yield rows.batch()
        rows.add_skipped(reader.skipped)
    except DedupError as ex:  # raised on the driver, the first in input order
        rows.add_skipped(reader.skipped)
        rows.add("error", str(ex))
    yield rows.batch()


class _Rows:
    """Rows of one file for READ_SCHEMA, numbered in reading order; with `only`, the
    documents at other positions are numbered but give no row."""

    def __init__(
        self,
        base: int,
        config: DedupConfig,
        *,
        meta: bool = False,
        only: frozenset[int] | None = None,
    ) -> None:
        self.base, self.config, self.seen, self.only = base, config, 0, only
        self.schema = RECORD_SCHEMA if meta else READ_SCHEMA
        # ("doc", Document), (kind, SkippedRecord), or ("gone", None): a document not wanted
        self.entries: list[tuple[str, Any]] = []
        self.next = 0  # the number of the next row

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, kind: str, reason: str) -> None:
        self.entries.append((kind, SkippedRecord("", reason)))

    def add_skipped(self, skipped: list[SkippedRecord]) -> None:
        self.entries.extend(("skip", record) for record in skipped[self.seen :])
        self.seen = len(skipped)

    def add_document(self, doc: Document) -> None:
        pos = self.base + self.next + len(self.entries)
        wanted = self.only is None or pos in self.only
        self.entries.append(("doc", doc) if wanted else ("gone", None))

    def batch(self) -> Any:
        import pyarrow as pa

        docs = [e for kind, e in self.entries if kind == "doc"]
        keys, errors = self._keep_keys(docs)
        # Field names, to name them when a --date-field or --site-field is in no document:
        # the first SAMPLE documents of the corpus are among the first rows of their files.
        site = self.config.boilerplate.site_field if self.config.find_boilerplate else None
        fields = self.config.keep == "newest" or site is not None
        cols: dict[str, list[Any]] = {name: [] for name in arrow_schema(self.schema).names}
        meta = cols.get("meta")
        k = 0
        for kind, entry in self.entries:
            self.next += 1
            if kind == "gone":
                continue
            cols["pos"].append(self.base + self.next - 1)
            cols["kind"].append(kind)
            if kind == "doc":
                cols["id"].append(entry.id)
                cols["source"].append(entry.source)
                cols["text"].append(entry.text)
                cols["chars"].append(entry.chars)
                cols["keep"].append(keys[k])
                cols["keep_error"].append(errors[k])
                named = fields and self.next <= SAMPLE
                cols["fields"].append(sorted(map(str, entry.meta)) if named else None)
                cols["site"].append(document_site(entry, self.config.boilerplate))
                cols["reason"].append(None)
                cols["raw"].append(None)
                if meta is not None:
                    meta.append(pack_record(entry))
                k += 1
            else:
                for name in ("id", "text", "chars", "keep", "keep_error", "fields", "site"):
                    cols[name].append(None)
                if meta is not None:
                    meta.append(None)
                cols["source"].append(entry.source)
                cols["reason"].append(entry.reason)
                cols["raw"].append(entry.raw)
        self.entries = []
        return pa.RecordBatch.from_pydict(cols, schema=arrow_schema(self.schema))

    def _keep_keys(self, docs: list[Document]) -> tuple[list[float], list[str | None]]:
        """`keep_keys` of the documents, and the error of each whose key cannot be made."""
        try:
            return keep_keys(docs, self.config).tolist(), [None] * len(docs)
        except ConfigError:
            pass
        keys: list[float] = []
        errors: list[str | None] = []
        for doc in docs:
            try:
                keys.append(float(keep_keys([doc], self.config)[0]))
                errors.append(None)
            except ConfigError as ex:
                keys.append(float("nan"))
                errors.append(str(ex))
        return keys, errors


def pack_record(doc: Document) -> bytes:
    """The `meta` column of a RECORD_SCHEMA row: `doc`'s other fields and where its text
    sat among them, so the task that writes the record back writes it in the key order it
    was read in (`unpack_record`, `Document.record`).

    Example:
        >>> doc = Document("a", "Hi", "f:1", {"id": 7}, text_at=0)
        >>> row = {"id": "a", "text": "Hi", "source": "f:1", "meta": pack_record(doc)}
        >>> unpack_record(row) == doc, unpack_record(row).record()
        (True, {'text': 'Hi', 'id': 7})
    """
    return pickle.dumps((doc.meta, doc.text_at), protocol=pickle.HIGHEST_PROTOCOL)


def unpack_record(row: dict[str, Any]) -> Document:
    """The document of a RECORD_SCHEMA row, its fields and text place from `pack_record`."""
    meta, text_at = pickle.loads(row["meta"])
    return Document(row["id"], row["text"], row["source"], meta, text_at)


@lru_cache(maxsize=8)
def arrow_schema(spark_schema: str) -> Any:
    """The Arrow schema of a Spark DDL schema string of the types the engine uses.

    Example:
        >>> arrow_schema("pos long, sig binary").names
        ['pos', 'sig']
    """
    import pyarrow as pa

    types = {
        "long": pa.int64(),
        "string": pa.string(),
        "double": pa.float64(),
        "binary": pa.binary(),
        "array<string>": pa.list_(pa.string()),
        "array<long>": pa.list_(pa.int64()),
        "array<double>": pa.list_(pa.float64()),
        "boolean": pa.bool_(),
    }
    return pa.schema(
        [(n, types[t]) for n, t in (c.split(" ", 1) for c in spark_schema.split(", "))]
    )


def _sign(config: DedupConfig, *, texts: bool = True) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The signing task: each document row gains its band keys (and loses its text unless
    `texts`). The signatures themselves are not kept: the cluster stage signs again the
    fifth of the documents that have candidates, which costs less than carrying 512 B for
    every document through the cache."""
    bands, rows = document_bands(config)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.compute as pc

        schema = arrow_schema(SIGNED_SCHEMA if texts else LEAN_SCHEMA)
        for batch in batches:
            if not batch.num_rows:
                continue
            doc = pc.equal(batch.column("kind"), "doc")
            is_doc = np.asarray(doc.to_numpy(zero_copy_only=False), dtype=bool)
            docs = batch.column("text").filter(doc).to_pylist()
            keys = band_keys(text_signatures(docs, config), bands, rows)
            width = np.where(is_doc, bands, 0)
            offsets = np.concatenate(([0], np.cumsum(width))).astype(np.int32)
            kept = batch if texts else batch.drop_columns(["text"])
            columns = [*kept.columns, pa.ListArray.from_arrays(offsets, keys.reshape(-1))]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    return run


def _cluster_partition(config: DedupConfig) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The clustering task: whole components in, their clusters and counts out.

    The documents of several components are clustered in one `cluster_signatures` call, in
    input order: no bucket, copy or candidate spans two components, so this equals one call
    per component, without a Python call per component.
    """

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        table = pa.Table.from_batches(list(batches), schema=arrow_schema(PIECE_SCHEMA))
        table = table.sort_by("pos")
        pos = np.asarray(table.column("pos").to_numpy(), dtype=np.int64)
        keep = np.asarray(table.column("keep").to_numpy(), dtype=np.float64)
        order = np.lexsort((np.arange(len(pos)), keep)).astype(np.int64)
        texts = table.column("text").to_pylist()
        del table
        found, counts = cluster_signatures(text_signatures(texts, config), texts, order, config)
        reps = [int(pos[rep]) for rep, members in found for _ in members]
        members = [int(pos[m]) for _, ms in found for m, _ in ms]
        jaccards = [j for _, ms in found for _, j in ms]
        out: dict[str, list[Any]] = {"rep": [-1, *reps], "member": [-1, *members]}
        out["jaccard"] = [0.0, *jaccards]
        for name in COUNTS:
            out[name] = [counts[name]] + [0] * len(reps)
        yield pa.RecordBatch.from_pydict(out, schema=arrow_schema(CLUSTER_SCHEMA))

    return run


def _key_blocks(tags: Sequence[int]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The band join's map side: each batch's (pos, key) pairs split by destination
    partition (key mod partitions) into packed blocks (`blocks`). One row per key (21
    million at 1,000,000 documents) made the JVM explode, hash, shuffle and convert to
    Arrow each; a block per batch and partition leaves it a few thousand rows."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            lists = batch.column("keys")
            counts = np.asarray(lists.value_lengths().fill_null(0).to_numpy(), dtype=np.int64)
            key = np.asarray(lists.flatten().to_numpy(), dtype=np.int64)
            if len(key):
                pos = np.repeat(np.asarray(batch.column("pos").to_numpy(), dtype=np.int64), counts)
                yield blocks(np.mod(key, len(tags)), tags, [pos, key], KEY_SCHEMA)

    return run


def blocks(
    dest: np.ndarray[Any, Any],
    tags: Sequence[int],
    columns: Sequence[np.ndarray[Any, Any]],
    schema: str,
) -> Any:
    """Rows of `columns` split by destination partition `dest`: one Arrow row per partition
    that gets any, its tag (`partition_tags`) then each column's rows as one packed binary
    value (`unpack` reads them back), so a shuffle moves a few large rows, not many small.

    Example:
        >>> got = blocks(np.array([1, 0, 1]), [7, 9], [np.arange(3)], "part long, x binary")
        >>> got.column(0).to_pylist(), unpack(got.column(1)[1:], np.int64).tolist()
        ([7, 9], [0, 2])
    """
    import pyarrow as pa

    order = np.argsort(dest, kind="stable")
    ends = np.cumsum(np.bincount(dest, minlength=len(tags)))
    starts = np.concatenate(([0], ends[:-1]))
    full = np.flatnonzero(ends > starts).tolist()
    chunks = [order[starts[d] : ends[d]] for d in full]
    packed = [pa.array([c[rows].tobytes() for rows in chunks], pa.binary()) for c in columns]
    tagged = pa.array([tags[d] for d in full], pa.int64())
    return pa.RecordBatch.from_arrays([tagged, *packed], schema=arrow_schema(schema))


def unpack(column: Any, dtype: type[np.generic]) -> np.ndarray[Any, Any]:
    """A column of packed blocks (`blocks`) as one array of `dtype`."""
    return np.frombuffer(b"".join(column.to_pylist()), dtype=dtype)


def partition_tags(spark: Any, parts: int) -> list[int]:
    """For each partition d, an int that Spark's hash partitioning on `parts` partitions
    (`repartition(parts, column)`: Murmur3 with seed 42, the `hash` function's) sends to
    d, so `blocks` fills every partition evenly. Where none of the ints tried lands
    on d (improbable: 64 tries per partition), d itself: a partition then takes two
    destinations' keys, still whole buckets."""
    from pyspark.sql import functions as F

    tried = spark.range(64 * parts).select(F.col("id").alias("t"))
    got = tried.select("t", F.pmod(F.hash("t"), F.lit(parts)).alias("d")).toArrow()
    tags = list(range(parts))
    seen: set[int] = set()
    for t, d in zip(got.column("t").to_pylist(), got.column("d").to_pylist(), strict=True):
        if d not in seen:
            seen.add(d)
            tags[d] = t
    return tags


def _star_links(batches: Iterator[Any]) -> Iterator[Any]:
    """The band join's task: the blocks of (pos, key) pairs of whole buckets in
    (`_key_blocks`), each document linked to the first document of every bucket it shares
    (u > v), the star that keeps a bucket's links linear in its size. A numpy sort of the
    partition: measured at 200,000 documents it took 5-8 s and 4.7-5.3 CPU s where
    Spark's window over the same shuffle took 12-13 s and 6.2-6.7 CPU s. The bound: a
    partition's keys (16 B each, bands per document) in one Python worker."""
    import pyarrow as pa

    table = pa.Table.from_batches(list(batches), schema=arrow_schema(KEY_SCHEMA))
    key, pos = unpack(table.column("key"), np.int64), unpack(table.column("pos"), np.int64)
    del table
    order = np.lexsort((pos, key))
    key, pos = key[order], pos[order]
    head = np.ones(len(key), dtype=bool)
    head[1:] = key[1:] != key[:-1]
    first = pos[np.flatnonzero(head)[np.cumsum(head) - 1]]
    linked = ~head & (pos != first)  # a document listed twice under one key: no self-link
    yield pa.RecordBatch.from_arrays(
        [pa.array(pos[linked]), pa.array(first[linked])], schema=arrow_schema(LINK_SCHEMA)
    )


# --------------------------------------------------------------------- driver-side plans


@dataclass(frozen=True)
class _Texts:
    """The signed table, and where the cluster stage finds the texts of the documents with
    candidates: the table when it holds every text (a scan with passages or boilerplate
    reads them all again anyway), else the files, read again by tasks that keep only those
    documents (a fifth of the corpus in the benchmarks: cheaper to read twice than to carry
    every text through the cache)."""

    table: Any
    names: Any  # one row per file number, partitioned for the read tasks
    files: list[str]
    settings: ReadSettings
    config: DedupConfig

    def texts(self, only: np.ndarray[Any, Any] | None) -> Any:
        """TEXT_COLUMNS of the documents at positions `only` (sorted; None: every one)."""
        if "text" in self.table.columns:
            return self.table.where("kind = 'doc'").select(*TEXT_COLUMNS)
        task = _read_texts(self.files, self.settings, self.config, only)
        return self.names.mapInArrow(task, TEXT_SCHEMA)


def _duplicates(
    source: _Texts,
    pos: np.ndarray[Any, Any],
    infos: list[DocumentInfo],
    config: DedupConfig,
    clock: Clock,
) -> Duplicates:
    from pyspark.sql import functions as F

    table = source.table
    parts = int(table.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    tags = partition_tags(table.sparkSession, parts)
    keys = table.where("kind = 'doc'").select("pos", "keys")
    packed = keys.mapInArrow(_key_blocks(tags), KEY_SCHEMA)
    links = packed.repartition(parts, "part").mapInArrow(_star_links, LINK_SCHEMA)
    links = links.distinct().localCheckpoint()
    clock.sizes["links"] = links.count()
    clock.lap("band join")
    if clock.sizes["links"] <= DRIVER_LINKS:
        nodes, rounds = _components_here(links), 0
    else:
        nodes, rounds = _components(links)
    nodes = nodes.localCheckpoint()
    clock.sizes["documents with candidates"] = involved = nodes.count()
    clock.sizes["component rounds"] = rounds
    clock.lap("components")
    # A small table joins without moving the texts, and a read task keeps only its rows.
    small = involved <= BROADCAST_NODES
    only = np.sort(nodes.select("node").toArrow().column(0).to_numpy()) if small else None
    texts = source.texts(only)
    nodes = F.broadcast(nodes) if small else nodes
    pieces = texts.join(nodes, texts.pos == nodes.node).select(*PIECE_COLUMNS)
    got = pieces.repartition(parts, "comp").mapInArrow(_cluster_partition(config), CLUSTER_SCHEMA)
    found = got.toArrow().to_pydict()
    clock.lap("cluster")
    counts = {name: int(sum(found[name])) for name in COUNTS}
    clusters: dict[int, list[tuple[int, float]]] = {}
    for rep, member, jac in zip(found["rep"], found["member"], found["jaccard"], strict=True):
        if rep >= 0:
            at = np.searchsorted(pos, [rep, member])
            clusters.setdefault(int(at[0]), []).append((int(at[1]), jac))
    result = {"duplicate_candidates": counts["duplicate_candidates"]}
    result["lsh_false_positive"] = counts["lsh_false_positive"]
    result["lsh_buckets_capped"] = counts["lsh_buckets_capped"]
    result["duplicate_clusters"] = len(clusters)
    return Duplicates(
        [
            cluster_of(lambda i: infos[i].id, rep, sorted(members), config)
            for rep, members in sorted(clusters.items())
        ],
        result,
    )


MAX_ROUNDS = 200  # large-star / small-star rounds; it converges in O(log^2 n)


def _components_here(links: Any) -> Any:
    """`_components` computed on the driver, for links that fit in its memory (16 B each):
    a few vector steps instead of Spark jobs of rounds."""
    import pyarrow as pa

    got = links.toArrow()
    u = np.asarray(got.column("u").to_numpy(), dtype=np.int64)
    v = np.asarray(got.column("v").to_numpy(), dtype=np.int64)
    nodes, ends = np.unique(np.concatenate((u, v)), return_inverse=True)
    a, b = ends[: len(u)], ends[len(u) :]
    label = np.arange(len(nodes))
    while True:
        # Each node takes the smallest label across its links, then labels point to roots.
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while not (new[new] == new).all():
            new = new[new]
        if (new == label).all():
            break
        label = new
    # A component's label is its smallest position: positions are sorted, so its smallest node.
    table = pa.table({"node": nodes, "comp": nodes[label]})
    return links.sparkSession.createDataFrame(table)


def _components(links: Any) -> tuple[Any, int]:
    """(node, comp) for every node of the undirected links (u > v): comp is the smallest
    node of its connected component. Large-star / small-star (Kiveris et al., 2014) until
    every component is a star around its smallest node; and the number of rounds."""
    from pyspark.sql import functions as F

    edges, rounds = links, 0
    while rounds < MAX_ROUNDS and not _stars(edges):
        edges = _small_star(_large_star(edges)).localCheckpoint()
        rounds += 1
    centres = edges.select(F.col("v").alias("node"), F.col("v").alias("comp")).distinct()
    nodes = edges.select(F.col("u").alias("node"), F.col("v").alias("comp")).union(centres)
    return nodes, rounds


def _stars(edges: Any) -> bool:
    """Every node has at most one smaller neighbour, and no centre has a smaller one."""
    from pyspark.sql import functions as F

    if not edges.groupBy("u").count().where("count > 1").isEmpty():
        return False
    centres = edges.select(F.col("v").alias("u")).distinct()
    return bool(centres.join(edges.select("u"), "u").isEmpty())


def _large_star(edges: Any) -> Any:
    """Each node's larger neighbours are linked to the smallest of its neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("u").alias("x"), F.col("v").alias("y")).union(
        edges.select(F.col("v").alias("x"), F.col("u").alias("y"))
    )
    low = both.groupBy("x").agg(F.min("y").alias("m"))
    linked = both.join(low, "x").where("y > x")
    return linked.select(F.col("y").alias("u"), F.least("x", "m").alias("v")).distinct()


def _small_star(edges: Any) -> Any:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    from pyspark.sql import functions as F

    low = edges.groupBy("u").agg(F.min("v").alias("m"))
    others = (
        edges.join(low, "u").where("v != m").select(F.col("v").alias("u"), F.col("m").alias("v"))
    )
    return others.union(low.select("u", F.col("m").alias("v"))).distinct()
