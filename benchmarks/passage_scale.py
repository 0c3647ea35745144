"""Passage-level scan speed and recall on real text with injected reused passages.

Builds documents from real offline text (benchmarks/corpus_scale.py's corpus), splices a
passage of 30-80 words from one document into another (with light edits) for a share of
them, and times `find_passages` over the whole corpus. Recall: share of injected passages
found (a reported passage covering >= 80 % of the injected span on the receiving side).

Run: cd benchmarks && ../.venv/bin/python passage_scale.py --docs 2000
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from corpus_scale import build_corpus

from dedup import DedupConfig, Document, find_passages


def inject(docs: list[Document], share: float, seed: int) -> list[tuple[str, int, int]]:
    """Splice passages between documents in place; returns (doc id, start, end) of each."""
    rng = random.Random(seed)
    truth = []
    for k in rng.sample(range(len(docs)), int(len(docs) * share)):
        src = rng.choice(docs)
        words = src.text.split()
        if len(words) < 90 or src.id == docs[k].id:
            continue
        at = rng.randrange(len(words) - 80)
        piece = words[at : at + rng.randint(30, 80)]
        for _ in range(rng.randint(0, 2)):
            piece[rng.randrange(len(piece))] = "changed"
        text = docs[k].text
        cut = text.find(" ", len(text) // 2)
        cut = cut if cut > 0 else len(text)
        passage = " ".join(piece)
        new = text[:cut] + " " + passage + ". " + text[cut:]
        docs[k] = Document(docs[k].id, new)
        truth.append((docs[k].id, cut + 1, cut + 1 + len(passage)))
    return truth


def main() -> None:
    """Time find_passages and print docs/s, passages, recall and peak memory."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--memory", action="store_true", help="trace peak memory (slower)")
    args = parser.parse_args()
    docs, _ = build_corpus(args.docs, 0.0, seed=3)
    truth = inject(docs, 0.2, seed=4)
    if args.memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    passages = find_passages(docs, DedupConfig())
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if args.memory else 0
    tracemalloc.stop()
    spans: dict[str, list[tuple[int, int]]] = {}
    for p in passages:
        for s in (p.a, p.b):
            spans.setdefault(s.doc, []).append((s.start, s.end))
    found = 0
    for doc, start, end in truth:
        best = max(
            (min(e, end) - max(s, start) for s, e in spans.get(doc, [])), default=0
        )
        found += best >= 0.8 * (end - start)
    print(f"documents {len(docs)}, injected passages {len(truth)}")
    print(f"find_passages: {elapsed:.1f} s, {len(docs) / elapsed:,.0f} docs/s (one process)")
    print(f"passages reported {len(passages)}, injected found {found}/{len(truth)} "
          f"= {found / max(1, len(truth)):.3f}")
    if args.memory:
        print(f"peak traced memory {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
