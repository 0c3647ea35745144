"""Query throughput of a persistent SQLite index (benchmark, not a test).

Builds an index of N synthetic documents (document signatures and band keys; passage windows
off, as for a near-duplicate / contamination index of whole documents), then measures:

- candidate queries/s: `Index.candidates` (band-key lookups in SQLite + MinHash estimate
  against the stored signatures) for a mix of indexed and new documents, in batches;
- verified queries/s: `Index.query` (the above + exact Jaccard against the stored text).

Usage:
    .venv/bin/python benchmarks/index_query.py --docs 1000000 --queries 20000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from dedup.config import DedupConfig
from dedup.document import Document
from dedup.store import Index


def synthetic_docs(count: int, start: int, rng: np.random.Generator) -> list[Document]:
    """Documents of 40 words drawn from a 50,000-word vocabulary."""
    words = rng.integers(0, 50_000, size=(count, 40))
    return [
        Document(
            f"doc-{start + i}", " ".join(f"w{w}" for w in row), f"corpus.jsonl:{start + i + 1}"
        )
        for i, row in enumerate(words)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--path", default=None, help="Index file (default: a temp file)")
    args = parser.parse_args()
    config = DedupConfig(passages=False)
    rng = np.random.default_rng(7)
    path = args.path or os.path.join(tempfile.mkdtemp(), "bench.idx")

    t0 = time.perf_counter()
    index = Index.create(path, config)
    index._write_meta()
    step = 50_000
    for lo in range(0, args.docs, step):
        index.add(synthetic_docs(min(step, args.docs - lo), lo, rng))
    index.close()
    build = time.perf_counter() - t0
    size = os.path.getsize(path) / 2**20
    print(
        f"built {args.docs:,} docs in {build:.1f} s ({args.docs / build:,.0f} docs/s), "
        f"{size:,.0f} MiB"
    )

    index = Index.open(path, config)
    half = args.queries // 2
    again = synthetic_docs(half, 0, np.random.default_rng(7))  # the first indexed docs again
    fresh = synthetic_docs(args.queries - half, 10**9, rng)
    docs = again + fresh
    sigs = index.signatures(docs)  # signature time is the caller's, not the index's

    t0 = time.perf_counter()
    hits = index.candidates(sigs)
    lookup = time.perf_counter() - t0
    found = sum(any(e >= config.threshold for _, e in h) for h in hits[:half])
    print(
        f"candidate queries: {len(docs):,} in {lookup:.2f} s = {len(docs) / lookup:,.0f} queries/s "
        f"({found:,}/{half:,} indexed documents found)"
    )

    sample = docs[: min(len(docs), 2000)] + fresh[:2000]
    t0 = time.perf_counter()
    result = index.query(sample)
    verified = time.perf_counter() - t0
    print(
        f"verified queries (signatures + lookup + exact Jaccard): {len(sample):,} in "
        f"{verified:.2f} s = {len(sample) / verified:,.0f} queries/s, {len(result.pairs):,} pairs"
    )
    index.close()


if __name__ == "__main__":
    main()
