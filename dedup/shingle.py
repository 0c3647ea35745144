"""Shingles as 32-bit hashes, computed with numpy over a whole document at once.

The hash of a word is a polynomial over its UTF-8 bytes modulo 2**64, mixed with the
MurmurHash3 64-bit finalizer; the hash of a word n-gram combines its word hashes the same
way. Prefix sums make every word and every n-gram hash a handful of vector operations, with
no Python loop per shingle. `hash_shingle` computes the same value from the shingle's text
(the words joined by single spaces, UTF-8), so it can be handed to `datasketch.MinHash` as
its `hashfunc` and give identical signatures.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

from dedup.config import ShingleConfig

U64 = np.uint64
_MASK = (1 << 64) - 1
_P = 0x100000001B3  # FNV-1 64-bit prime: odd, so it has an inverse modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_M = 0x9E3779B97F4A7C15  # combines word hashes into an n-gram hash
_LEN = 0xC2B2AE3D27D4EB4F  # mixes the word length in, so "ab" and "ab\0" differ

_pow: npt.NDArray[np.uint64] = np.ones(1, dtype=U64)
_inv_pow: npt.NDArray[np.uint64] = np.ones(1, dtype=U64)


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


def _powers(n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """P**i and P**-i modulo 2**64 for i < n, grown on demand and kept for reuse."""
    global _pow, _inv_pow
    if len(_pow) < n:
        size = max(n, 2 * len(_pow), 4096)
        with np.errstate(over="ignore"):
            _pow = np.concatenate(([U64(1)], np.multiply.accumulate(np.full(size - 1, _P, U64))))
            _inv_pow = np.concatenate(
                ([U64(1)], np.multiply.accumulate(np.full(size - 1, _P_INV, U64)))
            )
    return _pow, _inv_pow


def fmix64(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's 64-bit finalizer, element-wise (wrapping arithmetic is intended)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> U64(33))
        h = h * U64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> U64(33))
        h = h * U64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> U64(33))


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK
    return h ^ (h >> 33)


def _poly_hashes(
    units: npt.NDArray[np.uint64], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint64]:
    """fmix64(sum(unit[j] * P**(j - start)) + len * LEN) for each [start, end) of `units`."""
    powers, inv = _powers(len(units) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(units) + 1, dtype=U64)
        np.cumsum(units * powers[: len(units)], out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * inv[starts]
        return fmix64(raw + (ends - starts).astype(U64) * U64(_LEN))


def word_hashes(words: tuple[str, ...] | list[str]) -> npt.NDArray[np.uint64]:
    """64-bit hashes of normalized words (which never contain spaces).

    Example:
        >>> h = word_hashes(["press", "release", "press"])
        >>> bool(h[0] == h[2]), bool(h[0] == h[1])
        (True, False)
    """
    return joined_hashes(" ".join(words), len(words))[0]


def joined_hashes(joined: str, count: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """`word_hashes` of `count` words given joined by single spaces (a `Prepared.norm`,
    or the norms of many documents joined), and where each word starts in `joined` (in
    characters: its UTF-8 start less the continuation bytes before it), which saves
    joining and scanning the words twice.

    Example:
        >>> h, starts = joined_hashes("pressé release", 2)
        >>> bool((h == word_hashes(["pressé", "release"])).all()), starts.tolist()
        (True, [0, 7])
    """
    if not count:
        return np.zeros(0, dtype=U64), np.zeros(0, dtype=np.int64)
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    spaces = np.flatnonzero(data == 32).astype(np.int64)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(data)]))
    hashes = _poly_hashes(data.astype(U64), starts, ends)
    if len(data) != len(joined):  # multi-byte characters: count each once
        continuation = np.concatenate(([0], np.cumsum((data & 0xC0) == 0x80)))
        starts = starts - continuation[starts]
    return hashes, starts


def ngram_hashes(hashes: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.uint32]:
    """32-bit hashes of every run of `n` consecutive unit hashes (all of them when fewer).

    Example:
        >>> len(ngram_hashes(word_hashes("a b c d e f".split()), 5))
        2
    """
    return (ngram_hashes64(hashes, n) >> U64(32)).astype(np.uint32)


def ngram_hashes64(hashes: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.uint64]:
    """`ngram_hashes` before they are cut to 32 bits (for ids that must not collide).

    Example:
        >>> h = ngram_hashes64(word_hashes("a b a b".split()), 2)
        >>> bool(h[0] == h[2]), bool(h[0] == h[1])
        (True, False)
    """
    count = len(hashes)
    if count == 0:
        return np.zeros(0, dtype=U64)
    n = min(n, count)
    with np.errstate(over="ignore"):
        combined = hashes[: count - n + 1].copy()
        for k in range(1, n):
            combined = combined * U64(_M) + hashes[k : count - n + 1 + k]
    return fmix64(combined)


def char_hashes(text: str) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the single code points of `text` (units of char shingles)."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(U64)
    index = np.arange(len(points), dtype=np.int64)
    return _poly_hashes(points, index, index + 1)


def shingle_hashes(
    words: tuple[str, ...] | list[str], config: ShingleConfig
) -> npt.NDArray[np.uint32]:
    """The document's shingles as 32-bit hashes (duplicates kept; MinHash ignores them).

    Args:
        words: the normalized words of the document.
        config: unit ("word" or "char") and n-gram size.

    Returns:
        One uint32 per shingle position.

    Example:
        >>> len(shingle_hashes("a b c d e f g".split(), ShingleConfig(size=5)))
        3
    """
    if config.unit == "char":
        return ngram_hashes(char_hashes(" ".join(words)), config.size)
    return ngram_hashes(word_hashes(words), config.size)


def shingle_texts(words: tuple[str, ...] | list[str], config: ShingleConfig) -> list[bytes]:
    """The shingles as UTF-8 bytes, in the form `hash_shingle` reads: for tests and oracles."""
    units: list[str] = list(" ".join(words)) if config.unit == "char" else list(words)
    sep = "" if config.unit == "char" else " "
    if not units:
        return []
    n = min(config.size, len(units))
    return [sep.join(units[i : i + n]).encode("utf-8") for i in range(len(units) - n + 1)]


def _poly_int(units: list[int]) -> int:
    acc = 0
    for j, unit in enumerate(units):
        acc = (acc + unit * pow(_P, j, 1 << 64)) & _MASK
    return _fmix64_int((acc + len(units) * _LEN) & _MASK)


def _combine(unit_hashes: list[int]) -> int:
    acc = unit_hashes[0]
    for h in unit_hashes[1:]:
        acc = (acc * _M + h) & _MASK
    return _fmix64_int(acc) >> 32


def hash_shingle(data: bytes) -> int:
    """32-bit hash of one word shingle given as UTF-8 words joined by spaces.

    This is the slow, obviously correct twin of `shingle_hashes`, usable as
    `datasketch.MinHash(hashfunc=hash_shingle)`.

    Example:
        >>> hash_shingle(b"a b c") == int(ngram_hashes(word_hashes(["a", "b", "c"]), 3)[0])
        True
    """
    return _combine([_poly_int(list(word)) for word in data.split(b" ")])


def hash_char_shingle(data: bytes) -> int:
    """32-bit hash of one char shingle (UTF-8); the twin of char `shingle_hashes`."""
    return _combine([_poly_int([ord(ch)]) for ch in data.decode("utf-8")])
