"""Size and query speed of a persistent index with passages (benchmark, not a test).

Builds an index (`dedup index build`, default settings: document signatures, document band
keys and passage-window band keys) of N real prose documents (`prose_corpus.py`: paragraphs
of this machine's man pages and documentation, ~2.5 KB each), then measures:

- bytes on disk per indexed document beyond its text (file size minus the UTF-8 text), and
  the share of each table (SQLite's dbstat);
- `Index.query` with passages: queries/s for Q documents of new text, five in six of them
  quoting a passage of an indexed document in their middle (15, 30 or 60 words verbatim, or
  30 or 60 words with every 8th word replaced); how many quotes were found (a passage
  between the query and the quoted document); and the size of the query JSON
  (`dedup index query --format json`).

`--sample N` overrides `store.WINDOW_KEY_SAMPLE` (1 stores every window band key) and
`--candidates N` `store.MAX_PASSAGE_CANDIDATES`, to measure the size, speed and recall
they trade.

Usage:
    .venv/bin/python benchmarks/index_size.py --docs 10000 --queries 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prose_corpus import build_prose_corpus

from dedup import store
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.render import render_query
from dedup.store import Index

KINDS = ("none", "verbatim 15", "verbatim 30", "verbatim 60", "edited 30", "edited 60")


def _queries(
    indexed: list[Document], fresh: list[Document], count: int
) -> tuple[list[Document], dict[str, tuple[str, str]]]:
    """New documents, most quoting an indexed one (`KINDS`), and query id -> (kind, source)."""
    rng = random.Random(3)
    out, truth = [], {}
    for i in range(count):
        base = fresh[i].text
        kind = KINDS[i % len(KINDS)]
        doc_id = f"q{i:04d}"
        if kind != "none":
            source = indexed[rng.randrange(len(indexed))]
            words = source.text.split()
            size = int(kind.split()[1])
            start = rng.randrange(max(1, len(words) - size))
            quoted = words[start : start + size]
            if kind.startswith("edited"):
                quoted = [f"edit{rng.randrange(10**6)}" if k % 8 == 7 else w
                          for k, w in enumerate(quoted)]  # fmt: skip
            middle = len(base) // 2
            base = base[:middle] + "\n\n" + " ".join(quoted) + "\n\n" + base[middle:]
            truth[doc_id] = (kind, source.id)
        out.append(Document(doc_id, base, f"queries.jsonl:{i + 1}"))
    return out, truth


def _table_bytes(path: str) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return {}
    finally:
        conn.close()
    return {str(name): int(size) for name, size in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sample", type=int, default=None, help="WINDOW_KEY_SAMPLE")
    parser.add_argument("--candidates", type=int, default=None, help="MAX_PASSAGE_CANDIDATES")
    args = parser.parse_args()
    if args.sample:
        store.WINDOW_KEY_SAMPLE = args.sample
    if args.candidates:
        store.MAX_PASSAGE_CANDIDATES = args.candidates
    config = DedupConfig()
    corpus = build_prose_corpus(args.docs + args.queries, seed=11)
    indexed, fresh = corpus[: args.docs], corpus[args.docs :]
    indexed = [Document(d.id, d.text, f"corpus.jsonl:{i + 1}") for i, d in enumerate(indexed)]
    text_bytes = sum(len(d.text.encode("utf-8")) for d in indexed)
    path = os.path.join(tempfile.mkdtemp(), "bench.idx")

    t0 = time.perf_counter()
    Index.build(path, indexed, config).close()
    build = time.perf_counter() - t0
    size = os.path.getsize(path)
    print(
        f"built {len(indexed):,} documents ({text_bytes / 2**20:.1f} MiB of text) in "
        f"{build:.1f} s ({len(indexed) / build:,.0f} docs/s): {size / 2**20:.1f} MiB, "
        f"{(size - text_bytes) / len(indexed):,.0f} bytes/document beyond the text"
    )
    for name, used in sorted(_table_bytes(path).items(), key=lambda kv: -kv[1]):
        if used >= size // 100:
            print(f"  {name:<32} {used / 2**20:8.1f} MiB  {used / len(indexed):8,.0f} B/doc")

    queries, truth = _queries(indexed, fresh, min(args.queries, len(fresh)))
    with Index.open(path, config) as index:
        index.query(queries[:2])  # warm up (numba, tables), not timed
        t0 = time.perf_counter()
        result = index.query(queries)
        elapsed = time.perf_counter() - t0
    found = {(p.b.doc, p.a.doc) for p in result.passages}
    text = render_query(result, "json", path)
    print(
        f"queried {len(queries):,} documents with passages in {elapsed:.2f} s = "
        f"{len(queries) / elapsed:,.1f} queries/s; {len(result.passages):,} passages; query "
        f"JSON {len(text.encode()) / 2**10:,.0f} KiB (schema {json.loads(text).get('schema')})"
    )
    for kind in KINDS[1:]:
        mine = [(q, src) for q, (k, src) in truth.items() if k == kind]
        hit = sum((q, src) in found for q, src in mine)
        print(f"  quotes found, {kind:<12} {hit}/{len(mine)}")


if __name__ == "__main__":
    main()
