"""Verification: exact similarity of shingle sets, because LSH candidates are approximate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def exact_jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Exact Jaccard similarity of two shingle-hash sets (duplicates ignored).

    Two empty sets are identical (1.0), as two empty documents are.

    Example:
        >>> import numpy as np
        >>> exact_jaccard(np.array([1, 2, 3], np.uint32), np.array([2, 3, 4], np.uint32))
        0.5
    """
    sa, sb = np.unique(a), np.unique(b)
    if len(sa) == 0 and len(sb) == 0:
        return 1.0
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    return inter / (len(sa) + len(sb) - inter)
