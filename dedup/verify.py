"""Verification: exact similarity of shingle sets, because LSH candidates are approximate."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

G = TypeVar("G", bound=np.generic)


def sorted_unique(values: npt.NDArray[G]) -> npt.NDArray[G]:
    """The distinct values, sorted: `np.unique` without its cost.

    numpy 2's `np.unique` goes through a hash table, 7x slower than sorting on 400
    shingles and 30x slower on millions of band-join pairs with many repeats; this is a sort
    and one comparison.

    Example:
        >>> import numpy as np
        >>> sorted_unique(np.array([3, 1, 3, 2], np.uint32)).tolist()
        [1, 2, 3]
    """
    ordered = np.sort(values, axis=None)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def exact_jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Exact Jaccard similarity of two shingle-hash sets (duplicates ignored).

    Two empty sets are identical (1.0), as two empty documents are.

    Example:
        >>> import numpy as np
        >>> exact_jaccard(np.array([1, 2, 3], np.uint32), np.array([2, 3, 4], np.uint32))
        0.5
    """
    return set_jaccard(sorted_unique(a), sorted_unique(b))


def set_jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """`exact_jaccard` of two arrays that are already sorted sets (`sorted_unique`).

    One binary search per element instead of re-sorting both: this runs once for every
    document pair that shares a passage.

    Example:
        >>> import numpy as np
        >>> set_jaccard(np.array([1, 2, 3], np.uint32), np.array([2, 3, 4], np.uint32))
        0.5
    """
    if len(a) == 0 or len(b) == 0:
        return 1.0 if len(a) == len(b) else 0.0
    at = np.searchsorted(b, a)
    inter = int(np.count_nonzero(b[np.minimum(at, len(b) - 1)] == a))
    return inter / (len(a) + len(b) - inter)
