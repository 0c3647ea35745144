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

Then each score grades the answers three ways, as the journalistic-reuse corpora grade
articles (wholly / partially / non-derived; here cut / light or heavy / non), with two cuts
fitted on four tasks and applied to the fifth (leave one task out), and the macro-F1 of the
three grades is printed beside the baseline's. A score may decide "derived or not" and
another "wholly or partially".

    .venv/bin/python benchmarks/short_answers.py [--data DIR] [--per-class]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from dedup import DedupConfig, Document, PassageConfig, compare
from dedup.normalize import split_words
from dedup.report import DERIVED_CUT, GRADES, WHOLLY_CUT, Report

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
    grade = pair.grade_b if mine == "b" else pair.grade_a
    return {
        "grade": GRADES.index(grade) if grade is not None else -1.0,
        "coverage": covered / len(answer),
        "reused": doc.reused,
        "containment": getattr(pair, f"containment_{mine}") or 0.0,
        "sentences": getattr(pair, f"sentence_containment_{mine}") or 0.0,
    }


GRADE = {"cut": "wholly", "light": "partially", "heavy": "partially", "non": "non"}


def macro_f1(gold: list[str], guess: list[str]) -> float:
    """Mean over the three grades of F1 (a grade never guessed nor present scores 0)."""
    f1s = []
    for grade in GRADES:
        hit = sum(g == grade == p for g, p in zip(gold, guess, strict=True))
        said, true = guess.count(grade), gold.count(grade)
        f1s.append(2 * hit / (said + true) if said + true else 0.0)
    return sum(f1s) / len(f1s)


def grade(derived: float, whole: float, cuts: tuple[float, float]) -> str:
    """non below the first cut of the `derived` score, wholly at or above the second cut of
    the `whole` score, partially between."""
    if derived < cuts[0]:
        return "non"
    return "wholly" if whole >= cuts[1] else "partially"


def fitted_cuts(rows: list[tuple[str, float, float]]) -> tuple[float, float]:
    """The two cuts with the best macro-F1 on `rows` (grade, derived score, whole score);
    candidates are midpoints between observed values, ties to the lower cuts."""

    def candidates(values: list[float]) -> list[float]:
        v = sorted(set(values))
        return [0.0, *((a + b) / 2 for a, b in pairwise(v)), 1.01]

    gold = [g for g, _, _ in rows]
    best, cuts = -1.0, (0.0, 0.0)
    for low in candidates([d for _, d, _ in rows]):
        for high in candidates([w for _, _, w in rows]):
            f1 = macro_f1(gold, [grade(d, w, (low, high)) for _, d, w in rows])
            if f1 > best:
                best, cuts = f1, (low, high)
    return cuts


def derived_f1(gold: list[str], guess: list[str]) -> float:
    """F1 of "derived" (wholly or partially) against non-derived."""
    hit = sum(g != "non" and p != "non" for g, p in zip(gold, guess, strict=True))
    said = sum(p != "non" for p in guess)
    true = sum(g != "non" for g in gold)
    return 2 * hit / (said + true) if said + true else 0.0


def graded(
    rows: list[tuple[str, str, dict[str, float]]], derived: str, whole: str
) -> tuple[float, float]:
    """Three-way macro-F1 and derived-vs-not F1 of grading by two scores, the cuts fitted
    leaving one task out (each answer is graded by cuts fitted on the other four tasks)."""
    gold, guess = [], []
    for task in sorted({t for t, _, _ in rows}):
        train = [(GRADE[c], s[derived], s[whole]) for t, c, s in rows if t != task]
        cuts = fitted_cuts(train)
        for t, c, s in rows:
            if t == task:
                gold.append(GRADE[c])
                guess.append(grade(s[derived], s[whole], cuts))
    return macro_f1(gold, guess), derived_f1(gold, guess)


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
    tasks: list[str] = []
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
        tasks.append(row["Task"])
    seconds = time.perf_counter() - began
    grades = [GRADES[int(s.pop("grade"))] for _, s in rows]
    names = list(rows[0][1])

    def by(keep: Callable[[str], bool], name: str) -> list[float]:
        return [s[name] for c, s in rows if keep(c)]

    print(f"{len(rows)} answers, {seconds:.1f} s; AUC (1.0: every positive above every negative)")
    print(f"{'score':<12} {'plagiarised-vs-non':>19} {'heavy-vs-non':>13}")
    for name in names:
        plag = auc(by(lambda c: c in PLAGIARISED, name), by(lambda c: c == "non", name))
        heavy = auc(by(lambda c: c == "heavy", name), by(lambda c: c == "non", name))
        print(f"{name:<12} {plag:>19.3f} {heavy:>13.3f}")
    by_task = [(t, c, s) for t, (c, s) in zip(tasks, rows, strict=True)]
    print("\nthree grades (wholly: cut; partially: light, heavy; non), cuts fitted leaving one")
    print("task out; derived-vs-not F1 from the same grading")
    print(f"{'derived by':<12} {'wholly by':<12} {'macro-F1':>8} {'derived F1':>10}")
    pairs = [(name, name) for name in names] + [
        ("sentences", "containment"),
        ("sentences", "coverage"),
        ("sentences", "trigram"),
    ]
    for derived, whole in pairs:
        three, two = graded(by_task, derived, whole)
        print(f"{derived:<12} {whole:<12} {three:>8.3f} {two:>10.3f}")
    gold = [GRADE[c] for c, _ in rows]
    print(
        f"the report's grade_a/grade_b (cuts {DERIVED_CUT}, {WHOLLY_CUT} fitted on all five "
        f"tasks, so in-sample): macro-F1 {macro_f1(gold, grades):.3f}, "
        f"derived F1 {derived_f1(gold, grades):.3f}"
    )
    if args.per_class:
        print(f"{'mean':<12} " + " ".join(f"{c:>7}" for c in (*PLAGIARISED, "non")))
        for name in names:
            means = [by(lambda c, k=k: c == k, name) for k in (*PLAGIARISED, "non")]
            print(f"{name:<12} " + " ".join(f"{sum(m) / len(m):>7.3f}" for m in means))


if __name__ == "__main__":
    main()
