"""The compiled word-shingle MinHash kernel (numba, optional): text bytes -> signatures.

One pass per document does what `normalize.split_words`, `shingle.shingle_hashes` and
`signature.permuted_min` do with numpy, with no temporary arrays per shingle. It is only
used when numba is installed (`pip install dedup[fast]`); `dedup.signature` falls back to
the numpy path otherwise, and tests hold both to identical values.

Each document comes in one of two modes: 0 = raw ASCII text, tokenized here (runs of
ASCII letters and digits, lowercased when case folding is on: exactly `split_words` on
ASCII text); 1 = normalized words already joined by single spaces (any other text).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised where numba is absent
    njit = None  # type: ignore[assignment]

_P = np.uint64(0x100000001B3)
_M = np.uint64(0x9E3779B97F4A7C15)
_LEN = np.uint64(0xC2B2AE3D27D4EB4F)
_MASK32 = np.uint64(0xFFFFFFFF)


def _fmix64(h: Any) -> Any:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _words(buf: Any, lo: int, hi: int, mode: int, casefold: bool, out: Any) -> int:
    """Word hashes of `buf[lo:hi]` into `out`; returns how many."""
    count = 0
    h = np.uint64(0)
    pw = np.uint64(1)
    length = 0
    inword = False
    if mode == 1 and hi == lo:
        return 0
    for i in range(lo, hi + 1):
        c = np.uint64(32) if i == hi else np.uint64(buf[i])
        if mode == 0:
            alnum = (
                (c >= np.uint64(48) and c <= np.uint64(57))
                or (c >= np.uint64(65) and c <= np.uint64(90))
                or (c >= np.uint64(97) and c <= np.uint64(122))
            )
        else:
            alnum = c != np.uint64(32)
        if alnum:
            if casefold and mode == 0 and c >= np.uint64(65) and c <= np.uint64(90):
                c += np.uint64(32)
            h += c * pw
            pw *= _P
            length += 1
            inword = True
        elif inword or mode == 1:
            out[count] = _fmix64(h + np.uint64(length) * _LEN)
            count += 1
            h = np.uint64(0)
            pw = np.uint64(1)
            length = 0
            inword = False
    return count


def _shingles(words: Any, count: int, n: int, out: Any) -> int:
    """32-bit n-gram hashes of `words[:count]` into `out`; returns how many."""
    if count == 0:
        return 0
    n = min(n, count)
    total = count - n + 1
    for i in range(total):
        acc = words[i]
        for k in range(1, n):
            acc = acc * _M + words[i + k]
        out[i] = _fmix64(acc) >> np.uint64(32)
    return total


def _minhash(shingles: Any, count: int, a: Any, b: Any, sig: Any) -> None:
    """Affine32 MinHash of `shingles[:count]` into `sig` (uint64 scratch of num_perm)."""
    sig[:] = _MASK32
    for i in range(count):
        h = shingles[i]
        h ^= h >> np.uint64(16)
        h = (h * np.uint64(0x85EBCA6B)) & _MASK32
        h ^= h >> np.uint64(13)
        h = (h * np.uint64(0xC2B2AE35)) & _MASK32
        h ^= h >> np.uint64(16)
        for p in range(len(a)):
            v = (a[p] * h + b[p]) & _MASK32
            if v < sig[p]:
                sig[p] = v


def _signatures(
    buf: Any, bounds: Any, modes: Any, n: int, casefold: bool, a: Any, b: Any, out: Any
) -> None:
    longest = 1
    for d in range(len(modes)):
        longest = max(longest, bounds[d + 1] - bounds[d] + 1)
    words = np.empty(longest, dtype=np.uint64)
    shingles = np.empty(longest, dtype=np.uint64)
    sig = np.empty(len(a), dtype=np.uint64)
    for d in range(len(modes)):
        count = _words(buf, bounds[d], bounds[d + 1], modes[d], casefold, words)
        count = _shingles(words, count, n, shingles)
        _minhash(shingles, count, a, b, sig)
        for p in range(len(a)):
            out[d, p] = sig[p]


def _shingle_sets(buf: Any, bounds: Any, modes: Any, n: int, casefold: bool, out: Any) -> Any:
    """Flat shingle hashes of every document into `out`; returns the per-document bounds."""
    words = np.empty(len(buf) + len(modes) + 1, dtype=np.uint64)
    result = np.zeros(len(modes) + 1, dtype=np.int64)
    pos = 0
    for d in range(len(modes)):
        count = _words(buf, bounds[d], bounds[d + 1], modes[d], casefold, words)
        count = _shingles(words, count, n, out[pos:])
        pos += count
        result[d + 1] = pos
    return result


def _intersection(a: Any, b: Any) -> int:
    """How many values two sorted sets share (one merge pass)."""
    i = j = n = 0
    while i < len(a) and j < len(b):
        if a[i] < b[j]:
            i += 1
        elif a[i] > b[j]:
            j += 1
        else:
            n += 1
            i += 1
            j += 1
    return n


if njit is not None:
    intersection = njit(cache=True)(_intersection)
    _fmix64 = njit(cache=True, inline="always")(_fmix64)
    _words = njit(cache=True)(_words)
    _shingles = njit(cache=True)(_shingles)
    _minhash = njit(cache=True)(_minhash)
    signatures = njit(cache=True)(_signatures)
    shingle_sets = njit(cache=True)(_shingle_sets)
    AVAILABLE = True
else:  # pragma: no cover
    signatures = _signatures
    shingle_sets = _shingle_sets
    intersection = _intersection
    AVAILABLE = False
