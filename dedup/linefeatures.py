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
    n = len(texts)
    out = np.zeros((n, len(FEATURES)))
    if not n:
        return out
    word_lists = [norm.split() for norm in norms]
    counts = [len(w) for w in word_lists]
    shapes = np.array([shape_row(t, w) for t, w in zip(texts, word_lists, strict=True)])
    out[:, : len(SHAPE)] = shapes
    prose = np.array([is_prose(t, c) for t, c in zip(texts, counts, strict=True)], dtype=float)
    short = np.array(
        [c <= 8 and not ends_sentence(t) for t, c in zip(texts, counts, strict=True)],
        dtype=float,
    )
    titled = (shapes[:, SHAPE.index("title-case word share")] >= 0.6) & (short > 0)
    out[:, len(SHAPE) : len(SHAPE) + len(POSITION)] = _position(prose, n)
    col = len(SHAPE) + len(POSITION)
    out[:, col : col + len(NEIGHBOURS)] = _neighbours(prose, short, titled.astype(float), counts)
    for i, found in enumerate(hits):
        for name, value in found.items():
            out[i, RULE_COLUMN[name]] = value
    if words is not None:
        out[:, _WORD_COLUMN:] = _word_context(words)
    return out


def _word_context(words: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The `WORDS` columns from each line's word log-odds."""
    n = len(words)
    index = np.arange(n)
    window = _around(np.ones(n))
    window[window == 0] = 1.0
    after = (np.cumsum(words[::-1])[::-1] - words) / np.maximum(1, n - 1 - index)
    previous = np.concatenate(([0.0], words[:-1]))
    following = np.concatenate((words[1:], [0.0]))
    return np.stack([words, _around(words) / window, after, previous, following], axis=1)


def _position(prose: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    index = np.arange(n, dtype=float)
    before = np.cumsum(prose) - prose
    after = prose.sum() - np.cumsum(prose)
    return np.stack(
        [
            index / max(1, n - 1),
            np.log1p(n - 1 - index),
            np.log1p(index),
            (index == 0).astype(float),
            (index == n - 1).astype(float),
            np.log1p(after),
            np.log1p(before),
            np.full(n, math.log1p(n)),
            np.full(n, prose.mean()),
        ],
        axis=1,
    )


def _neighbours(
    prose: npt.NDArray[np.float64],
    short: npt.NDArray[np.float64],
    titled: npt.NDArray[np.float64],
    counts: list[int],
) -> npt.NDArray[np.float64]:
    n = len(prose)
    words = np.array(counts, dtype=float)
    prev_prose = np.concatenate(([0.0], prose[:-1]))
    next_prose = np.concatenate((prose[1:], [0.0]))
    window = _around(np.ones(n))
    window[window == 0] = 1.0
    short_share = _around(short) / window
    title_share = _around(titled) / window
    mean_words = _around(words) / window
    prev_words = np.concatenate(([-1.0], words[:-1]))
    next_words = np.concatenate((words[1:], [-1.0]))
    same = ((words == prev_words) | (words == next_words)).astype(float)
    return np.stack(
        [prev_prose, next_prose, short_share, title_share, np.log1p(mean_words), same], axis=1
    )


def _around(values: npt.NDArray[np.float64], reach: int = 3) -> npt.NDArray[np.float64]:
    """Sum of each value's neighbours within `reach` lines on either side (itself excluded)."""
    n = len(values)
    total = np.concatenate(([0.0], np.cumsum(values)))
    index = np.arange(n)
    lo = np.maximum(0, index - reach)
    hi = np.minimum(n, index + reach + 1)
    out: npt.NDArray[np.float64] = total[hi] - total[lo] - values
    return out


_WORDS = SHAPE.index("words (log)")
_MARK = SHAPE.index("sentence mark at the end")
