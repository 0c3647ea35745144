"""Corpus boilerplate evidence at scale: many tiny documents that all share one footer line.

The line recurs in every document of the one site, so `corpus_repeat` looks up its carriers
once per document; the time must grow linearly with the number of documents.

    .venv/bin/python benchmarks/boilerplate_corpus_scale.py --docs 10000 20000 40000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup import Document, detect_boilerplate
from dedup.config import BoilerplateConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10000, 20000, 40000])
    parser.add_argument("--preset", default="rules")
    args = parser.parse_args()
    print("| documents | preset | seconds | lines reported |")
    print("|---:|---|---:|---:|")
    for n in args.docs:
        docs = [
            Document(f"d{i}", f"Story {i} says something about topic {i * 7} today.\n"
                     "Shared footer line for everyone")
            for i in range(n)
        ]  # fmt: skip
        t0 = time.perf_counter()
        found = detect_boilerplate(docs, BoilerplateConfig(preset=args.preset))
        print(f"| {n:,} | {args.preset} | {time.perf_counter() - t0:.1f} | {len(found):,} |")


if __name__ == "__main__":
    main()
