"""A check result as a CI system reads it: GitHub workflow commands, SARIF, JUnit, one line
per finding.

By default only the findings of failing limits are annotated (`annotate="failing"`): a limit
that holds, or is switched off, leaves nothing on the diff. `annotate="all"` adds the others
as warnings. Every annotation names the file (relative to the git root, as GitHub and code
scanning want it) and the first and last line of the evidence.

GitHub shows at most 10 error and 10 warning annotations of a step; `github` writes at most
that many and prints the rest as plain log lines, after a summary line that says so.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from dedup.check import CheckResult, Finding, Verdict, source_file
from dedup.config import git_root
from dedup.report import amount

Annotate = Literal["failing", "all"]
ANNOTATE_CHOICES = ("failing", "all")
GITHUB_LIMIT = 10  # annotations of one level GitHub shows per step
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_TEXT = {
    "max-duplicate-ratio": "Documents that near-duplicate another document or an indexed one.",
    "max-boilerplate-ratio": "Characters in boilerplate lines (site furniture a scraper kept).",
    "max-reused-ratio": "Characters in passages reused from another document or the index.",
}


def annotated(result: CheckResult, annotate: Annotate) -> Iterator[tuple[Verdict, Finding]]:
    """The new findings to annotate, with their verdict: failing limits, or every limit."""
    for v in result.verdicts:
        if annotate == "all" or not v.passed:
            for f in v.findings:
                yield v, f


def verdict_line(v: Verdict) -> str:
    """`max-reused-ratio ok: 0.01 <= 0.05 (4 findings)`; a failing limit also says how much
    it counted and what the limit allows (`Verdict.counted`)."""
    sign = "<=" if v.passed else ">"
    state = "ok" if v.passed else "failed"
    found = amount(len(v.findings), "finding")
    why = found if v.passed else f"{v.counted()}; {found}"
    return f"{v.rule} {state}: {v.value_text} {sign} {v.threshold:g} ({why})"


def finding_line(v: Verdict, f: Finding) -> str:
    """`data/b.txt:2-3: error [max-reused-ratio] passage reused from ...`, paths as given."""
    lines = f"{f.line}" if f.end_line == f.line else f"{f.line}-{f.end_line}"
    level = "warning" if v.passed else "error"
    return f"{f.path}:{lines}: {level} [{v.rule}] {f.message}"


# --------------------------------------------------------------------- GitHub


def github(result: CheckResult, annotate: Annotate = "failing") -> str:
    """GitHub workflow commands: `::error file=...,line=...,endLine=...,title=...::message`.

    A passing run prints one plain line and no annotation. A failing one prints a summary
    `::error` (every limit's verdict), then at most `GITHUB_LIMIT - 1` finding errors; the
    findings beyond the cap follow as plain log lines, announced by the summary.
    """
    summary = "; ".join(verdict_line(v) for v in result.verdicts)
    if result.passed and annotate == "failing":
        return f"dedup check passed: {summary}\n"
    errors = [(v, f) for v, f in annotated(result, annotate) if not v.passed]
    warnings = [(v, f) for v, f in annotated(result, annotate) if v.passed]
    shown_errors = errors[: GITHUB_LIMIT - 1] if not result.passed else errors
    shown_warnings = warnings[:GITHUB_LIMIT]
    rest = [*errors[len(shown_errors) :], *warnings[len(shown_warnings) :]]
    lines = []
    if not result.passed:
        note = (
            f"; {len(rest):,} more findings are not annotated (GitHub shows {GITHUB_LIMIT} a "
            "step): see the log"
            if rest
            else ""
        )
        lines.append(f"::error title=dedup check failed::{_data(summary + note)}")
    else:
        lines.append(f"dedup check passed: {summary}")
    for level, pairs in (("error", shown_errors), ("warning", shown_warnings)):
        for v, f in pairs:
            props = (
                f"file={_prop(repo_path(f.path))},line={f.line},endLine={f.end_line},"
                f"title={_prop('dedup ' + v.rule)}"
            )
            lines.append(f"::{level} {props}::{_data(f.message)}")
    if rest:
        lines.append(f"{len(rest):,} findings not annotated:")
        lines.extend(finding_line(v, f) for v, f in rest)
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    """Escape a workflow-command message (GitHub's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    """Escape a workflow-command property (GitHub's `escapeProperty`)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def repo_path(path: str) -> str:
    """A finding's file relative to the git root, in `/` form, as GitHub and SARIF name it;
    a file outside any repository (or `-`) as given.

    Example:
        >>> repo_path("-")
        '-'
    """
    if not os.path.isfile(path):
        return path
    full = Path(path).resolve()
    root = git_root(full.parent)
    return full.relative_to(root).as_posix() if root else Path(path).as_posix()


# --------------------------------------------------------------------- SARIF


def sarif(result: CheckResult, annotate: Annotate = "failing") -> str:
    """SARIF 2.1.0 for code scanning: one result per annotated finding (`error` for a failing
    limit, `warning` otherwise) with its file, start and end line, and the baseline key as a
    partial fingerprint; every limit's verdict in the invocation's properties."""
    results = []
    for v, f in annotated(result, annotate):
        region = {"startLine": f.line, "endLine": f.end_line}
        results.append(
            {
                "ruleId": v.rule,
                "level": "warning" if v.passed else "error",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"dedupKey/v1": f.key},
                "properties": {"kind": f.kind, "doc": f.doc, "start": f.start, "end": f.end},
            }
        )
    rules = [
        {"id": rule, "shortDescription": {"text": text}, "defaultConfiguration": {"level": "error"}}
        for rule, text in RULE_TEXT.items()
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "dedup", "version": _version(), "rules": rules}},
        "invocations": [
            {
                "executionSuccessful": True,
                "properties": {
                    "passed": result.passed,
                    "verdicts": [
                        {k: v.to_dict()[k] for k in ("rule", "value", "threshold", "passed")}
                        for v in result.verdicts
                    ],
                },
            }
        ],
        "results": results,
    }
    data = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _uri(path: str) -> str:
    shown = repo_path(path)
    return Path(shown).resolve().as_uri() if os.path.isabs(shown) else shown


def _version() -> str:
    try:
        return version("dedup")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


# --------------------------------------------------------------------- JUnit


def junit(result: CheckResult, annotate: Annotate = "failing") -> str:
    """JUnit XML: one testcase per checked file. A file with findings of a failing limit
    fails, its failure listing them; `annotate="all"` adds the other findings as the
    testcase's output. The verdict of every limit is a property of the suite."""
    files: dict[str, list[tuple[Verdict, Finding]]] = {}
    for doc in result.report.documents:
        files.setdefault(source_file(doc.id, doc.source), [])
    for v, f in annotated(result, "all"):
        files.setdefault(f.path, []).append((v, f))
    failing = {path for path, pairs in files.items() if any(not v.passed for v, _ in pairs)}
    suites = ET.Element("testsuites", name="dedup check")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="dedup check",
        tests=str(len(files)),
        failures=str(len(failing)),
        errors="0",
    )
    props = ET.SubElement(suite, "properties")
    for v in result.verdicts:
        ET.SubElement(props, "property", name=v.rule, value=verdict_line(v))
    for path, pairs in files.items():
        case = ET.SubElement(suite, "testcase", classname="dedup.check", name=path)
        errors = [finding_line(v, f) for v, f in pairs if not v.passed]
        others = [finding_line(v, f) for v, f in pairs if v.passed]
        if errors:
            rules = sorted({v.rule for v, _ in pairs if not v.passed})
            message = f"{amount(len(errors), 'finding')} of failing limits ({', '.join(rules)})"
            failure = ET.SubElement(case, "failure", message=message, type=rules[0])
            failure.text = "\n".join(errors)
        if others and annotate == "all":
            ET.SubElement(case, "system-out").text = "\n".join(others)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# --------------------------------------------------------------------- concise


def concise(result: CheckResult, annotate: Annotate = "failing") -> str:
    """One line per annotated finding (`path:line[-end]: level [rule] message`), then one
    verdict line: `FAIL: max-duplicate-ratio failed: 0.5 > 0 (1 findings); ...`."""
    lines = [finding_line(v, f) for v, f in annotated(result, annotate)]
    state = "PASS" if result.passed else "FAIL"
    lines.append(f"{state}: " + "; ".join(verdict_line(v) for v in result.verdicts))
    return "\n".join(lines) + "\n"
