"""Near-duplicate documents: signatures -> banding join -> exact Jaccard -> clusters.

Clusters never chain. Documents are visited in keep-rule order (the copy the rule prefers
first); the first unassigned one becomes a representative, and a candidate joins its
cluster only if its exact Jaccard to that representative is at or above the threshold.
So every member is within the threshold of the kept copy, never merely linked to it
through others (transitive LSH edges are how one cluster swallows unrelated documents).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document
from dedup.index import _band_order, band_candidates, lsh_params
from dedup.parallel import batched, map_batches
from dedup.report import ClusterMember, DuplicateCluster
from dedup.signature import text_shingle_sets, text_signatures

BATCH = 2048  # documents per signature batch (per worker task)
MAX_BUCKET = 1000  # distinct signatures per LSH bucket before it is capped (see band_candidates)


@dataclass
class Duplicates:
    """What `find_duplicates` found, with the counts that explain it."""

    clusters: list[DuplicateCluster]
    counts: dict[str, int] = field(default_factory=dict)


def signatures(
    texts: Sequence[str], config: DedupConfig, *, jobs: int = 1
) -> npt.NDArray[np.uint32]:
    """Signatures of every text, computed in batches over `jobs` processes, in order.

    Example:
        >>> signatures(["a b c d e", "f g h i j"], DedupConfig(num_perm=8)).shape
        (2, 8)
    """
    out = np.empty((len(texts), config.num_perm), dtype=np.uint32)
    pos = 0
    sign = partial(text_signatures, config=config)
    for sigs in map_batches(sign, batched(texts, BATCH), jobs=jobs):
        out[pos : pos + len(sigs)] = sigs
        pos += len(sigs)
    return out


def keep_order(docs: Sequence[Document], config: DedupConfig) -> list[int]:
    """Document positions, the copy the keep rule prefers first; ties in input order.

    Example:
        >>> docs = [Document("a", "short"), Document("b", "much longer")]
        >>> keep_order(docs, DedupConfig(keep="longest"))
        [1, 0]
    """
    order = list(range(len(docs)))
    if config.keep == "longest":
        order.sort(key=lambda i: -len(docs[i].text))
    elif config.keep == "newest":
        field_name = config.date_field or ""
        dates = [str(docs[i].meta.get(field_name, "")) for i in order]
        order.sort(key=lambda i: dates[i], reverse=True)  # ISO 8601 sorts as text
        order.sort(key=lambda i: dates[i] == "")  # undated copies last
    elif config.keep == "source":
        order.sort(key=lambda i: _source_rank(docs[i].source, config.source_priority))
    return order


def _source_rank(source: str, patterns: tuple[str, ...]) -> int:
    return next((k for k, pat in enumerate(patterns) if fnmatchcase(source, pat)), len(patterns))


def _jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _neighbors(
    sigs: npt.NDArray[np.uint32], config: DedupConfig, counts: dict[str, int]
) -> tuple[npt.NDArray[np.int64], list[list[int]], dict[int, list[int]]]:
    """Group identical signatures, band-join the groups: (group of doc, members, adjacency)."""
    order, starts = _band_order(sigs)
    group = np.empty(len(sigs), dtype=np.int64)
    group[order] = np.cumsum(starts) - 1
    members: list[list[int]] = [[] for _ in range(int(starts.sum()))]
    for doc in range(len(sigs)):  # input order, so members are sorted
        members[group[doc]].append(doc)
    heads = np.array([m[0] for m in members], dtype=np.int64)
    bands, rows = lsh_params(config.threshold, config.num_perm)
    pairs, capped = band_candidates(sigs[heads], bands, rows, max_bucket=MAX_BUCKET)
    counts["lsh_buckets_capped"] = capped
    adjacent: dict[int, list[int]] = {}
    for ga, gb in pairs.tolist():
        adjacent.setdefault(ga, []).append(gb)
        adjacent.setdefault(gb, []).append(ga)
    return group, members, adjacent


def find_duplicates(
    docs: Sequence[Document], config: DedupConfig | None = None, *, jobs: int = 1
) -> Duplicates:
    """Clusters of near-duplicate documents, each member verified against the representative.

    Args:
        docs: the documents (unique ids).
        config: threshold, shingles, MinHash size and keep rule.
        jobs: worker processes for the signatures (results do not depend on it).

    Returns:
        Clusters in input order of their representative, and counts: `duplicate_candidates`
        (pairs verified), `lsh_false_positive` (verified below the threshold),
        `lsh_buckets_capped`.

    Example:
        >>> text = "the quick brown fox jumps over the lazy dog again and again"
        >>> docs = [Document("a", text), Document("b", text + " twice"), Document("c", "other")]
        >>> [(c.representative, [m.id for m in c.members], c.kept)
        ...  for c in find_duplicates(docs).clusters]
        [('a', ['b'], 'a')]
    """
    config = config or DedupConfig()
    counts = {"duplicate_candidates": 0, "lsh_false_positive": 0}
    sigs = signatures([d.text for d in docs], config, jobs=jobs)
    group, members, adjacent = _neighbors(sigs, config, counts)
    del sigs  # only the groups are needed from here on: keeps memory per document low
    involved = [
        doc for doc in range(len(docs)) if len(members[group[doc]]) > 1 or group[doc] in adjacent
    ]
    texts = [docs[i].text for i in involved]
    sets: dict[int, npt.NDArray[np.uint32]] = {}
    for lo in range(0, len(involved), BATCH):
        batch = text_shingle_sets(texts[lo : lo + BATCH], config)
        sets.update(zip(involved[lo : lo + BATCH], batch, strict=True))
    assigned = np.zeros(len(docs), dtype=bool)
    clusters: list[tuple[int, list[tuple[int, float]]]] = []
    for rep in keep_order(docs, config):
        if assigned[rep] or rep not in sets:
            continue
        assigned[rep] = True
        found: list[tuple[int, float]] = []
        g = int(group[rep])
        for other_group in [g, *sorted(adjacent.get(g, []))]:
            for doc in members[other_group]:
                if assigned[doc]:
                    continue
                counts["duplicate_candidates"] += 1
                jac = _jaccard(sets[rep], sets[doc])
                if jac >= config.threshold:
                    assigned[doc] = True
                    found.append((doc, round(jac, 6)))
                else:
                    counts["lsh_false_positive"] += 1
        if found:
            clusters.append((rep, sorted(found)))
    counts["duplicate_clusters"] = len(clusters)
    ordered = [_cluster(docs, rep, found, config) for rep, found in sorted(clusters)]
    return Duplicates(ordered, counts)


def _cluster(
    docs: Sequence[Document], rep: int, found: list[tuple[int, float]], config: DedupConfig
) -> DuplicateCluster:
    kept = None if config.keep == "none" else docs[rep].id
    return DuplicateCluster(
        docs[rep].id,
        tuple(ClusterMember(docs[i].id, jac) for i, jac in found),
        kept,
        config.threshold,
        config.keep,
    )
