"""The passage search's result kept as numbers: the same passages and overlaps, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, Document
from dedup.found import FoundOverlaps, FoundPassages, passage
from dedup.passages import find_reuse

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def nonnews() -> list[Document]:
    with (DATA / "nonnews_sample.jsonl").open(encoding="utf-8") as f:
        return [Document(r["id"], r["text"]) for r in map(json.loads, f)]


@pytest.fixture(scope="module")
def reuse(nonnews):
    return find_reuse(nonnews, DedupConfig(), memory_limit=0)


def test_found_passages_read_back_as_their_evidence(nonnews, reuse):
    found = reuse.passages
    assert isinstance(found, FoundPassages)
    assert len(found) > 400
    assert found.rows.nbytes == 60 * len(found)  # not the ~0.6-1 KB of a PassageMatch
    matches = list(found)
    by_id = {d.id: d.text for d in nonnews}
    for p in matches:  # each span's text is its slice of the original, made when read
        assert p.a.text == by_id[p.a.doc][p.a.start : p.a.end]
        assert p.b.text == by_id[p.b.doc][p.b.start : p.b.end]
    assert {p.kind for p in matches} >= {"verbatim", "edited"}
    # by position, negative or sliced, as a list of the same passages would give them
    assert found[-1] == matches[-1]
    assert found[3:7] == matches[3:7]
    assert [found[k] for k in range(len(found))] == matches
    assert found == matches
    assert found != matches[:-1]


def test_passages_made_as_they_arrive_equal_those_made_when_read(nonnews, reuse):
    # find_passages has each PassageMatch made as its batch arrives (made=True): the same
    # passages, in the same order, as the scan that keeps numbers and makes them when read.
    made = find_reuse(nonnews, DedupConfig(), memory_limit=0, made=True, jobs=2)
    assert made.passages._made is not None
    assert len(made.passages._made) == len(reuse.passages)
    assert list(made.passages) == list(reuse.passages)
    assert [made.passages[i] for i in (0, -1)] == [reuse.passages[i] for i in (0, -1)]
    assert dict(made.overlaps) == dict(reuse.overlaps)


def test_found_passages_keep_every_number_of_the_found_tuple(nonnews):
    found = FoundPassages(nonnews)
    rows = [(0, 2, 5, 40, 7, 42, 0.9123456789012345, 6, -1.0),
            (1, 3, 0, 30, 2, 31, 0.5, 4, 0.8333333333333334),
            (4, 9, 1, 12, 1, 12, 1.0, 3, 1.0)]  # fmt: skip
    found.extend(rows[:2])
    found.extend([])
    found.extend(rows[2:])
    assert found.rows.tolist() == rows  # float64 keeps every digit of the similarity
    assert list(found) == [passage(nonnews, r) for r in rows]
    assert [(p.kind, p.overlap) for p in found] == [
        ("edited", None),
        ("rewritten", 0.8333333333333334),
        ("verbatim", 1.0),
    ]


PAIRS = st.dictionaries(
    st.tuples(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1)),
    st.one_of(
        st.tuples(*[st.floats(0, 1)] * 3),
        st.tuples(*[st.floats(0, 1)] * 5),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(pairs=PAIRS, cut=st.integers(0, 40))
def test_found_overlaps_read_as_the_dict_they_stand_for(pairs, cut):
    items = list(pairs.items())
    found = FoundOverlaps()
    found.add([(a, b, v, 0) for (a, b), v in items[cut:]])  # any order, in two parts
    found.add([(a, b, v, 0) for (a, b), v in items[:cut]])
    assert found == pairs
    assert len(found) == len(pairs)
    assert list(found) == sorted(pairs)
    assert all(found[k] == v and k in found for k, v in pairs.items())
    assert (2**31, 0) not in found
    with pytest.raises(KeyError):
        found[(-1, 5)]


def test_found_overlaps_of_a_scan_are_its_pairs_with_a_passage(nonnews, reuse):
    overlaps = reuse.overlaps
    assert isinstance(overlaps, FoundOverlaps)
    position = {d.id: k for k, d in enumerate(nonnews)}
    with_passage = {(position[p.a.doc], position[p.b.doc]) for p in reuse.passages}
    assert len(with_passage) > 100
    assert set(overlaps) == with_passage
    assert all(len(v) == 5 and 0 <= min(v) <= max(v) <= 1 for v in overlaps.values())


def test_pick_reads_some_passages_whole(reuse):
    found = reuse.passages
    matches = list(found)
    some = list(range(0, len(found), 7))
    assert found.pick(some) == [matches[k] for k in some]


def _reference_reuse(documents, passages):
    """The reuse figures as the report once made them, a dict of span sets per document
    and partner (the slow, obviously correct oracle of `columns_reuse`)."""
    from dedup.report import _covered

    spans: dict[str, dict[str, set[tuple[int, int]]]] = {}
    for p in passages:
        for mine, other in ((p.a, p.b), (p.b, p.a)):
            spans.setdefault(mine.doc, {}).setdefault(other.doc, set()).add((mine.start, mine.end))
    order = {d.id: k for k, d in enumerate(documents)}
    out = []
    for doc in documents:
        by_other = spans.get(doc.id)
        if not by_other:
            out.append((doc.id, 0, None, 0))
            continue
        shared = {other: _covered(s) for other, s in by_other.items()}
        main = min(shared, key=lambda o: (-shared[o], order.get(o, len(order)), o))
        out.append((doc.id, _covered(set().union(*by_other.values())), main, shared[main]))
    return out


def _reference_capped(passages, max_per_doc, main_sources):
    """`capped_positions` as a loop over passages sorted by a Python key (the oracle)."""
    if max_per_doc <= 0:
        return list(range(len(passages)))
    order = sorted(
        range(len(passages)),
        key=lambda k: (-passages[k].words, passages[k].a.doc, passages[k].b.doc,
                       passages[k].a.start, passages[k].b.start),
    )  # fmt: skip
    wanted = {frozenset((d, m)) for d, m in main_sources.items() if d != m}
    reserved = set()
    for k in order:
        if (pair := frozenset((passages[k].a.doc, passages[k].b.doc))) in wanted:
            wanted.discard(pair)
            reserved.add(k)
    used: dict[str, int] = {}
    keep = []
    for k in [*reserved, *(k for k in order if k not in reserved)]:
        a, b = passages[k].a.doc, passages[k].b.doc
        if k in reserved or (used.get(a, 0) < max_per_doc and used.get(b, 0) < max_per_doc):
            used[a], used[b] = used.get(a, 0) + 1, used.get(b, 0) + 1
            keep.append(k)
    return sorted(keep)


def _figures(infos):
    return [(d.id, d.reused_chars, d.main_source, d.main_source_chars) for d in infos]


@pytest.mark.parametrize("max_per_doc", [0, 1, 3, 50])
def test_report_columns_give_the_reuse_and_caps_of_every_passage_object(
    nonnews, reuse, max_per_doc
):
    from dedup.passages import capped_rows
    from dedup.report import columns_reuse, document_infos

    infos = document_infos(nonnews)
    matches = list(reuse.passages)
    got, main = columns_reuse(infos, reuse.passages.columns(infos.ids))
    assert _figures(got) == _reference_reuse(infos, matches)
    assert sum(d.main_source is not None for d in got) > 40
    mains = {d.id: d.main_source for d in got if d.main_source is not None}
    kept = capped_rows(reuse.passages.columns(infos.ids), max_per_doc, main)
    assert kept == _reference_capped(matches, max_per_doc, mains)
    assert (len(kept) < len(matches)) == (max_per_doc > 0)  # every cap cuts here


_DOCS = ["d", "a", "c", "b"]  # not in id order: ties go by position, the cap's sort by id


@st.composite
def _passages(draw):
    from dedup.report import PassageMatch, Span

    out = []
    for _ in range(draw(st.integers(0, 25))):
        a, b = draw(st.sampled_from([*_DOCS, "x", "w"])), draw(st.sampled_from(_DOCS))
        spans = []
        for _ in range(2):
            start = draw(st.integers(0, 30))
            spans.append((start, start + draw(st.integers(0, 12))))
        words = draw(st.integers(1, 4))
        (s0, e0), (s1, e1) = spans
        out.append(PassageMatch(Span(a, s0, e0, ""), Span(b, s1, e1, ""), 1.0, words))
    return out


@settings(max_examples=300, deadline=None)
@given(_passages(), st.integers(0, 3))
def test_reuse_and_caps_from_columns_match_the_per_passage_oracle(passages, max_per_doc):
    # Overlapping, nested, repeated and empty spans, equal coverage (ties), a document
    # paired with itself, and ids no document has ("x", "w").
    from dedup.passages import capped_positions
    from dedup.report import DocumentInfo, document_reuse

    documents = [DocumentInfo(d, d, 50) for d in _DOCS]
    got = document_reuse(documents, passages)
    assert _figures(got) == _reference_reuse(documents, passages)
    mains = {d.id: d.main_source for d in got if d.main_source is not None}
    expect = _reference_capped(passages, max_per_doc, mains)
    assert capped_positions(passages, max_per_doc, mains) == expect
