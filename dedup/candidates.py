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
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.lsh import band_groups, shared_band_pairs, unique_pairs, window_bands
from dedup.parallel import map_shared, weighted_cuts
from dedup.prepare import Batch
from dedup.shingle import sorted_unique
from dedup.signature import _compiled, kernels

# A window shared by more documents (a licence, a wire story on hundreds of sites) pairs
# each of them with the first MAX_BUCKET documents that carry it only, so heavily reused
# text costs linear, not quadratic, work and is reported against its earliest copies.
MAX_BUCKET = 8
# (document, partner) entries ranked at a time by `strong_pairs`: ~40 bytes each while a
# part is sorted, so the ranking of 21.8 M document pairs (a million news articles) needs
# ~100 MB beyond its 9 bytes a pair, not the ~3 GB of one sort of all 43.6 M entries.
RANK_ROWS = 1 << 21


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
    batches: list[Batch | None],
    config: DedupConfig,
    *,
    jobs: int = 1,
    max_bucket: int = MAX_BUCKET,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
) -> Candidates:
    """LSH window candidates grouped by document pair, in document order.

    All window signatures of the corpus go through one numpy banding join, a group of
    bands per worker of `jobs` (`lsh.band_pairs`), which yields the same candidates as
    inserting them into datasketch `MinHashLSH` with the same bands and rows, without a
    Python call per window. `batches` is emptied as their signatures are stacked, so the
    signatures are never in memory twice. `max_bucket`: see `MAX_BUCKET`.

    With a near-duplicate clustering (`cluster[doc]`, -1 for none; `representative[doc]`),
    a member's windows are first joined with its representative's inside the cluster
    (`copy_pairs`), and those that found a copy there stay out of the corpus join: the
    representative's own windows stand for them. The member's other windows (text the copy
    added) join the corpus as any document's do, so a paragraph only the copy holds is
    still found in other documents. On 2,400 licence files and docstrings, copies held 57 %
    of the windows and most of the join's time (19 s of CPU; 4 s without them).
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
    need = min_equal(config)
    gate = partial(_band_candidates, rows=rows, min_equal=need, max_bucket=max_bucket)
    # One group of bands per worker: a pair found by several bands is gated once.
    groups = band_groups(bands, jobs)
    copies = np.zeros((0, 2), dtype=np.int64)
    joined, joined_rows = (sigs, doc_of), None
    if cluster is not None and representative is not None:
        cluster_rows, rep_rows = cluster[doc_of], representative[doc_of]
        copies = copy_pairs(sigs, cluster_rows, rep_rows, bands, rows, need, jobs=jobs)
        # A member's window its representative has too stays out; what the member adds
        # (a paragraph the copy gained) joins the corpus like any other text.
        covered = np.zeros(len(sigs), dtype=np.bool_)
        covered[copies.ravel()] = True
        alone = (cluster_rows < 0) | rep_rows
        joined_rows = np.flatnonzero(alone | ~covered)
        joined = (sigs[joined_rows], doc_of[joined_rows])
    found = list(map_shared(gate, joined, groups, jobs=jobs))
    if joined_rows is not None:
        found = [joined_rows[f] for f in found]  # back to rows of `sigs`
    pairs = unique_pairs([*found, copies], len(sigs))
    del sigs, found, joined
    # Rows are in document order, then window order, so the first of a pair is the earlier
    # document, and the pairs (sorted by row) are already in (doc a, start a, doc b, start b)
    # order: a stable sort by document pair alone gives (doc a, doc b, start a, start b).
    first, second = pairs[:, 0], pairs[:, 1]
    return by_document_pair(
        doc_of[first], doc_of[second], start_of[first], start_of[second], int(doc_of[-1]) + 1
    )


def by_document_pair(
    doc_a: npt.NDArray[np.int64],
    doc_b: npt.NDArray[np.int64],
    at_a: npt.NDArray[np.int64],
    at_b: npt.NDArray[np.int64],
    docs: int,
) -> Candidates:
    """Window pairs (in row order) as `Candidates`: a stable sort by document pair alone
    (`docs`: more than any document position) gives (doc a, doc b, start a, start b).

    Example:
        >>> c = by_document_pair(*np.array([[0, 0], [2, 1], [5, 5], [1, 3]]), docs=3)
        >>> c.doc_b.tolist(), c.at_b.tolist(), c.bounds.tolist()
        ([1, 2], [3, 1], [0, 1, 2])
    """
    order = np.argsort(doc_a * docs + doc_b, kind="stable")
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
        pairs = shared_band_pairs(sigs[:, band * rows : (band + 1) * rows], max_bucket)
        found.append(pairs[doc_of[pairs[:, 0]] != doc_of[pairs[:, 1]]])
    return _gated(sigs, found, min_equal)


def _gated(
    sigs: npt.NDArray[np.uint32], found: list[npt.NDArray[np.int64]], min_equal: int
) -> npt.NDArray[np.int64]:
    """The distinct pairs of `found` whose two windows have `min_equal` equal values."""
    pairs = unique_pairs(found, len(sigs))
    passed: npt.NDArray[np.int64] = pairs[equal_values(sigs, pairs) >= min_equal]
    return passed


def copy_pairs(
    sigs: npt.NDArray[np.uint32],
    cluster: npt.NDArray[np.int64],
    representative: npt.NDArray[np.bool_],
    bands: int,
    rows: int,
    min_equal: int,
    *,
    jobs: int = 1,
) -> npt.NDArray[np.int64]:
    """Rows `(i, j)`, i < j, of a representative's window and a member's window of the same
    cluster that one of `bands` bands of `rows` values proposes and that pass the estimate gate
    (`min_equal` equal values), as the band join would (`cluster`, `representative`: of
    each row's document); a member window pairs with at most MAX_BUCKET representative
    windows per band.

    The band join of the whole corpus without the members' windows, plus this join inside
    each cluster, costs a fraction of one join of everything: copies repeat their windows.
    A group of bands per worker of `jobs`, as the corpus join runs (the same pairs, sorted):
    on 2,400 licence files and docstrings this join was a fifth of the passage search's
    CPU, all of it in the main process while the workers waited.

    Example:
        >>> sigs = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [1, 2, 5, 9], [1, 2, 5, 6]], np.uint32)
        >>> cluster, rep = np.array([0, 0, 0, -1]), np.array([True, True, False, False])
        >>> copy_pairs(sigs, cluster, rep, bands=2, rows=2, min_equal=3).tolist()
        [[0, 2]]
    """
    at = np.flatnonzero(cluster >= 0)
    if not len(at):
        return np.zeros((0, 2), dtype=np.int64)
    join = partial(_copy_band_pairs, rows=rows, min_equal=min_equal)
    shared = (sigs, at, cluster[at], representative[at])
    found = list(map_shared(join, shared, band_groups(bands, jobs), jobs=jobs))
    return unique_pairs(found, len(sigs))


def _copy_band_pairs(
    shared: tuple[
        npt.NDArray[np.uint32],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.bool_],
    ],
    bands: range,
    rows: int,
    min_equal: int,
) -> npt.NDArray[np.int64]:
    """`copy_pairs` of some bands: their distinct gated pairs (a pair found by several of
    them is gated once)."""
    sigs, at, cluster, representative = shared
    odd = np.arange(1, 2 * rows, 2, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    n = np.int64(len(sigs))
    # Identical copies agree in every band: the bands' pairs (11.6 M on 2,400 licence files
    # and docstrings, 2.0 M distinct) are kept as one int64 code each until made distinct.
    found = [np.zeros(0, dtype=np.int64)]
    for band in bands:
        with np.errstate(over="ignore"):
            key = (sigs[at, band * rows : (band + 1) * rows] * odd).sum(axis=1, dtype=np.uint64)
        first, second = _rep_member_pairs(at, key, cluster, representative)
        found.append(np.minimum(first, second) * n + np.maximum(first, second))
    codes = sorted_unique(np.concatenate(found))
    pairs = np.stack((codes // n, codes % n), axis=1)
    passed: npt.NDArray[np.int64] = pairs[equal_values(sigs, pairs) >= min_equal]
    return passed


def _rep_member_pairs(
    at: npt.NDArray[np.int64],
    key: npt.NDArray[np.uint64],
    cluster: npt.NDArray[np.int64],
    representative: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rows `at` (increasing) paired within runs of equal (cluster, key): each member row
    with the first MAX_BUCKET representative rows of its run, as (representative rows,
    member rows)."""
    # Representatives' rows open each run, so a member pairs with those that open its run;
    # the sort is stable, so rows of one kind stay in `at` order.
    order = np.lexsort((~representative, key, cluster))
    at, key, group, is_rep = at[order], key[order], cluster[order], representative[order]
    opens = np.concatenate(([True], (key[1:] != key[:-1]) | (group[1:] != group[:-1])))
    run = np.cumsum(opens) - 1
    reps = np.bincount(run, weights=is_rep).astype(np.int64)
    member = np.flatnonzero(~is_rep)
    count = np.minimum(reps[run[member]], MAX_BUCKET)
    member = np.repeat(member, count)
    nth = np.arange(len(member)) - np.repeat(np.cumsum(count) - count, count)
    rep_at = np.flatnonzero(opens)[run[member]] + nth
    return at[rep_at], at[member]


def equal_values(
    sigs: npt.NDArray[np.uint32],
    pairs: npt.NDArray[np.int64],
    chunk: int = 1 << 18,
    *,
    fast: bool | None = None,
) -> npt.NDArray[np.int64]:
    """Equal signature values of every pair of rows (the MinHash Jaccard estimate x
    num_perm): with `fast` (None: when numba is installed) one compiled pass
    (`_kernel.count_equal`), else numpy in chunks to bound memory; the same counts.

    The numpy gather copies both rows of every pair (67 MB per chunk at 64 values) and was
    a tenth of the CPU of a passage scan (3,000 documents of benchmarks/passage_scale.py).

    Example:
        >>> sigs = np.array([[1, 2, 3], [1, 2, 4], [5, 6, 7]], dtype=np.uint32)
        >>> equal_values(sigs, np.array([[0, 1], [0, 2]])).tolist()
        [2, 0]
    """
    out = np.empty(len(pairs), dtype=np.int64)
    if kernels() if fast is None else fast:
        _compiled().count_equal(sigs, pairs.astype(np.int64, copy=False), out)
        return out
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = np.count_nonzero(sigs[part[:, 0]] == sigs[part[:, 1]], axis=1)
    return out


def strongest_partners(
    cand: Candidates,
    max_partners: int,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
) -> tuple[Candidates, int, int]:
    """The document pairs worth aligning, how many candidate pairs were left out, and how
    many of those are two members of one near-duplicate cluster (`KeptPairs`).

    A pair is aligned when it is among the `max_partners` pairs of either of its documents
    with the most candidate window pairs (the strongest evidence of shared text; ties go to
    the earlier partner). Machine-written text (licences, generated references) makes
    nearly every pair of a corpus a candidate, and a document is best explained by its
    strongest sources, not by all of them: the cap keeps the work and the report linear in
    the corpus. In a near-duplicate cluster (`cluster[doc]`, -1 for none) two members are
    never aligned with each other, and a member's pair with its representative
    (`representative[doc]`) is always aligned: the cluster says they are copies. A member's
    pairs with other documents come only from text the representative lacks
    (`candidate_pairs`), since the representative's passages stand for the rest (identical
    Debian copyright files of one source package, aligned each against the same partners,
    were half the pairs of benchmarks/mixed_corpus.py). `max_partners` 0: no cap.

    Example:
        >>> a, b = np.array([0, 0, 0, 1]), np.array([1, 1, 2, 2])  # (0, 1) twice
        >>> cand = Candidates(a, b, a, b, np.array([0, 2, 3, 4]))
        >>> kept, left, members = strongest_partners(cand, 1)
        >>> kept.doc_a.tolist(), kept.doc_b.tolist(), kept.bounds.tolist(), left, members
        ([0, 0, 0], [1, 1, 2], [0, 2, 3], 1, 0)
    """
    first = cand.bounds[:-1]
    sizes = np.diff(cand.bounds)  # window pairs of each document pair
    ga, gb = cand.doc_a[first], cand.doc_b[first]
    keep, left_out, members = strong_pairs(ga, gb, sizes, max_partners, cluster, representative)
    return (selected(cand, keep), left_out, members) if left_out else (cand, 0, 0)


def selected(cand: Candidates, keep: npt.NDArray[np.bool_]) -> Candidates:
    """The document pairs g of `cand` with `keep[g]`, their window pairs with them.

    Example:
        >>> a = np.array([0, 0, 1])
        >>> cand = Candidates(a, a + 1, a, a, np.array([0, 2, 3]))
        >>> selected(cand, np.array([False, True])).bounds.tolist()
        [0, 1]
    """
    sizes = np.diff(cand.bounds)
    rows = np.repeat(keep, sizes)
    bounds = np.concatenate(([0], np.cumsum(sizes[keep]))).astype(np.int64)
    return Candidates(cand.doc_a[rows], cand.doc_b[rows], cand.at_a[rows], cand.at_b[rows], bounds)


class KeptPairs(NamedTuple):
    """`strong_pairs`' mask, how many pairs it left out, and how many of those are two
    members of one near-duplicate cluster (neither its representative: never aligned,
    whatever the cap), which every engine reports apart."""

    keep: npt.NDArray[np.bool_]
    left_out: int
    members: int


def strong_pairs(
    ga: npt.NDArray[np.integer[Any]],
    gb: npt.NDArray[np.integer[Any]],
    sizes: npt.NDArray[np.integer[Any]],
    max_partners: int,
    cluster: npt.NDArray[np.int64] | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
    *,
    part_rows: int = RANK_ROWS,
) -> KeptPairs:
    """Which document pairs `(ga[g], gb[g])`, with `sizes[g]` candidate window pairs each,
    `strongest_partners` keeps (the rule is stated there), ranking the pairs of about
    `part_rows` (document, partner) entries' documents at a time; with the counts of the
    pairs left out (`KeptPairs`).

    Example:
        >>> kept = strong_pairs(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([2, 1, 1]), 1)
        >>> kept.keep.tolist(), kept.left_out, kept.members
        ([True, True, False], 1, 0)
    """
    groups = len(ga)
    keep = np.ones(groups, dtype=np.bool_)
    copies = np.zeros(groups, dtype=np.bool_)
    members = 0
    if cluster is not None and representative is not None:
        same = (cluster[ga] >= 0) & (cluster[ga] == cluster[gb])
        copies = same & (representative[ga] | representative[gb])
        members = int((same & ~copies).sum())  # two members: never aligned, whatever the cap
        keep &= ~same
    if max_partners > 0 and groups:
        keep &= _first_partners(ga, gb, np.where(keep, sizes, -1), max_partners, part_rows)
    keep |= copies
    return KeptPairs(keep, int(len(keep) - keep.sum()), members)


def _first_partners(
    ga: npt.NDArray[np.integer[Any]],
    gb: npt.NDArray[np.integer[Any]],
    strength: npt.NDArray[np.integer[Any]],
    first: int,
    part_rows: int,
) -> npt.NDArray[np.bool_]:
    """Which pairs g are among the `first` entries of `ga[g]` or of `gb[g]`, each
    document's entries (as either side) ranked by strength (most first), then partner, then
    side (a before b) and g: one sort of every entry twice, made by ranges of documents.

    Example:
        >>> ga, gb = np.array([0, 0, 1]), np.array([1, 2, 2])
        >>> _first_partners(ga, gb, np.array([2, 1, 1]), 1, part_rows=1).tolist()
        [True, True, False]
    """
    docs = int(max(ga.max(), gb.max())) + 1
    index = np.int32 if len(ga) < 2**31 else np.int64
    by_a, by_b = (np.argsort(side, kind="stable").astype(index) for side in (ga, gb))
    at_a, at_b = (
        np.concatenate(([0], np.cumsum(np.bincount(s, minlength=docs)))) for s in (ga, gb)
    )
    strong = np.zeros(len(ga), dtype=np.bool_)
    cuts = weighted_cuts(at_a + at_b, part_rows)
    for lo, hi in pairwise(cuts):
        g = np.concatenate((by_a[at_a[lo] : at_a[hi]], by_b[at_b[lo] : at_b[hi]])).astype(np.int64)
        a_side = np.arange(len(g)) < at_a[hi] - at_a[lo]
        me, other = np.where(a_side, ga[g], gb[g]), np.where(a_side, gb[g], ga[g])
        order = np.lexsort((other, -strength[g], me))
        mine = me[order]
        top = np.ones(len(g), dtype=np.bool_)
        top[first:] = mine[first:] != mine[:-first]  # not `first` places after its first
        strong[g[order[top]]] = True
    return strong
