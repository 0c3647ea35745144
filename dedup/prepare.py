"""Passage preparation: per document, the arrays alignment reads, and its window signatures.

Runs in the `--jobs` workers. A worker returns one `Batch` per task: every array of its
documents concatenated per field, so a few large buffers cross back to the parent instead
of thousands of small objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.align import Layout
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.normalize import Words, split_sentences, split_words
from dedup.sentences import STOPWORDS, SentenceWords
from dedup.shingle import ngram_hashes64, sorted_unique, word_hashes
from dedup.signature import passage_windows, word_shingles

PREPARE_BATCH = 256  # documents per preparation task


@dataclass(frozen=True, slots=True)
class Windows:
    """A document's window signatures and each window's first word."""

    sigs: npt.NDArray[np.uint32]
    starts: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document's word-pair ids, sentences, normalized text and windows, as arrays.

    Arrays, not lists: they come back from the preparation workers as raw buffers, hold a
    corpus in a fraction of the memory of Python ints, and the alignment converts only the
    slices it reads.
    """

    bigrams: npt.NDArray[np.uint64]  # an id per pair of consecutive words
    sentences: SentenceWords  # each sentence's content words, for reworded reuse
    breaks: npt.NDArray[np.int64]  # indices of the words that start a sentence, sorted
    layout: Layout
    norm: str  # the normalized words joined by single spaces
    norm_starts: npt.NDArray[np.int64]  # where each word starts in `norm`
    shingles: npt.NDArray[np.uint32]  # the document's shingle set, for pair Jaccard

    @property
    def size(self) -> int:
        """Number of words."""
        return len(self.norm_starts)

    def norm_between(self, lo: int, hi: int) -> str:
        """The normalized words `[lo, hi)` joined by spaces: one slice of `norm`."""
        if hi <= lo:
            return ""
        end = int(self.norm_starts[hi]) - 1 if hi < self.size else len(self.norm)
        return self.norm[int(self.norm_starts[lo]) : end]

    def sentence_cuts(self) -> list[int]:
        """Sentence i is words `[cuts[i], cuts[i + 1])`."""
        return [*self.breaks.tolist(), self.size]

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        """The array fields, in `Batch` order."""
        lay = self.layout
        return (
            self.bigrams,
            *self.sentences.arrays(),
            self.breaks,
            self.norm_starts,
            self.shingles,
            lay.word_starts,
            lay.word_ends,
            lay.sentence_starts,
            lay.sentence_ends,
        )

    @classmethod
    def of_arrays(cls, arrays: Sequence[npt.NDArray[Any]], norm: str) -> Prepared:
        """The inverse of `arrays`."""
        bigrams, *sentences = arrays[: 1 + SentenceWords.FIELDS]
        breaks, norm_starts, shingles, *layout = arrays[1 + SentenceWords.FIELDS :]
        return cls(
            bigrams,
            SentenceWords(*sentences),
            breaks,
            Layout(*layout),
            norm,
            norm_starts,
            shingles,
        )


FIELDS = 8 + SentenceWords.FIELDS  # arrays per prepared document (`Prepared.arrays`)


@dataclass(frozen=True, slots=True)
class Batch:
    """Prepared documents of one worker task packed as one array per field.

    One pickle of a few large buffers crosses back to the parent instead of thousands of
    small objects (unpickling those was most of the parent's serial time).
    """

    lengths: npt.NDArray[np.int64]  # (documents, fields): each document's array lengths
    arrays: tuple[npt.NDArray[Any], ...]  # per field, every document's array concatenated
    norms: list[str]
    windows: Windows  # the window signatures of every document of the batch
    window_doc: npt.NDArray[np.int64]  # the document position of each window

    @classmethod
    def pack(cls, positions: range, items: list[tuple[Prepared, Windows | None]]) -> Batch:
        """Pack the documents at `positions`, prepared as `items`."""
        fields = [prep.arrays() for prep, _ in items]
        lengths = np.array([[len(a) for a in f] for f in fields], dtype=np.int64)
        lengths = lengths.reshape(len(items), FIELDS)
        arrays = tuple(np.concatenate(column) for column in zip(*fields, strict=True))
        present = [(pos, w) for pos, (_, w) in zip(positions, items, strict=True) if w]
        if present:
            windows = Windows(
                np.concatenate([w.sigs for _, w in present]),
                np.concatenate([w.starts for _, w in present]),
            )
            doc = [np.full(len(w.starts), pos, dtype=np.int64) for pos, w in present]
            window_doc = np.concatenate(doc)
        else:
            windows = Windows(np.zeros((0, 0), np.uint32), np.zeros(0, np.int64))
            window_doc = np.zeros(0, np.int64)
        return cls(lengths, arrays, [prep.norm for prep, _ in items], windows, window_doc)

    def unpack(self) -> list[Prepared]:
        """The documents' `Prepared`, as views into the batch's arrays."""
        cumulative = np.cumsum(self.lengths, axis=0)
        ends, starts = cumulative.tolist(), (cumulative - self.lengths).tolist()
        return [
            Prepared.of_arrays(
                [a[s:e] for a, s, e in zip(self.arrays, starts[k], ends[k], strict=True)],
                self.norms[k],
            )
            for k in range(len(self.norms))
        ]


def prepare_range(
    docs: Sequence[Document], positions: range, config: DedupConfig, *, windows: bool = True
) -> Batch:
    """The documents at `positions` prepared and packed (one worker task); without their
    window signatures unless `windows` (alignment alone does not read them)."""
    return Batch.pack(positions, [_prepare(docs[pos], config, windows) for pos in positions])


def prepare_document(doc: Document, config: DedupConfig) -> Prepared:
    """One document's arrays for alignment, without its window signatures.

    Example:
        >>> prepare_document(Document("a", "Ships sail. Dogs bark."), DedupConfig()).size
        4
    """
    (prepared,) = prepare_range([doc], range(1), config, windows=False).unpack()
    return prepared


def text_windows(text: str, config: DedupConfig) -> Windows | None:
    """A text's window signatures alone (None under `PassageConfig.min_words` words): the
    windows `prepare_range` gives it, without the arrays alignment reads.

    Example:
        >>> text_windows(" ".join(f"w{i}" for i in range(30)), DedupConfig()).starts.tolist()
        [0, 5, 10, 15, 20]
    """
    found = passage_windows(_word_ids(split_words(text, config.normalize)), config)
    return None if found is None else Windows(*found)


def _word_ids(words: Words) -> npt.NDArray[np.uint64]:
    return word_hashes(words.words).astype(np.uint64, copy=False)


def _prepare(
    doc: Document, config: DedupConfig, windows: bool = True
) -> tuple[Prepared, Windows | None]:
    """A document's words and sentences, and (with `windows`) its window signatures."""
    words = split_words(doc.text, config.normalize)
    ids = _word_ids(words)
    sentences = split_sentences(doc.text)
    layout = Layout.of(words, sentences)
    breaks = sorted_unique(np.searchsorted(words.starts, layout.sentence_starts))
    lengths = np.fromiter(map(len, words.words), dtype=np.int64, count=len(words))
    norm_starts = np.cumsum(lengths + 1) - lengths - 1
    bigrams = ngram_hashes64(ids, 2) if len(ids) > 1 else np.zeros(0, dtype=np.uint64)
    found = passage_windows(ids, config) if windows else None
    signed = None if found is None else Windows(*found)
    norm = " ".join(words.words)
    shingles = sorted_unique(word_shingles(words.words, ids, config))
    stop = _stopword_ids()  # sorted: one binary search per word (np.isin sorts every call)
    at = np.minimum(stop.searchsorted(ids), len(stop) - 1)
    content = np.where(stop[at] == ids, np.uint64(0), ids)
    sentence_words = SentenceWords.of(content, [*breaks.tolist(), len(ids)])
    prep = Prepared(
        bigrams, sentence_words, breaks.astype(np.int64), layout, norm, norm_starts, shingles
    )
    return prep, signed


@cache
def _stopword_ids() -> npt.NDArray[np.uint64]:
    return np.sort(word_hashes(sorted(STOPWORDS)).astype(np.uint64))
