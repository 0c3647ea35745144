"""Boilerplate detection speed on ~2.5 KB documents, one core: the line model beside the rules.

Documents are real extractor output (benchmarks/data/webpage_lines.jsonl.gz, every split and
extractor) cut at line breaks into pieces of about 2,500 characters, so they carry real
furniture. Both rows run in this process, one after the other, on the same documents
(`jobs=1`, a single core), so their ratio is the reliable number. The CPU columns are the
process's CPU time: on a shared machine, wall-clock time also counts other jobs' turns.

Consecutive pieces are often the same page as another extractor saw it (the file holds
each page once per extractor), so many lines recur, as furniture and mirrored pages recur
in a corpus; `--one-per-page` keeps one extractor's output of each page instead.

    .venv/bin/python benchmarks/boilerplate_speed.py [--docs 5000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.boilerplate import detect_boilerplate  # noqa: E402
from dedup.config import BoilerplateConfig  # noqa: E402
from dedup.document import Document  # noqa: E402

LINES = ROOT / "benchmarks" / "data" / "webpage_lines.jsonl.gz"


def documents(count: int, size: int = 2500, *, one_per_page: bool = False) -> list[Document]:
    """About `count` documents of ~`size` characters cut from real extractor output (with
    `one_per_page`, from the first extractor's output of each page only)."""
    out: list[Document] = []
    pages: set[str] = set()
    with gzip.open(LINES, "rt", encoding="utf-8") as fh:
        for row in map(json.loads, fh):
            if one_per_page and row["page"] in pages:
                continue
            pages.add(row["page"])
            piece: list[str] = []
            chars = 0
            for line in row["text"].split("\n"):
                piece.append(line)
                chars += len(line) + 1
                if chars >= size:
                    out.append(_doc(row, len(out), piece))
                    piece, chars = [], 0
            if piece and chars > size // 2:
                out.append(_doc(row, len(out), piece))
            if len(out) >= count:
                return out[:count]
    return out


def _doc(row: dict, n: int, lines: list[str]) -> Document:
    return Document(f"d{n}", "\n".join(lines), row["url"], {"site": row["site"]})


def timed(docs: list[Document], *, preset: str) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds of one run, and the lines it reported."""
    config = BoilerplateConfig(site_field="site", preset=preset)
    detect_boilerplate(docs[:50], config)  # warm-up: lexicon, model, regexes
    t0, c0 = time.perf_counter(), time.process_time()
    found = detect_boilerplate(docs, config, jobs=1)
    return time.perf_counter() - t0, time.process_time() - c0, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--one-per-page", action="store_true", help="no page twice")
    args = parser.parse_args()
    docs = documents(args.docs, one_per_page=args.one_per_page)
    chars = sum(len(d.text) for d in docs) / len(docs)
    print(f"# {len(docs):,} documents, {chars:,.0f} chars/doc, jobs=1 (one core)")
    print("| detector | seconds | docs/s | CPU seconds | docs/s of CPU | lines reported |")
    print("|---|---:|---:|---:|---:|---:|")
    rates = {}
    for name, preset in (("line model (default)", "news"), ("rules only", "rules")):
        seconds, cpu, found = timed(docs, preset=preset)
        rates[name] = len(docs) / cpu
        print(
            f"| {name} | {seconds:.2f} | {len(docs) / seconds:,.0f} | {cpu:.2f} | "
            f"{rates[name]:,.0f} | {found:,} |"
        )
    ratio = rates["line model (default)"] / rates["rules only"]
    print(f"\nline model / rules speed ratio (CPU): {ratio:.2f}")


if __name__ == "__main__":
    main()
