"""Labelled boilerplate cases (samples/cases/*.json): well formed, every line exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dedup import Document
from dedup.boilerplate import detect_boilerplate
from dedup.config import BoilerplateConfig

CASES_DIR = Path(__file__).resolve().parent.parent / "samples" / "cases"
KINDS = ("boilerplate", "negative")


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        cases.extend(json.loads(path.read_text(encoding="utf-8"))["cases"])
    return cases


CASES = _load_cases()


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case.get("expect") == "fail":
        marks.append(pytest.mark.xfail(strict=True, reason=case.get("reason", "")))
    return pytest.param(case, id=case["label"], marks=marks)


def test_cases_are_well_formed() -> None:
    labels = [case["label"] for case in CASES]
    assert len(labels) == len(set(labels)), "labels must be unique"
    for case in CASES:
        label = case["label"]
        assert set(case) <= {
            "label",
            "comment",
            "kind",
            "text",
            "boilerplate_lines",
            "expect",
            "reason",
        }, label
        assert case["kind"] in KINDS, label
        assert case["expect"] in ("pass", "fail"), label
        assert case["comment"].strip(), label
        lines = case["text"].split("\n")
        assert sum(bool(line.strip()) for line in lines) >= 3, f"{label}: not a multi-line text"
        bp = case["boilerplate_lines"]
        assert bp == sorted(set(bp)), f"{label}: line numbers must be sorted and unique"
        assert all(0 <= i < len(lines) and lines[i].strip() for i in bp), label
        assert (case["kind"] == "negative") == (bp == []), label
        assert (case["expect"] == "fail") == bool(case.get("reason")), label


def test_enough_cases_of_each_kind() -> None:
    counts = {kind: sum(case["kind"] == kind for case in CASES) for kind in KINDS}
    assert counts["boilerplate"] >= 30
    assert counts["negative"] >= counts["boilerplate"]


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case_lines_are_reported_exactly(case: dict[str, Any]) -> None:
    doc = Document(case["label"], case["text"], case["label"])
    # The hand-written cases pin the hand-written rules; the default preset is measured on
    # real labelled pages instead (benchmarks/boilerplate_real.py, tests/test_linemodel.py).
    found = detect_boilerplate([doc], BoilerplateConfig(preset="rules"))
    for finding in found:
        # Offsets index the original text and cover the reported line.
        line_text = doc.text.split("\n")[finding.line]
        assert doc.text[finding.start : finding.end] in line_text
    assert sorted({f.line for f in found}) == case["boilerplate_lines"]
