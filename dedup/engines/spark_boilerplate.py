"""The boilerplate stage on Apache Spark: corpus evidence as Spark aggregations, each
document judged where its text is.

Every step calls the local code (`dedup.boilerplate`), so the findings equal
`detect_boilerplate`'s, in the same order, for any partition count:

1. lines: one Arrow UDF (`mapInArrow`) splits each document (`boilerplate.line_evidence`)
   into rows: each short line's key with the document's opening (`repeat`), the words of
   its opening lines (`opening`), and each cut-off line's teaser words (`teaser`);
2. recurring lines: grouped by (site, key, opening), each opening's first carrier in
   document order (the smallest position) stands for its near copies; grouped by (site,
   key), the number of openings and, for lines carried by `min_doc_freq` or more, the four
   smallest carrier ids (`_Corpus._first_carriers`); the site's number of documents joined
   in; all joined back to the lines carrying them;
3. teasers: each teaser joined to the openings sharing its first `teaser_prefix_words`
   words, kept when the opening goes on with all its words and is another document's, and
   the first in document order (then line order) named (`_Corpus._opened`);
4. judging: each document's evidence gathered by position and joined to its text, and the
   documents of a batch judged by `boilerplate.judge_documents` with that evidence
   (`JoinedEvidence`);
5. the driver collects the findings and sorts them by document position and offset.

No line, opening or text goes to the driver; only the findings do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from dedup.boilerplate import (
    BoilerplateFound,
    JoinedEvidence,
    judge_documents,
    line_evidence,
    model_line_limit,
)
from dedup.config import BoilerplateConfig
from dedup.document import Document, require_field
from dedup.engines.spark import SAMPLE, Clock, arrow_schema
from dedup.report import BoilerplateLine

EVIDENCE_SCHEMA = (
    "kind string, pos long, num long, id string, site string, key string, words string"
)
FINDING_SCHEMA = (
    "pos long, doc string, start long, end long, line long, rule string, score double, "
    "threshold double, evidence string, held boolean"
)
EXAMPLES = 4  # carrier ids kept per recurring line (`_Corpus._first_carriers`)


def find_boilerplate_spark(
    table: Any,
    documents: int,
    config: BoilerplateConfig,
    clock: Clock | None = None,
) -> BoilerplateFound:
    """`boilerplate.find_boilerplate` of the documents of `table` (a scan's document
    table: `pos`, `kind`, `id`, `site`, `text`), computed on Spark: the lines task also
    says which documents are past the line model's reach (a "long" row each, rare).

    Args:
        table: the document table (rows of `kind` 'doc' are documents).
        documents: how many documents the table holds.
        config: boilerplate settings.
        clock: takes the seconds and sizes of each stage.

    Raises:
        ConfigError: a lexicon or protect file cannot be read.
    """
    from pyspark import StorageLevel

    clock = clock or Clock()
    docs = table.where("kind = 'doc'")
    if not documents:
        return BoilerplateFound([], 0)
    use_repeats = documents >= config.min_corpus_docs
    task = _lines(config, use_repeats, model_line_limit(config))
    lines = docs.select("pos", "id", "site", "text").mapInArrow(task, EVIDENCE_SCHEMA)
    lines = lines.persist(StorageLevel.DISK_ONLY)
    try:
        clock.sizes["boilerplate evidence rows"] = lines.count()
        rules_only = lines.where("kind = 'long'").count()
        clock.lap("boilerplate: lines")
        repeats = _repeats(lines, docs, config).localCheckpoint()
        clock.sizes["boilerplate recurring lines"] = repeats.count()
        clock.lap("boilerplate: recurring lines")
        teasers = _teasers(lines).localCheckpoint()
        clock.sizes["boilerplate teasers"] = teasers.count()
        clock.lap("boilerplate: teasers")
    finally:
        lines.unpersist()
    judged = docs.select("pos", "id", "text").join(_per_document(repeats, teasers), "pos", "left")
    found = judged.mapInArrow(_judge(config, use_repeats), FINDING_SCHEMA).toArrow()
    clock.lap("boilerplate: judging")
    got = found.sort_by([("pos", "ascending"), ("start", "ascending")]).to_pydict()
    clock.sizes["boilerplate findings"] = len(got["pos"])
    fields = ("doc", "start", "end", "line", "rule", "score", "threshold", "evidence", "held")
    found_lines = [
        BoilerplateLine(*values) for values in zip(*(got[f] for f in fields), strict=True)
    ]
    return BoilerplateFound(found_lines, rules_only)


def require_site(table: Any, rows: dict[str, list[Any]], site: str) -> None:
    """`require_field` as `_Corpus` calls it: some document has a site, or the fields of the
    first documents are named (the scan stops before its other stages)."""
    found = not table.where("kind = 'doc' AND site != ''").isEmpty()
    sample = [
        Document(doc_id, "", source, dict.fromkeys(fields or ()))
        for doc_id, source, fields in zip(
            rows["id"][:SAMPLE], rows["source"][:SAMPLE], rows["fields"][:SAMPLE], strict=True
        )
    ]
    require_field(sample, site, "--site-field", found)


def _repeats(lines: Any, docs: Any, config: BoilerplateConfig) -> Any:
    """(pos, num, freq, site, site_size, examples) of every line of a document carried by
    `min_doc_freq` or more documents of its site (one per opening)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    carried = lines.where("kind = 'repeat'")
    # Near copies share an opening: the first of them (by position) carries the line.
    firsts = carried.groupBy("site", "key", "words").agg(F.min(F.struct("pos", "id")).alias("f"))
    line = Window.partitionBy("site", "key")
    counted = firsts.select("site", "key", F.col("f.id").alias("id"))
    counted = counted.withColumn("freq", F.count("*").over(line))
    counted = counted.where(F.col("freq") >= config.min_doc_freq)
    ranked = counted.withColumn("rank", F.row_number().over(line.orderBy("id")))
    examples = (
        ranked.where(F.col("rank") <= EXAMPLES)
        .groupBy("site", "key")
        .agg(F.first("freq").alias("freq"), F.sort_array(F.collect_list("id")).alias("examples"))
    )
    sizes = docs.groupBy("site").agg(F.count("*").alias("site_size"))
    evidence = examples.join(sizes, "site")
    back = carried.select("pos", "num", "site", "key").join(evidence, ["site", "key"])
    return back.select("pos", "num", "freq", "site", "site_size", "examples")


def _teasers(lines: Any) -> Any:
    """(pos, num, other) of every cut-off line whose words open another document: the first
    such document in document order, then line order."""
    from pyspark.sql import functions as F

    asks = lines.where("kind = 'teaser'").select("pos", "num", "key", F.col("words").alias("q"))
    opens = lines.where("kind = 'opening'").select(
        F.col("pos").alias("opos"),
        F.col("num").alias("onum"),
        F.col("id").alias("oid"),
        "key",
        F.col("words").alias("o"),
    )
    # `opening[:len(words)] == words` on word tuples, here on their space-joined texts.
    goes_on = (F.col("o") == F.col("q")) | F.col("o").startswith(F.concat("q", F.lit(" ")))
    hits = asks.join(opens, "key").where((F.col("opos") != F.col("pos")) & goes_on)
    first = hits.groupBy("pos", "num").agg(F.min(F.struct("opos", "onum", "oid")).alias("m"))
    return first.select("pos", "num", F.col("m.oid").alias("other"))


def _per_document(repeats: Any, teasers: Any) -> Any:
    """(pos, repeats, teasers): each document's evidence, as lists of structs."""
    from pyspark.sql import functions as F

    fields = ("num", "freq", "site", "site_size", "examples")
    mine = repeats.groupBy("pos").agg(F.collect_list(F.struct(*fields)).alias("repeats"))
    opened = teasers.groupBy("pos").agg(F.collect_list(F.struct("num", "other")).alias("teasers"))
    return mine.join(opened, "pos", "full")


# --------------------------------------------------------------------- tasks (run in workers)


def _lines(
    config: BoilerplateConfig, use_repeats: bool, limit: int | None
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The line task: documents in, their rows of corpus evidence out (EVIDENCE_SCHEMA),
    and a "long" row for each document of more than `limit` non-blank lines (None: no
    line model runs)."""
    k = config.teaser_prefix_words

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        schema = arrow_schema(EVIDENCE_SCHEMA)
        for batch in batches:
            out: list[tuple[Any, ...]] = []
            got = batch.to_pydict()
            for pos, doc_id, site, text in zip(
                got["pos"], got["id"], got["site"], got["text"], strict=True
            ):
                found = line_evidence(text, config, repeats=use_repeats)
                out.extend(
                    ("repeat", pos, num, doc_id, site, key, found.opening)
                    for num, key in found.repeats
                )
                out.extend(
                    ("opening", pos, at, doc_id, None, " ".join(ws[:k]), " ".join(ws))
                    for at, ws in enumerate(found.openings)
                )
                out.extend(
                    ("teaser", pos, num, None, None, " ".join(ws[:k]), " ".join(ws))
                    for num, ws in found.teasers
                )
                if limit is not None and found.lines > limit:
                    out.append(("long", pos, found.lines, doc_id, None, None, None))
            columns = list(zip(*out, strict=True)) or [()] * len(schema.names)
            cols = dict(zip(schema.names, map(list, columns), strict=True))
            yield pa.RecordBatch.from_pydict(cols, schema=schema)

    return run


def _judge(
    config: BoilerplateConfig, use_repeats: bool
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The judging task: documents with their evidence in, their findings out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        schema = arrow_schema(FINDING_SCHEMA)
        for batch in batches:
            got = batch.to_pydict()
            docs = [Document(i, t) for i, t in zip(got["id"], got["text"], strict=True)]
            evidence = _evidence(config, use_repeats, got["repeats"], got["teasers"])
            positions = {doc.id: pos for doc, pos in zip(docs, got["pos"], strict=True)}
            found = judge_documents(docs, evidence, config)
            cols: dict[str, list[Any]] = {"pos": [positions[b.doc] for b in found]}
            for name in schema.names[1:]:
                cols[name] = [getattr(b, name) for b in found]
            yield pa.RecordBatch.from_pydict(cols, schema=schema)

    return run


def _evidence(
    config: BoilerplateConfig,
    use_repeats: bool,
    repeats: Sequence[list[dict[str, Any]] | None],
    teasers: Sequence[list[dict[str, Any]] | None],
) -> JoinedEvidence:
    """The `JoinedEvidence` of a batch's documents, by their places in the batch."""
    carried = {
        (k, r["num"]): (r["freq"], r["site"], r["site_size"], r["examples"])
        for k, mine in enumerate(repeats)
        for r in mine or ()
    }
    opened = {(k, t["num"]): t["other"] for k, mine in enumerate(teasers) for t in mine or ()}
    return JoinedEvidence(config, use_repeats, carried, opened)
