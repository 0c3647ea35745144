"""Reused passages: MinHash windows -> LSH candidates -> alignment -> maximal passages.

Each document is cut into overlapping windows of word n-gram shingles; every window gets a
MinHash signature and goes into one LSH index. Window pairs of two different documents
that LSH proposes are merged into regions, and every region is verified by aligning the
words of both documents around it (`align.align_words`). Only aligned passages with enough
equal words and a high enough rapidfuzz similarity are reported, so LSH decides where to
look and never what is reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.align import WordMatch, align_bigrams, similarity, snap_span, word_bigrams
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.index import band_candidates, datasketch_params
from dedup.normalize import Segment, Words, split_sentences, split_words
from dedup.report import PassageMatch, Span
from dedup.shingle import ngram_hashes, word_hashes
from dedup.signature import window_signatures


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A document's words, word ids and sentences, computed once for every pair it is in."""

    doc: Document
    words: Words
    ids: list[int]
    sentences: list[Segment]
    breaks: npt.NDArray[np.int64]
    bigrams: list[int]


def _prepare(doc: Document, config: DedupConfig) -> _Prepared:
    words = split_words(doc.text, config.normalize)
    ids = word_hashes(words.words).tolist()
    sentences = split_sentences(doc.text)
    first = np.searchsorted(words.starts, [seg.start for seg in sentences])
    breaks = np.unique(np.asarray(first, dtype=np.int64))
    return _Prepared(doc, words, ids, sentences, breaks, word_bigrams(ids))


_Region = list[int]  # [a_lo, a_hi, b_lo, b_hi] word ranges, half-open


def find_passages(
    docs: Sequence[Document], config: DedupConfig | None = None
) -> list[PassageMatch]:
    """Passages that two different documents of `docs` share, with spans into both texts.

    Candidates come from LSH over window signatures, so a passage whose windows all fall
    below `config.passage.lsh_threshold` can be missed; every reported passage is verified
    by alignment. Pairs are reported once, with `a` the earlier document of `docs`.

    Args:
        docs: the documents (ids must be unique).
        config: settings (see `PassageConfig`).

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
    prepared = [_prepare(doc, config) for doc in docs]
    found: list[PassageMatch] = []
    for (ia, ib), window_pairs in sorted(_candidate_windows(prepared, config).items()):
        found.extend(_passages_for_pair(prepared[ia], prepared[ib], window_pairs, config))
    return found


# A window shared by more documents (a licence, a wire story on hundreds of sites) pairs
# each of them with the first MAX_BUCKET documents that carry it only, so heavily reused
# text costs linear, not quadratic, work and is reported against its earliest copies.
MAX_BUCKET = 8


def _candidate_windows(
    prepared: Sequence[_Prepared], config: DedupConfig
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """LSH window candidates grouped by document pair: (doc_a, doc_b) -> [(word_a, word_b)].

    All window signatures of the corpus go through one numpy banding join
    (`index.band_candidates`), which yields the same candidates as inserting them into
    datasketch `MinHashLSH` with the same bands and rows, without a Python call per window.
    """
    pc = config.passage
    sigs: list[npt.NDArray[np.uint32]] = []
    docs: list[npt.NDArray[np.int64]] = []
    starts: list[npt.NDArray[np.int64]] = []
    for di, prep in enumerate(prepared):
        if len(prep.words) < pc.min_words:
            continue
        shingles = ngram_hashes(np.asarray(prep.ids, dtype=np.uint64), pc.ngram)
        window_sigs, first = window_signatures(
            shingles, window=pc.window, stride=pc.stride, num_perm=pc.num_perm, seed=config.seed
        )
        sigs.append(window_sigs)
        docs.append(np.full(len(first), di, dtype=np.int64))
        starts.append(first)
    grouped: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    if not sigs:
        return grouped
    doc_of, start_of = np.concatenate(docs), np.concatenate(starts)
    bands, rows = datasketch_params(pc.lsh_threshold, pc.num_perm)
    pairs, _ = band_candidates(np.concatenate(sigs), bands, rows, max_bucket=MAX_BUCKET)
    pairs = pairs[doc_of[pairs[:, 0]] != doc_of[pairs[:, 1]]]
    # Rows are in document order, so the first of a pair is the earlier document.
    for i, j in pairs.tolist():
        grouped[(int(doc_of[i]), int(doc_of[j]))].append((int(start_of[i]), int(start_of[j])))
    return grouped


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


def _breaks_in(breaks: npt.NDArray[np.int64], lo: int, hi: int) -> frozenset[int]:
    """Sentence starts within words [lo, hi), relative to lo."""
    inside = breaks[np.searchsorted(breaks, lo) : np.searchsorted(breaks, hi)]
    return frozenset((inside - lo).tolist())


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
    a_start, a_end = snap_span(pa.words, pa.sentences, m.a_start, m.a_end)
    b_start, b_end = snap_span(pb.words, pb.sentences, m.b_start, m.b_end)
    sim = similarity(_words_in(pa.words, a_start, a_end), _words_in(pb.words, b_start, b_end))
    return PassageMatch(
        Span(pa.doc.id, a_start, a_end, pa.doc.text[a_start:a_end]),
        Span(pb.doc.id, b_start, b_end, pb.doc.text[b_start:b_end]),
        sim,
        m.matched,
    )


def _words_in(words: Words, start: int, end: int) -> list[str]:
    lo = int(np.searchsorted(words.starts, start, side="left"))
    hi = int(np.searchsorted(words.ends, end, side="right"))
    return list(words.words[lo:hi])
