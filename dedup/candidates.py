"""Window candidates: one banding join over every window signature of the corpus.

The join yields the same candidates as inserting the window signatures into datasketch
`MinHashLSH` with the same bands and rows (`lsh.band_pairs`), a group of bands per
worker, and a window pair goes on to alignment only when its MinHash estimate reaches
`PassageConfig.min_window_estimate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.lsh import band_pairs, unique_pairs, window_bands
from dedup.parallel import map_shared
from dedup.prepare import Batch

# A window shared by more documents (a licence, a wire story on hundreds of sites) pairs
# each of them with the first MAX_BUCKET documents that carry it only, so heavily reused
# text costs linear, not quadratic, work and is reported against its earliest copies.
MAX_BUCKET = 8


@dataclass(frozen=True, slots=True)
class Candidates:
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


def candidate_pairs(
    batches: list[Batch | None], config: DedupConfig, *, jobs: int = 1, max_bucket: int = MAX_BUCKET
) -> Candidates:
    """LSH window candidates grouped by document pair, in document order.

    All window signatures of the corpus go through one numpy banding join, a group of
    bands per worker of `jobs` (`lsh.band_pairs`), which yields the same candidates as
    inserting them into datasketch `MinHashLSH` with the same bands and rows, without a
    Python call per window. `batches` is emptied as their signatures are stacked, so the
    signatures are never in memory twice. `max_bucket`: see `MAX_BUCKET`.
    """
    sizes = [len(b.window_doc) for b in batches if b is not None]
    none = np.zeros(0, dtype=np.int64)
    if not sum(sizes):
        return Candidates(none, none, none, none, np.zeros(1, dtype=np.int64))
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
    bands, rows = window_bands(config)
    gate = partial(_band_candidates, rows=rows, min_equal=min_equal(config), max_bucket=max_bucket)
    # One group of bands per worker: a pair found by several bands is gated once.
    groups = [range(int(g[0]), int(g[-1]) + 1) for g in np.array_split(range(bands), jobs)]
    found = list(map_shared(gate, (sigs, doc_of), [g for g in groups if len(g)], jobs=jobs))
    pairs = unique_pairs(found, len(sigs))
    del sigs, found
    # Rows are in document order, then window order, so the first of a pair is the earlier
    # document, and the pairs (sorted by row) are already in (doc a, start a, doc b, start b)
    # order: a stable sort by document pair alone gives (doc a, doc b, start a, start b).
    doc_a, doc_b = doc_of[pairs[:, 0]], doc_of[pairs[:, 1]]
    at_a, at_b = start_of[pairs[:, 0]], start_of[pairs[:, 1]]
    order = np.argsort(doc_a * (int(doc_of[-1]) + 1) + doc_b, kind="stable")
    doc_a, doc_b, at_a, at_b = doc_a[order], doc_b[order], at_a[order], at_b[order]
    cuts = np.flatnonzero((np.diff(doc_a) != 0) | (np.diff(doc_b) != 0)) + 1
    bounds = np.concatenate(([0], cuts, [len(doc_a)])) if len(doc_a) else np.zeros(1, np.int64)
    return Candidates(doc_a, doc_b, at_a, at_b, bounds.astype(np.int64))


def min_equal(config: DedupConfig) -> int:
    """Equal signature values a window pair needs to reach `min_window_estimate`.

    Example:
        >>> min_equal(DedupConfig())  # 0.25 of 64
        16
    """
    pc = config.passage
    return math.ceil(pc.min_window_estimate * pc.num_perm - 1e-9)


def _band_candidates(
    shared: tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]],
    bands: range,
    rows: int,
    min_equal: int,
    max_bucket: int = MAX_BUCKET,
) -> npt.NDArray[np.int64]:
    """Window pairs of two different documents that some band of `bands` proposes and
    that pass the estimate gate."""
    sigs, doc_of = shared
    found = []
    for band in bands:
        pairs, _ = band_pairs(sigs[:, band * rows : (band + 1) * rows], max_bucket)
        found.append(pairs[doc_of[pairs[:, 0]] != doc_of[pairs[:, 1]]])
    pairs = unique_pairs(found, len(sigs))
    passed: npt.NDArray[np.int64] = pairs[equal_values(sigs, pairs) >= min_equal]
    return passed


def equal_values(
    sigs: npt.NDArray[np.uint32], pairs: npt.NDArray[np.int64], chunk: int = 1 << 18
) -> npt.NDArray[np.int64]:
    """Equal signature values of every pair of rows (the MinHash Jaccard estimate x
    num_perm), in chunks to bound memory.

    Example:
        >>> sigs = np.array([[1, 2, 3], [1, 2, 4], [5, 6, 7]], dtype=np.uint32)
        >>> equal_values(sigs, np.array([[0, 1], [0, 2]])).tolist()
        [2, 0]
    """
    out = np.empty(len(pairs), dtype=np.int64)
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = np.count_nonzero(sigs[part[:, 0]] == sigs[part[:, 1]], axis=1)
    return out


def strongest_partners(
    cand: Candidates,
    max_partners: int,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
) -> tuple[Candidates, int]:
    """The document pairs worth aligning, and how many candidate pairs were left out.

    A pair is aligned when it is among the `max_partners` pairs of either of its documents
    with the most candidate window pairs (the strongest evidence of shared text; ties go to
    the earlier partner). Machine-written text (licences, generated references) makes
    nearly every pair of a corpus a candidate, and a document is best explained by its
    strongest sources, not by all of them: the cap keeps the work and the report linear in
    the corpus. Pairs in `skip` (near-duplicates: their cluster already says it) are left
    out too. `max_partners` 0: no cap.

    Example:
        >>> a, b = np.array([0, 0, 0, 1]), np.array([1, 1, 2, 2])  # (0, 1) twice
        >>> kept, left = strongest_partners(Candidates(a, b, a, b, np.array([0, 2, 3, 4])), 1)
        >>> kept.doc_a.tolist(), kept.doc_b.tolist(), kept.bounds.tolist(), left
        ([0, 0, 0], [1, 1, 2], [0, 2, 3], 1)
    """
    first = cand.bounds[:-1]
    sizes = np.diff(cand.bounds)  # window pairs of each document pair
    keep = strong_pairs(
        cand.doc_a[first], cand.doc_b[first], sizes, max_partners, cluster, representative
    )
    groups = len(cand)
    left_out = int(groups - keep.sum())
    if not left_out:
        return cand, 0
    rows = np.repeat(keep, sizes)
    bounds = np.concatenate(([0], np.cumsum(sizes[keep]))).astype(np.int64)
    kept = Candidates(cand.doc_a[rows], cand.doc_b[rows], cand.at_a[rows], cand.at_b[rows], bounds)
    return kept, left_out


def strong_pairs(
    ga: npt.NDArray[np.int64],
    gb: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    max_partners: int,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Which document pairs `(ga[g], gb[g])`, with `sizes[g]` candidate window pairs each,
    `strongest_partners` keeps (the rule is stated there).

    Example:
        >>> strong_pairs(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([2, 1, 1]), 1).tolist()
        [True, True, False]
    """
    groups = len(ga)
    keep = np.ones(groups, dtype=np.bool_)
    copies = np.zeros(groups, dtype=np.bool_)
    if cluster is not None and representative is not None:
        same = (cluster[ga] >= 0) & (cluster[ga] == cluster[gb])
        copies = same & (representative[ga] | representative[gb])
        keep &= ~same
    if max_partners > 0 and groups:
        # Each pair twice, once from each side, ranked among all pairs of that side's doc.
        me, other = np.concatenate((ga, gb)), np.concatenate((gb, ga))
        strength = np.tile(np.where(keep, sizes, -1), 2)
        order = np.lexsort((other, -strength, me))
        mine = me[order]
        rank = np.arange(len(mine)) - np.searchsorted(mine, mine, side="left")
        strong = np.zeros(groups, dtype=np.bool_)
        strong[order[rank < max_partners] % groups] = True
        keep &= strong
    keep |= copies
    return keep
