"""The Python API: one function per CLI command, composing the stages and nothing more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.boilerplate import detect_boilerplate
from dedup.cluster import Duplicates, find_duplicates
from dedup.config import DedupConfig
from dedup.document import Document, require_unique_id
from dedup.parallel import resolve_jobs
from dedup.passages import Reuse, find_reuse
from dedup.progress import set_stage
from dedup.report import (
    BoilerplateLine,
    DocumentInfo,
    DocumentPair,
    PassageMatch,
    Report,
    document_reuse,
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
    if a.id == b.id:
        b = Document(f"{b.id}#2", b.text, b.source, b.meta)
    return _build_report([a, b], config, all_pairs=True)


def scan(
    docs: Iterable[Document],
    config: DedupConfig | None = None,
    *,
    jobs: int = 1,
    duplicates: Duplicates | None = None,
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

    Raises:
        InputError: two documents have the same id.

    Example:
        >>> scan([Document("a", "x"), Document("b", "y")]).summary()["documents"]
        2
    """
    config = config or DedupConfig()
    docs = list(docs)
    seen: dict[str, str] = {}
    for doc in docs:
        require_unique_id(doc, seen)
    return _build_report(
        docs, config, all_pairs=False, jobs=resolve_jobs(jobs), duplicates=duplicates
    )


def _build_report(
    docs: Sequence[Document],
    config: DedupConfig,
    *,
    all_pairs: bool,
    jobs: int = 1,
    duplicates: Duplicates | None = None,
) -> Report:
    set_stage("near-duplicates")
    if duplicates is None:
        duplicates = find_duplicates(docs, config, jobs=jobs)
    reuse = (
        find_reuse(docs, config, jobs=jobs, every_pair=all_pairs)
        if config.passages
        else Reuse([], {})
    )
    passages = reuse.passages
    set_stage("boilerplate")
    boilerplate = (
        detect_boilerplate(docs, config.boilerplate, jobs=jobs) if config.find_boilerplate else []
    )
    position = {doc.id: i for i, doc in enumerate(docs)}
    overlaps = dict(reuse.overlaps)
    if all_pairs and len(docs) == 2 and (0, 1) not in overlaps:
        overlaps[(0, 1)] = document_overlap(docs[0], docs[1], config)
    pairs = [
        DocumentPair(docs[ia].id, docs[ib].id, overlap[0], config.threshold, *overlap[1:])
        for (ia, ib), overlap in sorted(overlaps.items())
    ]
    infos = [DocumentInfo(d.id, d.source, d.chars) for d in docs]
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
    )


def assemble_report(
    config: DedupConfig,
    documents: Sequence[DocumentInfo],
    duplicates: Duplicates,
    *,
    reuse: Reuse | None = None,
    pairs: Sequence[DocumentPair] = (),
    passages: Sequence[PassageMatch] = (),
    boilerplate: Sequence[BoilerplateLine] = (),
) -> Report:
    """The report of what the stages found, whichever engine ran them.

    Example:
        >>> from dedup.cluster import Duplicates
        >>> assemble_report(DedupConfig(), [DocumentInfo("a", "a.txt", 3)],
        ...                 Duplicates([])).summary()["documents"]
        1
    """
    counts = dict(duplicates.counts)
    if reuse is not None and reuse.left_out:
        counts["passages_left_out"] = sum(reuse.left_out.values())
    return Report(
        duplicates=tuple(duplicates.clusters),
        counts=counts,
        config=config.to_dict(),
        fingerprint=config.fingerprint(),
        documents=document_reuse(list(documents), list(passages)),
        pairs=tuple(pairs),
        passages=tuple(passages),
        boilerplate=tuple(boilerplate),
    )
