"""Passage reuse: span contract, verification, determinism, no passages in unrelated texts."""

from __future__ import annotations

import argparse
import collections
import decimal
import itertools
import json
import random
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from dedup import Document, compare, find_passages, scan
from dedup.cli import cli
from dedup.config import DedupConfig, PassageConfig
from dedup.errors import ConfigError
from dedup.normalize import split_words
from dedup.passages import find_passages_against, find_reuse
from dedup.render import render_report
from dedup.report import _covered, boilerplate_spans
from dedup.verify import set_overlap

REAL_TEXTS = [module.__doc__ or "" for module in (json, argparse, textwrap, collections, decimal)]

_rng = random.Random(7)
VOCAB = sorted(
    {
        "".join(_rng.choice("bcdfghjklmnprstvz") + _rng.choice("aeiou") for _ in range(3))
        for _ in range(3000)
    }
)
words = st.lists(st.sampled_from(VOCAB), min_size=0, max_size=120, unique=True)


def _norm(text: str) -> str:
    return " ".join(split_words(text).words)


def _check_contract(docs: list[Document], passages) -> None:
    by_id = {d.id: d for d in docs}
    for p in passages:
        for span in (p.a, p.b):
            assert 0 <= span.start < span.end <= by_id[span.doc].chars
            assert by_id[span.doc].text[span.start : span.end] == span.text
        assert p.similarity == round(fuzz.ratio(_norm(p.a.text), _norm(p.b.text)) / 100, 4)
        if p.overlap is None:  # aligned words
            assert p.kind == ("verbatim" if p.similarity == 1.0 else "edited")
            assert p.similarity >= 0.6
            assert p.words >= 8
        else:  # paired sentences
            assert p.kind == ("verbatim" if p.similarity == 1.0 else "rewritten")
            assert p.overlap >= PassageConfig().min_sentence_overlap
            assert p.words >= PassageConfig().min_sentence_words


@pytest.mark.parametrize("i", range(len(REAL_TEXTS)))
def test_unrelated_real_texts_share_no_passage(i, seed_texts):
    docs = [
        Document("x", REAL_TEXTS[i]),
        Document("y", REAL_TEXTS[(i + 1) % len(REAL_TEXTS)]),
        Document("seed", seed_texts["004"]),
    ]
    assert find_passages(docs) == []


def _sample(seed: int, *sizes: int) -> list[list[str]]:
    """Distinct random words from VOCAB, cut into lists of the given sizes."""
    drawn = random.Random(seed).sample(VOCAB, sum(sizes))
    out, at = [], 0
    for size in sizes:
        out.append(drawn[at : at + size])
        at += size
    return out


@settings(max_examples=40, deadline=None)
@given(seed_a=st.integers(0, 2**32), seed_b=st.integers(0, 2**32), n=st.integers(0, 150))
def test_unrelated_random_texts_share_no_passage(seed_a, seed_b, n):
    if seed_a == seed_b:
        return
    (a,), (b,) = _sample(seed_a, n), _sample(seed_b, n)
    assert find_passages([Document("a", " ".join(a)), Document("b", " ".join(b))]) == []


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    sizes=st.tuples(
        st.integers(0, 80), st.integers(12, 60), st.integers(0, 80), st.integers(0, 80)
    ),
)
def test_inserted_passage_is_found_and_spans_hold(seed, sizes):
    prefix, shared, suffix, other = _sample(seed, *sizes)
    shared_text = " ".join(shared)
    a = Document("a", " ".join(prefix) + ". " + shared_text.capitalize() + ". " + " ".join(suffix))
    b = Document("b", " ".join(other) + "\n" + shared_text.upper() + "!\n")
    passages = find_passages([a, b])
    _check_contract([a, b], passages)
    assert [_norm(p.b.text) for p in passages] == [shared_text]
    # Where the test put the passage, with its closing mark ('.' in a, '!' in b):
    at_a, at_b = len(" ".join(prefix)) + 2, len(" ".join(other)) + 1
    (p,) = passages
    assert (p.a.start, p.a.end) == (at_a, at_a + len(shared_text) + 1)
    assert (p.b.start, p.b.end) == (at_b, at_b + len(shared_text) + 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(words.map(" ".join), min_size=2, max_size=5))
def test_same_input_gives_same_report(texts):
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    docs.append(Document("copy", texts[0]))
    first, second = scan(docs).to_dict(), scan(list(docs)).to_dict()
    assert first == second
    _check_contract(docs, scan(docs).passages)


def test_edited_copy_is_one_passage_with_exact_spans(seed_texts):
    text = seed_texts["000"]
    edited = text.replace("Monday", "Tuesday").replace("\n\n", "\n").upper()
    report = compare(Document("orig", text), Document("copy", edited))
    assert report.pairs[0].jaccard < 1.0
    # One passage, from the first to the last non-space character of each text.
    (p,) = report.passages
    for span, whole in ((p.a, text), (p.b, edited)):
        assert (span.start, span.end) == (len(whole) - len(whole.lstrip()), len(whole.rstrip()))
    _check_contract([Document("orig", text), Document("copy", edited)], report.passages)


CLAUSE_A = Document(
    "a",
    "The talks would be the second round after the first round was held in "
    "Pakistan in January 2021, it said in a statement.",
)
CLAUSE_B = Document(
    "b",
    "Talks resumed. The first round of the dialogue was held in Pakistan in "
    "January 2021. Nothing else.",
)


def test_short_reused_clause_is_found():
    a, b = CLAUSE_A, CLAUSE_B
    (p,) = find_passages([a, b])
    assert p.b.text == "The first round of the dialogue was held in Pakistan in January 2021."
    assert p.a.text.startswith("the first round was held")


def test_workers_give_the_same_passages_as_one_process(seed_texts):
    # More document pairs than one alignment batch, so the pool really splits the work.
    rng = random.Random(3)
    docs = []
    for i in range(60):
        base = seed_texts["000"] if i % 2 else seed_texts["004"]
        words = base.split(" ")
        for _ in range(5):
            words[rng.randrange(len(words))] = "edited"
        intro = REAL_TEXTS[i % len(REAL_TEXTS)][:400]
        docs.append(Document(f"d{i}", intro + " " + " ".join(words)))
    every = DedupConfig(passage=PassageConfig(max_partners=0))
    one = find_passages(docs, every, jobs=1)
    assert len({(p.a.doc, p.b.doc) for p in one}) > 512
    assert find_passages(docs, every, jobs=2) == one
    _check_contract(docs, one)


def test_window_estimate_gate_decides_which_candidates_are_aligned():
    # The short clause shares only a few window shingles: above the default gate (0.25),
    # below a strict one, so the gate is what keeps chance phrase matches out.
    a, b = CLAUSE_A, CLAUSE_B
    assert len(find_passages([a, b])) == 1
    strict = DedupConfig(passage=PassageConfig(min_window_estimate=0.9))
    assert find_passages([a, b], strict) == []
    with pytest.raises(ConfigError, match="min_window_estimate"):
        PassageConfig(min_window_estimate=1.5)


def test_cli_scan_report_is_byte_identical_for_any_jobs(tmp_path, seed_texts):
    # Enough documents that preparation, the band join, alignment and boilerplate all
    # split into several worker tasks.
    rng = random.Random(5)
    pool = " ".join([*REAL_TEXTS, seed_texts["000"], seed_texts["004"]]).split()
    rows = []
    for i in range(300):
        at = rng.randrange(len(pool) - 200)
        body = " ".join(pool[at : at + rng.randint(60, 200)])
        rows.append({"id": f"r{i}", "text": body + "\nShare this article\nLeave a Comment"})
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report{jobs}.json"
        args = ["scan", str(path), "--id-field", "id", "--format", "json", "-o", str(out)]
        result = CliRunner().invoke(cli, [*args, "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    report = json.loads(outputs[0])
    assert len(report["passages"]) > 100
    assert report["boilerplate"]


def test_two_copies_of_a_long_text_are_one_whole_passage(seed_texts):
    # Mirrors and re-scrapes: the whole text, without an alignment whose cost grows with
    # the square of the length (two copies of a 2 MB licence file took many minutes).
    text = "\n".join([seed_texts["000"]] * 40)
    copy = text.upper()  # the same words once normalized
    (p,) = find_passages([Document("a", text), Document("b", copy)])
    first = next(i for i, c in enumerate(text) if c.isalnum())
    assert (p.a.start, p.b.start, p.similarity) == (first, first, 1.0)
    assert p.a.end == p.b.end == len(text.rstrip())
    assert p.words == len(split_words(text).words)
    _check_contract([Document("a", text), Document("b", copy)], [p])


def test_passages_against_sources_are_those_found_pair_by_pair() -> None:
    # Twelve sources share one sentence (more than a scan's bucket cap of 8), three quote
    # their own text, and the document reuses the shared sentence and two of the quotes.
    rng = random.Random(5)
    shared = " ".join(rng.choice(VOCAB) for _ in range(20)) + "."
    own = [" ".join(rng.choice(VOCAB) for _ in range(60)) + "." for _ in range(12)]
    sources = [Document(f"s{i}", f"{own[i]}\n{shared}\n") for i in range(12)]
    doc = Document("d", f"{shared} {own[3][:200]} and then {own[9][100:300]}")
    expected = [p for s in sources for p in find_passages([s, doc])]
    assert find_passages_against(sources, doc) == expected
    assert {p.a.doc for p in expected} == {f"s{i}" for i in range(12)}
    assert all(p.b.doc == "d" for p in expected)


def test_passages_per_pair_are_capped_longest_first_and_the_rest_counted(seed_texts):
    docs = [Document("000", seed_texts["000"]), Document("004", seed_texts["004"])]
    every = scan(docs, DedupConfig(find_boilerplate=False))
    assert len(every.passages) == 3
    assert every.counts["passages_left_out"] == 0
    capped = scan(docs, DedupConfig(find_boilerplate=False, passage=PassageConfig(max_per_pair=2)))
    assert capped.counts["passages_left_out"] == 1
    longest = sorted(every.passages, key=lambda p: -p.words)[:2]
    assert set(capped.passages) == set(longest)


def test_cli_max_passages_per_pair(seed_paths):
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            *map(str, seed_paths.values()),
            "--format",
            "json",
            "-q",
            "--max-passages-per-pair",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["passages"]) == 1
    assert report["counts"]["passages_left_out"] == 2
    bad = CliRunner().invoke(
        cli, ["scan", *map(str, seed_paths.values()), "--max-passages-per-pair", "-1"]
    )
    assert bad.exit_code == 2


# --------------------------------------------------------------------- bounds


def _wire_corpus(seed_texts: dict[str, str], copies: int) -> list[Document]:
    """A wire story (the seed's press-release paragraph) in `copies` otherwise different
    documents: each pair shares the story, none is a near-duplicate of another."""
    story = seed_texts["004"][:306]
    return [
        Document(f"site{k}", " ".join(random.Random(k).sample(VOCAB, 50)) + ".\n" + story)
        for k in range(copies)
    ]


def test_partner_cap_aligns_each_documents_strongest_partners_and_counts_the_rest(seed_texts):
    docs = _wire_corpus(seed_texts, 6)
    every = scan(docs, DedupConfig(passage=PassageConfig(max_partners=0)))
    assert len({(p.a.doc, p.b.doc) for p in every.passages}) == 15  # 6 choose 2
    assert every.counts["pairs_left_out"] == 0
    capped = scan(docs, DedupConfig(passage=PassageConfig(max_partners=1)))
    pairs = {(p.a.doc, p.b.doc) for p in capped.passages}
    assert len(pairs) <= 6
    assert capped.counts["pairs_left_out"] == 15 - len(pairs)
    assert capped.counts["pairs_left_out_members"] == 0  # no near-duplicates: all the cap's
    # Every document keeps a source, and its reuse is the same story: the cap loses no copy.
    assert {d for pair in pairs for d in pair} == {d.id for d in docs}
    assert [d.reused for d in capped.documents] == [d.reused for d in every.documents]


def test_a_cluster_member_shares_its_representatives_text_with_it_alone(seed_texts):
    docs = _wire_corpus(seed_texts, 4)
    docs.append(Document("site0-copy", docs[0].text + " Copy."))
    report = scan(docs, DedupConfig(passage=PassageConfig(max_partners=0)))
    (cluster,) = report.duplicates
    assert (cluster.representative, [m.id for m in cluster.members]) == ("site0", ["site0-copy"])
    pairs = {(p.a.doc, p.b.doc) for p in report.passages}
    assert {pair for pair in pairs if "site0-copy" in pair} == {("site0", "site0-copy")}
    assert len(pairs) == 6 + 1  # the four sites with each other, and the copy
    # The copy's windows join only the representative's: its pairs with site1, site2 and
    # site3 are no candidates, so none is counted as left out.
    assert report.counts["pairs_left_out"] == 0
    copy = next(d for d in report.documents if d.id == "site0-copy")
    assert (copy.main_source, copy.reused) == ("site0", 1.0)


ADDED = (
    "The daemon rereads its configuration file when it receives SIGHUP, and every option "
    "given on the command line overrides the value of the same name in that file. Options "
    "that take a size accept the suffixes k, M and G, for kibibytes, mebibytes and gibibytes, "
    "and a value of zero turns the corresponding limit off altogether."
)


def _copy_adding(base: str, third: str) -> list[Document]:
    """a (`base`), its copy b that adds the paragraph ADDED, and c (`third`)."""
    return [Document("a", base), Document("b", base + "\n" + ADDED + "\n"), Document("c", third)]


def test_text_a_copy_adds_is_still_found_in_other_documents(seed_texts):
    # The new-user trial's case: b is a's copy plus a paragraph that c holds word for word.
    # The cluster's representative a stands for b's shared text, not for what b adds.
    docs = _copy_adding(seed_texts["004"], _GRADED_TEXT + "\n" + ADDED + "\n")
    # ADDED follows the seed's "Leave a Comment", where the tail cut takes it as furniture
    # (a comment): passages of boilerplate are asked for, so the cluster alone is tested.
    config = DedupConfig(passage=PassageConfig(boilerplate=True))
    report = scan(docs, config)
    (cluster,) = report.duplicates
    assert (cluster.representative, [m.id for m in cluster.members]) == ("a", ["b"])
    found = [p for p in report.passages if {p.a.doc, p.b.doc} == {"b", "c"}]
    assert len(found) == 1
    (passage,) = found
    b_span = passage.a if passage.a.doc == "b" else passage.b
    assert ADDED in b_span.text
    assert docs[1].text.index(ADDED) >= b_span.start
    assert not [p for p in report.passages if {p.a.doc, p.b.doc} == {"a", "c"}]
    other = next(d for d in report.documents if d.id == "c")
    assert other.reused > 0
    assert other.main_source == "b"


def test_two_copies_sharing_what_their_representative_lacks_are_counted_apart(seed_texts):
    # b and c are copies of a that both added one paragraph: their pair is a candidate on
    # that paragraph, never aligned (the cluster says they are copies), and counted as the
    # cluster's, not as the partner cap's (a new-user trial could not tell the two apart).
    base = seed_texts["004"]
    docs = _copy_adding(base, base + "\n" + ADDED + " Copy.\n")
    report = scan(docs, DedupConfig(passage=PassageConfig(max_partners=0)))
    (cluster,) = report.duplicates
    assert (cluster.representative, [m.id for m in cluster.members]) == ("a", ["b", "c"])
    assert {(p.a.doc, p.b.doc) for p in report.passages} == {("a", "b"), ("a", "c")}
    assert report.counts["pairs_left_out"] == report.counts["pairs_left_out_members"] == 1
    summary = render_report(report).splitlines()[0]
    said = "1 candidate pair not aligned (1 between copies of one near-duplicate cluster)"
    assert said in summary
    assert "--max-partners" not in summary


def test_near_duplicates_are_aligned_with_their_representative_only(seed_texts):
    text = seed_texts["004"]
    docs = [Document("a", text), Document("b", text + " Copy."), Document("c", text + " Also.")]
    report = scan(docs)
    (cluster,) = report.duplicates
    assert cluster.representative == "a"
    assert {(p.a.doc, p.b.doc) for p in report.passages} == {("a", "b"), ("a", "c")}
    assert report.counts["pairs_left_out"] == 0  # b-c: no candidate, the cluster says it
    # Every character of each copy is reused, or boilerplate (the seed's teasers and
    # "Leave a Comment": boilerplate is not reuse).
    fence = boilerplate_spans(report.boilerplate, ["a", "b", "c"])
    assert all(d.reused_chars + _covered(fence[d.id]) == d.chars for d in report.documents)
    # compare shows two copies side by side all the same
    assert compare(docs[1], docs[2]).passages


def test_per_document_cap_bounds_the_report_not_the_reuse(seed_texts):
    docs = _wire_corpus(seed_texts, 5)
    full = scan(docs)
    capped = scan(docs, DedupConfig(passage=PassageConfig(max_per_doc=1)))
    seen = collections.Counter(d for p in capped.passages for d in (p.a.doc, p.b.doc))
    # Each document keeps a passage with its main source, past the cap only by those of
    # the documents whose main source it is (site0, the source of the other four).
    named = collections.Counter(d.main_source for d in capped.documents if d.main_source)
    assert {d: seen[d] for d in seen} == {d: max(1, named[d]) for d in seen}
    shown = {frozenset((p.a.doc, p.b.doc)) for p in capped.passages}
    assert all(frozenset((d.id, d.main_source)) in shown for d in capped.documents)
    left = capped.counts["passages_left_out"]
    assert left == len(full.passages) - len(capped.passages) > 0
    assert capped.documents == full.documents  # reused share and main source count them all


def test_cap_options_reach_the_scan(seed_texts, tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _wire_corpus(seed_texts, 6)
        )
    )
    args = ["scan", str(path), "--id-field", "id", "--format", "json", "-q", "--no-boilerplate"]
    result = CliRunner().invoke(cli, [*args, "--max-partners", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["pairs_left_out"] > 0
    assert report["config"]["passage"]["max_partners"] == 1
    result = CliRunner().invoke(cli, [*args, "--max-passages-per-doc", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["passages_left_out"] > 0
    assert report["config"]["passage"]["max_per_doc"] == 1
    bad = CliRunner().invoke(cli, [*args, "--max-partners", "-1"])
    assert bad.exit_code == 2


def test_many_overlapping_matches_are_thinned_the_same_way_in_either_path(monkeypatch):
    from dedup import passages
    from dedup.align import WordMatch

    rng = random.Random(5)
    for _ in range(50):
        matches = []
        for _ in range(rng.randrange(1, 120)):
            a, b, n = rng.randrange(300), rng.randrange(300), rng.randrange(1, 40)
            matches.append(WordMatch(a, a + n, b, b + n, rng.randrange(1, n + 1)))
        monkeypatch.setattr(passages, "_MANY_MATCHES", 10_000)
        loop = passages._drop_overlaps(list(matches))
        monkeypatch.setattr(passages, "_MANY_MATCHES", 0)
        assert passages._drop_overlaps(list(matches)) == loop


def test_adjacent_passages_are_one_region():
    """A sentence copied verbatim and the next one reworded, with nothing between them on
    either side, are one passage (aligned words stop at the sentence break, sentence pairing
    takes the reworded one), spanning both sentences on both sides."""
    s1 = "Officials from the foreign ministry will lead the delegation to Geneva next week."
    s2 = "The talks are expected to cover trade tariffs, fishing quotas and border crossings."
    s3 = "A final agreement is not expected before the summer recess of parliament."
    reworded = "Trade tariffs, fishing quotas and border crossings are expected on the agenda."
    prefix, suffix = "The harbour works close the bay for a month. ", " Ferries run from the pier."
    source, copy = f"{s1} {s2} {s3}", f"{prefix}{s1} {reworded}{suffix}"
    (passage,) = compare(Document("src", source), Document("copy", copy)).passages
    assert (passage.a.start, passage.a.end) == (0, len(s1) + 1 + len(s2))
    assert (passage.b.start, passage.b.end) == (len(prefix), len(copy) - len(suffix))
    assert passage.kind == "rewritten"  # one part was matched by its content words only
    assert 0.6 < passage.similarity < 1.0


# --- Holes found by mutation testing (benchmarks/mutation.py passages) --------------------

# (side a, side b, equal words); the budget takes them by words: p0 30, p2 25, p1 20, p4 15,
# p3 10, p5 5, p6 3. Listed here in another order, to show the order does not matter.
_CAPPED = {
    "p3": ("a", "d", 10),
    "p6": ("e", "b", 3),
    "p0": ("a", "b", 30),
    "p5": ("b", "d", 5),
    "p2": ("b", "c", 25),
    "p4": ("c", "d", 15),
    "p1": ("a", "c", 20),
}


@pytest.mark.parametrize(
    ("budget", "kept"),
    [
        # 1: p0 takes a and b; p2, p1, p3, p5 and p6 each touch a or b; p4 takes c and d.
        (1, {"p0", "p4"}),
        # 2: p0 (a1 b1), p2 (b2 c1), p1 (a2 c2); every later one touches a, b or c at 2
        # (p6 too: e is free, but its other side b is full).
        (2, {"p0", "p2", "p1"}),
        # 3: p0, p2, p1, p4 (c3 d1), p3 (a3 d2), p5 (b3 d3); p6 finds b at 3.
        (3, {"p0", "p2", "p1", "p4", "p3", "p5"}),
        (4, set(_CAPPED)),  # no document reaches 4
        (0, set(_CAPPED)),  # 0: no cap
    ],
)
def test_every_per_document_budget_keeps_the_longest_passages_it_can(budget, kept):
    from dedup.passages import capped_positions
    from dedup.report import PassageMatch, Span

    passages = [
        PassageMatch(Span(a, 0, 9, name), Span(b, 0, 9, name), 1.0, words)
        for name, (a, b, words) in _CAPPED.items()
    ]
    got = [passages[k] for k in capped_positions(passages, budget)]
    assert [p.a.text for p in got] == [name for name in _CAPPED if name in kept]  # input order


def test_of_two_overlapping_alignments_the_one_with_more_equal_words_stays():
    from dedup.align import WordMatch
    from dedup.passages import _drop_overlaps

    # long and short overlap on both sides (words 10-20 of a, 5-15 of b); apart does not.
    long, short = WordMatch(0, 30, 0, 30, 28), WordMatch(10, 20, 5, 15, 9)
    apart = WordMatch(40, 50, 40, 50, 10)
    assert _drop_overlaps([short, apart, long]) == [long, apart]


@pytest.mark.parametrize(
    ("pairs", "regions"),
    [
        # span 5: a window pair at (0, 0) makes the region [0, 5) x [0, 5); a later pair
        # joins it when it starts at most 5 words past the region's end on both sides ...
        ([(0, 0), (10, 10)], [[0, 15, 0, 15]]),
        ([(0, 0), (11, 11)], [[0, 5, 0, 5], [11, 16, 11, 16]]),
        ([(0, 0), (10, 11)], [[0, 5, 0, 5], [10, 15, 11, 16]]),
        # ... and, on side b (not sorted), at most 2 x 5 words before the region's start.
        ([(0, 100), (5, 90)], [[0, 10, 90, 105]]),
        ([(0, 100), (5, 89)], [[0, 5, 100, 105], [5, 10, 89, 94]]),
    ],
)
def test_window_pairs_merge_into_a_region_up_to_exactly_span_words_apart(pairs, regions):
    from dedup.passages import _regions

    assert _regions(pairs, 5, fast=True) == regions
    assert _regions(pairs, 5, fast=False) == regions


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=40),
    span=st.integers(1, 12),
)
def test_compiled_regions_equal_the_python_reference(pairs, span):
    from dedup.passages import _regions

    assert _regions(pairs, span, fast=True) == _regions(pairs, span, fast=False)


def test_characters_inside_spans_match_a_count_per_character():
    """`_inside` (sums over sorted span edges) equals counting span characters one by one."""
    from dedup.passages import _inside

    rng = np.random.default_rng(7)
    for _ in range(200):
        s = rng.integers(0, 60, size=rng.integers(0, 6))
        e = s + rng.integers(0, 20, size=len(s))
        x = np.sort(rng.integers(0, 90, size=8))
        slow = [
            sum(max(0, min(int(xi), int(b)) - int(a)) for a, b in zip(s, e, strict=True))
            for xi in x
        ]
        assert _inside(s, e, x).tolist() == slow


def _prepared(*texts: str):
    from dedup.normalize import load_tables
    from dedup.prepare import prepare_range

    load_tables()
    docs = [Document(f"d{i}", text) for i, text in enumerate(texts)]
    return prepare_range(docs, range(len(docs)), config=DedupConfig()).unpack()


def _words_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word, straight from split_words (the reference layout)."""
    w = split_words(text)
    return list(zip(w.starts.tolist(), w.ends.tolist(), strict=True))


_GRADED_TEXT = (
    "Officials from the ministry will lead the delegation. It leaves on Monday. "
    "The talks cover trade tariffs, fishing quotas and border crossings! "
    "Nobody expects an agreement before summer. Ferries run."
)


def test_mostly_inside_is_half_or_more_of_the_characters_inside_the_spans():
    from dedup.passages import _mostly_inside

    # [10, 20): 5 of 10 characters inside is half (True), 4 is not.
    assert _mostly_inside(10, 20, [(0, 15)])
    assert not _mostly_inside(10, 20, [(0, 14)])
    assert _mostly_inside(10, 20, [(10, 12), (17, 20)])  # 2 + 3 from two spans
    assert not _mostly_inside(10, 20, [(0, 10), (20, 30)])  # touching is not inside
    rng = random.Random(3)
    for _ in range(300):
        start = rng.randrange(50)
        end = start + rng.randrange(1, 30)
        cuts = sorted(rng.sample(range(80), 2 * rng.randrange(4)))
        spans = list(zip(cuts[::2], cuts[1::2], strict=True))
        covered = {c for s, e in spans for c in range(s, e)} & set(range(start, end))
        assert _mostly_inside(start, end, spans) == (2 * len(covered) >= end - start)


def test_breaks_in_are_the_sentence_starts_of_a_word_range_relative_to_its_start():
    from dedup.passages import _breaks_in

    assert _breaks_in([0, 4, 9, 15], 4, 15) == [0, 5]  # 4 in (the range's start), 15 not
    rng = random.Random(4)
    for _ in range(300):
        breaks = sorted(rng.sample(range(60), rng.randrange(10)))
        lo = rng.randrange(60)
        hi = lo + rng.randrange(30)
        assert _breaks_in(breaks, lo, hi) == [k - lo for k in breaks if lo <= k < hi]


def test_word_ranges_and_next_to_agree_with_the_words_of_the_text():
    from dedup.passages import _next_to, _word_ranges

    (prep,) = _prepared(_GRADED_TEXT)
    words = _words_of(_GRADED_TEXT)
    rng, n = random.Random(6), len(_GRADED_TEXT)
    pairs = [(s, s + d) for s in range(n + 1) for d in (-1, 0, 1, 2)]  # every short gap
    pairs += [(rng.randrange(n + 1), rng.randrange(n + 1)) for _ in range(2000)]
    starts = np.array([s for s, _ in pairs], dtype=np.int64)
    ends = np.array([e for _, e in pairs], dtype=np.int64)
    lo, hi = _word_ranges(prep, starts, ends)
    for s, e, got_lo, got_hi in zip(starts.tolist(), ends.tolist(), lo, hi, strict=True):
        # lo: the first word starting at or after s; hi: the words ending at or before e.
        assert got_lo == next((i for i, (ws, _) in enumerate(words) if ws >= s), len(words))
        assert got_hi == sum(we <= e for _, we in words)
        # _next_to(end, start): no word wholly inside characters [end, start), not backwards
        between = any(e <= ws and we <= s for ws, we in words)
        assert _next_to(prep, e, s) == (s >= e and not between)
    # by hand: "delegation." then " It": the gap after "delegation" holds no word
    end = _GRADED_TEXT.index("delegation") + len("delegation")
    assert _next_to(prep, end, _GRADED_TEXT.index("It leaves"))
    assert not _next_to(prep, end, _GRADED_TEXT.index("leaves"))  # "It" is in between
    assert not _next_to(prep, end + 1, end)  # backwards


def _graded_reference(text: str, contained: list[float], aligned: list[tuple[int, int]]):
    """`_graded` from the characters themselves: each sentence (first word's start to last
    word's end) scores max(contained x length, characters inside `aligned`)."""
    from dedup.normalize import split_sentences

    words = _words_of(text)
    covered = {c for s, e in aligned for c in range(s, e)}
    scores, lengths = [], []
    sentences = [(seg.start, seg.end) for seg in split_sentences(text)]
    inside = [[w for w in words if s <= w[0] < e] for s, e in sentences]
    for share, sentence_words in zip(contained, [w for w in inside if w], strict=True):
        lo, hi = sentence_words[0][0], sentence_words[-1][1]
        chars = len(covered & set(range(lo, hi)))
        scores.append(max(share * (hi - lo), chars))
        lengths.append(hi - lo)
    return round(sum(scores) / max(sum(lengths), 1), 6)


def test_graded_containment_weighs_each_sentence_by_its_characters():
    from dedup.passages import _graded

    (prep,) = _prepared(_GRADED_TEXT)
    sentences = len(prep.sentence_cuts()) - 1
    assert sentences == 5
    rng = random.Random(8)
    n = len(_GRADED_TEXT)
    for _ in range(100):
        contained = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(sentences)]
        cuts = sorted(rng.sample(range(n + 1), 2 * rng.randrange(4)))
        aligned = list(zip(cuts[::2], cuts[1::2], strict=True))
        got = _graded(prep, np.array(contained), aligned)
        assert got == pytest.approx(_graded_reference(_GRADED_TEXT, contained, aligned), abs=2e-6)
        # the compiled scores and the numpy ones are the same floats
        assert got == _graded(prep, np.array(contained), aligned, fast=False)
    # by hand: the first sentence (52 of 189 sentence characters) wholly aligned, none held
    first = _GRADED_TEXT.index(".")
    assert _graded(prep, np.zeros(5), [(0, first)]) == round(first / 189, 6)
    assert _graded(prep, np.ones(5), []) == 1.0
    (empty,) = _prepared("")
    assert _graded(empty, np.zeros(0), [(0, 5)]) == 0.0
    (one,) = _prepared("a")  # one sentence of one character: 1 of 1
    assert _graded(one, np.ones(1), []) == 1.0
    # a trailing sentence without words ("???") is no sentence: 2 sentences, not 3
    (tail,) = _prepared("Ships sail. Dogs bark. ???")
    for fast in (True, False):
        assert _graded(tail, np.array([1.0, 0.0, 0.5]), [], fast=fast) == round(10 / 19, 6)


def test_passages_next_to_each_other_on_both_sides_merge_into_one():
    from dedup.passages import _merge_adjacent

    a_text = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."
    b_text = "Nu xi omicron. Alpha beta gamma delta. Epsilon zeta theta eta! Iota kappa lambda mu."
    pa, pb = _prepared(a_text, b_text)

    def at(text: str, sentence: str) -> tuple[int, int]:
        start = text.index(sentence)
        return start, start + len(sentence)

    # each sentence with what follows it up to the next one (the last to the text's end)
    a1, a2, a3 = (at(a_text, s) for s in ("Alpha beta gamma delta.", "Epsilon", "Iota"))
    b1, b2, b3 = (at(b_text, s) for s in ("Alpha beta gamma delta.", "Epsilon", "Iota"))
    a2, a3 = (a2[0], a3[0]), (a3[0], len(a_text))
    b2, b3 = (b2[0], b3[0]), (b3[0], len(b_text))
    assert a_text[slice(*a2)] == "Epsilon zeta eta theta. "
    assert b_text[slice(*b2)] == "Epsilon zeta theta eta! "

    def scored(a, b, words, overlap):
        return (a[0], a[1], b[0], b[1], 0.5, words, overlap)

    def similarity(a0, a1, b0, b1):
        return round(fuzz.ratio(_norm(a_text[a0:a1]), _norm(b_text[b0:b1])) / 100, 4)

    p1, p2, p3 = scored(a1, b1, 4, -1.0), scored(a2, b2, 3, 0.8), scored(a3, b3, 4, 0.6)
    whole = (a1[0], a3[1], b1[0], b3[1])
    # all three, given in any order: one region over all of them, its words the sum, its
    # overlap the lowest of the rewritten parts, its similarity measured over the whole
    assert _merge_adjacent(pa, pb, [p3, p1, p2]) == [(*whole[:4], similarity(*whole), 11, 0.6)]
    two = (a1[0], a2[1], b1[0], b2[1])
    assert _merge_adjacent(pa, pb, [p2, p1]) == [(*two, similarity(*two), 7, 0.8)]
    aligned = scored(a2, b2, 3, -1.0)
    assert _merge_adjacent(pa, pb, [p1, aligned])[0][6] == -1.0  # no part rewritten
    # a word between them on both sides, or on one side only: apart
    assert _merge_adjacent(pa, pb, [p3, p1]) == [p1, p3]
    assert _merge_adjacent(pa, pb, [p1, scored(a2, b3, 3, 0.8)]) == [p1, scored(a2, b3, 3, 0.8)]
    assert _merge_adjacent(pa, pb, [p1, scored(a3, b2, 3, 0.8)]) == [p1, scored(a3, b2, 3, 0.8)]
    assert _merge_adjacent(pa, pb, [p2]) == [p2]
    # passages that start together on side a come out in order of their start on side b
    x, y, z = (
        scored((0, 5), (0, 20), 1, -1.0),
        scored((0, 10), (5, 8), 1, -1.0),
        scored((0, 8), (30, 40), 1, -1.0),
    )
    assert _merge_adjacent(pa, pb, [z, y, x]) == [x, y, z]


# Sentence a holds 8 content words; b rewords it with 6 of them (and 2 others) in another
# order, so no two consecutive words align: cosine 6 / sqrt(8 x 8) = 0.75, 6 words shared.
_SENT_A = "Harbour ferries carry tourists across stormy northern waters."
_SENT_B = "Stormy waters near northern harbour islands carry ferries."


@pytest.mark.parametrize(
    ("overlap", "shared", "found"),
    [
        (0.5, 4, True),  # the defaults
        (0.75, 6, True),  # exactly at both bounds
        (0.8, 4, False),  # cosine 0.75 < 0.8
        (0.5, 7, False),  # 6 shared < 7
    ],
)
def test_sentence_pairing_takes_its_bounds_from_the_config(overlap, shared, found):

    intro_a = "Zebras graze quietly beside the river bank at dawn."
    intro_b = "Engineers repaired the old signal box before winter arrived."
    docs = [Document("a", f"{intro_a} {_SENT_A}"), Document("b", f"{intro_b} {_SENT_B}")]
    pc = PassageConfig(min_sentence_overlap=overlap, min_sentence_words=shared)
    reuse = find_reuse(docs, DedupConfig(passage=pc), every_pair=True)
    got = [(p.a.text, p.b.text, p.kind, p.overlap, p.words) for p in reuse.passages]
    assert got == ([(_SENT_A, _SENT_B, "rewritten", 0.75, 6)] if found else [])
    # every pair is measured (`every_pair`), with or without a passage; a reworded sentence
    # counts by its containment (6 of its 8 content words), not as characters inside a
    # passage of aligned words: a's sentences weigh 50 and 60 characters (no final stop)
    (overlap,) = reuse.overlaps.values()
    assert overlap[3] == round(0.75 * 60 / (50 + 60), 6)


def test_document_overlap_is_kept_for_pairs_with_a_passage_and_grades_aligned_sentences():
    from dedup.passages import _align_pair, find_reuse

    # short sentences (2 content words each: below the 3 that sentence containment needs),
    # so only the passage of aligned words makes them count in the graded containment
    body = "Ships sail. Birds sing. Dogs bark. Cats sleep. Bells ring. Kids play."
    intro = "Zebras graze quietly beside the river bank at dawn."
    a_text, b_text = body, f"{intro} {body}"
    reuse = find_reuse([Document("a", a_text), Document("b", b_text)])
    (p,) = reuse.passages
    assert (p.a.start, p.a.end, p.b.start, p.b.end) == (0, len(body), len(intro) + 1, len(b_text))
    assert (p.kind, p.overlap) == ("verbatim", None)  # aligned words, not paired sentences
    (overlap,) = reuse.overlaps.values()
    pa, pb = _prepared(a_text, b_text)
    shingles = set_overlap(pa.shingles, pb.shingles)
    assert overlap[:3] == tuple(round(x, 6) for x in shingles)  # rounded to 6 places
    assert all(len(str(x)) > 8 for x in shingles[::2])  # (values with more than 6 places)
    assert overlap[3] == 1.0  # every sentence of a inside the passage
    assert overlap[4] == _graded_reference(b_text, [0.0] * 7, [(p.b.start, p.b.end)])
    assert 0.5 < overlap[4] < 1.0
    # without sentence pairing: the three shingle-set measures only
    no_sentences = DedupConfig(passage=PassageConfig(sentences=False))
    reuse = find_reuse([Document("a", a_text), Document("b", b_text)], no_sentences)
    assert [len(o) for o in reuse.overlaps.values()] == [3]
    # a pair with no passage is measured only when asked to (`every`)
    pa, pb = _prepared(a_text, "Engineers repaired the old signal box before winter arrived.")
    assert set_overlap(pa.shingles, pb.shingles) == (0.0, 0.0, 0.0)
    out: tuple[list, list] = ([], [])
    _align_pair([pa, pb], (0, 1), [], DedupConfig(), out)
    assert out == ([], [])
    _align_pair([pa, pb], (0, 1), [], DedupConfig(), out, every=True)
    assert out[0] == []
    assert [(ia, ib, len(o), left) for ia, ib, o, left in out[1]] == [(0, 1, 5, 0)]


def test_progress_stages_of_a_passage_scan_name_their_step(stages_shown):
    # The stage names a scan log shows (tests/reliability/test_silent.py reads the first).
    from dedup import passages

    shown = stages_shown(passages)
    text = "Officials from the foreign ministry will lead the delegation to Geneva next week."
    passages.find_reuse([Document("a", text), Document("b", text)])
    assert list(dict.fromkeys(shown)) == [
        "passages: preparing documents",
        "passages: candidate windows",
        "passages: aligning document pairs",
    ]


def test_a_short_sentence_copied_word_for_word_is_a_verbatim_sentence_pair():
    # 5 words: too short for a passage of aligned words (8), paired as a sentence
    sentence = "Harbour ferries carry tourists daily."
    a = Document("a", f"Zebras graze quietly beside the river bank at dawn. {sentence}")
    b = Document("b", f"{sentence} Engineers repaired the old signal box before winter.")
    (p,) = compare(a, b).passages
    assert (p.a.text, p.b.text) == (sentence, sentence)
    assert (p.kind, p.similarity, p.overlap, p.words) == ("verbatim", 1.0, 1.0, 5)


def test_a_pair_with_as_many_passages_as_its_cap_keeps_them_in_document_order(seed_texts):
    docs = [Document("000", seed_texts["000"]), Document("004", seed_texts["004"])]
    every = find_passages(docs)
    assert len(every) == 3
    assert every == sorted(every, key=lambda p: (p.a.start, p.b.start))  # documented order
    for cap in (0, 3):  # 0: no cap; 3: the cap reached, nothing left out
        config = DedupConfig(passage=PassageConfig(max_per_pair=cap))
        assert find_passages(docs, config) == every


def test_an_aligned_passage_is_kept_down_to_exactly_the_least_similarity():
    # one edited sentence: 2 of 14 words changed
    a = "Officials from the foreign ministry will lead the delegation to Geneva next week."
    b = "Officials from the finance ministry will lead the delegation to Vienna next week."
    (p,) = find_passages([Document("a", a), Document("b", b)])
    similarity = round(fuzz.ratio(_norm(a), _norm(b)) / 100, 4)
    assert (p.a.text, p.b.text, p.similarity, p.kind) == (a, b, similarity, "edited")
    for least, found in ((similarity, True), (similarity + 0.0001, False)):
        # (sentence pairing off: it would take the sentence pair the alignment leaves out)
        pc = PassageConfig(min_similarity=least, sentences=False)
        got = find_passages([Document("a", a), Document("b", b)], DedupConfig(passage=pc))
        assert [(q.a.text, q.kind) for q in got] == ([(a, "edited")] if found else [])


def test_two_copies_of_a_text_of_exactly_the_fewest_words_are_one_aligned_passage():
    text = "Ships sail north while gulls circle the harbour."  # 8 words: min_words
    (p,) = compare(Document("a", text), Document("b", text)).passages
    assert (p.a.text, p.b.text, p.words, p.kind, p.overlap) == (text, text, 8, "verbatim", None)


def test_passages_at_the_very_start_and_end_of_both_documents_count_every_word():
    rng = random.Random(11)
    head = " ".join(rng.sample(VOCAB, 30)) + "."
    tail = " ".join(rng.sample(VOCAB, 30)) + "."
    a = f"{head} {' '.join(rng.sample(VOCAB, 40))}. {tail}"
    b = f"{head} {' '.join(rng.sample(VOCAB, 40))}. {tail}"
    got = [
        (p.a.text, p.b.text, p.words) for p in find_passages([Document("a", a), Document("b", b)])
    ]
    assert got == [(head, head, 30), (tail, tail, 30)]


# Two more reworded sentence pairs, on words of their own: all 8 content words reordered
# (cosine 1.0), and 5 shared of 8 and 7 (cosine 5 / sqrt(56) = 0.6682).
_SENT_A2 = "Violet lanterns glow softly above quiet mountain villages."
_SENT_B2 = "Above quiet villages, mountain lanterns glow violet softly."
_SENT_A3 = "Copper kettles whistle loudly inside crowded railway kitchens."
_SENT_B3 = "Railway kitchens hold copper kettles, whistling loudly."
_ZEBRAS = "Zebras graze beside the river."


@pytest.mark.parametrize(
    ("a_parts", "b_parts", "expected"),
    [
        # consecutive on both sides: one passage, its words the sum, its overlap the lowest
        ([_SENT_A, _SENT_A2], [_SENT_B, _SENT_B2], [(0, 1, 0, 1, 14, 0.75)]),
        ([_SENT_A, _SENT_A2, _SENT_A3], [_SENT_B, _SENT_B2, _SENT_B3], [(0, 2, 0, 2, 19, 0.6682)]),
        # a sentence in between on one side: apart
        (
            [_SENT_A, _ZEBRAS, _SENT_A2],
            [_SENT_B, _SENT_B2],
            [(0, 0, 0, 0, 6, 0.75), (2, 2, 1, 1, 8, 1.0)],
        ),
        (
            [_SENT_A, _SENT_A2],
            [_SENT_B, _ZEBRAS, _SENT_B2],
            [(0, 0, 0, 0, 6, 0.75), (1, 1, 2, 2, 8, 1.0)],
        ),
    ],
)
def test_consecutive_reworded_sentences_are_one_passage(a_parts, b_parts, expected):
    a_text, b_text = " ".join(a_parts), " ".join(b_parts)

    def span(parts: list[str], first: int, last: int) -> str:
        return " ".join(parts[first : last + 1])

    got = compare(Document("a", a_text), Document("b", b_text)).passages
    want = [
        (span(a_parts, a0, a1), span(b_parts, b0, b1), "rewritten", words, overlap)
        for a0, a1, b0, b1, words, overlap in expected
    ]
    assert [(p.a.text, p.b.text, p.kind, p.words, round(p.overlap, 4)) for p in got] == want


def test_a_reworded_sentence_already_inside_a_passage_on_side_a_is_not_reported_again():
    # b copies the sentence word for word (aligned), then rewords it further on: the
    # reworded pair's a side lies inside the passage of aligned words, so it is left out
    copied = "Harbour ferries carry tourists across stormy northern waters every day."
    a_text = f"{copied} Zebras graze quietly beside the river bank at dawn."
    b_text = f"{copied} Engineers repaired the old signal box before winter. {_SENT_B}"
    got = compare(Document("a", a_text), Document("b", b_text)).passages
    assert [(p.a.text, p.b.text, p.kind) for p in got] == [(copied, copied, "verbatim")]


def test_alignment_takes_its_fewest_words_and_largest_gap_from_the_config():
    rng = random.Random(12)
    words = rng.sample(VOCAB, 30)
    edited = [*words[:14], "zzzzzz", *words[15:]]  # word 14 replaced: runs of 14 and 15
    a = f"{' '.join(words)}. {' '.join(rng.sample(VOCAB, 20))}."
    b = f"{' '.join(edited)}. {' '.join(rng.sample(VOCAB, 20))}."
    docs = [Document("a", a), Document("b", b)]

    def found(**options):
        pc = PassageConfig(sentences=False, **options)
        return [(p.a.text, p.b.text, p.words) for p in find_passages(docs, DedupConfig(passage=pc))]

    one = (" ".join(words) + ".", " ".join(edited) + ".", 29)
    assert found() == [one]  # one edit of one word: inside the default gap of 4
    assert found(min_words=29) == [one]
    assert found(min_words=30) == []  # 29 equal words
    first, second = " ".join(words[:14]), " ".join(words[15:]) + "."
    assert found(max_gap=0) == [(first, first, 14), (second, " ".join(edited[15:]) + ".", 15)]


@pytest.mark.parametrize("swap", [False, True])
def test_an_edit_across_a_sentence_break_on_one_side_splits_the_passage(swap):
    # "... X12 alpha. Y1 ..." against "... X12 beta Y1 ...": the edit ends a sentence on one
    # side only, so the two runs are two reuses (align._breaks_chain), on either side
    rng = random.Random(13)
    x, y = rng.sample(VOCAB, 12), rng.sample(VOCAB, 12)
    one = f"{' '.join(x)} alpha. {' '.join(y)}."
    other = f"{' '.join(x)} beta {' '.join(y)}."
    docs = [Document("a", one), Document("b", other)]
    got = [(p.a.text, p.b.text, p.words) for p in find_passages(docs[::-1] if swap else docs)]
    # the side with the break snaps the first run to its sentence's end (1 word after it)
    expected = [
        (f"{' '.join(x)} alpha.", " ".join(x), 12),
        (f"{' '.join(y)}.", f"{' '.join(y)}.", 12),
    ]
    assert got == ([(b, a, n) for a, b, n in expected] if swap else expected)


def _licence_corpus(seed_texts: dict[str, str], docs: int = 4, copies: int = 3) -> list[Document]:
    """Debian-copyright-like files: the same licence paragraph under each of `copies`
    stanzas, each stanza headed by words of its own, so a pair has copies x copies regions."""
    licence = seed_texts["004"][:306]
    rng = random.Random(3)
    return [
        Document(
            f"copyright{k}",
            "".join(
                " ".join(rng.sample(VOCAB, 30)) + ".\n" + licence + "\n" for _ in range(copies)
            ),
        )
        for k in range(docs)
    ]


def test_repeated_paragraphs_are_aligned_once_per_copy_with_the_same_reuse(seed_texts, monkeypatch):
    docs = _licence_corpus(seed_texts)
    skipping = scan(docs)
    monkeypatch.setattr("dedup.passages.MANY_REGIONS", 10**9)
    grid = scan(docs)
    pairs = {(p.a.doc, p.b.doc) for p in grid.passages}
    assert len(pairs) == 6
    assert len(grid.passages) == 6 * 9  # every copy with every copy
    # Each copy on either side still has a passage: the reuse measured is the same.
    assert {(p.a.doc, p.b.doc) for p in skipping.passages} == pairs
    assert len(skipping.passages) < len(grid.passages)
    assert skipping.documents == grid.documents
    assert skipping.pairs == grid.pairs


def test_licence_corpus_report_is_the_same_for_any_jobs(seed_texts, tmp_path):
    path = tmp_path / "copyright.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _licence_corpus(seed_texts, 6)
        )
    )
    args = ["scan", str(path), "--id-field", "id", "--format", "json", "-q"]
    outputs = [CliRunner().invoke(cli, [*args, "--jobs", jobs]) for jobs in ("1", "2")]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    assert outputs[0].stdout == outputs[1].stdout
    assert json.loads(outputs[0].stdout)["passages"]


def test_per_document_cap_lists_the_pairs_of_reported_passages_and_counts_the_rest(seed_texts):
    docs = _wire_corpus(seed_texts, 6)
    full = scan(docs)
    assert len(full.pairs) == 15
    assert full.counts["pairs_not_listed"] == 0
    capped = scan(docs, DedupConfig(passage=PassageConfig(max_per_doc=1)))
    shown = {(p.a.doc, p.b.doc) for p in capped.passages}
    shown |= {(d.id, d.main_source) for d in capped.documents}
    listed = {(p.a, p.b) for p in capped.pairs}
    assert all(pair in shown or pair[::-1] in shown for pair in listed)
    assert listed == {(p.a, p.b) for p in full.pairs if (p.a, p.b) in shown or (p.b, p.a) in shown}
    assert capped.counts["pairs_not_listed"] == 15 - len(listed) > 0
    assert set(capped.pairs) <= set(full.pairs)  # the same measurements, fewer rows
    assert "more pairs share a passage, unlisted" in render_report(capped)


@pytest.mark.parametrize(("rows", "jobs"), [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2)])
def test_copy_pairs_join_a_clusters_windows_at_most_max_bucket_each(rows, jobs):
    from dedup.candidates import MAX_BUCKET, copy_pairs

    line, other = np.arange(6, dtype=np.uint32), np.arange(6, dtype=np.uint32) + 9
    near = np.array([0, 1, 2, 3, 4, 99], dtype=np.uint32)  # `line` with its last value edited
    # Document 0 (representative) repeats `line` 12 times, then `other`; document 1 (its
    # member) has `near` once and `other` once; document 2 (another cluster) has `line`.
    sigs = np.array([line] * 12 + [other, near, other, line])
    doc = np.array([0] * 13 + [1, 1, 2])
    cluster, rep = np.array([0, 0, 1])[doc], np.array([True, False, True])[doc]
    bands = 6 // rows
    pairs = copy_pairs(sigs, cluster, rep, bands, rows, min_equal=5, jobs=jobs).tolist()
    assert pairs == sorted([[k, 13] for k in range(MAX_BUCKET)] + [[12, 14]])
    # The estimate gate: `near` has 5 of 6 values of `line`.
    assert copy_pairs(sigs, cluster, rep, bands, rows, min_equal=6, jobs=jobs).tolist() == [
        [12, 14]
    ]


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(["Ships", "sail", "dogs", "bark.", "Yes!", "“No.”", "\n", "a"]),
        min_size=1,
        max_size=40,
    ),
    spans=st.lists(st.tuples(st.integers(0, 39), st.integers(1, 40)), min_size=1, max_size=8),
)
def test_compiled_snapping_equals_numpy(pieces, spans):
    from dedup.passages import _snapped, _snapped_numpy

    (prep,) = _prepared(" ".join(pieces))
    if not prep.size:
        return
    pairs = [(min(s, prep.size - 1), min(s, prep.size - 1) + e) for s, e in spans]
    starts = np.array([s for s, _ in pairs], dtype=np.int64)
    ends = np.array([min(e, prep.size) for _, e in pairs], dtype=np.int64)
    fast, slow = _snapped(prep, starts, ends), _snapped_numpy(prep, starts, ends)
    assert [c.tolist() for c in fast] == [c.tolist() for c in slow]


_CHAIN_WORDS = ["the", "ship", "sails", "north.", "Dogs", "bark", "at", "night!", "we", "go"]
# Sentences of real text (module docs, then the seeds'), to cut documents from.
_SENTENCES = [s for text in REAL_TEXTS for s in text.split(". ") if len(s.split()) > 2]


def _real_text(picks: list[int], edits: list[int]) -> str:
    """Sentences `picks` of `_SENTENCES`, each word at an index of `edits` replaced."""
    words = ". ".join(_SENTENCES[k % len(_SENTENCES)] for k in picks).split()
    for k in edits:
        if words:
            words[k % len(words)] = _CHAIN_WORDS[k % len(_CHAIN_WORDS)]
    return " ".join(words) + "."


@settings(max_examples=150, deadline=None)
@given(
    a=st.lists(st.sampled_from(_CHAIN_WORDS), min_size=0, max_size=90),
    b=st.lists(st.sampled_from(_CHAIN_WORDS), min_size=0, max_size=90),
    picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
    edits=st.lists(st.integers(0, 10**6), max_size=12),
    real=st.booleans(),
)
def test_compiled_lcs_runs_equal_rapidfuzz_opcodes(a, b, picks, edits, real):
    """`_kernel.lcs_blocks` takes the same longest common subsequence as rapidfuzz's
    `Indel.opcodes` among the many (ten-word texts: ties everywhere; real sentences with a
    few words replaced), on the bigram ids of prepared texts (ids past 2**61 included,
    which rapidfuzz compares by their Python hash)."""
    from dedup.align import equal_blocks
    from dedup.signature import _compiled

    kernel = _compiled()
    texts = (_real_text(picks, []), _real_text(picks[::-1] + picks, edits)) if real else (
        " ".join(a), " ".join(b))  # fmt: skip
    pa, pb = _prepared(*texts)
    out = np.empty((min(len(pa.bigrams), len(pb.bigrams)) + 1, 4), dtype=np.int64)
    n = kernel.lcs_blocks(pa.bigrams % kernel.HASH_MODULUS, pb.bigrams % kernel.HASH_MODULUS, out)
    assert out[:n].tolist() == [
        list(blk) for blk in equal_blocks(pa.bigrams.tolist(), pb.bigrams.tolist())
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(
        st.tuples(
            st.lists(st.integers(0, 10**6), min_size=1, max_size=10),
            st.lists(st.integers(0, 10**6), max_size=8),
        ),
        min_size=2,
        max_size=5,
    ),
    windows=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=40),
    max_gap=st.integers(0, 5),
    min_words=st.integers(1, 12),
)
def test_batched_alignment_equals_the_per_pair_reference(docs, windows, max_gap, min_words):
    """One compiled call for a batch of document pairs (`_aligned_batch`) gives each pair
    the passages the Python reference aligns for it alone, window pairs in any order, with
    regions overlapping, past `MANY_REGIONS` (repeated text: the covered regions skipped)
    and two copies of one text."""
    from dedup.passages import _aligned_batch, _passages_for_pair
    from dedup.signature import numpy_paths

    texts = [_real_text(picks * (1 + len(edits) % 3), edits) for picks, edits in docs]
    prepared = _prepared(*texts, texts[0])
    config = DedupConfig(passage=PassageConfig(max_gap=max_gap, min_words=min_words))
    pairs = [(i, j) for i in range(len(prepared)) for j in range(i + 1, len(prepared))]
    per_pair = [
        sorted({(a % max(1, prepared[i].size), b % max(1, prepared[j].size)) for a, b in windows})
        for i, j in pairs
    ]
    bounds = np.cumsum([0] + [len(w) for w in per_pair]).tolist()
    at = np.array([w for ws in per_pair for w in ws], dtype=np.int64).reshape(-1, 2)[::-1]
    rev = [(bounds[-1] - e, bounds[-1] - s) for s, e in itertools.pairwise(bounds)][::-1]
    batched = _aligned_batch(
        prepared, pairs[::-1], at[:, 0], at[:, 1], [0] + [e for _, e in rev], config
    )[::-1]
    with numpy_paths():
        reference = [
            _passages_for_pair(prepared[i], prepared[j], ws, config)
            for (i, j), ws in zip(pairs, per_pair, strict=True)
        ]
    assert batched == reference
    assert [_passages_for_pair(prepared[i], prepared[j], ws, config)
            for (i, j), ws in zip(pairs, per_pair, strict=True)] == reference  # fmt: skip


def _filler(seed: int) -> str:
    return " ".join(random.Random(seed).sample(VOCAB, 12))


@pytest.mark.parametrize("copies", [(2, 5), (4, 3), (6, 6)])
def test_batched_alignment_of_repeated_text_skips_the_regions_the_reference_skips(copies):
    """A paragraph repeated under each stanza of two files (Debian copyright files) makes
    copies x copies regions; past `MANY_REGIONS` the compiled batch skips the same mostly
    covered ones as the reference, so the same passages come out."""
    from dedup.passages import MANY_REGIONS, _aligned_batch, _passages_for_pair, _regions
    from dedup.signature import numpy_paths

    para = " ".join(REAL_TEXTS[1].split()[:80])
    texts = [
        "\n\n".join(f"Files: {_filler(k + 10 * side)}.\n{para}" for k in range(n))
        for side, n in enumerate(copies)
    ]
    pa, pb = _prepared(*texts)
    stride_a, stride_b = pa.size // copies[0], pb.size // copies[1]
    windows = [  # windows over the first half of each copy: a region per copy pair
        (i * stride_a + o, j * stride_b + o)
        for i in range(copies[0])
        for j in range(copies[1])
        for o in range(0, 40, 7)
    ]
    config = DedupConfig()
    with numpy_paths():
        reference = _passages_for_pair(pa, pb, windows, config)
    at = np.array(windows, dtype=np.int64)
    (batched,) = _aligned_batch([pa, pb], [(0, 1)], at[:, 0], at[:, 1], [0, len(at)], config)
    assert batched == reference
    assert len(_regions(windows, 12)) == copies[0] * copies[1] > MANY_REGIONS
    # Each copy on either side keeps a passage, and not every copy pair has one.
    assert max(copies) <= len(reference) < copies[0] * copies[1]


def test_a_small_search_takes_the_numpy_paths_with_the_same_passages(seed_texts, monkeypatch):
    """Below COMPILE_FROM documents the passage search runs no compiled kernel (the first
    run after an install would compile them all: `dedup compare` of the samples went from
    2.8 s to 12.9 s cold); the values are the same either way."""
    from dedup import passages
    from dedup.signature import kernels, numpy_paths

    docs = _wire_corpus(seed_texts, 5)
    monkeypatch.setattr(passages, "COMPILE_FROM", 0)
    compiled = find_reuse(docs)
    monkeypatch.setattr(passages, "COMPILE_FROM", 10**9)
    seen: list[bool] = []
    real = passages._align_groups
    monkeypatch.setattr(
        passages, "_align_groups", lambda *a, **k: seen.append(kernels()) or real(*a, **k)
    )
    assert find_reuse(docs) == compiled
    assert seen
    assert not any(seen)
    with numpy_paths():
        assert not kernels()
    assert kernels() == bool(passages._compiled().AVAILABLE)
