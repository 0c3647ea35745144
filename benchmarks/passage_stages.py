"""CPU seconds of each stage of the passage search, in this process's tree, for A/B runs.

Builds the corpus of benchmarks/passage_scale.py (same seeds), then times, with jobs=1 and
the kernels loaded first: the preparation of every document (`prepare_range` per task),
the candidate join with the partner cap, and the alignment of every candidate pair
(`_align_groups` per task), each the best of `--repeat` runs of process CPU time, and
prints a digest of the verified passages so two trees can be checked for identical output.
Run it for two worktrees in turn (a shared machine: CPU time, alternated, best of k):

    PYTHONPATH=. .venv/bin/python benchmarks/passage_stages.py --docs 3000 --repeat 3

With `--corpus` a JSONL file of `id`/`text` records instead (the corpus
benchmarks/mixed_corpus.py writes to /tmp/dedup-mixed-corpus.jsonl), its near-duplicate
clusters found first, as `dedup scan` finds and passes them to the passage search.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from passage_scale import inject
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, Document, find_duplicates, find_passages
from dedup import passages as P
from dedup.api import cluster_positions
from dedup.candidates import candidate_pairs, strongest_partners
from dedup.normalize import load_tables
from dedup.parallel import ranges


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The least process CPU time of `repeat` runs of `fn`, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def main() -> None:
    """Time the three stages and print one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", help="a JSONL file of id/text records instead")
    args = parser.parse_args()
    config = DedupConfig()
    clusters: dict[str, Any] = {}
    if args.corpus:
        with open(args.corpus, encoding="utf-8") as fh:
            docs = [Document(r["id"], r["text"]) for r in map(json.loads, fh)]
        position = {doc.id: i for i, doc in enumerate(docs)}
        clusters = cluster_positions(position, find_duplicates(docs, config))
    else:
        docs = build_prose_corpus(args.docs, seed=1)
        inject(docs, 0.05, seed=2)
    cluster, rep = clusters.get("cluster"), clusters.get("representative")
    load_tables()
    find_passages(docs[:100], config)  # loads the kernels
    tasks = ranges(len(docs), P.PREPARE_BATCH)
    t_prep, batches = best(lambda: [P.prepare_range(docs, r, config) for r in tasks], args.repeat)
    prepared = [prep for batch in batches for prep in batch.unpack()]
    t_cand, cand = best(
        lambda: strongest_partners(
            candidate_pairs(list(batches), config, cluster=cluster, representative=rep),
            config.passage.max_partners,
            cluster,
            rep,
        )[0],
        args.repeat,
    )
    groups = ranges(len(cand), P.ALIGN_BATCH)
    t_align, found = best(
        lambda: [P._align_groups((prepared, cand), g, config) for g in groups], args.repeat
    )
    passages = [f for part, _ in found for f in part]
    digest = hashlib.sha256(repr(passages).encode()).hexdigest()[:12]
    print(
        f"{len(docs):,} documents, CPU s (best of {args.repeat}): prepare {t_prep:.2f}, "
        f"candidates {t_cand:.2f}, align {t_align:.2f}, sum {t_prep + t_cand + t_align:.2f}; "
        f"{len(passages):,} passages, digest {digest}"
    )


if __name__ == "__main__":
    main()
