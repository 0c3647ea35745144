"""Verification: exact similarity of shingle sets, because LSH candidates are approximate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document
from dedup.shingle import sorted_unique
from dedup.signature import text_shingles


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


def document_jaccard(a: Document, b: Document, config: DedupConfig | None = None) -> float:
    """Exact Jaccard of the two documents' shingle sets (word 5-grams by default).

    Example:
        >>> document_jaccard(Document("a", "one two three"), Document("b", "One, two three!"))
        1.0
    """
    config = config or DedupConfig()
    return round(exact_jaccard(text_shingles(a.text, config), text_shingles(b.text, config)), 6)
