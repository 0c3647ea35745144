"""Passages of shared boilerplate, on real pages: does leaving them out drop furniture only?

Each extractor's output of the labelled web pages (benchmarks/data/webpage_lines.jsonl.gz,
every page type, train and dev by default: the test split is the boilerplate detector's)
is scanned as one corpus, sites as `site_field`, with every passage reported
(`PassageConfig.boilerplate`). Pages of one site share their menus and footers, so
passages join them there. A passage is furniture by the gold labels when, on either side,
at least half of its characters lie on lines labelled boilerplate (the same share
`report.boilerplate_passages` asks of the detector's lines).

Three rules are scored on the same passages:

- `dedup`: `report.boilerplate_passages`, what a scan leaves out by default;
- `any line`: the simple baseline, a passage touching any line the detector reports;
- `none`: every passage kept (what a scan did before).

For each: passages left out, how many are furniture by the gold (precision), the share
of the gold's furniture passages left out (recall), and the content passages lost.

    .venv/bin/python benchmarks/reuse_boilerplate.py [--splits train,dev] [--extractors ...]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # dedup, uninstalled

from boilerplate_real import Page, load_pages

from dedup.api import scan
from dedup.config import BoilerplateConfig, DedupConfig, PassageConfig
from dedup.report import (
    BOILERPLATE_SHARE,
    BoilerplateLine,
    PassageMatch,
    Report,
    boilerplate_passages,
    passage_columns,
)

KINDS = ("article", "blog", "documentation", "forum", "service", "product", "listing", "collection")


def gold_labels(passages: Sequence[PassageMatch], pages: dict[str, Page]) -> list[str]:
    """Each passage by the gold: "furniture" when, on either side, `BOILERPLATE_SHARE` of
    its characters lie on lines labelled boilerplate; else "content" when on either side
    that share lies on lines labelled content; else "unsure" (lines the labelling left
    unsure or unmatched, most of whole-page text's menus)."""
    out = []
    for p in passages:
        a = _labelled_shares(pages[p.a.doc], p.a.start, p.a.end)
        b = _labelled_shares(pages[p.b.doc], p.b.start, p.b.end)
        if max(a["boilerplate"], b["boilerplate"]) >= BOILERPLATE_SHARE:
            out.append("furniture")
        elif max(a["content"], b["content"]) >= BOILERPLATE_SHARE:
            out.append("content")
        else:
            out.append("unsure")
    return out


def _labelled_shares(page: Page, start: int, end: int) -> dict[str, float]:
    """The share of `[start, end)` on lines of each gold label."""
    at, covered = 0, {"boilerplate": 0, "content": 0}
    for line, label in zip(page.doc.text.split("\n"), page.labels, strict=True):
        lo, hi = max(at, start), min(at + len(line), end)
        if label in covered and hi > lo:
            covered[label] += hi - lo
        at += len(line) + 1
    return {label: chars / max(1, end - start) for label, chars in covered.items()}


def touching(passages: Sequence[PassageMatch], lines: Sequence[BoilerplateLine]) -> list[bool]:
    """The baseline: a passage whose span on either side touches a reported line."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for ln in lines:
        if not ln.held:
            spans.setdefault(ln.doc, []).append((ln.start, ln.end))

    def hits(doc: str, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in spans.get(doc, ()))

    return [
        hits(p.a.doc, p.a.start, p.a.end) or hits(p.b.doc, p.b.start, p.b.end) for p in passages
    ]


def score(left_out: Sequence[bool], gold: Sequence[str]) -> str:
    """One row's figures: left out; of those, furniture and content by the gold; the
    share of the gold's furniture passages left out (recall)."""
    out, labels = np.array(left_out, dtype=bool), np.array(gold)
    furniture = labels == "furniture"
    right = int((out & furniture).sum())
    recall = right / furniture.sum() if furniture.any() else 1.0
    content = int((out & (labels == "content")).sum())
    return f"{int(out.sum()):,} | {right:,} | {content:,} | {recall:.3f}"


def run(pages: list[Page]) -> tuple[Report, dict[str, Page]]:
    """One corpus scanned with every passage reported."""
    config = DedupConfig(
        passage=replace(PassageConfig(), boilerplate=True, max_per_doc=0, max_per_pair=0),
        boilerplate=BoilerplateConfig(site_field="site"),
    )
    report = scan([p.doc for p in pages], config)
    return report, {p.doc.id: p for p in pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="train,dev")
    parser.add_argument("--extractors", default="html_text,trafilatura,readability,justext")
    args = parser.parse_args()
    print("| extractor | passages | furniture / content (gold) | rule | left out | of them "
          "furniture | of them content | furniture recall |")  # fmt: skip
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    totals: dict[str, list[npt.NDArray[np.bool_]]] = {"dedup": [], "any line": []}
    golds: list[str] = []
    for extractor in args.extractors.split(","):
        pages = [p for split in args.splits.split(",")
                 for p in load_pages(split, KINDS).get(extractor, [])]  # fmt: skip
        report, by_id = run(pages)
        passages = list(report.passages)
        gold = gold_labels(passages, by_id)
        ids = [d.id for d in report.documents]
        cols = passage_columns(passages, ids)
        ours = boilerplate_passages(cols, report.boilerplate, PassageConfig().least_words)
        naive = np.array(touching(passages, report.boilerplate), dtype=bool)
        totals["dedup"].append(ours)
        totals["any line"].append(naive)
        golds.extend(gold)
        sizes = f"{gold.count('furniture'):,} / {gold.count('content'):,}"
        head = f"| {extractor} | {len(passages):,} | {sizes}"
        for name, left in (("dedup", ours), ("any line", naive), ("none", [False] * len(gold))):
            print(f"{head} | {name} | {score(left, gold)} |")
    sizes = f"{golds.count('furniture'):,} / {golds.count('content'):,}"
    for name in ("dedup", "any line"):
        both = np.concatenate(totals[name])
        print(f"| **all** | {len(golds):,} | {sizes} | {name} | {score(both, golds)} |")


if __name__ == "__main__":
    main()
