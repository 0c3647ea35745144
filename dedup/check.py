"""The CI data check: limits on duplicates, boilerplate and reuse, verdicts, and a baseline.

`check` is the whole check as one call: it scans the data, queries an index when given one,
and hands both to `evaluate`, which turns them into findings and measures each limit on the
findings that are not in the baseline:

- `max-duplicate-ratio`: documents that near-duplicate an earlier document of the data or an
  indexed one, over all documents;
- `max-boilerplate-ratio`: boilerplate characters over all characters;
- `max-reused-ratio`: characters of passages reused from an earlier document or from the
  index, over all characters (the copy is counted, not the first occurrence).

A limit fails when the measured value is above it, so 0 fails on any finding and 1 never fails.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dedup.api import scan
from dedup.baseline import Baseline, forget_projects, project_id
from dedup.config import DedupConfig
from dedup.document import Document, require_documents
from dedup.errors import ConfigError
from dedup.io.formats import detect_format
from dedup.report import Report, Span, _covered, boilerplate_spans, plain_number
from dedup.store import Index, QueryResult

DUPLICATE, BOILERPLATE, REUSED = "max-duplicate-ratio", "max-boilerplate-ratio", "max-reused-ratio"
RULES = (DUPLICATE, BOILERPLATE, REUSED)
# What the JSON's positions mean, said in the JSON itself.
POSITIONS = (
    "line and end_line: 1-based lines of path (a JSONL record's line, a CSV row's line under "
    "the header, a Parquet row's number); start and end: 0-based half-open [start, end) str "
    "offsets into the document text"
)
UNMEASURED_REUSE_TEXT = (
    f"--{REUSED} needs the passage search; drop --no-passages (or `no-passages` in [tool.dedup])"
)
_JSONL_SOURCE = re.compile(r"^(?P<path>.+):(?P<line>\d+)$")


@dataclass(frozen=True, slots=True)
class Limits:
    """The most of each kind of finding the data may hold (0-1; 1 switches a limit off).

    Example:
        >>> Limits(max_duplicate_ratio=0.1).max_reused_ratio
        1.0
    """

    max_duplicate_ratio: float = 0.0
    max_boilerplate_ratio: float = 1.0
    max_reused_ratio: float = 1.0

    def __post_init__(self) -> None:
        for rule, value in self.by_rule().items():
            if not 0.0 <= value <= 1.0:
                msg = f"--{rule} must be between 0 and 1, got {value!r}"
                raise ConfigError(msg)

    def require_measured(self, config: DedupConfig) -> None:
        """Refuse a limit (below 1) whose measure `config` switches off: it would always pass.

        Boilerplate and near-duplicates are always looked for by `check`; reused passages
        only with `config.passages`.

        Example:
            >>> Limits(max_reused_ratio=0).require_measured(DedupConfig(passages=False))
            ... # doctest: +ELLIPSIS
            Traceback (most recent call last):
            dedup.errors.ConfigError: --max-reused-ratio needs the passage search; drop ...
        """
        if self.max_reused_ratio < 1.0 and not config.passages:
            raise ConfigError(UNMEASURED_REUSE_TEXT)

    def by_rule(self) -> dict[str, float]:
        """The limits keyed by rule name."""
        return {
            DUPLICATE: self.max_duplicate_ratio,
            BOILERPLATE: self.max_boilerplate_ratio,
            REUSED: self.max_reused_ratio,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the check found, located in the original file.

    Attributes:
        rule: the limit it counts towards.
        kind: duplicate, boilerplate, reused (within the data), indexed-duplicate or
            indexed-reuse (from the index).
        doc: id of the checked document.
        start: start offset of the evidence in the document's original text.
        end: end offset (exclusive).
        path: file the document was read from.
        line: 1-based line of `start` in that file (of the record, for JSONL/CSV/Parquet).
        end_line: 1-based line of the last character of the evidence (the record's line for
            a record: its text is one field on that line).
        message: one line for people.
        other: the span of the other document (earlier document or indexed document) with
            its text: the reused passage, or for a near-duplicate the whole earlier document
            (an indexed near-duplicate's is empty, `[0, 0)`: its text stays in the index).
        key: stable key for baselines: kind, document id (a file path relative to the
            project root, `baseline.project_id`) and a hash of the evidence text, so it
            survives edits elsewhere in the file and however the path was typed. Within
            the data the other document is not in the key: what was accepted is that this
            text is a copy, and deleting the copy it was found against (one of three equal
            files) must not turn the same text into a new finding. An indexed document,
            which the data does not change, is in the key.
        aliases: the keys an earlier version gave the same finding (with the other
            document in it), which a baseline written by that version holds.
    """

    rule: str
    kind: str
    doc: str
    start: int
    end: int
    path: str
    line: int
    end_line: int
    message: str
    other: Span | None
    key: str
    aliases: tuple[str, ...] = ()

    def to_dict(self, *, text: str = "full") -> dict[str, Any]:
        """JSON-ready form; `text` says how much of the other span's text it holds, as
        `--passage-text` does for passages (`Span.to_dict`): a near-duplicate's other span
        is a whole document."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "message": self.message,
            "other": None if self.other is None else self.other.to_dict(text=text),
            "key": self.key,
        }


# What a limit counts, said in its verdict: "1 of 2 documents are near-duplicates".
COUNTED = {
    DUPLICATE: ("documents", "are near-duplicates"),
    BOILERPLATE: ("characters", "are boilerplate"),
    REUSED: ("characters", "are reused passages"),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One limit, measured on the findings not in the baseline.

    `value` is `measured / total`: documents for the duplicate limit, characters for the
    others (`COUNTED`), kept so that a failure can say how far over the limit the data is.
    """

    rule: str
    value: float
    threshold: float
    findings: tuple[Finding, ...]
    accepted: int
    measured: int = 0
    total: int = 0

    @property
    def passed(self) -> bool:
        """Whether the measured value is within the limit."""
        return self.value <= self.threshold

    @property
    def value_text(self) -> str:
        """The measured share as people read it: four significant digits, never in exponent
        form ("0.000002", not "2e-06": a new-user trial).

        Example:
            >>> Verdict("max-boilerplate-ratio", 2e-06, 0.001, (), 0, 1, 500_000).value_text
            '0.000002'
        """
        return plain_number(self.value, 4)

    def counted(self) -> str:
        """What was counted against what the limit allows, for a failing limit's line.

        Example:
            >>> Verdict("max-boilerplate-ratio", 0.0066, 0.001, (), 0, 4916, 739130).counted()
            '4,916 of 739,130 characters are boilerplate, the limit allows 739'
        """
        unit, what = COUNTED[self.rule]
        allowed = int(self.threshold * self.total + 1e-9)
        return f"{self.measured:,} of {self.total:,} {unit} {what}, the limit allows {allowed:,}"

    def to_dict(self, *, passage_text: str = "full") -> dict[str, Any]:
        """JSON-ready form; `passage_text` as for `Finding.to_dict`."""
        return {
            "rule": self.rule,
            "value": self.value,
            "threshold": self.threshold,
            "passed": self.passed,
            "accepted": self.accepted,
            "measured": self.measured,
            "total": self.total,
            "findings": [f.to_dict(text=passage_text) for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdicts of a check, the report they came from, and what the index matched."""

    report: Report
    verdicts: tuple[Verdict, ...]
    all_findings: tuple[Finding, ...]
    against: QueryResult | None = None
    against_location: str | None = None
    stale: tuple[dict[str, Any], ...] = ()
    skipped: int = 0  # bad records the reader of `docs` skipped (set by the CLI, which read them)

    @property
    def passed(self) -> bool:
        """Whether every limit holds."""
        return all(v.passed for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        """0 when every limit holds, 1 when one fails."""
        return 0 if self.passed else 1

    def to_dict(self, *, passage_text: str = "full") -> dict[str, Any]:
        """The report (`Report.to_dict`) plus a `check` section (`check_dict`)."""
        data = self.report.to_dict(passage_text=passage_text)
        data["check"] = self.check_dict(passage_text=passage_text)
        return data

    def check_dict(self, *, passage_text: str = "full") -> dict[str, Any]:
        """The `check` section of the JSON: every verdict with its findings (the other
        span's text as `passage_text` says), the index's matches, the stale baseline entries."""
        check: dict[str, Any] = {
            "passed": self.passed,
            "verdicts": [v.to_dict(passage_text=passage_text) for v in self.verdicts],
        }
        if self.against is not None:
            check["against"] = self.against.to_dict(self.against_location)
        check["stale_baseline"] = list(self.stale)
        check["skipped_records"] = self.skipped
        check["positions"] = POSITIONS
        return check


def check(
    docs: Sequence[Document],
    config: DedupConfig | None = None,
    *,
    limits: Limits | None = None,
    against: str | None = None,
    baseline: Collection[str] = frozenset(),
    jobs: int = 1,
    scan_elsewhere: Callable[[DedupConfig], Report] | None = None,
    memory_limit: int | None = None,
    tmp_dir: str | None = None,
) -> CheckResult:
    """The whole CI data check: scan `docs`, query an index, measure every limit.

    Boilerplate is always looked for, once, in the scan and with `config.boilerplate`
    (even when `config.find_boilerplate` is off), so the boilerplate limit has its findings.

    Args:
        docs: the checked documents, in input order, with unique ids.
        config: detection settings; the index, if any, must have been built with them.
        limits: the limits; the default fails on any near-duplicate only.
        against: an index (a file from `dedup index build` or a postgresql:// URL); what
            `docs` near-duplicate or reuse from it counts as well.
        baseline: accepted findings (`baseline.read_baseline`, or a set of keys); listed
            but not counted.
        jobs: worker processes for the scan; 0 uses every core, 1 runs in this process.
        scan_elsewhere: scans `docs` elsewhere with the settings it is given and returns
            the report (the Spark engine), instead of scanning here.
        memory_limit: when the scan's passage search runs on disk, and `tmp_dir` where
            (`scan`).

    Returns:
        The verdict of every limit with its findings; `exit_code` is 1 when one fails.

    Raises:
        InputError: two documents share an id, or the index cannot be read.
        ConfigError: the index was built with other settings, or a limit needs what
            `config` switches off (`Limits.require_measured`).

    Example:
        >>> text = "The committee will meet again on Monday to review the draft budget."
        >>> docs = [Document("a.txt", text, "a.txt"), Document("b.txt", text, "b.txt")]
        >>> result = check(docs, limits=Limits(max_duplicate_ratio=0.5))
        >>> result.passed, result.verdicts[0].value, result.verdicts[0].findings[0].doc
        (True, 0.5, 'b.txt')
    """
    require_documents(docs, "dedup.check")
    config = replace(config or DedupConfig(), find_boilerplate=True)
    (limits or Limits()).require_measured(config)
    if against:
        Index.require(against, config)
    report = (
        scan_elsewhere(config)
        if scan_elsewhere
        else scan(docs, config, jobs=jobs, memory_limit=memory_limit, tmp_dir=tmp_dir)
    )
    hits = None
    if against:
        with Index.open(against, config) as idx:
            hits = idx.query(docs).without_boilerplate(report.boilerplate, config)
    return evaluate(docs, report, limits, against=hits, against_location=against, baseline=baseline)


def evaluate(
    docs: Sequence[Document],
    report: Report,
    limits: Limits | None = None,
    *,
    against: QueryResult | None = None,
    against_location: str | None = None,
    baseline: Collection[str] = frozenset(),
) -> CheckResult:
    """Findings of `report` (and of `against`) measured against `limits`.

    Args:
        docs: the checked documents, in input order (their text gives line numbers).
        report: the report of `docs` (passages, pairs, duplicates, boilerplate).
        limits: the limits; the default fails on any near-duplicate only.
        against: what an index query found for `docs` (indexed documents are `a`).
        against_location: the index the query ran on, for the output.
        baseline: accepted findings (a `Baseline` or a set of keys); they are listed but do
            not count. The entries of a `Baseline` no finding matches are `stale`.

    Example:
        >>> text = "The committee will meet again on Monday to review the draft budget."
        >>> docs = [Document("a.txt", text, "a.txt"), Document("b.txt", text, "b.txt")]
        >>> result = evaluate(docs, scan(docs))
        >>> result.exit_code, result.verdicts[0].value, result.verdicts[0].findings[0].doc
        (1, 0.5, 'b.txt')
    """
    limits = limits or Limits()
    by_id = {d.id: d for d in docs}
    forget_projects()
    findings = [
        *_duplicate_findings(report, by_id),
        *_boilerplate_findings(report, by_id),
        *_reuse_findings(report, by_id),
    ]
    if against is not None:
        findings.extend(_index_findings(against, by_id))
    total_docs = len(docs)
    total_chars = sum(d.chars for d in docs)
    position = {d.id: i for i, d in enumerate(docs)}
    findings.sort(key=lambda f: (position.get(f.doc, 0), f.start, f.end, f.kind, f.key))
    verdicts = []
    # Boilerplate is not reuse: a passage's characters on boilerplate lines count under the
    # boilerplate limit alone (a new-user trial saw a shared footer counted under both).
    fence = {}
    if not report.config.get("passage", {}).get("boilerplate", True):
        fence = boilerplate_spans(report.boilerplate, [d.id for d in docs])
    for rule, threshold in limits.by_rule().items():
        mine = [f for f in findings if f.rule == rule]
        new = tuple(f for f in mine if not accepted(f, baseline))
        total = total_docs if rule == DUPLICATE else total_chars
        if rule == DUPLICATE:
            measured = len({f.doc for f in new})
        else:
            measured = _covered_chars(new, fence if rule == REUSED else {})
        value = round(measured / max(1, total), 6)
        verdicts.append(Verdict(rule, value, threshold, new, len(mine) - len(new), measured, total))
    stale = tuple(baseline.stale(findings)) if isinstance(baseline, Baseline) else ()
    return CheckResult(report, tuple(verdicts), tuple(findings), against, against_location, stale)


# --------------------------------------------------------------------- findings


def _duplicate_findings(report: Report, by_id: dict[str, Document]) -> list[Finding]:
    """Near-duplicates from clusters when the report has them, else from verified pairs."""
    seen: set[str] = set()
    out: list[Finding] = []
    if report.duplicates:
        pairs = [
            (c.representative, m.id, m.jaccard, c.threshold)
            for c in report.duplicates
            for m in c.members
        ]
    else:
        pairs = [(p.a, p.b, p.jaccard, p.threshold) for p in report.pairs if p.near_duplicate]
    for original, copy, jaccard, threshold in pairs:
        doc = by_id.get(copy)
        if doc is None or copy in seen:
            continue
        seen.add(copy)
        message = (
            f"{copy} is a near-duplicate of {original} "
            f"(document Jaccard {jaccard:.3f} >= threshold {threshold:.2f})"
        )
        # The whole other document is the evidence, as a passage's other span is its text.
        kept = by_id.get(original)
        other = Span(original, 0, kept.chars, kept.text) if kept is not None else None
        key = _key_id(original, by_id)
        out.append(_finding(DUPLICATE, "duplicate", doc, 0, doc.chars, message, other, key, True))
    return out


# Rules whose measured value is an upper bound (a tail-block line has at most so many words).
AT_MOST_RULES = frozenset({"tail_block"})


def _boilerplate_findings(report: Report, by_id: dict[str, Document]) -> list[Finding]:
    out = []
    for b in (b for b in report.boilerplate if not b.held):
        doc = by_id.get(b.doc)
        if doc is None:
            continue
        sign = "<=" if b.rule in AT_MOST_RULES else ">="
        message = (
            f"boilerplate ({b.rule} {b.score:.3g} {sign} {b.threshold:.3g}): "
            f"{_quote(doc.text[b.start : b.end])}"
        )
        out.append(_finding(BOILERPLATE, "boilerplate", doc, b.start, b.end, message, None, b.rule))
    return out


def _reuse_findings(report: Report, by_id: dict[str, Document]) -> list[Finding]:
    out = []
    for p in report.passages:
        doc = by_id.get(p.b.doc)
        if doc is None:
            continue
        if p.overlap is None:
            how = f"{p.kind}, similarity {p.similarity:.2f}, {p.words} equal words"
        else:
            how = f"{p.kind}, sentence overlap {p.overlap:.2f}, {p.words} shared words"
        message = (
            f"passage reused from {p.a.doc} [{p.a.start}:{p.a.end}) ({how}): {_quote(p.b.text)}"
        )
        key = _key_id(p.a.doc, by_id)
        out.append(_finding(REUSED, "reused", doc, p.b.start, p.b.end, message, p.a, key, True))
    return out


def _index_findings(result: QueryResult, by_id: dict[str, Document]) -> list[Finding]:
    out = []
    for pair in result.pairs:
        doc = by_id[pair.b]
        source = result.sources.get(pair.a, "")
        message = (
            f"{doc.id} is a near-duplicate of indexed document {pair.a} ({source}) "
            f"(document Jaccard {pair.jaccard:.3f} >= threshold {pair.threshold:.2f})"
        )
        other = Span(pair.a, 0, 0, "")
        out.append(
            _finding(DUPLICATE, "indexed-duplicate", doc, 0, doc.chars, message, other, pair.a)
        )
    for p in result.passages:
        doc = by_id[p.b.doc]
        message = (
            f"passage reuses indexed document {p.a.doc} [{p.a.start}:{p.a.end}) "
            f"(similarity {p.similarity:.2f}, {p.words} equal words): {_quote(p.b.text)}"
        )
        out.append(
            _finding(REUSED, "indexed-reuse", doc, p.b.start, p.b.end, message, p.a, p.a.doc)
        )
    return out


def _finding(
    rule: str,
    kind: str,
    doc: Document,
    start: int,
    end: int,
    message: str,
    other: Span | None,
    other_key: str,
    within: bool = False,
) -> Finding:
    """A finding; `other_key` is the other document as the key names it (`_key_id`), or
    the rule; `within` (a finding against another checked document) leaves it out of the
    key and keeps the key with it as an alias (`Finding.key`)."""
    path, line = locate(doc, start)
    end_line = locate(doc, max(start, end - 1))[1]
    evidence = " ".join(doc.text[start:end].split())
    me = project_id(doc)
    key = _digest(kind, me, "" if within else other_key, evidence)
    aliases = (_digest(kind, me, other_key, evidence),) if within else ()
    return Finding(
        rule, kind, doc.id, start, end, path, line, end_line, message, other, key, aliases
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def accepted(finding: Finding, baseline: Collection[str]) -> bool:
    """Whether the baseline holds the finding, by its key or an earlier version's."""
    return finding.key in baseline or any(a in baseline for a in finding.aliases)


def _key_id(doc_id: str, by_id: dict[str, Document]) -> str:
    """A checked document by its project id; any other (an indexed id, a rule) as it is."""
    return project_id(by_id[doc_id]) if doc_id in by_id else doc_id


def locate(doc: Document, offset: int) -> tuple[str, int]:
    """The file and 1-based line of `offset` of a document, as a CI annotation needs them.

    A text file gives the line of the offset; a JSONL record gives the line of the record
    (its text is one JSON string on that line); a CSV/TSV row N is on line N + 1, under the
    header (exact unless a quoted field spans lines); a Parquet row has no line, its row
    number stands in.

    Example:
        >>> locate(Document("a.txt", "one\\ntwo", "a.txt"), 4)
        ('a.txt', 2)
        >>> locate(Document("x", "t", "data/eval.jsonl:7"), 0)
        ('data/eval.jsonl', 7)
        >>> locate(Document("x", "t", "data/eval.csv.gz:7"), 0)
        ('data/eval.csv.gz', 8)
    """
    match = _JSONL_SOURCE.match(doc.source)
    if match and not Path(doc.source).is_file():
        header = detect_format(match["path"]).kind == "csv"
        return match["path"], int(match["line"]) + (1 if header else 0)
    return doc.source or doc.id, doc.text.count("\n", 0, offset) + 1


def source_file(doc_id: str, source: str) -> str:
    """The file a finding of this document names as its `path` (`locate`).

    Example:
        >>> source_file("x", "data/eval.jsonl:7"), source_file("a.txt", "a.txt")
        ('data/eval.jsonl', 'a.txt')
    """
    return locate(Document(doc_id, "", source), 0)[0]


def _covered_chars(
    findings: Sequence[Finding], fence: dict[str, set[tuple[int, int]]] | None = None
) -> int:
    """Characters the findings cover, each once, outside the `fence` spans (by document)."""
    spans: dict[str, set[tuple[int, int]]] = {}
    for f in findings:
        spans.setdefault(f.doc, set()).add((f.start, f.end))
    fence = fence or {}
    # The union with the fence, less the fence's own.
    return sum(
        _covered(s | fence.get(doc, set())) - _covered(fence.get(doc, set()))
        for doc, s in spans.items()
    )


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")
