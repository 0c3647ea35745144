"""The banding join proposes exactly the pairs datasketch MinHashLSH proposes."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import lsh
from dedup.candidates import equal_values
from dedup.lsh import (
    _band_order,
    band_candidates,
    band_keys,
    band_pairs,
    lsh_params,
    miss_probability,
    shared_band_pairs,
    unique_pairs,
)


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


def _brute_force(sigs: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    """The banding rule read literally: some band has all `rows` values equal."""
    return {
        (i, j)
        for i, j in combinations(range(len(sigs)), 2)
        if any(
            (sigs[i, b * rows : (b + 1) * rows] == sigs[j, b * rows : (b + 1) * rows]).all()
            for b in range(bands)
        )
    }


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 40),
    values=st.integers(1, 4),
    shape=st.sampled_from([(4, 3), (2, 6), (3, 4), (12, 1), (6, 2)]),
    seed=st.integers(0, 1000),
    collide=st.booleans(),
)
def test_band_join_is_the_banding_rule_even_when_every_key_collides(
    n, values, shape, seed, collide
):
    bands, rows = shape
    sigs = np.random.default_rng(seed).integers(0, values, size=(n, 12)).astype(np.uint32)
    with pytest.MonkeyPatch.context() as mp:
        if collide:  # every band hashes to one key: only the exact fallback can tell rows apart
            mp.setattr(lsh, "row_keys", lambda band, salt=0: np.zeros(len(band), np.uint64))
        pairs, capped = band_candidates(sigs, bands, rows)
    assert capped == 0
    assert pairs.dtype == np.int64
    assert pairs.shape[1:] == (2,)
    assert {tuple(p) for p in pairs.tolist()} == _brute_force(sigs, bands, rows)


def test_wide_values_are_not_folded_together():
    # Values differing only in their top bits: a key that packed them too tightly would merge them.
    for rows in (1, 2, 3):
        sigs = np.ones((3, rows), dtype=np.uint32)
        sigs[1, 0] += 1 << 31  # row 1 differs from rows 0 and 2 in bit 31 of its first value
        assert band_pairs(sigs)[0].tolist() == [[0, 2]]
        assert band_candidates(sigs, 1, rows)[0].tolist() == [[0, 2]]


def test_stable_band_order_keeps_input_order_inside_a_bucket():
    band = np.array([[5, 5, 5], [1, 1, 1], [5, 5, 5], [1, 1, 1], [5, 5, 5]], dtype=np.uint32)
    order, starts = _band_order(band)
    buckets = np.split(order, np.flatnonzero(starts)[1:])
    assert sorted(b.tolist() for b in buckets) == [[0, 2, 4], [1, 3]]
    assert order.dtype == np.int64


def test_band_keys_are_equal_exactly_for_equal_bands():
    sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [3, 4, 1, 2]], dtype=np.uint32)
    keys = band_keys(sigs, 2, 2)
    assert keys.dtype == np.int64
    assert keys.shape == (3, 2)
    assert keys[0, 0] == keys[1, 0]
    assert keys[0, 1] != keys[1, 1]
    # the same values in another band are another key (bands are salted)
    assert keys[0, 0] != keys[2, 1]
    assert keys[0, 1] != keys[2, 0]


def test_bands_longer_than_the_signature_are_refused():
    with pytest.raises(ValueError, match=r"bands x rows \(3 x 2\) exceeds the signature length 4"):
        band_candidates(np.zeros((2, 4), dtype=np.uint32), 3, 2)


def test_no_signatures_no_pairs():
    pairs, capped = band_candidates(np.zeros((0, 8), dtype=np.uint32), 4, 2)
    assert (pairs.shape, pairs.dtype, capped) == ((0, 2), np.int64, 0)
    empty = unique_pairs([], 0)
    assert (empty.shape, empty.dtype) == ((0, 2), np.int64)


def test_capped_buckets_are_counted_in_every_band():
    sigs = np.zeros((5, 4), dtype=np.uint32)
    assert band_candidates(sigs, 2, 2, max_bucket=2)[1] == 2


def _least_work_params(threshold: float, num_perm: int, max_miss: float) -> tuple[int, int]:
    """The rule in lsh_params' docstring, with a 100x finer midpoint integral of the
    chance of proposing a pair below the threshold."""
    grid = (np.arange(20000) + 0.5) / 20000 * threshold
    best = None
    for rows in range(1, num_perm + 1):
        for bands in range(1, num_perm // rows + 1):
            miss = (1 - threshold**rows) ** bands
            work = float(np.mean(1 - (1 - grid**rows) ** bands)) * threshold
            key = (0.0 if miss <= max_miss else miss, work)
            if best is None or key < best[0]:
                best = (key, bands, rows)
    assert best is not None
    return best[1], best[2]


@pytest.mark.parametrize(
    ("threshold", "num_perm", "max_miss"),
    [(0.8, 128, 0.002), (0.5, 128, 0.002), (0.9, 128, 0.002), (0.7, 64, 0.002), (0.3, 64, 0.11)],
)
def test_lsh_params_are_the_least_work_meeting_the_recall_bound(threshold, num_perm, max_miss):
    lsh.lsh_params.cache_clear()  # computed here, not remembered from an earlier test
    assert lsh_params(threshold, num_perm, max_miss) == _least_work_params(
        threshold, num_perm, max_miss
    )


def test_partial_key_collisions_keep_buckets_exact(monkeypatch):
    # Keys that collide for some rows only (first value halved): rows 2 and 3 share a key.
    monkeypatch.setattr(lsh, "row_keys", lambda band, salt=0: (band[:, 0] // 2).astype(np.uint64))
    sigs = np.array([[0, 0, 0], [2, 0, 0], [3, 0, 0], [2, 0, 0], [3, 0, 0], [5, 1, 1]], np.uint32)
    assert band_candidates(sigs, 1, 3)[0].tolist() == [[1, 3], [2, 4]]


@pytest.mark.parametrize("rows", [2, 3])
def test_stable_band_order_keeps_input_order_in_big_buckets(rows):
    band = np.array([[k % 3] * rows for k in range(300)], dtype=np.uint32)
    order, starts = _band_order(band)
    buckets = np.split(order, np.flatnonzero(starts)[1:])
    assert [b.tolist() for b in buckets] == [list(range(v, 300, 3)) for v in range(3)]


def test_band_pairs_of_nothing_is_an_empty_int_array():
    pairs, capped = band_pairs(np.zeros((3, 2), dtype=np.uint32) + np.arange(3)[:, None])
    assert (pairs.shape, pairs.dtype, capped) == ((0, 2), np.int64, 0)


def test_two_full_buckets_each_pair_with_their_own_first_members():
    # rows 0-3 share one band value, rows 4-7 another; a cap of 2 pairs each row with the
    # first two rows of its own bucket.
    sigs = np.array([[1, 1]] * 4 + [[2, 2]] * 4, dtype=np.uint32)
    pairs, capped = band_candidates(sigs, 1, 2, max_bucket=2)
    assert capped == 2
    assert pairs.tolist() == [
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 2],
        [1, 3],
        [4, 5],
        [4, 6],
        [4, 7],
        [5, 6],
        [5, 7],
    ]


def test_exact_fallback_sorts_by_every_value(monkeypatch):
    # Every key collides; the rows differ only in their middle value, interleaved.
    monkeypatch.setattr(lsh, "row_keys", lambda band, salt=0: np.zeros(len(band), np.uint64))
    sigs = np.array([[1, 0, 1], [1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.uint32)
    assert band_candidates(sigs, 1, 3)[0].tolist() == [[0, 2], [1, 3]]


# --- Holes found by mutation testing (benchmarks/mutation.py lsh) -------------------------

_M64 = (1 << 64) - 1


def _fmix64(h: int) -> int:
    """MurmurHash3's 64-bit finalizer, from its published constants."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def _band_key(values: list[int], band: int) -> int:
    """The band key as the docstring of `row_keys` defines it, in plain integers: start at
    salt x MIX with salt = band + 1, fold each value in as h x MIX + value (mod 2**64), then
    fmix64; read as a signed 64-bit number."""
    mix = 0x9E3779B97F4A7C15
    h = ((band + 1) * mix) & _M64
    for v in values:
        h = (h * mix + v) & _M64
    key = _fmix64(h)
    return key - (1 << 64) if key >= 1 << 63 else key


def test_band_keys_are_the_documented_hash_because_the_index_stores_them():
    # An index on disk holds these keys; a build that hashed bands differently would
    # silently find nothing in an index built before it. So the keys are pinned to the
    # formula, computed here without numpy, for every band of a few signatures.
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32, size=(4, 12), dtype=np.uint32)
    sigs[1, :3] = sigs[0, :3]  # an equal first band
    for bands, rows in [(4, 3), (6, 2), (12, 1)]:
        keys = band_keys(sigs, bands, rows)
        expected = [
            [_band_key(sig[b * rows : (b + 1) * rows].tolist(), b) for b in range(bands)]
            for sig in sigs
        ]
        assert keys.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=12),
    picks=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30),
)
def test_compiled_equal_values_equal_numpy(rows, picks):
    sigs = np.array(rows, dtype=np.uint32)
    pairs = np.array([(i % len(rows), j % len(rows)) for i, j in picks], np.int64).reshape(-1, 2)
    fast = equal_values(sigs, pairs, fast=True)
    assert fast.tolist() == equal_values(sigs, pairs, chunk=4, fast=False).tolist()
    assert fast.tolist() == [int((sigs[i] == sigs[j]).sum()) for i, j in pairs.tolist()]


def _pair_set(pairs: np.ndarray) -> list[list[int]]:
    return unique_pairs([pairs], 1 << 20).tolist()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 150),
    values=st.integers(1, 4),
    rows=st.integers(1, 3),
    cap=st.sampled_from([None, 1, 2, 8]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shared_band_pairs_are_band_pairs(n, values, rows, cap, seed):
    band = np.random.default_rng(seed).integers(0, values, (n, rows)).astype(np.uint32)
    expected, _ = band_pairs(band, cap)
    assert _pair_set(shared_band_pairs(band, cap)) == _pair_set(expected)


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_shared_buckets_stay_exact_when_key_prefixes_collide(monkeypatch, rows):
    # Every row under one prefix: the rows are sorted again by their values.
    monkeypatch.setattr(lsh, "_spread_key", lambda band: np.zeros(len(band), np.uint64))
    band = np.array([[k % 3] * rows for k in range(40)] + [[7] * rows], dtype=np.uint32)
    order, starts = lsh.shared_buckets(band)
    buckets = np.split(order, np.flatnonzero(starts)[1:])
    assert sorted(b.tolist() for b in buckets if len(b) > 1) == [
        list(range(v, 40, 3)) for v in range(3)
    ]
    assert _pair_set(shared_band_pairs(band, 2)) == _pair_set(band_pairs(band, 2)[0])
