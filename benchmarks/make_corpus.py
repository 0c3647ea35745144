"""Write a JSONL corpus of N real-text documents (10 % near copies) for CLI timings.

The documents are `memory_scale.LazyCorpus`'s: each made of four ~625-character pieces of
real offline text (corpus_scale.py's /usr/share/doc, man pages and Python sources), picked
by a deterministic hash of its number, and every 10th a near copy (3 words edited) of an
earlier one. The same N gives the same file on the same machine. One record a line,
`{"id": ..., "text": ...}`; ~2.5 KB of text per document (1,000,000 documents: ~2.6 GB).
Write the files outside the repository:

    .venv/bin/python benchmarks/make_corpus.py --docs 200000 -o /tmp/corpus-200k.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from memory_scale import LazyCorpus, load_pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--chunks", type=int, default=20000, help="real ~2.5 KB chunks in the pool")
    args = parser.parse_args()
    corpus = LazyCorpus(load_pieces(args.chunks), args.docs)
    tmp = Path(args.output + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for doc in corpus:
            fh.write(json.dumps({"id": doc.id, "text": doc.text}, ensure_ascii=False) + "\n")
    tmp.replace(args.output)


if __name__ == "__main__":
    main()
