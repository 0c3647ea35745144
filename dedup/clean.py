"""Cleaning a corpus: replay a report's findings onto the documents and write the result.

`apply_report` is the pure part: given documents and the report a scan made of them, it
removes each reported boilerplate span (a whole reported line goes with its line break) and
drops the non-kept copies of near-duplicate clusters. Nothing else is touched, so the
removed text is exactly what the report shows. `clean` reads the inputs, scans them, applies
the report and writes, atomically, every kept document in its input's format plus
`removed.jsonl` (one record per removed span) and `rejects.jsonl` (one record per document
not written, with the reason). Every document read is either written or rejected.

Decontamination (`against`, an index of text that must not reappear, such as an eval set):
a document that near-duplicates an indexed one is rejected (`indexed_duplicate`); one that
reuses indexed passages is rejected (`indexed_reuse`, with every passage and the indexed
document and span it came from), or, with `strip`, written without those passages, each cut
recorded in `removed.jsonl` with the indexed id and span.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress, takewhile
from pathlib import Path
from typing import Any, overload

import numpy as np

from dedup.config import DedupConfig
from dedup.document import Document, document_ids
from dedup.errors import InputError
from dedup.io.atomic import all_or_nothing, unwritable_folder, write_atomic
from dedup.io.formats import InputFormat, json_value, source_path
from dedup.io.jsonlcorpus import JsonlCorpus
from dedup.io.readers import (
    BRACES,
    DocumentReader,
    SkippedRecord,
    passed_over_reason,
    require_documents,
)
from dedup.io.remote import GLOB, is_url
from dedup.io.writers import write_jsonl, write_jsonl_copying, write_like
from dedup.parallel import resolve_jobs
from dedup.report import BoilerplateLine, DuplicateCluster, PassageMatch, Report
from dedup.store import Index, QueryResult

REMOVED_FILE = "removed.jsonl"
REJECTS_FILE = "rejects.jsonl"
# What the last run wrote into OUT: a rerun removes what it no longer writes (a file whose
# documents are now all duplicates must not survive from before), and nothing else.
MANIFEST_FILE = ".dedup-clean.json"
CHECKPOINT_FILE = ".dedup-scan.json"  # the scan of a --resume run, for the next attempt
MANIFEST_SCHEMA = "dedup.clean-manifest/1"
STDIN_NAME = "stdin.jsonl"

STALE_REPORT_TEXT = (
    "report does not match document {doc!r} ({detail}); "
    "apply it to the input it was made from, read with the same --text-field and --id-field"
)


@dataclass(frozen=True, slots=True)
class RemovedSpan:
    """One reported span that was cut out of a document, with its finding."""

    finding: BoilerplateLine
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The finding's fields plus the removed `text`."""
        return {**self.finding.to_dict(), "text": self.text}


@dataclass(frozen=True, slots=True)
class RemovedPassage:
    """A passage of an indexed document, cut out of a kept document (`clean --strip`)."""

    passage: PassageMatch  # a: the indexed document's span, b: the cut span of this one
    indexed_source: str
    line: int  # 1-based line of the document where the cut starts

    @property
    def text(self) -> str:
        """The removed text: `input[start:end]` of the cleaned document."""
        return self.passage.b.text

    def to_dict(self) -> dict[str, Any]:
        """`doc`, `start`, `end` (0-based offsets into the input document), `line` (1-based),
        the rule, the alignment's similarity, the indexed document's id, source and span, and
        the text."""
        p = self.passage
        return {
            "doc": p.b.doc,
            "start": p.b.start,
            "end": p.b.end,
            "line": self.line,
            "rule": INDEXED_REUSE,
            "similarity": p.similarity,
            "words": p.words,
            "indexed": {**_span(p.a), "source": self.indexed_source},
            "text": p.b.text,
        }


def _span(span: Any) -> dict[str, Any]:
    return {"doc": span.doc, "start": span.start, "end": span.end}


INDEXED_DUPLICATE, INDEXED_REUSE = "indexed_duplicate", "indexed_reuse"
# A file of an input folder that the walk did not read (not a corpus format, a link to a
# folder, ...): listed in rejects.jsonl with its reason, so every input file is accounted
# for, though it is no document (`CleanResult.passed_over`; not counted as read).
NOT_READ = "not_read"


@dataclass(frozen=True, slots=True)
class Reject:
    """A document (or unreadable record) that is not written, and why.

    Attributes:
        doc: id of the document, None for a record that could not be read.
        source: where it came from (`path`, `path:LINE`).
        reason: `near_duplicate`, `unreadable`, or (against an index) `indexed_duplicate`
            or `indexed_reuse`; `not_read` for a file of an input folder the walk passed over.
        detail: the reader's reason for an unreadable record, or why a file was not read.
        raw: the unreadable record as read, so nothing is lost.
        duplicate_of: the document this one duplicates (whose Jaccard is `jaccard`).
        jaccard: exact Jaccard to `duplicate_of`.
        kept: the copy of the cluster that is written (None when every copy is dropped).
        threshold: the near-duplicate threshold the cluster was built with.
        passages: the indexed passages an `indexed_reuse` document reuses.
        sources: source pointer of each indexed document named.
    """

    doc: str | None
    source: str
    reason: str
    detail: str = ""
    duplicate_of: str | None = None
    jaccard: float | None = None
    kept: str | None = None
    threshold: float | None = None
    raw: str = ""
    passages: tuple[PassageMatch, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; near-duplicate fields only on near-duplicate rejects."""
        out: dict[str, Any] = {"doc": self.doc, "source": self.source, "reason": self.reason}
        if self.reason == INDEXED_DUPLICATE:
            out |= {
                "indexed": self.duplicate_of,
                "indexed_source": self.sources.get(self.duplicate_of or "", ""),
                "jaccard": self.jaccard,
                "threshold": self.threshold,
            }
        elif self.reason == INDEXED_REUSE:
            out["passages"] = [
                {
                    **_span(p.b),
                    "similarity": p.similarity,
                    "indexed": {**_span(p.a), "source": self.sources.get(p.a.doc, "")},
                    "text": p.b.text,
                }
                for p in self.passages
            ]
        elif self.reason == "near_duplicate":
            out |= {
                "duplicate_of": self.duplicate_of,
                "jaccard": self.jaccard,
                "kept": self.kept,
                "threshold": self.threshold,
            }
        elif self.reason == NOT_READ:
            out["detail"] = self.detail
        else:
            out |= {"detail": self.detail, "raw": self.raw}
        return out


def not_read_record(name: str) -> Reject:
    """The reject record of a file of an input folder that the walk did not read."""
    return Reject(None, name, NOT_READ, detail=passed_over_reason(name))


@dataclass(frozen=True, slots=True)
class CleanResult:
    """What cleaning produced: the documents to write and the record of everything taken out.

    Attributes:
        documents: the kept documents, text cleaned, in input order (id, source, meta kept).
        removed: every span cut out of a kept document.
        rejects: every document or record not written.
        read: documents and records read, readable or not.
        outputs: the files written to the output directory.
        passed_over: files of an input directory that are not a corpus format, not read.
        resumed: with `resume`, what became of a saved scan: "reused" (the same inputs and
            settings), "stale" (one of other inputs or settings: scanned again), "saved"
            (none yet: this run's is kept) or "not_kept" (standard input or a URL, whose
            changes cannot be seen); "" without `resume`.
        held: the boilerplate lines of written documents that the removal budget held
            back: reported, left in the text, and counted in the summary as removed lines
            are, lines and chars (the summary once left them out).
    """

    documents: Sequence[Document]
    removed: tuple[RemovedSpan | RemovedPassage, ...]
    rejects: tuple[Reject, ...]
    read: int
    outputs: tuple[str, ...] = field(default=())
    passed_over: tuple[str, ...] = field(default=())
    resumed: str = ""
    held: tuple[BoilerplateLine, ...] = field(default=())

    def summary(self) -> dict[str, int]:
        """Counts; `written + rejected == read` always holds."""
        return {
            "read": self.read,
            "written": len(self.documents),
            "rejected": len(self.rejects),
            "near_duplicates": sum(r.reason == "near_duplicate" for r in self.rejects),
            "unreadable": sum(r.reason == "unreadable" for r in self.rejects),
            "indexed": sum(r.reason in (INDEXED_DUPLICATE, INDEXED_REUSE) for r in self.rejects),
            "removed_lines": sum(isinstance(r, RemovedSpan) for r in self.removed),
            "removed_passages": sum(isinstance(r, RemovedPassage) for r in self.removed),
            "removed_chars": sum(len(r.text) for r in self.removed),
            "held_lines": len(self.held),
            "held_chars": sum(b.end - b.start for b in self.held),
        }


def apply_report(
    docs: Sequence[Document],
    report: Report,
    *,
    skipped: Iterable[SkippedRecord] = (),
    against: QueryResult | None = None,
    strip: bool = False,
) -> CleanResult:
    """Apply a report's findings to the documents it was made from.

    Args:
        docs: the documents, as read for the scan that produced `report`.
        report: boilerplate lines to cut and duplicate clusters whose non-kept copies to drop.
        skipped: records the reader could not use; they are listed as `unreadable` rejects.
        against: what an index query found in `docs`: near-duplicates of indexed documents
            are rejected, and so are documents reusing indexed passages, unless `strip`.
        strip: cut reused indexed passages out instead of rejecting their documents.

    Raises:
        InputError: a finding names a document that is not in `docs`, or its span does not
            lie on its line (the report was made from other text).

    Example:
        >>> doc = Document("a", "Real prose.\\nLeave a Comment")
        >>> line = BoilerplateLine("a", 12, 27, 1, "lexicon", 1.0, 0.9, "leave a comment")
        >>> result = apply_report([doc], Report({}, "x", boilerplate=(line,)))
        >>> result.documents[0].text, result.removed[0].text
        ('Real prose.', 'Leave a Comment')
    """
    ids = document_ids(docs)  # a JsonlCorpus knows them without parsing a line
    by_id = _ById(docs, ids)
    findings = cuts_by_document(report, by_id)
    dropped = dropped_copies(report.duplicates, by_id)
    indexed = _indexed(against, by_id) if against else {}
    if not strip:
        dropped |= {doc: reject for doc, (reject, _) in indexed.items()}
    else:
        dropped |= {doc: r for doc, (r, _) in indexed.items() if r.reason == INDEXED_DUPLICATE}
    positions: list[int] = []
    changed: dict[int, Document] = {}
    removed: list[RemovedSpan | RemovedPassage] = []
    for i, doc_id in enumerate(ids):
        if doc_id in dropped:
            continue
        positions.append(i)
        if doc_id not in findings and doc_id not in indexed:
            continue  # nothing to cut (most documents of a corpus): not even read here
        doc = docs[i]
        cuts = indexed[doc_id][1] if doc_id in indexed else []
        text, cut = remove_spans(doc, findings.get(doc_id, []), [p.passage.b for p in cuts])
        if cut or cuts:
            changed[i] = replace(doc, text=text)
        removed.extend(cut)
        removed.extend(_disjoint(cuts, findings.get(doc_id, []), doc.text))
    rejects = [dropped[doc_id] for doc_id in ids if doc_id in dropped]
    unreadable = [Reject(None, s.source, "unreadable", detail=s.reason, raw=s.raw) for s in skipped]
    read = len(docs) + len(unreadable)
    kept = KeptDocuments(docs, positions, changed)
    # Documents in memory come back as a tuple; a lazy corpus's stay in their files.
    documents = tuple(kept) if isinstance(docs, (list, tuple)) else kept
    # Lines the budget held back stay in the written documents: counted, not cut.
    held = tuple(
        b for b in report.boilerplate if b.held and b.doc in by_id and b.doc not in dropped
    )
    return CleanResult(documents, tuple(removed), tuple(rejects + unreadable), read, held=held)


class KeptDocuments(Sequence[Document]):
    """The documents a clean keeps, each fetched from what was read when asked for (a lazy
    corpus is parsed only by the workers that write it), with the text cleaned where
    something was cut.

    Example:
        >>> kept = KeptDocuments([Document("a", "x"), Document("b", "y")], [1], {})
        >>> [d.id for d in kept]
        ['b']
    """

    def __init__(
        self, docs: Sequence[Document], positions: Sequence[int], changed: Mapping[int, Document]
    ) -> None:
        self.docs = docs
        self.positions = list(positions)  # ascending positions in `docs`
        self.changed = changed  # position -> the cleaned document

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Document]: ...
    def __getitem__(self, i: int | slice) -> Document | Sequence[Document]:
        if isinstance(i, slice):
            return KeptDocuments(self.docs, self.positions[i], self.changed)
        at = self.positions[i]
        changed = self.changed.get(at)
        return changed if changed is not None else self.docs[at]

    def verbatim_line(self, i: int, text_field: str) -> bytes | None:
        """Document `i`'s line as it is written: as read when it is unchanged
        (`JsonlCorpus.verbatim_line`), with only its text replaced when it was cut
        (`JsonlCorpus.line_with_text`); None when the corpus keeps no lines."""
        at = self.positions[i]
        changed = self.changed.get(at)
        if changed is not None:
            edit = getattr(self.docs, "line_with_text", None)
            return None if edit is None else edit(at, text_field, changed.text)
        line = getattr(self.docs, "verbatim_line", None)
        return None if line is None else line(at, text_field)


class _ById(Mapping[str, Document]):
    """`docs` by id, each document fetched when asked for; `source` reads none."""

    def __init__(self, docs: Sequence[Document], ids: Sequence[str]) -> None:
        self._docs = docs
        self._at = {doc_id: i for i, doc_id in enumerate(ids)}
        self._sources: Sequence[str] | None = getattr(docs, "sources", None)  # a JsonlCorpus's

    def source(self, doc_id: str) -> str:
        """The source of document `doc_id`, without parsing it where the corpus knows it."""
        at = self._at[doc_id]
        return self._sources[at] if self._sources is not None else self._docs[at].source

    def __getitem__(self, doc_id: str) -> Document:
        return self._docs[self._at[doc_id]]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def _indexed(against: QueryResult, by_id: _ById) -> dict[str, tuple[Reject, list[RemovedPassage]]]:
    """Per document that reuses indexed text: its reject, and its passages as cuts."""
    out: dict[str, tuple[Reject, list[RemovedPassage]]] = {}
    sources = against.sources
    for pair in against.pairs:
        if pair.b in by_id and pair.b not in out:
            reject = Reject(
                pair.b,
                by_id.source(pair.b),
                INDEXED_DUPLICATE,
                duplicate_of=pair.a,
                jaccard=pair.jaccard,
                threshold=pair.threshold,
                sources=sources,
            )
            out[pair.b] = (reject, [])
    reused: dict[str, list[PassageMatch]] = {}
    for p in against.passages:
        if p.b.doc in by_id and p.b.doc not in out:
            reused.setdefault(p.b.doc, []).append(p)
    for doc, passages in reused.items():
        passages.sort(key=lambda p: (p.b.start, p.b.end, p.a.doc, p.a.start))
        reject = Reject(
            doc, by_id.source(doc), INDEXED_REUSE, passages=tuple(passages), sources=sources
        )
        text = by_id[doc].text
        cuts = [
            RemovedPassage(p, sources.get(p.a.doc, ""), text.count("\n", 0, p.b.start) + 1)
            for p in passages
        ]
        out[doc] = (reject, cuts)
    return out


def _disjoint(
    cuts: Sequence[RemovedPassage], lines: Sequence[BoilerplateLine], text: str
) -> list[RemovedPassage]:
    """The passage cuts as rows of `removed.jsonl` that share no character with each other
    or with the boilerplate lines cut: a copy span matched to two indexed spans was listed
    twice, overlapping ones overlapped, and the chars they counted exceeded what the
    written files lost (a new-user trial). Each row keeps its passage's evidence (the
    indexed span, similarity, words); its own `[start, end)` is what it alone removed.

    Example:
        >>> from dedup.report import Span
        >>> p = PassageMatch(Span("i", 0, 9, "x"), Span("d", 0, 9, "abcdefghi"), 0.9, 8)
        >>> q = PassageMatch(Span("j", 0, 9, "x"), Span("d", 5, 12, "fghijkl"), 0.9, 8)
        >>> rows = _disjoint([RemovedPassage(p, "", 1), RemovedPassage(q, "", 1)], [],
        ...                  "abcdefghijkl")
        >>> [(r.passage.b.start, r.passage.b.end, r.text) for r in rows]
        [(0, 9, 'abcdefghi'), (9, 12, 'jkl')]
    """
    covered = sorted((line.start, line.end) for line in lines)
    out: list[RemovedPassage] = []
    for cut in sorted(cuts, key=lambda c: (c.passage.b.start, -c.passage.b.end)):
        span = cut.passage.b
        for start, end in _uncovered(span.start, span.end, covered):
            if not text[start:end].strip():
                continue  # the whitespace between two cuts: no text of the passage
            piece = replace(span, start=start, end=end, text=text[start:end])
            line = text.count("\n", 0, start) + 1
            out.append(replace(cut, passage=replace(cut.passage, b=piece), line=line))
        covered = sorted([*covered, (span.start, span.end)])
    return out


def _uncovered(start: int, end: int, covered: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `[start, end)` outside the (sorted) `covered` ranges.

    Example:
        >>> _uncovered(0, 10, [(2, 4), (3, 6), (9, 12)])
        [(0, 2), (6, 9)]
    """
    out: list[tuple[int, int]] = []
    at = start
    for lo, hi in covered:
        if hi <= at or lo >= end:
            continue
        if lo > at:
            out.append((at, lo))
        at = max(at, hi)
    if at < end:
        out.append((at, end))
    return out


def remove_spans(
    doc: Document, findings: Sequence[BoilerplateLine], passages: Sequence[Any] = ()
) -> tuple[str, list[RemovedSpan]]:
    """Cut the reported spans out of `doc.text`; a span that is its whole line takes the line break.

    Lines are split on "\\n" (a trailing "\\r" belongs to its line). Only reported text and
    the line breaks of wholly removed lines disappear: the kept lines are joined by their
    line breaks as before. `passages` (spans with `start` and `end`, e.g. reused indexed
    passages) are cut out as they are, across lines, and a line they leave nothing of but
    whitespace goes with its line break (`_emptied`); they are not among the returned cuts.

    Example:
        >>> doc = Document("a", "Title\\nShare this:\\nBody.")
        >>> f = BoilerplateLine("a", 6, 17, 1, "share_prompt", 1.0, 0.9, "share this")
        >>> remove_spans(doc, [f])[0]
        'Title\\nBody.'
    """
    if not findings and not passages:
        return doc.text, []
    lines = doc.text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    # Where each line's text ends and its break ("\n", or "\r\n") begins.
    ends = [s + len(line.removesuffix("\r")) for s, line in zip(starts, lines, strict=True)]
    keep = bytearray(b"\x01") * len(doc.text)
    whole: set[int] = set()
    cut: list[RemovedSpan] = []
    for f in sorted(findings, key=lambda f: (f.start, f.end)):
        _check_on_line(doc, f, lines, starts)
        if f.start == starts[f.line] and f.end >= ends[f.line]:
            whole.add(f.line)
        keep[f.start : f.end] = bytes(f.end - f.start)
        cut.append(RemovedSpan(f, doc.text[f.start : f.end]))
    for span in passages:
        keep[span.start : span.end] = bytes(span.end - span.start)
    whole |= _emptied(doc.text, keep, starts, ends, passages)
    last_kept = max((i for i in range(len(lines)) if i not in whole), default=-1)
    for i in whole:
        keep[starts[i] : starts[i] + len(lines[i])] = bytes(len(lines[i]))
    # The break after line i stays when line i is kept and a kept line follows it; when it
    # goes, all of it goes ("\r\n" too, so a CRLF file ends as an LF one does).
    for i in range(len(lines) - 1):
        if i in whole or i >= last_kept:
            keep[ends[i] : starts[i + 1]] = bytes(starts[i + 1] - ends[i])
    return "".join(compress(doc.text, keep)), cut


def _emptied(
    text: str, keep: bytearray, starts: list[int], ends: list[int], passages: Sequence[Any]
) -> set[int]:
    """The lines the `passages` took all of but whitespace (an indent): they go with their
    line break, as a reported line does (a new-user trial's stripped text kept a line of
    four spaces where a paragraph had been).

    Example:
        >>> text = "Kept.\\n    A copied paragraph.\\nKept too."
        >>> keep = bytearray(b"\\x01") * len(text)
        >>> keep[10:29] = bytes(19)
        >>> span = BoilerplateLine("a", 10, 29, 1, "", 0.0, 0.0, "")
        >>> _emptied(text, keep, [0, 6, 30], [5, 29, 39], [span])
        {1}
    """
    out = set()
    for span in passages:
        first = bisect_right(starts, span.start) - 1
        last = bisect_right(starts, max(span.start, span.end - 1)) - 1
        for i in range(first, last + 1):
            left = [text[j] for j in range(starts[i], ends[i]) if keep[j]]
            if not "".join(left).strip():
                out.add(i)
    return out


def _check_on_line(
    doc: Document, f: BoilerplateLine, lines: Sequence[str], starts: Sequence[int]
) -> None:
    ok = 0 <= f.line < len(lines)
    ok = ok and starts[f.line] <= f.start <= f.end <= starts[f.line] + len(lines[f.line])
    if not ok:
        detail = f"span [{f.start}, {f.end}) is not on line {f.line_no}"
        raise InputError(STALE_REPORT_TEXT.format(doc=doc.id, detail=detail))


def cuts_by_document(report: Report, by_id: Mapping[str, Any]) -> dict[str, list[BoilerplateLine]]:
    """The boilerplate lines to cut (not held back by the budget), by document.

    Raises:
        InputError: a finding names a document that is not in `by_id` (a stale report).

    Example:
        >>> line = BoilerplateLine("a", 12, 27, 1, "lexicon", 1.0, 0.9, "leave a comment")
        >>> list(cuts_by_document(Report({}, "x", boilerplate=(line,)), {"a": None}))
        ['a']
    """
    findings: dict[str, list[BoilerplateLine]] = {}
    for finding in (b for b in report.boilerplate if not b.held):
        if finding.doc not in by_id:
            detail = "it is not among the input documents"
            raise InputError(STALE_REPORT_TEXT.format(doc=finding.doc, detail=detail))
        findings.setdefault(finding.doc, []).append(finding)
    return findings


def listed_documents(report: Report) -> _ById:
    """The documents a report lists, by id, with their sources and no text: what the
    verdicts of `cuts_by_document` and `dropped_copies` need when the texts are elsewhere
    (the Spark engine's workers)."""
    docs = [Document(d.id, "", d.source) for d in report.documents]
    return _ById(docs, [d.id for d in docs])


def dropped_copies(clusters: Iterable[DuplicateCluster], by_id: _ById) -> dict[str, Reject]:
    """The non-kept copy of every cluster, each with the document and Jaccard it was measured by."""
    out: dict[str, Reject] = {}
    for c in clusters:
        to_rep = {m.id: m.jaccard for m in c.members}
        if c.representative != c.kept:
            # The representative's Jaccard is only known to the members: name the kept copy,
            # or the closest member when every copy is dropped.
            other = c.kept or max(c.members, key=lambda m: m.jaccard).id
            out[c.representative] = _duplicate_reject(
                c, c.representative, other, to_rep[other], by_id
            )
        for m in c.members:
            if m.id != c.kept:
                out[m.id] = _duplicate_reject(c, m.id, c.representative, m.jaccard, by_id)
    return out


def _duplicate_reject(
    c: DuplicateCluster, doc: str, of: str, jaccard: float, by_id: _ById
) -> Reject:
    if doc not in by_id:
        detail = "a duplicate cluster names it but it is not among the input documents"
        raise InputError(STALE_REPORT_TEXT.format(doc=doc, detail=detail))
    return Reject(
        doc,
        by_id.source(doc),
        "near_duplicate",
        duplicate_of=of,
        jaccard=jaccard,
        kept=c.kept,
        threshold=c.threshold,
    )


@dataclass(frozen=True, slots=True)
class _Input:
    """Where each document of one input path goes: its output file and format."""

    docs: Sequence[Document]
    targets: dict[str, tuple[str, str]]  # doc id -> (relative output name, format kind)
    files: list[tuple[str, str]]  # every output file of this input, in order
    formats: dict[str, InputFormat] = field(default_factory=dict)  # output name -> its format
    read: set[str] = field(default_factory=set)  # the files read
    corpus: JsonlCorpus | None = None  # `docs`, when read lazily: no `targets`, by file
    names: list[str] = field(default_factory=list)  # with `corpus`: output name by file


def clean(
    paths: Sequence[str],
    out: str | Path,
    config: DedupConfig | None = None,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    strict: bool = False,
    jobs: int = 1,
    report: Report | None = None,
    allow_empty: bool = False,
    encoding: str = "utf-8",
    resume: bool = False,
    against: str | None = None,
    strip: bool = False,
    scan_elsewhere: Callable[[DedupConfig], Report] | None = None,
) -> CleanResult:
    """Scan `paths`, then write the cleaned corpus, `removed.jsonl` and `rejects.jsonl` to `out`.

    A text file is written to `out` under its name (relative to the input directory it was
    found in); a JSONL file is written to `out` under the same name, one record per kept
    document with every other field as read. Inputs are never written to.

    Args:
        paths: text files, directories or JSONL files (`-`: JSONL on standard input).
        out: output directory; must not be an input or lie inside one.
        config: detection settings.
        text_field: JSONL field with the text (also the field written back).
        id_field: JSONL field with the document id.
        strict: stop at the first unreadable record instead of rejecting it.
        jobs: worker processes for the scan; 0 uses every core, 1 runs in this process.
        report: replay this report (from `dedup scan --format json` of the same input)
            instead of scanning.
        allow_empty: write an empty corpus when no document is read, instead of raising.
        encoding: how text files are decoded (a codec, or "auto"); each is written back in
            the encoding it was read with.
        resume: keep the scan in `out` once it is done, and use it instead of scanning again
            when the inputs (paths, sizes, modification times) and settings are the same: a
            run killed while writing is redone in the time it takes to write.
        against: an index (`dedup index build`, or a postgresql:// URL) of text that must not
            be in the output: documents near-duplicating or reusing it are rejected.
        strip: with `against`, cut the reused indexed passages out of their documents
            instead of rejecting them (near-duplicates of indexed documents are rejected).
        scan_elsewhere: scans `paths` elsewhere with the settings it is given and returns
            the report (the Spark engine: near-duplicates and boilerplate), called after
            the inputs are read, when a scan is needed.

    Raises:
        InputError: an input cannot be read, `out` would overwrite or sit inside an input,
            or no document was read (every record skipped) and `allow_empty` is off.

    Example:
        >>> import tempfile
        >>> out = tempfile.mkdtemp()
        >>> clean(["samples/004_35cd667b6f9468cb.txt"], out).summary()["written"]
        1
    """
    from dedup.api import scan  # api composes the stages; imported late to keep clean importable

    config = config or DedupConfig()
    out_dir = Path(out)
    _check_out_dir(paths, out_dir)
    if against:
        Index.require(against, config)
    jobs = resolve_jobs(jobs)
    reader = DocumentReader(
        text_field=text_field,
        id_field=id_field,
        strict=strict,
        encoding=encoding,
        jobs=jobs,
    )
    # One local JSONL input, several jobs and no boilerplate search (it reads every text in
    # this process): the workers parse (and sign) it, and its texts stay in the file until
    # the workers that write the output read them again.
    lazy = len(paths) == 1 and jobs > 1 and not config.find_boilerplate
    sign = replace(config, passages=False) if report is None else None
    inputs = [_read_input(reader, path, out_dir, lazy=lazy, sign=sign) for path in paths]
    _check_targets(inputs, paths, out_dir)
    docs = inputs[0].docs if len(inputs) == 1 else [doc for inp in inputs for doc in inp.docs]
    require_documents(
        len(docs), reader.skipped, paths, allow_empty=allow_empty, passed_over=reader.passed_over
    )
    key = _scan_key(paths, list(reader.formats), config) if resume and report is None else None
    resumed = ""
    if report is None:
        report = _saved_scan(out_dir, key)
        if resume:
            resumed = _resume_state(out_dir, key, report)
        if report is None:
            # Cleaning drops near-duplicate copies and cuts boilerplate; shared passages
            # within the corpus decide nothing here, so their search (most of a scan's
            # time) is skipped. Passages reused from an index (`against`) are found below.
            settings = replace(config, passages=False)
            if scan_elsewhere is None:
                report = scan(docs, settings, jobs=jobs)
            else:  # the Spark engine
                report = scan_elsewhere(settings)
            _save_scan(out_dir, key, report)
    else:
        _check_replay(report, config)
    hits = None
    if against:
        with Index.open(against, config) as idx:
            hits = idx.query(docs).without_boilerplate(report.boilerplate, config)
    result = apply_report(docs, report, skipped=reader.skipped, against=hits, strip=strip)
    planned = [name for inp in inputs for name, _ in inp.files]
    with _claimed(out_dir, [*planned, REMOVED_FILE, REJECTS_FILE]), all_or_nothing():
        # a failed write leaves OUT as the last run left it
        outputs = _write_documents(inputs, result, out_dir, text_field, jobs)
        write_jsonl(out_dir / REMOVED_FILE, (r.to_dict() for r in result.removed))
        not_read = [not_read_record(name) for name in reader.passed_over]
        write_jsonl(out_dir / REJECTS_FILE, (r.to_dict() for r in [*result.rejects, *not_read]))
    kept = [CHECKPOINT_FILE] if key is not None else []
    _replace_manifest(out_dir, [*outputs, REMOVED_FILE, REJECTS_FILE, *kept], paths)
    passed_over = tuple(reader.passed_over)
    return replace(result, outputs=tuple(outputs), passed_over=passed_over, resumed=resumed)


def _scan_key(
    paths: Sequence[str], files: Sequence[str], config: DedupConfig
) -> dict[str, Any] | None:
    """What a saved scan must match: the settings, the inputs named, and the size and mtime
    of every file read; None when an input cannot be checked so (standard input, a URL)."""
    if any(f == "-" or is_url(f) for f in files):
        return None
    stats = []
    for name in files:
        st = Path(name).stat()
        stats.append([name, st.st_size, st.st_mtime_ns])
    return {"fingerprint": config.fingerprint(), "paths": list(paths), "files": stats}


def _saved_scan(out_dir: Path, key: dict[str, Any] | None) -> Report | None:
    """The scan an earlier --resume run saved for exactly these inputs and settings."""
    if key is None:
        return None
    try:
        saved = json_value((out_dir / CHECKPOINT_FILE).read_text(encoding="utf-8"))
        if saved.get("key") != key:
            return None
        return Report.from_dict(saved["report"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _resume_state(out_dir: Path, key: dict[str, Any] | None, saved: Report | None) -> str:
    """`CleanResult.resumed`: a rerun that scans again must say why (a touched input file
    looked, to a new user, like a --resume that did nothing)."""
    if key is None:
        return "not_kept"
    if saved is not None:
        return "reused"
    return "stale" if (out_dir / CHECKPOINT_FILE).exists() else "saved"


def _save_scan(out_dir: Path, key: dict[str, Any] | None, report: Report) -> None:
    if key is not None:
        data = {"key": key, "report": report.to_dict()}
        write_atomic(out_dir / CHECKPOINT_FILE, json.dumps(data, ensure_ascii=False))


def _check_replay(report: Report, config: DedupConfig) -> None:
    """A replayed report already decided which copy of each cluster is kept: a different
    keep rule asked for now would be silently ignored, so it is refused."""
    kept_by = report.config.get("keep")
    if kept_by is not None and kept_by != config.keep:
        msg = (
            f"the report was made with keep={kept_by!r}, and its clusters say which copy is "
            f"kept; keep={config.keep!r} cannot change that: rescan with it, or drop it"
        )
        raise InputError(msg)


def _replace_manifest(out_dir: Path, written: Sequence[str], inputs: Sequence[str]) -> None:
    """Delete the files an earlier run wrote that this one did not, then record this run's.

    A file that is, or lies inside, one of this run's inputs is never deleted, even when an
    earlier run wrote it: `clean d3/sub -o d3` reads what `clean d2 -o d3` wrote there.
    """
    path = out_dir / MANIFEST_FILE
    protected = [Path(p).resolve() for p in inputs if p != "-"]
    before = _earlier_files(out_dir)
    root = out_dir.resolve()
    for name in sorted(set(before) - set(written)):
        stale = (out_dir / str(name)).resolve()
        if any(stale == p or stale.is_relative_to(p) for p in protected):
            continue
        if stale.is_relative_to(root) and stale.is_file():
            stale.unlink()
    _remove_leftover_temps(out_dir, [*before, *written, MANIFEST_FILE], protected)
    manifest = {"schema": MANIFEST_SCHEMA, "files": sorted(written)}
    write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


@contextlib.contextmanager
def _claimed(out_dir: Path, names: Sequence[str]) -> Iterator[None]:
    """Add the names this run may write to the manifest before any is renamed into OUT, and
    put the manifest back when the block fails: a run killed after its renames, before its
    own manifest, must not leave files the next run takes for the user's own (and refuses
    to replace)."""
    path = out_dir / MANIFEST_FILE
    before = path.read_bytes() if path.is_file() else None
    made = not out_dir.exists()
    earlier = _earlier_files(out_dir)
    if not set(names) <= set(earlier):
        manifest = {"schema": MANIFEST_SCHEMA, "files": sorted({*earlier, *names})}
        write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    try:
        yield
    except BaseException:
        if before is None:
            path.unlink(missing_ok=True)
            if made:
                with contextlib.suppress(OSError):
                    out_dir.rmdir()  # this run made it (and left nothing else in it)
        else:
            write_atomic(path, before.decode("utf-8", "surrogateescape"))
        raise


def _earlier_files(out_dir: Path) -> list[str]:
    """The files the last `clean` into `out_dir` wrote, by its manifest; none without one
    (or with one that is not ours): then nothing there is this tool's to replace or delete."""
    try:
        old = json_value((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return [str(f) for f in old["files"]] if old.get("schema") == MANIFEST_SCHEMA else []
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []


_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{12}\.tmp")


def _remove_leftover_temps(out_dir: Path, names: Sequence[str], protected: list[Path]) -> None:
    """Delete the temporary files a killed run left beside the files this tool writes.

    Only `.NAME.<12 hex digits>.tmp` next to a NAME a run of `clean` writes (the atomic
    writer's own pattern) goes; nothing else in OUT is touched, and nothing inside an input.
    Names and leftovers are taken in sorted order, so a run does the same whatever the
    directory's order.
    """
    for name in sorted({str(n) for n in names}):
        target = out_dir / name
        if not target.parent.is_dir():
            continue
        for leftover in sorted(target.parent.glob(f".{glob.escape(target.name)}.*.tmp")):
            found = _TEMP_NAME.fullmatch(leftover.name)
            real = leftover.resolve()
            if found is None or found["name"] != target.name:
                continue
            if any(real == p or real.is_relative_to(p) for p in protected):
                continue
            leftover.unlink(missing_ok=True)


def _read_input(
    reader: DocumentReader,
    path: str,
    out_dir: Path,
    *,
    lazy: bool = False,
    sign: DedupConfig | None = None,
) -> _Input:
    root = Path(path)
    corpus = reader.jsonl_corpus([path], sign=sign) if lazy else None
    if corpus is not None:
        names = [_output_name(root, file) for file in corpus.paths]
        _refuse_shared_names(dict(zip(corpus.paths, names, strict=True)), out_dir)
        used = sorted(set(corpus.file_of.tolist()))  # a file with no document has no output
        outputs = [(names[f], "jsonl") for f in used]
        kinds = {names[f]: reader.formats[corpus.paths[f]] for f in used}
        return _Input(corpus, {}, outputs, kinds, set(corpus.paths), corpus, names)
    docs = list(reader.read([path]))
    targets: dict[str, tuple[str, str]] = {}
    files: list[tuple[str, str]] = []
    formats: dict[str, InputFormat] = {}
    named: dict[str, str] = {}  # source file -> output name: path work once per file
    for doc in docs:
        source_file, fmt = _source_file(doc, reader.formats)
        name = named.get(source_file)
        if name is None:
            name = named[source_file] = _output_name(root, source_file)
            formats[name] = fmt
            if (name, fmt.kind) not in files:
                files.append((name, fmt.kind))
        targets[doc.id] = (name, fmt.kind)
    _refuse_shared_names(named, out_dir)
    return _Input(docs, targets, files, formats, {source_path(doc.source) for doc in docs})


def _refuse_shared_names(named: Mapping[str, str], out_dir: Path) -> None:
    """Refuse two files of one input with one output name (a URL directory's `x/a.txt` and
    `y/a.txt`): written together, their texts would run into one file."""
    holder: dict[str, str] = {}
    for source, name in named.items():
        if holder.setdefault(name, source) != source:
            msg = (
                f"{holder[name]} and {source} would both be written to {out_dir / name}; "
                "clean them in separate runs"
            )
            raise InputError(msg)


def _output_name(root: Path, source_file: str) -> str:
    """The output name of a file read for the input path `root`: its path under `root`.

    A local glob's match keeps its path under the glob's folder (`doc/*` writes `doc/a/x.txt`
    as `a/x.txt`): by its file name alone, the `copyright` files of `/usr/share/doc/lib*`
    would all be one output file.
    """
    if source_file == "-":
        return STDIN_NAME
    if root.is_dir():
        return Path(source_file).relative_to(root).as_posix()
    base = None if is_url(source_file) else _glob_base(root)
    if base is not None and Path(source_file).is_relative_to(base):
        return Path(source_file).relative_to(base).as_posix()
    return Path(source_file).name


def _wild(part: str) -> bool:
    """Whether a path part holds a wildcard or a group of alternatives (`{a,b}`)."""
    return GLOB.search(part) is not None or BRACES.search(part) is not None


def _glob_base(root: Path) -> Path | None:
    """The folder a local glob pattern searches (its parts before the first wildcard), or
    None when `root` names a file or directory, or is no pattern."""
    if root.exists() or not _wild(str(root)):
        return None
    literal = list(takewhile(lambda part: not _wild(part), root.parts[:-1]))
    return Path(*literal)


def _source_file(doc: Document, formats: Mapping[str, InputFormat]) -> tuple[str, InputFormat]:
    """The file a document was read from and its format, which its output keeps.

    The output has the input's name, so its suffix (`.csv.zst`, `.parquet`, `.jsonl.gz`) says
    the same format and compression, and `write_like` writes it that way.
    """
    source = doc.source if doc.source in formats else source_path(doc.source)
    return source, formats[source]


def _check_out_dir(paths: Sequence[str], out_dir: Path) -> None:
    resolved = out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"output {out_dir} is a file; pass a directory to -o"
        raise InputError(msg)
    problem = unwritable_folder(out_dir)
    if problem:
        msg = f"-o: cannot write {out_dir} ({problem}); check the path"
        raise InputError(msg)
    for path in paths:
        if path == "-":
            continue
        src = Path(path).resolve()
        if resolved == src or resolved.is_relative_to(src):
            msg = f"output {out_dir} is inside input {path}; choose a directory outside the inputs"
            raise InputError(msg)


def _check_targets(inputs: Sequence[_Input], paths: Sequence[str], out_dir: Path) -> None:
    """Refuse to overwrite an input file or a file in OUT no earlier clean wrote, or to write
    two inputs to the same output file."""
    input_files = {Path(source).resolve() for i in inputs for source in i.read}
    input_files |= {Path(p).resolve() for p in paths if p != "-"}
    seen = {REMOVED_FILE: "the removed-lines record", REJECTS_FILE: "the rejects record"}
    for inp, path in zip(inputs, paths, strict=True):
        for name, _ in inp.files:
            if (out_dir / name).resolve() in input_files:
                msg = f"writing {out_dir / name} would overwrite an input; choose another -o"
                raise InputError(msg)
            if seen.setdefault(name, path) != path:
                msg = f"{path} and {seen[name]} would both be written to {out_dir / name}; "
                if name in (REMOVED_FILE, REJECTS_FILE):
                    msg += "clean them in separate runs"
                else:  # two folders: a glob of their parent names each output by its folder
                    both = [Path(seen[name]), Path(path)]
                    parent = Path(os.path.commonpath(both))
                    kids = [p.relative_to(parent).as_posix() for p in both]
                    pattern = parent / ("{" + ",".join(kids) + "}" if "." not in kids else "*")
                    msg += (
                        f"name them by one quoted glob, such as '{pattern}', which keeps "
                        "each folder's name in the output, or clean them in separate runs"
                    )
                raise InputError(msg)
    earlier = set(_earlier_files(out_dir))
    for name in [REMOVED_FILE, REJECTS_FILE, *(name for i in inputs for name, _ in i.files)]:
        if name not in earlier and (out_dir / name).is_file():
            # A user's own file of an output's name (a new-user trial: OUT/README.md, a draft,
            # was silently replaced by the cleaned samples/README.md).
            msg = (
                f"{out_dir / name} is already there and no earlier `dedup clean` into "
                f"{out_dir} wrote it; move it away or choose another -o"
            )
            raise InputError(msg)


def _write_documents(
    inputs: Sequence[_Input], result: CleanResult, out_dir: Path, text_field: str, jobs: int = 1
) -> list[str]:
    if len(inputs) == 1 and inputs[0].corpus is not None:
        return _write_corpus(inputs[0], result, out_dir, text_field, jobs)
    cleaned = {doc.id: doc for doc in result.documents}
    written = []
    for inp in inputs:
        per_file: dict[tuple[str, str], list[Document]] = {target: [] for target in inp.files}
        same: dict[tuple[str, str], list[bool]] = {target: [] for target in inp.files}
        for d in inp.docs:
            if d.id in cleaned:
                per_file[inp.targets[d.id]].append(cleaned[d.id])
                same[inp.targets[d.id]].append(cleaned[d.id].text == d.text)
        for (name, fmt), docs in per_file.items():
            if fmt == "text" and not docs:
                continue  # a dropped text file leaves no file behind
            # A JSONL record left as it was is copied as it was read, as a lazy corpus's are
            # (`JsonlCorpus.verbatim_line`): the output is the same for any --jobs.
            copied = fmt == "jsonl" and write_jsonl_copying(
                out_dir / name, docs, same[(name, fmt)], text_field
            )
            if not copied:
                fmt_read = inp.formats[name]
                write_like(out_dir / name, docs, fmt_read, text_field=text_field, jobs=jobs)
            written.append(name)
    return written


def _write_corpus(
    inp: _Input, result: CleanResult, out_dir: Path, text_field: str, jobs: int
) -> list[str]:
    """`_write_documents` of one lazily read input: its kept documents by file, each file's
    lines read again and encoded by `jobs` workers."""
    kept = result.documents
    assert isinstance(kept, KeptDocuments)
    assert inp.corpus is not None
    at = np.asarray(kept.positions, dtype=np.int64)
    file_of = inp.corpus.file_of[at]
    written = []
    for name, _ in inp.files:
        f = inp.names.index(name)
        docs = KeptDocuments(kept.docs, at[file_of == f].tolist(), kept.changed)
        write_like(out_dir / name, docs, inp.formats[name], text_field=text_field, jobs=jobs)
        written.append(name)
    return written
