"""Peak memory per document of the documents-only near-duplicate stage, measured for real.

`find_duplicates(docs, DedupConfig(passages=False))` runs on N documents (1,000,000 by
default) that are built on demand: a lazy `Sequence[Document]` makes document i from four
~625-character pieces of real offline text (benchmarks/corpus_scale.py's corpus), picked
by a deterministic hash of i, so every document is distinct while the texts held in memory
stay a fixed pool of a few tens of MB. A known share of documents are near-copies (a few
words edited) of an earlier document, so verification actually runs.

Memory is the growth of the process's peak RSS (VmHWM) over its RSS at a baseline taken
after the pool is loaded, the signature kernel compiled, the freed heap returned to the OS
(`malloc_trim`, so the run cannot hide in memory freed earlier) and the peak reset
(/proc/self/clear_refs); each size runs in a fresh process. With `--tracemalloc` the peak of
Python-tracked allocations (numpy arrays included) is reported too (slower).

    .venv/bin/python benchmarks/memory_scale.py --docs 100000 1000000
"""

from __future__ import annotations

import argparse
import ctypes
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus_scale import build_corpus

from dedup.cluster import find_duplicates
from dedup.config import DedupConfig
from dedup.document import Document, LazySequence

PIECES = 4  # pieces per document: sharing one piece gives Jaccard ~1/7, far below 0.8
MASK = (1 << 64) - 1
EDITS = ("edited", "changed", "", "extra words")


def _mix(i: int, k: int) -> int:
    """A deterministic pseudo-random 64-bit number for (document i, slot k): splitmix64."""
    x = (i * 1024 + k + 1) * 0x9E3779B97F4A7C15 & MASK
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & MASK
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & MASK
    return x ^ (x >> 31)


class LazyCorpus(LazySequence[Document]):
    """N distinct documents built on demand from a pool of real-text pieces.

    Every `copy_every`-th document is a near-copy of an earlier one: the same pieces with
    `edits` words replaced, so its word-5-gram Jaccard to the original is about 0.9.
    """

    def __init__(self, pieces: list[str], n: int, copy_every: int = 10, edits: int = 3) -> None:
        self.pieces = pieces
        self.n = n
        self.copy_every = copy_every
        self.edits = edits

    def __len__(self) -> int:
        return self.n

    def _item(self, i: int) -> Document:
        if not -self.n <= i < self.n:
            raise IndexError(i)
        i %= self.n
        if self.is_copy(i):
            src = self.source(i)
            words = self._text(src).split(" ")
            for k in range(self.edits):
                words[_mix(i, 100 + k) % len(words)] = EDITS[k % len(EDITS)]
            return Document(f"c{i}_d{src}", " ".join(words))
        return Document(f"d{i}", self._text(i))

    def __iter__(self) -> Iterator[Document]:
        return (self[i] for i in range(self.n))

    def is_copy(self, i: int) -> bool:
        """Whether document i is an injected near-copy."""
        return i % self.copy_every == self.copy_every - 1

    def source(self, i: int) -> int:
        """The original a near-copy was made from (an earlier non-copy)."""
        src = max(0, i - 1 - _mix(i, 99) % 1000)
        return src - 1 if self.is_copy(src) else src

    def _text(self, i: int) -> str:
        return " ".join(self.pieces[_mix(i, k) % len(self.pieces)] for k in range(PIECES))


def load_pieces(chunks: int) -> list[str]:
    """Real ~2.5 KB chunks cut into PIECES pieces at spaces."""
    docs, _ = build_corpus(chunks, 0.0, seed=7)
    pieces = []
    for doc in docs:
        text = doc.text
        cuts = [0] + [text.find(" ", len(text) * k // PIECES) for k in range(1, PIECES)]
        cuts = [c for c in cuts if c >= 0] + [len(text)]
        pieces += [text[a:b].strip() for a, b in pairwise(cuts)]
    return [p for p in pieces if len(p.split()) >= 20]


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    msg = f"{field} not in /proc/self/status"
    raise RuntimeError(msg)


def _reset_peak() -> bool:
    """Reset the kernel's peak RSS (VmHWM) to the current RSS; False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(n: int, chunks: int, trace: bool) -> None:
    """Run find_duplicates once on n lazy documents and print one result line."""
    pieces = load_pieces(chunks)
    corpus = LazyCorpus(pieces, n)
    config = DedupConfig(passages=False)
    find_duplicates(LazyCorpus(pieces, 200), config)  # compile the kernel before the baseline
    # Hand the heap freed after loading back to the OS, or the run would reuse it unseen.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    if not _reset_peak():  # the earlier peak (loading the pool) would hide the run's
        sys.exit("cannot reset the peak RSS (/proc/self/clear_refs): Linux only")
    base = _status("VmRSS")
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = find_duplicates(corpus, config)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    peak = _status("VmHWM")
    copies = sum(1 for i in range(n) if corpus.is_copy(i))
    found = sum(len(c.members) for c in result.clusters)
    print(
        f"{n}\t{(peak - base) / n:.0f}\t{traced / n:.0f}\t{base / 2**20:.0f}\t"
        f"{peak / 2**20:.0f}\t{seconds:.1f}\t{copies}\t{found}\t{len(pieces)}\t{result.counts}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--chunks", type=int, default=20000, help="real ~2.5 KB chunks in the pool")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace allocations")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure(args.docs[0], args.chunks, args.tracemalloc)
        return
    print(
        "| documents | peak RSS growth, bytes/doc | tracemalloc peak, bytes/doc | "
        "baseline RSS MB | peak RSS MB | seconds | injected copies | members found | "
        "pool pieces | counts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.docs:
        cmd = [sys.executable, __file__, "--one", "--docs", str(n), "--chunks", str(args.chunks)]
        if args.tracemalloc:
            cmd.append("--tracemalloc")
        line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        fields = line.strip().splitlines()[-1].split("\t")
        if not args.tracemalloc:
            fields[2] = "-"
        print("| " + " | ".join(fields) + " |", flush=True)


if __name__ == "__main__":
    main()
