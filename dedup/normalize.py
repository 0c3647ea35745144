"""Normalization and segmentation that never lose the way back to the original text.

Words are the runs of letters and digits of the original text (`[^\\W_]+`), so punctuation,
quotes, dashes and whitespace fold away by construction: curly and straight apostrophes,
en and em dashes, and line breaks all become word boundaries. Each word is then NFKC
normalized and case folded on its own, which keeps an exact map from every normalized
word to its `[start, end)` in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.config import NormalizeConfig

# A sentence ends at . ! ? or an ellipsis, plus any closing quotes/brackets, before whitespace.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)|\n")

_DEFAULT = NormalizeConfig()


@dataclass(frozen=True, slots=True)
class Words:
    """The normalized words of a text, each with its half-open span in the original.

    Attributes:
        words: normalized words, in order.
        starts: original start offset of each word.
        ends: original end offset of each word.
    """

    words: tuple[str, ...]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.words)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalized text plus, for every normalized character, where it came from.

    Attributes:
        text: the normalized words joined by single spaces.
        starts: for each character of `text`, the original offset where its source begins.
        ends: for each character of `text`, the original offset where its source ends.
    """

    text: str
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalized text back to the original text.

        Example:
            >>> n = normalize_text("Hello,  WORLD!")
            >>> n.text
            'hello world'
            >>> n.original_span(6, 11)
            (8, 13)
        """
        if end <= start:
            pos = int(self.starts[start]) if start < len(self.starts) else int(self.ends[-1])
            return pos, pos
        return int(self.starts[start]), int(self.ends[end - 1])


def _normalize_word(word: str, config: NormalizeConfig) -> str:
    """NFKC and case folding of one word; a space NFKC brings in ("ͺ" -> " ι") is dropped,
    so normalized words never hold one (the normalized text joins them with spaces).

    Example:
        >>> _normalize_word("\u037a", NormalizeConfig())
        'ι'
    """
    if config.nfkc and not word.isascii():
        word = unicodedata.normalize("NFKC", word)
        if any(ch.isspace() for ch in word):
            word = "".join(word.split())
    return word.casefold() if config.casefold else word


@lru_cache(maxsize=1)
def _word_table() -> npt.NDArray[np.bool_]:
    """For every code point, whether `[^\\W_]` matches it (that is `str.isalnum`).

    Built once per process (about 0.03 s, 1.1 MB): classifying a whole text through this
    table is several times faster than running the regex over it.
    """
    # Every code point as a one-character numpy string, classified in C (a Python loop over
    # 1.1 million `chr(c).isalnum()` takes five times longer, in every process that starts).
    points = np.arange(0x110000, dtype=np.uint32).view("<U1")
    table: npt.NDArray[np.bool_] = np.char.isalnum(points)
    return table


def load_tables() -> None:
    """Build the lookup tables now, before worker processes fork, so they inherit them
    instead of each building its own."""
    _word_table()


def word_bounds(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end offsets of the runs of letters and digits (`[^\\W_]+`) of `text`.

    Example:
        >>> [b.tolist() for b in word_bounds("Hi, ünïcode_2!")]
        [[0, 4, 12], [2, 11, 13]]
    """
    return _bounds(_code_points(text))


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _bounds(points: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    inside = _word_table()[points].view(np.int8)
    edges = np.diff(inside, prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def split_words(text: str, config: NormalizeConfig | None = None) -> Words:
    """Cut `text` into normalized words with their original offsets.

    Args:
        text: the original text.
        config: what to fold (default: case and NFKC).

    Returns:
        The words and their `[start, end)` spans in `text`.

    Example:
        >>> w = split_words("Pakistan’s inter-agency")
        >>> w.words
        ('pakistan', 's', 'inter', 'agency')
        >>> "Pakistan’s inter-agency"[w.starts[2]:w.ends[2]]
        'inter'
    """
    config = config or _DEFAULT
    points = _code_points(text)
    starts, ends = _bounds(points)
    start_list, end_list = starts.tolist(), ends.tolist()
    # str.lower never removes a character, so an unchanged length means it mapped one to
    # one and the offsets hold; for ASCII words lower() is casefold().
    low = text.lower() if config.casefold else text
    if len(low) != len(text):  # rare: a character lowercases to several; word by word
        words = [
            _normalize_word(text[s:e], config) for s, e in zip(start_list, end_list, strict=True)
        ]
    else:
        words = [low[s:e] for s, e in zip(start_list, end_list, strict=True)]
        if not text.isascii():
            # Only words with a non-ASCII character need NFKC and full case folding.
            wide = np.concatenate(([0], np.cumsum(points > 127)))
            for k in np.flatnonzero(wide[ends] > wide[starts]).tolist():
                words[k] = _normalize_word(text[start_list[k] : end_list[k]], config)
    return Words(
        tuple(words), starts.astype(np.int64, copy=False), ends.astype(np.int64, copy=False)
    )


def normalize_text(text: str, config: NormalizeConfig | None = None) -> NormalizedText:
    """Normalize `text` and keep an offset map back to the original.

    A normalized word that keeps its length maps character by character; one that changes
    length (NFKC "ﬁ" -> "fi", casefold "ß" -> "ss") maps every character to the whole
    original word, so a span never cuts a source character in half. The space between two
    words maps to the gap between them.

    Args:
        text: the original text.
        config: what to fold.

    Returns:
        The normalized text and, per character, its original `[start, end)`.

    Example:
        >>> normalize_text("The “Office”—of  Defence").text
        'the office of defence'
    """
    words = split_words(text, config)
    starts: list[int] = []
    ends: list[int] = []
    for i, word in enumerate(words.words):
        s, e = int(words.starts[i]), int(words.ends[i])
        if i:
            prev_end = int(words.ends[i - 1])
            starts.append(prev_end)
            ends.append(s)
        if len(word) == e - s:
            starts.extend(range(s, e))
            ends.extend(range(s + 1, e + 1))
        else:
            starts.extend([s] * len(word))
            ends.extend([e] * len(word))
    return NormalizedText(
        " ".join(words.words), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """A half-open `[start, end)` piece of the original text (a line or a sentence)."""

    start: int
    end: int


def split_lines(text: str) -> list[Segment]:
    """Lines of `text` without their line breaks, as spans; line i is the i-th '\\n' piece.

    Example:
        >>> [(s.start, s.end) for s in split_lines("ab\\ncd\\n")]
        [(0, 2), (3, 5), (6, 6)]
    """
    segments: list[Segment] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        segments.append(Segment(start, end - 1 if line.endswith("\r") else end))
        start = end + 1
    return segments


def split_sentences(text: str) -> list[Segment]:
    """Sentences of `text` as spans, trimmed of surrounding whitespace; lines never merge.

    Example:
        >>> t = "He said “Yes.” Then left.\\nNext line"
        >>> [t[s.start:s.end] for s in split_sentences(t)]
        ['He said “Yes.”', 'Then left.', 'Next line']
    """
    starts, ends = sentence_spans(text)
    return [Segment(s, e) for s, e in zip(starts, ends, strict=True)]


def sentence_spans(text: str) -> tuple[list[int], list[int]]:
    """`split_sentences` as the list of starts and the list of ends (no object per
    sentence: the passage preparation turns them into arrays)."""
    starts: list[int] = []
    ends: list[int] = []
    start = 0
    for end in [*(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]:
        piece = text[start:end]
        kept = piece.strip()  # str.strip: the same whitespace as str.isspace
        if kept:
            first = start + len(piece) - len(piece.lstrip())
            starts.append(first)
            ends.append(first + len(kept))
        start = end
    return starts, ends
