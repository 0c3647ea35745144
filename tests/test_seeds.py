"""Acceptance on the motivating example: the seed files' shared press-release passages."""

from __future__ import annotations

import pytest

from dedup import Document, compare


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Characters of [start, end) covered by the union of `spans`."""
    hit = [False] * (end - start)
    for s, e in spans:
        for i in range(max(s, start), min(e, end)):
            hit[i - start] = True
    return sum(hit)


@pytest.fixture(scope="module")
def seed_report(seed_texts):
    a = Document("000", seed_texts["000"], "000")
    b = Document("004", seed_texts["004"], "004")
    return compare(a, b)


@pytest.mark.parametrize("gold_id", ["P1", "P2", "P3"])
def test_gold_passage_is_covered_on_both_sides(seed_report, expected, gold_id):
    gold = next(p for p in expected["reused_passages"] if p["id"] == gold_id)
    for side in ("a", "b"):
        doc = gold[side]["doc"]
        start, end = gold[side]["span"]
        spans = [
            (span.start, span.end)
            for p in seed_report.passages
            for span in (p.a, p.b)
            if span.doc == doc
        ]
        coverage = _covered(spans, start, end) / (end - start)
        assert coverage >= 0.8, f"{gold_id} side {side}: coverage {coverage:.2f}"


def test_reported_reuse_lies_inside_gold(seed_report, expected):
    gold: dict[str, list[tuple[int, int]]] = {}
    for p in expected["reused_passages"]:
        for side in ("a", "b"):
            gold.setdefault(p[side]["doc"], []).append(tuple(p[side]["span"]))
    reported = inside = 0
    for p in seed_report.passages:
        for span in (p.a, p.b):
            reported += span.end - span.start
            inside += sum(_covered([g], span.start, span.end) for g in gold[span.doc])
    assert reported > 0
    assert inside / reported >= 0.8


def test_seeds_are_not_near_duplicates(seed_report):
    (pair,) = seed_report.pairs
    assert pair.jaccard < 0.2
    assert not pair.near_duplicate
    assert seed_report.duplicates == ()


def test_every_span_reproduces_its_text(seed_report, seed_texts):
    for p in seed_report.passages:
        for span in (p.a, p.b):
            assert seed_texts[span.doc][span.start : span.end] == span.text
        assert 0.0 <= p.similarity <= 1.0
