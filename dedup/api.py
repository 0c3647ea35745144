"""The Python API: one function per CLI command, composing the stages and nothing more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.boilerplate import BoilerplateFound, find_boilerplate
from dedup.cluster import Duplicates, find_duplicates
from dedup.config import DedupConfig
from dedup.document import Document, document_ids, require_documents, require_unique_id
from dedup.found import FoundPassages
from dedup.parallel import beside, resolve_jobs
from dedup.passages import Reuse, capped_rows, find_reuse, spills
from dedup.progress import set_stage
from dedup.report import (
    DocumentInfo,
    DocumentPair,
    DocumentTable,
    PassageColumns,
    PassageMatch,
    Report,
    boilerplate_passages,
    columns_reuse,
    document_infos,
    passage_columns,
)
from dedup.verify import document_overlap


def compare(a: Document, b: Document, config: DedupConfig | None = None) -> Report:
    """Shared passages of two documents and their whole-document Jaccard.

    Args:
        a: the first document.
        b: the second document (renamed `<id>#2` if it has the same id as `a`).
        config: settings; the default looks for passages of 8 or more equal words.

    Returns:
        A report with both documents, one pair, and the passages.

    Example:
        >>> r = compare(Document("a", "x y z"), Document("b", "x y z"))
        >>> r.pairs[0].jaccard, r.passages
        (1.0, ())
    """
    config = config or DedupConfig()
    for doc in (a, b):
        require_documents([doc], "dedup.compare")
    if a.id == b.id:
        b = Document(f"{b.id}#2", b.text, b.source, b.meta)
    return _build_report([a, b], config, all_pairs=True)


def scan(
    docs: Iterable[Document],
    config: DedupConfig | None = None,
    *,
    jobs: int = 1,
    duplicates: Duplicates | None = None,
    reuse: Reuse | None = None,
    memory_limit: int | None = None,
    tmp_dir: str | None = None,
) -> Report:
    """Near-duplicate clusters, shared passages and boilerplate lines of a corpus.

    Candidate pairs come from LSH, so the work grows with the reuse in the corpus, not with
    the square of its size; see `find_passages` for what can be missed. With
    `config.boilerplate.site_field` (a key of `Document.meta`), recurring boilerplate lines
    are counted per site.

    Args:
        docs: the documents, with unique ids.
        config: settings; the default is `DedupConfig()`.
        jobs: worker processes; 0 uses every core, 1 (the default) runs in this process.
            The report is the same for any number.
        duplicates: the near-duplicate clusters of `docs` found elsewhere (the Spark
            engine, `dedup.engines.spark.find_duplicates_spark`), instead of finding them here.
        reuse: the shared passages of `docs` found elsewhere (the Spark engine,
            `dedup.engines.spark.find_on_spark`), by positions in `docs`, instead of here.
        memory_limit: bytes the passage search may use before it spills to files under
            `tmp_dir` (same result, bounded memory; `find_reuse`); None: half of this
            machine's memory, 0: never spill.
        tmp_dir: where the spilled passage search writes its temporary files (None: TMPDIR).

    Raises:
        InputError: two documents have the same id.

    Example:
        >>> scan([Document("a", "x"), Document("b", "y")]).summary()["documents"]
        2
    """
    config = config or DedupConfig()
    docs = docs if isinstance(docs, Sequence) else list(docs)  # a str stays the path it is
    require_documents(docs, "dedup.scan")
    infos = document_infos(docs)
    if len(set(infos.ids)) < len(infos):  # the loop names the first repeat
        seen: dict[str, str] = {}
        for info in infos:
            require_unique_id(info, seen)
    return _build_report(
        docs,
        config,
        all_pairs=False,
        jobs=resolve_jobs(jobs),
        duplicates=duplicates,
        reuse=reuse,
        infos=infos,
        memory_limit=memory_limit,
        tmp_dir=tmp_dir,
    )


def _build_report(
    docs: Sequence[Document],
    config: DedupConfig,
    *,
    all_pairs: bool,
    jobs: int = 1,
    duplicates: Duplicates | None = None,
    reuse: Reuse | None = None,
    infos: DocumentTable | None = None,
    memory_limit: int | None = None,
    tmp_dir: str | None = None,
) -> Report:
    # Boilerplate needs nothing the other stages make: with workers, it runs in a process
    # of its own beside them, on the cores their serial parts leave idle (not beside a
    # passage search on disk, which promises its memory bound).
    boilerplate = partial(find_boilerplate, docs, config.boilerplate, jobs=jobs)
    apart = jobs > 1 and config.find_boilerplate and config.passages and reuse is None
    with beside(boilerplate, enabled=apart and not spills(docs, memory_limit)) as lines:
        set_stage("near-duplicates")
        infos = infos if infos is not None else document_infos(docs)
        # Positions by id, for passages only: a documents-only scan of a million needs none.
        position = {doc_id: i for i, doc_id in enumerate(infos.ids)} if config.passages else {}
        if duplicates is None:
            duplicates = find_duplicates(docs, config, jobs=jobs)
        # `compare` aligns two copies too; a scan aligns copies with their representative.
        clusters = (
            {} if all_pairs or not config.passages else cluster_positions(position, duplicates)
        )
        reuse = reuse or (
            find_reuse(
                docs,
                config,
                jobs=jobs,
                every_pair=all_pairs,
                cluster=clusters.get("cluster"),
                representative=clusters.get("representative"),
                memory_limit=memory_limit,
                tmp_dir=tmp_dir,
            )
            if config.passages
            else Reuse([], {})
        )
        set_stage("boilerplate")
        found = lines() if config.find_boilerplate else None
    if all_pairs and len(docs) == 2 and (0, 1) not in reuse.overlaps:
        overlaps = {**reuse.overlaps, (0, 1): document_overlap(docs[0], docs[1], config)}
        reuse = replace(reuse, overlaps=overlaps)
    # `compare` shows its pair, whatever the two documents share.
    keep = frozenset({(0, 1)}) if all_pairs and len(docs) == 2 else frozenset()
    return reuse_report(config, infos, duplicates, reuse, boilerplate=found, keep_pairs=keep)


def reuse_report(
    config: DedupConfig,
    documents: Sequence[DocumentInfo],
    duplicates: Duplicates,
    reuse: Reuse,
    *,
    boilerplate: BoilerplateFound | None = None,
    keep_pairs: frozenset[tuple[int, int]] = frozenset(),
) -> Report:
    """The report of a scan from what its stages found, whichever engine ran them: the
    passages `reuse` found, capped per document and in document order, and its pairs;
    `boilerplate` None when lines were not judged. Passages of boilerplate lines
    (`boilerplate_passages`) are left out unless `PassageConfig.boilerplate`, and so is
    a pair that shared nothing else, unless it is in `keep_pairs` (`compare`'s one pair).

    Example:
        >>> from dedup.cluster import Duplicates
        >>> reuse_report(DedupConfig(), [DocumentInfo("a", "a.txt", 3)], Duplicates([]),
        ...              Reuse([], {})).summary()["documents"]
        1
    """
    # A document's reuse counts every passage found, not only those the caps report; its
    # main source keeps a passage under the per-document cap. Both read the passages as
    # columns of numbers, and only those the cap keeps are read whole, with their texts
    # (on 2,400 licence files the cap drops 163,039 of 173,100).
    ids = document_ids(documents)
    found = reuse.passages
    cols = found.columns(ids) if isinstance(found, FoundPassages) else passage_columns(found, ids)
    rows = np.arange(len(cols))
    overlaps, gone = reuse.overlaps, set()
    # Boilerplate is not reuse: passages of it are left out, and a passage's footer
    # counts in no document's reuse.
    lines = boilerplate.lines if boilerplate is not None and not config.passage.boilerplate else ()
    if lines:
        shared = boilerplate_passages(cols, lines, config.passage.least_words)
        if shared.any():
            rows = np.flatnonzero(~shared)
            gone = _pairs_of(cols, shared) - _pairs_of(cols, ~shared) - reuse.left_out.keys()
            gone -= keep_pairs
            cols = cols.take(rows)
            overlaps = {pair: o for pair, o in overlaps.items() if pair not in gone}
    infos, main = columns_reuse(documents, cols, lines)
    kept = rows[capped_rows(cols, config.passage.max_per_doc, main)].tolist()
    passages = found.pick(kept) if isinstance(found, FoundPassages) else [found[k] for k in kept]
    pairs = [
        DocumentPair(ids[ia], ids[ib], overlap[0], config.threshold, *overlap[1:])
        for (ia, ib), overlap in sorted(overlaps.items())
    ]
    # Positions by id, only when there are passages: a documents-only scan of a million
    # needs none.
    position = {doc_id: i for i, doc_id in enumerate(ids)} if passages else {}
    return assemble_report(
        config,
        infos,
        duplicates,
        reuse=reuse,
        pairs=pairs,
        passages=sorted(
            passages,
            key=lambda p: (position[p.a.doc], position[p.b.doc], p.a.start, p.b.start),
        ),
        boilerplate=boilerplate,
        shared=(len(found) - len(rows), len(gone)) if boilerplate is not None else None,
    )


def _pairs_of(cols: PassageColumns, rows: npt.NDArray[np.bool_]) -> set[tuple[int, int]]:
    """The document pairs (positions) of the passages at `rows`."""
    return set(zip(cols.doc_a[rows].tolist(), cols.doc_b[rows].tolist(), strict=True))


def assemble_report(
    config: DedupConfig,
    documents: Sequence[DocumentInfo],
    duplicates: Duplicates,
    *,
    reuse: Reuse | None = None,
    pairs: Sequence[DocumentPair] = (),
    passages: Sequence[PassageMatch] = (),
    boilerplate: BoilerplateFound | None = None,
    shared: tuple[int, int] | None = None,
) -> Report:
    """The report of what the stages found, whichever engine ran them.

    `documents` carry their reuse already (`document_reuse` of every passage found);
    `passages` are those reported; `reuse` (when passages were searched) holds every passage
    found past the per-pair cap and the counts of what the caps left out. When the
    per-document cap left passages out, `pairs` are listed only with a reported passage or
    as a document's main source (`_listed_pairs`; the rest counted, `pairs_not_listed`).
    `shared`: the passages and pairs left out as boilerplate (`reuse_report`), when
    lines were judged; they are not in `passages` and `pairs`.

    Example:
        >>> from dedup.cluster import Duplicates
        >>> assemble_report(DedupConfig(), [DocumentInfo("a", "a.txt", 3)],
        ...                 Duplicates([])).summary()["documents"]
        1
    """
    counts = dict(duplicates.counts)
    if reuse is not None:
        # `reuse.passages` are all found (past the per-pair cap); `passages` those reported.
        # Always written when passages were searched: 0 says "nothing left out", where an
        # absent key would leave a reader wondering whether the caps ran at all.
        dropped = 0 if shared is None else shared[0]
        over_doc_cap = len(reuse.passages) - dropped - len(passages)
        counts["passages_left_out"] = sum(reuse.left_out.values()) + over_doc_cap
        if shared is not None:  # written whenever lines were judged, 0 included
            counts["passages_boilerplate"], counts["pairs_boilerplate"] = shared
        counts["pairs_left_out"] = reuse.pairs_left_out
        counts["pairs_left_out_members"] = reuse.member_pairs_left_out
        listed = _listed_pairs(pairs, passages, documents) if over_doc_cap else list(pairs)
        counts["pairs_not_listed"] = len(pairs) - len(listed)
        pairs = listed
    if boilerplate is not None:
        # Written whenever lines were judged, 0 included, as the caps' counts are.
        counts["boilerplate_rules_only"] = boilerplate.rules_only
    return Report(
        duplicates=tuple(duplicates.clusters),
        counts=counts,
        config=config.to_dict(),
        fingerprint=config.fingerprint(),
        documents=documents if isinstance(documents, DocumentTable) else tuple(documents),
        pairs=tuple(pairs),
        passages=tuple(passages),
        boilerplate=() if boilerplate is None else tuple(boilerplate.lines),
    )


def _listed_pairs(
    pairs: Sequence[DocumentPair],
    passages: Sequence[PassageMatch],
    documents: Sequence[DocumentInfo],
) -> list[DocumentPair]:
    """The pairs a report lists when the per-document cap left passages out: those with a
    reported passage, and each document with its main source.

    Licence files share passages with dozens of partners each; a pair whose every passage
    the cap left out would be a row without its evidence (2,400 licence files and
    docstrings: 39,754 pair rows, 11.7 MB, for 11,906 pairs with a reported passage).
    Raising `--max-passages-per-doc` (0: no cap) lists them all again.

    Example:
        >>> pair = DocumentPair("a", "b", 0.1, 0.8)
        >>> _listed_pairs([pair], [], [DocumentInfo("a", "a", 3)])
        []
    """
    shown = {(p.a.doc, p.b.doc) for p in passages}
    shown |= {(d.id, d.main_source) for d in documents if d.main_source is not None}
    return [p for p in pairs if (p.a, p.b) in shown or (p.b, p.a) in shown]


def cluster_positions(
    position: dict[str, int], duplicates: Duplicates
) -> dict[str, npt.NDArray[Any]]:
    """`find_reuse`'s `cluster` (each document's cluster, -1 for none) and `representative`,
    by the documents' positions (`position`: id -> position).

    Example:
        >>> from dedup.report import ClusterMember, DuplicateCluster
        >>> found = DuplicateCluster("b", (ClusterMember("c", 0.9),), "b", 0.8, "first")
        >>> got = cluster_positions({"a": 0, "b": 1, "c": 2}, Duplicates([found]))
        >>> got["cluster"].tolist(), got["representative"].tolist()
        ([-1, 0, 0], [False, True, False])
    """
    cluster = np.full(len(position), -1, dtype=np.int64)
    representative = np.zeros(len(position), dtype=np.bool_)
    for k, found in enumerate(duplicates.clusters):
        rep = position[found.representative]
        cluster[[rep, *(position[m.id] for m in found.members)]] = k
        representative[rep] = True
    return {"cluster": cluster, "representative": representative}
