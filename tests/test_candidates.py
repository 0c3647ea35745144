"""The partner cap ranked by parts of documents: the same pairs as one sort of them all."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates import strong_pairs


def _one_sort(ga, gb, sizes, first):
    """The partner cap as one lexsort of every (document, partner) entry: the slow,
    obviously correct reference (the code before the ranking went by parts)."""
    me, other = np.concatenate((ga, gb)), np.concatenate((gb, ga))
    order = np.lexsort((other, -np.tile(sizes, 2), me))
    mine = me[order]
    rank = np.arange(len(mine)) - np.searchsorted(mine, mine, side="left")
    strong = np.zeros(len(ga), dtype=np.bool_)
    strong[order[rank < first] % len(ga)] = True
    return strong


PAIRS = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(1, 5)), min_size=1, max_size=80
)


@settings(max_examples=300, deadline=None)
@given(pairs=PAIRS, first=st.integers(1, 6), part_rows=st.integers(1, 200))
def test_ranking_by_parts_keeps_the_pairs_of_one_sort(pairs, first, part_rows):
    # Ties in strength and partner, a pair listed twice, a document on both sides: the
    # reference breaks the rest by side, then position, and so must the parts.
    ga, gb, sizes = (np.array(column, dtype=np.int64) for column in zip(*pairs, strict=True))
    got = strong_pairs(ga, gb, sizes, first, part_rows=part_rows).keep
    assert got.tolist() == _one_sort(ga, gb, sizes, first).tolist()


def test_ranking_by_parts_on_a_document_with_more_entries_than_a_part():
    # Document 0 pairs with 9 others: a part holds at least one whole document.
    ga, gb = np.zeros(9, dtype=np.int64), np.arange(1, 10)
    sizes = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5])
    got = strong_pairs(ga, gb, sizes, 2, part_rows=1).keep
    # Each partner has document 0 as its only pair (kept for that side); with a cap of
    # 2 on document 0's side too, every pair is kept.
    assert got.all()
    got = strong_pairs(np.concatenate((ga, gb)), np.concatenate((gb, gb + 10)),
                       np.concatenate((sizes, np.full(9, 9))), 1, part_rows=1).keep  # fmt: skip
    # Now each partner's strongest pair is with its own partner (9 window pairs), and
    # document 0 keeps only its strongest: the fifth (size 9, partner 6).
    assert np.flatnonzero(got[:9]).tolist() == [5]
    assert got[9:].all()
