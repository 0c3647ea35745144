"""The passage stage on Apache Spark: the local stages, run where the windows and texts are.

Every step calls the local core functions (`dedup.prepare`, `dedup.candidates`,
`dedup.passages`), so the passages equal `find_reuse`'s, in the same order, for any
partition count:

1. windows: one Arrow UDF (`mapInArrow`) per partition signs each document's passage
   windows (`prepare.text_windows`): a row per window, `(pos, start, sig)`;
2. band join: each window's `window_bands` bands, keyed by the band's values
   (`lsh.row_keys`), sent to the partition of their key as packed blocks
   (`spark.blocks`); a task sorts its partition's entries in corpus order (document,
   then first word) and joins them with `lsh.band_pairs` capped at
   `candidates.MAX_BUCKET` (the local capped join's rule), pairs of one document dropped,
   each pair once. A near-duplicate cluster member's windows that
   found a copy in its representative's (step 4, run first) stay out of it, as in
   `candidates.candidate_pairs`; what a member adds joins like any text;
3. gate: both windows' signatures joined in, and a pair kept when its equal values reach
   `candidates.min_equal` (`candidates.equal_values`);
4. copy pairs (before 2): each cluster's windows (the clusters found before,
   `api.cluster_positions`) in one grouped Arrow UDF (`applyInArrow`), sorted in corpus
   order, run through `candidates.copy_pairs` (member windows paired with the
   representative's per band, capped and gated). Its runs are sorted by (cluster, key,
   representative first, row), so one cluster alone gives the pairs it gives among the
   whole corpus's windows; mapped back to `(pos, start)` and added to the gated pairs
   (disjoint: the join never sees a member window a copy pair holds). The bound: one
   cluster's windows in one Python worker;
5. partners: the candidate window pairs counted per document pair; the counts go to the
   driver, which keeps each document's strongest partners with the local rule
   (`candidates.strong_pairs` with the clusters as `strongest_partners` gets them: two
   members never aligned, a member always with its representative). The bound:
   `DRIVER_PAIRS` candidate document pairs (about 40 bytes each on the driver); above it
   the scan stops with an error rather than run out of memory;
6. align: the kept pairs' window pairs grouped per document pair, both texts joined in,
   and each pair aligned in an Arrow UDF (`passages.align_documents`), partitioned by its
   first document and sorted, so a task prepares each document it sees once
   (`prepare.prepare_document`; a task keeps `PREPARED_CACHE` prepared documents, and
   prepares a partner again past that);
7. the driver collects the passages and each pair's overlap (`Reuse`), and the report is
   assembled as the local scan's (`api.reuse_report`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.api import cluster_positions
from dedup.candidates import (
    MAX_BUCKET,
    copy_pairs,
    equal_values,
    min_equal,
    strong_pairs,
)
from dedup.cluster import Duplicates
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.engines.spark import Clock, arrow_schema, blocks, partition_tags, unpack
from dedup.errors import ConfigError
from dedup.lsh import band_pairs, row_keys, window_bands
from dedup.passages import Reuse, align_documents
from dedup.prepare import Prepared, prepare_document, text_windows
from dedup.report import PassageMatch

WINDOW_SCHEMA = "pos long, start long, sig binary"
PAIR_SCHEMA = "pa long, sa long, pb long, sb long"
# The window band join's shuffle: a batch's (pos, start, band, values) entries bound for
# one partition, as packed int64, int64, uint32 and uint32 rows.
BAND_SCHEMA = "part long, pos binary, start binary, band binary, value binary"
FOUND_SCHEMA = "pa long, pb long, k long, passage string, overlap array<double>, left_out long"
PAIRS_PER_PIECE = 2000  # document pairs whose passages are collected in one piece
DRIVER_PAIRS = 50_000_000  # candidate document pairs ranked on the driver (~40 B each)
TOO_MANY_PAIRS_TEXT = (
    "{pairs:,} document pairs share passage windows, more than the driver ranks "
    "({limit:,}); raise lsh-threshold or min-window-estimate in [tool.dedup.passage], or "
    "scan with --no-passages"
)


def find_reuse_spark(
    table: Any,
    positions: npt.NDArray[np.int64],
    ids: list[str],
    duplicates: Duplicates,
    config: DedupConfig,
    clock: Clock | None = None,
) -> Reuse:
    """`passages.find_reuse` of the documents of `table` (a scan's document table: `pos`,
    `kind`, `id`, `text`), computed on Spark.

    Args:
        table: the document table (rows of `kind` 'doc' are documents).
        positions: every document's `pos`, sorted (the input order).
        ids: the documents' ids, in that order.
        duplicates: the scan's near-duplicate clusters (the text a copy shares with its
            representative is aligned with the representative only, as locally).
        config: settings.
        clock: takes the seconds and sizes of each stage, for sizing a cluster.

    Returns:
        The `Reuse` of the documents, by their positions in `positions`.

    Raises:
        ConfigError: more than `DRIVER_PAIRS` candidate document pairs.
    """
    from pyspark.sql import functions as F

    clock = clock or Clock()
    spark = table.sparkSession
    docs = table.where("kind = 'doc'")
    clusters = cluster_positions({doc_id: k for k, doc_id in enumerate(ids)}, duplicates)
    windows = docs.select("pos", "text").mapInArrow(_windows(config), WINDOW_SCHEMA)
    windows = _with_clusters(windows, positions, clusters).localCheckpoint()
    clock.sizes["passage windows"] = windows.count()
    clock.lap("passages: windows")
    # Inside each cluster first (`candidates.copy_pairs`); a member's windows that found a
    # copy of theirs in the representative's stay out of the band join, as locally.
    clustered = windows.where("cluster IS NOT NULL").select("cluster", "rep", "pos", "start", "sig")
    copies = clustered.groupBy("cluster").applyInArrow(_copies(config), PAIR_SCHEMA)
    copies = copies.localCheckpoint()
    clock.sizes["copy window pairs"] = copies.count()
    clock.lap("passages: copy pairs")
    joined = _outside_copies(windows, copies)
    pairs = _window_pairs(joined, config).localCheckpoint()
    clock.sizes["window pairs proposed"] = pairs.count()
    clock.lap("passages: band join")
    gated = _gated(joined, pairs, config).localCheckpoint()
    clock.sizes["candidate window pairs"] = gated.count()
    clock.lap("passages: gate")
    # Disjoint: a copy pair holds a member's window that found a copy, which the join
    # never sees (`unique_pairs` of the local join finds nothing twice either).
    gated = gated.unionByName(copies)
    counts = gated.groupBy("pa", "pb").count().toArrow()
    kept, left_out, members = _strongest(counts, positions, clusters, config)
    clock.sizes["document pairs aligned"] = len(kept["pa"])
    clock.lap("passages: partners")
    if not len(kept["pa"]):
        return Reuse([], {}, pairs_left_out=left_out, member_pairs_left_out=members)
    chosen = F.broadcast(spark.createDataFrame(_arrow_table(kept)))
    work = (
        gated.join(chosen, ["pa", "pb"], "left_semi")
        .groupBy("pa", "pb")
        .agg(F.collect_list(F.struct("sa", "sb")).alias("windows"))
    )
    texts = docs.select("pos", "id", "text")
    for side in ("a", "b"):
        named = texts.select(
            F.col("pos").alias(f"p{side}"),
            F.col("id").alias(f"id_{side}"),
            F.col("text").alias(f"text_{side}"),
        )
        work = work.join(named, f"p{side}")
    parts = int(spark.conf.get("spark.sql.shuffle.partitions"))
    # By first document, sorted: each task prepares its first documents once (`_Prepared`).
    work = work.repartition(parts, "pa").sortWithinPartitions("pa", "pb")
    aligned = work.mapInArrow(_align(config), FOUND_SCHEMA)
    # Collected in pieces of about PAIRS_PER_PIECE pairs: each piece is one result held whole
    # in the driver's JVM (10,000 documents' passages in 2 pieces ran out of a 4 GB heap).
    pieces = max(parts, -(-len(kept["pa"]) // PAIRS_PER_PIECE))
    found = aligned.repartition(pieces, "pa", "pb").toArrow().to_pydict()
    clock.lap("passages: align")
    reuse = _reuse(found, positions, left_out, members)
    clock.lap("passages: collect")
    return reuse


def _window_pairs(windows: Any, config: DedupConfig) -> Any:
    """Candidate window pairs `(pa, sa, pb, sb)`, `pa` < `pb`, each once: the capped
    banding join of `lsh.band_pairs` over every window of the corpus.

    Each window's bands go to the partition of their key (`_band_blocks`: packed blocks,
    not a row per band), where one task joins its buckets with the local code
    (`_band_join`). Spark's window functions over a row per band ran a 4 GB driver out of
    execution memory at 10,000 documents of `benchmarks/spark_scale.py --passages`."""
    spark = windows.sparkSession
    parts = int(spark.conf.get("spark.sql.shuffle.partitions"))
    packed = windows.select("pos", "start", "sig").mapInArrow(
        _band_blocks(config, partition_tags(spark, parts)), BAND_SCHEMA
    )
    pairs = packed.repartition(parts, "part").mapInArrow(_band_join(config), PAIR_SCHEMA)
    return pairs.distinct()


def _band_blocks(config: DedupConfig, tags: list[int]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The window band join's map side: each batch's windows, one entry per band (position,
    start, band, the band's values), split by the partition of the band's key
    (`lsh.row_keys`) into one row of packed blocks per partition, tagged `tags[d]`."""
    bands, rows = window_bands(config)
    num_perm = config.passage.num_perm

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            n = batch.num_rows
            if not n:
                continue
            sigs = _signatures(batch.column("sig"), num_perm)[:, : bands * rows]
            values = sigs.reshape(n, bands, rows).transpose(1, 0, 2).reshape(-1, rows)
            band = np.repeat(np.arange(bands, dtype=np.uint32), n)
            keys = np.concatenate([row_keys(values[b * n : (b + 1) * n], b) for b in range(bands)])
            pos = np.tile(np.asarray(batch.column("pos").to_numpy(), dtype=np.int64), bands)
            start = np.tile(np.asarray(batch.column("start").to_numpy(), dtype=np.int64), bands)
            dest = (keys % np.uint64(len(tags))).astype(np.int64)
            yield blocks(dest, tags, [pos, start, band, values], BAND_SCHEMA)

    return run


def _band_join(config: DedupConfig) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The window band join's task: whole buckets in (`_band_blocks`), their window pairs
    out, each once. The entries are sorted in corpus order (position, then start), so
    `lsh.band_pairs` over (band, values) caps a bucket at its first `MAX_BUCKET` windows,
    as the local join does; pairs inside one document are dropped, as there. The bound: a
    partition's entries (bands per window, 24 B + 4 B a row of values each) in one Python
    worker."""
    rows = window_bands(config)[1]

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        table = pa.Table.from_batches(list(batches), schema=arrow_schema(BAND_SCHEMA))
        pos, start = (unpack(table.column(c), np.int64) for c in ("pos", "start"))
        band = unpack(table.column("band"), np.uint32)
        values = unpack(table.column("value"), np.uint32).reshape(-1, rows)
        del table
        order = np.lexsort((start, pos))
        keyed = np.column_stack((band[order], values[order]))
        pairs = order[band_pairs(keyed, MAX_BUCKET)[0]]
        pairs = pairs[pos[pairs[:, 0]] != pos[pairs[:, 1]]]
        found = np.unique(
            np.stack(
                (pos[pairs[:, 0]], start[pairs[:, 0]], pos[pairs[:, 1]], start[pairs[:, 1]]),
                axis=1,
            ),
            axis=0,
        )
        yield pa.RecordBatch.from_arrays(
            [pa.array(found[:, k]) for k in range(4)], schema=arrow_schema(PAIR_SCHEMA)
        )

    return run


def _gated(windows: Any, pairs: Any, config: DedupConfig) -> Any:
    """The window pairs whose signatures agree enough (`candidates.min_equal`)."""
    from pyspark.sql import functions as F

    for side in ("a", "b"):
        sigs = windows.select(
            F.col("pos").alias(f"p{side}"),
            F.col("start").alias(f"s{side}"),
            F.col("sig").alias(f"sig_{side}"),
        )
        pairs = pairs.join(sigs, [f"p{side}", f"s{side}"])
    return pairs.mapInArrow(_gate(config), PAIR_SCHEMA)


def _with_clusters(
    windows: Any, positions: npt.NDArray[np.int64], clusters: dict[str, npt.NDArray[Any]]
) -> Any:
    """`windows` with their document's near-duplicate cluster (`cluster`, null for none)
    and whether it is the cluster's representative (`rep`)."""
    from pyspark.sql import functions as F

    at = np.flatnonzero(clusters["cluster"] >= 0)
    members = _arrow_table(
        {"pos": positions[at], "cluster": clusters["cluster"][at]},
        rep=clusters["representative"][at],
    )
    # The clustered documents: a few columns each, joined without moving the windows.
    table = F.broadcast(windows.sparkSession.createDataFrame(members))
    return windows.join(table, "pos", "left")


def _outside_copies(windows: Any, copies: Any) -> Any:
    """The windows the band join takes: all but a cluster member's windows that a copy pair
    holds (its representative's windows stand for them), as `candidates.candidate_pairs`."""
    from pyspark.sql import functions as F

    held = copies.select(F.col("pb").alias("pos"), F.col("sb").alias("start"))
    held = held.union(copies.select(F.col("pa").alias("pos"), F.col("sa").alias("start")))
    held = held.distinct().withColumn("held", F.lit(True))
    found = windows.join(held, ["pos", "start"], "left")
    return found.where("cluster IS NULL OR rep OR held IS NULL").drop("held")


def _strongest(
    counts: Any,
    positions: npt.NDArray[np.int64],
    clusters: dict[str, npt.NDArray[Any]],
    config: DedupConfig,
) -> tuple[dict[str, npt.NDArray[np.int64]], int, int]:
    """The document pairs to align (`candidates.strong_pairs` over every candidate pair's
    window count, with the near-duplicate clusters as `candidates.strongest_partners` gets
    them: `api.cluster_positions`), how many were left out, and how many of those are two
    members of one cluster (`candidates.KeptPairs`)."""
    if counts.num_rows > DRIVER_PAIRS:
        raise ConfigError(TOO_MANY_PAIRS_TEXT.format(pairs=counts.num_rows, limit=DRIVER_PAIRS))
    pa_ = np.asarray(counts.column("pa").to_numpy(), dtype=np.int64)
    pb_ = np.asarray(counts.column("pb").to_numpy(), dtype=np.int64)
    sizes = np.asarray(counts.column("count").to_numpy(), dtype=np.int64)
    ga, gb = np.searchsorted(positions, pa_), np.searchsorted(positions, pb_)
    order = np.lexsort((gb, ga))  # the local order of document pairs
    ga, gb, sizes, pa_, pb_ = ga[order], gb[order], sizes[order], pa_[order], pb_[order]
    cluster, representative = clusters["cluster"], clusters["representative"]
    keep, left_out, members = strong_pairs(
        ga, gb, sizes, config.passage.max_partners, cluster, representative
    )
    return {"pa": pa_[keep], "pb": pb_[keep]}, left_out, members


def _reuse(
    found: dict[str, list[Any]], positions: npt.NDArray[np.int64], left_out: int, members: int
) -> Reuse:
    """The collected passages and overlaps as `find_reuse` returns them: passages in order
    of document pair, then as aligned; overlaps by document positions (`left_out`,
    `members`: the pairs not aligned, as `_strongest` counted them)."""
    passages: list[PassageMatch] = []
    overlaps: dict[tuple[int, int], tuple[float, ...]] = {}
    reuse = Reuse(passages, overlaps, pairs_left_out=left_out, member_pairs_left_out=members)
    rows = sorted(
        zip(
            found["pa"],
            found["pb"],
            found["k"],
            found["passage"],
            found["overlap"],
            found["left_out"],
            strict=True,
        ),
        key=lambda r: (r[0], r[1], r[2]),
    )
    for pa_, pb_, _, passage, overlap, cut in rows:
        if passage is not None:
            passages.append(PassageMatch.from_dict(json.loads(passage)))
            continue
        ia, ib = (int(k) for k in np.searchsorted(positions, [pa_, pb_]))
        overlaps[(ia, ib)] = tuple(overlap)
        if cut:
            reuse.left_out[(ia, ib)] = cut
    return reuse


def _arrow_table(columns: dict[str, npt.NDArray[np.int64]], **flags: npt.NDArray[np.bool_]) -> Any:
    """Long `columns` and boolean `flags` as one Arrow table."""
    import pyarrow as pa

    got = {name: pa.array(values, pa.int64()) for name, values in columns.items()}
    got.update({name: pa.array(values, pa.bool_()) for name, values in flags.items()})
    return pa.table(got)


# --------------------------------------------------------------------- tasks (run in workers)


def _windows(config: DedupConfig) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The window task: documents `(pos, text)` in, a row per passage window out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        for batch in batches:
            pos, starts, sigs = [], [], []
            for at, text in zip(
                batch.column("pos").to_pylist(), batch.column("text").to_pylist(), strict=True
            ):
                found = text_windows(text, config)
                if found is not None:
                    pos.append(np.full(len(found.starts), at, dtype=np.int64))
                    starts.append(found.starts)
                    sigs.append(found.sigs)
            if not pos:
                continue
            block = np.ascontiguousarray(np.concatenate(sigs), dtype=np.uint32)
            yield pa.RecordBatch.from_arrays(
                [pa.array(np.concatenate(pos)), pa.array(np.concatenate(starts)), _blobs(block)],
                schema=arrow_schema(WINDOW_SCHEMA),
            )

    return run


def _blobs(rows: npt.NDArray[np.uint32]) -> Any:
    """Each row of `rows` as one Arrow binary value, without a Python object per row."""
    import pyarrow as pa

    width = rows.shape[1] * rows.itemsize
    offsets = np.arange(len(rows) + 1, dtype=np.int32) * width
    return pa.Array.from_buffers(
        pa.binary(), len(rows), [None, pa.py_buffer(offsets), pa.py_buffer(rows.tobytes())]
    )


def _signatures(column: Any, num_perm: int) -> npt.NDArray[np.uint32]:
    """A binary column of signatures as an `(n, num_perm)` array."""
    return unpack(column, np.uint32).reshape(-1, num_perm)


def _gate(config: DedupConfig) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The gate task: window pairs with both signatures in, those agreeing enough out."""
    need, num_perm = min_equal(config), config.passage.num_perm

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        for batch in batches:
            n = batch.num_rows
            if not n:
                continue
            sigs = np.concatenate(
                (
                    _signatures(batch.column("sig_a"), num_perm),
                    _signatures(batch.column("sig_b"), num_perm),
                )
            )
            rows = np.arange(n, dtype=np.int64)
            passed = equal_values(sigs, np.stack((rows, rows + n), axis=1)) >= need
            keep = pa.array(passed)
            columns = [batch.column(name).filter(keep) for name in arrow_schema(PAIR_SCHEMA).names]
            yield pa.RecordBatch.from_arrays(columns, schema=arrow_schema(PAIR_SCHEMA))

    return run


def _copies(config: DedupConfig) -> Callable[[Any], Any]:
    """The copy-pair task: one near-duplicate cluster's windows (`cluster`, `rep`, `pos`,
    `start`, `sig`) in, its representative-member window pairs that pass the gate out:
    `candidates.copy_pairs` over the cluster's windows in corpus order (document, then first
    word), which pairs the same windows as over the whole corpus's (its runs are per
    cluster), mapped back to `(pa, sa, pb, sb)`."""
    bands, rows = window_bands(config)
    need, num_perm = min_equal(config), config.passage.num_perm

    def run(table: Any) -> Any:
        import pyarrow as pa

        table = table.sort_by([("pos", "ascending"), ("start", "ascending")])
        pos = np.asarray(table.column("pos").to_numpy(), dtype=np.int64)
        start = np.asarray(table.column("start").to_numpy(), dtype=np.int64)
        cluster = np.asarray(table.column("cluster").to_numpy(), dtype=np.int64)
        rep = np.asarray(table.column("rep").to_numpy(zero_copy_only=False), dtype=np.bool_)
        sigs = _signatures(table.column("sig"), num_perm)
        found = copy_pairs(sigs, cluster, rep, bands, rows, need)
        i, j = found[:, 0], found[:, 1]  # rows of this cluster, i < j: pos[i] < pos[j]
        columns = [pa.array(c, pa.int64()) for c in (pos[i], start[i], pos[j], start[j])]
        return pa.Table.from_arrays(columns, schema=arrow_schema(PAIR_SCHEMA))

    return run


PREPARED_CACHE = 4096  # prepared documents an alignment task keeps (~25 KB each)


class _Prepared:
    """The documents an alignment task has prepared: the first `PREPARED_CACHE` it met.

    A task's pairs come sorted by their first document, so each first document is
    prepared once per task (`first`); a partner is prepared again only when the task
    meets more documents than it keeps. The first ones met are kept, not the most recently used:
    partners come back in sorted order, cycle after cycle, which would empty an LRU cache
    just before each one is asked for again.
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self.kept: dict[int, Prepared] = {}
        self.first: tuple[int, Prepared] | None = None  # the current first document

    def get(self, pos: int, doc: Document, *, first: bool = False) -> Prepared:
        """The prepared document at `pos` (`doc`), prepared now when not kept."""
        if self.first is not None and self.first[0] == pos:
            return self.first[1]
        found = self.kept.get(pos)
        if found is None:
            found = prepare_document(doc, self.config)
            if len(self.kept) < PREPARED_CACHE:
                self.kept[pos] = found
        if first:
            self.first = (pos, found)
        return found


def _align(config: DedupConfig) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The alignment task: document pairs with their window pairs and texts in, a row per
    passage (`k` its order in the pair) and one per pair with a passage (its overlap) out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        prepared = _Prepared(config)
        for batch in batches:
            out: dict[str, list[Any]] = {name: [] for name in arrow_schema(FOUND_SCHEMA).names}
            for row in batch.to_pylist():
                docs = (Document(row["id_a"], row["text_a"]), Document(row["id_b"], row["text_b"]))
                window_pairs = [(w["sa"], w["sb"]) for w in row["windows"]]
                both = (
                    prepared.get(row["pa"], docs[0], first=True),
                    prepared.get(row["pb"], docs[1]),
                )
                found, overlap, left_out = align_documents(docs, window_pairs, config, both)
                if overlap is None:
                    continue
                records: list[tuple[str | None, list[float] | None, int]] = [
                    (json.dumps(p.to_dict()), None, 0) for p in found
                ]
                records.append((None, list(overlap), left_out))
                for k, (passage, over, cut) in enumerate(records):
                    out["pa"].append(row["pa"])
                    out["pb"].append(row["pb"])
                    out["k"].append(k)
                    out["passage"].append(passage)
                    out["overlap"].append(over)
                    out["left_out"].append(cut)
            yield pa.RecordBatch.from_pydict(out, schema=arrow_schema(FOUND_SCHEMA))

    return run
