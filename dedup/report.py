"""Findings and the JSON report: every verdict with its evidence, serializable both ways.

The JSON shape (`schema: dedup.report/3`) is the contract other tools read; fields are only
ever added to it. Offsets are half-open `[start, end)` Python `str` indices into the text as
read (0-based), so `text[start:end]` is the evidence; line numbers are 1-based, as people
count them, and the report's `positions` key says so. (Version 1 wrote a boilerplate
finding's `line` 0-based; version 2 always wrote a passage's whole `text`, which version 3
may cut to an excerpt or leave out: `PASSAGE_TEXTS`. `Report.from_dict` reads all three.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.document import Document, LazySequence, document_ids

SCHEMA = "dedup.report/3"
# schema -> the base its boilerplate `line` counted from
OLD_SCHEMAS = {"dedup.report/1": 0, "dedup.report/2": 1}

# How much of each passage span's text a JSON report holds: "excerpt" (the first
# EXCERPT_CHARS characters, `text_cut` true when that is not all of it), "full", or
# "none" (no `text`: the offsets and the inputs say it). Licence files share passages of
# several KB with hundreds of documents, and whole texts were two thirds of such a report.
PASSAGE_TEXTS = ("excerpt", "full", "none")
EXCERPT_CHARS = 200
POSITIONS = (
    "start and end: 0-based half-open [start, end) str offsets into the document text; "
    "line: 1-based line number of start (lines split on \\n)"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range `[start, end)` of one document's original text.

    Example:
        >>> Span("a.txt", 0, 5, "Hello").to_dict()
        {'doc': 'a.txt', 'start': 0, 'end': 5, 'text': 'Hello'}
    """

    doc: str
    start: int
    end: int
    text: str

    def to_dict(self, *, text: str = "full") -> dict[str, Any]:
        """JSON-ready form, with `text` whole, an excerpt or none (see `PASSAGE_TEXTS`).

        Example:
            >>> Span("a.txt", 0, 300, "x" * 300).to_dict(text="excerpt")["text_cut"]
            True
        """
        out: dict[str, Any] = {"doc": self.doc, "start": self.start, "end": self.end}
        if text == "full":
            out["text"] = self.text
        elif text == "excerpt":
            out["text"] = self.text[:EXCERPT_CHARS]
            if len(self.text) > EXCERPT_CHARS:
                out["text_cut"] = True
        elif text != "none":
            msg = f"passage text {text!r}: expected one of {', '.join(PASSAGE_TEXTS)}"
            raise ValueError(msg)
        return out

    @property
    def shown(self) -> str:
        """The text to show: "..." marks an excerpt (a report read back holds the first
        `EXCERPT_CHARS` characters by default), and a report written without texts says so.

        Example:
            >>> Span("a.txt", 0, 300, "x" * 200).shown[-3:], Span("a.txt", 0, 9, "").shown
            ('xx…', '(text not in the report)')
        """
        if len(self.text) >= self.end - self.start:
            return self.text
        return self.text + "…" if self.text else "(text not in the report)"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        """Inverse of `to_dict` (`text` is what the report holds: "" when it has none)."""
        text = str(data.get("text", ""))
        return cls(str(data["doc"]), int(data["start"]), int(data["end"]), text)


KINDS = ("verbatim", "edited", "rewritten")


@dataclass(frozen=True, slots=True)
class PassageMatch:
    """Text of document `a` reused in document `b`.

    Attributes:
        a: the span in the first document.
        b: the span in the second document.
        similarity: rapidfuzz ratio (0-1) of the two spans' normalized words.
        words: number of words the alignment found equal on both sides (for a `rewritten`
            passage: the content words its sentences share).
        kind: how it matched: `verbatim` (the same normalized words), `edited` (runs of
            equal words with small edits between them, `similarity` at or above
            `PassageConfig.min_similarity`) or `rewritten` (sentences sharing enough
            content words in any order, `overlap` at or above
            `PassageConfig.min_sentence_overlap`, whatever their `similarity`). None:
            derived from `similarity`.
        overlap: for a passage of paired sentences (`rewritten`, or `verbatim` when the
            two sentences turn out equal, as short ones can), the cosine of their
            content-word sets (shared / sqrt(size x size)); None for aligned words.
    """

    a: Span
    b: Span
    similarity: float
    words: int
    kind: str | None = None
    overlap: float | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            kind = "verbatim" if self.similarity >= 1.0 else "edited"
            object.__setattr__(self, "kind", kind)

    def to_dict(self, *, text: str = "full") -> dict[str, Any]:
        """JSON-ready form; `text` as for `Span.to_dict`."""
        return {
            "a": self.a.to_dict(text=text),
            "b": self.b.to_dict(text=text),
            "kind": self.kind,
            "similarity": self.similarity,
            "overlap": self.overlap,
            "words": self.words,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PassageMatch:
        """Inverse of `to_dict` (a report without `kind` gets it from `similarity`)."""
        kind = data.get("kind")
        return cls(
            Span.from_dict(data["a"]),
            Span.from_dict(data["b"]),
            float(data["similarity"]),
            int(data["words"]),
            None if kind is None else str(kind),
            _optional_float(data.get("overlap")),
        )


# The grade of one side of a pair, fitted on the short-answers corpus (answers written from
# a source by pasting, light or heavy revision, or without it; benchmarks/short_answers.py
# fits both cuts leaving one task out: three-grade macro-F1 0.746 against 0.730 for word
# trigram containment). Derived: sentence containment at or above DERIVED_CUT; wholly
# derived: also word 5-gram containment at or above WHOLLY_CUT (whole sentences pasted
# keep their 5-grams, rewording breaks them).
DERIVED_CUT = 0.3
WHOLLY_CUT = 0.55
GRADES = ("wholly", "partially", "non")


def derivation(sentences: float | None, containment: float | None) -> str | None:
    """How much of one document is derived from the other: "wholly", "partially" or "non"
    (the journalistic-reuse grades), from its sentence and 5-gram containment in the other;
    None when neither was measured. Without sentence containment, the 5-gram containment
    decides "derived" too (a stricter test: rewording breaks 5-grams).

    Example:
        >>> derivation(0.95, 0.8), derivation(0.6, 0.2), derivation(0.1, 0.0)
        ('wholly', 'partially', 'non')
        >>> derivation(None, 0.2), derivation(None, None)
        ('non', None)
    """
    derived = sentences if sentences is not None else containment
    if derived is None:
        return None
    if derived < DERIVED_CUT:
        return "non"
    return "wholly" if (containment or 0.0) >= WHOLLY_CUT else "partially"


@dataclass(frozen=True, slots=True)
class DocumentPair:
    """Whole-document similarity of two documents that share passages (or were compared).

    Attributes:
        a: id of the first document.
        b: id of the second document.
        jaccard: exact Jaccard of their shingle sets.
        threshold: the near-duplicate threshold it was compared with.
        containment_a: share of `a`'s shingles that `b` also has (how much of `a` is in
            `b`), from the same shingle sets; None in a report written before it was kept.
        containment_b: share of `b`'s shingles that `a` also has.
        sentence_containment_a: how much of `a` is in `b` sentence by sentence, rewording
            included (0-1): each sentence of `a` scores the larger of its share inside
            passages of aligned words and the share of its content words found in one
            sentence (or two adjacent ones) of `b`; the mean over `a`'s sentences weighted
            by length. None when not measured (`PassageConfig.sentences` off).
        sentence_containment_b: the same for `b` in `a`.
    """

    a: str
    b: str
    jaccard: float
    threshold: float
    containment_a: float | None = None
    containment_b: float | None = None
    sentence_containment_a: float | None = None
    sentence_containment_b: float | None = None

    @property
    def near_duplicate(self) -> bool:
        """Whether the pair is at or above the near-duplicate threshold."""
        return self.jaccard >= self.threshold

    @property
    def grade_a(self) -> str | None:
        """How much of `a` is derived from `b` (`derivation`): wholly, partially or non."""
        return derivation(self.sentence_containment_a, self.containment_a)

    @property
    def grade_b(self) -> str | None:
        """How much of `b` is derived from `a`."""
        return derivation(self.sentence_containment_b, self.containment_b)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "jaccard": self.jaccard,
            "containment_a": self.containment_a,
            "containment_b": self.containment_b,
            "sentence_containment_a": self.sentence_containment_a,
            "sentence_containment_b": self.sentence_containment_b,
            "grade_a": self.grade_a,
            "grade_b": self.grade_b,
            "threshold": self.threshold,
            "near_duplicate": self.near_duplicate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentPair:
        """Inverse of `to_dict`."""
        return cls(
            str(data["a"]),
            str(data["b"]),
            float(data["jaccard"]),
            float(data["threshold"]),
            _optional_float(data.get("containment_a")),
            _optional_float(data.get("containment_b")),
            _optional_float(data.get("sentence_containment_a")),
            _optional_float(data.get("sentence_containment_b")),
        )


@dataclass(frozen=True, slots=True)
class ClusterMember:
    """A member of a duplicate cluster with its exact Jaccard to the representative."""

    id: str
    jaccard: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"id": self.id, "jaccard": self.jaccard}


@dataclass(frozen=True, slots=True)
class DuplicateCluster:
    """Near-duplicate documents gathered around one representative (no chaining).

    Attributes:
        representative: id of the document every member was compared with.
        members: the other documents, each with its exact Jaccard to the representative.
        kept: id of the copy that is kept, or None when every copy is dropped.
        threshold: the Jaccard threshold each member met.
        rule: the keep rule that chose `kept`.
    """

    representative: str
    members: tuple[ClusterMember, ...]
    kept: str | None
    threshold: float
    rule: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "representative": self.representative,
            "members": [m.to_dict() for m in self.members],
            "kept": self.kept,
            "threshold": self.threshold,
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DuplicateCluster:
        """Inverse of `to_dict`."""
        members = tuple(ClusterMember(str(m["id"]), float(m["jaccard"])) for m in data["members"])
        kept = None if data.get("kept") is None else str(data["kept"])
        return cls(
            str(data["representative"]), members, kept, float(data["threshold"]), str(data["rule"])
        )


@dataclass(frozen=True, slots=True)
class BoilerplateLine:
    """A line (or part of one) judged boilerplate, with the rule and its measurement.

    Attributes:
        doc: id of the document.
        start: start offset of the removed text in the original.
        end: end offset (exclusive).
        line: 0-based index of the line in `text.split("\\n")`; the JSON report, removed.jsonl
            and every output for people show it 1-based (`line_no`).
        rule: the rule that fired (a `BoilerplateConfig` field or fixed rule name).
        score: the measured value.
        threshold: the limit the measured value crossed.
        evidence: what it matched (a lexicon phrase, other documents with the same line...).
        held: found, but held back by the removal budget (`max_removed_fraction`): reported
            so the evidence adds up, never removed by `clean` and never counted by `check`.
    """

    doc: str
    start: int
    end: int
    line: int
    rule: str
    score: float
    threshold: float
    evidence: str
    held: bool = False

    @property
    def line_no(self) -> int:
        """The 1-based line number people read."""
        return self.line + 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; `line` is 1-based."""
        return {
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "line": self.line_no,
            "rule": self.rule,
            "score": self.score,
            "threshold": self.threshold,
            "evidence": self.evidence,
            "held": self.held,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, line_base: int = 1) -> BoilerplateLine:
        """Inverse of `to_dict`; `line_base` 0 reads a `dedup.report/1` line."""
        return cls(
            str(data["doc"]),
            int(data["start"]),
            int(data["end"]),
            int(data["line"]) - line_base,
            str(data["rule"]),
            float(data["score"]),
            float(data["threshold"]),
            str(data["evidence"]),
            bool(data.get("held", False)),
        )


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document the report covers, and how much of it is reused.

    Attributes:
        id: the document's id.
        source: where it was read from.
        chars: its length in characters.
        reused_chars: characters inside any passage found, each counted once, outside its
            boilerplate lines (`columns_reuse`).
        main_source: the other document sharing the most characters of passages with it
            (the earlier one on a tie), or None when it shares none.
        main_source_chars: how many of its characters it shares with `main_source`.
    """

    id: str
    source: str
    chars: int
    reused_chars: int = 0
    main_source: str | None = None
    main_source_chars: int = 0

    @property
    def reused(self) -> float:
        """Share of the document's characters inside reported passages (0-1)."""
        return round(self.reused_chars / self.chars, 4) if self.chars else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "source": self.source,
            "chars": self.chars,
            "reused": self.reused,
            "reused_chars": self.reused_chars,
            "main_source": self.main_source,
            "main_source_chars": self.main_source_chars,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentInfo:
        """Inverse of `to_dict` (`reused` is recomputed, not read)."""
        main = data.get("main_source")
        return cls(
            str(data["id"]),
            str(data["source"]),
            int(data["chars"]),
            int(data.get("reused_chars", 0)),
            None if main is None else str(main),
            int(data.get("main_source_chars", 0)),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a run found, with evidence; `to_dict`/`from_dict` round-trip exactly.

    Example:
        >>> r = Report(config={}, fingerprint="x")
        >>> Report.from_dict(r.to_dict()) == r
        True
    """

    config: dict[str, Any]
    fingerprint: str
    documents: Sequence[DocumentInfo] = ()  # a tuple, or a `DocumentTable` (same values)
    pairs: tuple[DocumentPair, ...] = ()
    duplicates: tuple[DuplicateCluster, ...] = ()
    passages: tuple[PassageMatch, ...] = ()
    boilerplate: tuple[BoilerplateLine, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Totals a CI check or a person reads first."""
        reused: dict[str, set[tuple[int, int]]] = {}
        for p in self.passages:
            for span in (p.a, p.b):
                reused.setdefault(span.doc, set()).add((span.start, span.end))
        # Boilerplate is not reuse (`columns_reuse`), unless passages of it were asked for.
        fence: dict[str, set[tuple[int, int]]] = {}
        if not self.config.get("passage", {}).get("boilerplate", True):
            fence = boilerplate_spans(self.boilerplate, list(reused))
        dropped = sum(len(c.members) + 1 - (c.kept is not None) for c in self.duplicates)
        return {
            "documents": len(self.documents),
            "duplicate_documents": dropped,
            "passages": len(self.passages),
            "reused_chars": sum(
                _covered(spans | fence.get(doc, set())) - _covered(fence.get(doc, set()))
                for doc, spans in reused.items()
            ),
            "boilerplate_chars": sum(b.end - b.start for b in self.boilerplate if not b.held),
            **self.counts,
        }

    def to_dict(self, *, passage_text: str = "full") -> dict[str, Any]:
        """The JSON report (`schema: dedup.report/3`); `passage_text` says how much of each
        passage's text it holds (`PASSAGE_TEXTS`; "full" reads back as an equal report)."""
        data = self.json_fields(passage_text=passage_text)
        data["documents"] = list(data["documents"])
        return data

    def json_fields(self, *, passage_text: str = "full") -> dict[str, Any]:
        """`to_dict`, but "documents" a `DocumentDicts`: each made when asked for, so that
        the processes encoding a large report make them (`dedup.render.json_text`)."""
        return {
            "schema": SCHEMA,
            "positions": POSITIONS,
            "config": self.config,
            "fingerprint": self.fingerprint,
            "documents": DocumentDicts(self.documents),
            "pairs": [p.to_dict() for p in self.pairs],
            "duplicates": [c.to_dict() for c in self.duplicates],
            "passages": [p.to_dict(text=passage_text) for p in self.passages],
            "boilerplate": [b.to_dict() for b in self.boilerplate],
            "counts": dict(self.counts),
            "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read a report written by `to_dict` (the `summary` is recomputed, not read)."""
        schema = data.get("schema")
        if schema != SCHEMA and schema not in OLD_SCHEMAS:
            msg = f"not a dedup report: schema is {schema!r}, expected {SCHEMA!r}"
            raise ValueError(msg)
        base = OLD_SCHEMAS.get(str(schema), 1)
        return cls(
            config=dict(data["config"]),
            fingerprint=str(data["fingerprint"]),
            documents=tuple(DocumentInfo.from_dict(d) for d in data["documents"]),
            pairs=tuple(DocumentPair.from_dict(p) for p in data.get("pairs", [])),
            duplicates=tuple(DuplicateCluster.from_dict(c) for c in data["duplicates"]),
            passages=tuple(PassageMatch.from_dict(p) for p in data["passages"]),
            boilerplate=tuple(
                BoilerplateLine.from_dict(b, line_base=base) for b in data["boilerplate"]
            ),
            counts={str(k): int(v) for k, v in data.get("counts", {}).items()},
        )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


class DocumentTable(LazySequence[DocumentInfo]):
    """The `DocumentInfo` of many documents with nothing reused, kept as three columns and
    each made when asked for: a corpus of a million documents needs no million objects in
    the process that builds its report. Equal to any sequence of the same `DocumentInfo`s.

    Example:
        >>> table = DocumentTable(["a", "b"], ["f:1", "f:2"], [3, 5])
        >>> table[1]
        DocumentInfo(id='b', source='f:2', chars=5, reused_chars=0, main_source=None, \
main_source_chars=0)
        >>> table == (DocumentInfo("a", "f:1", 3), DocumentInfo("b", "f:2", 5))
        True
    """

    def __init__(self, ids: Sequence[str], sources: Sequence[str], chars: Sequence[int]) -> None:
        self.ids = ids
        self.sources = sources
        self.chars = chars

    def __len__(self) -> int:
        return len(self.ids)

    _gather = tuple  # a slice is what a slice of the tuple it stands in for is

    def _item(self, i: int) -> DocumentInfo:
        return DocumentInfo(self.ids[i], self.sources[i], int(self.chars[i]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DocumentTable({len(self)} documents)"


class DocumentDicts(LazySequence[dict[str, Any]]):
    """`[d.to_dict() for d in documents]`, each made when asked for (see `Report.json_fields`)."""

    def __init__(self, documents: Sequence[DocumentInfo]) -> None:
        self.documents = documents

    def __len__(self) -> int:
        return len(self.documents)

    def _item(self, i: int) -> dict[str, Any]:
        return self.documents[i].to_dict()


def document_infos(docs: Sequence[Document]) -> DocumentTable:
    """The `DocumentInfo` of every document, in order, as a `DocumentTable`.

    A corpus that knows its ids, sources and lengths without parsing its texts (a
    `JsonlCorpus`, attributes `ids`, `sources`, `chars`) is not parsed.

    Example:
        >>> list(document_infos([Document("a", "xyz", "f:1")]))
        [DocumentInfo(id='a', source='f:1', chars=3, reused_chars=0, main_source=None, \
main_source_chars=0)]
    """
    sources = getattr(docs, "sources", None)
    if sources is None:
        return DocumentTable(
            [d.id for d in docs], [d.source for d in docs], [d.chars for d in docs]
        )
    return DocumentTable(getattr(docs, "ids"), sources, getattr(docs, "chars"))  # noqa: B009


def document_reuse(
    documents: Sequence[DocumentInfo], passages: Sequence[PassageMatch]
) -> Sequence[DocumentInfo]:
    """`documents` with their reused characters and main source filled in from `passages`.

    Example:
        >>> docs = [DocumentInfo("a", "a", 10), DocumentInfo("b", "b", 4)]
        >>> p = PassageMatch(Span("a", 0, 4, "abcd"), Span("b", 0, 4, "abcd"), 1.0, 1)
        >>> [(d.reused, d.main_source) for d in document_reuse(docs, [p])]
        [(0.4, 'b'), (1.0, 'a')]
    """
    return columns_reuse(documents, passage_columns(passages, document_ids(documents)))[0]


@dataclass(frozen=True)
class PassageColumns:
    """Passages as columns of numbers, documents by position in `ids`: what a report's
    reuse figures and per-document cap read (`columns_reuse`, `passages.capped_rows`).

    One pass of numpy over 173,100 passages of 2,400 licence files and docstrings, where a
    `PassageMatch` per passage and dict-of-set loops took 1.9 s of CPU in the one process
    that assembles the report while the workers wait.

    Attributes:
        ids: document ids by position.
        doc_a, doc_b: positions in `ids` of each passage's two documents.
        a_start, a_end, b_start, b_end: the two spans (half-open character offsets).
        words: each passage's equal words.
    """

    ids: Sequence[str]
    doc_a: npt.NDArray[np.int64]
    doc_b: npt.NDArray[np.int64]
    a_start: npt.NDArray[np.int64]
    a_end: npt.NDArray[np.int64]
    b_start: npt.NDArray[np.int64]
    b_end: npt.NDArray[np.int64]
    words: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.doc_a)

    def take(self, rows: npt.NDArray[np.int64]) -> PassageColumns:
        """The passages at `rows` (positions, increasing); `ids` as they are."""
        return PassageColumns(
            self.ids,
            self.doc_a[rows],
            self.doc_b[rows],
            self.a_start[rows],
            self.a_end[rows],
            self.b_start[rows],
            self.b_end[rows],
            self.words[rows],
        )


def boilerplate_passages(
    cols: PassageColumns, lines: Sequence[BoilerplateLine], min_words: int
) -> npt.NDArray[np.bool_]:
    """Which passages are boilerplate that documents share rather than text one took from
    another: on either side, the document's boilerplate lines cover at least half of the
    span (`BOILERPLATE_SHARE`) and leave fewer than `min_words` of the passage's words
    outside them (its words in proportion to the characters outside).

    Two republished articles of different sources share their sites' footer ("Share
    this:", "Leave a Comment"), which a new-user trial found reported as a passage, making
    unrelated copies "partially derived" and counted again under the reuse limit of a
    check, beside the boilerplate limit. A passage of article text that runs into the
    footer stays whole. Lines held back by the removal budget (`held`) are not counted:
    `clean` keeps them. Offsets alone decide it (no text is read), so every engine's
    report agrees.

    Example:
        >>> footer = [BoilerplateLine("a", 20, 31, 1, "lexicon", 1.0, 0.9, "share this")]
        >>> tail = "Share this:"
        >>> p = PassageMatch(Span("a", 20, 31, tail), Span("b", 5, 16, tail), 1.0, 2)
        >>> q = PassageMatch(Span("a", 0, 19, "x" * 19), Span("b", 0, 19, "x" * 19), 1.0, 9)
        >>> boilerplate_passages(passage_columns([p, q], ["a", "b"]), footer, 8).tolist()
        [True, False]
    """
    runs = _line_runs(lines, cols.ids)
    if not len(cols) or not len(runs[0]):
        return np.zeros(len(cols), dtype=bool)
    return _mostly(runs, cols.doc_a, cols.a_start, cols.a_end, cols.words, min_words) | _mostly(
        runs, cols.doc_b, cols.b_start, cols.b_end, cols.words, min_words
    )


def boilerplate_spans(
    lines: Sequence[BoilerplateLine], ids: Sequence[str]
) -> dict[str, set[tuple[int, int]]]:
    """The blocks of boilerplate lines of the documents `ids` that no reuse figure counts
    (`_line_runs`), as half-open spans by document.

    Example:
        >>> lines = [BoilerplateLine("a", 4, 9, 1, "lexicon", 1.0, 0.9, ""),
        ...          BoilerplateLine("a", 10, 12, 2, "lexicon", 1.0, 0.9, "")]
        >>> boilerplate_spans(lines, ["a", "b"])
        {'a': {(4, 12)}}
    """
    key, length, _ = _line_runs(lines, ids)
    out: dict[str, set[tuple[int, int]]] = {}
    for k, n in zip(key.tolist(), length.tolist(), strict=True):
        start = k & ((1 << _DOC_SHIFT) - 1)
        out.setdefault(ids[k >> _DOC_SHIFT], set()).add((start, start + n))
    return out


# The share of a passage's span its document's boilerplate lines must cover for the
# passage to be boilerplate (and fewer than `min_words` words left outside them).
BOILERPLATE_SHARE = 0.5
# Documents and offsets in one sorted int64 key: a document's offsets stay under 2**36
# (64 GiB of text), which leaves room for 2**27 documents.
_DOC_SHIFT = 36


def _line_runs(
    lines: Sequence[BoilerplateLine], ids: Sequence[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Runs of the boilerplate lines of the documents `ids` (by position) that `clean`
    removes (not `held`), as sorted keys (document and offset, `_DOC_SHIFT`): each run's
    start, its length, and the characters of the runs before it. Two lines are one run
    when only line breaks part them (the blank lines between footer lines)."""
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    lines = [ln for ln in lines if not ln.held and ln.doc in position]
    if not lines:
        none = np.zeros(0, dtype=np.int64)
        return none, none, none
    doc = np.array([position[ln.doc] for ln in lines], dtype=np.int64)
    start = np.array([ln.start for ln in lines], dtype=np.int64)
    end = np.array([ln.end for ln in lines], dtype=np.int64)
    number = np.array([ln.line for ln in lines], dtype=np.int64)
    order = np.lexsort((start, doc))
    doc, start, end, number = doc[order], start[order], end[order], number[order]
    # "\r\n" is two characters a line break; a blank line is "" or "\r".
    joined = (doc[1:] == doc[:-1]) & (start[1:] - end[:-1] <= 2 * (number[1:] - number[:-1]))
    first = np.flatnonzero(np.concatenate(([True], ~joined)))
    key = (doc[first] << _DOC_SHIFT) + start[first]
    length = np.maximum.reduceat(end, first) - start[first]
    return key, length, np.concatenate(([0], np.cumsum(length)[:-1]))


def _mostly(
    runs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    doc: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    words: npt.NDArray[np.int64],
    min_words: int,
) -> npt.NDArray[np.bool_]:
    """Whether boilerplate runs cover each span as `boilerplate_passages` asks."""
    covered = _covered_before(runs, (doc << _DOC_SHIFT) + end) - _covered_before(
        runs, (doc << _DOC_SHIFT) + start
    )
    share = covered / np.maximum(end - start, 1)
    mostly: npt.NDArray[np.bool_] = (share >= BOILERPLATE_SHARE) & (words * (1 - share) < min_words)
    return mostly


def _covered_before(
    runs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    keys: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Characters of the runs before each key (runs of other documents included: a span's
    two ends are in one document, so their difference is what the span holds)."""
    key, length, before = runs
    k = np.searchsorted(key, keys, side="right") - 1
    at = np.maximum(k, 0)
    inside = np.clip(keys - key[at], 0, length[at])
    return np.where(k >= 0, before[at] + inside, 0)


def passage_columns(passages: Sequence[PassageMatch], ids: Sequence[str]) -> PassageColumns:
    """`passages` as `PassageColumns`, documents by position in `ids` (a passage's id not
    in `ids` goes after them, those in id order).

    Example:
        >>> p = PassageMatch(Span("b", 0, 4, "abcd"), Span("c", 2, 6, "abcd"), 1.0, 1)
        >>> cols = passage_columns([p], ["a", "b"])
        >>> cols.ids, cols.doc_a.tolist(), cols.doc_b.tolist(), cols.b_end.tolist()
        (['a', 'b', 'c'], [1], [2], [6])
    """
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    named = {doc_id for p in passages for doc_id in (p.a.doc, p.b.doc)}
    extra = sorted(named - position.keys())
    position.update((doc_id, len(ids) + k) for k, doc_id in enumerate(extra))

    def column(values: list[int]) -> npt.NDArray[np.int64]:
        return np.array(values, dtype=np.int64)

    return PassageColumns(
        [*ids, *extra],
        column([position[p.a.doc] for p in passages]),
        column([position[p.b.doc] for p in passages]),
        column([p.a.start for p in passages]),
        column([p.a.end for p in passages]),
        column([p.b.start for p in passages]),
        column([p.b.end for p in passages]),
        column([p.words for p in passages]),
    )


def columns_reuse(
    documents: Sequence[DocumentInfo],
    cols: PassageColumns,
    boilerplate: Sequence[BoilerplateLine] = (),
) -> tuple[Sequence[DocumentInfo], npt.NDArray[np.int64]]:
    """`document_reuse` from `cols` (`cols.ids` starting with the documents' ids), and
    each document's main source by position (-1: none).

    A document's reused characters are the union of its spans in every passage, outside
    its `boilerplate` lines (those `clean` removes: a passage that runs into a footer does
    not make the footer reuse); its main source the other document whose passages cover
    most of it so (ties: the earlier position).

    Example:
        >>> docs = [DocumentInfo("a", "a", 10), DocumentInfo("b", "b", 4)]
        >>> p = PassageMatch(Span("a", 0, 4, "abcd"), Span("b", 0, 4, "abcd"), 1.0, 1)
        >>> infos, main = columns_reuse(docs, passage_columns([p], ["a", "b"]))
        >>> [(d.reused_chars, d.main_source) for d in infos], main.tolist()
        ([(4, 'b'), (4, 'a')], [1, 0])
    """
    n = len(cols.ids)
    main = np.full(len(documents), -1, dtype=np.int64)
    if not len(cols):  # nothing reused: `documents` as they are (a table stays one)
        return (documents if isinstance(documents, DocumentTable) else tuple(documents)), main
    # Each passage is a span of each of its documents, with the other as its partner.
    mine = np.concatenate((cols.doc_a, cols.doc_b))
    starts = np.concatenate((cols.a_start, cols.b_start))
    ends = np.concatenate((cols.a_end, cols.b_end))
    reused = np.zeros(n, dtype=np.int64)
    key, length, _ = _line_runs(boilerplate, cols.ids)
    fence = (key >> _DOC_SHIFT, key & ((1 << _DOC_SHIFT) - 1), length)
    docs, covered = _union_outside(mine, starts, ends, fence)
    reused[docs] = covered
    pairs, shared = _union_outside(
        mine * n + np.concatenate((cols.doc_b, cols.doc_a)), starts, ends, fence, n
    )
    # Each document's partner covering most of it, the earlier on a tie: the first of its
    # partners ranked by (coverage, position); pairs are sorted by document already.
    best = np.lexsort((pairs % n, -shared, pairs // n))
    first = best[np.concatenate(([True], np.diff(pairs[best] // n) != 0))]
    source, chars = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    source[pairs[first] // n], chars[pairs[first] // n] = pairs[first] % n, shared[first]
    position = {doc_id: k for k, doc_id in enumerate(cols.ids[: len(documents)])}
    out = []
    for i, doc in enumerate(documents):
        k = position[doc.id]
        if source[k] < 0:
            out.append(doc)
            continue
        main[i] = source[k]
        out.append(
            replace(
                doc,
                reused_chars=int(reused[k]),
                main_source=cols.ids[source[k]],
                main_source_chars=int(chars[k]),
            )
        )
    return tuple(out), main


def _union_outside(
    group: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    fence: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    per: int = 0,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`_union_lengths` outside the `fence` spans (document, start, length; ascending by
    document): the union with them, less theirs. With `per`, a group is a document x `per`
    + its partner, and each group is fenced by its document's spans.

    Example:
        >>> fence = (np.array([7]), np.array([3]), np.array([5]))  # [3, 8) of document 7
        >>> keys, covered = _union_outside(np.array([7, 2]), np.array([0, 0]),
        ...                                np.array([6, 6]), fence)
        >>> keys.tolist(), covered.tolist()
        ([2, 7], [6, 3])
    """
    keys, covered = _union_lengths(group, starts, ends)
    doc, start, length = fence
    if not len(doc):
        return keys, covered
    # Each group's fence: the spans of its document, once per group.
    mine = keys // per if per else keys
    lo, hi = np.searchsorted(doc, mine, "left"), np.searchsorted(doc, mine, "right")
    count = hi - lo
    at = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    fenced = (np.repeat(keys, count), start[at], start[at] + length[at])
    both_keys, both = _union_lengths(
        np.concatenate((group, fenced[0])),
        np.concatenate((starts, fenced[1])),
        np.concatenate((ends, fenced[2])),
    )
    inside = np.zeros(len(keys), dtype=np.int64)
    if len(fenced[0]):
        fence_keys, fence_covered = _union_lengths(*fenced)
        inside[np.searchsorted(keys, fence_keys)] = fence_covered
    outside: npt.NDArray[np.int64] = both[np.searchsorted(both_keys, keys)] - inside
    return keys, outside


def _union_lengths(
    group: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each distinct `group` key (ascending) and the characters covered by the union of
    its half-open spans `[starts, ends)`.

    Example:
        >>> keys, covered = _union_lengths(
        ...     np.array([7, 7, 7, 3]), np.array([0, 2, 9, 5]), np.array([4, 6, 10, 5]))
        >>> keys.tolist(), covered.tolist()
        ([3, 7], [0, 7])
    """
    order = np.lexsort((ends, starts, group))
    group, starts, ends = group[order], starts[order], ends[order]
    opens = np.concatenate(([True], group[1:] != group[:-1]))
    run = np.cumsum(opens) - 1
    # The reach before each span: the furthest end of the earlier spans of its group. An
    # offset of one past the longest end per run keeps one running maximum from reaching
    # across groups (a run's values all exceed the earlier runs').
    step = int(ends.max(initial=0)) + 1
    reach = np.maximum.accumulate(run * step + ends) - run * step
    before = np.concatenate(([0], reach[:-1]))
    before[opens] = 0
    gained = np.maximum(0, ends - np.maximum(starts, before))
    covered: npt.NDArray[np.int64] = np.add.reduceat(gained, np.flatnonzero(opens))
    return group[opens], covered


def _covered(spans: set[tuple[int, int]]) -> int:
    """Characters covered by the union of half-open spans."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def pair_reuse(pair: DocumentPair) -> float:
    """How much of the more contained document of a pair is in the other (by sentence when
    measured, else by shingles), or the Jaccard when higher: the pair's share of reuse.

    Example:
        >>> pair_reuse(DocumentPair("a", "b", 0.1, 0.8, 0.2, 0.3, None, 0.5))
        0.5
    """
    a = pair.sentence_containment_a or pair.containment_a or 0.0
    b = pair.sentence_containment_b or pair.containment_b or 0.0
    return max(a, b, pair.jaccard)


def pair_ranking(report: Report) -> Callable[[DocumentPair], tuple[float, int, int]]:
    """Sort key of a report's document pairs: the most reuse first (`pair_reuse`), ties in
    input order (so "c.jsonl:15" comes before "c.jsonl:144", as in the corpus).

    Example:
        >>> docs = tuple(DocumentInfo(i, i, 1) for i in ("x:15", "x:144", "x:2"))
        >>> pairs = (DocumentPair("x:15", "x:144", 0.1, 0.8), DocumentPair("x:2", "x:15", 0.1, 0.8),
        ...          DocumentPair("x:15", "x:2", 0.9, 0.8))
        >>> ranked = sorted(pairs, key=pair_ranking(Report({}, "f", documents=docs, pairs=pairs)))
        >>> [(p.a, p.b) for p in ranked]
        [('x:15', 'x:2'), ('x:15', 'x:144'), ('x:2', 'x:15')]
    """
    order = {d.id: k for k, d in enumerate(report.documents)}
    last = len(order)
    return lambda pair: (-pair_reuse(pair), order.get(pair.a, last), order.get(pair.b, last))


def plain_number(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, never in exponent form: a measured share or a
    feature's value as people read it ("0.000002", not "2e-06": a new-user trial).

    Example:
        >>> plain_number(0.34657, 3), plain_number(1.0, 3), plain_number(2e-06, 4)
        ('0.347', '1', '0.000002')
    """
    fast = f"{value:.{digits}g}"  # the same digits, unless in exponent form
    if "e" not in fast:
        return fast
    return str(np.format_float_positional(value, precision=digits, fractional=False, trim="-"))


def amount(n: int, noun: str) -> str:
    """'1 document', '2 documents'.

    Example:
        >>> amount(1, "shared passage"), amount(0, "document")
        ('1 shared passage', '0 documents')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
