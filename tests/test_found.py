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


def test_outlines_are_the_passages_without_texts_and_pick_reads_some_whole(nonnews, reuse):
    found = reuse.passages
    matches = list(found)
    outlines = found.outlines([d.id for d in nonnews])
    assert [(p.a.doc, p.a.start, p.a.end, p.b.doc, p.b.start, p.b.end) for p in outlines] == [
        (p.a.doc, p.a.start, p.a.end, p.b.doc, p.b.start, p.b.end) for p in matches
    ]
    assert [(p.similarity, p.words, p.kind, p.overlap) for p in outlines] == [
        (p.similarity, p.words, p.kind, p.overlap) for p in matches
    ]
    assert all(p.a.text == p.b.text == "" for p in outlines)
    some = list(range(0, len(found), 7))
    assert found.pick(some) == [matches[k] for k in some]
