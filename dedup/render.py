"""Human-readable text for reports: passages side by side, as a terminal shows them."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from itertools import zip_longest

from dedup.report import BoilerplateLine, PassageMatch, Report


def render_text(
    report: Report, *, width: int | None = None, texts: Mapping[str, str] | None = None
) -> str:
    """The report as plain text: documents, pair similarity, then each passage side by side.

    Boilerplate lines follow, each with its rule, value, threshold and evidence; `texts`
    (document id -> original text) adds the line itself.

    Example:
        >>> from dedup.report import Report
        >>> print(render_text(Report(config={}, fingerprint="f"), width=60))
        0 documents, 0 shared passages
    """
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    lines = [f"{len(report.documents)} documents, {len(report.passages)} shared passages"]
    for pair in report.pairs:
        verdict = "near-duplicates" if pair.near_duplicate else "not near-duplicates"
        sign = ">=" if pair.near_duplicate else "<"
        lines.append(
            f"{pair.a} vs {pair.b}: document Jaccard {pair.jaccard:.3f} {sign} "
            f"threshold {pair.threshold:.2f} ({verdict})"
        )
    for number, passage in enumerate(report.passages, start=1):
        lines.append("")
        lines.extend(_render_passage(number, passage, width))
    if report.boilerplate:
        lines.append("")
        lines.extend(_render_boilerplate(report.boilerplate, width, texts or {}))
    return "\n".join(lines)


def _render_boilerplate(
    found: tuple[BoilerplateLine, ...], width: int, texts: Mapping[str, str]
) -> list[str]:
    out = [f"{len(found)} boilerplate lines ({sum(b.end - b.start for b in found)} chars):"]
    for b in found:
        out.append(
            f"  {b.doc} line {b.line} [{b.start}:{b.end}) {b.rule}: "
            f"{b.score:g} (threshold {b.threshold:g}); {b.evidence}"
        )
        if b.doc in texts:
            line = " ".join(texts[b.doc][b.start : b.end].split())
            out.append("    - " + textwrap.shorten(line, max(20, width - 6), placeholder=" …"))
    return out


def _render_passage(number: int, p: PassageMatch, width: int) -> list[str]:
    column = max(20, (width - 3) // 2)
    head_a = f"{p.a.doc} [{p.a.start}:{p.a.end})"
    head_b = f"{p.b.doc} [{p.b.start}:{p.b.end})"
    left = [*textwrap.wrap(head_a, column), "-" * min(column, len(head_a))]
    right = [*textwrap.wrap(head_b, column), "-" * min(column, len(head_b))]
    left += textwrap.wrap(" ".join(p.a.text.split()), column)
    right += textwrap.wrap(" ".join(p.b.text.split()), column)
    out = [f"passage {number}: similarity {p.similarity:.2f}, {p.words} equal words"]
    for la, rb in zip_longest(left, right, fillvalue=""):
        out.append(f"{la:<{column}} | {rb}".rstrip())
    return out
