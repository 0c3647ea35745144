"""The HTML evidence report: one self-contained page a person reads instead of the JSON.

`render_html` turns a `Report` (and, for `dedup check`, its verdicts) into one HTML file that
needs no network: its stylesheet and script are inlined from the package's `templates/`.

- The overview is rendered here with Jinja2 (`templates/report.html.j2`): summary figures,
  the check's limits (failed first), histograms of document reuse and pair similarity,
  boilerplate lines per rule, and the top documents, pairs and clusters, each row a link
  to its detail.
- The detail views (two documents side by side, one document, a cluster) and the full
  lists, a page of 100 rows at a time, are built in the browser from the findings embedded
  as JSON (`page_data`), so a report of 10,000 findings over 1,000 documents holds every
  text once and stays usable.

Safety: Jinja2 escapes every value it writes; the embedded JSON escapes `<`, `>`, `&`,
U+2028 and U+2029 (`script_json`), so no text closes its `<script>` element; the script
writes corpus text only as text nodes and attributes, never as markup; and the page's
Content-Security-Policy runs no script but its own (pinned by hash) and loads nothing.
Offsets are converted to UTF-16 code units, the unit of JavaScript strings.
Output is deterministic: the same report and texts give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import Any

from dedup.errors import InputError
from dedup.report import KINDS, DocumentPair, Report, pair_ranking, pair_reuse

TOP_ROWS = 20  # rows of each overview table; the full lists page through every one
BINS = 10  # histogram bins over 0-1
KEEP_REASONS = {
    "first": "the first copy read (--keep first)",
    "longest": "the longest copy (--keep longest)",
    "newest": "the newest copy by the date field (--keep newest)",
    "source": "the copy from the best source of --source-priority (--keep source)",
    "none": "every copy is dropped (--keep none)",
}
JINJA_MISSING = (
    "--format html needs Jinja2, which is not installed: pip install -e '.[html]' "
    "(or pip install jinja2)"
)


def require_jinja() -> None:
    """Refuse `--format html` before any work when Jinja2 is missing (a plain `pip install
    dedup`), not after the corpus was read and scanned.

    Raises:
        InputError: Jinja2 cannot be imported; the message says what to install.
    """
    try:
        import jinja2  # noqa: F401
    except ImportError as ex:
        raise InputError(JINJA_MISSING) from ex


def render_html(
    report: Report,
    *,
    texts: Mapping[str, str] | None = None,
    check: Mapping[str, Any] | None = None,
    title: str = "dedup report",
) -> str:
    """The report as one self-contained HTML page (ending with a newline).

    Args:
        report: the report.
        texts: document id -> original text; a document without one (or whose text no
            longer has the length the report recorded) is shown by its passages only.
        check: the `check` section of a check's JSON (`CheckResult.check_dict`): its limits
            come first.
        title: the page title.

    Raises:
        ValueError: `check` is malformed (`read_check`), or a measure is not a number JSON
            can hold (NaN).

    Example:
        >>> page = render_html(Report(config={}, fingerprint="f"), title="empty")
        >>> page.startswith("<!DOCTYPE html>"), "<title>empty</title>" in page
        (True, True)
    """
    check = read_check(check)
    data = page_data(report, texts or {}, check)
    context = overview(report, data, check)
    env = _environment()
    script, style = _asset("report.js"), _asset("report.css")
    page: str = env.get_template("report.html.j2").render(
        title=title,
        data=script_json(data),
        script=script,
        style=style,
        script_hash=_sha256(script),
        **context,
    )
    return page.rstrip("\n") + "\n"


@cache
def _asset(name: str) -> Any:
    """A file of `templates/` (the page's own script or stylesheet) as markup to inline."""
    from markupsafe import Markup

    text = (resources.files("dedup") / "templates" / name).read_text(encoding="utf-8")
    return Markup(text)  # our own file, not corpus text


@cache
def _environment() -> Any:
    """The Jinja2 environment over the package's templates, escaping every value."""
    try:
        import jinja2
    except ImportError as ex:
        raise InputError(JINJA_MISSING) from ex
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dedup", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _sha256(text: str) -> str:
    """The CSP source of an inline element with this exact content."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 code units each


def script_json(data: Any) -> Any:
    """`data` as JSON safe inside `<script type="application/json">`: no `<`, `>` or `&`
    (nothing can close the element or open a comment) and no line separators, returned
    as markup Jinja2 writes as it is.

    Example:
        >>> str(script_json({"t": "</script><b>&\\u2028"}))
        '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    from markupsafe import Markup

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES:  # str.replace: ~3x faster than str.translate here
        text = text.replace(char, escape)
    return Markup(text)  # nothing in it is markup any more


# --------------------------------------------------------------------- embedded data

PASSAGE_COLUMNS = ("pair", "a_start", "a_end", "b_start", "b_end", "kind", "similarity",
                   "overlap", "words", "a_text", "b_text")  # fmt: skip
BOILERPLATE_COLUMNS = ("doc", "start", "end", "line", "rule", "score", "threshold", "evidence",
                       "held")  # fmt: skip
PAIR_COLUMNS = ("a", "b", "jaccard", "threshold", "containment_a", "containment_b",
                "sentence_containment_a", "sentence_containment_b", "grade_a",
                "grade_b")  # fmt: skip
FINDING_COLUMNS = ("verdict", "doc", "start", "end", "kind", "path", "line", "message")


class _Docs:
    """Document ids -> row numbers, each text's offsets in UTF-16 code units."""

    def __init__(self, report: Report, texts: Mapping[str, str]) -> None:
        self.rows: list[dict[str, Any]] = []
        self.number: dict[str, int] = {}
        self.units: dict[int, list[int]] = {}  # row -> UTF-16 offset of each str offset
        for info in report.documents:
            text = texts.get(info.id)
            if text is not None and len(text) != info.chars:
                text = None  # changed since the report: its offsets would point elsewhere
            self._add(info.id, info.source, info.chars, info.reused, text)
        for info in report.documents:
            if info.main_source is not None:
                self.rows[self.number[info.id]]["main"] = self.of(info.main_source)

    def _add(self, doc: str, source: str, chars: int, reused: float, text: str | None) -> int:
        row = len(self.rows)
        self.number[doc] = row
        self.rows.append({"id": doc, "source": source, "chars": chars, "reused": reused,
                          "main": None, "text": text})  # fmt: skip
        if text is not None and not text.isascii() and _ASTRAL.search(text):
            self.units[row] = [0, *accumulate(2 if ord(c) > 0xFFFF else 1 for c in text)]
        return row

    def of(self, doc: str) -> int:
        """The row of `doc`, added without text when the report does not list it."""
        row = self.number.get(doc)
        return self._add(doc, "", 0, 0.0, None) if row is None else row

    def has_text(self, row: int) -> bool:
        return self.rows[row]["text"] is not None

    def unit(self, row: int, offset: int) -> int:
        """`offset` (a Python str index) of document `row` as a JavaScript string index."""
        units = self.units.get(row)
        return offset if units is None else units[max(0, min(offset, len(units) - 1))]


# What the report's caps left out: count key -> its overview label.
_CAPPED = (
    ("passages_left_out", "passages left out (--max-passages-per-pair, --max-passages-per-doc)"),
    ("passages_boilerplate", "passages of boilerplate lines left out (--boilerplate-passages)"),
    ("pairs_boilerplate", "pairs that shared only boilerplate, left out (--boilerplate-passages)"),
    ("pairs_left_out", "candidate pairs not aligned (--max-partners, near-duplicates)"),
    ("pairs_left_out_members", "of those, pairs of two copies of one near-duplicate cluster"),
    ("pairs_not_listed", "more pairs that share a passage, unlisted (--max-passages-per-doc)"),
    ("boilerplate_rules_only", "documents longer than the line model reads (marker rules only)"),
)


def page_data(
    report: Report, texts: Mapping[str, str], check: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What the page's script reads: documents (with their texts), pairs, passages,
    boilerplate lines, clusters and check findings as rows of columns (named in `columns`),
    and the order each full list is shown in.

    Example:
        >>> data = page_data(Report(config={}, fingerprint="f"), {})
        >>> sorted(data)[:4]
        ['boilerplate', 'clusters', 'columns', 'docs']
    """
    docs = _Docs(report, texts)
    pairs: list[list[Any]] = []
    pair_number: dict[tuple[str, str], int] = {}
    for p in report.pairs:
        pair_number[(p.a, p.b)] = len(pairs)
        pairs.append(_pair_row(docs, p))
    passages = []
    for m in report.passages:
        a, b = m.a, m.b
        if (a.doc, b.doc) not in pair_number and (b.doc, a.doc) in pair_number:
            a, b = b, a  # the pair lists the documents the other way round
        if (a.doc, b.doc) not in pair_number:
            pair_number[(a.doc, b.doc)] = len(pairs)
            pairs.append([docs.of(a.doc), docs.of(b.doc), None, None, None, None, None, None])
        pair = pair_number[(a.doc, b.doc)]
        ra, rb = pairs[pair][0], pairs[pair][1]
        passages.append([
            pair, docs.unit(ra, a.start), docs.unit(ra, a.end),
            docs.unit(rb, b.start), docs.unit(rb, b.end),
            m.kind, _short(m.similarity), _short(m.overlap), m.words,
            None if docs.has_text(ra) else a.shown, None if docs.has_text(rb) else b.shown,
        ])  # fmt: skip
    boilerplate = []
    for line in report.boilerplate:
        row = docs.of(line.doc)
        boilerplate.append([row, docs.unit(row, line.start), docs.unit(row, line.end),
                            line.line_no, line.rule, line.score, line.threshold, line.evidence,
                            line.held])  # fmt: skip
    clusters = [
        [docs.of(c.representative), [[docs.of(m.id), m.jaccard] for m in c.members],
         None if c.kept is None else docs.of(c.kept), c.threshold, c.rule,
         KEEP_REASONS.get(c.rule, f"--keep {c.rule}")]
        for c in report.duplicates
    ]  # fmt: skip
    verdicts, findings = _check_rows(docs, check)
    rank = pair_ranking(report)
    ranked = sorted(range(len(report.pairs)), key=lambda k: rank(report.pairs[k]))
    ranked += range(len(report.pairs), len(pairs))  # pairs only the passages name
    return {
        "columns": {"pair": PAIR_COLUMNS, "passage": PASSAGE_COLUMNS,
                    "boilerplate": BOILERPLATE_COLUMNS, "finding": FINDING_COLUMNS},
        "docs": docs.rows,
        "pairs": pairs,
        "passages": passages,
        "boilerplate": boilerplate,
        "clusters": clusters,
        "verdicts": verdicts,
        "findings": findings,
        "order": {
            "docs": _by_reuse(report),
            "pairs": ranked,
            "clusters": _by_size(report),
        },
    }  # fmt: skip


def _pair_row(docs: _Docs, p: DocumentPair) -> list[Any]:
    contained = (p.containment_a, p.containment_b, p.sentence_containment_a,
                 p.sentence_containment_b)  # fmt: skip
    # The Jaccard stays exact: the page compares it with the threshold.
    return [docs.of(p.a), docs.of(p.b), p.jaccard, p.threshold, *map(_short, contained),
            p.grade_a, p.grade_b]  # fmt: skip


def _short(value: float | None) -> float | None:
    """A measure to 4 decimals, as the page shows at most 3 (a fifth of the embedded JSON).

    Example:
        >>> _short(0.9734513274336283), _short(None)
        (0.9735, None)
    """
    return None if value is None else round(value, 4)


def read_check(section: Any) -> dict[str, Any] | None:
    """The `check` section of a JSON report (`CheckResult.check_dict`) with the fields the
    page shows, typed; None when there is none.

    Raises:
        ValueError: the section is not a check's (a field is missing or of another type).

    Example:
        >>> read_check({"passed": False, "verdicts": [{"rule": "max-duplicate-ratio",
        ...     "value": 0.5, "threshold": 0, "passed": False, "accepted": 0, "findings": []}]})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'passed': False, 'verdicts': [{'rule': 'max-duplicate-ratio', 'value': 0.5,
         'threshold': 0.0, 'passed': False, 'accepted': 0, 'findings': []}]}
        >>> read_check({"verdicts": 3})
        Traceback (most recent call last):
        ValueError: its check section is malformed (TypeError: 'int' object is not iterable)
    """
    if section is None:
        return None
    try:
        verdicts = [
            {"rule": str(v["rule"]), "value": float(v["value"]),
             "threshold": float(v["threshold"]), "passed": bool(v["passed"]),
             "accepted": int(v.get("accepted", 0)),
             "findings": [
                 {"doc": str(f["doc"]), "start": int(f["start"]), "end": int(f["end"]),
                  "kind": str(f["kind"]), "path": str(f["path"]), "line": int(f["line"]),
                  "message": str(f["message"])}
                 for f in v.get("findings", [])]}
            for v in section["verdicts"]
        ]  # fmt: skip
        return {"passed": bool(section.get("passed", all(v["passed"] for v in verdicts))),
                "verdicts": verdicts}  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as ex:
        msg = f"its check section is malformed ({type(ex).__name__}: {ex})"
        raise ValueError(msg) from ex


def _check_rows(
    docs: _Docs, check: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """The verdicts, failed first, and every finding of each as a row."""
    if not check:
        return [], []
    verdicts = sorted(check["verdicts"], key=lambda v: bool(v["passed"]))
    findings = []
    for number, v in enumerate(verdicts):
        for f in v["findings"]:
            row = docs.of(f["doc"])
            findings.append([number, row, docs.unit(row, f["start"]), docs.unit(row, f["end"]),
                             f["kind"], f["path"], f["line"], f["message"]])  # fmt: skip
    head = [{key: v[key] for key in ("rule", "value", "threshold", "passed", "accepted")}
            for v in verdicts]  # fmt: skip
    return head, findings


def _by_reuse(report: Report) -> list[int]:
    """Document rows, the most reused share first (the report's order on a tie)."""
    docs = report.documents
    return sorted(range(len(docs)), key=lambda k: (-docs[k].reused, -docs[k].reused_chars, k))


def _by_size(report: Report) -> list[int]:
    """Cluster rows, the largest first."""
    clusters = report.duplicates
    return sorted(range(len(clusters)), key=lambda k: (-len(clusters[k].members), k))


# --------------------------------------------------------------------- the overview


def overview(
    report: Report, data: Mapping[str, Any], check: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the overview template shows: figures, histograms, rule counts, top rows.

    Example:
        >>> overview(Report(config={}, fingerprint="f"), page_data(Report({}, "f"), {}),
        ...          None)["figures"][0]
        ('documents', '0')
    """
    summary = report.summary()
    chars = sum(d.chars for d in report.documents)
    kinds = Counter(p.kind for p in report.passages)
    near = sum(p.near_duplicate for p in report.pairs)
    figures = [
        ("documents", f"{len(report.documents):,}"),
        ("characters", f"{chars:,}"),
        ("reused characters", _share(summary["reused_chars"], chars)),
        ("boilerplate characters", _share(summary["boilerplate_chars"], chars)),
        ("shared passages", f"{len(report.passages):,}"),
        *((f"{k} passages", f"{kinds[k]:,}") for k in KINDS if kinds[k]),
        ("document pairs", f"{len(report.pairs):,} ({near:,} near-duplicates)"),
        ("duplicate clusters", f"{len(report.duplicates):,}"),
        ("copies dropped", f"{summary['duplicate_documents']:,}"),
        ("boilerplate lines", f"{sum(not b.held for b in report.boilerplate):,}"),
    ]
    for count, label in _CAPPED:
        if report.counts.get(count, 0):
            figures.append((label, f"{report.counts[count]:,}"))
    docs = data["docs"]
    return {
        "figures": figures,
        "check": _check_context(data, check),
        "reuse_histogram": _histogram([d.reused for d in report.documents if d.reused_chars]),
        "unreused": sum(not d.reused_chars for d in report.documents),
        "jaccard_histogram": _histogram([p.jaccard for p in report.pairs]),
        "containment_histogram": _histogram([pair_reuse(p) for p in report.pairs]),
        "rules": _rule_rows(report),
        "top_docs": [
            _doc_row(docs, row) for row in data["order"]["docs"][:TOP_ROWS]
            if docs[row]["reused"] > 0
        ],
        "top_pairs": _pair_views(report, data),
        "top_clusters": [_cluster_view(data, row) for row in data["order"]["clusters"][:TOP_ROWS]],
        "counts": {
            "docs": sum(d["reused"] > 0 for d in docs),
            "pairs": len(data["pairs"]),
            "clusters": len(data["clusters"]),
            "boilerplate": len(data["boilerplate"]),
            "passages": len(data["passages"]),
            "findings": len(data["findings"]),
        },
        "top": TOP_ROWS,
    }  # fmt: skip


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.1%})" if whole else f"{part:,}"


def _histogram(values: Sequence[float]) -> list[dict[str, Any]]:
    """Counts of `values` in `BINS` bins of 0-1 (1.0 in the last), each with its bar width.

    Example:
        >>> [b["count"] for b in _histogram([0.0, 0.05, 0.95, 1.0])]
        [2, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    """
    counts = [0] * BINS
    for v in values:
        counts[min(BINS - 1, max(0, int(v * BINS)))] += 1
    most = max(counts) or 1
    return [
        {"label": f"{k / BINS:.1f}–{(k + 1) / BINS:.1f}", "count": n,
         "width": round(100 * n / most, 1)}
        for k, n in enumerate(counts)
    ]  # fmt: skip


def _rule_rows(report: Report) -> list[dict[str, Any]]:
    """Boilerplate lines and characters per rule, the most lines first."""
    lines: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for b in report.boilerplate:
        lines[b.rule] += 1
        chars[b.rule] += b.end - b.start
        held[b.rule] += b.held
    most = max(lines.values(), default=1)
    return [
        {"rule": rule, "lines": n, "chars": chars[rule], "held": held[rule],
         "width": round(100 * n / most, 1)}
        for rule, n in sorted(lines.items(), key=lambda rn: (-rn[1], rn[0]))
    ]  # fmt: skip


def _doc_row(docs: Sequence[Mapping[str, Any]], row: int) -> dict[str, Any]:
    doc = docs[row]
    main = doc["main"]
    return {"row": row, "id": doc["id"], "reused": doc["reused"], "chars": doc["chars"],
            "main": main, "main_id": None if main is None else docs[main]["id"]}  # fmt: skip


def _pair_views(report: Report, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The top pairs of the overview, the most reuse first."""
    docs = data["docs"]
    passages = Counter(p[0] for p in data["passages"])
    out = []
    for row in data["order"]["pairs"][:TOP_ROWS]:
        a, b = data["pairs"][row][:2]
        pair = report.pairs[row] if row < len(report.pairs) else None
        out.append({
            "row": row, "a": docs[a]["id"], "b": docs[b]["id"], "passages": passages[row],
            "jaccard": None if pair is None else pair.jaccard,
            "near": pair is not None and pair.near_duplicate,
            "reuse": None if pair is None else pair_reuse(pair),
        })  # fmt: skip
    return out


def _cluster_view(data: Mapping[str, Any], row: int) -> dict[str, Any]:
    rep, members, kept, threshold, rule, reason = data["clusters"][row]
    docs = data["docs"]
    return {
        "row": row, "representative": docs[rep]["id"], "size": len(members) + 1,
        "kept": None if kept is None else docs[kept]["id"], "rule": rule, "reason": reason,
        "lowest": min((j for _, j in members), default=None), "threshold": threshold,
    }  # fmt: skip


def _check_context(data: Mapping[str, Any], check: Mapping[str, Any] | None) -> Any:
    """The verdicts (failed first) and the first findings of the failed limits."""
    if not check:
        return None
    verdicts = data["verdicts"]
    failed = {k for k, v in enumerate(verdicts) if not v["passed"]}
    docs = data["docs"]
    shown = [f for f in data["findings"] if f[0] in failed][:TOP_ROWS]
    findings = [
        {"rule": verdicts[f[0]]["rule"], "doc": f[1], "id": docs[f[1]]["id"], "kind": f[4],
         "path": f[5], "line": f[6], "message": f[7]}
        for f in shown
    ]  # fmt: skip
    failing = sum(1 for f in data["findings"] if f[0] in failed)
    return {"passed": bool(check.get("passed")), "verdicts": verdicts, "findings": findings,
            "failing": failing}  # fmt: skip
