"""Reused passages: windows -> LSH candidates -> alignment -> maximal passages.

The stages: `prepare` cuts each document (in the `--jobs` workers) into words, sentences
and overlapping windows of word n-gram shingles with a MinHash signature each;
`candidates` band-joins every window of the corpus and keeps the window pairs whose
signatures agree enough; here, the window pairs of each document pair merge into regions,
and every region is verified by aligning the words of both documents around it
(`align.align_bigrams`). Only aligned passages with enough equal words and a high enough
rapidfuzz similarity are reported, so LSH decides where to look and never what is reported.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, pairwise
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from dedup.align import (
    SNAP_SLACK,
    WordMatch,
    align_bigrams,
    joined_similarity,
    snap_spans,
)
from dedup.candidates import Candidates, candidate_pairs, strongest_partners
from dedup.config import DedupConfig
from dedup.document import Document, document_chars
from dedup.found import Found, FoundOverlaps, FoundPassages, Overlap, passage
from dedup.normalize import load_tables
from dedup.parallel import frozen, map_shared, ranges, resolve_jobs
from dedup.prepare import PREPARE_BATCH, Batch, Prepared, prepare_document, prepare_range
from dedup.progress import counted, held_stage, set_stage
from dedup.report import PassageColumns, PassageMatch, passage_columns
from dedup.sentences import (
    SentenceMatch,
    SentencePairing,
    pair_sentences,
    pair_sentences_many,
    stacked,
)
from dedup.signature import _compiled, kernels, numpy_paths
from dedup.verify import set_overlap

ALIGN_BATCH = 512  # document pairs per alignment task


# Peak memory of a passage scan per character of text: 1,208 MB over a 446 MB baseline for
# 13,687 documents of 2,571 characters (benchmarks/passage_scale.py corpus, jobs=1).
PEAK_BYTES_PER_CHAR = 22


def peak_memory(docs: Sequence[Document]) -> int:
    """About how many bytes `find_passages` needs at its peak for `docs` (measured, rough).

    Example:
        >>> peak_memory([Document("a", "x" * 1000)])
        22000
    """
    return PEAK_BYTES_PER_CHAR * int(np.sum(document_chars(docs), dtype=np.int64))


def default_memory_limit() -> int:
    """Bytes a passage scan may use before it spills to disk: half of this machine's memory
    (0, never spill, where the OS does not say).

    Example:
        >>> default_memory_limit() >= 0
        True
    """
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, OSError, ValueError):
        return 0


_Region = list[int]  # [a_lo, a_hi, b_lo, b_hi] word ranges, half-open


@dataclass
class Reuse:
    """Shared passages, and the exact document overlap of every document pair sharing one.

    Attributes:
        passages: as `find_passages` returns them, kept as numbers (`FoundPassages`: 60
            bytes a passage) and made `PassageMatch`es, texts included, when read.
        overlaps: `(position of a, position of b) -> (Jaccard, containment of a in b,
            containment of b in a)` of the two documents' shingle sets (`set_overlap`,
            rounded to 6 places), then, with `PassageConfig.sentences`, the sentence
            containment of a in b and of b in a (`_graded`), for every pair with a passage;
            kept as numbers (`FoundOverlaps`: 57 bytes a pair).
        left_out: passages of a pair beyond `PassageConfig.max_per_pair`, not reported,
            for every pair that had more.
        pairs_left_out: candidate document pairs not aligned (`PassageConfig.max_partners`
            and near-duplicate pairs).
        member_pairs_left_out: of those, the pairs of two members of one near-duplicate
            cluster (`candidates.KeptPairs`), never aligned whatever the cap.
    """

    passages: Sequence[PassageMatch]
    overlaps: Mapping[tuple[int, int], tuple[float, ...]]
    left_out: dict[tuple[int, int], int] = field(default_factory=dict)
    pairs_left_out: int = 0
    member_pairs_left_out: int = 0


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
        jobs: worker processes for preparation and alignment; 0 uses every core, 1 runs in
            this process (results do not depend on it).

    Returns:
        Passages sorted by document order, then by offset.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> a = Document("a", "Intro line here. " + text)
        >>> b = Document("b", text.upper() + " Something else entirely.")
        >>> [(p.a.start, p.b.start, p.similarity) for p in find_passages([a, b])]
        [(17, 0, 1.0)]
    """
    return list(find_reuse(docs, config, jobs=jobs, made=True).passages)


def find_passages_against(
    sources: Sequence[Document], doc: Document, config: DedupConfig | None = None
) -> list[PassageMatch]:
    """Passages `doc` shares with any of `sources` (`a`: the source, `b`: `doc`).

    The same candidates, gates and alignment as `find_passages([source, doc])` for each
    source, with every document prepared once and one banding join for all of them (no
    bucket cap: `doc` pairs with every source sharing a window); pairs of two sources are
    not aligned.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> a, b = Document("a", "Intro line here. " + text), Document("b", text)
        >>> [(p.a.doc, p.a.start, p.b.start) for p in find_passages_against([a], b)]
        [('a', 17, 0)]
    """
    config = config or DedupConfig()
    docs = [*sources, doc]
    load_tables()
    batch = prepare_range(docs, range(len(docs)), config=config)
    prepared = batch.unpack()
    cand = candidate_pairs([batch], config, max_bucket=len(docs))
    mine = [g for g in range(len(cand)) if cand.doc_b[cand.bounds[g]] == len(sources)]
    found: list[Found] = []
    for g in mine:
        found.extend(_align_groups((prepared, cand), range(g, g + 1), config)[0])
    return [passage(docs, f) for f in found]


def find_reuse(
    docs: Sequence[Document],
    config: DedupConfig | None = None,
    *,
    jobs: int = 1,
    every_pair: bool = False,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
    memory_limit: int | None = None,
    tmp_dir: str | None = None,
    made: bool = False,
) -> Reuse:
    """`find_passages`, plus the document overlap of each pair, computed by the same workers.

    `jobs` is as for `find_passages` (0 uses every core). With `every_pair` (for a handful
    of documents: `compare`), a document pair without a candidate window is still searched
    for reworded sentences (`PassageConfig.sentences`), which need no window in common.
    Only each document's strongest candidate partners are aligned; in a near-duplicate
    cluster (`cluster[doc]`, -1 for none) a member's text its representative
    (`representative[doc]`) shares is aligned with the representative alone, which stands
    for it, and what the member adds with other documents: `candidate_pairs`,
    `strongest_partners`. When `peak_memory(docs)` exceeds `memory_limit` bytes (None:
    `default_memory_limit()`; 0: never), the scan spills to files under `tmp_dir` (None:
    TMPDIR) and gives the same result in bounded memory (`dedup.spill`). With `made`, the
    in-memory path makes each `PassageMatch` as its batch arrives (`FoundPassages(made=True)`)
    instead of when read: for a caller that reads every passage once the scan is done.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> reuse = find_reuse([Document("a", "Intro. " + text), Document("b", text)])
        >>> dict(reuse.overlaps)
        {(0, 1): (0.857143, 0.857143, 1.0, 0.934211, 1.0)}
    """
    config = config or DedupConfig()
    jobs = resolve_jobs(jobs)
    # A few documents (`compare`, a small scan) take the numpy paths: the same values,
    # without compiling every kernel on the first run after an install.
    limit = default_memory_limit() if memory_limit is None else memory_limit
    with numpy_paths(len(docs) < COMPILE_FROM):
        load_tables()
        if kernels():
            _load_kernels(config)
        if not every_pair and spills(docs, limit):
            # Imported here: the spilled path reuses this module's alignment.
            from dedup.spill import spill_reuse

            return spill_reuse(
                docs,
                config,
                jobs=jobs,
                budget=limit,
                tmp_dir=tmp_dir,
                cluster=cluster,
                representative=representative,
            )
        with frozen():  # the caller's heap stays out of the scan's collections
            return _find_reuse(docs, config, jobs, every_pair, cluster, representative, made=made)


def spills(docs: Sequence[Document], memory_limit: int | None) -> bool:
    """Whether `find_reuse` of `docs` runs on disk: when its `peak_memory` exceeds
    `memory_limit` bytes (None: `default_memory_limit()`; 0: never).

    Example:
        >>> spills([Document("a", "x" * 1000)], 10_000), spills([Document("a", "x")], 0)
        (True, False)
    """
    limit = default_memory_limit() if memory_limit is None else memory_limit
    return 0 < limit < peak_memory(docs)


COMPILE_FROM = 50  # documents from which the passage search runs the compiled kernels


def _find_reuse(
    docs: Sequence[Document],
    config: DedupConfig,
    jobs: int,
    every_pair: bool,
    cluster: npt.NDArray[np.int64] | None,
    representative: npt.NDArray[np.bool_] | None,
    *,
    made: bool = False,
) -> Reuse:
    prepare = partial(prepare_range, config=config)
    tasks = ranges(len(docs), PREPARE_BATCH)
    prepared_batches = map_shared(prepare, docs, tasks, jobs=jobs)
    batches = list(counted("passages: preparing documents", prepared_batches, tasks))
    prepared = [prep for batch in batches for prep in batch.unpack()]
    windows: list[Batch | None] = list(batches)
    del batches  # window signatures are the bulk of the memory: `windows` alone holds them
    set_stage("passages: candidate windows")
    cand = candidate_pairs(
        windows, config, jobs=jobs, cluster=cluster, representative=representative
    )
    cand, pairs_left_out, members = strongest_partners(
        cand, config.passage.max_partners, cluster, representative
    )
    align = partial(_align_groups, config=config)
    passages, measured = FoundPassages(docs, made=made), FoundOverlaps()
    reuse = Reuse(passages, measured, pairs_left_out=pairs_left_out, member_pairs_left_out=members)
    tasks = ranges(len(cand), ALIGN_BATCH)
    aligned = map_shared(align, (prepared, cand), tasks, jobs=jobs)
    for found, overlaps in counted("passages: aligning document pairs", aligned, tasks):
        passages.extend(found)
        _add_overlaps(measured, reuse, overlaps)
    if every_pair and config.passage.sentences:
        # A pair aligned above without a passage has no passage here either: it is only
        # measured (its overlap), as `compare` reports every pair.
        rest: tuple[list[Found], list[Overlap]] = ([], [])
        for pair in combinations(range(len(docs)), 2):
            if pair not in reuse.overlaps:
                _align_pair(prepared, pair, [], config, rest, every=True)
        passages.extend(rest[0])
        _add_overlaps(measured, reuse, rest[1])
    return reuse


WARM_UP = (
    "The council approved the new budget on Tuesday after a long debate. Members said the "
    "plan would fund repairs to the harbour wall and two new ferries. The vote was close. "
)


def _load_kernels(config: DedupConfig) -> None:
    """Run every compiled kernel of the passage search once here, under a stage of its own.

    Before the workers fork: each would otherwise load them from numba's cache again
    (tenths of a second each). And on the first run after an install numba compiles them,
    some 20 s in which a scan seemed stuck at "aligning document pairs: 0/686" (a new-user
    trial); the stage says why. The two warm-up texts share a passage, so their search
    goes through preparing, the band join, alignment and grading.
    """
    docs = [Document("a", WARM_UP * 3), Document("b", "A reporter wrote: " + WARM_UP * 3)]
    with held_stage(
        "passages: loading compiled kernels (compiled on the first run after an install)"
    ):
        _find_reuse(docs, config, 1, True, None, None)


def align_documents(
    docs: tuple[Document, Document],
    window_pairs: list[tuple[int, int]],
    config: DedupConfig,
    prepared: tuple[Prepared, Prepared] | None = None,
) -> tuple[list[PassageMatch], tuple[float, ...] | None, int]:
    """The verified passages of one candidate document pair, as `find_reuse` aligns it.

    For an engine that aligns each pair where its two texts are (the Spark engine):
    `window_pairs` are the pair's candidate windows (first words, `a` then `b`) that passed
    the gates and the partner cap; `prepared`, the two documents' `prepare_document`
    (prepared here when not given).

    Returns:
        The passages (before the per-pair cap's count; `a` is `docs[0]`), the pair's
        overlap as in `Reuse.overlaps` (None when it has no passage) and how many passages
        `PassageConfig.max_per_pair` left out.

    Example:
        >>> text = "The delegation will comprise senior officials from the foreign ministry."
        >>> pair = (Document("a", "Intro. " + text), Document("b", text))
        >>> found, overlap, left_out = align_documents(pair, [(1, 0)], DedupConfig())
        >>> [(p.a.start, p.b.start) for p in found], overlap[0], left_out
        ([(7, 0)], 0.857143, 0)
    """
    if prepared is None:
        prepared = (prepare_document(docs[0], config), prepare_document(docs[1], config))
    out: tuple[list[Found], list[Overlap]] = ([], [])
    _align_pair(prepared, (0, 1), window_pairs, config, out)
    overlap = out[1][0] if out[1] else None
    return (
        [passage(docs, f) for f in out[0]],
        None if overlap is None else overlap[2],
        0 if overlap is None else overlap[3],
    )


def _add_overlaps(measured: FoundOverlaps, reuse: Reuse, overlaps: list[Overlap]) -> None:
    """Add `overlaps` to `measured` (`reuse.overlaps`) and their counts left out to `reuse`."""
    measured.add(overlaps)
    for ia, ib, _, left_out in overlaps:
        if left_out:
            reuse.left_out[(ia, ib)] = left_out


_Scored = tuple[int, int, int, int, float, int, float]

# Fewest content words a sentence must share for its sentence containment to count: two
# shared words are often just the topic, three rarely (benchmarks/short_answers.py).
SENTENCE_SHARED = 3


def _align_groups(
    shared: tuple[Sequence[Prepared], Candidates], groups: range, config: DedupConfig
) -> tuple[list[Found], list[Overlap]]:
    """Verified passages of the document pairs `groups`, and those pairs' document overlap."""
    prepared, cand = shared
    lo, hi = int(cand.bounds[groups.start]), int(cand.bounds[groups.stop])
    bounds = (cand.bounds[groups.start : groups.stop + 1] - lo).tolist()
    doc_a, doc_b = cand.doc_a[lo:hi].tolist(), cand.doc_b[lo:hi].tolist()
    at_a, at_b = cand.at_a[lo:hi].tolist(), cand.at_b[lo:hi].tolist()
    found: list[Found] = []
    overlaps: list[Overlap] = []
    pairs = [(doc_a[start], doc_b[start]) for start in bounds[:-1]]
    if kernels():
        aligned = _aligned_batch(
            prepared, pairs, cand.at_a[lo:hi], cand.at_b[lo:hi], bounds, config
        )
        pairings: list[SentencePairing | None] = [None] * len(pairs)
        if config.passage.sentences:
            texts = [(prepared[ia].sentences, prepared[ib].sentences) for ia, ib in pairs]
            pairings = [*pair_sentences_many(texts, **_sentence_options(config))]
        for pair, passages, pairing in zip(pairs, aligned, pairings, strict=True):
            out = (found, overlaps)
            _align_pair(prepared, pair, [], config, out, passages=passages, pairing=pairing)
        return found, overlaps
    for pair, (start, end) in zip(pairs, pairwise(bounds), strict=True):
        window_pairs = list(zip(at_a[start:end], at_b[start:end], strict=True))
        _align_pair(prepared, pair, window_pairs, config, (found, overlaps))
    return found, overlaps


def _aligned_batch(
    prepared: Sequence[Prepared],
    pairs: list[tuple[int, int]],
    at_a: npt.NDArray[np.int64],
    at_b: npt.NDArray[np.int64],
    bounds: list[int],
    config: DedupConfig,
) -> list[list[_Scored]]:
    """`_passages_for_pair` of each of `pairs` (window pairs `[bounds[k], bounds[k + 1])`
    of `at_a`/`at_b`), their matches from one compiled call (`_kernel.align_batch`).

    Per pair, the Python around an alignment (regions, a dozen rapidfuzz and numpy calls
    per region, chaining, overlaps, snapping) cost more than the alignment itself; only the
    similarity of each passage (rapidfuzz `fuzz.ratio`) is left here.
    """
    pc = config.passage
    used = sorted({d for pair in pairs for d in pair})
    local = {d: k for k, d in enumerate(used)}
    same = [
        prepared[ia].size >= pc.min_words and prepared[ia].norm == prepared[ib].norm
        for ia, ib in pairs
    ]
    pair_docs = np.array(
        [
            (-1, -1) if twin else (local[a], local[b])
            for (a, b), twin in zip(pairs, same, strict=True)
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    counts = [end - start for start, end in pairwise(bounds)]
    order = np.lexsort((at_b, at_a, np.repeat(np.arange(len(pairs)), counts)))  # by pair, a, b
    rows, first = _compiled().align_batch(
        np.array(bounds, dtype=np.int64),
        np.ascontiguousarray(at_a[order], dtype=np.int64),
        np.ascontiguousarray(at_b[order], dtype=np.int64),
        pair_docs,
        *_stacked([prepared[d] for d in used]),
        np.array([pc.window + pc.ngram - 1, pc.max_gap, pc.min_words, MANY_REGIONS, SNAP_SLACK]),
    )
    out: list[list[_Scored]] = []
    for k, ((ia, ib), twin) in enumerate(zip(pairs, same, strict=True)):
        pa, pb = prepared[ia], prepared[ib]
        if twin:
            out.append([_scored(pa, pb, WordMatch(0, pa.size, 0, pb.size, pa.size))])
            continue
        na, nb = pa.norm, pb.norm
        scored = [
            (a0, a1, b0, b1, joined_similarity(na[x0:x1], nb[y0:y1]), m, -1.0)
            for a0, a1, b0, b1, x0, x1, y0, y1, m in rows[first[k] : first[k + 1]].tolist()
        ]
        out.append([p for p in scored if p[4] >= pc.min_similarity])
    return out


def _stacked(preps: list[Prepared]) -> tuple[npt.NDArray[Any], ...]:
    """The arrays of `preps` that `_kernel.align_batch` reads, each concatenated, after the
    table of where each document's slices start and end (see there); bigram ids as
    rapidfuzz compares them (Python's hash of the int)."""
    lay = [p.layout for p in preps]
    table, bigrams, *rest = stacked(
        [[p.bigrams for p in preps]],
        [[p.breaks for p in preps]],
        [[x.word_starts for x in lay], [x.word_ends for x in lay], [p.norm_starts for p in preps]],
        [[x.sentence_starts for x in lay], [x.sentence_ends for x in lay]],
    )
    norm_lengths = np.array([len(p.norm) for p in preps], dtype=np.int64)
    return table, bigrams % _compiled().HASH_MODULUS, *rest, norm_lengths


def _align_pair(
    prepared: Sequence[Prepared],
    pair: tuple[int, int],
    window_pairs: list[tuple[int, int]],
    config: DedupConfig,
    out: tuple[list[Found], list[Overlap]],
    *,
    every: bool = False,
    passages: list[_Scored] | None = None,
    pairing: SentencePairing | None = None,
) -> None:
    """Verified passages of one document pair, and its overlap when it has any (or when
    `every`), into `out`; `passages` (its `_passages_for_pair`) and `pairing` (its
    `pair_sentences`), when already found for a batch of pairs.
    """
    ia, ib = pair
    pa, pb = prepared[ia], prepared[ib]
    if passages is None:
        passages = _passages_for_pair(pa, pb, window_pairs, config)
    pc = config.passage
    if pc.sentences:
        if pairing is None:
            pairing = pair_sentences(pa.sentences, pb.sentences, **_sentence_options(config))
        passages += _rewritten(pa, pb, pairing.matches, passages)
    aligned = [(m[0], m[1], m[2], m[3]) for m in passages if m[6] < 0]
    passages = _merge_adjacent(pa, pb, passages)
    left_out = 0
    if 0 < pc.max_per_pair < len(passages):
        # Machine-written text (licences, generated docs) can share thousands of short
        # passages between two documents: report the longest, count the rest.
        passages.sort(key=lambda m: (-m[5], m[0], m[2]))
        left_out = len(passages) - pc.max_per_pair
        passages = passages[: pc.max_per_pair]
    out[0].extend((ia, ib, *m) for m in passages)
    if passages or every:
        jac, in_a, in_b = set_overlap(pa.shingles, pb.shingles, fast=kernels())
        overlap: tuple[float, ...] = (round(jac, 6), round(in_a, 6), round(in_b, 6))
        if pairing is not None:
            overlap += (
                _graded(pa, pairing.contained_a, [(m[0], m[1]) for m in aligned]),
                _graded(pb, pairing.contained_b, [(m[2], m[3]) for m in aligned]),
            )
        out[1].append((ia, ib, overlap, left_out))


class _SentenceOptions(TypedDict):
    min_overlap: float
    min_shared: int
    min_contained: int


def _sentence_options(config: DedupConfig) -> _SentenceOptions:
    """The options of `pair_sentences` from `config`."""
    pc = config.passage
    return {
        "min_overlap": pc.min_sentence_overlap,
        "min_shared": pc.min_sentence_words,
        "min_contained": SENTENCE_SHARED,
    }


def _merge_adjacent(pa: Prepared, pb: Prepared, passages: list[_Scored]) -> list[_Scored]:
    """Passages of one pair that follow each other on both sides, with no word between
    them on either side, as one maximal region.

    Aligned words stop at a sentence break and sentence pairing starts at one, so one copied
    stretch can come out as two or three passages (an edited sentence, then a reworded one);
    a reader wants the stretch. The region's similarity is measured again over its whole
    span; its words are the parts' sum; it is `rewritten` (with the lowest overlap of its
    parts) when any part was, else aligned words.

    Example: `tests/test_passages.py::test_adjacent_passages_are_one_region`.
    """
    if len(passages) < 2:
        return passages
    merged: list[_Scored] = []
    for p in sorted(passages, key=lambda m: (m[0], m[2])):
        last = merged[-1] if merged else None
        if last is None or not _next_to(pa, last[1], p[0]) or not _next_to(pb, last[3], p[2]):
            merged.append(p)
            continue
        a_start, b_start, a_end, b_end = last[0], last[2], p[1], p[3]
        similarity = joined_similarity(
            pa.norm_between(*pa.layout.word_range(a_start, a_end)),
            pb.norm_between(*pb.layout.word_range(b_start, b_end)),
        )
        overlaps = [o for o in (last[6], p[6]) if o >= 0]
        overlap = min(overlaps) if overlaps else -1.0
        merged[-1] = (a_start, a_end, b_start, b_end, similarity, last[5] + p[5], overlap)
    return merged


def _next_to(prep: Prepared, end: int, start: int) -> bool:
    """Whether characters `[end, start)` hold no word of `prep` (and do not run backwards)."""
    return start >= end and prep.layout.words_between(end, start) == 0


def _graded(
    prep: Prepared,
    contained: npt.NDArray[np.float64],
    aligned: list[tuple[int, int]],
    *,
    fast: bool | None = None,
) -> float:
    """How much of `prep` the other document holds, sentence by sentence (0-1).

    Each sentence scores the larger of the share of its characters inside passages of
    aligned words (`aligned`) and its containment in the other document (`contained`);
    the document's score is the mean over its sentences, weighted by their length. With
    `fast` (None: when numba is installed) the per-sentence scores come from one compiled
    call (`_kernel.graded_parts`), else from `_graded_numpy`; the same values either way.
    """
    if not (kernels() if fast is None else fast):
        return _graded_numpy(prep, contained, aligned)
    score, length = np.empty(len(prep.breaks)), np.empty(len(prep.breaks))
    spans = np.array(aligned, dtype=np.int64).reshape(-1, 2)
    layout = prep.layout
    n = _compiled().graded_parts(
        prep.breaks,
        prep.size,
        layout.word_starts,
        layout.word_ends,
        contained,
        spans,
        score,
        length,
    )
    if not n:
        return 0.0
    return round(float(score[:n].sum() / max(length[:n].sum(), 1.0)), 6)


def _graded_numpy(
    prep: Prepared, contained: npt.NDArray[np.float64], aligned: list[tuple[int, int]]
) -> float:
    """`_graded` with numpy: sums over sorted span edges (`_inside`)."""
    cuts = np.array(prep.sentence_cuts(), dtype=np.int64)
    lo, hi = cuts[:-1], cuts[1:]
    some = hi > lo
    if not some.any():
        return 0.0
    starts = prep.layout.word_starts[lo[some]]
    ends = prep.layout.word_ends[hi[some] - 1]
    length = (ends - starts).astype(np.float64)
    spans = np.array(aligned, dtype=np.int64).reshape(-1, 2)
    inside = _inside(spans[:, 0], spans[:, 1], ends) - _inside(spans[:, 0], spans[:, 1], starts)
    score = np.maximum(contained[some] * length, np.minimum(inside, length))
    return round(float(score.sum() / max(length.sum(), 1.0)), 6)


def _inside(
    s: npt.NDArray[np.int64], e: npt.NDArray[np.int64], x: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """For each offset of `x`: the characters below it inside spans `[s, e)`, summed over
    the spans (overlapping spans count twice), so a sentence `[a, b)` has `f(b) - f(a)`.

    A licence pair holds hundreds of passages and sentences; sums over sorted starts and
    ends cost (passages + sentences) x log(passages), not their product.

    Example:
        >>> _inside(np.array([0, 5]), np.array([10, 8]), np.array([3, 6, 20])).tolist()
        [3.0, 7.0, 13.0]
    """
    total = np.zeros(len(x))
    for edge, sign in ((np.sort(s), 1), (np.sort(e), -1)):
        below = edge.searchsorted(x, side="left")  # edges < x
        sums = np.concatenate(([0], np.cumsum(edge)))
        total += sign * (below * x - sums[below])
    return total


def _regions(
    window_pairs: list[tuple[int, int]], span: int, *, fast: bool | None = None
) -> list[_Region]:
    """Merge window pairs into regions when at most `span` words apart on both sides.

    Each region is aligned with `span` words of margin, so two window pairs that close
    would be aligned over overlapping ranges anyway; merging them keeps a long edited
    passage whose middle window fell below the gates in one piece. With `fast` (None: when
    numba is installed) one compiled pass (`_kernel.regions`; a pair of licences holds
    thousands of window pairs), else `_regions_python`: the same regions.
    """
    if len(window_pairs) == 1:  # a third of the candidate pairs of a corpus
        (a, b), *_ = window_pairs
        return [[a, a + span, b, b + span]]
    if not (kernels() if fast is None else fast):
        return _regions_python(window_pairs, span)
    pairs = np.array(window_pairs, dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))  # as sorted() orders the tuples
    out = np.empty((len(pairs), 4), dtype=np.int64)
    n = _compiled().regions(pairs[order, 0], pairs[order, 1], span, out)
    regions: list[_Region] = out[:n].tolist()
    return regions


def _regions_python(window_pairs: list[tuple[int, int]], span: int) -> list[_Region]:
    """`_regions` in Python: the reference."""
    regions: list[_Region] = []
    # Pairs come in order of a, so a region that ends more than `span` words before this
    # a can take no later pair: only the open ones are searched (in order of creation, as
    # the first that fits takes the pair), which keeps text repeated at many offsets
    # (licences) from costing pairs x regions.
    open_: list[_Region] = []
    last = -1
    for a, b in sorted(window_pairs):
        if a != last:
            open_, last = [reg for reg in open_ if reg[1] + span >= a], a
        for reg in open_:
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
            open_.append(regions[-1])
    return regions


def _passages_for_pair(
    pa: Prepared, pb: Prepared, window_pairs: list[tuple[int, int]], config: DedupConfig
) -> list[_Scored]:
    """Verified passages of one document pair: character spans, similarity, equal words.

    With numba (`kernels()`) from the compiled batch (`_aligned_batch`, a batch of one);
    this Python is its reference.
    """
    pc = config.passage
    if pa.size >= pc.min_words and pa.norm == pb.norm:
        # Two copies of one text (mirrors, re-scrapes): the alignment would find the whole
        # of it, at a cost that grows with the square of its length (minutes for two copies
        # of a 2 MB licence file), so the one whole passage is built directly.
        return [_scored(pa, pb, WordMatch(0, pa.size, 0, pb.size, pa.size))]
    if kernels():
        at = np.array(window_pairs, dtype=np.int64).reshape(-1, 2)
        (passages,) = _aligned_batch([pa, pb], [(0, 1)], at[:, 0], at[:, 1], [0, len(at)], config)
        return passages
    span = pc.window + pc.ngram - 1
    matches: list[WordMatch] = []
    regions = _regions(window_pairs, span, fast=False)
    covered = _Covered(pa.size, pb.size) if len(regions) > MANY_REGIONS else None
    if covered is not None:
        regions.sort(key=lambda r: (r[0] - r[1] - r[3] + r[2], r[0], r[2]))  # largest first
    for a_lo, a_hi, b_lo, b_hi in regions:
        if covered is not None and covered.holds(a_lo, a_hi, b_lo, b_hi):
            continue
        a0, a1 = max(0, a_lo - span), min(pa.size, a_hi + span)
        b0, b1 = max(0, b_lo - span), min(pb.size, b_hi + span)
        for m in _align_region(pa, pb, (a0, a1, b0, b1), config):
            matches.append(m)
            if covered is not None:
                covered.add(m)
    if len(matches) > 1:
        matches = _drop_overlaps(matches)
    passages = _scored_many(pa, pb, matches, [-1.0] * len(matches))
    return [p for p in passages if p[4] >= pc.min_similarity]


# Regions of one document pair above which a region is skipped when both of its sides are
# already mostly inside passages of that pair. A text repeated k times in one document and
# m times in the other (the same licence paragraph under each "Files:" stanza of two
# Debian copyright files) makes k x m regions, each an alignment finding the same words
# again; the largest regions first, each copy on either side still gets its passage, for
# k + m alignments. News pairs have one or two regions and are aligned as before: on the
# 10,000 documents of benchmarks/passage_scale.py 3 of 73,189 passages went, all between
# untouched prose (44,726 -> 44,723 natural), recall and precision unchanged.
MANY_REGIONS = 8


class _Covered:
    """Which words of each side of one document pair lie inside a passage found so far."""

    def __init__(self, a_size: int, b_size: int) -> None:
        self.a = np.zeros(a_size + 1, dtype=np.bool_)
        self.b = np.zeros(b_size + 1, dtype=np.bool_)

    def add(self, m: WordMatch) -> None:
        self.a[m.a_start : m.a_end] = True
        self.b[m.b_start : m.b_end] = True

    def holds(self, a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> bool:
        """Whether half or more of words `[a_lo, a_hi)` and of `[b_lo, b_hi)` are covered."""
        a, b = self.a[a_lo:a_hi], self.b[b_lo:b_hi]
        return 2 * int(a.sum()) >= len(a) and 2 * int(b.sum()) >= len(b)


def _align_region(
    pa: Prepared, pb: Prepared, words: tuple[int, int, int, int], config: DedupConfig
) -> list[WordMatch]:
    """The chains of equal words (`align_bigrams`) of words `[a0, a1)` of `pa` and
    `[b0, b1)` of `pb` (`words`), in word offsets of the whole documents: the reference of
    the compiled `_kernel.align_batch`."""
    pc = config.passage
    a0, a1, b0, b1 = words
    return [
        WordMatch(m.a_start + a0, m.a_end + a0, m.b_start + b0, m.b_end + b0, m.matched)
        for m in align_bigrams(
            pa.bigrams[a0 : a1 - 1].tolist(),
            pb.bigrams[b0 : b1 - 1].tolist(),
            max_gap=pc.max_gap,
            min_words=pc.min_words,
            a_breaks=_breaks_in(pa.breaks.tolist(), a0, a1),
            b_breaks=_breaks_in(pb.breaks.tolist(), b0, b1),
        )
    ]


def _breaks_in(breaks: list[int], lo: int, hi: int) -> list[int]:
    """Sentence starts within words [lo, hi), relative to lo."""
    return [k - lo for k in breaks[bisect_left(breaks, lo) : bisect_left(breaks, hi)]]


def _drop_overlaps(matches: list[WordMatch]) -> list[WordMatch]:
    """Keep the strongest of matches that overlap on both sides (regions can overlap)."""
    order = sorted(matches, key=lambda m: (-m.matched, m.a_start, m.b_start))
    if len(matches) > _MANY_MATCHES:
        return _drop_overlaps_vectorized(order)
    kept: list[WordMatch] = []
    for m in order:
        if not any(
            m.a_start < k.a_end
            and k.a_start < m.a_end
            and m.b_start < k.b_end
            and k.b_start < m.b_end
            for k in kept
        ):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


_MANY_MATCHES = 64  # above this, one vector test per match beats a Python loop over kept


def _drop_overlaps_vectorized(order: list[WordMatch]) -> list[WordMatch]:
    """`_drop_overlaps` for the thousands of matches a long pair of licences can hold."""
    kept: list[WordMatch] = []
    ranges = np.empty((4, len(order)), dtype=np.int64)  # kept a/b starts and ends
    for m in order:
        a0, a1, b0, b1 = ranges[:, : len(kept)]
        if not np.any((m.a_start < a1) & (a0 < m.a_end) & (m.b_start < b1) & (b0 < m.b_end)):
            ranges[:, len(kept)] = (m.a_start, m.a_end, m.b_start, m.b_end)
            kept.append(m)
    return sorted(kept, key=lambda m: (m.a_start, m.b_start))


def _scored(pa: Prepared, pb: Prepared, m: WordMatch, overlap: float = -1.0) -> _Scored:
    (scored,) = _scored_many(pa, pb, [m], [overlap])
    return scored


def _scored_many(
    pa: Prepared,
    pb: Prepared,
    matches: Sequence[WordMatch],
    overlaps: Sequence[float],
    *,
    fast: bool | None = None,
) -> list[_Scored]:
    """Matches of one pair as passages: spans snapped to whole sentences (`snap_spans`,
    every match at once; with `fast`, None: when numba is installed, in one compiled call,
    `_kernel.snapped_words`) and the similarity of the snapped spans' words."""
    if not matches:
        return []
    words = np.array([(m.a_start, m.a_end, m.b_start, m.b_end) for m in matches], dtype=np.int64)
    snapped = _snapped if (kernels() if fast is None else fast) else _snapped_numpy
    a_starts, a_ends, a_lo, a_hi = snapped(pa, words[:, 0], words[:, 1])
    b_starts, b_ends, b_lo, b_hi = snapped(pb, words[:, 2], words[:, 3])
    columns = (a_starts, a_ends, b_starts, b_ends, a_lo, a_hi, b_lo, b_hi)
    rows = zip(*(c.tolist() for c in columns), matches, overlaps, strict=True)
    out: list[_Scored] = []
    for a0, a1, b0, b1, al, ah, bl, bh, m, overlap in rows:
        sim = joined_similarity(pa.norm_between(al, ah), pb.norm_between(bl, bh))
        out.append((a0, a1, b0, b1, sim, m.matched, overlap))
    return out


_Snapped = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]


def _snapped(
    prep: Prepared, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> _Snapped:
    """Word spans of `prep` snapped to its sentences (`snap_spans`): the character starts
    and ends, and the words wholly inside each (`_word_ranges`), from one compiled call."""
    lay = prep.layout
    out = np.empty((len(starts), 4), dtype=np.int64)
    _compiled().snapped_words(
        lay.word_starts,
        lay.word_ends,
        lay.sentence_starts,
        lay.sentence_ends,
        starts,
        ends,
        SNAP_SLACK,
        out,
    )
    return out[:, 0], out[:, 1], out[:, 2], out[:, 3]


def _snapped_numpy(
    prep: Prepared, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> _Snapped:
    """`_snapped` with numpy: `snap_spans`, then `_word_ranges`."""
    s_chars, e_chars = snap_spans(prep.layout, starts, ends)
    return (s_chars, e_chars, *_word_ranges(prep, s_chars, e_chars))


def _word_ranges(
    prep: Prepared, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`Layout.word_range` of many character spans at once."""
    layout = prep.layout
    return (
        layout.word_starts.searchsorted(starts, side="left"),
        layout.word_ends.searchsorted(ends, side="right"),
    )


def _rewritten(
    pa: Prepared, pb: Prepared, matches: list[SentenceMatch], aligned: list[_Scored]
) -> list[_Scored]:
    """Reworded sentence pairs of one document pair, outside its passages of aligned words.

    A sentence pair with half of either side's characters already inside a passage of
    aligned words is left out: that passage is the better evidence. Pairs that follow each
    other on both sides (sentence i with j, then i + 1 with j + 1) are one passage, whose
    overlap is the lowest of theirs and whose words are the sum.
    """
    if not matches:  # most pairs: no reworded sentence
        return []
    a_cuts, b_cuts = pa.sentence_cuts(), pb.sentence_cuts()
    a_taken = [(p[0], p[1]) for p in aligned]
    b_taken = [(p[2], p[3]) for p in aligned]
    runs: list[SentenceMatch] = []
    for m in matches:
        a0, a1, b0, b1 = a_cuts[m.a_start], a_cuts[m.a_end], b_cuts[m.b_start], b_cuts[m.b_end]
        if a1 <= a0 or b1 <= b0:
            continue
        a_chars = int(pa.layout.word_starts[a0]), int(pa.layout.word_ends[a1 - 1])
        b_chars = int(pb.layout.word_starts[b0]), int(pb.layout.word_ends[b1 - 1])
        if _mostly_inside(*a_chars, a_taken) or _mostly_inside(*b_chars, b_taken):
            continue
        last = runs[-1] if runs else None
        if last and m.a_start == last.a_end and m.b_start == last.b_end:
            runs[-1] = SentenceMatch(
                last.a_start,
                m.a_end,
                last.b_start,
                m.b_end,
                min(last.overlap, m.overlap),
                last.shared + m.shared,
            )
        else:
            runs.append(m)
    spans = [
        WordMatch(a_cuts[m.a_start], a_cuts[m.a_end], b_cuts[m.b_start], b_cuts[m.b_end], m.shared)
        for m in runs
    ]
    return _scored_many(pa, pb, spans, [m.overlap for m in runs])


def _mostly_inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether half or more of characters `[start, end)` lie inside `spans` (disjoint)."""
    inside = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
    return 2 * inside >= end - start


def capped_positions(
    passages: Sequence[PassageMatch],
    max_per_doc: int,
    main_sources: Mapping[str, str] | None = None,
) -> list[int]:
    """Positions of at most `max_per_doc` passages per document (as either side), the
    longest first, but every document keeps its longest passage with its main source.

    A passage is kept while both of its documents are under the cap, taken in order of
    equal words (most first), then document order and offsets, so the cut does not depend
    on the input order of `passages`. Before that, each document in `main_sources` (id ->
    the document it shares most with) gets its longest passage with that source, counted
    against both caps: a report whose pair says "88 % reused from X" shows some of it (a
    new-user trial: 83 of 1,003 documents named a main source with no passage of it,
    their slots taken by longer passages elsewhere). So a document that is the main
    source of many may go past the cap by those. Returns the kept passages' positions, in
    increasing order (the report counts the rest from the two lengths; a caller holding the
    passages in another form, `FoundPassages`, picks them from there). 0: no cap.

    Example:
        >>> from dedup.report import Span
        >>> p = [PassageMatch(Span("a", 0, 4, "x"), Span(b, 0, 4, "x"), 1.0, w)
        ...      for b, w in (("b", 9), ("c", 12))]
        >>> [p[k].b.doc for k in capped_positions(p, 1)]
        ['c']
        >>> [p[k].b.doc for k in capped_positions(p, 1, {"b": "a"})]
        ['b']
    """
    ids = list(dict.fromkeys(doc for p in passages for doc in (p.a.doc, p.b.doc)))
    position = {doc: k for k, doc in enumerate(ids)}
    wanted = main_sources or {}
    main = [position.get(wanted[doc], -1) if doc in wanted else -1 for doc in ids]
    cols = passage_columns(passages, ids)
    return capped_rows(cols, max_per_doc, np.array(main, dtype=np.int64))


def capped_rows(cols: PassageColumns, max_per_doc: int, main: npt.NDArray[np.int64]) -> list[int]:
    """`capped_positions` of the passages `cols`, `main` holding the main source of each
    document (by position in `cols.ids`, -1 for none; positions past its end have none).

    Example:
        >>> from dedup.report import Span, passage_columns
        >>> p = [PassageMatch(Span("a", 0, 4, "x"), Span(b, 0, 4, "x"), 1.0, w)
        ...      for b, w in (("b", 9), ("c", 12))]
        >>> cols = passage_columns(p, ["a", "b", "c"])
        >>> capped_rows(cols, 1, np.array([-1, -1, -1])), capped_rows(cols, 1, np.array([1]))
        ([1], [0])
    """
    if max_per_doc <= 0:
        return list(range(len(cols)))
    n = len(cols.ids)
    by_id = sorted(range(n), key=cols.ids.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[by_id] = np.arange(n)
    order = np.lexsort(
        (cols.b_start, cols.a_start, rank[cols.doc_b], rank[cols.doc_a], -cols.words)
    )
    source = np.full(n, -1, dtype=np.int64)
    source[: len(main)] = main[:n]
    reserved = _main_source_rows(cols, order, source)
    used = [0] * n
    keep: list[int] = reserved.tolist()
    for a, b in zip(cols.doc_a[reserved].tolist(), cols.doc_b[reserved].tolist(), strict=True):
        used[a], used[b] = used[a] + 1, used[b] + 1
    free = np.ones(len(cols), dtype=np.bool_)
    free[reserved] = False
    order = order[free[order]]
    for k, a, b in zip(
        order.tolist(), cols.doc_a[order].tolist(), cols.doc_b[order].tolist(), strict=True
    ):
        if used[a] < max_per_doc and used[b] < max_per_doc:
            used[a], used[b] = used[a] + 1, used[b] + 1
            keep.append(k)
    keep.sort()
    return keep


def _main_source_rows(
    cols: PassageColumns, order: npt.NDArray[np.intp], main: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """The first passage in `order` of each document with its main source (`main`, by
    position; one per pair of documents: two documents that are each other's main source
    share it)."""
    a, b = cols.doc_a[order], cols.doc_b[order]
    wanted = (a != b) & ((main[a] == b) | (main[b] == a))
    pair = np.minimum(a, b) * len(cols.ids) + np.maximum(a, b)
    _, first = np.unique(pair[wanted], return_index=True)
    rows: npt.NDArray[np.intp] = order[wanted][first]
    return rows
