"""Reworded reuse with known edits: real paragraphs of this machine, rewritten at set rates.

Sources are English prose paragraphs of this machine's documentation (the
`prose_corpus.py` pool: man pages, /usr/share/doc, info and help files, docstrings) of five
or more sentences. Each is copied into another document (a "host": other paragraphs around
it) after edits applied at a rate r: adjacent sentences swapped (probability r per pair),
two sentences merged into one (r), sentences dropped (r / 2, keeping two), words replaced by
a random word of the pool (r per word, harsher than a synonym) and words dropped (r / 2).
Each host is compared (`dedup.compare`) with its source (a positive) and with another
source (a negative).

Per edit rate, side by side in one run:
- passage recall: share of copies whose passages against the source cover half or more of
  the copied text, with sentence pairing (`PassageConfig.sentences`, the default) and with
  aligned words only (the passage finder before it);
- pair AUC, positives over negatives, of the pair's sentence containment (larger of the two
  directions) and of the baseline, word-trigram containment (larger direction).

    .venv/bin/python benchmarks/controlled_edits.py [--sources 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import time

from prose_corpus import build_pool
from short_answers import auc, trigram_containment

from dedup import DedupConfig, Document, PassageConfig, compare
from dedup.normalize import split_sentences, split_words
from dedup.report import Report
from dedup.sentences import STOPWORDS

RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
COVER = 0.5


def english_paragraphs(pool: list[str]) -> list[str]:
    """Paragraphs of five or more sentences, 60-250 words, a fifth or more stopwords."""
    out = []
    for text in pool:
        words = split_words(text).words
        if not 60 <= len(words) <= 250 or len(split_sentences(text)) < 5:
            continue
        if sum(w in STOPWORDS for w in words) >= 0.2 * len(words):
            out.append(text)
    return out


def rewrite(text: str, rate: float, vocab: list[str], rng: random.Random) -> str:
    """`text` with its sentences and words edited at `rate` (see the module docstring)."""
    sentences = [" ".join(text[s.start : s.end].split()) for s in split_sentences(text)]
    for i in range(len(sentences) - 1):
        if rng.random() < rate:
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    merged: list[str] = []
    for s in sentences:
        if merged and rng.random() < rate:
            merged[-1] = merged[-1].rstrip(".!?;:") + ", and " + s[:1].lower() + s[1:]
        else:
            merged.append(s)
    kept = [s for s in merged if rng.random() >= rate / 2] or merged[:2]
    if len(kept) < 2:
        kept = merged[:2]
    out = []
    for s in kept:
        words = []
        for w in s.split():
            roll = rng.random()
            if roll < rate / 2:
                continue
            if roll < rate / 2 + rate and re.fullmatch(r"[A-Za-z]+", w):
                w = rng.choice(vocab)
            words.append(w)
        out.append(" ".join(words))
    return " ".join(out)


def covered_share(report: Report, doc: str, start: int, end: int) -> float:
    """Share of characters `[start, end)` of `doc` inside the report's passages."""
    spans = sorted(
        (max(s.start, start), min(s.end, end))
        for p in report.passages
        for s in (p.a, p.b)
        if s.doc == doc and s.start < end and s.end > start
    )
    total, reach = 0, start
    for s, e in spans:
        s = max(s, reach)
        if e > s:
            total, reach = total + e - s, e
    return total / max(1, end - start)


def main() -> None:
    """Print recall and AUC per edit rate, with and without sentence pairing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pool = build_pool()
    paragraphs = english_paragraphs(pool)
    rng = random.Random(args.seed)
    rng.shuffle(paragraphs)
    sources = paragraphs[: args.sources]
    fillers = paragraphs[args.sources : args.sources * 3]
    vocab = sorted({w for p in fillers for w in p.split() if re.fullmatch(r"[a-z]{4,}", w)})
    on, off = (
        DedupConfig(find_boilerplate=False),
        DedupConfig(find_boilerplate=False, passage=PassageConfig(sentences=False)),
    )
    print(
        f"{len(sources)} source paragraphs of {len(paragraphs):,} English ones in the pool; "
        f"found = passages cover >= {COVER:.0%} of the copy"
    )
    print(
        f"{'edit rate':>9} {'recall':>7} {'recall words-only':>18} "
        f"{'AUC sentences':>14} {'AUC trigram':>12} {'seconds':>8}"
    )
    for rate in RATES:
        began = time.perf_counter()
        found = {"on": 0, "off": 0}
        pos: dict[str, list[float]] = {"sent": [], "tri": []}
        neg: dict[str, list[float]] = {"sent": [], "tri": []}
        for k, text in enumerate(sources):
            copy = rewrite(text, rate, vocab, rng)
            before, after = fillers[(2 * k) % len(fillers)], fillers[(2 * k + 1) % len(fillers)]
            host = f"{before}\n\n{copy}\n\n{after}"
            start = len(before) + 2
            src = Document("src", text)
            other = Document("other", sources[(k + 1) % len(sources)])
            for name, config in (("on", on), ("off", off)):
                report = compare(src, Document("host", host), config)
                found[name] += covered_share(report, "host", start, start + len(copy)) >= COVER
                if name == "on":
                    pair = report.pairs[0]
                    pos["sent"].append(
                        max(pair.sentence_containment_a or 0, pair.sentence_containment_b or 0)
                    )
            pair = compare(other, Document("host", host), on).pairs[0]
            neg["sent"].append(
                max(pair.sentence_containment_a or 0, pair.sentence_containment_b or 0)
            )
            pos["tri"].append(max(trigram_containment(host, text), trigram_containment(text, host)))
            neg["tri"].append(
                max(trigram_containment(host, other.text), trigram_containment(other.text, host))
            )
        n = len(sources)
        print(
            f"{rate:>9.1f} {found['on'] / n:>7.3f} {found['off'] / n:>18.3f} "
            f"{auc(pos['sent'], neg['sent']):>14.3f} {auc(pos['tri'], neg['tri']):>12.3f} "
            f"{time.perf_counter() - began:>8.1f}"
        )


if __name__ == "__main__":
    main()
