"""Peak memory of boilerplate detection per character of text, measured for real.

Two kinds of input, each run in a fresh process: ONE long document of `--mb` megabytes
(non-news text, benchmarks/data/nonnews.jsonl.gz: man pages, licences, READMEs, docstrings,
joined end to end, as a user's one big text file), and a corpus of the `--files` largest
non-news documents (the trial's `dedup clean` of 640 licence and README files).

Memory is the growth of the process's peak RSS (VmHWM) over its RSS once the text is
built, the lexicon and model are loaded, and the freed heap is handed back to the OS; it
is divided by the characters judged. The documents themselves are in the baseline.

    .venv/bin/python benchmarks/boilerplate_memory.py --mb 1 8 --files 640
"""

from __future__ import annotations

import argparse
import ctypes
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from memory_scale import _reset_peak, _status  # noqa: E402

from dedup.boilerplate import detect_boilerplate  # noqa: E402
from dedup.config import BoilerplateConfig  # noqa: E402
from dedup.document import Document  # noqa: E402

NONNEWS = ROOT / "benchmarks" / "data" / "nonnews.jsonl.gz"


def _texts() -> list[str]:
    with gzip.open(NONNEWS, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def one_document(mb: float) -> list[Document]:
    """One document of about `mb` million characters of non-news text."""
    texts, parts, size, k = _texts(), [], 0, 0
    while size < mb * 1e6:
        parts.append(texts[k % len(texts)])
        size += len(parts[-1]) + 1
        k += 1
    return [Document("big", "\n".join(parts)[: int(mb * 1e6)])]


def largest_files(count: int) -> list[Document]:
    """The `count` largest non-news documents, each its own file."""
    texts = sorted(_texts(), key=len, reverse=True)[:count]
    return [Document(f"f{k}", text) for k, text in enumerate(texts)]


def measure(docs: list[Document], preset: str) -> str:
    """Detect once after a baseline; one tab-separated result line."""
    config = BoilerplateConfig(preset=preset)  # type: ignore[arg-type]
    detect_boilerplate([Document("w", "Home\nShare this article")], config)  # load everything
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    if not _reset_peak():
        sys.exit("cannot reset the peak RSS (/proc/self/clear_refs): Linux only")
    base = _status("VmRSS")
    start = time.perf_counter()
    found = detect_boilerplate(docs, config, jobs=1)
    seconds = time.perf_counter() - start
    peak = _status("VmHWM")
    chars = sum(len(d.text) for d in docs)
    return (
        f"{len(docs)}\t{chars:,}\t{(peak - base) / chars:.1f}\t{base / 2**20:.0f}\t"
        f"{peak / 2**20:.0f}\t{seconds:.1f}\t{len(found)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="*", default=[1.0, 8.0])
    parser.add_argument("--files", type=int, nargs="*", default=[640])
    parser.add_argument("--preset", default="news")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, size = args.one
        docs = one_document(float(size)) if kind == "mb" else largest_files(int(size))
        print(measure(docs, args.preset), flush=True)
        return
    print(f"# preset {args.preset}; peak RSS growth over the baseline, one process per row")
    print("| input | documents | characters | bytes/char | base MB | peak MB | seconds | found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    runs = [("mb", str(m), f"one document of {m:g} MB") for m in args.mb]
    runs += [("files", str(n), f"the {n} largest non-news files") for n in args.files]
    for kind, size, label in runs:
        cmd = [sys.executable, __file__, "--one", kind, size, "--preset", args.preset]
        line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        print(f"| {label} | " + " | ".join(line.strip().split("\t")) + " |", flush=True)


if __name__ == "__main__":
    main()
