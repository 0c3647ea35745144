"""Near-duplicate documents: signatures -> banding join -> exact Jaccard -> clusters.

Clusters never chain. Documents are visited in keep-rule order (the copy the rule prefers
first); the first unassigned one becomes a representative, and a candidate joins its
cluster only if its exact Jaccard to that representative is at or above the threshold.
So every member is within the threshold of the kept copy, never merely linked to it
through others (transitive LSH edges are how one cluster swallows unrelated documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from fnmatch import fnmatchcase
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document, document_chars, document_ids, require_field
from dedup.errors import ConfigError
from dedup.lsh import _band_order, band_candidates, document_bands, row_keys
from dedup.parallel import map_shared, ranges, resolve_jobs
from dedup.progress import set_stage
from dedup.report import ClusterMember, DuplicateCluster
from dedup.signature import compiled, document_signatures, prepare, text_shingle_sets
from dedup.verify import set_jaccard

BATCH = 2048  # documents per signature batch (per worker task)
SET_BATCH = 512  # documents per shingle-set batch (its buffers take ~8 bytes per character)
_EPOCH = re.compile(r"-?\d{9,}(\.\d+)?")  # seconds since 1970 (not YYYYMMDD)
KEY_ROWS = 1 << 16  # signatures per task of hashing whole signatures
MAX_BUCKET = 1000  # distinct signatures per LSH bucket before it is capped (see band_candidates)


@dataclass
class Duplicates:
    """What `find_duplicates` found, with the counts that explain it."""

    clusters: list[DuplicateCluster]
    counts: dict[str, int] = field(default_factory=dict)


def keep_order(docs: Sequence[Document], config: DedupConfig) -> list[int]:
    """Document positions, the copy the keep rule prefers first; ties in input order.

    Example:
        >>> docs = [Document("a", "short"), Document("b", "much longer")]
        >>> keep_order(docs, DedupConfig(keep="longest"))
        [1, 0]
    """
    return [int(i) for i in _keep_order(docs, config)]


def _keep_order(docs: Sequence[Document], config: DedupConfig) -> npt.NDArray[np.int64]:
    # A numpy array, not a list of Python ints: 8 bytes per document instead of ~36.
    keys = keep_keys(docs, config)
    check_keep_keys(float(keys.min(initial=np.inf)), docs, config)
    return np.argsort(keys, kind="stable").astype(np.int64)


def keep_keys(docs: Sequence[Document], config: DedupConfig) -> npt.NDArray[np.float64]:
    """Each document's rank under the keep rule: lower is preferred, ties go to input order.

    One number per document, so an engine that sees the corpus in pieces (Spark) orders any
    piece exactly as the whole: `first` and `none` 0, `longest` minus the length, `newest`
    minus the time (undated: infinity, last), `source` the first matching pattern's rank.

    Example:
        >>> docs = [Document("a", "short"), Document("b", "much longer")]
        >>> keep_keys(docs, DedupConfig(keep="longest")).tolist()
        [-5.0, -11.0]
    """
    if config.keep == "longest":
        return -np.asarray(document_chars(docs), dtype=np.float64)
    if config.keep == "newest":
        field_name = config.date_field or ""
        times = (_timestamp(doc, field_name) for doc in docs)
        return np.fromiter(
            (np.inf if t is None else -t for t in times), dtype=np.float64, count=len(docs)
        )
    if config.keep == "source":
        ranks = (_source_rank(d.source, config.source_priority) for d in docs)
        return np.fromiter(ranks, dtype=np.float64, count=len(docs))
    return np.zeros(len(docs), dtype=np.float64)


def check_keep_keys(best: float, sample: Sequence[Document], config: DedupConfig) -> None:
    """Refuse a keep rule that no document can satisfy (a misspelled field or pattern).

    `best` is the lowest `keep_keys` value of the corpus; `sample` its first documents,
    which the message names.

    Example:
        >>> check_keep_keys(1.0, [Document("a", "x", "f")],
        ...                 DedupConfig(keep="source", source_priority=("w*",)))
        Traceback (most recent call last):
        dedup.errors.ConfigError: --source-priority w*: no pattern matches a document's \
source (e.g. 'f'); patterns match whole sources
    """
    if config.keep == "newest":
        require_field(sample, config.date_field or "", "--date-field", best < np.inf)
    elif config.keep == "source" and sample and best == len(config.source_priority):
        msg = (
            f"--source-priority {','.join(config.source_priority)}: no pattern matches a "
            f"document's source (e.g. {sample[0].source!r}); patterns match whole sources"
        )
        raise ConfigError(msg)


def _timestamp(doc: Document, field_name: str) -> float | None:
    """Seconds since 1970 of a document's date field, None when it has none.

    A date is a number (seconds since 1970), a date or datetime (from Parquet), or a string
    in ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`) or RFC 2822 (`Wed, 01 May 2024
    10:00:00 +0000`); a time without a zone is UTC. Dates are compared as times, not as
    text ("2024-5-1" is not newer than "2024-10-01"): anything else is an error naming it.

    Example:
        >>> docs = [Document("a", "x", meta={"d": v}) for v in ("2024-05-01", 1714521600)]
        >>> [_timestamp(d, "d") for d in docs]
        [1714521600.0, 1714521600.0]
        >>> _timestamp(Document("c", "x", meta={"d": "last May"}), "d")
        Traceback (most recent call last):
        dedup.errors.ConfigError: --date-field 'd': c has 'last May', not a date; write dates \
as ISO 8601 (2024-05-01) or seconds since 1970, or pick another --keep
    """
    value = doc.meta.get(field_name)
    if value is None or value == "":
        return None
    try:
        return _seconds(value)
    except (TypeError, ValueError, OverflowError) as ex:
        msg = (
            f"--date-field {field_name!r}: {doc.id} has {value!r}, not a date; write dates as "
            "ISO 8601 (2024-05-01) or seconds since 1970, or pick another --keep"
        )
        raise ConfigError(msg) from ex


def _seconds(value: Any) -> float:
    """Seconds since 1970 of one date value (see `_timestamp`); raises when it is none.

    Example:
        >>> [_seconds(v) for v in ("2021", "2021-01", "1609459200", "1 Jan 2021 00:00 GMT")]
        [1609459200.0, 1609459200.0, 1609459200.0, 1609459200.0]
    """
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        value = _parse_date(str(value).strip())
        if isinstance(value, float):
            return value
    moment: datetime = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _parse_date(text: str) -> datetime | float:
    if _EPOCH.fullmatch(text):
        return float(text)  # seconds since 1970, as a CSV holds them
    text = {4: f"{text}-01-01", 7: f"{text}-01"}.get(len(text), text)  # a year, a month
    try:
        return datetime.fromisoformat(
            text.removesuffix("Z") + ("+00:00" if text.endswith("Z") else "")
        )
    except ValueError:
        return parsedate_to_datetime(text)


def _source_rank(source: str, patterns: tuple[str, ...]) -> int:
    return next((k for k, pat in enumerate(patterns) if fnmatchcase(source, pat)), len(patterns))


def _csr(keys: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int) -> _Lists:
    """Values grouped by key (values in ascending order within a key)."""
    order = np.lexsort((values, keys))
    starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=starts[1:])
    return _Lists(values[order], starts)


@dataclass(frozen=True)
class _Lists:
    """Many short integer lists in two arrays: list k is `flat[starts[k]:starts[k + 1]]`."""

    flat: npt.NDArray[Any]
    starts: npt.NDArray[np.int64]

    def __getitem__(self, k: int) -> npt.NDArray[Any]:
        return self.flat[self.starts[k] : self.starts[k + 1]]

    def sizes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.starts)


def _row_keys(sigs: npt.NDArray[np.uint32], rows: range) -> npt.NDArray[np.uint64]:
    return row_keys(sigs[rows.start : rows.stop])


def _identical(sigs: npt.NDArray[np.uint32], jobs: int = 1) -> npt.NDArray[np.int64]:
    """Group number of each signature (equal signatures share one), in order of first use.

    Sorts a 64-bit key per signature and compares rows only where keys are equal, so no
    copy of the whole signature array is made (that copy was the peak of memory).
    """
    if not len(sigs):
        return np.zeros(0, dtype=np.int64)
    tasks = ranges(len(sigs), KEY_ROWS)
    key = np.concatenate(list(map_shared(_row_keys, sigs, tasks, jobs=jobs)))
    order = np.argsort(key, kind="stable")
    key = key[order]
    same = key[1:] == key[:-1]
    del key
    pos = np.flatnonzero(same)
    for lo in range(0, len(pos), BATCH):
        at = pos[lo : lo + BATCH]
        if not (sigs[order[at]] == sigs[order[at + 1]]).all():
            # A 64-bit key collision (or interleaved runs): the exact, copying sort.
            order, starts = _band_order(sigs)
            same = ~starts[1:]
            break
    first = np.concatenate(([True], ~same))
    sorted_group = np.cumsum(first) - 1
    heads = order[first]  # equal keys keep input order: the first member of each group
    renumber = np.empty(len(heads), dtype=np.int64)
    renumber[np.argsort(heads, kind="stable")] = np.arange(len(heads))
    group = np.empty(len(sigs), dtype=np.int64)
    group[order] = renumber[sorted_group]
    return group


def _neighbors(
    sigs: npt.NDArray[np.uint32], config: DedupConfig, counts: dict[str, int], jobs: int = 1
) -> tuple[npt.NDArray[np.int64], _Lists, _Lists]:
    """Group identical signatures, band-join the groups: (group of doc, members, adjacency).

    Overwrites `sigs` (the groups' signatures are moved to the front).
    """
    group = _identical(sigs, jobs)
    n_groups = int(group.max(initial=-1)) + 1
    members = _csr(group, np.arange(len(sigs), dtype=np.int64), n_groups)
    heads = members.flat[members.starts[:-1]]  # ascending, heads[k] >= k
    for lo in range(0, n_groups, BATCH):  # compact in place: no second signature array
        hi = min(lo + BATCH, n_groups)
        sigs[lo:hi] = sigs[heads[lo:hi]]
    bands, rows = document_bands(config)
    pairs, capped = band_candidates(sigs[:n_groups], bands, rows, max_bucket=MAX_BUCKET, jobs=jobs)
    counts["lsh_buckets_capped"] = capped
    ends = np.concatenate((pairs[:, 0], pairs[:, 1]))
    others = np.concatenate((pairs[:, 1], pairs[:, 0]))
    return group, members, _csr(ends, others, n_groups)


def _involved_sets(
    group: npt.NDArray[np.int64],
    members: _Lists,
    adjacent: _Lists,
    texts: Sequence[str],
    config: DedupConfig,
    jobs: int = 1,
) -> _Sets:
    """Shingle sets of the documents with a candidate (a copy or a band neighbour)."""
    involved = (members.sizes() > 1) | (adjacent.sizes() > 0)
    set_stage("near-duplicates: verifying candidates")
    return _Sets.build(texts, np.flatnonzero(involved[group]), config, jobs=jobs)


class _Texts(Sequence[str]):
    """The texts of a (maybe lazy) document sequence, read one at a time."""

    def __init__(self, docs: Sequence[Document]) -> None:
        self.docs = docs

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, i: Any) -> Any:
        return self.docs[i].text


@dataclass(frozen=True)
class _Sets:
    """Shingle sets of some documents, one flat array per batch (no per-set overhead).

    Batches are never concatenated: joining them would hold every set twice at the peak.
    """

    docs: npt.NDArray[np.int64]  # ascending document positions
    parts: list[_Lists]  # the set of docs[k] is parts[k // SET_BATCH][k % SET_BATCH]
    slot: npt.NDArray[np.int64]  # k of every document position, -1 for one without a set

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        which: npt.NDArray[np.int64],
        config: DedupConfig,
        *,
        jobs: int = 1,
    ) -> _Sets:
        # Texts one batch at a time, the batches over `jobs` forked workers that read
        # `texts` themselves and return only the flat arrays.
        prepare(config)  # before the workers fork
        tasks = [which[lo : lo + SET_BATCH] for lo in range(0, len(which), SET_BATCH)]
        parts = list(map_shared(partial(_set_batch, config=config), texts, tasks, jobs=jobs))
        slot = np.full(len(texts), -1, dtype=np.int64)
        slot[which] = np.arange(len(which))
        return cls(which, parts, slot)

    def __contains__(self, doc: int) -> bool:
        return bool(self.slot[doc] >= 0)

    def __getitem__(self, doc: int) -> npt.NDArray[np.uint32]:
        k = int(self.slot[doc])
        return self.parts[k // SET_BATCH][k % SET_BATCH]


def _set_batch(texts: Sequence[str], which: npt.NDArray[np.int64], config: DedupConfig) -> _Lists:
    """The shingle sets of `texts[i]` for i in `which`, as one flat array."""
    batch = text_shingle_sets([texts[int(i)] for i in which], config)
    starts = np.cumsum([0] + [len(b) for b in batch], dtype=np.int64)
    return _Lists(np.concatenate(batch) if batch else np.zeros(0, np.uint32), starts)


def _signatures(docs: Sequence[Document], config: DedupConfig, jobs: int) -> npt.NDArray[np.uint32]:
    return document_signatures(docs, config, jobs=jobs, stage="near-duplicates: signing documents")


def verified_pairs(
    docs: Sequence[Document], config: DedupConfig | None = None, *, jobs: int = 1
) -> list[tuple[int, int, float]]:
    """Every candidate pair LSH proposes whose exact Jaccard is at or above the threshold.

    The candidates and verification of `find_duplicates` before clustering: two documents
    are candidates when their signatures are equal or share a band. A group of k equal
    signatures gives k(k-1)/2 pairs, so this is for measuring, not for corpora with huge
    groups of exact copies. `jobs` is as for `find_duplicates` (0 uses every core).

    Returns:
        `(i, j, jaccard)` with positions i < j, sorted; jaccard rounded to 6 places.

    Example:
        >>> text = "the quick brown fox jumps over the lazy dog again and again"
        >>> docs = [Document("a", text), Document("b", "other"), Document("c", text + " twice")]
        >>> verified_pairs(docs)
        [(0, 2, 0.888889)]
    """
    config = config or DedupConfig()
    jobs = resolve_jobs(jobs)
    set_stage("near-duplicates: candidate pairs")
    group, members, adjacent = _neighbors(_signatures(docs, config, jobs), config, {}, jobs)
    sets = _involved_sets(group, members, adjacent, _Texts(docs), config, jobs)
    out: list[tuple[int, int, float]] = []
    for a in sets.docs.tolist():
        g = int(group[a])
        for other_group in [g, *adjacent[g].tolist()]:
            for b in members[other_group].tolist():
                if b <= a or not (len(sets[a]) and len(sets[b])):
                    continue  # no words, no copy (`cluster_signatures`)
                if (jac := set_jaccard(sets[a], sets[b])) >= config.threshold:
                    out.append((a, b, round(jac, 6)))
    return sorted(out)


Found = list[tuple[int, list[tuple[int, float]]]]  # (representative, [(member, jaccard)])


def find_duplicates(
    docs: Sequence[Document], config: DedupConfig | None = None, *, jobs: int = 1
) -> Duplicates:
    """Clusters of near-duplicate documents, each member verified against the representative.

    Texts are read from `docs` a batch at a time and never all held at once, so `docs`
    may be a lazy sequence that builds documents on demand.

    Args:
        docs: the documents (unique ids).
        config: threshold, shingles, MinHash size and keep rule.
        jobs: worker processes for the signatures; 0 uses every core, 1 runs in this
            process (results do not depend on it).

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
    jobs = resolve_jobs(jobs)
    order = _keep_order(docs, config)
    sigs = _signatures(docs, config, jobs)
    found, counts = cluster_signatures(sigs, _Texts(docs), order, config, jobs=jobs)
    ids = document_ids(docs)  # a JsonlCorpus knows them without parsing a line
    clusters = [cluster_of(ids.__getitem__, rep, members, config) for rep, members in found]
    return Duplicates(clusters, counts)


def cluster_signatures(
    sigs: npt.NDArray[np.uint32],
    texts: Sequence[str],
    order: npt.NDArray[np.int64],
    config: DedupConfig,
    *,
    jobs: int = 1,
) -> tuple[Found, dict[str, int]]:
    """The clustering of `find_duplicates` from signatures: positions, not documents.

    Also the Spark engine's step for one connected piece of the candidate graph: every LSH
    bucket, capped or not, lies inside one such piece, so clustering the pieces one by one
    (texts and signatures in input order, `order` the keep order of the piece) gives the
    clusters and counts of the whole corpus.

    Args:
        sigs: `(n, num_perm)` document signatures; overwritten.
        texts: the n texts, read only for documents with candidates.
        order: positions 0..n-1 in keep-rule order (`keep_keys`, ties in input order).
        config: threshold, bands and shingles.
        jobs: forked worker processes for the band join and the shingle sets (the result
            does not depend on it).

    Returns:
        `(representative, [(member, jaccard)])` sorted by representative, members sorted;
        and the counts `find_duplicates` reports.
    """
    counts = {"duplicate_candidates": 0, "lsh_false_positive": 0}
    set_stage("near-duplicates: candidate pairs")
    group, members, adjacent = _neighbors(sigs, config, counts, jobs)
    del sigs  # only the groups are needed from here on: keeps memory per document low
    sets = _involved_sets(group, members, adjacent, texts, config, jobs)
    assigned = np.zeros(len(texts), dtype=bool)
    clusters: Found = []
    involved = np.zeros(len(texts), dtype=bool)
    involved[sets.docs] = True  # only a document with candidates can represent a cluster
    fast = compiled(config)  # loaded by `_Sets.build`
    for rep in order[involved[order]].tolist():
        rep_set = sets[rep]
        if assigned[rep] or not len(rep_set):
            continue
        assigned[rep] = True
        found: list[tuple[int, float]] = []
        g = int(group[rep])
        for other_group in [g, *adjacent[g].tolist()]:
            for doc in members[other_group].tolist():
                # A document without a word (a 0-byte file, a blank line) is no copy of
                # another: two stray empty files failed a check's duplicate limit (a
                # new-user trial), where README says an empty document is left as it is.
                if assigned[doc] or not len(sets[doc]):
                    continue
                counts["duplicate_candidates"] += 1
                jac = set_jaccard(rep_set, sets[doc], fast=fast)
                if jac >= config.threshold:
                    assigned[doc] = True
                    found.append((doc, round(jac, 6)))
                else:
                    counts["lsh_false_positive"] += 1
        if found:
            clusters.append((rep, sorted(found)))
    counts["duplicate_clusters"] = len(clusters)
    return sorted(clusters), counts


def cluster_of(
    id_of: Callable[[int], str], rep: int, found: list[tuple[int, float]], config: DedupConfig
) -> DuplicateCluster:
    """The report's cluster of representative `rep` and members `(position, jaccard)`;
    `id_of` gives the id of the document at a position."""
    kept = None if config.keep == "none" else id_of(rep)
    return DuplicateCluster(
        id_of(rep),
        tuple(ClusterMember(id_of(i), jac) for i, jac in found),
        kept,
        config.threshold,
        config.keep,
    )
