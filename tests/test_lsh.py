"""The banding join proposes exactly the pairs datasketch MinHashLSH proposes."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.lsh import band_candidates, lsh_params, miss_probability


def _datasketch_pairs(sigs: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    lsh = MinHashLSH(num_perm=sigs.shape[1], params=(bands, rows))
    for i, row in enumerate(sigs):
        lsh.insert(i, LeanMinHash(seed=1, hashvalues=row, scheme="affine32"))
    pairs: set[tuple[int, int]] = set()
    for table in lsh.hashtables:
        for key in table.keys():  # noqa: SIM118 - datasketch storage
            pairs.update(combinations(sorted(table.get(key)), 2))
    return pairs


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 120),
    values=st.integers(2, 5),
    shape=st.sampled_from([(4, 4), (8, 2), (3, 5), (16, 1)]),
    seed=st.integers(0, 1000),
)
def test_band_join_equals_minhashlsh(n, values, shape, seed):
    bands, rows = shape
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, values, size=(n, 16)).astype(np.uint32)
    pairs, capped = band_candidates(sigs, bands, rows)
    assert capped == 0
    assert {tuple(p) for p in pairs.tolist()} == _datasketch_pairs(sigs, bands, rows)


def test_capped_bucket_is_bounded_and_deterministic():
    sigs = np.zeros((50, 4), dtype=np.uint32)
    pairs, capped = band_candidates(sigs, 1, 4, max_bucket=3)
    assert capped == 1
    assert len(pairs) == 49 + 48 + 47  # every row paired with rows 0, 1 and 2 only
    assert set(pairs[:, 0].tolist()) == {0, 1, 2}
    assert (band_candidates(sigs, 1, 4, max_bucket=3)[0] == pairs).all()


def test_lsh_params_meet_recall_bound():
    for threshold in (0.5, 0.8, 0.9):
        bands, rows = lsh_params(threshold, 128)
        assert bands * rows <= 128
        assert miss_probability(threshold, bands, rows) <= 0.005
    # datasketch's default for 0.8 misses far more pairs at the threshold
    assert miss_probability(0.8, 9, 13) > 0.4


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=0, max_size=60), st.integers(1, 6))
def test_capped_buckets_pair_every_member_with_the_first_members_only(values, cap):
    sigs = np.array([[v, v] for v in values], dtype=np.uint32).reshape(-1, 2)
    expected = set()
    for v in set(values):
        rows = [i for i, x in enumerate(values) if x == v]  # row order
        heads = rows if len(rows) <= cap else rows[:cap]
        expected |= {(a, b) for a in heads for b in rows if a < b}
    pairs, capped = band_candidates(sigs, 1, 2, max_bucket=cap)
    assert {tuple(p) for p in pairs.tolist()} == expected
    assert capped == sum(values.count(v) > cap for v in set(values))
