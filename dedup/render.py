"""Every output for people and machines: reports, check results, index queries, summaries.

- a report (`dedup compare`, `dedup scan`): `render_report`, text (passages side by side),
  json (the `dedup.report/3` contract, written by `json_text`) or html (one self-contained
  page, `htmlreport.render_html`);
- a check result (`dedup check`): `render_check`, text, json or html here; github (workflow
  commands), sarif, junit (XML) and concise (a line per finding) in `annotate`;
- an index query (`dedup index query`): `render_query`, text or json;
- the end-of-run summary on stderr after `scan` and `clean`: `RunSummary`.

Nothing else in the package formats output; the CLI prints what these functions return.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from dedup import annotate as ci
from dedup.annotate import Annotate
from dedup.check import CheckResult
from dedup.htmlreport import render_html
from dedup.io.formats import json_dumps
from dedup.parallel import map_shared, ranges
from dedup.report import (
    KINDS,
    BoilerplateLine,
    DocumentDicts,
    DocumentPair,
    DuplicateCluster,
    PassageMatch,
    Report,
    amount,
    pair_ranking,
)
from dedup.store import QueryResult

REPORT_FORMATS = ("text", "json", "html")
CHECK_FORMATS = ("text", "json", "html", "github", "sarif", "junit", "concise")
QUERY_FORMATS = ("text", "json")
CI_FORMATS = {"github": ci.github, "sarif": ci.sarif, "junit": ci.junit, "concise": ci.concise}


# --------------------------------------------------------------------- reports


def render_report(
    report: Report,
    fmt: str = "text",
    *,
    texts: Mapping[str, str] | None = None,
    width: int | None = None,
    jobs: int = 1,
    passage_text: str = "full",
) -> str:
    """`report` in one of `REPORT_FORMATS`, ending with a newline.

    Args:
        report: the report.
        fmt: "text" for people (passages side by side, boilerplate lines with their rule,
            value, threshold and evidence), "json" (`Report.to_dict`, see `json_text`) or
            "html" (`htmlreport.render_html`).
        texts: document id -> original text; adds each boilerplate line itself to "text",
            and the documents side by side to "html".
        width: text width [default: the terminal's, at most 160].
        jobs: processes encoding long lists of a json report (the text is the same).
        passage_text: how much of each passage's text "json" holds: "full", "excerpt"
            or "none" (`report.PASSAGE_TEXTS`).

    Example:
        >>> print(render_report(Report(config={}, fingerprint="f")), end="")
        0 documents, 0 near-duplicate clusters, 0 shared passages
    """
    if fmt == "json":
        return json_text(report.json_fields(passage_text=passage_text), jobs=jobs)
    if fmt == "html":
        return render_html(report, texts=texts, title=f"dedup report: {_summary_line(report)}")
    return _report_text(report, width, texts or {}) + "\n"


TOP_CLUSTERS = 20  # near-duplicate clusters a text report lists, largest first
TOP_MEMBERS = 10  # members listed per cluster, in input order
TOP_PAIRS = 20  # document pairs a text report lists, most reuse first
TOP_PASSAGES = 50  # passages a text report shows side by side, of those pairs first
PASSAGE_ROWS = 12  # wrapped rows of each side a passage shows (the json report has it whole)
TOP_BOILERPLATE = 100  # boilerplate lines a text report lists, in document order


def _report_text(report: Report, width: int | None, texts: Mapping[str, str]) -> str:
    """A summary, the top clusters, the top pairs, their passages side by side, then the
    boilerplate lines.

    A corpus can share hundreds of thousands of passages: the text stays a page or two
    (the json report holds every one), and says how much it leaves out.
    """
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    lines = [_summary_line(report)]
    if report.duplicates:
        lines.extend(_render_clusters(report.duplicates))
        lines.append("")
    # Near-duplicate copies last: the clusters above already name them, and a corpus of
    # many copies would otherwise fill the list with nothing but copy pairs.
    ranking = pair_ranking(report)
    pairs = sorted(report.pairs, key=lambda p: (p.near_duplicate, ranking(p)))
    for pair in pairs[:TOP_PAIRS]:
        lines.append(_pair_line(pair))
    lines += _more(len(pairs), TOP_PAIRS, "pairs")
    rank = {(p.a, p.b): k for k, p in enumerate(pairs)}
    shown = sorted(
        enumerate(report.passages),
        key=lambda kp: (rank.get((kp[1].a.doc, kp[1].b.doc), len(rank)), kp[0]),
    )[:TOP_PASSAGES]
    for number, passage in sorted(shown):
        lines.append("")
        lines.extend(_render_passage(number + 1, passage, width))
    lines += ["", *more] if (more := _more(len(report.passages), TOP_PASSAGES, "passages")) else []
    if report.boilerplate:
        lines.append("")
        lines.extend(_render_boilerplate(report.boilerplate, width, texts))
    if beyond := _beyond_model(report):
        lines += ["", beyond]
    return "\n".join(lines).rstrip("\n")


def _beyond_model(report: Report) -> str:
    """A note on the documents too long for the line model, judged by the marker rules
    alone ("" for none): their furniture may all be left (a new-user trial's page of 1,238
    lines kept its menus and footer, silently).

    Example:
        >>> counts = {"boilerplate_rules_only": 3}
        >>> _beyond_model(Report(counts=counts, config={}, fingerprint="f"))[:60]
        '3 documents were longer than the line model reads (its train'
    """
    count = report.counts.get("boilerplate_rules_only", 0)
    if not count:
        return ""
    were = "document was" if count == 1 else "documents were"
    return (
        f"{count:,} {were} longer than the line model reads (its training pages' longest, "
        "in non-blank lines): the marker rules alone judged them, and their furniture may "
        "be left (dedup boilerplate explain line_model)"
    )


def _summary_line(report: Report) -> str:
    """Documents, near-duplicate clusters, passages by kind, and what the caps left out.

    Example:
        >>> _summary_line(Report(config={"passages": False}, fingerprint="f"))
        '0 documents, 0 near-duplicate clusters; passages not searched (--no-passages)'
    """
    clusters = amount(len(report.duplicates), "near-duplicate cluster")
    if report.duplicates:
        clusters += f" of {sum(len(c.members) + 1 for c in report.duplicates):,} documents"
    head = f"{amount(len(report.documents), 'document')}, {clusters}"
    if not report.config.get("passages", True):
        return head + "; passages not searched (--no-passages)"
    head += f", {amount(len(report.passages), 'shared passage')}"
    kinds = Counter(p.kind for p in report.passages)
    if kinds:
        head += " (" + ", ".join(f"{kinds[k]:,} {k}" for k in KINDS if kinds[k]) + ")"
    left = report.counts.get("passages_left_out", 0)
    if left:
        head += f", {left:,} more left out (--max-passages-per-pair, --max-passages-per-doc)"
    shared = report.counts.get("passages_boilerplate", 0)
    if shared:
        head += f", {_left_out_boilerplate(shared, report.counts.get('pairs_boilerplate', 0))}"
    pairs = report.counts.get("pairs_left_out", 0)
    if pairs:
        head += f"; {amount(pairs, 'candidate pair')} not aligned ({_why_not_aligned(report)})"
    unlisted = report.counts.get("pairs_not_listed", 0)
    if unlisted:
        share = "pair shares" if unlisted == 1 else "pairs share"
        head += f"; {unlisted:,} more {share} a passage, unlisted (--max-passages-per-doc)"
    return head


def _left_out_boilerplate(passages: int, pairs: int = 0) -> str:
    """What leaving boilerplate out of the passages left out, and how to see it.

    Example:
        >>> _left_out_boilerplate(1)
        '1 passage of boilerplate lines left out (--boilerplate-passages shows it)'
        >>> _left_out_boilerplate(3, 1).split(" (")[0]
        '3 passages of boilerplate lines left out with 1 pair that shared nothing else'
    """
    with_pairs = f" with {amount(pairs, 'pair')} that shared nothing else" if pairs else ""
    shows = "shows it" if passages == 1 and not pairs else "shows them"
    return (
        f"{amount(passages, 'passage')} of boilerplate lines left out{with_pairs} "
        f"(--boilerplate-passages {shows})"
    )


def _why_not_aligned(report: Report) -> str:
    """Why candidate pairs were not aligned: the partner cap (a larger one aligns them),
    or two copies of one near-duplicate cluster (never aligned). A report written before the
    two were counted apart names both causes.

    Example:
        >>> counts = {"pairs_left_out": 1200, "pairs_left_out_members": 200}
        >>> _why_not_aligned(Report(counts=counts, config={}, fingerprint="f"))
        '1,000 past --max-partners, 200 between copies of one near-duplicate cluster'
    """
    total = report.counts.get("pairs_left_out", 0)
    members = report.counts.get("pairs_left_out_members")
    if members is None:
        return "--max-partners, near-duplicates"
    causes = [f"{total - members:,} past --max-partners"] if total > members else []
    if members:
        causes.append(f"{members:,} between copies of one near-duplicate cluster")
    return ", ".join(causes)


def _render_clusters(clusters: tuple[DuplicateCluster, ...]) -> list[str]:
    """The largest clusters (ties in report order), each with its first members and
    their Jaccard to the representative, and how many of each the text leaves out.

    Example:
        >>> from dedup.report import ClusterMember
        >>> members = tuple(ClusterMember(f"c{k}", 0.9) for k in range(TOP_MEMBERS + 2))
        >>> for line in _render_clusters((DuplicateCluster("a", members, "a", 0.8, "first"),
        ...                               DuplicateCluster("b", members[:1], None, 0.8, "none"))):
        ...     print(line)  # doctest: +ELLIPSIS
        near-duplicate clusters (members: document Jaccard to the representative):
          a: 12 near-duplicates, keeps a (--keep first)
            c0 Jaccard 0.900 >= 0.80
        ...
            c9 Jaccard 0.900 >= 0.80
            ... 2 more members
          b: 1 near-duplicate, keeps no copy (--keep none)
            c0 Jaccard 0.900 >= 0.80
    """
    out = ["near-duplicate clusters (members: document Jaccard to the representative):"]
    ranked = sorted(enumerate(clusters), key=lambda kc: (-len(kc[1].members), kc[0]))
    for _, c in ranked[:TOP_CLUSTERS]:
        keeps = "no copy" if c.kept is None else c.kept
        size = amount(len(c.members), "near-duplicate")
        out.append(f"  {c.representative}: {size}, keeps {keeps} (--keep {c.rule})")
        out += [
            f"    {m.id} Jaccard {m.jaccard:.3f} >= {c.threshold:.2f}"
            for m in c.members[:TOP_MEMBERS]
        ]
        if len(c.members) > TOP_MEMBERS:
            out.append(f"    ... {amount(len(c.members) - TOP_MEMBERS, 'more member')}")
    if len(clusters) > TOP_CLUSTERS:
        more = len(clusters) - TOP_CLUSTERS
        out.append(f"  ... {amount(more, 'more cluster')} (--format json lists all)")
    return out


def _pair_line(pair: DocumentPair) -> str:
    verdict = "near-duplicates" if pair.near_duplicate else "not near-duplicates"
    sign = ">=" if pair.near_duplicate else "<"
    line = (
        f"{pair.a} vs {pair.b}: document Jaccard {pair.jaccard:.3f} {sign} "
        f"threshold {pair.threshold:.2f} ({verdict})"
    )
    if pair.sentence_containment_a is not None and pair.sentence_containment_b is not None:
        line += (
            f"; by sentence {pair.sentence_containment_a:.0%} of {pair.a} is in {pair.b}, "
            f"{pair.sentence_containment_b:.0%} of {pair.b} in {pair.a}"
        )
    if pair.grade_a is not None and pair.grade_b is not None:
        line += (
            f"; {pair.a} {_DERIVED[pair.grade_a]} {pair.b}, "
            f"{pair.b} {_DERIVED[pair.grade_b]} {pair.a}"
        )
    return line


_DERIVED = {
    "wholly": "wholly derived from",
    "partially": "partially derived from",
    "non": "not derived from",
}


def _render_boilerplate(
    found: tuple[BoilerplateLine, ...], width: int, texts: Mapping[str, str]
) -> list[str]:
    out = [f"{amount(len(found), 'boilerplate line')} ({_boilerplate_chars(found)}):"]
    for b in found[:TOP_BOILERPLATE]:
        out.append(
            f"  {b.doc} line {b.line_no} [{b.start}:{b.end}) {b.rule}: "
            f"{b.score:g} (threshold {b.threshold:g}); {b.evidence}"
        )
        if b.doc in texts:
            line = " ".join(texts[b.doc][b.start : b.end].split())
            out.append("    - " + textwrap.shorten(line, max(20, width - 6), placeholder=" …"))
    out += ["  " + line for line in _more(len(found), TOP_BOILERPLATE, "lines")]
    return out


def _boilerplate_chars(found: Sequence[BoilerplateLine]) -> str:
    """The characters of the lines that go, counted as the json summary's
    `boilerplate_chars` does (a new-user trial saw 191,925 here against 186,062 there),
    then the lines and characters held back by the removal budget, which stay in the text:
    counted apart, not as lines of 0 chars (a new-user trial).

    Example:
        >>> line = BoilerplateLine("d", 0, 15, 0, "lexicon", 1.0, 0.9, "leave a comment")
        >>> held = BoilerplateLine("d", 16, 40, 1, "lexicon", 1.0, 0.9, "share", held=True)
        >>> _boilerplate_chars([line, held])
        '15 chars; 1 line of 24 chars held back by the removal budget'
        >>> _boilerplate_chars([held]), _boilerplate_chars([line])
        ('1 line of 24 chars held back by the removal budget', '15 chars')
    """
    held = [b for b in found if b.held]
    chars = amount(sum(b.end - b.start for b in found if not b.held), "char")
    if not held:
        return chars
    held_chars = amount(sum(b.end - b.start for b in held), "char")
    kept = f"{amount(len(held), 'line')} of {held_chars} held back by the removal budget"
    return kept if len(held) == len(found) else f"{chars}; {kept}"


def _render_passage(number: int, p: PassageMatch, width: int) -> list[str]:
    column = max(20, (width - 3) // 2)
    # Names may wrap; the spans always share one row of their own, so the layout
    # does not change with the length of a path.
    name_a, name_b = textwrap.wrap(p.a.doc, column), textwrap.wrap(p.b.doc, column)
    rows = max(len(name_a), len(name_b))
    span_a, span_b = f"[{p.a.start}:{p.a.end})", f"[{p.b.start}:{p.b.end})"
    left = [*name_a, *[""] * (rows - len(name_a)), span_a, "-" * column]
    right = [*name_b, *[""] * (rows - len(name_b)), span_b, "-" * column]
    left += _rows(p.a.shown, column)
    right += _rows(p.b.shown, column)
    if p.overlap is None:
        how = f"similarity {p.similarity:.2f}, {p.words} equal words"
    else:
        how = f"overlap {p.overlap:.2f}, {p.words} shared words, similarity {p.similarity:.2f}"
    out = [f"passage {number} ({p.kind}): {how}"]
    for la, rb in zip_longest(left, right, fillvalue=""):
        out.append(f"{la:<{column}} | {rb}".rstrip())
    return out


def _rows(text: str, column: int) -> list[str]:
    """A passage side wrapped to `column`, at most `PASSAGE_ROWS` rows: a passage of a
    whole licence file is 390 rows, and the spans above say where all of it is.

    Example:
        >>> _rows("one two three four five six", 10)
        ['one two', 'three four', 'five six']
        >>> len(_rows("word " * 400, 20)), _rows("word " * 400, 20)[-1]
        (13, '… 88 more rows')
    """
    rows = textwrap.wrap(" ".join(text.split()), column)
    if len(rows) <= PASSAGE_ROWS:
        return rows
    left = len(rows) - PASSAGE_ROWS
    return [*rows[:PASSAGE_ROWS], f"… {left:,} more row{'s' if left > 1 else ''}"]


# --------------------------------------------------------------------- check results


def render_check(
    result: CheckResult,
    fmt: str,
    *,
    annotate: Annotate = "failing",
    texts: Mapping[str, str] | None = None,
    passage_text: str = "full",
) -> str:
    """`result` in one of `CHECK_FORMATS`, ending with a newline.

    `annotate` says which findings the CI formats (github, sarif, junit, concise) carry:
    those of failing limits, or all (see `dedup.annotate`). `texts` (document id -> text)
    shows the documents in "html"; `passage_text` is as for `render_report`.

    Example:
        >>> from dedup.check import check
        >>> from dedup.document import Document
        >>> print(render_check(check([Document("a", "one two three", "a.txt")]), "text"), end="")
        PASS: 1 document, 0 new findings
          ok   max-duplicate-ratio 0 <= 0
          ok   max-boilerplate-ratio 0 <= 1
          ok   max-reused-ratio 0 <= 1
    """
    if fmt == "json":
        data = result.to_dict(passage_text=passage_text)
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "html":
        verdict = "PASS" if result.passed else "FAIL"
        title = f"dedup check: {verdict}, {amount(len(result.report.documents), 'document')}"
        return render_html(result.report, texts=texts, check=result.check_dict(), title=title)
    if fmt in CI_FORMATS:
        return CI_FORMATS[fmt](result, annotate)
    return _check_text(result)


def _check_text(result: CheckResult) -> str:
    """A summary line, one line per limit, then each new finding as `path:line: message`;
    failing limits and their findings first, so a CI log shows the failure at the top."""
    lines = check_verdicts(result)
    verdicts = sorted(result.verdicts, key=lambda v: v.passed)  # stable: rule order within
    for v in verdicts:
        shown = TOP_FINDINGS if not v.passed else TOP_PASSING_FINDINGS
        if v.passed and v.findings:  # under a failing limit's, they read as failures too
            lines.append(f"findings of {v.rule}, which holds (they fail nothing):")
        for f in v.findings[:shown]:
            lines.append(f"{f.path}:{f.line}: [{v.rule}] {f.message}")
        lines += _more(len(v.findings), shown, f"[{v.rule}] findings")
    if not result.passed:
        lines.append(_next_steps(result))
    return "\n".join(lines) + "\n"


def _next_steps(result: CheckResult) -> str:
    """The last line of a failing text check: where to learn what a finding's rule means
    and where to see each finding in its document."""
    failed = {v.rule for v in result.verdicts if not v.passed}
    rules = sorted({b.rule for b in result.report.boilerplate if not b.held})
    explain = ""
    if rules and "max-boilerplate-ratio" in failed:
        explain = (
            f"`dedup boilerplate explain RULE` says what a rule means (here: {', '.join(rules)}); "
        )
    return f"next: {explain}`--format html -o check.html` shows each finding in its document"


def check_verdicts(result: CheckResult, written_to: str | None = None) -> list[str]:
    """The head of a text check: PASS or FAIL with the counts, then one line per limit,
    failing ones first, each saying how much it counted against what the limit allows.
    `written_to` names the file holding the findings (the stderr lines of `-o FILE`)."""
    new = sum(len(v.findings) for v in result.verdicts)
    accepted = sum(v.accepted for v in result.verdicts)
    documents = amount(len(result.report.documents), "document")
    head = f"{'PASS' if result.passed else 'FAIL'}: {documents}, "
    head += amount(new, "new finding") + (
        f" ({accepted:,} accepted by the baseline)" if accepted else ""
    )
    failing = sum(len(v.findings) for v in result.verdicts if not v.passed)
    if failing != new and not result.passed:  # the rest are of limits that hold
        head += f", {failing:,} of them under the failing limits"
    if result.skipped:  # with -q nothing else says that the check did not read them
        head += f"; {amount(result.skipped, 'bad record')} skipped (--strict fails on them)"
    head += f" (findings in {written_to})" if written_to else ""
    lines = [head]
    for v in sorted(result.verdicts, key=lambda v: v.passed):  # stable: rule order within
        if v.passed:
            lines.append(f"  ok   {v.rule} {v.value_text} <= {v.threshold:g}")
        else:
            lines.append(f"  FAIL {v.rule} {v.value_text} > {v.threshold:g}: {v.counted()}")
    if result.stale:
        stale = amount(len(result.stale), "accepted finding")
        lines.append(f"  {stale} no longer found (stale baseline)")
    return lines


# Findings a text check lists per limit: a failing limit's first ones, and a few of a
# limit that passed (a new-user trial: 6,528 lines for 300 documents, nearly all findings
# of limits that passed). The CI formats and json carry them all.
TOP_FINDINGS = 50
TOP_PASSING_FINDINGS = 5


# --------------------------------------------------------------------- index queries


def render_query(result: QueryResult, fmt: str, location: str) -> str:
    """What `Index.query` found in one of `QUERY_FORMATS`, ending with a newline.

    Example:
        >>> print(render_query(QueryResult([], [], {}), "text", "train.idx"), end="")
        0 near-duplicates, 0 reused passages
    """
    if fmt == "json":
        return json_text(result.to_dict(location))
    head = f"{len(result.pairs):,} near-duplicates, {len(result.passages):,} reused passages"
    if result.passages_boilerplate:
        head += f", {_left_out_boilerplate(result.passages_boilerplate)}"
    lines = [head]
    lines += [
        f"{p.b}: near-duplicate of {p.a} ({result.sources.get(p.a, '')}), Jaccard {p.jaccard:.3f}"
        for p in result.pairs[:TOP_QUERY_LINES]
    ]
    lines += _more(len(result.pairs), TOP_QUERY_LINES, "near-duplicates")
    lines += [
        f"{p.b.doc} [{p.b.start}:{p.b.end}) reuses {p.a.doc} [{p.a.start}:{p.a.end}): "
        f"{' '.join(p.a.text.split())[:100]!r}"
        for p in result.passages[:TOP_QUERY_LINES]
    ]
    lines += _more(len(result.passages), TOP_QUERY_LINES, "reused passages")
    return "\n".join(lines) + "\n"


TOP_QUERY_LINES = 100  # near-duplicates and passages a text query lists, each


def _more(count: int, shown: int, what: str) -> list[str]:
    """The line saying how many a text listing left out, if any.

    Example:
        >>> _more(1234, 100, "passages"), _more(3, 100, "passages")
        (['... 1,134 more passages (--format json lists all)'], [])
    """
    left = count - shown
    return [f"... {left:,} more {what} (--format json lists all)"] if left > 0 else []


# --------------------------------------------------------------------- JSON


ENCODE_CHUNK = 5000  # list elements per encoding task


def json_text(data: dict[str, Any], *, jobs: int = 1) -> str:
    """JSON with one line per top-level field and one line per element of a list field.

    A report of 100,000 passages stays readable and greppable (one passage per line), and
    every line goes through the C encoder: an indented `json.dumps` takes the pure-Python
    path, three times slower on large reports. Long lists are encoded in chunks by `jobs`
    forked processes (a million documents are most of a large scan's report).

    Example:
        >>> print(json_text({"schema": "x", "passages": [{"a": 1}, {"a": 2}], "empty": []}), end="")
        {
         "schema": "x",
         "passages": [
          {"a": 1},
          {"a": 2}
         ],
         "empty": []
        }
        >>> json.loads(json_text({"k": [1, 2]}))
        {'k': [1, 2]}
    """
    fields = []
    for key, value in data.items():
        name = json_dumps(key)
        if isinstance(value, list | DocumentDicts) and value:
            tasks = ranges(len(value), ENCODE_CHUNK)
            items = ",\n".join(map_shared(_encode_items, value, tasks, jobs=jobs))
            fields.append(f" {name}: [\n{items}\n ]")
        else:
            fields.append(f" {name}: {json_dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _encode_items(values: Sequence[Any], task: range) -> str:
    return ",\n".join("  " + json_dumps(values[i]) for i in task)


# --------------------------------------------------------------------- run summaries


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Counts and timing of one run.

    Attributes:
        documents: documents read (bad records not included).
        duplicates: non-kept copies of near-duplicate clusters.
        kept: documents written (`clean`) or that cleaning would keep (`scan`).
        rejected: documents and records sent to the rejects file (None for `scan`).
        skipped: bad records the reader could not use (shown as "unreadable", the reason
            `clean` writes for them in rejects.jsonl).
        seconds: wall time of the run.

    Example:
        >>> RunSummary(documents=10, duplicates=2, kept=8, rejected=None, skipped=1,
        ...            seconds=2.0).docs_per_second
        5.0
    """

    documents: int
    duplicates: int
    kept: int
    rejected: int | None
    skipped: int
    seconds: float

    @property
    def docs_per_second(self) -> float:
        """Documents read per second of wall time."""
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    def rows(self) -> list[tuple[str, str]]:
        """The table as (label, value) rows, values formatted for people."""
        rejected = "-" if self.rejected is None else f"{self.rejected:,}"
        return [
            ("documents", f"{self.documents:,}"),
            ("duplicates", f"{self.duplicates:,}"),
            ("kept", f"{self.kept:,}"),
            ("rejected", rejected),
            ("unreadable", f"{self.skipped:,}"),
            ("time", f"{self.seconds:,.2f} s"),
            ("docs/s", f"{self.docs_per_second:,.0f}"),
        ]

    def render(self) -> str:
        """A two-column table, labels left and values right-aligned.

        Example:
            >>> print(RunSummary(1200, 3, 1197, 3, 0, 0.5).render())
            documents   1,200
            duplicates      3
            kept        1,197
            rejected        3
            unreadable      0
            time       0.50 s
            docs/s      2,400
        """
        rows = self.rows()
        left = max(len(label) for label, _ in rows)
        right = max(len(value) for _, value in rows)
        return "\n".join(f"{label:<{left}} {value:>{right}}" for label, value in rows)


def scan_summary(report_summary: Mapping[str, int], skipped: int, seconds: float) -> RunSummary:
    """Summary of a scan from `Report.summary()`: kept is what `clean` would keep.

    Example:
        >>> scan_summary({"documents": 5, "duplicate_documents": 1}, 2, 1.0).kept
        4
    """
    documents = report_summary["documents"]
    duplicates = report_summary["duplicate_documents"]
    return RunSummary(documents, duplicates, documents - duplicates, None, skipped, seconds)


def clean_summary(clean_counts: Mapping[str, int], seconds: float) -> RunSummary:
    """Summary of a clean from `CleanResult.summary()` (read = written + rejected).

    Example:
        >>> counts = {"read": 6, "written": 4, "rejected": 2, "near_duplicates": 1,
        ...           "unreadable": 1}
        >>> clean_summary(counts, 1.0).documents
        5
    """
    unreadable = clean_counts["unreadable"]
    return RunSummary(
        documents=clean_counts["read"] - unreadable,
        duplicates=clean_counts["near_duplicates"],
        kept=clean_counts["written"],
        rejected=clean_counts["rejected"],
        skipped=unreadable,
        seconds=seconds,
    )


def clean_line(counts: Mapping[str, int], out: str, passed_over: int = 0) -> str:
    """One sentence on what `clean` did, from `CleanResult.summary()` (`passed_over`: the
    files a directory walk did not read, which the notes above it name). It counts in the
    summary table's words: documents read, records unreadable (`read` counts both).

    Example:
        >>> counts = {"read": 6, "written": 4, "rejected": 2, "near_duplicates": 1,
        ...           "unreadable": 1, "removed_lines": 3, "removed_chars": 40}
        >>> for part in clean_line(counts, "out").split("; "):
        ...     print(part)
        read 5 documents (1 record unreadable): wrote 4, rejected 2 (1 near-duplicate, 1 unreadable)
        removed 3 boilerplate lines (40 chars) -> out
        >>> clean_line({**counts, "indexed": 1, "removed_passages": 2}, "out").split("; ")[-1]
        'removed 3 boilerplate lines, 2 indexed passages (40 chars) -> out'
        >>> clean_line({**counts, "removed_lines": 1, "removed_chars": 1}, "out").split("; ")[-1]
        'removed 1 boilerplate line (1 char) -> out'
        >>> clean_line(counts, "out", passed_over=2).split(": ")[0]
        'read 5 documents (1 record unreadable; 2 files not read, named above)'
        >>> clean_line({**counts, "unreadable": 0}, "out").split(": ")[0]
        'read 6 documents'
        >>> clean_line({**counts, "held_lines": 2, "held_chars": 30}, "out").split("), ")[-1]
        'kept 2 lines held back by the removal budget (30 chars) -> out'
    """
    indexed = f", {counts['indexed']:,} reusing the index" if counts.get("indexed") else ""
    passages = counts.get("removed_passages", 0)
    cut = f", {passages:,} indexed passages" if passages else ""
    unreadable = counts["unreadable"]
    notes = [f"{amount(unreadable, 'record')} unreadable"] if unreadable else []
    if passed_over:
        notes.append(f"{amount(passed_over, 'file')} not read, named above")
    read = amount(counts["read"] - unreadable, "document")
    if notes:
        read += f" ({'; '.join(notes)})"
    removed = amount(counts["removed_lines"], "boilerplate line")
    return (
        f"read {read}: wrote {counts['written']:,}, rejected "
        f"{counts['rejected']:,} ({amount(counts['near_duplicates'], 'near-duplicate')}, "
        f"{unreadable:,} unreadable{indexed}); removed {removed}"
        f"{cut} ({amount(counts['removed_chars'], 'char')}){_held_back(counts)} -> {out}"
    )


def _held_back(counts: Mapping[str, int]) -> str:
    """The boilerplate lines the removal budget kept in the written documents, counted as
    the removed ones are; "" when there are none (or the counts, of Spark, lack them)."""
    lines = counts.get("held_lines", 0)
    if not lines:
        return ""
    chars = amount(counts.get("held_chars", 0), "char")
    return f", kept {amount(lines, 'line')} held back by the removal budget ({chars})"
