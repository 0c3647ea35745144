"""A persistent index of documents: SQLite by default, PostgreSQL for a shared server.

Both backends hold the same tables and run the same SQL:

- `dedup_meta`: schema version, the index fingerprint and the settings it covers
  (`DedupConfig.index_settings`, JSON), the whole config for the record, LSH band/row counts;
- `dedup_documents`: internal number, the REAL document id, its source pointer, its text and
  the text's SHA-256;
- `dedup_signatures`: the document MinHash signature (little-endian uint32s);
- `dedup_bands`: one row per (band key, document) of the document signature;
- `dedup_window_bands`: one row per (band key, document) of the passage-window signatures.

The text itself is stored, not only the source pointer: a CI runner or a shared server
usually cannot read the files an index was built from, and a source file that changed since
would give wrong spans. With the text stored, every reported span `[start, end)` of an indexed
document is exact and carries its evidence; the SHA-256 detects a damaged row.

A query looks up the band keys of its signatures (one indexed B-tree probe per band), then
verifies every candidate: exact Jaccard of the shingle sets for near-duplicates, alignment
(`find_passages_against`) for passages. So the index decides where to look, never what is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document, require_unique_id
from dedup.errors import ConfigError, InputError, first_line
from dedup.io.atomic import atomic_path
from dedup.io.formats import source_path
from dedup.lsh import band_keys, document_bands, window_bands
from dedup.normalize import split_words
from dedup.passages import find_passages_against
from dedup.report import (
    BoilerplateLine,
    DocumentPair,
    PassageMatch,
    boilerplate_passages,
    passage_columns,
)
from dedup.shingle import word_hashes
from dedup.signature import passage_windows, text_signatures
from dedup.verify import document_overlap, has_words

# 2: each signature blob ends in its CRC-32; 3: a sample of the window band keys (see below)
SCHEMA = "dedup.index/3"
# Passage windows: only the band keys divisible by this are stored and probed (the same
# keys on both sides, so a reused passage, whose windows share many keys, still shares some).
# They only choose which indexed documents a query aligns with; alignment itself uses every
# window. benchmarks/index_size.py measures the size and the recall this trades.
WINDOW_KEY_SAMPLE = 4
QUERY_SCHEMA = "dedup.query/1"  # the JSON of `dedup index query`
QUERY_POSITIONS = (
    "a: the indexed document, b: the queried one; start and end: 0-based half-open "
    "[start, end) str offsets into each document's text"
)
SQLITE_PAGE_SIZE = 16384  # a ~2.5 KB text fits 6 to a page, not 1 to a 4 KB page
SQLITE_MAGIC = b"SQLite format 3\x00"
QUICK_CHECK_MAX_BYTES = 64 << 20  # full page check on open below this size (it reads every page)
# Indexed documents aligned per query document, best score first (`_window_candidates`):
# the first FEW_PASSAGE_CANDIDATES always, then up to MAX_PASSAGE_CANDIDATES whose score says
# they hold a window few other documents hold (a document quoting many sources is covered,
# and candidates found only through phrases common to many documents cost nothing).
FEW_PASSAGE_CANDIDATES = 10
MAX_PASSAGE_CANDIDATES = 50
SPECIFIC_SCORE = 1.0
ESTIMATE_MARGIN = (
    0.15  # candidates whose MinHash estimate is this far below the threshold are dropped
)
BUSY_SECONDS = 300.0  # how long an index write waits for another writer's lock
_BATCH = 500  # queries per SQL statement (500 x 12 bands stays under every parameter limit)

_TABLES = (
    "CREATE TABLE IF NOT EXISTS dedup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dedup_documents (doc BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " source TEXT NOT NULL, text TEXT NOT NULL, sha256 TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dedup_signatures (doc BIGINT PRIMARY KEY, sig {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dedup_bands (key BIGINT NOT NULL, doc BIGINT NOT NULL,"
    " PRIMARY KEY (key, doc)){without_rowid}",
    "CREATE TABLE IF NOT EXISTS dedup_window_bands (key BIGINT NOT NULL, doc BIGINT NOT NULL,"
    " PRIMARY KEY (key, doc)){without_rowid}",
)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What a query found: `a` is always the indexed document, `b` the queried one.

    Attributes:
        pairs: near-duplicate pairs (indexed id, query id) with their exact Jaccard.
        passages: passages of indexed documents reused in queried ones, spans into both texts.
        sources: source pointer of every indexed document named above.
        passages_boilerplate: passages left out as boilerplate (`without_boilerplate`).
    """

    pairs: tuple[DocumentPair, ...]
    passages: tuple[PassageMatch, ...]
    sources: dict[str, str]
    passages_boilerplate: int = 0

    def without_boilerplate(
        self, lines: Sequence[BoilerplateLine], config: DedupConfig
    ) -> QueryResult:
        """The result without the passages whose queried side is boilerplate (the queried
        documents' `lines`; `report.boilerplate_passages`, the indexed side's lines being
        unknown here), counted in `passages_boilerplate`; as it is under
        `PassageConfig.boilerplate`. A site footer a checked article shared with an
        indexed one was reported as reuse, and `clean --against` rejected the article (a
        new-user trial).

        Example:
            >>> from dedup.report import Span
            >>> tail = "Share this:"
            >>> p = PassageMatch(Span("i", 0, 11, tail), Span("q", 6, 17, tail), 1.0, 2)
            >>> line = BoilerplateLine("q", 6, 17, 1, "lexicon", 1.0, 0.9, "share this")
            >>> found = QueryResult((), (p,), {}).without_boilerplate([line], DedupConfig())
            >>> found.passages, found.passages_boilerplate
            ((), 1)
        """
        if config.passage.boilerplate or not self.passages:
            return self
        # The queried side alone: an indexed document may share a queried one's id (an
        # index of the same folder) while its text, and so its offsets, differ.
        queried = [replace(p, a=replace(p.a, doc="\x00indexed")) for p in self.passages]
        cols = passage_columns(queried, sorted({p.b.doc for p in queried}))
        shared = boilerplate_passages(cols, lines, config.passage.least_words).tolist()
        kept = tuple(p for p, gone in zip(self.passages, shared, strict=True) if not gone)
        sources = {doc: self.sources[doc] for doc in self._named(kept) if doc in self.sources}
        left = self.passages_boilerplate + len(self.passages) - len(kept)
        return QueryResult(self.pairs, kept, sources, left)

    def _named(self, passages: Sequence[PassageMatch]) -> set[str]:
        """The indexed documents the pairs and `passages` name."""
        return {p.a for p in self.pairs} | {p.a.doc for p in passages}

    def to_dict(self, location: str | None) -> dict[str, Any]:
        """What the query found, JSON-ready (`QUERY_SCHEMA`): the index `location`, pairs,
        passages (0-based `[start, end)` offsets, `a` indexed, `b` queried), sources.

        Example:
            >>> QueryResult((), (), {}).to_dict("train.idx")["schema"]
            'dedup.query/1'
        """
        return {
            "schema": QUERY_SCHEMA,
            "positions": QUERY_POSITIONS,
            "index": location,
            "pairs": [p.to_dict() for p in self.pairs],
            "passages": [p.to_dict() for p in self.passages],
            "passages_boilerplate": self.passages_boilerplate,
            "sources": dict(sorted(self.sources.items())),
        }


@dataclass(frozen=True, slots=True)
class AddResult:
    """Documents added, already indexed with the same text (skipped), and replaced.

    A document whose id is indexed with another text is an edited version: its old entry
    is replaced (`updated`), so the index never holds two versions of one document.
    """

    added: int
    unchanged: int
    updated: int = 0


class Index:
    """A persistent document index (a SQLite file or a `postgresql://` URL).

    Use `Index.build`, `Index.open` or `Index.create`; close it (or use `with`).

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "train.idx")
        >>> text = "The committee will meet again on Monday to review the draft budget."
        >>> Index.build(path, [Document("train-1", text)], DedupConfig()).close()
        >>> with Index.open(path, DedupConfig()) as index:
        ...     hit = index.query([Document("eval-7", text)])
        >>> hit.pairs[0].a, hit.pairs[0].jaccard, hit.passages[0].a.doc
        ('train-1', 1.0, 'train-1')
    """

    def __init__(self, conn: Any, location: str, config: DedupConfig, *, postgres: bool) -> None:
        self._conn = conn
        self.location = location
        self.config = config
        self._postgres = postgres
        self.bands, self.rows = document_bands(config)
        self.window_bands, self.window_rows = window_bands(config)

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(cls, location: str, config: DedupConfig) -> Index:
        """A new, empty index at `location` (an existing one there is replaced on `commit`)."""
        conn, postgres = _connect(location, create=True)
        index = cls(conn, location, config, postgres=postgres)
        index._init_schema()
        return index

    @classmethod
    def open(cls, location: str, config: DedupConfig) -> Index:
        """An existing index; refused when it was built with other index settings.

        Only the settings the stored shingles and band keys depend on must match
        (`DedupConfig.index_settings`); the keep rule, boilerplate and alignment settings of
        `config` apply to queries as given.

        Raises:
            InputError: no index there, not a dedup index, or a corrupted one.
            ConfigError: the index was built with other index settings than `config`.
        """
        conn, postgres = _connect(location, create=False)
        index = cls(conn, location, config, postgres=postgres)
        index._check_meta()
        return index

    @classmethod
    def require(cls, location: str, config: DedupConfig) -> None:
        """Refuse a missing, damaged or differently built index before the corpus is read:
        a new-user trial's `dedup clean --against` with a mistyped index path scanned the
        whole corpus first, to say only then that there was no index.

        Raises:
            InputError: no index there, not a dedup index, or a corrupted one.
            ConfigError: the index was built with other index settings than `config`.
        """
        with cls.open(location, config):
            pass

    @classmethod
    def build(cls, location: str, docs: Iterable[Document], config: DedupConfig) -> Index:
        """A new index of `docs`, replacing any at `location` only once it is complete.

        A SQLite index is written to a temporary file next to `location` and renamed; a
        PostgreSQL index is replaced inside one transaction.
        """
        if _is_url(location):
            index = cls.create(location, config)
            index._execute_script(["DELETE FROM dedup_" + t for t in _DATA_TABLES])
            index._write_meta()
            index.add(docs)
            return index
        _refuse_other_file(Path(location))
        with atomic_path(location) as tmp:
            index = cls.create(str(tmp), config)
            try:
                index._write_meta()
                index.add(docs)
            finally:
                index.close()
        return cls.open(location, config)

    def close(self) -> None:
        """Commit and close the connection."""
        self._conn.commit()
        self._conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        """Commit and close; after an error or Ctrl-C, roll back first, so that an index
        holds all of a command's changes or none (a new-user trial: Ctrl-C during `index
        add` of 703 documents left 700 of them committed, and said nothing of it)."""
        if kind is not None:
            with contextlib.suppress(Exception):
                self._conn.rollback()
        self.close()

    def __len__(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM dedup_documents")[0])

    # ----------------------------------------------------------------- writing

    def add(self, docs: Iterable[Document]) -> AddResult:
        """Index `docs`; the same id and text again is skipped, the same id with a new text
        replaces the old entry.

        Raises:
            InputError: an id appears twice in `docs`.
        """
        inserted = unchanged = replaced = 0
        with self._errors():
            # Many runs may add at once: number the documents under one write lock, taken
            # before reading the highest number (the other writer waits, it does not fail).
            if self._postgres:
                self._conn.execute("LOCK TABLE dedup_documents IN EXCLUSIVE MODE")
            elif not self._conn.in_transaction:
                self._conn.execute("BEGIN IMMEDIATE")
            next_doc = int(self._one("SELECT COALESCE(MAX(doc), -1) + 1 FROM dedup_documents")[0])
            batch: list[Document] = []
            seen: dict[str, str] = {}
            for doc in docs:
                require_unique_id(doc, seen)
                batch.append(doc)
                if len(batch) >= _BATCH:
                    i, u, r = self._add_batch(batch, next_doc + inserted)
                    inserted, unchanged, replaced, batch = (
                        inserted + i,
                        unchanged + u,
                        replaced + r,
                        [],
                    )
            i, u, r = self._add_batch(batch, next_doc + inserted)
            self._conn.commit()
        inserted, unchanged, replaced = inserted + i, unchanged + u, replaced + r
        return AddResult(inserted - replaced, unchanged, replaced)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the documents with these ids (unknown ids are ignored); how many went.

        Example:
            >>> import tempfile, os
            >>> path = os.path.join(tempfile.mkdtemp(), "x.idx")
            >>> with Index.build(path, [Document("a", "one two three")], DedupConfig()) as index:
            ...     index.remove(["a", "nope"]), len(index)
            (1, 0)
        """
        with self._errors():
            gone = self._delete(self._known_numbers(list(ids)))
            self._conn.commit()
        return gone

    def _add_batch(self, docs: list[Document], first: int) -> tuple[int, int, int]:
        """Insert the new and edited documents of one batch: (inserted, unchanged, replaced)."""
        known = self._known_hashes([d.id for d in docs])
        fresh = [d for d in docs if known.get(d.id) != _sha256(d.text)]
        edited = [d.id for d in fresh if d.id in known]
        replaced = self._delete(self._known_numbers(edited))
        if not fresh:
            return 0, len(docs), 0
        numbers = list(range(first, first + len(fresh)))
        sigs = self.signatures(fresh)
        self._executemany(
            "INSERT INTO dedup_documents (doc, id, source, text, sha256) VALUES (?, ?, ?, ?, ?)",
            [
                (n, d.id, d.source, d.text, _sha256(d.text))
                for n, d in zip(numbers, fresh, strict=True)
            ],
        )
        self._executemany(
            "INSERT INTO dedup_signatures (doc, sig) VALUES (?, ?)",
            [(n, _signature_blob(sig)) for n, sig in zip(numbers, sigs, strict=True)],
        )
        keys = band_keys(sigs, self.bands, self.rows)
        rows = {(int(k), n) for n, row in zip(numbers, keys.tolist(), strict=True) for k in row}
        self._executemany(
            "INSERT INTO dedup_bands (key, doc) VALUES (?, ?) ON CONFLICT DO NOTHING", sorted(rows)
        )
        if self.config.passages:
            wrows = {
                (k, n) for n, d in zip(numbers, fresh, strict=True) for k in self._window_keys(d)
            }
            self._executemany(
                "INSERT INTO dedup_window_bands (key, doc) VALUES (?, ?) ON CONFLICT DO NOTHING",
                sorted(wrows),
            )
        return len(fresh), len(docs) - len(fresh), replaced

    def _delete(self, numbers: list[int]) -> int:
        """Delete every row of these internal document numbers; how many documents."""
        for table in _DATA_TABLES:
            for sql, chunk in self._in_chunks(f"DELETE FROM dedup_{table} WHERE doc IN", numbers):
                self._conn.execute(sql, chunk)
        return len(numbers)

    def _known_numbers(self, ids: list[str]) -> list[int]:
        sql = "SELECT doc FROM dedup_documents WHERE id IN"
        return sorted(int(n) for (n,) in self._select_in(sql, ids))

    # ----------------------------------------------------------------- reading

    def signatures(self, docs: Sequence[Document]) -> npt.NDArray[np.uint32]:
        """Document MinHash signatures under this index's config, one row per document."""
        return text_signatures([d.text for d in docs], self.config)

    def candidates(self, sigs: npt.NDArray[np.uint32]) -> list[list[tuple[int, float]]]:
        """Per signature, indexed documents sharing a band, with their MinHash Jaccard estimate.

        Candidates estimated more than `ESTIMATE_MARGIN` below the threshold are dropped;
        the rest still need exact verification (see `query`).
        """
        out: list[list[tuple[int, float]]] = []
        with self._errors():
            for lo in range(0, len(sigs), _BATCH):
                out.extend(self._candidates_batch(sigs[lo : lo + _BATCH]))
        return out

    def _candidates_batch(self, sigs: npt.NDArray[np.uint32]) -> list[list[tuple[int, float]]]:
        keys = band_keys(sigs, self.bands, self.rows).tolist()
        owners: dict[int, list[int]] = defaultdict(list)
        for qi, row in enumerate(keys):
            for key in row:
                owners[key].append(qi)
        per_query: list[set[int]] = [set() for _ in keys]
        for key, doc in self._select_in("SELECT key, doc FROM dedup_bands WHERE key IN", owners):
            for qi in owners[key]:
                per_query[qi].add(doc)
        wanted = sorted(set().union(*per_query)) if per_query else []
        width = self.config.num_perm
        stored = {
            doc: values
            for doc, sig in self._select_in(
                "SELECT doc, sig FROM dedup_signatures WHERE doc IN", wanted
            )
            if (values := _signature_values(bytes(sig), width)) is not None
        }
        damaged = [d for d in wanted if d not in stored]
        if damaged:
            raise InputError(self._damaged(f"the signature of document number {damaged[0]}"))
        floor = self.config.threshold - ESTIMATE_MARGIN
        out: list[list[tuple[int, float]]] = []
        for qi, docs in enumerate(per_query):
            hits = []
            for doc in sorted(docs):
                estimate = float(np.count_nonzero(stored[doc] == sigs[qi])) / len(sigs[qi])
                if estimate >= floor:
                    hits.append((doc, estimate))
            out.append(hits)
        return out

    def query(self, docs: Sequence[Document]) -> QueryResult:
        """Indexed documents that `docs` near-duplicate, and indexed passages they reuse.

        Every pair is verified by exact Jaccard and every passage by alignment against the
        stored text, so ids and spans name the indexed document as it was indexed.

        A queried document is never reported against itself: an indexed document with the
        same id (the same document, perhaps edited since), or with the same text read from
        the same file, is skipped. The same text under another id and file is reported: it
        is a copy, which is what a contamination check is for.
        """
        cfg = self.config
        pairs: list[DocumentPair] = []
        passages: list[PassageMatch] = []
        with self._errors():
            near = self.candidates(self.signatures(docs)) if docs else []
            window_hits = [self._window_candidates(d) for d in docs] if cfg.passages else []
            wanted = {n for hits in near for n, _ in hits} | {n for w in window_hits for n in w}
            stored = self._load(wanted)
        missing = sorted(wanted - stored.keys())
        if missing:
            raise InputError(self._damaged(f"the text of document number {missing[0]}"))
        for qi, doc in enumerate(docs):
            for n, _ in near[qi]:
                if _same_document(stored[n], doc):
                    continue
                jac, in_a, in_b = document_overlap(stored[n], doc, cfg)
                if jac >= cfg.threshold and has_words(doc, cfg):  # two empty texts: 1.0
                    pairs.append(DocumentPair(stored[n].id, doc.id, jac, cfg.threshold, in_a, in_b))
            if cfg.passages:
                others = [stored[n] for n in window_hits[qi]]
                others = [d for d in others if not _same_document(d, doc)]
                passages.extend(find_passages_against(others, doc, cfg))
        named = {p.a for p in pairs} | {p.a.doc for p in passages}
        sources = {d.id: d.source for d in stored.values() if d.id in named}
        return QueryResult(tuple(pairs), tuple(passages), sources)

    def _window_keys(self, doc: Document) -> set[int]:
        words = split_words(doc.text, self.config.normalize)
        windows = passage_windows(word_hashes(words.words), self.config)
        if windows is None:
            return set()
        keys = band_keys(windows[0], self.window_bands, self.window_rows).ravel()
        return {int(k) for k in keys[keys % WINDOW_KEY_SAMPLE == 0]}

    def _window_candidates(self, doc: Document) -> list[int]:
        """The indexed documents most likely to share a passage with `doc`, best first.

        Each shared window key counts 1 / (indexed documents holding it): a key of a
        phrase many documents use (a licence line, a man page's "See also") says little,
        one only the quoted document holds says much.
        """
        keys = sorted(self._window_keys(doc))
        holders: dict[int, list[int]] = defaultdict(list)
        sql = "SELECT key, doc FROM dedup_window_bands WHERE key IN"
        for key, doc_n in self._select_in(sql, keys):
            holders[int(key)].append(int(doc_n))
        score: dict[int, float] = defaultdict(float)
        for docs in holders.values():
            for doc_n in docs:
                score[doc_n] += 1.0 / len(docs)
        # Ties by index order, so the result is deterministic.
        ranked = sorted(score.items(), key=lambda item: (-item[1], item[0]))
        chosen = [
            n
            for rank, (n, value) in enumerate(ranked[:MAX_PASSAGE_CANDIDATES])
            if rank < FEW_PASSAGE_CANDIDATES or value >= SPECIFIC_SCORE
        ]
        return sorted(chosen)

    def _load(self, numbers: Iterable[int]) -> dict[int, Document]:
        out: dict[int, Document] = {}
        sql = "SELECT doc, id, source, text, sha256 FROM dedup_documents WHERE doc IN"
        for n, doc_id, source, text, digest in self._select_in(sql, sorted(numbers)):
            if _sha256(text) != digest:
                msg = (
                    f"index {self.location} is corrupted: the stored text of {doc_id!r} does not "
                    "match its checksum; rebuild it with `dedup index build`"
                )
                raise InputError(msg)
            out[int(n)] = Document(str(doc_id), str(text), str(source))
        return out

    def _known_hashes(self, ids: list[str]) -> dict[str, str]:
        sql = "SELECT id, sha256 FROM dedup_documents WHERE id IN"
        return {str(i): str(h) for i, h in self._select_in(sql, ids)}

    # ----------------------------------------------------------------- schema

    def _init_schema(self) -> None:
        blob = "BYTEA" if self._postgres else "BLOB"
        without_rowid = "" if self._postgres else " WITHOUT ROWID"
        with self._errors():
            self._execute_script(
                [sql.format(blob=blob, without_rowid=without_rowid) for sql in _TABLES]
            )
            self._conn.commit()

    def _write_meta(self) -> None:
        meta = {
            "schema": SCHEMA,
            "fingerprint": self.config.index_fingerprint(),
            "index_config": json.dumps(self.config.index_settings(), sort_keys=True),
            "config": json.dumps(self.config.to_dict(), sort_keys=True),
            "bands": f"{self.bands}x{self.rows}",
            "window_bands": f"{self.window_bands}x{self.window_rows}",
        }
        with self._errors():
            self._conn.execute("DELETE FROM dedup_meta")
            self._executemany(
                "INSERT INTO dedup_meta (key, value) VALUES (?, ?)", sorted(meta.items())
            )

    def _check_meta(self) -> None:
        with self._errors():
            try:
                meta = dict(self._conn.execute("SELECT key, value FROM dedup_meta").fetchall())
            except (sqlite3.OperationalError, _pg_undefined_table()) as ex:
                msg = (
                    f"{self.location} is not a dedup index (no dedup_meta table); "
                    "build one with `dedup index build`"
                )
                raise InputError(msg) from ex
        if meta.get("schema") != SCHEMA:
            msg = (
                f"{self.location} is not a {SCHEMA} index (schema {meta.get('schema')!r}); "
                "rebuild it with `dedup index build`"
            )
            raise InputError(msg)
        if meta.get("fingerprint") != self.config.index_fingerprint():
            raise ConfigError(_config_mismatch(self.location, meta, self.config))

    # ----------------------------------------------------------------- SQL helpers

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._postgres else sql

    def _one(self, sql: str) -> tuple[Any, ...]:
        with self._errors():
            row = self._conn.execute(self._sql(sql)).fetchone()
        return tuple(row)

    def _execute_script(self, statements: list[str]) -> None:
        for sql in statements:
            self._conn.execute(self._sql(sql))

    def _executemany(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)

    def _select_in(self, sql: str, values: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql (?, ?, ...)` over `values`, in chunks below every parameter limit."""
        for statement, chunk in self._in_chunks(sql, values):
            yield from self._conn.execute(statement, chunk).fetchall()

    def _in_chunks(self, sql: str, values: Iterable[Any]) -> Iterator[tuple[str, list[Any]]]:
        """`sql (?, ?, ...)` and its values, 8,000 at a time (below every parameter limit)."""
        items = list(values)
        for lo in range(0, len(items), 8000):
            chunk = items[lo : lo + 8000]
            yield self._sql(f"{sql} ({','.join('?' * len(chunk))})"), chunk

    def verify(self) -> int:
        """Check every row: SQLite's full integrity check, then each document's text against
        its SHA-256 and each signature against its CRC-32. Returns the documents checked.

        Raises:
            InputError: the first damage found, in one line.

        Example:
            >>> import tempfile, os
            >>> path = os.path.join(tempfile.mkdtemp(), "v.idx")
            >>> docs = [Document("a", "one two three four five six")]
            >>> with Index.build(path, docs, DedupConfig()) as index:
            ...     index.verify()
            1
        """
        with self._errors():
            if not self._postgres:
                (result,) = self._conn.execute("PRAGMA integrity_check").fetchone()
                if result != "ok":
                    raise InputError(
                        self._damaged(f"a database page ({str(result).splitlines()[0]})")
                    )
            numbers = [
                int(n)
                for (n,) in self._conn.execute(
                    self._sql("SELECT doc FROM dedup_documents")
                ).fetchall()
            ]
            for lo in range(0, len(numbers), _BATCH):
                chunk = numbers[lo : lo + _BATCH]
                loaded = self._load(chunk)
                if len(loaded) != len(chunk):
                    raise InputError(self._damaged("a document's text"))
                width = self.config.num_perm
                sigs = {
                    int(doc)
                    for doc, sig in self._select_in(
                        "SELECT doc, sig FROM dedup_signatures WHERE doc IN", chunk
                    )
                    if _signature_values(bytes(sig), width) is not None
                }
                missing = sorted(set(chunk) - sigs)
                if missing:
                    raise InputError(
                        self._damaged(f"the signature of document number {missing[0]}")
                    )
        return len(numbers)

    def _damaged(self, what: str) -> str:
        """The one-line message for an index whose rows do not add up."""
        return (
            f"index {self.location} is damaged: {what} is missing or malformed; "
            "rebuild it with `dedup index build`"
        )

    def _errors(self) -> _DatabaseErrors:
        return _DatabaseErrors(self.location, self._postgres)


_DATA_TABLES = ("documents", "signatures", "bands", "window_bands")


class _DatabaseErrors:
    """Turns driver errors into one-line `InputError`s that say what to do."""

    def __init__(self, location: str, postgres: bool) -> None:
        self.location = location
        self.postgres = postgres

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, ex: BaseException | None, tb: object
    ) -> None:
        if ex is None or not _is_driver_error(ex):
            return
        first = first_line(ex)
        if self.postgres:
            msg = f"PostgreSQL index {_redact(self.location)}: {first}"
        else:
            msg = (
                f"index {self.location} is corrupted or unreadable ({first}); "
                "rebuild it with `dedup index build`"
            )
        raise InputError(msg) from ex


def _is_driver_error(ex: BaseException) -> bool:
    # A damaged page can hold bytes that are not UTF-8 where SQLite promises text.
    if isinstance(ex, sqlite3.Error | UnicodeDecodeError):
        return True
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(ex, psycopg.Error)


def _pg_undefined_table() -> type[Exception]:
    try:
        from psycopg.errors import UndefinedTable
    except ImportError:
        return sqlite3.OperationalError
    return UndefinedTable


def _is_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"


def _refuse_other_file(path: Path) -> None:
    """An index replaces an index, never another file: `dedup index build q.jsonl -o
    data.jsonl` (a slip of the keyboard) replaced a JSONL corpus with an SQLite file."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        msg = f"-o {path} is a file that is not an index; remove it or choose another -o"
        raise InputError(msg)


def _connect(location: str, *, create: bool) -> tuple[Any, bool]:
    if _is_url(location):
        return _connect_postgres(location), True
    return _connect_sqlite(location, create=create), False


def _connect_postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError as ex:
        msg = "a postgresql:// index needs psycopg; install it with `pip install -e '.[postgres]'`"
        raise InputError(msg) from ex
    try:
        return psycopg.connect(url)
    except psycopg.Error as ex:
        first = first_line(ex)
        msg = f"cannot connect to {_redact(url)} ({first}); check the URL and that the server runs"
        raise InputError(msg) from ex


def _connect_sqlite(location: str, *, create: bool) -> sqlite3.Connection:
    path = Path(location)
    if not create:
        if not path.is_file():
            msg = (
                f"{location}: no such index; "
                f"build one with `dedup index build PATH... -o {location}`"
            )
            raise InputError(msg)
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
        if head != SQLITE_MAGIC:
            msg = (
                f"{location} is not a dedup index (not an SQLite file); "
                "build one with `dedup index build`"
            )
            raise InputError(msg)
    uri = f"file:{path.resolve()}?mode={'rwc' if create else 'rw'}"
    with _DatabaseErrors(location, postgres=False):
        # A second writer waits for the first (up to BUSY_SECONDS) instead of failing.
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS)
        if create:
            conn.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")  # before the first table
        # Queries probe B-trees at random: map the file and keep hot pages cached.
        conn.execute("PRAGMA mmap_size = 4294967296")
        conn.execute("PRAGMA cache_size = -262144")
        if not create and path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            result = conn.execute("PRAGMA quick_check").fetchone()
            if result is None or result[0] != "ok":
                conn.close()
                detail = str(result[0]).splitlines()[0] if result else "no result"
                msg = (
                    f"index {location} is corrupted ({detail}); rebuild it with `dedup index build`"
                )
                raise InputError(msg)
    return conn


def _config_mismatch(location: str, meta: dict[str, str], config: DedupConfig) -> str:
    """Which of the settings an index depends on (`DedupConfig.index_settings`) differ."""
    fix = "run with the index's settings or rebuild it with `dedup index build`"
    if "index_config" not in meta:
        return (
            f"index {_redact(location)} was built by an older dedup, whose fingerprint covers "
            "every setting; rebuild it with `dedup index build`"
        )
    try:
        stored = _flatten(json.loads(meta["index_config"]))
    except json.JSONDecodeError:
        stored = {}
    current = _flatten(config.index_settings())
    diffs = [
        f"{key}={stored.get(key)!r} (now {current.get(key)!r})"
        for key in sorted(set(stored) | set(current))
        if stored.get(key) != current.get(key)
    ]
    detail = ", ".join(diffs) or f"fingerprint {meta.get('fingerprint')!r}"
    return f"index {_redact(location)} was built with other settings: {detail}; {fix}"


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _signature_blob(sig: npt.NDArray[np.uint32]) -> bytes:
    """A signature as stored: little-endian uint32 values, then their CRC-32.

    Example:
        >>> import numpy as np
        >>> len(_signature_blob(np.arange(4, dtype=np.uint32)))
        20
    """
    data = sig.astype("<u4").tobytes()
    return data + zlib.crc32(data).to_bytes(4, "little")


def _signature_values(blob: bytes, width: int) -> npt.NDArray[np.uint32] | None:
    """The values of a stored signature, or None when its length or checksum is off (a
    flipped bit must not quietly hide a near-duplicate).

    Example:
        >>> import numpy as np
        >>> blob = _signature_blob(np.arange(4, dtype=np.uint32))
        >>> _signature_values(blob, 4).tolist(), _signature_values(b"x" + blob[1:], 4)
        ([0, 1, 2, 3], None)
    """
    data, check = blob[:-4], blob[-4:]
    if len(data) != 4 * width or zlib.crc32(data).to_bytes(4, "little") != check:
        return None
    return np.frombuffer(data, dtype="<u4")


def _same_document(indexed: Document, queried: Document) -> bool:
    """Whether a queried document is an indexed one (not a copy of it): the same id, or the
    same text read from the same file (an id typed another way: a relative or absolute path).

    Example:
        >>> _same_document(Document("a.txt", "x", "a.txt"), Document("a.txt", "y", "a.txt"))
        True
        >>> _same_document(Document("a.txt", "x", "a.txt"), Document("b.txt", "x", "b.txt"))
        False
    """
    if indexed.id == queried.id:
        return True
    if not (indexed.source and queried.source) or indexed.text != queried.text:
        return False
    return _origin(indexed.source) == _origin(queried.source)


def _origin(source: str) -> str:
    """The real path of the file a source pointer (`path`, `path:LINE`, `path:ROW`) names."""
    return os.path.realpath(source_path(source))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
