"""Alignment of two word sequences into passages, with rapidfuzz.

`Indel.opcodes` over word bigrams gives the longest common subsequence of the two texts
as runs of equal words. Runs separated by small edits (a word added, a phrase reworded) are chained
into one passage; a passage ends where the edit between two runs is longer than `max_gap`
words. The passage similarity is rapidfuzz's `fuzz.ratio` of the two normalized texts,
divided by 100 here and nowhere else.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypedDict, Unpack

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from dedup.normalize import Segment, Words


@dataclass(frozen=True, slots=True)
class WordMatch:
    """Aligned word ranges `[a_start, a_end)` and `[b_start, b_end)` with `matched` equal words."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int


_Block = tuple[int, int, int, int]


class AlignOptions(TypedDict, total=False):
    """Keyword options of `align_words` and `align_bigrams` (see `align_bigrams`)."""

    max_gap: int
    min_words: int
    a_breaks: Sequence[int]
    b_breaks: Sequence[int]


def align_words(
    a: Sequence[Hashable], b: Sequence[Hashable], **options: Unpack[AlignOptions]
) -> list[WordMatch]:
    """Chains of equal-word runs shared by the words (or word ids) `a` and `b`.

    Example:
        >>> a = "the us team will be represented by the office of defence".split()
        >>> b = "the us team will be represented by the defence office".split()
        >>> align_words(a, b, min_words=5)
        [WordMatch(a_start=0, a_end=8, b_start=0, b_end=8, matched=8)]
    """
    # The alignment runs over word bigrams: a longest common subsequence of single words
    # happily pairs stray "the"s and breaks a reused run apart ("the second round" vs
    # "the first round"), while an equal bigram is two equal words in a row. An equal run
    # of k bigrams is an equal run of k + 1 words.
    return align_bigrams(word_bigrams(a), word_bigrams(b), **options)


def align_bigrams(
    a: Sequence[int],
    b: Sequence[int],
    *,
    max_gap: int = 4,
    min_words: int = 8,
    a_breaks: Sequence[int] = (),
    b_breaks: Sequence[int] = (),
) -> list[WordMatch]:
    """Chains of equal-word runs, each with at least `min_words` equal, from word bigram ids.

    Args:
        a: ids of each pair of consecutive words of the first text (`word_bigrams`).
        b: the same for the second text.
        max_gap: most words of edits (on either side) allowed inside one chain.
        min_words: fewest equal words a chain needs to be returned.
        a_breaks: indices of words of `a` that start a sentence, sorted.
        b_breaks: indices of words of `b` that start a sentence, sorted.

    Returns:
        The chains, in order; a chain starts and ends with a run of two or more words.

    Example:
        >>> ids = list(range(10))
        >>> align_bigrams(word_bigrams(ids), word_bigrams(ids))
        [WordMatch(a_start=0, a_end=10, b_start=0, b_end=10, matched=10)]
    """
    options = {"max_gap": max_gap, "min_words": min_words}
    return chain_blocks(equal_blocks(a, b), **options, a_breaks=a_breaks, b_breaks=b_breaks)


def equal_blocks(a: Sequence[int], b: Sequence[int]) -> list[_Block]:
    """The runs of equal words of the longest common subsequence of two bigram id
    sequences (rapidfuzz `Indel.opcodes`), as word ranges `(a start, a end, b start, b end)`.

    Example:
        >>> equal_blocks([1, 2, 3], [9, 2, 3])
        [(1, 4, 1, 4)]
    """
    return [
        (op.src_start, op.src_end + 1, op.dest_start, op.dest_end + 1)
        for op in Indel.opcodes(a, b)
        if op.tag == "equal"
    ]


def chain_blocks(
    blocks: Sequence[_Block],
    *,
    max_gap: int,
    min_words: int,
    a_breaks: Sequence[int],
    b_breaks: Sequence[int],
) -> list[WordMatch]:
    """Equal-word runs (`equal_blocks`) chained into matches: see `align_bigrams`.

    The Python reference of `_kernel.chain_blocks` (tests hold the two equal).

    Example:
        >>> chain_blocks([(0, 5, 0, 5), (6, 9, 7, 10)], max_gap=4, min_words=8,
        ...              a_breaks=[], b_breaks=[])
        [WordMatch(a_start=0, a_end=9, b_start=0, b_end=10, matched=8)]
    """
    matches: list[WordMatch] = []
    chain: list[_Block] = []
    for block in blocks:
        if chain and _breaks_chain(chain[-1], block, max_gap, a_breaks, b_breaks):
            _close(chain, min_words, matches)
            chain = []
        chain.append(block)
    _close(chain, min_words, matches)
    return matches


def word_bigrams(ids: Sequence[Hashable]) -> list[int]:
    """Ids of each pair of consecutive words (`len(ids) - 1` of them), equal for equal pairs
    within one process."""
    return [hash(pair) for pair in pairwise(ids)]


def _breaks_chain(
    prev: _Block, block: _Block, max_gap: int, a_breaks: Sequence[int], b_breaks: Sequence[int]
) -> bool:
    gap_a, gap_b = block[0] - prev[1], block[2] - prev[3]
    if max(gap_a, gap_b) > max_gap:
        return True
    # An edit that ends one side's sentence and starts the next ("..., it was added. The
    # first round") joins two different reuses; a sentence dropped or added on one side
    # (the other side's gap empty) is an edit inside one passage.
    ends_a = bisect_right(a_breaks, block[0]) > bisect_right(a_breaks, prev[1])
    ends_b = bisect_right(b_breaks, block[2]) > bisect_right(b_breaks, prev[3])
    return (ends_a and gap_b > 0) or (ends_b and gap_a > 0)


def _close(chain: list[_Block], min_words: int, out: list[WordMatch]) -> None:
    # A single shared word at either end of a chain is more often chance ("the", "said")
    # than reuse, so a chain must start and end on a run of at least two words.
    while chain and chain[0][1] - chain[0][0] < 2:
        chain = chain[1:]
    while chain and chain[-1][1] - chain[-1][0] < 2:
        chain = chain[:-1]
    # Bigram runs can share a word at their edge; count each word of `a` once.
    matched = len({i for blk in chain for i in range(blk[0], blk[1])})
    if chain and matched >= min_words:
        out.append(WordMatch(chain[0][0], chain[-1][1], chain[0][2], chain[-1][3], matched))


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a text's words and sentences are: sorted character offsets to bisect.

    Passages are snapped and scored a few times per candidate pair, so a handful of
    binary searches over the document's offset arrays beats converting whole documents.
    """

    word_starts: npt.NDArray[np.int64]
    word_ends: npt.NDArray[np.int64]
    sentence_starts: npt.NDArray[np.int64]
    sentence_ends: npt.NDArray[np.int64]

    @classmethod
    def of(cls, words: Words, sentences: Sequence[Segment]) -> Layout:
        """The layout of a text from its `split_words` and `split_sentences`."""
        return cls(
            words.starts,
            words.ends,
            np.array([seg.start for seg in sentences], dtype=np.int64),
            np.array([seg.end for seg in sentences], dtype=np.int64),
        )

    def words_between(self, start: int, end: int) -> int:
        """Number of words lying wholly inside characters `[start, end)`."""
        lo, hi = self.word_range(start, end)
        return max(0, hi - lo)

    def word_range(self, start: int, end: int) -> tuple[int, int]:
        """Indices `[lo, hi)` of the words lying wholly inside characters `[start, end)`."""
        # The array method, not np.searchsorted: this runs millions of times per corpus,
        # and the module function's dispatch costs more than the search.
        lo = int(self.word_starts.searchsorted(start, side="left"))
        return lo, int(self.word_ends.searchsorted(end, side="right"))


# Most words between a passage's edge and its sentence's edge for the passage to widen to
# the whole sentence (`snap_span`).
SNAP_SLACK = 3


def snap_span(layout: Layout, start: int, end: int, *, slack: int = SNAP_SLACK) -> tuple[int, int]:
    """Widen the character span of words `[start, end)` to its sentence's edges when close.

    The start moves to the start of its sentence when at most `slack` words precede it
    there (an opening quote, "The"); the end moves to the end of its sentence when at most
    `slack` words follow (closing punctuation and quotes, "the ministry said"). Reuse
    is judged sentence by sentence, so the evidence reads as whole sentences.

    Returns:
        Half-open character offsets into the original text.

    Example:
        >>> from dedup.normalize import split_sentences, split_words
        >>> text = "He said so. The talks will resume in Geneva next week, officials said."
        >>> layout = Layout.of(split_words(text), split_sentences(text))
        >>> start, end = snap_span(layout, 4, 11)  # "talks ... week"
        >>> text[start:end]
        'The talks will resume in Geneva next week, officials said.'
    """
    starts, ends = snap_spans(layout, np.array([start]), np.array([end]), slack=slack)
    return int(starts[0]), int(ends[0])


def snap_spans(
    layout: Layout,
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    *,
    slack: int = SNAP_SLACK,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`snap_span` of many word spans `[starts[i], ends[i])` of one text at once.

    A long pair of licences holds thousands of passages; one vector pass over them replaces
    a dozen binary searches per passage in Python.

    Example:
        >>> from dedup.normalize import split_sentences, split_words
        >>> text = "He said so. The talks will resume in Geneva next week, officials said."
        >>> layout = Layout.of(split_words(text), split_sentences(text))
        >>> snap_spans(layout, np.array([4, 0]), np.array([11, 2]))
        (array([12,  0]), array([70, 11]))
    """
    s_char, e_char = layout.word_starts[starts], layout.word_ends[ends - 1]
    seg_starts, seg_ends = layout.sentence_starts, layout.sentence_ends
    if not len(seg_starts):
        return s_char, e_char
    seg = seg_starts.searchsorted(s_char, side="right") - 1
    at = np.maximum(seg, 0)
    head = seg_starts[at]
    before = layout.word_ends.searchsorted(s_char, side="right")
    before -= layout.word_starts.searchsorted(head, side="left")
    s_snap = (seg >= 0) & (s_char < seg_ends[at]) & (before <= slack)
    seg = seg_starts.searchsorted(e_char, side="left") - 1
    at = np.maximum(seg, 0)
    tail = seg_ends[at]
    after = layout.word_ends.searchsorted(tail, side="right")
    after -= layout.word_starts.searchsorted(e_char, side="left")
    e_snap = (seg >= 0) & (e_char <= tail) & (after <= slack)
    return np.where(s_snap, head, s_char), np.where(e_snap, tail, e_char)


def joined_similarity(a: str, b: str) -> float:
    """rapidfuzz `fuzz.ratio` of two normalized texts (words joined by single spaces), in 0-1,
    at four decimals; 1.0 only for equal texts (a passage of 30,000 words with one word
    added rounded to 1.0 and was reported `verbatim`; it is 0.9999).

    Example:
        >>> joined_similarity("the first round", "the second round")
        0.7097
        >>> joined_similarity("a " * 30000 + "b", "a " * 30000 + "c b")
        0.9999
    """
    ratio = round(fuzz.ratio(a, b) / 100.0, 4)
    return min(ratio, _BELOW_ONE) if a != b else ratio


_BELOW_ONE = 0.9999
