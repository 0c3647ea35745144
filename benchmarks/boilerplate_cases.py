"""Line precision and recall of the boilerplate detector on the labelled cases in samples/cases/.

Each case is scanned on its own (no corpus evidence), as `tests/test_samples.py` does.

Usage:
    .venv/bin/python benchmarks/boilerplate_cases.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dedup import Document
from dedup.boilerplate import detect_boilerplate

CASES_DIR = Path(__file__).resolve().parent.parent / "samples" / "cases"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every wrong line")
    args = parser.parse_args()
    files = sorted(CASES_DIR.glob("*.json"))
    for path in files:
        print(f"== {path.name}")
        measure(json.loads(path.read_text(encoding="utf-8"))["cases"], verbose=args.verbose)
    print("== all files")
    cases = [c for p in files for c in json.loads(p.read_text(encoding="utf-8"))["cases"]]
    measure(cases, verbose=False)


def measure(cases: list[dict[str, Any]], *, verbose: bool) -> None:
    """Print line precision and recall over `cases`, and the labels of wrong cases."""
    tp = fp = fn = 0
    wrong: list[str] = []
    for case in cases:
        doc = Document(case["label"], case["text"])
        lines = doc.text.split("\n")
        found = {b.line: b for b in detect_boilerplate([doc])}
        gold = set(case["boilerplate_lines"])
        tp += len(gold & found.keys())
        fp += len(found.keys() - gold)
        fn += len(gold - found.keys())
        if found.keys() != gold:
            wrong.append(case["label"])
            if verbose:
                for i in sorted(found.keys() - gold):
                    print(f"  FP {case['label']}:{i} [{found[i].rule}] {lines[i][:70]!r}")
                for i in sorted(gold - found.keys()):
                    print(f"  FN {case['label']}:{i} {lines[i][:70]!r}")
    kinds = {k: sum(c["kind"] == k for c in cases) for k in ("boilerplate", "negative")}
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"cases: {len(cases)} ({kinds['boilerplate']} boilerplate, {kinds['negative']} negative)")
    print(f"boilerplate lines: {tp + fn} labelled, {tp + fp} reported, {tp} correct")
    print(f"line precision: {precision:.3f}  line recall: {recall:.3f}")
    print(f"cases exactly right: {len(cases) - len(wrong)}/{len(cases)}")
    if wrong:
        print("cases with a wrong line: " + ", ".join(wrong))


if __name__ == "__main__":
    main()
