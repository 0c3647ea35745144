"""Line features for the boilerplate model: shape, words, position, neighbours, rule evidence.

Each non-blank line of a document becomes one row of numbers. The rules of
`dedup.boilerplate` (lexicon, counters, cut-off teasers, site repeats, ...) are features here
among the others, so the model learns how much each is worth on real pages instead of
trusting a hand-set tier. Features are cheap on purpose (a few regexes and counts per line):
boilerplate detection must keep up with thousands of documents per second per core.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import chain, repeat
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

_SENTENCE_MARKS = frozenset(".!?;:…\"”’'»)]।۔؟")
_PROSE_MARKS = _SENTENCE_MARKS - {";", ":", "]"}


def ends_sentence(text: str) -> bool:
    """Whether a line ends in a sentence mark, closing quote or bracket (spaces ignored).

    A character test on the last character, not a regex: a `\\s*$` pattern is tried at
    every position of a long paragraph.

    Example:
        >>> ends_sentence("He said so."), ends_sentence("Related Articles"), ends_sentence("")
        (True, False, False)
    """
    last = text.rstrip()[-1:]
    return bool(last) and last in _SENTENCE_MARKS


def ends_cut_off(text: str) -> bool:
    """Whether a line ends in an ellipsis ("…" or two or more dots).

    Example:
        >>> ends_cut_off("The minister said that…"), ends_cut_off("Done.")
        (True, False)
    """
    return text.rstrip().endswith(("…", ".."))


_URL = re.compile(r"https?://|www\.|\b[\w.+-]+@[\w-]+\.\w|\.(?:com|org|net|in|pk|uk)\b", re.I)
_SEPARATOR_CHARS = frozenset("|•·»›/–—")
_SEPARATORS = re.compile(r"\s[|•·»›/–—]\s|\s\|\s?|^\W*[|•·»›]")
_BULLET = re.compile(r"^\s*(?:[-*•·▪►>»]|\d+[.)])\s")
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{1,2}:\d{2}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\b|"
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b|"
    r"\b(?:hours?|days?|minutes?|weeks?)\s+ago\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\W*(?:by|von|par|por|written by|posted by|reported by)\s+\S+|"
    r"^\W*[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:\||,|-|–)\s*\w+",
    re.IGNORECASE,
)
# `_URL` without its e-mail branch, for lines without "@" (the branch is the slow one).
_URL_NO_MAIL = re.compile(r"https?://|www\.|\.(?:com|org|net|in|pk|uk)\b", re.I)
_HANDLE = re.compile(r"(?:^|\s)[#@]\w")
# English, German, French, Spanish, Hindi and Urdu function words: prose is full of them;
# menus, headlines and labels are not.
_FUNCTION_WORDS = frozenset(
    " ".join(
        (
            "the a an of to in and or for on at by with from as is are was were be been has",
            "have had it its this that these those he she they we you i his her their our not",
            "but which who will would can could should may said than then there also into",
            "about after over",
            "der die das und ist nicht ein eine zu den von mit sich des auf für im dem",
            "le la les de des et est un une du en que qui pas pour dans sur au",
            "el los las y es por con para una del se su lo como más",
            "का की के है और में से को पर यह कि भी एक था हैं",
            "کا کی کے ہے اور میں سے کو پر یہ کہ بھی ایک تھا ہیں",
        )
    ).split()
)

# Site furniture speaks to the reader in the imperative ("Book a free demo", "Join our
# newsletter") and in the company's voice; article prose mostly does not.
_CALLS_TO_ACTION = frozenset(
    " ".join(
        (
            "book buy call check click contact discover download explore find follow get join",
            "learn listen log read register request see share shop sign start subscribe tap",
            "try view visit watch lesen abonnieren teilen folgen lire partager suivre abonnez",
            "lee comparte síguenos suscríbete पढ़ें देखें शेयर پڑھیں دیکھیں",
        )
    ).split()
)
_YOU = frozenset(("you", "your", "yours", "you're", "youre", "yourself"))
_WE = frozenset(("we", "our", "ours", "us", "we're"))

_SAMPLE = 160
_NO_DIGITS = dict.fromkeys(map(ord, "0123456789"))

SHAPE = (
    "chars (log)",
    "words (log)",
    "sentence mark at the end",
    "ellipsis at the end",
    "no letters",
    "title-case word share",
    "starts lowercase",
    "digit share",
    "URL or e-mail",
    "separators (| • » /)",
    "mostly capitals",
    "bullet or number start",
    "ends with a colon",
    "function-word share",
    "mean word length",
    "date in the line",
    "byline shape",
    "hashtag or @handle",
    "starts with a call to action",
    "you / your share",
    "we / our share",
    "question or exclamation at the end",
)
POSITION = (
    "position in the document (0-1)",
    "lines to the end (log)",
    "lines from the start (log)",
    "first line",
    "last line",
    "prose lines after (log)",
    "prose lines before (log)",
    "document lines (log)",
    "share of prose lines in the document",
)
NEIGHBOURS = (
    "previous line is prose",
    "next line is prose",
    "short lines within 3 (share)",
    "title-like lines within 3 (share)",
    "neighbours' words (log mean)",
    "same word count as a neighbour",
)
RULES = (
    "lexicon phrase",
    "lexicon label prefix",
    "syndication trailer",
    "counter",
    "share buttons",
    "teaser of another document",
    "bare URL",
    "copyright",
    "repeats on the site (log documents)",
    "cut off with an ellipsis",
    "run of cut-off lines",
    "metadata header",
    "breadcrumb",
)
# The line's word log-odds (`dedup.linewords`), and its neighbours': boilerplate comes in
# blocks, and a bio or a newsletter prompt at the tail drags the lines around it along.
WORDS = (
    "word weights (log-odds)",
    "word weights within 3 lines (mean)",
    "word weights of the lines after (mean)",
    "previous line's word weights",
    "next line's word weights",
)
FEATURES = SHAPE + POSITION + NEIGHBOURS + RULES + WORDS
RULE_COLUMN = {
    name: len(SHAPE) + len(POSITION) + len(NEIGHBOURS) + k for k, name in enumerate(RULES)
}
_WORD_COLUMN = len(FEATURES) - len(WORDS)


def shape_row(text: str, norm_words: Sequence[str]) -> list[float]:
    """The `SHAPE` features of one stripped line and its normalized words.

    Example:
        >>> row = shape_row("Leave a Comment", ["leave", "a", "comment"])
        >>> dict(zip(SHAPE, row))["title-case word share"]
        0.6666666666666666
    """
    words = text.split()
    n = max(1, len(words))
    # Character shares from the first _SAMPLE characters: a long paragraph's opening says
    # as much as the whole of it, at a fixed cost per line.
    sample = text[:_SAMPLE]
    letters = sum(map(str.isalpha, sample))
    upper = sum(map(str.isupper, sample))
    digits = len(sample) - len(sample.translate(_NO_DIGITS))
    titled = sum(map(str.isupper, (w[0] for w in words)))
    function = sum(map(_FUNCTION_WORDS.__contains__, norm_words))
    # Each regex runs only when the characters it needs are there: most lines have none.
    url = ("." in sample or "@" in sample or "://" in sample) and _URL.search(sample)
    separators = 0 if _SEPARATOR_CHARS.isdisjoint(text) else len(_SEPARATORS.findall(text))
    date = (digits > 0 or "ago" in sample.casefold()) and _DATE.search(sample)
    handle = ("#" in sample or "@" in sample) and _HANDLE.search(sample)
    return [
        math.log1p(len(text)),
        math.log1p(len(words)),
        float(ends_sentence(text)),
        float(ends_cut_off(text)),
        float(letters == 0),
        titled / n,
        float(text[:1].islower()),
        digits / max(1, len(sample)),
        float(bool(url)),
        min(3.0, float(separators)),
        float(letters > 3 and upper > 0.7 * letters),
        float(_BULLET.match(text) is not None),
        float(text.rstrip().endswith(":")),
        function / max(1, len(norm_words)),
        min(15.0, letters / max(1, len(sample.split()))),
        float(bool(date)),
        float(len(words) <= 8 and _BYLINE.match(text) is not None),
        float(bool(handle)),
        float(bool(norm_words) and norm_words[0] in _CALLS_TO_ACTION),
        sum(map(_YOU.__contains__, norm_words)) / max(1, len(norm_words)),
        sum(map(_WE.__contains__, norm_words)) / max(1, len(norm_words)),
        float(text.rstrip()[-1:] in ("?", "!")),
    ]


def shape_matrix(texts: Sequence[str], norm_words: Sequence[Sequence[str]]) -> Matrix:
    """`shape_row` of every line at once (equal to it, float for float), with the per-line
    Python cut to a few cheap tests: character classes are counted in numpy over the code
    points of all lines, and two regexes run once over all lines joined.

    Example:
        >>> x = shape_matrix(["Leave a Comment", "Home"], [["leave", "a", "comment"], ["home"]])
        >>> x.tolist() == [shape_row("Leave a Comment", ["leave", "a", "comment"]),
        ...                shape_row("Home", ["home"])]
        True
    """
    rows, inverse = distinct_lines(texts, norm_words)
    if len(rows) == len(texts):
        return _shape_rows(texts, norm_words)
    # A row a distinct line, copied to its copies.
    return _shape_rows([texts[i] for i in rows], [norm_words[i] for i in rows])[inverse]


def _shape_rows(texts: Sequence[str], norm_words: Sequence[Sequence[str]]) -> Matrix:
    """`shape_matrix`, every line computed (copies too)."""
    out = np.zeros((len(texts), len(SHAPE)))
    if not texts:
        return out
    c = _char_counts(texts)
    samples = [t[:_SAMPLE] for t in texts]
    lasts = [t.rstrip()[-1:] for t in texts]
    function, you, we = _word_shares((_FUNCTION_WORDS, _YOU, _WE), norm_words)
    short = np.flatnonzero(c.words <= 8).tolist()
    # Each regex runs only on the lines that have the characters it needs, as in
    # `shape_row`; the guard is kept as it is ("ago" or an ASCII digit: the regex's \\d also
    # matches digits of other scripts, which the count does not).
    dotted = [i for i, s in enumerate(samples) if "." in s or "://" in s]
    mailed = [i for i, s in enumerate(samples) if "@" in s]
    url = _matching(_URL_NO_MAIL, samples, dotted) | _matching(_URL, samples, mailed)
    dates = [i for i, d in enumerate(c.digits.tolist()) if d or "ago" in samples[i].casefold()]
    dated = _matching(_DATE, samples, dates)
    columns = (
        _log1p(c.length),
        _log1p(c.words),
        np.array([bool(last) and last in _SENTENCE_MARKS for last in lasts]),
        np.array([t.rstrip().endswith(("…", "..")) for t in texts]),
        c.letters == 0,
        c.titled / np.maximum(1, c.words),
        np.array([t[:1].islower() for t in texts]),
        c.digits / np.maximum(1, c.sample),
        url,
        _separators(texts, c.separators),
        (c.letters > 3) & (c.upper > 0.7 * c.letters),
        np.array([_BULLET.match(t) is not None for t in texts]),
        np.array([last == ":" for last in lasts]),
        function,
        np.minimum(15.0, c.letters / np.maximum(1, c.sample_words)),
        dated,
        _flags(len(texts), [i for i in short if _BYLINE.match(texts[i]) is not None]),
        np.array([("#" in s or "@" in s) and _HANDLE.search(s) is not None for s in samples]),
        np.array([bool(w) and w[0] in _CALLS_TO_ACTION for w in norm_words]),
        you,
        we,
        np.array([last in ("?", "!") for last in lasts]),
    )
    for k, column in enumerate(columns):
        out[:, k] = column
    return out


Matrix = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]


def distinct_lines(
    texts: Sequence[str], norm_words: Sequence[Sequence[str]]
) -> tuple[list[int], npt.NDArray[np.intp]]:
    """The first line of each distinct (text, words) pair, and each line's pair by number.

    A batch of documents repeats many of its lines (furniture on every page of a site,
    copies and mirrors of a page): whatever is a function of the line alone is computed
    once a pair (`rows`) and copied (`inverse`).

    Example:
        >>> rows, inverse = distinct_lines(["Home", "News", "Home"], [["home"], ["news"], ["home"]])
        >>> rows, inverse.tolist()
        ([0, 1], [0, 1, 0])
    """
    return LineNumbers().number(texts, norm_words)


class LineNumbers:
    """A number for each distinct (text, words) pair of lines, kept from call to call.

    Example:
        >>> seen = LineNumbers()
        >>> seen.number(["Home", "News"], [["home"], ["news"]])[1].tolist()
        [0, 1]
        >>> rows, numbers = seen.number(["Menu", "Home"], [["menu"], ["home"]])
        >>> rows, numbers.tolist()
        ([0], [2, 0])
    """

    def __init__(self) -> None:
        self.first: dict[str, int] = {}
        self.words: list[Sequence[str]] = []  # by number

    def number(
        self, texts: Sequence[str], norm_words: Sequence[Sequence[str]]
    ) -> tuple[list[int], npt.NDArray[np.intp]]:
        """The lines of `texts` whose pair is new (by index), and each line's number (the
        new pairs numbered on from those seen before, in order)."""
        first, words = self.first, self.words
        rows: list[int] = []
        inverse: list[int] = []
        for i, text in enumerate(texts):
            j = first.setdefault(text, len(words))
            if j == len(words):
                rows.append(i)
                words.append(norm_words[i])
            elif (seen := words[j]) is not norm_words[i] and seen != norm_words[i]:
                j = len(words)  # the same text, other words (never, as texts are normalized)
                rows.append(i)
                words.append(norm_words[i])
            inverse.append(j)
        return rows, np.array(inverse, dtype=np.intp)


class ShapeMemo:
    """The `SHAPE` columns of the lines seen so far, and whether each ends in a prose mark:
    computed once a distinct line and copied (`batch_features`), across calls.

    A worker task judges its documents a batch at a time; furniture and mirrored pages
    repeat lines from batch to batch as well as within one (the speed benchmark's 5,000
    documents: 54,219 distinct lines counted batch by batch, 38,674 task by task). At most
    `limit` lines are kept: past it the memo starts again.

    Example:
        >>> memo = ShapeMemo()
        >>> x = memo.shapes(["Home", "Home."], [["home"], ["home"]])
        >>> x.shape, memo.shapes(["Home"], [["home"]]).tolist() == x[:1].tolist()
        ((2, 23), True)
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._lines = LineNumbers()
        self._rows = np.zeros((0, len(SHAPE) + 1))

    def shapes(self, texts: Sequence[str], norm_words: Sequence[Sequence[str]]) -> Matrix:
        """A row per line: its `SHAPE` columns, then 1.0 when it ends in a prose mark."""
        if len(self._lines.words) > self.limit:
            self._lines = LineNumbers()
        rows, numbers = self._lines.number(texts, norm_words)
        if rows:
            self._add([texts[i] for i in rows], [norm_words[i] for i in rows])
        out: Matrix = self._rows[numbers]
        return out

    def _add(self, texts: list[str], norm_words: list[Sequence[str]]) -> None:
        """Rows for the lines numbered last (`texts`), in a store that doubles as it fills."""
        end = len(self._lines.words)
        start = end - len(texts)
        if end > len(self._rows):
            grown = np.zeros((max(end, 2 * len(self._rows)), len(SHAPE) + 1))
            grown[:start] = self._rows[:start]
            self._rows = grown
        self._rows[start:end, :-1] = _shape_rows(texts, norm_words)
        self._rows[start:end, -1] = [t.rstrip()[-1:] in _PROSE_MARKS for t in texts]


def _separators(texts: Sequence[str], marked: Counts) -> Matrix:
    """`min(3, separators)` of each line, the regex run on lines with a separator character
    (`marked`: how many each line has)."""
    out = np.zeros(len(texts))
    for i in np.flatnonzero(marked).tolist():
        out[i] = min(3.0, len(_SEPARATORS.findall(texts[i])))
    return out


def _flags(n: int, rows: list[int]) -> npt.NDArray[np.bool_]:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _matching(
    pattern: re.Pattern[str], texts: Sequence[str], rows: list[int]
) -> npt.NDArray[np.bool_]:
    """Which of `texts[rows]` `pattern` finds something in, from one pass over them joined.

    Joined by NUL, which none of the patterns given here can match or step over (no `\\s`,
    `\\S`, `.` or `^`, and `\\b` sees it as it sees the end of a text): every match lies
    within one text, and a text has one exactly when it has one alone.
    """
    picked = [texts[i] for i in rows]
    lengths = np.fromiter(map(len, picked), dtype=np.int64, count=len(picked))
    starts = np.cumsum(lengths + 1) - lengths - 1
    found = [m.start() for m in pattern.finditer("\0".join(picked))]
    hit = np.searchsorted(starts, found, side="right") - 1
    return _flags(len(texts), np.asarray(rows, dtype=np.int64)[hit].tolist())


def _word_shares(
    vocabularies: Sequence[frozenset[str]], norm_words: Sequence[Sequence[str]]
) -> list[Matrix]:
    """Per vocabulary, per line: the share of the line's normalized words in it (one
    look-up a word for all vocabularies: bit k is set for a word of vocabulary k)."""
    counts = np.fromiter(map(len, norm_words), dtype=np.int64, count=len(norm_words))
    flat = list(chain.from_iterable(norm_words))
    bits = _vocabulary_bits(tuple(vocabularies))
    found = np.fromiter(map(bits.get, flat, repeat(0)), dtype=np.uint8, count=len(flat))
    return [
        _line_sums((found >> k) & 1, counts) / np.maximum(1, counts)
        for k in range(len(vocabularies))
    ]


@lru_cache(maxsize=4)
def _vocabulary_bits(vocabularies: tuple[frozenset[str], ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, vocabulary in enumerate(vocabularies):
        for word in vocabulary:
            out[word] = out.get(word, 0) | 1 << k
    return out


def _line_sums(values: npt.NDArray[Any], counts: Counts, gap: int = 0) -> Counts:
    """Sum of `values` over consecutive runs of `counts` items (each followed by `gap`)."""
    starts = np.cumsum(counts + gap) - counts - gap
    padded = np.concatenate((values, np.zeros(1, values.dtype)))  # an empty last run
    out: Counts = np.add.reduceat(padded, starts, dtype=np.int64)
    out[counts == 0] = 0  # reduceat gives an empty run the item at its start
    return out


class _CharCounts(NamedTuple):
    """Per line: characters, words (`str.split`), words opening in upper case; and in the
    first `_SAMPLE` characters: characters, letters, upper case, ASCII digits, words; and
    separator characters in the whole line."""

    length: Counts
    words: Counts
    titled: Counts
    sample: Counts
    letters: Counts
    upper: Counts
    digits: Counts
    sample_words: Counts
    separators: Counts  # characters of `_SEPARATOR_CHARS` in the whole line


def _char_counts(texts: Sequence[str]) -> _CharCounts:
    """`_CharCounts` of every line from one array of code points (lines joined by a space,
    so no word runs from one line into the next)."""
    points = np.frombuffer(" ".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths + 1) - lengths - 1
    index = np.int32 if len(points) < 2**31 else np.int64  # half the memory, mostly
    offset: npt.NDArray[np.signedinteger[Any]] = np.arange(len(points), dtype=index)
    offset -= np.repeat(starts.astype(index), lengths + 1)[: len(points)]
    sampled = offset < _SAMPLE
    kinds = _kinds(points)
    alpha, upper, space = (kinds & _ALPHA) > 0, (kinds & _UPPER) > 0, (kinds & _SPACE) > 0
    opens = ~space & np.concatenate(([True], space[:-1]))
    digit = (points >= ord("0")) & (points <= ord("9"))

    def count(flags: npt.NDArray[np.bool_]) -> Counts:
        return _line_sums(flags, lengths, gap=1)

    return _CharCounts(
        lengths,
        count(opens),
        count(opens & upper),
        np.minimum(lengths, _SAMPLE),
        count(alpha & sampled),
        count(upper & sampled),
        count(digit & sampled),
        count(opens & sampled),
        count((kinds & _SEPARATOR) > 0),
    )


_ALPHA, _UPPER, _SPACE, _SEPARATOR = 1, 2, 4, 8


def _kinds(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """`_ALPHA | _UPPER | _SPACE | _SEPARATOR` bits of each code point (`str.isalpha`, ...)."""
    table = _bmp_kinds()
    out: npt.NDArray[np.uint8] = table[np.minimum(points, 0xFFFF)]
    astral = np.flatnonzero(points > 0xFFFF)
    if len(astral):
        out[astral] = [_kind(chr(p)) for p in points[astral].tolist()]
    return out


@lru_cache(maxsize=1)
def _bmp_kinds() -> npt.NDArray[np.uint8]:
    """`_kind` of every code point of the Basic Multilingual Plane, computed once."""
    return np.array([_kind(chr(p)) for p in range(0x10000)], dtype=np.uint8)


def _kind(char: str) -> int:
    kind = _ALPHA * char.isalpha() | _UPPER * char.isupper() | _SPACE * char.isspace()
    return kind | _SEPARATOR * (char in _SEPARATOR_CHARS)


def _log1p(counts: Counts) -> Matrix:
    """`math.log1p` of counts (numpy's `log1p` differs from it in the last bit on 1 % of
    integers, and `shape_row` uses `math`)."""
    table = _log1p_table()
    small = counts < len(table)
    out: Matrix = np.where(small, table[np.where(small, counts, 0)], 0.0)
    for k in np.flatnonzero(~small).tolist():
        out[k] = math.log1p(int(counts[k]))
    return out


@lru_cache(maxsize=1)
def _log1p_table() -> Matrix:
    return np.array([math.log1p(k) for k in range(1 << 16)])


def ends_mid_sentence(text: str, words: Sequence[str]) -> bool:
    """Whether a line stops where no sentence can: on a comma, a hyphen or a function word.

    Example:
        >>> ends_mid_sentence("his or her Copyright and", ["his", "or", "her", "copyright", "and"])
        True
        >>> ends_mid_sentence("Related Articles", ["related", "articles"])
        False
        >>> ends_mid_sentence("what you may qualify for.", ["what", "you", "may", "qualify", "for"])
        False
    """
    last = text.rstrip()[-1:]
    if not last or last in _SENTENCE_MARKS or ends_cut_off(text):
        return False
    return last in (",", "-") or (bool(words) and words[-1] in _FUNCTION_WORDS)


def is_prose(text: str, words: int) -> bool:
    """A line that reads as article prose: a long sentence, or a paragraph.

    Example:
        >>> is_prose("The minister resigned on Friday after a long week of talks.", 11)
        True
        >>> is_prose("Related Articles", 2)
        False
    """
    if words >= 20:
        return True
    last = text.rstrip()[-1:]
    return words >= 10 and bool(last) and last in _PROSE_MARKS


def prose_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """`is_prose` of every row of a feature matrix (from its word count and sentence mark).

    Example:
        >>> text = "A long sentence of prose, said the old man in town today."
        >>> x = document_features(["Home", text], ["home", text.lower()], [{}, {}])
        >>> prose_rows(x).tolist()
        [False, True]
    """
    words = np.expm1(x[:, _WORDS])
    mark = x[:, _MARK] > 0
    out: npt.NDArray[np.bool_] = (words >= 19.5) | ((words >= 9.5) & mark)
    return out


SENTENCE_WORDS = 6  # words from which a line ending in a sentence mark reads as a sentence


def sentence_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Rows that read as a sentence: `SENTENCE_WORDS` or more words and a sentence mark at
    the end (or prose, `prose_rows`). The model takes such a line only with the tail block.

    Example:
        >>> texts = ["Home", "Return the path to which the symbolic link points."]
        >>> x = document_features(texts, [t.lower() for t in texts], [{}, {}])
        >>> sentence_rows(x).tolist()
        [False, True]
    """
    words = np.expm1(x[:, _WORDS])
    mark = x[:, _MARK] > 0
    out: npt.NDArray[np.bool_] = ((words >= SENTENCE_WORDS - 0.5) & mark) | prose_rows(x)
    return out


def document_features(
    texts: Sequence[str],
    norms: Sequence[str],
    hits: Sequence[Mapping[str, float]],
    words: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """The feature matrix of one document: a row per non-blank line, columns `FEATURES`.

    Args:
        texts: the stripped lines, in order.
        norms: the same lines normalized (`lexicon.normalize_line`).
        hits: per line, the rule features that fired (`RULES` names -> value).
        words: per line, the word log-odds (`linewords.WordWeights.score`); None for 0.

    Returns:
        A `(len(texts), len(FEATURES))` float matrix.

    Example:
        >>> x = document_features(["Home", "A long sentence of prose, said the man today."],
        ...                       ["home", "a long sentence of prose said the man today"],
        ...                       [{}, {}])
        >>> x.shape
        (2, 55)
    """
    return batch_features(texts, [norm.split() for norm in norms], hits, [len(texts)], words)


def batch_features(
    texts: Sequence[str],
    norm_words: Sequence[Sequence[str]],
    hits: Sequence[Mapping[str, float]],
    sizes: Sequence[int],
    words: Matrix | None = None,
    memo: ShapeMemo | None = None,
) -> Matrix:
    """`document_features` of many documents at once, their rows stacked.

    Args:
        texts: the stripped lines of every document, in order.
        norm_words: each line's normalized words.
        hits: per line, the rule features that fired.
        sizes: how many of the lines each document has, in order.
        words: per line, the word log-odds; None for 0.
        memo: the shapes of lines seen in earlier calls (`ShapeMemo`); None: a new one.

    Returns:
        A `(len(texts), len(FEATURES))` float matrix: document k's rows follow document
        k - 1's, and equal what `document_features` gives it alone.

    Example:
        >>> x = batch_features(["Home", "Home"], [["home"], ["home"]], [{}, {}], [1, 1])
        >>> x.tolist() == [document_features(["Home"], ["home"], [{}])[0].tolist()] * 2
        True
    """
    n = len(texts)
    out = np.zeros((n, len(FEATURES)))
    if not n:
        return out
    # What a line's text alone gives, once a distinct line (copies repeat in a batch).
    found = (memo or ShapeMemo()).shapes(texts, norm_words)
    shapes = found[:, : len(SHAPE)]
    out[:, : len(SHAPE)] = shapes
    docs = _Segments(np.asarray(sizes, dtype=np.int64))
    counts = np.fromiter(map(len, norm_words), dtype=np.int64, count=n)
    marked = found[:, -1] > 0
    prose = ((counts >= 20) | ((counts >= 10) & marked)).astype(float)  # `is_prose`
    short = ((counts <= 8) & (shapes[:, _MARK] == 0)).astype(float)
    titled = ((shapes[:, SHAPE.index("title-case word share")] >= 0.6) & (short > 0)).astype(float)
    out[:, len(SHAPE) : len(SHAPE) + len(POSITION)] = _position(prose, docs)
    col = len(SHAPE) + len(POSITION)
    out[:, col : col + len(NEIGHBOURS)] = _neighbours(prose, short, titled, counts, docs)
    cells = [(i, RULE_COLUMN[name], v) for i, found in enumerate(hits) for name, v in found.items()]
    if cells:
        at, column, value = zip(*cells, strict=True)
        out[at, column] = value
    if words is not None:
        out[:, _WORD_COLUMN:] = _word_context(words, docs)
    return out


class _Segments:
    """The documents of a stacked matrix: for each row its document, its index in it, the
    document's size and first row."""

    def __init__(self, sizes: Counts) -> None:
        self.sizes = sizes
        self.first_rows = np.cumsum(sizes) - sizes
        self.doc = np.repeat(np.arange(len(sizes)), sizes)
        self.n = sizes[self.doc]
        self.index = np.arange(len(self.doc)) - self.first_rows[self.doc]
        self.first = self.first_rows[self.doc]

    def shift(self, values: Matrix, step: int, fill: float) -> Matrix:
        """Each row's value `step` rows later (earlier if negative) in its document."""
        out = np.full(len(values), fill)
        there = self.index + step
        inside = (there >= 0) & (there < self.n)
        out[inside] = values[np.flatnonzero(inside) + step]
        return out

    def around(self, values: Matrix, reach: int = 3) -> Matrix:
        """Sum of each value's neighbours within `reach` rows of its document, itself
        excluded. Over one running sum of all rows: exact for whole numbers (counts and
        flags) only; `_word_context` sums its log-odds per document."""
        total = np.concatenate(([0.0], np.cumsum(values)))
        lo = self.first + np.maximum(0, self.index - reach)
        hi = self.first + np.minimum(self.n, self.index + reach + 1)
        out: Matrix = total[hi] - total[lo] - values
        return out

    def window(self) -> Matrix:
        """How many neighbours `around` sums (at least 1, to divide by)."""
        window = self.around(np.ones(len(self.doc)))
        window[window == 0] = 1.0
        return window


def _word_context(words: Matrix, docs: _Segments) -> Matrix:
    """The `WORDS` columns from each line's word log-odds.

    Sums of log-odds are running sums within each document, as a document alone would
    have them (a running sum over all rows would round differently): one row per
    document, padded with zeros after its end.
    """
    grid = np.zeros((len(docs.sizes), int(docs.sizes.max())))
    grid[docs.doc, docs.index] = words
    total = np.hstack((np.zeros((len(grid), 1)), np.cumsum(grid, axis=1)))
    lo = np.maximum(0, docs.index - 3)
    hi = np.minimum(docs.n, docs.index + 4)
    around = total[docs.doc, hi] - total[docs.doc, lo] - words
    backwards = np.zeros_like(grid)
    backwards[docs.doc, docs.n - 1 - docs.index] = words
    from_end = np.cumsum(backwards, axis=1)[docs.doc, docs.n - 1 - docs.index]
    after = (from_end - words) / np.maximum(1, docs.n - 1 - docs.index)
    previous = docs.shift(words, -1, 0.0)
    following = docs.shift(words, 1, 0.0)
    return np.stack([words, around / docs.window(), after, previous, following], axis=1)


def _position(prose: Matrix, docs: _Segments) -> Matrix:
    index = docs.index.astype(float)
    # Prose lines are counted over one running sum of all rows: whole numbers, exact.
    total = np.concatenate(([0.0], np.cumsum(prose)))
    row = np.arange(len(prose))
    before = total[row] - total[docs.first]
    after = total[docs.first + docs.n] - total[row + 1]
    prose_lines = total[docs.first_rows + docs.sizes] - total[docs.first_rows]
    prose_share = prose_lines / np.maximum(1, docs.sizes)  # a document may have no lines
    return np.stack(
        [
            index / np.maximum(1, docs.n - 1),
            np.log1p(docs.n - 1 - index),
            np.log1p(index),
            (index == 0).astype(float),
            (index == docs.n - 1).astype(float),
            np.log1p(after),
            np.log1p(before),
            _log1p(docs.sizes)[docs.doc],
            prose_share[docs.doc],
        ],
        axis=1,
    )


def _neighbours(
    prose: Matrix, short: Matrix, titled: Matrix, counts: Counts, docs: _Segments
) -> Matrix:
    words = counts.astype(float)
    window = docs.window()
    same = (words == docs.shift(words, -1, -1.0)) | (words == docs.shift(words, 1, -1.0))
    return np.stack(
        [
            docs.shift(prose, -1, 0.0),
            docs.shift(prose, 1, 0.0),
            docs.around(short) / window,
            docs.around(titled) / window,
            np.log1p(docs.around(words) / window),
            same.astype(float),
        ],
        axis=1,
    )


_WORDS = SHAPE.index("words (log)")
_MARK = SHAPE.index("sentence mark at the end")
