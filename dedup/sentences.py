"""Reworded reuse: sentences that share most of their content words, in any order.

Word alignment (`dedup.align`) needs runs of equal words; a sentence whose words were
reordered, partly replaced or shortened has none. Here each sentence is the set of its
content words (`STOPWORDS` left out) and sentences pair by how many of those they share,
wherever they stand in their texts; a sentence may also pair with two adjacent sentences of
the other text (two sentences merged into one). One document pair costs a few small numpy
matrix products: sentences x shared words, for the words both documents contain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from dedup.signature import _compiled, kernels

# Function words of English: they carry the grammar of a rewording, not what was reused.
_STOPWORD_TEXT = """
a about after all also an and any are as at be been before being between both but by can
could did do does during each for from had has have he her his how i if in into is it its
may me might more most must my no not of on only or other our over same shall she should
so some such than that the their them then there these they this those through to under
very was we were what when where which who whom will with would you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class SentenceWords:
    """The distinct content words of each sentence of one text, as arrays.

    Attributes:
        words: content word ids, once per sentence that holds them, by sentence.
        sentence: the sentence of each entry of `words`.
        sizes: distinct content words of each sentence.
        pair_sizes: distinct content words of each two adjacent sentences.
        vocabulary: the text's distinct content words, sorted.
    """

    words: npt.NDArray[np.uint64]
    sentence: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]
    pair_sizes: npt.NDArray[np.int64]
    vocabulary: npt.NDArray[np.uint64]

    FIELDS: ClassVar[int] = 5  # arrays, as `arrays` returns them

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        """The fields in order (`SentenceWords(*arrays)` rebuilds it)."""
        return (self.words, self.sentence, self.sizes, self.pair_sizes, self.vocabulary)

    @classmethod
    def of(cls, content: npt.NDArray[np.uint64], cuts: list[int]) -> SentenceWords:
        """From word ids (0 for a stopword) and sentence i = words `[cuts[i], cuts[i+1])`.

        Example:
            >>> sw = SentenceWords.of(np.array([5, 0, 6, 5, 7], np.uint64), [0, 3, 5])
            >>> sw.sizes.tolist(), sw.pair_sizes.tolist(), sw.vocabulary.tolist()
            ([2, 2], [3], [5, 6, 7])
        """
        n = max(0, len(cuts) - 1)
        lo, hi = (cuts[0], cuts[-1]) if n else (0, 0)
        bounds = np.asarray(cuts, dtype=np.int64)
        lengths = bounds[1:] - bounds[:-1]
        of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        ids = np.asarray(content[lo:hi], dtype=np.uint64)
        keep = ids != 0
        ids, of = ids[keep], of[keep]
        order = np.lexsort((of, ids))  # by word, then sentence
        ids, of = ids[order], of[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = (ids[1:] != ids[:-1]) | (of[1:] != of[:-1])
        ids, of = ids[first], of[first]
        sizes = np.bincount(of, minlength=n).astype(np.int64)
        # A word in sentences i and i + 1 counts once in their union.
        both = (ids[1:] == ids[:-1]) & (of[1:] == of[:-1] + 1)
        common = np.bincount(of[:-1][both], minlength=max(0, n - 1)).astype(np.int64)
        pair_sizes = sizes[:-1] + sizes[1:] - common if n > 1 else np.zeros(0, np.int64)
        vocabulary = ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids
        return cls(ids, of, sizes, pair_sizes, vocabulary)

    def __len__(self) -> int:
        return len(self.sizes)


@dataclass(frozen=True, slots=True)
class SentenceMatch:
    """Sentences `[a_start, a_end)` of one text reworded as sentences `[b_start, b_end)`.

    `overlap` is the cosine of their content-word sets, shared / sqrt(size a x size b)
    (0-1); `shared` how many words they share.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    overlap: float
    shared: int


# A sentence's best unit of the other text: (a start, a end, b start, b end, overlap,
# shared words), as `SentenceMatch` orders its fields.
_Unit = tuple[int, int, int, int, float, int]


@dataclass(frozen=True, slots=True)
class _Hits:
    """Shared content words of every unit pair: `single[i, j]` (sentence i of a, j of b),
    `a_pairs[i, j]` (sentences i and i + 1 of a, j of b), `b_pairs[i, j]` (i of a, j and
    j + 1 of b)."""

    single: npt.NDArray[np.int64]
    a_pairs: npt.NDArray[np.int64]
    b_pairs: npt.NDArray[np.int64]


# Most sentence pairs of one document pair compared. Two long documents (licence files,
# generated references: hundreds of sentences each) cost products of large matrices and
# pair mostly look-alike legal phrasing; their reuse is verbatim, which word alignment
# finds, and their sentence containment falls back to it (`passages._graded`). 70 x 70
# sentences is two texts of ~1,700 words each (a news story is ~40 sentences). On 700
# copyright files of /usr/share/doc (benchmarks/mixed_corpus.py) the passage search took
# 38 s of CPU at 10,000 and 27 s at 4,900, with 0.8 % fewer passages.
MAX_SENTENCE_PAIRS = 4_900


@dataclass(frozen=True, slots=True)
class _Units:
    """What two texts' sentences share: `for_b[j]`, the best unit of a for sentence j of
    b (a match, a on side a), when it has one; `for_a`, the same for a's sentences in b
    (b on side a); `contained_a`/`contained_b` as in `SentencePairing`."""

    for_b: list[_Unit]
    for_a: list[_Unit]
    contained_a: npt.NDArray[np.float64]
    contained_b: npt.NDArray[np.float64]


def _units(
    a: SentenceWords,
    b: SentenceWords,
    options: tuple[float, int, int],
    fast: bool,
) -> _Units | None:
    """The best units and containments of two texts' sentences (`options`: min_overlap,
    min_shared, min_contained of `pair_sentences`), or None when they share no word or
    have too many sentence pairs (`MAX_SENTENCE_PAIRS`).

    With `fast`, one compiled call (`_kernel.pair_units`: a merge over the two sorted word
    lists, then the best units) does what costs two dozen small numpy calls per document
    pair in `_units_numpy`, the reference, which also serves when the kernel meets an
    overlap too near a rounding tie to settle (`_kernel.best_units`).
    """
    if not len(a) or not len(b) or len(a) * len(b) > MAX_SENTENCE_PAIRS:
        return None
    if not fast:
        return _units_numpy(a, b, options)
    for_b = np.empty((len(b), 4), dtype=np.int64)
    for_a = np.empty((len(a), 4), dtype=np.int64)
    contained_a, contained_b = np.empty(len(a)), np.empty(len(b))
    status = _compiled().pair_units(
        *(a.words, a.sentence, a.sizes, a.pair_sizes),
        *(b.words, b.sentence, b.sizes, b.pair_sizes),
        *options,
        *(for_b, for_a, contained_a, contained_b),
    )
    if status == 0:
        return None
    if status == 2:
        return _units_numpy(a, b, options)
    return _Units(_unit_matches(for_b), _unit_matches(for_a), contained_a, contained_b)


def _unit_matches(best: npt.NDArray[np.int64]) -> list[_Unit]:
    """`_kernel.best_units` rows as units (overlap x 10^4 back to the rounded float).

    Only the rows with a unit are converted: most sentences of a candidate pair have none.
    """
    (units,) = _unit_parts(best, [0, len(best)])
    return units


def _unit_parts(best: npt.NDArray[np.int64], cuts: Sequence[int]) -> list[list[_Unit]]:
    """`_unit_matches` of each part `best[cuts[k]:cuts[k + 1]]`, from one pass over every
    row: a batch of pairs (`pair_sentences_many`) has one part per pair, and a few numpy
    calls per pair cost more than its few units (a tenth of the alignment's CPU)."""
    found = np.flatnonzero(best[:, 0] >= 0)
    rows, at = best[found].tolist(), found.tolist()
    bounds = found.searchsorted(cuts).tolist()
    return [
        [
            (start, end, j - base, j - base + 1, k / 10000.0, hits)
            for j, (start, end, k, hits) in zip(at[lo:hi], rows[lo:hi], strict=True)
        ]
        for base, lo, hi in zip(cuts, bounds, bounds[1:], strict=False)
    ]


def _units_numpy(
    a: SentenceWords, b: SentenceWords, options: tuple[float, int, int]
) -> _Units | None:
    """`_units` from products of sentences x shared words incidence matrices."""
    hits = _hits(a, b)
    if hits is None:
        return None
    min_overlap, min_shared, min_contained = options
    return _Units(
        _best_units(hits.single, hits.a_pairs, a, b, min_overlap, min_shared),
        _best_units(hits.single.T, hits.b_pairs.T, b, a, min_overlap, min_shared),
        _contained(hits.single, hits.b_pairs, a.sizes, min_contained),
        _contained(hits.single.T, hits.a_pairs.T, b.sizes, min_contained),
    )


def _hits(a: SentenceWords, b: SentenceWords) -> _Hits | None:
    """Shared-word counts of every unit pair, or None when no word is shared."""
    shared = np.intersect1d(a.vocabulary, b.vocabulary, assume_unique=True)
    if not len(shared):
        return None
    ma, mb = _incidence(a, shared), _incidence(b, shared)
    single = ma @ mb.T
    a_pairs = np.minimum(ma[:-1] + ma[1:], 1) @ mb.T
    b_pairs = ma @ np.minimum(mb[:-1] + mb[1:], 1).T
    return _Hits(single.astype(np.int64), a_pairs.astype(np.int64), b_pairs.astype(np.int64))


def _incidence(sw: SentenceWords, shared: npt.NDArray[np.uint64]) -> npt.NDArray[np.float32]:
    """Sentences x `shared` words: 1 where the sentence holds the word."""
    at = np.minimum(np.searchsorted(shared, sw.words), len(shared) - 1)
    keep = shared[at] == sw.words
    out = np.zeros((len(sw), len(shared)), dtype=np.float32)
    out[sw.sentence[keep], at[keep]] = 1.0
    return out


@dataclass(frozen=True, slots=True)
class SentencePairing:
    """What `pair_sentences` finds between two texts.

    Attributes:
        matches: reworded sentence pairs (see `pair_sentences`).
        contained_a: for each sentence of a, the share of its content words that b holds
            in one place (`contained`).
        contained_b: the same for each sentence of b in a.
    """

    matches: list[SentenceMatch]
    contained_a: npt.NDArray[np.float64]
    contained_b: npt.NDArray[np.float64]


def pair_sentences(
    a: SentenceWords,
    b: SentenceWords,
    *,
    min_overlap: float = 0.6,
    min_shared: int = 4,
    min_contained: int = 3,
    fast: bool | None = None,
) -> SentencePairing:
    """Sentences of `b` that reword a sentence of `a` (or two adjacent ones), and back.

    Each sentence of one side pairs with its best unit of the other: one sentence, or two
    adjacent ones when each adds two or more shared words and together they share two
    more than the first alone. The overlap is the cosine of the two word sets, shared /
    sqrt(size x size): a sentence shortened by a third still pairs, a short sentence whose
    few words a long one happens to hold does not. Matches are in order of `a`, then `b`,
    and none is contained in another on both sides.

    Each sentence also gets its containment in the other text: the share of its content
    words held by the sentence, or two adjacent sentences, of the other text that hold the
    most of them (0 when fewer than `min_contained`): a graded measure, 1 for a sentence
    copied whole, the share of its words that survived for a reworded one.

    Args:
        a: the sentences' content words of the first text.
        b: the same for the second text.
        min_overlap: fewest overlap (0-1) of a reported pair.
        min_shared: fewest shared content words of a reported pair.
        min_contained: fewest shared content words for a containment above 0.
        fast: force (True) or avoid (False) the compiled kernels (`dedup._kernel`); None
            picks them when numba is installed. Both give identical results.

    Example:
        >>> a = SentenceWords.of(np.array([1, 2, 3, 4, 5, 9, 9], np.uint64), [0, 5, 7])
        >>> b = SentenceWords.of(np.array([4, 2, 1, 3, 8], np.uint64), [0, 5])
        >>> found = pair_sentences(a, b, min_shared=3)
        >>> found.matches
        [SentenceMatch(a_start=0, a_end=1, b_start=0, b_end=1, overlap=0.8, shared=4)]
        >>> found.contained_a.tolist(), found.contained_b.tolist()
        ([0.8, 0.0], [0.8])
    """
    fast = kernels() if fast is None else fast
    units = _units(a, b, (min_overlap, min_shared, min_contained), fast)
    return _pairing(units, len(a), len(b))


def pair_sentences_many(
    pairs: Sequence[tuple[SentenceWords, SentenceWords]],
    *,
    min_overlap: float = 0.6,
    min_shared: int = 4,
    min_contained: int = 3,
) -> list[SentencePairing]:
    """`pair_sentences` of each of `pairs`, with the compiled kernels, in one call for all
    (`_kernel.units_batch`): a news pair's sentences cost less than the call around them.

    Example:
        >>> a = SentenceWords.of(np.array([1, 2, 3, 4, 5, 9, 9], np.uint64), [0, 5, 7])
        >>> b = SentenceWords.of(np.array([4, 2, 1, 3, 8], np.uint64), [0, 5])
        >>> (many,) = pair_sentences_many([(a, b)], min_shared=3)
        >>> one = pair_sentences(a, b, min_shared=3)
        >>> len(many.matches), many.matches == one.matches
        (1, True)
        >>> many.contained_a.tolist() == one.contained_a.tolist()
        True
    """
    texts = list({id(t): t for pair in pairs for t in pair}.values())
    local = {id(t): k for k, t in enumerate(texts)}
    docs, words, sentence, sizes, pair_sizes = stacked(
        [[t.words for t in texts], [t.sentence for t in texts]],
        [[t.sizes for t in texts]],
        [[t.pair_sizes for t in texts]],
    )
    searched = [min(len(a), len(b)) > 0 and len(a) * len(b) <= MAX_SENTENCE_PAIRS for a, b in pairs]
    pair_docs = np.array(
        [
            (local[id(a)], local[id(b)]) if ok else (-1, -1)
            for (a, b), ok in zip(pairs, searched, strict=True)
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    first_a = np.cumsum([0] + [len(a) for a, _ in pairs])
    first_b = np.cumsum([0] + [len(b) for _, b in pairs])
    status = np.zeros(len(pairs), dtype=np.int64)
    # -1: no unit, where a pair left unsearched (status 0 or 2) leaves its rows unwritten.
    for_b, for_a = np.full((first_b[-1], 4), -1), np.full((first_a[-1], 4), -1)
    contained_a, contained_b = np.empty(first_a[-1]), np.empty(first_b[-1])
    options = (min_overlap, min_shared, min_contained)
    _compiled().units_batch(
        *(pair_docs, docs, words, sentence, sizes, pair_sizes, *options, first_a, first_b),
        *(status, for_b, for_a, contained_a, contained_b),
    )
    out: list[SentencePairing] = []
    units_b, units_a = _unit_parts(for_b, first_b.tolist()), _unit_parts(for_a, first_a.tolist())
    for k, ((a, b), code) in enumerate(zip(pairs, status.tolist(), strict=True)):
        a0, a1, b0, b1 = first_a[k], first_a[k + 1], first_b[k], first_b[k + 1]
        units = (
            _Units(units_b[k], units_a[k], contained_a[a0:a1], contained_b[b0:b1])
            if code == 1
            else _units_numpy(a, b, options)
            if code == 2
            else None
        )
        out.append(_pairing(units, len(a), len(b)))
    return out


def stacked(*groups: list[list[npt.NDArray[Any]]]) -> tuple[npt.NDArray[Any], ...]:
    """Arrays of many texts concatenated for one compiled call, after the table of where
    each text's slices start and end (row d: a start and an end per group).

    Each group is one or more columns (one array per text) of equal lengths text by text,
    which share the group's offsets.

    Example:
        >>> table, x, y = stacked([[np.arange(2), np.arange(3)]], [[np.ones(1), np.ones(0)]])
        >>> table.tolist(), x.tolist(), y.tolist()
        ([[0, 2, 0, 1], [2, 5, 1, 1]], [0, 1, 0, 1, 2], [1.0])
    """
    lengths = np.array([[len(a) for a in group[0]] for group in groups], dtype=np.int64)
    lengths = lengths.reshape(len(groups), -1)
    ends = np.cumsum(lengths, axis=1)
    table = np.empty((lengths.shape[1], 2 * len(groups)), dtype=np.int64)
    table[:, 1::2], table[:, 0::2] = ends.T, (ends - lengths).T
    return table, *(np.concatenate(column) for group in groups for column in group)


def _pairing(units: _Units | None, size_a: int, size_b: int) -> SentencePairing:
    """`pair_sentences` from the two texts' units (None: no match, no containment)."""
    if units is None:
        return SentencePairing([], np.zeros(size_a), np.zeros(size_b))
    # Units as plain tuples (a0, a1, b0, b1, overlap, shared); a match is made only for
    # those kept (most candidate pairs of a corpus have many units and few matches).
    found = {(a0, a1, b0, b1): (ov, sh) for a0, a1, b0, b1, ov, sh in units.for_b}
    for x0, x1, y0, y1, ov, sh in units.for_a:
        found.setdefault((y0, y1, x0, x1), (ov, sh))
    # Every match has one sentence on at least one side, so only a match of one sentence on
    # both sides can lie inside another: one that adds a neighbour on one side.
    kept = [
        (a0, b0, a1, b1)
        for a0, a1, b0, b1 in found
        if not (
            a1 - a0 == 1
            and b1 - b0 == 1
            and (
                (a0 - 1, a1, b0, b1) in found
                or (a0, a1 + 1, b0, b1) in found
                or (a0, a1, b0 - 1, b1) in found
                or (a0, a1, b0, b1 + 1) in found
            )
        )
    ]
    kept.sort()  # by a start, b start, a end, b end
    matches = [SentenceMatch(a0, a1, b0, b1, *found[a0, a1, b0, b1]) for a0, b0, a1, b1 in kept]
    return SentencePairing(
        matches,
        units.contained_a,
        units.contained_b,
    )


def _contained(
    single: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    min_shared: int,
) -> npt.NDArray[np.float64]:
    """Per row sentence: its most shared words in one unit of the other side, over its size."""
    best = single.max(axis=1)
    if pairs.shape[1]:
        best = np.maximum(best, pairs.max(axis=1))
    share = np.round(best / np.maximum(sizes, 1), 4)
    return np.where(best >= min_shared, share, 0.0)


def _best_units(
    single: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    x: SentenceWords,
    y: SentenceWords,
    min_overlap: float,
    min_shared: int,
) -> list[_Unit]:
    """For each sentence j of `y`, its best unit of `x` (`single[i, j]`, `pairs[i, j]`
    shared words), as a unit with `x` on side a."""
    out: list[_Unit] = []
    rows, cols = np.nonzero(single >= min_shared)
    pair_rows, pair_cols = np.nonzero(pairs >= min_shared)
    best: dict[int, tuple[float, int, int, int]] = {}  # j -> overlap, shared, -start, end
    candidates = [(int(i), int(j), 1) for i, j in zip(rows, cols, strict=True)]
    candidates += [(int(i), int(j), 2) for i, j in zip(pair_rows, pair_cols, strict=True)]
    for i, j, span in candidates:
        if span == 1:
            hits, size = int(single[i, j]), int(x.sizes[i])
        else:
            first, second, hits = int(single[i, j]), int(single[i + 1, j]), int(pairs[i, j])
            if first < 2 or second < 2 or hits < first + 2:
                continue
            size = int(x.pair_sizes[i])
        overlap = round(hits / max(1.0, math.sqrt(int(y.sizes[j]) * size)), 4)
        key = (overlap, hits, -i, i + span)
        if overlap >= min_overlap and (j not in best or key > best[j]):
            best[j] = key
    for j in sorted(best):
        overlap, hits, start, end = best[j]
        out.append((-start, end, j, j + 1, overlap, hits))
    return out
