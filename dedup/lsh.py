"""Locality-sensitive hashing: the one bands x rows rule, the one band-key hash, the banding join.

Every user of LSH goes through here: near-duplicate documents (`cluster`), passage windows
(`candidates`) and the persistent index (`store`) choose bands and rows with `lsh_params`
(through `document_bands` and `window_bands`) and hash a band's values with `band_keys`, so
a scan and an index always propose the same candidates for the same two texts.

LSH results are approximate: a candidate pair is only a pair worth verifying, and a pair at
the threshold can still be missed. Every candidate is verified afterwards, so only misses
are unrecoverable, and `lsh_params` picks bands and rows for recall.

`band_candidates` is a sort-based banding join. It buckets exactly as datasketch's
`MinHashLSH` does (two signatures share a bucket when all `rows` values of one band are
equal), so for the same b and r it yields exactly the pairs `MinHashLSH` would propose
(tests compare the two). It replaces `MinHashLSH` because inserting millions of windows one
Python call at a time was the bottleneck of the passage scan; the join is a handful of
vector operations per band.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Literal

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.parallel import map_shared
from dedup.shingle import fmix64, sorted_unique

# Largest chance that LSH misses a pair of documents exactly at the threshold.
MAX_MISS = 0.002
# The same for one pair of passage windows at `lsh_threshold`: a reused passage spans
# several overlapping windows and is missed only when all of them are, so a 30-word
# passage (about four windows) is missed with chance ~0.11**4 ~ 1.5e-4.
WINDOW_MAX_MISS = 0.11
_MIX = np.uint64(0x9E3779B97F4A7C15)

Pairs = npt.NDArray[np.int64]  # shape (k, 2), i < j, sorted


def miss_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that LSH never proposes a pair of this Jaccard: `(1 - j**r) ** b`.

    Example:
        >>> round(miss_probability(0.8, 9, 13), 2)  # datasketch's default for 0.8
        0.6
    """
    return float((1.0 - jaccard**rows) ** bands)


def _false_positive_area(threshold: float, bands: int, rows: int) -> float:
    """Integral over [0, threshold) of the chance of proposing a pair: verification work."""
    grid = np.linspace(0.0, threshold, 200, endpoint=False)
    return float(np.mean(1.0 - (1.0 - grid**rows) ** bands) * threshold)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, max_miss: float = MAX_MISS) -> tuple[int, int]:
    """(bands, rows) that miss a pair at `threshold` with chance <= `max_miss`, least work.

    Among all b x r <= num_perm meeting the recall bound, the one proposing the fewest
    pairs below the threshold (the verification work); when none meets it, the one
    missing least. This is the only place bands and rows are chosen.

    Example:
        >>> lsh_params(0.8, 128)
        (21, 6)
        >>> lsh_params(0.3, 64, WINDOW_MAX_MISS)
        (24, 2)
    """
    best: tuple[float, float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        for bands in range(1, num_perm // rows + 1):
            miss = miss_probability(threshold, bands, rows)
            key = (0.0 if miss <= max_miss else miss, _false_positive_area(threshold, bands, rows))
            if best is None or key < best[:2]:
                best = (*key, bands, rows)
    if best is None:
        msg = f"num_perm must be at least 1, got {num_perm}"
        raise ValueError(msg)
    return best[2], best[3]


def document_bands(config: DedupConfig) -> tuple[int, int]:
    """(bands, rows) for whole-document signatures: recall at `config.threshold`.

    Example:
        >>> document_bands(DedupConfig())
        (21, 6)
    """
    return lsh_params(config.threshold, config.num_perm, MAX_MISS)


def window_bands(config: DedupConfig) -> tuple[int, int]:
    """(bands, rows) for passage-window signatures, in a scan and in an index alike.

    Example:
        >>> window_bands(DedupConfig())
        (24, 2)
    """
    pc = config.passage
    return lsh_params(pc.lsh_threshold, pc.num_perm, WINDOW_MAX_MISS)


def row_keys(values: npt.NDArray[np.uint32], salt: int = 0) -> npt.NDArray[np.uint64]:
    """The one 64-bit hash of each row of `values` (equal rows give equal keys).

    `salt` tells bands apart, so equal values in two different bands give different keys.
    The hash starts at `salt * MIX`, folds each value in as `h * MIX + value` (mod 2**64)
    and ends with MurmurHash3's fmix64. The index stores band keys: changing this formula
    makes every index built before it find nothing.

    Example:
        >>> import numpy as np
        >>> k = row_keys(np.array([[1, 2], [1, 2], [2, 1]], dtype=np.uint32))
        >>> bool(k[0] == k[1]), bool(k[0] == k[2])
        (True, False)
    """
    with np.errstate(over="ignore"):
        h = np.full(len(values), np.uint64(salt) * _MIX, dtype=np.uint64)
        for col in values.T:
            h = h * _MIX + col.astype(np.uint64)
        return fmix64(h)


def band_keys(sigs: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.int64]:
    """One signed 64-bit key per (signature, band): `row_keys` of the band, salted by it.

    Two signatures share a key exactly when all `rows` values of that band are equal (up to
    64-bit hash collisions), which is the LSH banding rule. The index stores these keys.

    Example:
        >>> import numpy as np
        >>> s = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
        >>> k = band_keys(s, 2, 2)
        >>> bool(k[0, 0] == k[1, 0]), bool(k[0, 1] == k[1, 1])
        (True, False)
    """
    keys = np.empty((len(sigs), bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = row_keys(sigs[:, band * rows : (band + 1) * rows], salt=band + 1)
    return keys.view(np.int64)


def _band_order(
    band: npt.NDArray[np.uint32], *, stable: bool = True
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Row order that puts equal band values together, and where each bucket starts.

    With `stable`, equal rows keep their input order; without, the faster unstable sort
    (still deterministic) for callers that do not depend on the order inside a bucket.
    """
    kind: Literal["stable", "quicksort"] = "stable" if stable else "quicksort"
    if band.shape[1] <= 2:
        # Two 32-bit values are one exact 64-bit key: no collisions to check for.
        key = _band_key(band)
        order = np.argsort(key, kind=kind)
        key = key[order]
        starts = np.concatenate(([True], key[1:] != key[:-1]))
        return order.astype(np.int64), starts
    key = _band_key(band)
    order = np.argsort(key, kind=kind)
    rows = band[order]
    same_key = key[order][1:] == key[order][:-1]
    same_rows = (rows[1:] == rows[:-1]).all(axis=1)
    if (same_key & ~same_rows).any():
        # A 64-bit key collision: sort by the values themselves so buckets stay exact.
        order = np.lexsort(band.T[::-1])
        rows = band[order]
        same_rows = (rows[1:] == rows[:-1]).all(axis=1)
    starts = np.concatenate(([True], ~same_rows))
    return order.astype(np.int64), starts


def _band_key(band: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per row of `band`: its values themselves when two 32-bit values or
    fewer (exact), else their `row_keys` hash (equal rows, equal keys)."""
    if band.shape[1] > 2:
        return row_keys(band)
    key = np.zeros(len(band), dtype=np.uint64)
    for col in range(band.shape[1]):
        key = (key << np.uint64(32)) | band[:, col].astype(np.uint64)
    return key


def _spread_key(band: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """A new array of one 64-bit value per row of `band`, equal for equal rows, whose high
    bits depend on every value of the row: the exact key (a band of two values read as one
    64-bit number where its values lie side by side, else `_band_key`) times an odd
    constant, which maps distinct keys to distinct values."""
    if band.shape[1] == 2 and band.strides[1] == band.itemsize:
        key = band.view(np.uint64)[:, 0]
    else:
        key = _band_key(band)
    with np.errstate(over="ignore"):
        spread: npt.NDArray[np.uint64] = key * _MIX
    return spread


def shared_buckets(
    band: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """`_band_order` of the rows of `band` that share their bucket with another row: the
    rows, each bucket's in row order, and where each bucket starts.

    One sort of one 64-bit value per row, the high bits of its key (`_band_key`) over its
    row number, instead of an argsort of the keys: numpy sorts plain integers with vector
    instructions, ~5x faster than it argsorts them (the argsorts were ~60 % of the window
    join's CPU on benchmarks/passage_scale.py). Most rows are alone under their key prefix
    and drop out at once; rows whose prefixes match but values differ (a prefix collision)
    are sorted again by their values, so the buckets are exact.

    Example:
        >>> import numpy as np
        >>> band = np.array([[1, 2], [3, 4], [1, 2], [5, 6], [3, 4]], dtype=np.uint32)
        >>> order, starts = shared_buckets(band)
        >>> order.tolist(), starts.tolist()
        ([0, 2, 1, 4], [True, False, True, False])
    """
    n = len(band)
    bits = np.uint64(max(1, (n - 1).bit_length()))
    low = (np.uint64(1) << bits) - np.uint64(1)
    packed = _spread_key(band)
    packed &= ~low
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    prefix = packed >> bits
    same = prefix[1:] == prefix[:-1]
    shared = np.zeros(n, dtype=np.bool_)
    shared[1:] = same
    shared[:-1] |= same
    packed = packed[shared]
    order = (packed & low).astype(np.int64)
    prefix = packed >> bits
    starts = np.concatenate(([True], prefix[1:] != prefix[:-1]))[: len(order)]
    values = band[order]
    if not (starts[1:] | (values[1:] == values[:-1]).all(axis=1)).all():
        # Rows of one prefix, two values: the exact order of these rows alone. It is
        # stable, so each bucket's rows stay in row order.
        again, starts = _band_order(values, stable=True)
        order = order[again]
    return order, starts


def band_pairs(band: npt.NDArray[np.uint32], max_bucket: int | None = None) -> tuple[Pairs, int]:
    """Pairs of rows with equal values in one band `(n, rows)`; see `band_candidates`.

    The pairs are `(i, j)` with i < j, possibly repeated; and the number of buckets capped.

    Example:
        >>> import numpy as np
        >>> band_pairs(np.array([[1, 2], [3, 4], [1, 2]], dtype=np.uint32))[0].tolist()
        [[0, 2]]
    """
    # Pairs do not depend on the order inside a bucket (capped buckets sort their members).
    order, starts = _band_order(band, stable=False)
    return _bucket_pairs(order, starts, max_bucket)


def shared_band_pairs(band: npt.NDArray[np.uint32], max_bucket: int | None = None) -> Pairs:
    """`band_pairs` from `shared_buckets`: the same pairs, in another order, without the
    count of capped buckets.

    Example:
        >>> import numpy as np
        >>> shared_band_pairs(np.array([[1, 2], [3, 4], [1, 2]], dtype=np.uint32)).tolist()
        [[0, 2]]
    """
    pairs, _ = _bucket_pairs(*shared_buckets(band), max_bucket)
    return pairs


def _bucket_pairs(
    order: npt.NDArray[np.int64], starts: npt.NDArray[np.bool_], max_bucket: int | None
) -> tuple[Pairs, int]:
    """All pairs within each bucket; a bucket over `max_bucket` pairs only its first members.

    Returns the pairs and how many buckets were capped.
    """
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    sizes = np.diff(np.concatenate((first, [len(order)])))
    cap = int(sizes.max(initial=0)) if max_bucket is None else max_bucket
    # Rows alone in their bucket pair with nothing: most rows of a large join (a third of
    # its time on 10,000 documents of benchmarks/passage_scale.py went to them).
    alone = sizes[group] < 2 if len(order) else np.zeros(0, dtype=np.bool_)
    if alone.any():
        order, group = order[~alone], group[~alone]
    out: list[Pairs] = []
    small = sizes[group] <= cap
    for d in range(1, min(cap, int(sizes.max(initial=0)))):
        left = np.flatnonzero(small[:-d] & (group[:-d] == group[d:]))
        out.append(np.stack((order[left], order[left + d]), axis=1))
    capped = int(np.count_nonzero(sizes > cap))
    if capped:
        out.extend(_capped_pairs(order[~small], group[~small], cap))
    if not out:
        return np.zeros((0, 2), dtype=np.int64), capped
    pairs = np.concatenate(out)
    return np.sort(pairs, axis=1), capped


def _capped_pairs(
    members: npt.NDArray[np.int64], group: npt.NDArray[np.int64], cap: int
) -> list[Pairs]:
    """Each member of an over-full bucket paired with the bucket's first `cap` members only
    (in row order): bounded and deterministic, all buckets at once."""
    ranked = np.lexsort((members, group))  # by bucket, then row
    members, group = members[ranked], group[ranked]
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(group)])))
    first = np.repeat(starts, sizes)
    rank = np.arange(len(group)) - first
    out = []
    for k in range(cap):
        later = rank > k
        out.append(np.stack((members[first[later] + k], members[later]), axis=1))
    return out


def band_candidates(
    signatures: npt.NDArray[np.uint32],
    bands: int,
    rows: int,
    *,
    max_bucket: int | None = None,
    jobs: int = 1,
) -> tuple[Pairs, int]:
    """Pairs of rows of `signatures` that share all `rows` values of at least one band.

    The same candidates as datasketch `MinHashLSH(num_perm, params=(bands, rows))` after
    inserting every signature (when no bucket is capped).

    Args:
        signatures: `(n, num_perm)` uint32 signatures, num_perm >= bands x rows.
        bands: number of bands b.
        rows: values per band r.
        max_bucket: a bucket with more members pairs each member only with its first
            `max_bucket` members (in row order), so one value shared by thousands of rows
            cannot make millions of pairs; None pairs everything.
        jobs: forked worker processes, a group of bands each (the result does not depend
            on it).

    Returns:
        Unique pairs `(i, j)`, i < j, sorted; and the number of buckets capped.

    Example:
        >>> import numpy as np
        >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], dtype=np.uint32)
        >>> band_candidates(sigs, 2, 2)[0].tolist()
        [[0, 1], [0, 2]]
    """
    if bands * rows > signatures.shape[1]:
        msg = f"bands x rows ({bands} x {rows}) exceeds the signature length {signatures.shape[1]}"
        raise ValueError(msg)
    join = partial(_bands_join, rows=rows, max_bucket=max_bucket)
    found = list(map_shared(join, signatures, band_groups(bands, jobs), jobs=jobs))
    pairs = unique_pairs([p for p, _ in found], len(signatures))
    return pairs, sum(c for _, c in found)


def band_groups(bands: int, jobs: int) -> list[range]:
    """`bands` split into at most `jobs` consecutive groups, one per worker: a pair that
    several bands of a group propose is gated or counted once there.

    Example:
        >>> band_groups(5, 2)
        [range(0, 3), range(3, 5)]
    """
    split = np.array_split(range(bands), max(1, jobs))
    return [range(int(g[0]), int(g[-1]) + 1) for g in split if len(g)]


def _bands_join(
    signatures: npt.NDArray[np.uint32], bands: range, rows: int, max_bucket: int | None
) -> tuple[Pairs, int]:
    """`band_candidates` of some bands: their distinct pairs and how many buckets were capped."""
    found: list[Pairs] = []
    capped = 0
    for band in bands:
        pairs, n_capped = band_pairs(signatures[:, band * rows : (band + 1) * rows], max_bucket)
        found.append(pairs)
        capped += n_capped
    return unique_pairs(found, len(signatures)), capped


def unique_pairs(found: Sequence[Pairs], n: int) -> Pairs:
    """The distinct pairs of several `(k, 2)` arrays of row numbers below `n`, sorted.

    Example:
        >>> import numpy as np
        >>> unique_pairs([np.array([[0, 2], [0, 1]]), np.array([[0, 2]])], 3).tolist()
        [[0, 1], [0, 2]]
    """
    if not sum(len(p) for p in found):
        return np.zeros((0, 2), dtype=np.int64)
    every = np.concatenate(found).astype(np.int64, copy=False)
    size = np.int64(n)
    codes = sorted_unique(every[:, 0] * size + every[:, 1])
    return np.stack((codes // size, codes % size), axis=1)
