"""Passage scan on machine-written text: licence files and docstrings (bounded reports).

Copyright files repeat the same licence texts hundreds of times, and docstrings repeat
parameter boilerplate; both are real text that a corpus cleaner meets, and both make an
unbounded passage search report every pair of every licence. This builds such a corpus
(every /usr/share/doc/*/copyright file under 200 KB, then docstrings of the standard
library's modules and classes up to `--docs` documents), runs `dedup scan --format json` on
it as a user would (a subprocess, so its time and peak memory are the whole command's), and
prints the time, the report's size and what it holds.

    .venv/bin/python benchmarks/mixed_corpus.py            # ~2,400 documents, --jobs 1
    .venv/bin/python benchmarks/mixed_corpus.py --jobs 2 -- --passage-text full

Targets (issue 11): the whole scan in < 10 s, a report < 20 MB.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import resource
import subprocess
import sys
import sysconfig
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copyright_files(limit: int = 200_000) -> Iterator[tuple[str, str]]:
    """(id, text) of each Debian copyright file, in path order."""
    for path in sorted(Path("/usr/share/doc").glob("*/copyright")):
        try:
            if path.stat().st_size <= limit:
                yield f"copyright/{path.parent.name}", path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


def docstrings(min_chars: int = 150) -> Iterator[tuple[str, str]]:
    """(id, docstring) of standard-library modules, their classes, methods and functions
    (at least `min_chars` characters: 150 gives ~1,600, enough for the 2,400 default)."""
    warnings.simplefilter("ignore")
    skip = ("_", "test", "idlelib", "tkinter", "turtle", "antigravity", "this")
    # The standard library's modules only: the checkout's own (dedup, the benchmark
    # scripts) and the installed packages (a venv inside the checkout or not) differ
    # between the trees compared and would make two builds of "the same" corpus differ.
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for info in sorted(pkgutil.iter_modules(), key=lambda m: m.name):
        where = Path(getattr(info.module_finder, "path", "/")).resolve()
        if info.name.startswith(skip) or not (where == stdlib or stdlib in where.parents):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # any import failure just skips the module
            continue
        for name, obj in sorted(vars(module).items()):
            doc = inspect.getdoc(obj) if inspect.isclass(obj) or inspect.isfunction(obj) else None
            if name == "__doc__":
                doc = obj
            if isinstance(doc, str) and len(doc) >= min_chars:
                yield f"doc/{info.name}.{name}", doc
            if inspect.isclass(obj) and obj.__module__ == info.name:  # and its methods'
                for method, func in sorted(vars(obj).items()):
                    doc = inspect.getdoc(func) if inspect.isfunction(func) else None
                    if isinstance(doc, str) and len(doc) >= min_chars:
                        yield f"doc/{info.name}.{name}.{method}", doc


def build(path: Path, docs: int) -> tuple[int, int]:
    """Write the corpus as JSONL; (documents, bytes of text)."""
    n = size = 0
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, text in (*copyright_files(), *docstrings()):
            if n >= docs:
                break
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
            n += 1
            size += len(text.encode())
    return n, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2400)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/dedup-mixed-corpus.jsonl"))
    parser.add_argument("--report", type=Path, default=Path("/tmp/dedup-mixed-report.json"))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("extra", nargs="*", help="more `dedup scan` options")
    args = parser.parse_args()
    n, size = build(args.corpus, args.docs)
    print(f"corpus: {n:,} documents, {size / 1e6:.1f} MB of text ({args.corpus})")
    command = [
        sys.executable, "-m", "dedup", "scan", str(args.corpus), "--id-field", "id",
        "--format", "json", "-o", str(args.report), "--jobs", str(args.jobs), "-q", *args.extra,
    ]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    report = json.loads(args.report.read_text(encoding="utf-8"))
    passages = report.get("passages", [])
    pairs = {(p["a"]["doc"], p["b"]["doc"]) for p in passages}
    counts = report.get("counts", {})
    print(
        f"dedup scan {' '.join(args.extra)}: {seconds:.1f} s ({cpu:.1f} s of CPU), "
        f"peak RSS {peak:,.0f} MB, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"report: {args.report.stat().st_size / 1e6:.1f} MB, {len(passages):,} passages "
        f"over {len(pairs):,} pairs, {len(report.get('pairs', [])):,} pair rows, "
        f"{len(report.get('duplicates', [])):,} clusters; left out: "
        + ", ".join(
            f"{counts.get(k, 0):,} {k}"
            for k in ("passages_left_out", "pairs_left_out", "pairs_not_listed")
        )
    )


if __name__ == "__main__":
    main()
