"""Candidate pairs from locality-sensitive hashing (datasketch `MinHashLSH`).

LSH results are approximate: a candidate pair is only a pair worth verifying, and a pair
below the threshold can still be missed. Band/row parameters are chosen by datasketch for
the given threshold with false negatives weighted above false positives, because every
candidate is verified afterwards and only misses are unrecoverable.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt
from datasketch import MinHashLSH

from dedup.signature import lean_minhash

RECALL_WEIGHTS = (0.2, 0.8)  # (false positive, false negative) weights for datasketch


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows) datasketch picks for `threshold` with recall-first weights.

    Example:
        >>> lsh_params(0.8, 128)
        (12, 10)
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=RECALL_WEIGHTS)
    return int(lsh.b), int(lsh.r)


@dataclass
class CandidateIndex:
    """A thin wrapper over `datasketch.MinHashLSH` that hands out candidate pairs.

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
            for bucket_key in table.keys():
                bucket = sorted(table.get(bucket_key))
                for pair in combinations(bucket, 2):
                    if pair not in seen:
                        seen.add(pair)
                        yield pair
