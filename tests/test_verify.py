"""Exact set similarity: the fast paths agree with numpy's own set operations."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.shingle import sorted_unique
from dedup.verify import exact_jaccard, set_jaccard, set_overlap

values = st.lists(st.integers(0, 50), max_size=40).map(lambda v: np.array(v, dtype=np.uint32))


@given(values)
def test_sorted_unique_is_numpys_unique(a):
    assert sorted_unique(a).tolist() == np.unique(a).tolist()
    assert sorted_unique(a).dtype == a.dtype


@given(values, values)
def test_set_jaccard_equals_exact_jaccard(a, b):
    expected = exact_jaccard(a, b)
    assert set_jaccard(sorted_unique(a), sorted_unique(b)) == expected
    if len(np.unique(a)) and len(np.unique(b)):
        inter = len(np.intersect1d(a, b))
        assert expected == inter / len(np.union1d(a, b))


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
