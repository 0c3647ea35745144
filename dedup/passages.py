"""Reused passages: MinHash windows -> LSH candidates -> alignment -> maximal passages.

Each document is cut into overlapping windows of word n-gram shingles; every window gets a
MinHash signature and goes into one LSH index. Window pairs of two different documents
that LSH proposes are merged into regions, and every region is verified by aligning the
words of both documents around it (`align.align_words`). Only aligned passages with enough
equal words and a high enough rapidfuzz similarity are reported, so LSH decides where to
look and never what is reported.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from dedup.align import Layout, WordMatch, align_bigrams, similarity, snap_span, word_bigrams
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.index import band_candidates, datasketch_params
from dedup.normalize import split_sentences, split_words
from dedup.parallel import batched, map_batches, map_shared
from dedup.report import PassageMatch, Span
from dedup.shingle import ngram_hashes, word_hashes
from dedup.signature import window_signatures

PREPARE_BATCH = 256  # documents per preparation task
ALIGN_BATCH = 512  # document pairs per alignment task


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A document's words, word ids and sentences, computed once for every pair it is in."""

    doc: Document
    words: tuple[str, ...]
    ids: list[int]
    breaks: list[int]  # indices of the words that start a sentence, sorted
    bigrams: list[int]
    layout: Layout


@dataclass(frozen=True, slots=True)
class _Windows:
    """A document's window signatures and each window's first word."""

    sigs: npt.NDArray[np.uint32]
    starts: npt.NDArray[np.int64]


_Region = list[int]  # [a_lo, a_hi, b_lo, b_hi] word ranges, half-open

# One candidate document pair: (doc a, doc b, window starts in a, window starts in b).
_PairTask = tuple[int, int, list[int], list[int]]


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
    config = config or DedupConfig()
    prepared: list[_Prepared] = []
    windows: list[_Windows | None] = []
    prepare = partial(_prepare_batch, config=config)
    for batch in map_batches(prepare, batched(docs, PREPARE_BATCH), jobs=jobs):
        for prep, win in batch:
            prepared.append(prep)
            windows.append(win)
    tasks = _candidate_pairs(windows, config)
    del windows  # signatures are large; only the candidate pairs are needed from here on
    align = partial(_align_batch, config=config)
    found: list[PassageMatch] = []
    for out in map_shared(align, prepared, list(batched(tasks, ALIGN_BATCH)), jobs=jobs):
        found.extend(out)
    return found


def _prepare_batch(
    docs: list[Document], config: DedupConfig
) -> list[tuple[_Prepared, _Windows | None]]:
    return [_prepare(doc, config) for doc in docs]


def _prepare(doc: Document, config: DedupConfig) -> tuple[_Prepared, _Windows | None]:
    """A document's words and sentences, and its window signatures (None when too short)."""
    pc = config.passage
    words = split_words(doc.text, config.normalize)
    ids = word_hashes(words.words)
    sentences = split_sentences(doc.text)
    first = np.searchsorted(words.starts, [seg.start for seg in sentences])
    breaks = np.unique(np.asarray(first, dtype=np.int64)).tolist()
    id_list = ids.tolist()
    prep = _Prepared(
        doc, words.words, id_list, breaks, word_bigrams(id_list), Layout.of(words, sentences)
    )
    if len(words) < pc.min_words:
        return prep, None
    shingles = ngram_hashes(ids.astype(np.uint64, copy=False), pc.ngram)
    sigs, starts = window_signatures(
        shingles, window=pc.window, stride=pc.stride, num_perm=pc.num_perm, seed=config.seed
    )
    return prep, _Windows(sigs, starts)


# A window shared by more documents (a licence, a wire story on hundreds of sites) pairs
# each of them with the first MAX_BUCKET documents that carry it only, so heavily reused
# text costs linear, not quadratic, work and is reported against its earliest copies.
MAX_BUCKET = 8


def _candidate_pairs(windows: Sequence[_Windows | None], config: DedupConfig) -> list[_PairTask]:
    """LSH window candidates grouped by document pair, in document order.

    All window signatures of the corpus go through one numpy banding join
    (`index.band_candidates`), which yields the same candidates as inserting them into
    datasketch `MinHashLSH` with the same bands and rows, without a Python call per window.
    """
    present = [(di, w) for di, w in enumerate(windows) if w is not None]
    if not present:
        return []
    doc_of = np.concatenate([np.full(len(w.starts), di, dtype=np.int64) for di, w in present])
    start_of = np.concatenate([w.starts for _, w in present])
    bands, rows = datasketch_params(config.passage.lsh_threshold, config.passage.num_perm)
    sigs = np.concatenate([w.sigs for _, w in present])
    pairs, _ = band_candidates(sigs, bands, rows, max_bucket=MAX_BUCKET)
    del sigs
    # Rows are in document order, so the first of a pair is the earlier document.
    doc_a, doc_b = doc_of[pairs[:, 0]], doc_of[pairs[:, 1]]
    keep = doc_a != doc_b
    doc_a, doc_b = doc_a[keep], doc_b[keep]
    at_a, at_b = start_of[pairs[keep, 0]], start_of[pairs[keep, 1]]
    order = np.lexsort((at_b, at_a, doc_b, doc_a))
    doc_a, doc_b, at_a, at_b = doc_a[order], doc_b[order], at_a[order], at_b[order]
    cuts = np.flatnonzero((np.diff(doc_a) != 0) | (np.diff(doc_b) != 0)) + 1
    bounds = [0, *cuts.tolist(), len(doc_a)] if len(doc_a) else []
    a_docs, b_docs = doc_a.tolist(), doc_b.tolist()
    a_list, b_list = at_a.tolist(), at_b.tolist()
    return [
        (a_docs[lo], b_docs[lo], a_list[lo:hi], b_list[lo:hi]) for lo, hi in pairwise(bounds)
    ]


def _align_batch(
    prepared: Sequence[_Prepared], tasks: list[_PairTask], config: DedupConfig
) -> list[PassageMatch]:
    found: list[PassageMatch] = []
    for ia, ib, at_a, at_b in tasks:
        window_pairs = list(zip(at_a, at_b, strict=True))
        found.extend(_passages_for_pair(prepared[ia], prepared[ib], window_pairs, config))
    return found


def _regions(window_pairs: list[tuple[int, int]], span: int) -> list[_Region]:
    """Merge window pairs whose word ranges touch on both sides into regions."""
    regions: list[_Region] = []
    for a, b in sorted(window_pairs):
        for reg in regions:
            if a <= reg[1] and b <= reg[3] and a + span >= reg[0] and b + span >= reg[2]:
                reg[0], reg[1] = min(reg[0], a), max(reg[1], a + span)
                reg[2], reg[3] = min(reg[2], b), max(reg[3], b + span)
                break
        else:
            regions.append([a, a + span, b, b + span])
    return regions


def _passages_for_pair(
    pa: _Prepared, pb: _Prepared, window_pairs: list[tuple[int, int]], config: DedupConfig
) -> list[PassageMatch]:
    pc = config.passage
    span = pc.window + pc.ngram - 1
    matches: list[WordMatch] = []
    for a_lo, a_hi, b_lo, b_hi in _regions(window_pairs, span):
        a0, a1 = max(0, a_lo - span), min(len(pa.ids), a_hi + span)
        b0, b1 = max(0, b_lo - span), min(len(pb.ids), b_hi + span)
        for m in align_bigrams(
            pa.bigrams[a0 : a1 - 1],
            pb.bigrams[b0 : b1 - 1],
            max_gap=pc.max_gap,
            min_words=pc.min_words,
            a_breaks=_breaks_in(pa.breaks, a0, a1),
            b_breaks=_breaks_in(pb.breaks, b0, b1),
        ):
            matches.append(
                WordMatch(m.a_start + a0, m.a_end + a0, m.b_start + b0, m.b_end + b0, m.matched)
            )
    passages = [_to_passage(pa, pb, m) for m in _drop_overlaps(matches)]
    return [p for p in passages if p.similarity >= pc.min_similarity]


def _breaks_in(breaks: list[int], lo: int, hi: int) -> list[int]:
    """Sentence starts within words [lo, hi), relative to lo."""
    return [k - lo for k in breaks[bisect_left(breaks, lo) : bisect_left(breaks, hi)]]


def _drop_overlaps(matches: list[WordMatch]) -> list[WordMatch]:
    """Keep the strongest of matches that overlap on both sides (regions can overlap)."""
    kept: list[WordMatch] = []
    for m in sorted(matches, key=lambda m: (-m.matched, m.a_start, m.b_start)):
        if not any(
            m.a_start < k.a_end and k.a_start < m.a_end and m.b_start < k.b_end
            and k.b_start < m.b_end
            for k in kept
        ):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


def _to_passage(pa: _Prepared, pb: _Prepared, m: WordMatch) -> PassageMatch:
    a_start, a_end = snap_span(pa.layout, m.a_start, m.a_end)
    b_start, b_end = snap_span(pb.layout, m.b_start, m.b_end)
    sim = similarity(_words_in(pa, a_start, a_end), _words_in(pb, b_start, b_end))
    return PassageMatch(
        Span(pa.doc.id, a_start, a_end, pa.doc.text[a_start:a_end]),
        Span(pb.doc.id, b_start, b_end, pb.doc.text[b_start:b_end]),
        sim,
        m.matched,
    )


def _words_in(prep: _Prepared, start: int, end: int) -> tuple[str, ...]:
    lo, hi = prep.layout.word_range(start, end)
    return prep.words[lo:hi]
