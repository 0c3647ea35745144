"""Candidate pairs from locality-sensitive hashing: a numpy banding join.

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

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from datasketch import MinHashLSH

from dedup.signature import lean_minhash
from dedup.verify import sorted_unique

RECALL_WEIGHTS = (0.2, 0.8)  # (false positive, false negative) weights for datasketch
MAX_MISS = 0.005  # largest chance that LSH misses a pair exactly at the threshold
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


def lsh_params(threshold: float, num_perm: int, max_miss: float = MAX_MISS) -> tuple[int, int]:
    """(bands, rows) that miss a pair at `threshold` with chance <= `max_miss`, least work.

    Among all b x r <= num_perm meeting the recall bound, the one proposing the fewest
    pairs below the threshold; when none meets it, the one missing least.

    Example:
        >>> lsh_params(0.8, 128)
        (21, 6)
    """
    best: tuple[float, float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        miss = miss_probability(threshold, bands, rows)
        key = (0.0 if miss <= max_miss else miss, _false_positive_area(threshold, bands, rows))
        if best is None or key < best[:2]:
            best = (*key, bands, rows)
    assert best is not None
    return best[2], best[3]


def datasketch_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows) datasketch `MinHashLSH` picks with recall-first weights.

    Example:
        >>> datasketch_params(0.8, 128)
        (12, 10)
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=RECALL_WEIGHTS)
    return int(lsh.b), int(lsh.r)


def _band_key(band: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each row of a band (equal rows give equal keys)."""
    with np.errstate(over="ignore"):
        key = np.zeros(len(band), dtype=np.uint64)
        for col in range(band.shape[1]):
            key = (key ^ band[:, col].astype(np.uint64)) * _MIX
            key ^= key >> np.uint64(29)
    return key


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
        key = np.zeros(len(band), dtype=np.uint64)
        for col in range(band.shape[1]):
            key = (key << np.uint64(32)) | band[:, col].astype(np.uint64)
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
    found: list[Pairs] = []
    capped = 0
    for band in range(bands):
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


@dataclass
class CandidateIndex:
    """A thin wrapper over `datasketch.MinHashLSH` that hands out candidate pairs.

    Kept for interactive use and as the oracle `band_candidates` is tested against.

    Attributes:
        threshold: the Jaccard similarity the bands are tuned for.
        num_perm: permutations of the signatures inserted.
        seed: MinHash seed of the signatures inserted.
    """

    threshold: float
    num_perm: int
    seed: int = 1
    _lsh: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lsh = MinHashLSH(
            threshold=self.threshold, num_perm=self.num_perm, weights=RECALL_WEIGHTS
        )

    @property
    def bands(self) -> int:
        """Number of LSH bands (datasketch `b`)."""
        return int(self._lsh.b)

    @property
    def rows(self) -> int:
        """Rows per band (datasketch `r`)."""
        return int(self._lsh.r)

    def insert(self, key: Hashable, values: npt.NDArray[np.uint32]) -> None:
        """Add one signature under a unique key."""
        self._lsh.insert(key, lean_minhash(values, self.seed), check_duplication=False)

    def query(self, values: npt.NDArray[np.uint32]) -> list[Hashable]:
        """Keys whose signatures share at least one band with `values` (approximate)."""
        return list(self._lsh.query(lean_minhash(values, self.seed)))

    def candidate_pairs(self) -> Iterator[tuple[Hashable, Hashable]]:
        """Every pair of inserted keys that share a band bucket, each pair once, sorted."""
        seen: set[tuple[Hashable, Hashable]] = set()
        for table in self._lsh.hashtables:
            for bucket_key in table.keys():  # noqa: SIM118 - a datasketch storage, not a dict
                bucket = sorted(table.get(bucket_key))
                for pair in combinations(bucket, 2):
                    if pair not in seen:
                        seen.add(pair)
                        yield pair
