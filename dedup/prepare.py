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
from dedup.normalize import Words, sentence_spans, split_sentences, split_words
from dedup.sentences import STOPWORDS, SentenceWords
from dedup.shingle import joined_hashes, ngram_hashes64, sorted_unique, word_hashes
from dedup.signature import passage_windows, window_signatures, word_shingles

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
        windows, window_doc = _stack_windows(positions, [w for _, w in items])
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


def _stack_windows(
    positions: range, windows: Sequence[Windows | None]
) -> tuple[Windows, npt.NDArray[np.int64]]:
    """The window signatures of the documents at `positions`, stacked, and each window's
    document position."""
    present = [(pos, w) for pos, w in zip(positions, windows, strict=True) if w]
    if not present:
        return Windows(np.zeros((0, 0), np.uint32), np.zeros(0, np.int64)), np.zeros(0, np.int64)
    stacked = Windows(
        np.concatenate([w.sigs for _, w in present]),
        np.concatenate([w.starts for _, w in present]),
    )
    sizes = [len(w.starts) for _, w in present]
    return stacked, np.repeat(np.array([pos for pos, _ in present], dtype=np.int64), sizes)


def prepare_range(
    docs: Sequence[Document], positions: range, config: DedupConfig, *, windows: bool = True
) -> Batch:
    """The documents at `positions` prepared and packed (one worker task); without their
    window signatures unless `windows` (alignment alone does not read them).

    Words and sentences are cut document by document; everything after (hashes, n-grams,
    shingle sets, sentence word sets) is computed over the whole batch at once
    (`_batch_arrays`), a few dozen numpy calls per batch where `_prepare`, the reference
    (`prepare_reference`; tests hold the two equal), makes them per document.
    """
    texts = [docs[pos].text for pos in positions]
    words = [split_words(text, config.normalize) for text in texts]
    sentences = [sentence_spans(text) for text in texts]
    return _batch_arrays(positions, texts, words, sentences, config, windows)


def prepare_reference(
    docs: Sequence[Document], positions: range, config: DedupConfig, *, windows: bool = True
) -> Batch:
    """`prepare_range` one document at a time (`_prepare`): the reference."""
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
    layout = Layout.of(words, split_sentences(doc.text))
    breaks = sorted_unique(np.searchsorted(words.starts, layout.sentence_starts))
    norm = " ".join(words.words)
    ids = word_hashes(words.words)
    lengths = np.fromiter(map(len, words.words), dtype=np.int64, count=len(words))
    norm_starts = np.cumsum(lengths + 1) - lengths - 1
    bigrams = ngram_hashes64(ids, 2) if len(ids) > 1 else np.zeros(0, dtype=np.uint64)
    found = passage_windows(ids, config) if windows else None
    signed = None if found is None else Windows(*found)
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


def _batch_arrays(
    positions: range,
    texts: list[str],
    words: list[Words],
    sentences: list[tuple[list[int], list[int]]],
    config: DedupConfig,
    windows: bool,
) -> Batch:
    """`Batch.pack` of every document's `_prepare`, computed over the batch at once.

    Word i of the batch is word `i - word_off[d]` of its document d; each per-document
    quantity is computed on the batch's concatenated arrays, and what would cross from one
    document into the next (an n-gram, a pair of sentences) is masked out.
    """
    n_docs = len(texts)
    counts = np.fromiter(map(len, words), dtype=np.int64, count=n_docs)
    word_off = np.concatenate(([0], np.cumsum(counts)))
    doc_of_word = np.repeat(np.arange(n_docs, dtype=np.int64), counts)
    norms = [" ".join(w.words) for w in words]
    # Hashed document by document: over the whole batch the table of powers `_poly_hashes`
    # keeps grows with the batch's bytes (160 MB more peak memory on a batch of licence
    # files), for no gain in speed.
    hashed = [joined_hashes(norm, len(w)) for norm, w in zip(norms, words, strict=True)]
    ids = _concat([h for h, _ in hashed], np.uint64)
    norm_starts = _concat([starts for _, starts in hashed], np.int64)
    word_starts = _concat([w.starts for w in words], np.int64)
    word_ends = _concat([w.ends for w in words], np.int64)
    segs = [len(starts) for starts, _ in sentences]
    sentence_starts = np.array([s for starts, _ in sentences for s in starts], dtype=np.int64)
    sentence_ends = np.array([e for _, ends in sentences for e in ends], dtype=np.int64)
    doc_of_seg = np.repeat(np.arange(n_docs, dtype=np.int64), segs)
    breaks, doc_of_break = _batch_breaks(
        texts, word_starts, doc_of_word, word_off, sentence_starts, doc_of_seg
    )
    # `_prepare` gives a one-word document no bigram, not the one-word "n-gram".
    bigrams, bigram_counts = _doc_ngrams(ids, word_off, 2, short=False)
    grams, gram_counts = _doc_ngrams(ids, word_off, config.passage.ngram)
    shingles, shingle_counts = _batch_shingles(ids, words, word_off, config)
    stop = _stopword_ids()
    at = np.minimum(stop.searchsorted(ids), len(stop) - 1)
    content = np.where(stop[at] == ids, np.uint64(0), ids)
    sw, sw_counts = _batch_sentence_words(
        content, doc_of_word, word_off, breaks, doc_of_break, n_docs
    )
    local_breaks = breaks - word_off[doc_of_break]
    per_doc = [
        bigram_counts,
        *sw_counts,
        np.bincount(doc_of_break, minlength=n_docs),
        counts,
        shingle_counts,
        counts,
        counts,
        np.asarray(segs, dtype=np.int64).reshape(n_docs),
        np.asarray(segs, dtype=np.int64).reshape(n_docs),
    ]
    arrays = (
        bigrams,
        *sw,
        local_breaks,
        norm_starts,
        shingles,
        word_starts,
        word_ends,
        sentence_starts,
        sentence_ends,
    )
    lengths = np.stack(per_doc, axis=1).astype(np.int64).reshape(n_docs, FIELDS)
    signed = _batch_windows(grams, gram_counts, counts, config) if windows else [None] * n_docs
    found, window_doc = _stack_windows(positions, signed)
    return Batch(lengths, arrays, norms, found, window_doc)


def _concat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _doc_ngrams(
    ids: npt.NDArray[np.uint64], word_off: npt.NDArray[np.int64], n: int, *, short: bool = True
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Each document's `ngram_hashes64(its ids, n)`, concatenated, and how many each has.

    A document of `count >= n` words has `count - n + 1` n-grams, computed over the batch
    with the ones that would cross into the next document left out; one of fewer words has
    the one shorter n-gram `ngram_hashes64` gives it (none without `short`).
    """
    counts: npt.NDArray[np.int64] = np.diff(word_off)
    whole: npt.NDArray[np.int64] = np.where(counts >= n, counts - n + 1, 0)
    few = (counts > 0) & (counts < n) if short else np.zeros(len(counts), dtype=np.bool_)
    sizes: npt.NDArray[np.int64] = whole + few.astype(np.int64)
    out = np.empty(int(sizes.sum()), dtype=np.uint64)
    dest: npt.NDArray[np.int64] = np.cumsum(sizes) - sizes
    if len(ids) >= n:
        every = ngram_hashes64(ids, n)  # position k: words k .. k + n - 1 of the batch
        doc = np.repeat(np.arange(len(counts)), whole)
        local = np.arange(len(doc)) - np.repeat(np.cumsum(whole) - whole, whole)
        out[dest[doc] + local] = every[word_off[doc] + local]
    for d in np.flatnonzero(few).tolist():
        out[dest[d]] = ngram_hashes64(ids[word_off[d] : word_off[d + 1]], n)[0]
    return out, sizes


def _batch_shingles(
    ids: npt.NDArray[np.uint64],
    words: list[Words],
    word_off: npt.NDArray[np.int64],
    config: DedupConfig,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Each document's shingle set (`sorted_unique(word_shingles(...))`), concatenated,
    and the size of each."""
    n_docs = len(words)
    if config.shingle.unit != "word":
        sets = [
            sorted_unique(word_shingles(w.words, ids[word_off[d] : word_off[d + 1]], config))
            for d, w in enumerate(words)
        ]
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=n_docs)
        return _concat(sets, np.uint32), sizes
    grams, sizes = _doc_ngrams(ids, word_off, config.shingle.size)
    doc = np.repeat(np.arange(n_docs, dtype=np.uint64), sizes)
    keys = sorted_unique((doc << np.uint64(32)) | (grams >> np.uint64(32)))
    found = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n_docs)
    return (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32), found.astype(np.int64)


def _batch_breaks(
    texts: list[str],
    word_starts: npt.NDArray[np.int64],
    doc_of_word: npt.NDArray[np.int64],
    word_off: npt.NDArray[np.int64],
    sentence_starts: npt.NDArray[np.int64],
    doc_of_seg: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each document's sentence breaks (`_prepare`'s `breaks`) as word indices of the
    batch, and the document of each: one binary search over the batch, its texts laid end
    to end (a sentence starts inside its text, so its search never reaches another's)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    char_off = np.cumsum(lengths) - lengths
    at = np.searchsorted(
        word_starts + char_off[doc_of_word], sentence_starts + char_off[doc_of_seg]
    )
    # Distinct per document (sorted within each: the sentences are in order).
    keep = np.ones(len(at), dtype=np.bool_)
    keep[1:] = (at[1:] != at[:-1]) | (doc_of_seg[1:] != doc_of_seg[:-1])
    return at[keep].astype(np.int64), doc_of_seg[keep]


def _batch_sentence_words(
    content: npt.NDArray[np.uint64],
    doc_of_word: npt.NDArray[np.int64],
    word_off: npt.NDArray[np.int64],
    breaks: npt.NDArray[np.int64],
    doc_of_break: npt.NDArray[np.int64],
    n_docs: int,
) -> tuple[tuple[npt.NDArray[Any], ...], list[npt.NDArray[np.int64]]]:
    """`SentenceWords.of` of every document, as its concatenated arrays, and each
    document's length of each. Sentences are numbered over the batch (`g`); a word
    belongs to the last break at or before it when that break is its own document's."""
    g = np.searchsorted(breaks, np.arange(len(content)), side="right") - 1
    own = (g >= 0) & (doc_of_break[np.maximum(g, 0)] == doc_of_word)
    keep = own & (content != 0)
    ids, of, doc = content[keep], g[keep], doc_of_word[keep]
    order = np.lexsort((of, ids, doc))  # by document, word, then sentence
    ids, of, doc = ids[order], of[order], doc[order]
    first = np.ones(len(ids), dtype=np.bool_)
    first[1:] = (ids[1:] != ids[:-1]) | (of[1:] != of[:-1])
    ids, of, doc = ids[first], of[first], doc[first]
    total = len(breaks)
    sizes = np.bincount(of, minlength=total).astype(np.int64)
    both = (ids[1:] == ids[:-1]) & (of[1:] == of[:-1] + 1) & (doc[1:] == doc[:-1])
    common = np.bincount(of[:-1][both], minlength=total).astype(np.int64)
    inside = np.flatnonzero(doc_of_break[1:] == doc_of_break[:-1])  # pairs within a doc
    pair_sizes = sizes[inside] + sizes[inside + 1] - common[inside]
    new_word = np.ones(len(ids), dtype=np.bool_)
    new_word[1:] = (ids[1:] != ids[:-1]) | (doc[1:] != doc[:-1])
    break_off = np.concatenate(([0], np.cumsum(np.bincount(doc_of_break, minlength=n_docs))))
    local = of - break_off[doc]
    arrays = (ids, local.astype(np.int64), sizes, pair_sizes.astype(np.int64), ids[new_word])
    entries = np.bincount(doc, minlength=n_docs)
    lengths = [
        entries,
        entries,
        np.bincount(doc_of_break, minlength=n_docs),
        np.bincount(doc_of_break[inside], minlength=n_docs),
        np.bincount(doc[new_word], minlength=n_docs),
    ]
    return arrays, lengths


def _batch_windows(
    grams: npt.NDArray[np.uint64],
    gram_counts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    config: DedupConfig,
) -> list[Windows | None]:
    """`passage_windows` of each document from its n-grams (`_doc_ngrams`)."""
    pc = config.passage
    ends = np.cumsum(gram_counts).tolist()
    out: list[Windows | None] = []
    for count, end, size in zip(counts.tolist(), ends, gram_counts.tolist(), strict=True):
        if count < pc.min_words:
            out.append(None)
            continue
        sigs, starts = window_signatures(
            (grams[end - size : end] >> np.uint64(32)).astype(np.uint32),
            window=pc.window,
            stride=pc.stride,
            num_perm=pc.num_perm,
            seed=config.seed,
        )
        out.append(Windows(sigs, starts))
    return out
