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
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dedup.api import scan
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.errors import ConfigError, InputError
from dedup.io.formats import json_value
from dedup.report import Report, Span, _covered
from dedup.store import Index, QueryResult

BASELINE_SCHEMA = "dedup.baseline/1"
DUPLICATE, BOILERPLATE, REUSED = "max-duplicate-ratio", "max-boilerplate-ratio", "max-reused-ratio"
RULES = (DUPLICATE, BOILERPLATE, REUSED)
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
        line: 1-based line of `start` in that file.
        message: one line for people.
        other: the span of the other document (earlier document or indexed document).
        key: stable key for baselines: kind, document ids and a hash of the evidence text,
            so it survives edits elsewhere in the file.
    """

    rule: str
    kind: str
    doc: str
    start: int
    end: int
    path: str
    line: int
    message: str
    other: Span | None
    key: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "other": None if self.other is None else self.other.to_dict(),
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """One limit, measured on the findings not in the baseline."""

    rule: str
    value: float
    threshold: float
    findings: tuple[Finding, ...]
    accepted: int

    @property
    def passed(self) -> bool:
        """Whether the measured value is within the limit."""
        return self.value <= self.threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "value": self.value,
            "threshold": self.threshold,
            "passed": self.passed,
            "accepted": self.accepted,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdicts of a check, the report they came from, and what the index matched."""

    report: Report
    verdicts: tuple[Verdict, ...]
    all_findings: tuple[Finding, ...]
    against: QueryResult | None = None
    against_location: str | None = None

    @property
    def passed(self) -> bool:
        """Whether every limit holds."""
        return all(v.passed for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        """0 when every limit holds, 1 when one fails."""
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        """The report plus a `check` section with every verdict and its findings."""
        data = self.report.to_dict()
        check: dict[str, Any] = {
            "passed": self.passed,
            "verdicts": [v.to_dict() for v in self.verdicts],
        }
        if self.against is not None:
            check["against"] = self.against.to_dict(self.against_location)
        data["check"] = check
        return data


def check(
    docs: Sequence[Document],
    config: DedupConfig | None = None,
    *,
    limits: Limits | None = None,
    against: str | None = None,
    baseline: frozenset[str] = frozenset(),
    jobs: int = 1,
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
        baseline: keys of accepted findings (`read_baseline`); listed but not counted.
        jobs: worker processes for the scan; 0 uses every core, 1 runs in this process.

    Returns:
        The verdict of every limit with its findings; `exit_code` is 1 when one fails.

    Raises:
        InputError: two documents share an id, or the index cannot be read.
        ConfigError: the index was built with other settings.

    Example:
        >>> text = "The committee will meet again on Monday to review the draft budget."
        >>> docs = [Document("a.txt", text, "a.txt"), Document("b.txt", text, "b.txt")]
        >>> result = check(docs, limits=Limits(max_duplicate_ratio=0.5))
        >>> result.passed, result.verdicts[0].value, result.verdicts[0].findings[0].doc
        (True, 0.5, 'b.txt')
    """
    config = replace(config or DedupConfig(), find_boilerplate=True)
    report = scan(docs, config, jobs=jobs)
    hits = None
    if against:
        with Index.open(against, config) as idx:
            hits = idx.query(docs)
    return evaluate(docs, report, limits, against=hits, against_location=against, baseline=baseline)


def evaluate(
    docs: Sequence[Document],
    report: Report,
    limits: Limits | None = None,
    *,
    against: QueryResult | None = None,
    against_location: str | None = None,
    baseline: frozenset[str] = frozenset(),
) -> CheckResult:
    """Findings of `report` (and of `against`) measured against `limits`.

    Args:
        docs: the checked documents, in input order (their text gives line numbers).
        report: the report of `docs` (passages, pairs, duplicates, boilerplate).
        limits: the limits; the default fails on any near-duplicate only.
        against: what an index query found for `docs` (indexed documents are `a`).
        against_location: the index the query ran on, for the output.
        baseline: keys of accepted findings; they are listed but do not count.

    Example:
        >>> text = "The committee will meet again on Monday to review the draft budget."
        >>> docs = [Document("a.txt", text, "a.txt"), Document("b.txt", text, "b.txt")]
        >>> result = evaluate(docs, scan(docs))
        >>> result.exit_code, result.verdicts[0].value, result.verdicts[0].findings[0].doc
        (1, 0.5, 'b.txt')
    """
    limits = limits or Limits()
    by_id = {d.id: d for d in docs}
    findings = [
        *_duplicate_findings(report, by_id),
        *_boilerplate_findings(report, by_id),
        *_reuse_findings(report, by_id),
    ]
    if against is not None:
        findings.extend(_index_findings(against, by_id))
    total_docs = max(1, len(docs))
    total_chars = max(1, sum(d.chars for d in docs))
    position = {d.id: i for i, d in enumerate(docs)}
    findings.sort(key=lambda f: (position.get(f.doc, 0), f.start, f.end, f.kind, f.key))
    verdicts = []
    for rule, threshold in limits.by_rule().items():
        mine = [f for f in findings if f.rule == rule]
        new = tuple(f for f in mine if f.key not in baseline)
        if rule == DUPLICATE:
            value = len({f.doc for f in new}) / total_docs
        else:
            value = _covered_chars(new) / total_chars
        verdicts.append(Verdict(rule, round(value, 6), threshold, new, len(mine) - len(new)))
    return CheckResult(report, tuple(verdicts), tuple(findings), against, against_location)


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
        other = Span(original, 0, by_id[original].chars, "") if original in by_id else None
        out.append(_finding(DUPLICATE, "duplicate", doc, 0, doc.chars, message, other, original))
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
        message = (
            f"passage reused from {p.a.doc} [{p.a.start}:{p.a.end}) "
            f"(similarity {p.similarity:.2f}, {p.words} equal words): {_quote(p.b.text)}"
        )
        out.append(_finding(REUSED, "reused", doc, p.b.start, p.b.end, message, p.a, p.a.doc))
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
    other_id: str,
) -> Finding:
    path, line = locate(doc, start)
    evidence = " ".join(doc.text[start:end].split())
    digest = hashlib.sha256("\0".join((kind, doc.id, other_id, evidence)).encode()).hexdigest()
    return Finding(rule, kind, doc.id, start, end, path, line, message, other, digest[:16])


def locate(doc: Document, offset: int) -> tuple[str, int]:
    """The file and 1-based line of `offset` of a document, as a CI annotation needs them.

    A text file gives the line of the offset; a JSONL record gives the line of the record
    (its text is one JSON string on that line).

    Example:
        >>> locate(Document("a.txt", "one\\ntwo", "a.txt"), 4)
        ('a.txt', 2)
        >>> locate(Document("x", "t", "data/eval.jsonl:7"), 0)
        ('data/eval.jsonl', 7)
    """
    match = _JSONL_SOURCE.match(doc.source)
    if match and not Path(doc.source).is_file():
        return match["path"], int(match["line"])
    return doc.source or doc.id, doc.text.count("\n", 0, offset) + 1


def _covered_chars(findings: Sequence[Finding]) -> int:
    spans: dict[str, set[tuple[int, int]]] = {}
    for f in findings:
        spans.setdefault(f.doc, set()).add((f.start, f.end))
    return sum(_covered(s) for s in spans.values())


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")


# --------------------------------------------------------------------- baseline


def read_baseline(path: str | Path) -> frozenset[str]:
    """The finding keys of a baseline file written by `baseline_text`.

    Raises:
        InputError: the file is missing or is not a dedup baseline.
    """
    try:
        data = json_value(Path(path).read_text(encoding="utf-8"))
    except OSError as ex:
        msg = f"{path}: cannot read the baseline ({ex.strerror}); write one with --write-baseline"
        raise InputError(msg) from ex
    except ValueError as ex:  # not JSON, or not UTF-8
        msg = f"{path} is not a dedup baseline (not JSON); write one with --write-baseline"
        raise InputError(msg) from ex
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        msg = f"{path} is not a {BASELINE_SCHEMA} file; write one with --write-baseline"
        raise InputError(msg)
    return frozenset(str(f["key"]) for f in data.get("findings", []))


def baseline_text(result: CheckResult) -> str:
    """Every finding of `result` as a baseline (sorted, so reruns give the same bytes).

    Example:
        >>> docs = [Document("a", "x y z w v u t s r q"), Document("b", "x y z w v u t s r q")]
        >>> json.loads(baseline_text(check(docs)))["findings"][0]["doc"]
        'b'
    """
    rows = sorted(
        (
            {"key": f.key, "rule": f.rule, "kind": f.kind, "doc": f.doc, "message": f.message}
            for f in result.all_findings
        ),
        key=lambda row: (row["rule"], row["doc"], row["key"]),
    )
    unique = list({row["key"]: row for row in rows}.values())
    return json.dumps({"schema": BASELINE_SCHEMA, "findings": unique}, indent=1) + "\n"
