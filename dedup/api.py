"""The Python API: one function per CLI command, composing the stages and nothing more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.boilerplate import detect_boilerplate
from dedup.cluster import find_duplicates
from dedup.config import DedupConfig
from dedup.document import Document, require_unique_id
from dedup.parallel import resolve_jobs
from dedup.passages import Reuse, find_reuse
from dedup.progress import set_stage
from dedup.report import DocumentInfo, DocumentPair, Report, document_infos, document_reuse
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

    Raises:
        InputError: two documents have the same id.

    Example:
        >>> scan([Document("a", "x"), Document("b", "y")]).summary()["documents"]
        2
    """
    config = config or DedupConfig()
    docs = docs if isinstance(docs, Sequence) else list(docs)
    infos = document_infos(docs)
    seen: dict[str, str] = {}
    for info in infos:
        require_unique_id(info, seen)
    return _build_report(docs, config, all_pairs=False, jobs=resolve_jobs(jobs), infos=infos)


def _build_report(
    docs: Sequence[Document],
    config: DedupConfig,
    *,
    all_pairs: bool,
    jobs: int = 1,
    infos: list[DocumentInfo] | None = None,
) -> Report:
    set_stage("near-duplicates")
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
    infos = infos if infos is not None else document_infos(docs)
    position = {info.id: i for i, info in enumerate(infos)}
    overlaps = dict(reuse.overlaps)
    if all_pairs and len(docs) == 2 and (0, 1) not in overlaps:
        overlaps[(0, 1)] = document_overlap(docs[0], docs[1], config)
    pairs = [
        DocumentPair(docs[ia].id, docs[ib].id, overlap[0], config.threshold, *overlap[1:])
        for (ia, ib), overlap in sorted(overlaps.items())
    ]
    counts = dict(duplicates.counts)
    if reuse.left_out:
        counts["passages_left_out"] = sum(reuse.left_out.values())
    return Report(
        duplicates=tuple(duplicates.clusters),
        counts=counts,
        config=config.to_dict(),
        fingerprint=config.fingerprint(),
        documents=document_reuse(infos, passages),
        pairs=tuple(pairs),
        passages=tuple(
            sorted(
                passages,
                key=lambda p: (position[p.a.doc], position[p.b.doc], p.a.start, p.b.start),
            )
        ),
        boilerplate=tuple(boilerplate),
    )
