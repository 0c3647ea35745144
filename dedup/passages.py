"""Reused passages: MinHash windows -> LSH candidates -> alignment -> maximal passages.

Each document is cut into overlapping windows of word n-gram shingles; every window gets a
MinHash signature and goes into one LSH index. Window pairs of two different documents
that LSH proposes are merged into regions, and every region is verified by aligning the
words of both documents around it (`align.align_words`). Only aligned passages with enough
equal words and a high enough rapidfuzz similarity are reported, so LSH decides where to
look and never what is reported.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.align import (
    Layout,
    WordMatch,
    align_bigrams,
    joined_similarity,
    snap_span,
)
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.index import band_pairs, datasketch_params, unique_pairs
from dedup.normalize import load_tables, split_sentences, split_words
from dedup.parallel import map_shared, ranges
from dedup.report import PassageMatch, Span
from dedup.shingle import ngram_hashes, ngram_hashes64, shingle_hashes, word_hashes
from dedup.signature import window_signatures
from dedup.verify import set_jaccard, sorted_unique

PREPARE_BATCH = 256  # documents per preparation task
ALIGN_BATCH = 512  # document pairs per alignment task


@dataclass(frozen=True, slots=True)
class _Windows:
    """A document's window signatures and each window's first word."""

    sigs: npt.NDArray[np.uint32]
    starts: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A document's word-pair ids, sentences, normalized text and windows, as arrays.

    Arrays, not lists: they come back from the preparation workers as raw buffers, hold a
    corpus in a fraction of the memory of Python ints, and the alignment converts only the
    slices it reads.
    """

    bigrams: npt.NDArray[np.uint64]  # an id per pair of consecutive words
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

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        """The array fields, in `_Batch` order."""
        lay = self.layout
        return (
            self.bigrams,
            self.breaks,
            self.norm_starts,
            self.shingles,
            lay.word_starts,
            lay.word_ends,
            lay.sentence_starts,
            lay.sentence_ends,
        )

    @classmethod
    def of_arrays(cls, arrays: Sequence[npt.NDArray[Any]], norm: str) -> _Prepared:
        """The inverse of `arrays`."""
        bigrams, breaks, norm_starts, shingles, *layout = arrays
        return cls(bigrams, breaks, Layout(*layout), norm, norm_starts, shingles)


_FIELDS = 8  # arrays per prepared document (`_Prepared.arrays`)


@dataclass(frozen=True, slots=True)
class _Batch:
    """Prepared documents of one worker task packed as one array per field.

    One pickle of a few large buffers crosses back to the parent instead of thousands of
    small objects (unpickling those was most of the parent's serial time).
    """

    lengths: npt.NDArray[np.int64]  # (documents, fields): each document's array lengths
    arrays: tuple[npt.NDArray[Any], ...]  # per field, every document's array concatenated
    norms: list[str]
    windows: _Windows  # the window signatures of every document of the batch
    window_doc: npt.NDArray[np.int64]  # the document position of each window

    @classmethod
    def pack(cls, positions: range, items: list[tuple[_Prepared, _Windows | None]]) -> _Batch:
        """Pack the documents at `positions`, prepared as `items`."""
        fields = [prep.arrays() for prep, _ in items]
        lengths = np.array([[len(a) for a in f] for f in fields], dtype=np.int64)
        lengths = lengths.reshape(len(items), _FIELDS)
        arrays = tuple(np.concatenate(column) for column in zip(*fields, strict=True))
        present = [(pos, w) for pos, (_, w) in zip(positions, items, strict=True) if w]
        if present:
            windows = _Windows(
                np.concatenate([w.sigs for _, w in present]),
                np.concatenate([w.starts for _, w in present]),
            )
            doc = [np.full(len(w.starts), pos, dtype=np.int64) for pos, w in present]
            window_doc = np.concatenate(doc)
        else:
            windows = _Windows(np.zeros((0, 0), np.uint32), np.zeros(0, np.int64))
            window_doc = np.zeros(0, np.int64)
        return cls(lengths, arrays, [prep.norm for prep, _ in items], windows, window_doc)

    def unpack(self) -> list[_Prepared]:
        """The documents' `_Prepared`, as views into the batch's arrays."""
        ends = np.cumsum(self.lengths, axis=0).tolist()
        starts = (np.cumsum(self.lengths, axis=0) - self.lengths).tolist()
        return [
            _Prepared.of_arrays(
                [a[s:e] for a, s, e in zip(self.arrays, starts[k], ends[k], strict=True)],
                self.norms[k],
            )
            for k in range(len(self.norms))
        ]


# Peak memory of a passage scan per character of text: 1,208 MB over a 446 MB baseline for
# 13,687 documents of 2,571 characters (benchmarks/passage_scale.py corpus, jobs=1).
PEAK_BYTES_PER_CHAR = 22


def peak_memory(docs: Sequence[Document]) -> int:
    """About how many bytes `find_passages` needs at its peak for `docs` (measured, rough).

    Example:
        >>> peak_memory([Document("a", "x" * 1000)])
        22000
    """
    return PEAK_BYTES_PER_CHAR * sum(len(doc.text) for doc in docs)


_Region = list[int]  # [a_lo, a_hi, b_lo, b_hi] word ranges, half-open


@dataclass
class Reuse:
    """Shared passages, and the exact document Jaccard of every document pair sharing one.

    Attributes:
        passages: as `find_passages` returns them.
        jaccards: `(position of a, position of b) -> Jaccard` of the two documents'
            shingle sets, for every pair with a passage.
    """

    passages: list[PassageMatch]
    jaccards: dict[tuple[int, int], float]


def find_passages(
    docs: Sequence[Document], config: DedupConfig | None = None, *, jobs: int = 1
) -> list[PassageMatch]:
    """Passages that two different documents of `docs` share, with spans into both texts.

    Candidates come from LSH over window signatures, so a passage whose windows all fall
    below `config.passage.lsh_threshold` can be missed; every reported passage is verified
    by alignment. Pairs are reported once, with `a` the earlier document of `docs`.

    Args:
        docs: the documents (ids must be unique).
        config: settings (see `PassageConfig`).
        jobs: worker processes for preparation and alignment (results do not depend on it).

    Returns:
        Passages sorted by document order, then by offset.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> a = Document("a", "Intro line here. " + text)
        >>> b = Document("b", text.upper() + " Something else entirely.")
        >>> [(p.a.start, p.b.start, p.similarity) for p in find_passages([a, b])]
        [(17, 0, 1.0)]
    """
    return find_reuse(docs, config, jobs=jobs).passages


def find_reuse(
    docs: Sequence[Document], config: DedupConfig | None = None, *, jobs: int = 1
) -> Reuse:
    """`find_passages`, plus the document Jaccard of each pair, computed by the same workers.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> reuse = find_reuse([Document("a", "Intro. " + text), Document("b", text)])
        >>> reuse.jaccards
        {(0, 1): 0.857143}
    """
    config = config or DedupConfig()
    load_tables()
    prepare = partial(_prepare_range, config=config)
    batches = list(map_shared(prepare, docs, ranges(len(docs), PREPARE_BATCH), jobs=jobs))
    prepared = [prep for batch in batches for prep in batch.unpack()]
    windows: list[_Batch | None] = list(batches)
    del batches  # window signatures are the bulk of the memory: `windows` alone holds them
    cand = _candidate_pairs(windows, config, jobs=jobs)
    align = partial(_align_groups, config=config)
    reuse = Reuse([], {})
    for found, jaccards in map_shared(
        align, (prepared, cand), ranges(len(cand), ALIGN_BATCH), jobs=jobs
    ):
        reuse.passages.extend(_passage(docs, f) for f in found)
        reuse.jaccards.update(((ia, ib), jac) for ia, ib, jac in jaccards)
    return reuse


def _prepare_range(docs: Sequence[Document], positions: range, config: DedupConfig) -> _Batch:
    return _Batch.pack(positions, [_prepare(docs[pos], config) for pos in positions])


def _prepare(doc: Document, config: DedupConfig) -> tuple[_Prepared, _Windows | None]:
    """A document's words and sentences, and its window signatures."""
    pc = config.passage
    words = split_words(doc.text, config.normalize)
    ids = word_hashes(words.words).astype(np.uint64, copy=False)
    sentences = split_sentences(doc.text)
    layout = Layout.of(words, sentences)
    breaks = sorted_unique(np.searchsorted(words.starts, layout.sentence_starts))
    lengths = np.fromiter(map(len, words.words), dtype=np.int64, count=len(words))
    norm_starts = np.cumsum(lengths + 1) - lengths - 1
    bigrams = ngram_hashes64(ids, 2) if len(ids) > 1 else np.zeros(0, dtype=np.uint64)
    windows = None
    if len(words) >= pc.min_words:
        sigs, starts = window_signatures(
            ngram_hashes(ids, pc.ngram),
            window=pc.window,
            stride=pc.stride,
            num_perm=pc.num_perm,
            seed=config.seed,
        )
        windows = _Windows(sigs, starts)
    norm = " ".join(words.words)
    shingles = sorted_unique(
        ngram_hashes(ids, config.shingle.size)
        if config.shingle.unit == "word"
        else shingle_hashes(words.words, config.shingle)
    )
    prep = _Prepared(bigrams, breaks.astype(np.int64), layout, norm, norm_starts, shingles)
    return prep, windows


# A window shared by more documents (a licence, a wire story on hundreds of sites) pairs
# each of them with the first MAX_BUCKET documents that carry it only, so heavily reused
# text costs linear, not quadratic, work and is reported against its earliest copies.
MAX_BUCKET = 8


@dataclass(frozen=True, slots=True)
class _Candidates:
    """Candidate window pairs sorted by document pair; `bounds` cut them into pairs.

    Window pairs `bounds[g]:bounds[g + 1]` all belong to document pair g. Plain arrays,
    so alignment workers read them through fork and a task is only a range of g.
    """

    doc_a: npt.NDArray[np.int64]
    doc_b: npt.NDArray[np.int64]
    at_a: npt.NDArray[np.int64]
    at_b: npt.NDArray[np.int64]
    bounds: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.bounds) - 1


def _candidate_pairs(
    batches: list[_Batch | None], config: DedupConfig, *, jobs: int = 1
) -> _Candidates:
    """LSH window candidates grouped by document pair, in document order.

    All window signatures of the corpus go through one numpy banding join, a band per
    task over `jobs` processes (`index.band_pairs`), which yields the same candidates as
    inserting them into datasketch `MinHashLSH` with the same bands and rows, without a
    Python call per window. `batches` is emptied as their signatures are stacked, so the
    signatures are never in memory twice.
    """
    sizes = [len(b.window_doc) for b in batches if b is not None]
    none = np.zeros(0, dtype=np.int64)
    if not sum(sizes):
        return _Candidates(none, none, none, none, np.zeros(1, dtype=np.int64))
    total = sum(sizes)
    sigs = np.empty((total, config.passage.num_perm), dtype=np.uint32)
    doc_of = np.empty(total, dtype=np.int64)
    start_of = np.empty(total, dtype=np.int64)
    at = 0
    for k, batch in enumerate(batches):
        if batch is None or not len(batch.window_doc):
            continue
        end = at + len(batch.window_doc)
        sigs[at:end], doc_of[at:end], start_of[at:end] = (
            batch.windows.sigs,
            batch.window_doc,
            batch.windows.starts,
        )
        batches[k], at = None, end
    pc = config.passage
    bands, rows = datasketch_params(pc.lsh_threshold, pc.num_perm)
    need = math.ceil(pc.min_window_estimate * pc.num_perm - 1e-9)
    gate = partial(_band_candidates, rows=rows, min_equal=need)
    # One group of bands per worker: a pair found by several bands is gated once.
    groups = [range(int(g[0]), int(g[-1]) + 1) for g in np.array_split(range(bands), jobs)]
    found = list(map_shared(gate, (sigs, doc_of), [g for g in groups if len(g)], jobs=jobs))
    pairs = unique_pairs(found, len(sigs))
    del sigs, found
    # Rows are in document order, so the first of a pair is the earlier document.
    doc_a, doc_b = doc_of[pairs[:, 0]], doc_of[pairs[:, 1]]
    at_a, at_b = start_of[pairs[:, 0]], start_of[pairs[:, 1]]
    order = np.lexsort((at_b, at_a, doc_b, doc_a))
    doc_a, doc_b, at_a, at_b = doc_a[order], doc_b[order], at_a[order], at_b[order]
    cuts = np.flatnonzero((np.diff(doc_a) != 0) | (np.diff(doc_b) != 0)) + 1
    bounds = np.concatenate(([0], cuts, [len(doc_a)])) if len(doc_a) else np.zeros(1, np.int64)
    return _Candidates(doc_a, doc_b, at_a, at_b, bounds.astype(np.int64))


def _band_candidates(
    shared: tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]],
    bands: range,
    rows: int,
    min_equal: int,
) -> npt.NDArray[np.int64]:
    """Window pairs of two different documents that some band of `bands` proposes and
    that pass the estimate gate."""
    sigs, doc_of = shared
    found = []
    for band in bands:
        pairs, _ = band_pairs(sigs[:, band * rows : (band + 1) * rows], MAX_BUCKET)
        found.append(pairs[doc_of[pairs[:, 0]] != doc_of[pairs[:, 1]]])
    pairs = unique_pairs(found, len(sigs))
    passed: npt.NDArray[np.int64] = pairs[_equal_values(sigs, pairs) >= min_equal]
    return passed


def _equal_values(
    sigs: npt.NDArray[np.uint32], pairs: npt.NDArray[np.int64], chunk: int = 1 << 18
) -> npt.NDArray[np.int64]:
    """Equal signature values of every pair of rows (the MinHash Jaccard estimate x
    num_perm), in chunks to bound memory."""
    out = np.empty(len(pairs), dtype=np.int64)
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = np.count_nonzero(sigs[part[:, 0]] == sigs[part[:, 1]], axis=1)
    return out


# A verified passage as plain numbers, which cross process boundaries 40x faster than
# PassageMatch objects: (doc a, doc b, a start, a end, b start, b end, similarity, words).
_Found = tuple[int, int, int, int, int, int, float, int]


def _align_groups(
    shared: tuple[Sequence[_Prepared], _Candidates], groups: range, config: DedupConfig
) -> tuple[list[_Found], list[tuple[int, int, float]]]:
    """Verified passages of the document pairs `groups`, and those pairs' document Jaccard."""
    prepared, cand = shared
    lo, hi = int(cand.bounds[groups.start]), int(cand.bounds[groups.stop])
    bounds = (cand.bounds[groups.start : groups.stop + 1] - lo).tolist()
    doc_a, doc_b = cand.doc_a[lo:hi].tolist(), cand.doc_b[lo:hi].tolist()
    at_a, at_b = cand.at_a[lo:hi].tolist(), cand.at_b[lo:hi].tolist()
    found: list[_Found] = []
    jaccards: list[tuple[int, int, float]] = []
    for start, end in pairwise(bounds):
        ia, ib = doc_a[start], doc_b[start]
        window_pairs = list(zip(at_a[start:end], at_b[start:end], strict=True))
        passages = _passages_for_pair(prepared[ia], prepared[ib], window_pairs, config)
        found.extend((ia, ib, *m) for m in passages)
        if passages:
            jac = set_jaccard(prepared[ia].shingles, prepared[ib].shingles)
            jaccards.append((ia, ib, round(jac, 6)))
    return found, jaccards


def _passage(docs: Sequence[Document], found: _Found) -> PassageMatch:
    ia, ib, a_start, a_end, b_start, b_end, sim, words = found
    doc_a, doc_b = docs[ia], docs[ib]
    return PassageMatch(
        Span(doc_a.id, a_start, a_end, doc_a.text[a_start:a_end]),
        Span(doc_b.id, b_start, b_end, doc_b.text[b_start:b_end]),
        sim,
        words,
    )


def _regions(window_pairs: list[tuple[int, int]], span: int) -> list[_Region]:
    """Merge window pairs into regions when at most `span` words apart on both sides.

    Each region is aligned with `span` words of margin, so two window pairs that close
    would be aligned over overlapping ranges anyway; merging them keeps a long edited
    passage whose middle window fell below the gates in one piece.
    """
    regions: list[_Region] = []
    for a, b in sorted(window_pairs):
        for reg in regions:
            if (
                a <= reg[1] + span
                and b <= reg[3] + span
                and a + 2 * span >= reg[0]
                and b + 2 * span >= reg[2]
            ):
                reg[0], reg[1] = min(reg[0], a), max(reg[1], a + span)
                reg[2], reg[3] = min(reg[2], b), max(reg[3], b + span)
                break
        else:
            regions.append([a, a + span, b, b + span])
    return regions


def _passages_for_pair(
    pa: _Prepared, pb: _Prepared, window_pairs: list[tuple[int, int]], config: DedupConfig
) -> list[tuple[int, int, int, int, float, int]]:
    """Verified passages of one document pair: character spans, similarity, equal words."""
    pc = config.passage
    span = pc.window + pc.ngram - 1
    matches: list[WordMatch] = []
    a_breaks, b_breaks = pa.breaks.tolist(), pb.breaks.tolist()
    for a_lo, a_hi, b_lo, b_hi in _regions(window_pairs, span):
        a0, a1 = max(0, a_lo - span), min(pa.size, a_hi + span)
        b0, b1 = max(0, b_lo - span), min(pb.size, b_hi + span)
        for m in align_bigrams(
            pa.bigrams[a0 : a1 - 1].tolist(),
            pb.bigrams[b0 : b1 - 1].tolist(),
            max_gap=pc.max_gap,
            min_words=pc.min_words,
            a_breaks=_breaks_in(a_breaks, a0, a1),
            b_breaks=_breaks_in(b_breaks, b0, b1),
        ):
            matches.append(
                WordMatch(m.a_start + a0, m.a_end + a0, m.b_start + b0, m.b_end + b0, m.matched)
            )
    if len(matches) > 1:
        matches = _drop_overlaps(matches)
    passages = [_scored(pa, pb, m) for m in matches]
    return [p for p in passages if p[4] >= pc.min_similarity]


def _breaks_in(breaks: list[int], lo: int, hi: int) -> list[int]:
    """Sentence starts within words [lo, hi), relative to lo."""
    return [k - lo for k in breaks[bisect_left(breaks, lo) : bisect_left(breaks, hi)]]


def _drop_overlaps(matches: list[WordMatch]) -> list[WordMatch]:
    """Keep the strongest of matches that overlap on both sides (regions can overlap)."""
    kept: list[WordMatch] = []
    for m in sorted(matches, key=lambda m: (-m.matched, m.a_start, m.b_start)):
        if not any(
            m.a_start < k.a_end
            and k.a_start < m.a_end
            and m.b_start < k.b_end
            and k.b_start < m.b_end
            for k in kept
        ):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


def _scored(pa: _Prepared, pb: _Prepared, m: WordMatch) -> tuple[int, int, int, int, float, int]:
    a_start, a_end = snap_span(pa.layout, m.a_start, m.a_end)
    b_start, b_end = snap_span(pb.layout, m.b_start, m.b_end)
    sim = joined_similarity(
        pa.norm_between(*pa.layout.word_range(a_start, a_end)),
        pb.norm_between(*pb.layout.word_range(b_start, b_end)),
    )
    return a_start, a_end, b_start, b_end, sim, m.matched
