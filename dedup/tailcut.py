"""The tail cut: a second learned stage that cuts a document's furniture tail in one piece.

The line model (`dedup.linemodel`) judges lines, and takes the tail block while its lines
score high. What is left at the end of a page is prose-shaped furniture the line model scores
in the middle: a comment thread, an author's bio, a call to action, related articles with a
description under each title, a disclaimer. One such line looks like article prose; the
whole run, after a short "Comments" or "About the author" heading, does not.

So the tail cut scores cut points, not lines: for each candidate line k of a document's tail
(`candidates`), the features of the suffix `[k:]` (its size, the line model's probabilities
over it, its share of prose, dates, bylines, calls to action, word weights, lexicon and site
repeat evidence), of line k (a short heading?) and of the line before it (the article's last
paragraph?) go through boosted trees of the same kind as the line model's (a `LineModel`
over `FEATURES`, fitted on the train split of the labelled pages), which give P(everything
from k to the end is furniture). The cut is the earliest k whose probability reaches the
threshold and whose line reads as a heading (`heading_gate`), with every line from there
on going.

The features are computed from the line model's feature matrix and probabilities only,
so the stage costs a few numpy calls a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError
from dedup.io.formats import json_value
from dedup.linefeatures import FEATURES as LINE_FEATURES
from dedup.linefeatures import RULE_COLUMN, WORDS, ends_sentence, prose_rows, sentence_rows
from dedup.linemodel import LineModel

Matrix = npt.NDArray[np.float64]

# Where candidates start: the later of this share of the document's lines and
# `MAX_SUFFIX` lines from its end (a cut never takes the first line).
MIN_POSITION = 0.3
MAX_SUFFIX = 200


def _col(name: str) -> int:
    return LINE_FEATURES.index(name)


_CHARS = _col("chars (log)")
_WORDS_LOG = _col("words (log)")
_MARK = _col("sentence mark at the end")
_TITLE = _col("title-case word share")
_LOWER = _col("starts lowercase")
_DIGITS = _col("digit share")
_URL = _col("URL or e-mail")
_CAPITALS = _col("mostly capitals")
_COLON = _col("ends with a colon")
_FUNCTION = _col("function-word share")
_DATE = _col("date in the line")
_BYLINE = _col("byline shape")
_HANDLE = _col("hashtag or @handle")
_ACTION = _col("starts with a call to action")
_YOU = _col("you / your share")
_WE = _col("we / our share")
_QUESTION = _col("question or exclamation at the end")
_WORD = LINE_FEATURES.index(WORDS[0])
_LEXICON = RULE_COLUMN["lexicon phrase"]
_PREFIX = RULE_COLUMN["lexicon label prefix"]
_REPEATS = RULE_COLUMN["repeats on the site (log documents)"]
_COUNTER = RULE_COLUMN["counter"]
_CUT_OFF = RULE_COLUMN["cut off with an ellipsis"]

# Per-line values whose mean over the suffix is a feature (name, column or derived).
_MEANS = (
    "line model probability",
    "taken by the line model",
    "prose",
    "sentence mark at the end",
    "heading shape",
    "function-word share",
    "date in the line",
    "byline shape",
    "starts with a call to action",
    "you / your share",
    "we / our share",
    "question or exclamation at the end",
    "URL or e-mail",
    "digit share",
    "word weights (log-odds)",
    "cut off with an ellipsis",
    "hashtag or @handle",
)
_MAXES = (
    "line model probability",
    "word weights (log-odds)",
    "lexicon phrase",
    "lexicon label prefix",
    "repeats on the site (log documents)",
    "counter",
    "words (log)",
)

FEATURES: tuple[str, ...] = (
    *(f"suffix mean: {name}" for name in _MEANS),
    *(f"suffix max: {name}" for name in _MAXES),
    "suffix min: line model probability",
    "suffix lines (log)",
    "suffix chars (log)",
    "suffix share of the document's lines",
    "suffix share of the document's chars",
    "cut position (0-1)",
    "lines before the cut (log)",
    "prose share before the cut",
    "mean probability before the cut",
    "cut line: line model probability",
    "cut line: heading shape",
    "cut line: words (log)",
    "cut line: sentence mark",
    "cut line: lexicon phrase",
    "cut line: lexicon label prefix",
    "cut line: word weights",
    "cut line: title-case word share",
    "cut line: mostly capitals",
    "cut line: ends with a colon",
    "cut line: starts lowercase",
    "cut line: repeats on the site",
    "line before: line model probability",
    "line before: prose",
    "line before: words (log)",
    "line before: sentence mark",
    "line before: word weights",
    "3 lines before: mean probability",
)


def _per_line(x: Matrix, p: Matrix, going: npt.NDArray[np.bool_]) -> dict[str, Matrix]:
    """The per-line values the suffix features average or take the maximum of."""
    words = np.expm1(x[:, _WORDS_LOG])
    mark = x[:, _MARK] > 0
    return {
        "line model probability": p,
        "taken by the line model": going.astype(float),
        "prose": prose_rows(x).astype(float),
        "sentence mark at the end": mark.astype(float),
        "heading shape": ((words <= 8.5) & ~mark).astype(float),
        "function-word share": x[:, _FUNCTION],
        "date in the line": x[:, _DATE],
        "byline shape": x[:, _BYLINE],
        "starts with a call to action": x[:, _ACTION],
        "you / your share": x[:, _YOU],
        "we / our share": x[:, _WE],
        "question or exclamation at the end": x[:, _QUESTION],
        "URL or e-mail": x[:, _URL],
        "digit share": x[:, _DIGITS],
        "word weights (log-odds)": x[:, _WORD],
        "cut off with an ellipsis": x[:, _CUT_OFF],
        "hashtag or @handle": x[:, _HANDLE],
        "lexicon phrase": x[:, _LEXICON],
        "lexicon label prefix": x[:, _PREFIX],
        "repeats on the site (log documents)": x[:, _REPEATS],
        "counter": x[:, _COUNTER],
        "words (log)": x[:, _WORDS_LOG],
    }


def prose_scores(x: Matrix) -> Matrix:
    """A score of each line (rows of a line feature matrix) whose best-summing run of
    lines is a document's prose block (`main_blocks`): a paragraph 1, a shorter sentence
    0.3, any other line -0.2.

    Whole-page text holds the article as one run of paragraphs among menus, link lists
    and footers; the run with the most prose mass is where it is, as jusText and
    boilerpipe find it by text density. On dev the block ends after the last article line
    in 80 % of whole-page documents (html-text, inscriptis), and 77-96 % of the others.

    Example:
        >>> from dedup.linefeatures import document_features
        >>> texts = ["Home", "The minister resigned on Friday after a long week of talks."]
        >>> prose_scores(document_features(texts, [t.lower() for t in texts], [{}, {}]))
        array([-0.2,  1. ])
    """
    out: Matrix = np.where(prose_rows(x), 1.0, np.where(sentence_rows(x), 0.3, -0.2))
    return out


def main_blocks(
    scores: Matrix, chars: Matrix, sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Matrix]:
    """Per document (rows of `scores` stacked by `sizes`) and score column: the main
    block's first line, its end (half-open), and its share of the document's `chars`.

    The main block is the contiguous run of lines with the highest sum of scores (a
    maximum-sum subarray, from running sums over a grid of the documents, earliest on a
    tie).

    Example:
        >>> s = np.array([[-0.2], [1.0], [-0.2], [1.0], [-0.2], [-0.2]])
        >>> start, end, share = main_blocks(s, np.array([5.0, 50, 5, 30, 5, 5]), np.array([6]))
        >>> start.tolist(), end.tolist(), share.round(2).tolist()
        ([[1]], [[4]], [[0.85]])
    """
    docs, width = len(sizes), max(1, int(sizes.max()) if len(sizes) else 1)
    line_doc = np.repeat(np.arange(docs), sizes)
    index = np.arange(len(line_doc)) - (np.cumsum(sizes) - sizes)[line_doc]
    grid = np.zeros((docs, width, scores.shape[1] + 1))
    grid[line_doc, index] = np.column_stack((scores, chars))
    sums = np.concatenate((np.zeros((docs, 1, grid.shape[2])), np.cumsum(grid, axis=1)), axis=1)
    running = sums[:, :, :-1]
    gain = running[:, 1:] - np.minimum.accumulate(running, axis=1)[:, :-1]
    past = np.arange(width)[None, :] >= sizes[:, None]
    gain[past] = -np.inf  # a block never ends in the padding
    end = np.argmax(gain, axis=1) + 1
    reach = np.arange(width + 1)[None, :, None] < end[:, None, :]
    start = np.argmin(np.where(reach, running, np.inf), axis=1)
    rows = np.arange(docs)[:, None]
    block = sums[rows, end, -1] - sums[rows, start, -1]
    share: Matrix = block / np.maximum(1.0, sums[:, -1, -1])[:, None]
    return start.astype(np.int64), end.astype(np.int64), share


def candidates(n: int) -> npt.NDArray[np.int64]:
    """The lines (of `n` non-blank lines) a cut may start at, earliest first.

    Example:
        >>> candidates(10).tolist()
        [3, 4, 5, 6, 7, 8, 9]
        >>> candidates(1).tolist()
        []
    """
    first = max(1, int(np.ceil(MIN_POSITION * n)), n - MAX_SUFFIX)
    return np.arange(first, n, dtype=np.int64)


def cut_features(x: Matrix, p: Matrix, going: npt.NDArray[np.bool_]) -> Matrix:
    """The `FEATURES` of every candidate cut of one document (a row per `candidates` line).

    Args:
        x: the document's line feature matrix (`linefeatures.FEATURES` columns).
        p: the line model's probability of each line.
        going: which lines the line model takes.

    Returns:
        A `(len(candidates(len(x))), len(FEATURES))` matrix.

    Example:
        >>> from dedup.linefeatures import document_features
        >>> texts = ["A long paragraph of the article, as the minister said on Friday.",
        ...          "Comments", "Great post, thanks!"]
        >>> x = document_features(texts, [t.lower() for t in texts], [{}, {}, {}])
        >>> cut_features(x, np.array([0.1, 0.9, 0.3]), np.array([False, True, False])).shape
        (2, 51)
    """
    n = len(x)
    ks = candidates(n)
    if not len(ks):
        return np.zeros((0, len(FEATURES)))
    v = _per_line(x, p, going)
    size = (n - ks).astype(float)
    columns: list[Matrix] = []
    for name in _MEANS:
        columns.append(_suffix_sums(v[name])[ks] / size)
    for name in _MAXES:
        columns.append(np.maximum.accumulate(v[name][::-1])[::-1][ks])
    columns.append(np.minimum.accumulate(p[::-1])[::-1][ks])
    chars = np.expm1(x[:, _CHARS])
    suffix_chars = _suffix_sums(chars)[ks]
    before = ks.astype(float)
    prose_before = np.concatenate(([0.0], np.cumsum(v["prose"])))[ks] / before
    p_sums = np.concatenate(([0.0], np.cumsum(p)))
    p_before = p_sums[ks]
    lo3 = np.maximum(0, ks - 3)
    p3 = p_before - p_sums[lo3]
    columns += [
        np.log1p(size),
        np.log1p(suffix_chars),
        size / n,
        suffix_chars / max(1.0, float(chars.sum())),
        ks / max(1, n - 1),
        np.log1p(before),
        prose_before,
        p_before / before,
        p[ks],
        v["heading shape"][ks],
        x[ks, _WORDS_LOG],
        x[ks, _MARK],
        x[ks, _LEXICON],
        x[ks, _PREFIX],
        x[ks, _WORD],
        x[ks, _TITLE],
        x[ks, _CAPITALS],
        x[ks, _COLON],
        x[ks, _LOWER],
        x[ks, _REPEATS],
        p[ks - 1],
        v["prose"][ks - 1],
        x[ks - 1, _WORDS_LOG],
        x[ks - 1, _MARK],
        x[ks - 1, _WORD],
        p3 / (ks - lo3),
    ]
    return np.stack(columns, axis=1)


def batch_cut_features(
    documents: list[tuple[Matrix, Matrix, npt.NDArray[np.bool_]]],
) -> list[Matrix]:
    """`cut_features` of each document (its line features, probabilities, decisions), equal
    to it float for float, from numpy calls over all documents at once instead of some
    forty a document.

    Sums run in each document's own order, as `cut_features` adds them: suffix sums over a
    grid of the documents' last `MAX_SUFFIX` lines (reversed), prefix sums of the
    probabilities over a grid of whole documents; counts of prose lines, whole numbers, over
    one running sum of all rows.

    Example:
        >>> from dedup.linefeatures import document_features
        >>> texts = ["A long paragraph of the article, as the minister said on Friday.",
        ...          "Comments", "Great post, thanks!"]
        >>> x = document_features(texts, [t.lower() for t in texts], [{}, {}, {}])
        >>> doc = (x, np.array([0.1, 0.9, 0.3]), np.array([False, True, False]))
        >>> [r.tobytes() for r in batch_cut_features([doc])] == [cut_features(*doc).tobytes()]
        True
    """
    sizes = np.array([len(x) for x, _, _ in documents], dtype=np.int64)
    counts = np.array([len(candidates(int(n))) for n in sizes], dtype=np.int64)
    if not counts.sum():
        return [np.zeros((0, len(FEATURES))) for _ in documents]
    x = np.vstack([d[0] for d in documents])
    p = np.concatenate([d[1] for d in documents])
    v = _per_line(x, p, np.concatenate([d[2] for d in documents]))
    at = _Candidates(sizes, counts)
    ks, n, rows = at.ks, at.n, at.rows
    size = (n - ks).astype(float)
    chars = np.expm1(x[:, _CHARS])
    sums = at.suffix(np.stack([*(v[name] for name in _MEANS), chars], axis=1), np.add, 0.0)
    maxes = at.suffix(np.stack([v[name] for name in _MAXES], axis=1), np.maximum, -np.inf)
    columns: list[Matrix] = [sums[:, j] / size for j in range(len(_MEANS))]
    columns += [maxes[:, j] for j in range(len(_MAXES))]
    columns.append(at.suffix(p[:, None], np.minimum, np.inf)[:, 0])
    suffix_chars = sums[:, len(_MEANS)]
    starts = (np.cumsum(sizes) - sizes).tolist()
    total = [max(1.0, float(chars[a : a + m].sum())) for a, m in zip(starts, sizes, strict=True)]
    before = ks.astype(float)
    prose = np.concatenate(([0.0], np.cumsum(v["prose"])))  # whole numbers: exact
    p_sums = at.prefix_sums(p)
    lo3 = np.maximum(0, ks - 3)
    columns += [
        np.log1p(size),
        np.log1p(suffix_chars),
        size / n,
        suffix_chars / np.array(total)[at.doc],
        ks / np.maximum(1, n - 1),
        np.log1p(before),
        (prose[rows] - prose[rows - ks]) / before,
        p_sums[at.doc, ks] / before,
        p[rows],
        v["heading shape"][rows],
        *(x[rows, col] for col in _CUT_LINE),
        p[rows - 1],
        v["prose"][rows - 1],
        *(x[rows - 1, col] for col in _LINE_BEFORE),
        (p_sums[at.doc, ks] - p_sums[at.doc, lo3]) / (ks - lo3),
    ]
    out = np.stack(columns, axis=1)
    bounds = (np.cumsum(counts) - counts).tolist()
    return [out[a : a + m] for a, m in zip(bounds, counts.tolist(), strict=True)]


class _Candidates:
    """The candidate cuts of stacked documents: each one's document, its size, the cut
    line in it (`ks`) and among all rows (`rows`)."""

    def __init__(self, sizes: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> None:
        self.sizes = sizes
        self.start = np.cumsum(sizes) - sizes  # each document's first row
        self.doc = np.repeat(np.arange(len(sizes)), counts)
        self.n = sizes[self.doc]
        first = (np.cumsum(counts) - counts)[self.doc]  # the document's first candidate
        self.ks = self.n - counts[self.doc] + (np.arange(len(self.doc)) - first)
        self.rows = self.start[self.doc] + self.ks
        self.line_doc = np.repeat(np.arange(len(sizes)), sizes)
        self.index = np.arange(int(sizes.sum())) - self.start[self.line_doc]

    def suffix(self, values: Matrix, ufunc: np.ufunc, fill: float) -> Matrix:
        """`ufunc.accumulate` of each column from each document's end back to each
        candidate: over a grid of the documents' last `MAX_SUFFIX` lines, last line first,
        so every sum adds in the order `cut_features` adds it."""
        from_end = self.sizes[self.line_doc] - 1 - self.index
        tail = from_end < MAX_SUFFIX
        grid = np.full(
            (len(self.sizes), min(MAX_SUFFIX, int(self.sizes.max())), values.shape[1]), fill
        )
        grid[self.line_doc[tail], from_end[tail]] = values[tail]
        out: Matrix = ufunc.accumulate(grid, axis=1)[self.doc, self.n - 1 - self.ks]
        return out

    def prefix_sums(self, values: Matrix) -> Matrix:
        """Per document, the running sums of `values` from its first line (column k: the
        sum of lines before k), in the document's order."""
        grid = np.zeros((len(self.sizes), int(self.sizes.max())))
        grid[self.line_doc, self.index] = values
        out: Matrix = np.hstack((np.zeros((len(grid), 1)), np.cumsum(grid, axis=1)))
        return out


# The line features `cut_features` copies of the cut line and of the line before it.
_CUT_LINE: tuple[int, ...] = (_WORDS_LOG, _MARK, _LEXICON, _PREFIX, _WORD, _TITLE)
_CUT_LINE += (_CAPITALS, _COLON, _LOWER, _REPEATS)
_LINE_BEFORE = (_WORDS_LOG, _MARK, _WORD)


def _suffix_sums(values: Matrix) -> Matrix:
    """`out[k] = values[k:].sum()`."""
    out: Matrix = np.cumsum(values[::-1])[::-1]
    return out


def cut_labels(codes: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """Training labels of the candidate cuts of a document whose lines are coded 1
    (boilerplate), 0 (content) or -1 (left out): 1 when the suffix holds boilerplate and no
    content, 0 when it holds content, -1 (left out) when it holds neither.

    Example:
        >>> cut_labels(np.array([0, 0, 0, 0, 1, -1, 1, 0, 1, 1], dtype=np.int8)).tolist()
        [0, 0, 0, 0, 0, 1, 1]
    """
    ks = candidates(len(codes))
    content = _suffix_sums((codes == 0).astype(float))[ks] if len(ks) else np.zeros(0)
    furniture = _suffix_sums((codes == 1).astype(float))[ks] if len(ks) else np.zeros(0)
    return np.where(content > 0, 0, np.where(furniture > 0, 1, -1)).astype(np.int8)


_OPENS_AT_HEADING = FEATURES.index("cut line: heading shape")


def heading_gate(rows: Matrix) -> npt.NDArray[np.bool_]:
    """Which candidate cuts (rows of `cut_features`) may cut at all: those whose first line
    reads as a heading (at most 8 words, no sentence mark), such as "Comments", "About the
    author" or "Related". A furniture tail opens with one; a cut in the middle of prose
    took the article's last paragraphs on dev (`benchmarks/boilerplate_real.py`).

    Example:
        >>> heading_gate(np.zeros((2, len(FEATURES)))).tolist()
        [False, False]
    """
    gate: npt.NDArray[np.bool_] = rows[:, _OPENS_AT_HEADING] > 0
    return gate


@dataclass(frozen=True, slots=True)
class Bar:
    """The probability a cut needs: `threshold`, or `short` where the suffix holds at most
    `short_lines` lines, one of them a sentence (`sentence_gate`), or `page` in a document
    that reads as a whole page (`page_shaped`); the lowest that applies.

    A wrong cut costs the content lines it takes, and a short suffix has few to take. What
    stays at the end of a page after the cut is mostly prose-shaped: a call to action, an
    author's bio, a related article's description, a site notice, which the cut scores in
    the middle. On dev, the bar for such suffixes of up to 8 lines could come down from
    0.80 to 0.65 (documents ending in furniture 32.1 -> 30.7 %, every extractor within its
    limit of article lines, no non-news line); a lower bar for every suffix took too much
    article text, and a short run of headings alone ("What happens next / Who decides / Why
    it matters", "- Reuters") is as often the article's own ending.

    A whole-page text dump (html-text, inscriptis: most of its lines menus, link lists and
    footers) ends in long furniture tails, and its article is a smaller share of the page:
    there a cut may go at the lower `page` bar.

    Example:
        >>> Bar(0.8, 0.65, 2).at(np.array([1, 2, 3])).tolist()
        [0.65, 0.65, 0.8]
        >>> Bar(0.8, 0.65, 2).at(np.array([1, 2]), np.array([False, True])).tolist()
        [0.8, 0.65]
        >>> Bar(0.8).at(np.array([1, 2])).tolist()
        [0.8, 0.8]
        >>> Bar(0.8, 0.65, 2, page=0.7).at(np.array([1, 3]), page=True).tolist()
        [0.65, 0.7]
    """

    threshold: float
    short: float | None = None
    short_lines: int = 0
    page: float | None = None

    def at(
        self,
        sizes: npt.NDArray[np.int64],
        sentences: npt.NDArray[np.bool_] | None = None,
        page: bool = False,
    ) -> Matrix:
        """The bar of each candidate cut, from the number of lines its suffix holds and
        whether one of them is a sentence (default: every suffix has one), in a document
        that reads as a whole page or not (`page`)."""
        out: Matrix = np.full(len(sizes), self.threshold)
        if self.short is not None:
            short = sizes <= self.short_lines
            if sentences is not None:
                short &= sentences
            out = np.where(short, self.short, out)
        if page and self.page is not None:
            out = np.minimum(out, self.page)
        return out

    def note(self, needed: float, page: bool) -> str:
        """Says so when a cut met a lower bar than the threshold (for its evidence)."""
        if needed >= self.threshold:
            return ""
        if page and needed == self.page:
            return (
                f" (a whole page: {PAGE_HEADINGS:.0%} or more of its lines heading-shaped, "
                f"{PAGE_HEAD_LINES} or more before its prose block, furniture to the line "
                f"model; others need {self.threshold:.2f})"
            )
        return (
            f" (a suffix of at most {self.short_lines} lines with a sentence; others need "
            f"{self.threshold:.2f})"
        )


# A document reads as a whole page (`page_shaped`) when at least this share of its lines
# are heading-shaped (at most 8 words, no sentence mark) and `PAGE_HEAD_LINES` of them come
# before its prose block (`main_blocks`), which the line model scores `PAGE_HEAD_P` on
# average: a head menu; and the prose block holds `PAGE_BLOCK_CHARS` of the page's
# characters: an article. The share of heading-shaped lines alone (0.45: 84 % of html-text
# and inscriptis documents on dev, but 8-22 % of the article extractors') let a lower bar
# take the article extractors' list-shaped articles: a directory of clinics lost 70 of its
# 99 lines, its addresses and phone numbers furniture to the line model, its prose block
# 10 % of its characters.
PAGE_HEADINGS = 0.4
PAGE_HEAD_LINES = 10
PAGE_HEAD_P = 0.5
PAGE_BLOCK_CHARS = 0.25


def page_shaped(x: Matrix, p: Matrix) -> bool:
    """Whether a document (its line feature matrix and line model probabilities) reads as
    a whole-page text dump, as `Bar` reads it: `PAGE_HEADINGS` or more of its lines
    heading-shaped (menus, link lists, section names, footers), `PAGE_HEAD_LINES` of them
    before its prose block, the lines there furniture to the line model (mean p
    `PAGE_HEAD_P` or more), and the block `PAGE_BLOCK_CHARS` of the characters.

    Example:
        >>> from dedup.linefeatures import document_features
        >>> menu = ["Home", "News", "Sport", "Business", "Opinion"] * 2
        >>> text = ["The minister resigned on Friday after a long week of talks, his office said."]
        >>> texts = menu + text * 6 + menu
        >>> x = document_features(texts, [t.lower() for t in texts], [{}] * len(texts))
        >>> p = np.array([0.9] * 10 + [0.1] * 6 + [0.9] * 10)
        >>> page_shaped(x, p), page_shaped(x, 1 - p), page_shaped(x[5:], p[5:])
        (True, False, False)
    """
    return bool(page_shapes([(x, p)])[0])


def page_shapes(documents: list[tuple[Matrix, Matrix]]) -> npt.NDArray[np.bool_]:
    """`page_shaped` of each document (its line features and probabilities), from numpy
    calls over all of them at once.

    Example:
        >>> from dedup.linefeatures import document_features
        >>> texts = ["Home", "The minister resigned on Friday after a long week of talks."]
        >>> x = document_features(texts, [t.lower() for t in texts], [{}, {}])
        >>> page_shapes([(x, np.array([0.9, 0.1])), (x[:0], np.zeros(0))]).tolist()
        [False, False]
    """
    return page_heads(documents) > 0


def page_heads(documents: list[tuple[Matrix, Matrix]]) -> npt.NDArray[np.int64]:
    """Per document (its line features and probabilities): where the prose block of a
    whole page starts (`page_shaped`), the lines above it being the page's head (menus,
    section lists, breadcrumbs); 0 for a document that does not read as a whole page.
    (`page_shaped`'s example is a page whose head is its first 10 lines.)

    Example:
        >>> page_heads([(np.zeros((0, len(LINE_FEATURES))), np.zeros(0))]).tolist()
        [0]
    """
    return page_blocks(documents)[0]


def page_blocks(
    documents: list[tuple[Matrix, Matrix]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per document: the prose block of a whole page (`page_shaped`), as its first line
    (`page_heads`) and its end (half-open); (0, 0) for a document that does not read as
    a whole page. The lines outside the block are the page's head and foot. (In
    `page_shaped`'s example page, the block is lines `[10, 16)`.)

    Example:
        >>> empty = (np.zeros((0, len(LINE_FEATURES))), np.zeros(0))
        >>> [a.tolist() for a in page_blocks([empty])]
        [[0], [0]]
    """
    sizes = np.array([len(x) for x, _ in documents], dtype=np.int64)
    if not sizes.sum():
        none = np.zeros(len(documents), dtype=np.int64)
        return none, none.copy()
    x = np.vstack([d[0] for d in documents])
    headings = _headings(x)
    chars = np.round(np.expm1(x[:, _CHARS])).astype(np.float64)
    found = main_blocks(prose_scores(x)[:, None], chars, sizes)
    start, share = found[0][:, 0], found[2][:, 0]
    first = np.cumsum(sizes) - sizes
    counts = np.concatenate(([0], np.cumsum(headings)))  # whole numbers: exact
    line_doc = np.repeat(np.arange(len(sizes)), sizes)
    grid = np.zeros((len(sizes), int(sizes.max())))
    grid[line_doc, np.arange(len(x)) - first[line_doc]] = np.concatenate([d[1] for d in documents])
    p_sums = np.hstack((np.zeros((len(sizes), 1)), np.cumsum(grid, axis=1)))
    head_p = p_sums[np.arange(len(sizes)), start] / np.maximum(1, start)
    shaped = (
        (sizes > 0)
        & ((counts[first + sizes] - counts[first]) / np.maximum(1, sizes) >= PAGE_HEADINGS)
        & (counts[first + start] - counts[first] >= PAGE_HEAD_LINES)
        & (head_p >= PAGE_HEAD_P)
        & (share >= PAGE_BLOCK_CHARS)
    )
    heads: npt.NDArray[np.int64] = np.where(shaped, start, 0).astype(np.int64)
    ends: npt.NDArray[np.int64] = np.where(shaped, found[1][:, 0], 0).astype(np.int64)
    return heads, ends


def _headings(x: Matrix) -> npt.NDArray[np.bool_]:
    """Heading-shaped lines: at most 8 words, no sentence mark."""
    out: npt.NDArray[np.bool_] = (np.expm1(x[:, _WORDS_LOG]) <= 8.5) & (x[:, _MARK] == 0)
    return out


_SENTENCES = FEATURES.index("suffix mean: sentence mark at the end")


def sentence_gate(rows: Matrix) -> npt.NDArray[np.bool_]:
    """Which candidate cuts (rows of `cut_features`) have a sentence in their suffix: only
    those may cut at a short suffix's lower bar (`Bar`).

    Example:
        >>> sentence_gate(np.zeros((2, len(FEATURES)))).tolist()
        [False, False]
    """
    gate: npt.NDArray[np.bool_] = rows[:, _SENTENCES] > 0
    return gate


def choose_cut(
    q: Matrix,
    n: int,
    threshold: float | Bar,
    gate: npt.NDArray[np.bool_] | None = None,
    sentences: npt.NDArray[np.bool_] | None = None,
    page: bool = False,
) -> int | None:
    """The earliest candidate line whose cut probability `q` reaches its bar (`threshold`,
    or a `Bar` by suffix size, `sentences` and `page`, as in `Bar.at`), among the
    candidates `gate` lets cut (by default all), or None.

    Example:
        >>> q = np.array([0.1, 0.2, 0.8, 0.9, 0.4, 0.95, 0.99])
        >>> choose_cut(q, 10, 0.7)
        5
        >>> choose_cut(q, 10, 0.7, np.array([False] * 3 + [True] * 4))
        6
        >>> choose_cut(np.array([0.1, 0.2, 0.5, 0.6]), 6, Bar(0.9, 0.55, 2))
        5
    """
    bar = threshold if isinstance(threshold, Bar) else Bar(threshold)
    ks = candidates(n)
    if gate is not None:
        q = np.where(gate, q, 0.0)
    plain = bar.short is None and (bar.page is None or not page)
    hits = np.flatnonzero(q >= (bar.threshold if plain else bar.at(n - ks, sentences, page)))
    if not len(hits):
        return None
    return int(ks[hits[0]])


@dataclass(frozen=True, slots=True)
class Cut:
    """Where a document's tail is cut, and why (the tail cut's finding for one document).

    Attributes:
        line: the first line (index among the document's non-blank lines) that goes.
        score: the cut model's probability that everything from `line` on is furniture.
        threshold: the probability this cut needed (the preset's `Bar` at its suffix size).
        evidence: the suffix described: its size, the line model's probabilities over it,
            and the features that pushed the score up the most.
    """

    line: int
    score: float
    threshold: float
    evidence: str


def find_cuts(
    model: LineModel,
    threshold: float | Bar,
    documents: list[tuple[Matrix, Matrix, npt.NDArray[np.bool_]]],
    pages: list[bool] | None = None,
) -> list[Cut | None]:
    """The tail cut of each document (its line features, line probabilities and the line
    model's decisions) at `threshold` (a probability, or a `Bar` by suffix size), all
    candidates of all documents scored at once (`pages`: `page_shapes` of the documents,
    when known).

    Example:
        >>> from dedup.linefeatures import document_features
        >>> texts = ["A long paragraph of the article, as the minister said on Friday."] * 3
        >>> x = document_features(texts, [t.lower() for t in texts], [{}] * 3)
        >>> find_cuts(load_cut_model(), 0.9, [(x, np.zeros(3), np.zeros(3, dtype=bool))])
        [None]
    """
    bar = threshold if isinstance(threshold, Bar) else Bar(threshold)
    rows = batch_cut_features(documents)
    if not any(len(r) for r in rows):
        return [None] * len(documents)
    q_all = model.probabilities(np.vstack(rows))
    if pages is None:
        pages = page_shapes([(x, p) for x, p, _ in documents]).tolist()
    bounds = np.cumsum([0, *(len(r) for r in rows)])
    chosen: dict[int, int] = {}  # document -> its cut's row among its candidates
    for k, (x, _, _) in enumerate(documents):
        q = q_all[bounds[k] : bounds[k + 1]]
        line = choose_cut(q, len(x), bar, heading_gate(rows[k]), sentence_gate(rows[k]), pages[k])
        if line is not None:
            chosen[k] = line - int(candidates(len(x))[0])
    # The cuts' explanations in one call (a call a cut was most of their time).
    picked = [rows[k][row : row + 1] for k, row in chosen.items()]
    tops = dict(zip(chosen, model.explain(np.vstack(picked)) if picked else [], strict=True))
    out: list[Cut | None] = [None] * len(documents)
    for k, row in chosen.items():
        (x, p, _), q, page = documents[k], q_all[bounds[k] : bounds[k + 1]], pages[k]
        line = row + int(candidates(len(x))[0])
        top = ", ".join(tops[k]) or "none"
        suffix = p[line:]
        sentences = sentence_gate(rows[k][row : row + 1])
        needed = float(bar.at(np.array([len(suffix)]), sentences, page)[0])
        evidence = (
            f"p={q[row]:.2f} >= {needed:.2f}{bar.note(needed, page)} that the last "
            f"{len(suffix)} non-blank lines are all furniture (line model "
            f"p over them: mean {suffix.mean():.2f}, min {suffix.min():.2f}); top: {top}"
        )
        out[k] = Cut(line, round(float(q[row]), 4), needed, evidence)
    return out


CUT_MODEL = "data/tailcut_model.json"


@lru_cache(maxsize=4)
def load_cut_model() -> LineModel:
    """The tail cut model shipped in the package (trees over `FEATURES`).

    Raises:
        ConfigError: the file cannot be read, is not a model, or has other features.
    """
    try:
        text = resources.files("dedup").joinpath(CUT_MODEL).read_text()
        model = LineModel.from_dict(json_value(text))
    except (OSError, ValueError, KeyError, TypeError) as ex:
        msg = f"the built-in tail cut model is not readable ({ex}); reinstall dedup"
        raise ConfigError(msg) from ex
    if model.features != FEATURES:
        msg = (
            f"the built-in tail cut model has {len(model.features)} features, this dedup "
            f"computes {len(FEATURES)}; rebuild it with benchmarks/boilerplate_real.py train"
        )
        raise ConfigError(msg)
    return model


def cut_threshold(model: LineModel, preset: str) -> Bar | None:
    """The cut probability a preset needs (None: the preset has no tail cut): the model's
    `presets` threshold, its `short_suffix` bar where the model file has one
    (`{"lines": 8, "presets": {"news": 0.65}}`), and its `page_bar` (`{"presets": {"news":
    0.6}}`)."""
    found = model.meta.get("presets", {}).get(preset)
    if found is None:
        return None
    short = model.meta.get("short_suffix", {})
    lower = short.get("presets", {}).get(preset)
    page = model.meta.get("page_bar", {}).get("presets", {}).get(preset)
    return Bar(
        float(found),
        None if lower is None else float(lower),
        int(short["lines"]) if lower is not None else 0,
        None if page is None else float(page),
    )


# ----------------------------------------------------------------------- notice tails
#
# What the cut leaves at the end of an article most often is one to three lines of
# prose-shaped furniture after the article's last paragraph, with no heading above them
# (so the heading gate keeps the cut shut): an author's bio ("Manoj Jain is adjunct faculty
# at Emory University and a physician based in Memphis."), a paywall prompt ("This article
# is exclusive to STAT+ subscribers"), a comment form's notice, a site notice ("Reference to
# any ... does not constitute an endorsement"). Their wording is the same from site to site,
# so cues, not sites, find them. Not a call to action ("Request a demo today", "Get a free
# trial."): the gold of the train split keeps a product blog's closing pitch as article text
# (25 content lines of 30 such cuts), while dev's was furniture.

_ROLES = (
    "professor|faculty|lecturer|instructor|teacher|writer|editor|journalist|reporter|"
    "correspondent|columnist|author|contributor|blogger|freelancer|founder|co-founder|"
    "cofounder|ceo|cto|cmo|coo|cfo|president|vice president|vp|director|officer|executive|"
    "analyst|manager|consultant|advisor|adviser|strategist|marketer|coach|partner|owner|"
    "researcher|scientist|fellow|economist|historian|physician|engineer|designer|"
    "specialist|attorney|lawyer|photographer|producer|practitioner"
)
# A name may hold lower-case particles ("Marna van der Merwe") and be followed by an
# appositive between commas ("Dr Marna van der Merwe, AIHR's Lead Subject Matter Expert, is").
_NAME = (
    r"(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s)?[A-Z][\w'’.-]+"
    r"(?:\s(?:(?:van|von|der|den|de|da|del|di|du|la|le|bin|al|ter|ten)\s)*[A-Z][\w'’.-]*){0,3}"
    r"(?:,\s[^,.!?]{3,80},)?"
)
_NOT_A_NAME = re.compile(
    r"^(?:The|This|That|These|Those|It|He|She|They|We|I|You|There|Here|What|Which|Who|Our|"
    r"My|His|Her|Their|Its|A|An|One|Each|Every|Some|Any|All|No|If|When|While|But|And|So)\b"
)
_BIO = re.compile(
    rf"^{_NAME}\s(?:is|was|has been|serves as|works as)\s(?:[^\s.!?]+\s){{0,6}}?"
    rf"(?:(?:an?|the)\s)?[^\s.!?]*\b(?i:{_ROLES})\b(?!-)"
    rf"|^{_NAME}\s(?:writes|covers|reports)\s(?:about|on|for)\b"
)
# A bio without a role word ("Kaavya is a creative enthusiast at ProServeIT ... she brings",
# "Lisa has over 20 years of experience in tax preparation. Her success ...", "Autumn
# founded Ambuja Yoga in 2014 to share her love of ..."): a name that is, has years of
# experience or founded something, and a third-person pronoun after it. It reads as well
# as the article's own last lines about the person the article is about ("Tomson Highway
# is a Cree playwright, novelist ... He is best known for ...", train, labelled content),
# so it counts only for a person the article does not name (`notice_start`).
_PERSON = re.compile(
    rf"^{_NAME}\s(?:is\s(?:an?|the)\s|has\s(?:over\s|more\sthan\s|nearly\s|almost\s)?"
    rf"\d+\+?\s(?:years|decades)\b|(?:co-)?founded\s[A-Z])(?=.*?\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er)\b)"
)
# Each kind of notice: its name, words one of which every line it matches holds (in
# `str.casefold` form: a cheap test before the pattern, which takes some 1.3 us a line
# and alternative), and its pattern.
_NOTICES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "paywall prompt",
        ("already", "exclusive", "reading", "unlock"),
        re.compile(
            r"\balready (?:have an account|a subscriber)\b|\bexclusive to\b.{0,40}\bsubscribers\b"
            r"|\b(?:subscribe|log in|sign in|register) (?:now )?to (?:continue|keep) reading\b"
            r"|\bunlock (?:this|the full) (?:article|story)\b",
            re.I,
        ),
    ),
    (
        "comment form notice",
        ("published", "required", "html tags", "akismet"),
        re.compile(
            r"\byour email address will not be published\b|\brequired fields are marked\b"
            r"|\byou may use these html tags\b|\bthis site uses akismet\b",
            re.I,
        ),
    ),
    (
        "site notice",
        (
            *("constitute", "reprinted", "expressed", "site", "affiliate", "amazon"),
            *("qualifying", "advice", "forward-looking", "owns the", "registered trademark"),
            *("usable", "rights reserved"),
        ),
        re.compile(
            r"\bdoes not constitute an? (?:endorsement|recommendation)\b"
            r"|\breprinted (?:here )?with permission\b"
            r"|\bthe views (?:and opinions )?expressed\b.{0,80}\b(?:are|do not)\b"
            r"|\bthis (?:web)?site (?:is|was) (?:developed|maintained|operated)\b"
            r"|\b(?:contains|may (?:also )?use|uses) affiliate links?\b"
            r"|\bas an amazon associate\b"
            r"|\bearns? (?:a (?:small )?commission )?from qualifying purchases\b"
            r"|\bnot (?:intended as |meant as |to be (?:construed|taken) as )?"
            r"(?:legal|financial|tax|medical|investment) advice\b"
            r"|\b(?:intended|meant) (?:as|to (?:be|constitute)) (?:\w+,? ){0,5}advice\b"
            r"|\bforward-looking statements\b"
            r"|\bowns the (?:certification |trade)?marks?\b"
            r"|\b(?:is a|are) registered trademarks? of\b"
            r"|\baccessible to and usable by\b"
            r"|©.{0,80}\ball rights reserved\b",
            re.I,
        ),
    ),
    (
        "byline",
        ("by",),
        re.compile(r"^(?:(?:[Ww]ritten|[Pp]osted) )?[Bb]y [A-Z][\w'’-]+(?: [A-Z][\w'’.-]*){0,3}$"),
    ),
    (
        "form consent",
        ("agree", "consent"),
        re.compile(
            r"\bby (?:pressing|clicking|tapping|submitting|checking|posting)\b.{0,60}?\b(?:i|you) "
            r"(?:agree|consent)\b",
            re.I,
        ),
    ),
)
# The list of tags a WordPress comment form allows ('<a href="" title=""> <abbr title="">
# <b> ...'), under "You may use these HTML tags and attributes:": markup, but furniture, a
# label of the comment form's run of notices.
TAG_LIST = re.compile(r'\s*(?:<[a-z]+(?: [a-z]+="")*>\s*){3,}$')
# A run of notice lines may hold short label lines ("Written by", "Joe Kindness", "About the
# Author") of at most this many words; and it is at most `NOTICE_LINES` non-blank lines long.
_LABEL_WORDS = 5
NOTICE_LINES = 20
# Under the run's notices (a bio's next lines, the related headlines after an author box),
# lines the line model scores at least this go with the run as well. Dev, news: 28.3 -> 27.1 %
# of documents ending in furniture; train 27.9 -> 27.5 %, article lines 0.31 % either way
# (0.2 and 40 lines: 26.9 and 27.5 %, but train 0.32 %). Above the earliest notice only labels
# go: lines of p >= 0.3 there took a gold-kept link list ("Hire an SEO ...", 14 lines, train).
NOTICE_FLOOR = 0.3


def notice_kind(text: str) -> str | None:
    """What kind of end-of-page notice a line reads as (None: none).

    Example:
        >>> notice_kind("Manoj Jain is adjunct faculty at Emory University and a physician.")
        'author bio'
        >>> notice_kind("This article is exclusive to STAT+ subscribers")
        'paywall prompt'
        >>> notice_kind("The minister is a former professor of law.") is None
        True
    """
    text = text.strip()
    if (_BIO.search(text) or _PERSON.search(text)) and not _NOT_A_NAME.search(text):
        return "author bio"
    folded = text.casefold()
    for kind, words, pattern in _NOTICES:
        for word in words:
            if word in folded:
                if pattern.search(text):
                    return kind
                break
    return None


# The lines of a document's head (a byline, a title) that may name a bio's person without
# making the article about them (`line_notice`).
_HEAD_LINES = 3


def line_notice(texts: list[str], i: int) -> str | None:
    """What kind of end-of-page notice line i of a document (its non-blank lines) reads as
    (`notice_kind`), where a bio without a role word (`_PERSON`) counts only when the
    article does not name its person (`_named_above`): an article may end on a note about
    the person it is about.

    Example:
        >>> head = ["Tax law changed", "By Jo Roe", "May 2, 2025"]
        >>> bio = "Lisa has over 20 years of experience in tax preparation. Her clients ..."
        >>> line_notice([*head, "File early this year, as the IRS says.", bio], 4)
        'author bio'
        >>> line_notice([*head, "Lisa Smith filed early this year, she says.", bio], 4) is None
        True
    """
    text = texts[i].strip()
    kind = notice_kind(text)
    if kind != "author bio" or (_BIO.search(text) and not _NOT_A_NAME.search(text)):
        return kind
    found = _PERSON.match(text)
    names = set(re.findall(r"[A-Z][\w'’-]{2,}", text[: found.end()] if found else ""))
    return None if _named_above(texts[:i], names) else kind


def _named_above(texts: list[str], names: set[str]) -> bool:
    """Whether a line of six words or more of `texts`, past the head's first `_HEAD_LINES`
    (a title, a date) and not a byline, holds one of `names` as a word.

    A byline names the author whose bio ends the page ("By Tomson Highway and From
    Masculindians" above the essay, train), not the person the article is about."""
    for text in texts[_HEAD_LINES:]:
        words = text.split()
        if len(words) < 6 or words[0].lower() == "by":
            continue
        if names & {w.strip(".,;:!?'’\"()") for w in words}:
            return True
    return False


def notice_start(
    texts: list[str], gone: npt.NDArray[np.bool_], likely: npt.NDArray[np.bool_] | None = None
) -> tuple[int, str] | None:
    """The first line of the run of notice lines (`notice_kind`, with short labels among
    them, and under the notices the `likely` lines) that ends what is left of a document
    once the `gone` lines are out, and the earliest notice's kind; None when the last
    remaining line is none of these, or the run holds no notice, or is longer than
    `NOTICE_LINES`.

    Example:
        >>> texts = ["The minister resigned on Friday after a long week of talks.",
        ...          "Written by", "Jane Roe is a reporter at the Daily Post.",
        ...          "She covers city hall and lives in Leeds with her two dogs.", "Share"]
        >>> gone = np.array([False] * 4 + [True])
        >>> notice_start(texts, gone, likely=np.array([False] * 3 + [True, False]))
        (1, 'author bio')
        >>> notice_start(texts, gone) is None  # it ends in a line of prose
        True
    """
    start, kind, size = None, None, 0
    for i in range(len(texts) - 1, 0, -1):
        if gone[i]:
            continue
        found = line_notice(texts, i)
        words = len(texts[i].split())
        label = words <= _LABEL_WORDS and not ends_sentence(texts[i])
        label = label or TAG_LIST.match(texts[i]) is not None
        below = kind is None and likely is not None and likely[i]  # under every notice
        if found is None and not label and not below:
            break
        size += 1
        if size > NOTICE_LINES:
            return None
        kind = found or kind
        start = i
    if start is None or kind is None:
        return None
    return start, kind
