"""Check results in the forms CI systems show: text, GitHub workflow commands, JUnit XML, JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from dedup.check import CheckResult, Verdict

FORMATS = ("text", "json", "github", "junit")


def render_check(result: CheckResult, fmt: str) -> str:
    """`result` in one of `FORMATS`, ending with a newline.

    Example:
        >>> from dedup.api import scan
        >>> from dedup.check import check
        >>> from dedup.document import Document
        >>> docs = [Document("a", "one two three", "a.txt")]
        >>> print(render_check(check(docs, scan(docs)), "text"), end="")
        PASS: 1 documents, 0 new findings
          ok   max-duplicate-ratio 0 <= 0
          ok   max-boilerplate-ratio 0 <= 1
          ok   max-reused-ratio 0 <= 1
    """
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n"
    if fmt == "github":
        return render_github(result)
    if fmt == "junit":
        return render_junit(result)
    return render_text(result)


def render_text(result: CheckResult) -> str:
    """A summary line, one line per limit, then each new finding as `path:line: message`."""
    new = sum(len(v.findings) for v in result.verdicts)
    accepted = sum(v.accepted for v in result.verdicts)
    head = f"{'PASS' if result.passed else 'FAIL'}: {len(result.report.documents)} documents, "
    head += f"{new} new findings" + (f" ({accepted} accepted by the baseline)" if accepted else "")
    lines = [head]
    for v in result.verdicts:
        sign = "<=" if v.passed else ">"
        lines.append(
            f"  {'ok  ' if v.passed else 'FAIL'} {v.rule} {v.value:.4g} {sign} {v.threshold:g}"
        )
    for v in result.verdicts:
        for f in v.findings:
            lines.append(f"{f.path}:{f.line}: [{v.rule}] {f.message}")
    return "\n".join(lines) + "\n"


def render_github(result: CheckResult) -> str:
    """One GitHub workflow command per new finding: `::error` if its limit failed, else `::warning`.

    Each names the file and the line of the finding in the original file, so GitHub shows it
    on the diff; a final `::notice` (or `::error`) line gives the verdict of every limit.
    """
    lines = []
    for v in result.verdicts:
        level = "warning" if v.passed else "error"
        for f in v.findings:
            props = f"file={_prop(f.path)},line={f.line},title={_prop('dedup ' + v.rule)}"
            lines.append(f"::{level} {props}::{_data(f.message)}")
    summary = "; ".join(_verdict_line(v) for v in result.verdicts)
    level = "notice" if result.passed else "error"
    lines.append(f"::{level} title=dedup check::{_data(summary)}")
    return "\n".join(lines) + "\n"


def render_junit(result: CheckResult) -> str:
    """JUnit XML: one testsuite, one testcase per limit, a failure listing its findings."""
    failures = sum(not v.passed for v in result.verdicts)
    suites = ET.Element("testsuites", name="dedup check")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="dedup check",
        tests=str(len(result.verdicts)),
        failures=str(failures),
        errors="0",
    )
    for v in result.verdicts:
        case = ET.SubElement(suite, "testcase", classname="dedup.check", name=v.rule)
        body = "\n".join(f"{f.path}:{f.line}: {f.message}" for f in v.findings)
        if not v.passed:
            failure = ET.SubElement(case, "failure", message=_verdict_line(v), type=v.rule)
            failure.text = body
        elif body:
            ET.SubElement(case, "system-out").text = body
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _verdict_line(v: Verdict) -> str:
    sign = "<=" if v.passed else ">"
    state = "ok" if v.passed else "failed"
    return f"{v.rule} {state}: {v.value:.4g} {sign} {v.threshold:g} ({len(v.findings)} findings)"


def _data(text: str) -> str:
    """Escape a workflow-command message (GitHub's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    """Escape a workflow-command property (GitHub's `escapeProperty`)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
