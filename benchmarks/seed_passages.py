"""Coverage of the seed files' gold passages (samples/expected.json) by `dedup compare`.

Run: .venv/bin/python benchmarks/seed_passages.py
"""

from __future__ import annotations

import json
from pathlib import Path

from dedup import Document, compare

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> int:
    hit = set()
    for s, e in spans:
        hit.update(range(max(s, start), min(e, end)))
    return len(hit)


def main() -> None:
    """Print per-gold-pair coverage of both sides and the share of reported chars inside gold."""
    gold = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    texts = {k: (SAMPLES / v).read_text(encoding="utf-8") for k, v in gold["documents"].items()}
    report = compare(Document("000", texts["000"]), Document("004", texts["004"]))
    spans: dict[str, list[tuple[int, int]]] = {"000": [], "004": []}
    for p in report.passages:
        for span in (p.a, p.b):
            spans[span.doc].append((span.start, span.end))
    for g in gold["reused_passages"]:
        cov = [
            _covered(spans[g[s]["doc"]], *g[s]["span"]) / (g[s]["span"][1] - g[s]["span"][0])
            for s in ("a", "b")
        ]
        print(f"{g['id']}: coverage a {cov[0]:.1%}  b {cov[1]:.1%}")
    gold_spans: dict[str, list[tuple[int, int]]] = {"000": [], "004": []}
    for g in gold["reused_passages"]:
        for s in ("a", "b"):
            gold_spans[g[s]["doc"]].append(tuple(g[s]["span"]))
    reported = sum(e - s for v in spans.values() for s, e in v)
    inside = sum(_covered(gold_spans[doc], s, e) for doc, v in spans.items() for s, e in v)
    print(f"reported reused chars inside gold: {inside}/{reported} = {inside / reported:.1%}")
    print(
        f"document Jaccard: {report.pairs[0].jaccard:.3f} (near-duplicate: "
        f"{report.pairs[0].near_duplicate})"
    )


if __name__ == "__main__":
    main()
