"""Graded reuse on real labelled data: the short-answers corpus (Clough & Stevenson 2011).

95 answers to five questions, each written from one Wikipedia article under one of four
instructions: `cut` (pasted pieces), `light` (light revision), `heavy` (rewritten) and
`non` (own knowledge, without the article). Every answer is compared with its task's
article (`dedup.compare`), and each score below ranks the answers; the AUC says how well it
separates plagiarised (cut, light, heavy) from non-plagiarised answers, and the hardest
class, heavy revisions, from non-plagiarised ones. The baseline is computed in the same run:
word-trigram containment of the answer in the article (share of the answer's distinct word
trigrams that occur in the article), the standard score for this corpus.

Scores:
- `coverage`: share of the answer's characters inside reported passages (counted once).
- `reused`: the answer's reused fraction as the report states it (`documents[].reused`).
- `containment`: the pair's containment of the answer in the source, from the report's
  `pairs` (word 5-gram shingles, as Jaccard).
- `sentences`: the pair's sentence containment of the answer in the source (`pairs[]
  .sentence_containment_*`): each answer sentence scores the larger of its share inside
  passages of aligned words and the share of its content words one source sentence (or two
  adjacent ones) holds; their mean weighted by length.
- `trigram`: the baseline.

    .venv/bin/python benchmarks/short_answers.py [--data DIR] [--per-class]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

from dedup import DedupConfig, Document, PassageConfig, compare
from dedup.normalize import split_words
from dedup.report import Report

DATA = Path("/work/shared/data/short-answers")
PLAGIARISED = ("cut", "light", "heavy")


def read_text(path: Path) -> str:
    """UTF-8, or cp1252 for the few files stored that way."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def trigram_containment(answer: str, source: str) -> float:
    """Share of the answer's distinct word trigrams that occur in the source."""

    def grams(text: str) -> set[tuple[str, ...]]:
        words = split_words(text).words
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    mine = grams(answer)
    return len(mine & grams(source)) / len(mine) if mine else 0.0


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a positive outscores a negative (ties count one half)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


def answer_scores(report: Report, answer_id: str, answer: str) -> dict[str, float]:
    """The report's scores of one answer against its source."""
    spans = sorted(
        (span.start, span.end)
        for p in report.passages
        for span in (p.a, p.b)
        if span.doc == answer_id
    )
    covered, reach = 0, 0
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            covered, reach = covered + end - start, end
    doc = next(d for d in report.documents if d.id == answer_id)
    (pair,) = report.pairs
    mine = "b" if pair.b == answer_id else "a"
    return {
        "coverage": covered / len(answer),
        "reused": doc.reused,
        "containment": getattr(pair, f"containment_{mine}") or 0.0,
        "sentences": getattr(pair, f"sentence_containment_{mine}") or 0.0,
    }


def main() -> None:
    """Print AUCs of every score side by side with the trigram baseline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--per-class", action="store_true", help="mean score per class")
    parser.add_argument("--no-sentences", action="store_true", help="aligned words only")
    parser.add_argument(
        "--sentence-overlap", type=float, default=PassageConfig().min_sentence_overlap
    )
    parser.add_argument("--sentence-words", type=int, default=PassageConfig().min_sentence_words)
    args = parser.parse_args()
    config = DedupConfig(
        passage=PassageConfig(
            sentences=not args.no_sentences,
            min_sentence_overlap=args.sentence_overlap,
            min_sentence_words=args.sentence_words,
        )
    )
    with (args.data / "file_information.csv").open(encoding="utf-8") as fp:
        labels = [r for r in csv.DictReader(fp) if r["Category"] != "orig"]
    sources = {
        t: read_text(args.data / f"orig_task{t}.txt") for t in sorted({r["Task"] for r in labels})
    }
    rows: list[tuple[str, dict[str, float]]] = []
    began = time.perf_counter()
    for row in labels:
        answer = read_text(args.data / row["File"])
        report = compare(
            Document(f"orig_task{row['Task']}", sources[row["Task"]]),
            Document(row["File"], answer),
            config,
        )
        scores = answer_scores(report, row["File"], answer)
        scores["trigram"] = trigram_containment(answer, sources[row["Task"]])
        rows.append((row["Category"], scores))
    seconds = time.perf_counter() - began
    names = list(rows[0][1])

    def by(keep: Callable[[str], bool], name: str) -> list[float]:
        return [s[name] for c, s in rows if keep(c)]

    print(f"{len(rows)} answers, {seconds:.1f} s; AUC (1.0: every positive above every negative)")
    print(f"{'score':<12} {'plagiarised-vs-non':>19} {'heavy-vs-non':>13}")
    for name in names:
        plag = auc(by(lambda c: c in PLAGIARISED, name), by(lambda c: c == "non", name))
        heavy = auc(by(lambda c: c == "heavy", name), by(lambda c: c == "non", name))
        print(f"{name:<12} {plag:>19.3f} {heavy:>13.3f}")
    if args.per_class:
        print(f"{'mean':<12} " + " ".join(f"{c:>7}" for c in (*PLAGIARISED, "non")))
        for name in names:
            means = [by(lambda c, k=k: c == k, name) for k in (*PLAGIARISED, "non")]
            print(f"{name:<12} " + " ".join(f"{sum(m) / len(m):>7.3f}" for m in means))


if __name__ == "__main__":
    main()
