"""Exact set similarity: the fast paths agree with Python's own set operations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup import _kernel
from dedup.document import Document
from dedup.shingle import sorted_unique
from dedup.verify import document_jaccard, exact_jaccard, set_jaccard, set_overlap

values = st.lists(st.integers(0, 50), max_size=40).map(lambda v: np.array(v, dtype=np.uint32))


@given(values)
def test_sorted_unique_is_numpys_unique(a):
    assert sorted_unique(a).tolist() == np.unique(a).tolist()
    assert sorted_unique(a).dtype == a.dtype


def _python_jaccard(a, b) -> float:
    """The reference: Python sets, and two empty sets are identical (1.0)."""
    sa, sb = set(a.tolist()), set(b.tolist())
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


empty = np.array([], dtype=np.uint32)


@given(values, values)
@example(empty, empty)
@example(empty, np.array([3], dtype=np.uint32))
@example(np.array([7, 7], dtype=np.uint32), empty)
def test_exact_and_set_jaccard_are_python_set_jaccard(a, b):
    expected = _python_jaccard(a, b)
    assert exact_jaccard(a, b) == expected
    assert exact_jaccard(b, a) == expected
    assert set_jaccard(sorted_unique(a), sorted_unique(b)) == expected


def test_empty_sets_are_identical_and_unlike_any_other():
    one = np.array([1], dtype=np.uint32)
    assert exact_jaccard(empty, empty) == 1.0
    assert exact_jaccard(empty, one) == 0.0
    assert exact_jaccard(one, empty) == 0.0


def test_document_jaccard_is_rounded_to_six_places():
    # a's six words make 2 word 5-grams; b adds four words: 6 shingles, 2 shared.
    a = "alpha bravo charlie delta echo foxtrot"
    b = a + " golf hotel india juliet"
    assert document_jaccard(Document("a", a), Document("b", b)) == 0.333333


@settings(deadline=None)  # the first fast call loads the compiled kernel
@given(values, values)
def test_set_overlap_containment_is_the_shared_share_of_each_side(a, b):
    a, b = sorted_unique(a), sorted_unique(b)
    jac, in_a, in_b = set_overlap(a, b)
    assert jac == set_jaccard(a, b)
    assert (jac, in_a, in_b) == set_overlap(b, a)[:1] + set_overlap(b, a)[:0:-1]
    if len(a) and len(b):
        inter = len(np.intersect1d(a, b))
        assert (in_a, in_b) == (inter / len(a), inter / len(b))
        assert jac <= min(in_a, in_b)
    if _kernel.AVAILABLE:  # the compiled merge the passage search counts with
        assert set_overlap(a, b, fast=True) == (jac, in_a, in_b)


@pytest.mark.skipif(not _kernel.AVAILABLE, reason="needs numba (the fast extra)")
def test_set_jaccard_fast_is_the_same_number():
    # The compiled merge count against the binary-search one, empty sets included.
    rng = np.random.default_rng(7)
    sets = [np.zeros(0, np.uint32)]
    sets += [np.unique(rng.integers(0, 60, size=n).astype(np.uint32)) for n in (1, 5, 30, 80)]
    for a in sets:
        for b in sets:
            assert set_jaccard(a, b, fast=True) == set_jaccard(a, b)
