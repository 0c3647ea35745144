"""The passage search with and without its compiled kernels, side by side in one run.

`dedup._kernel` holds numba kernels for the loops of the passage search (window signatures,
the window-pair estimate gate, and per document pair: regions, chaining of equal-word runs,
snapping to sentences, sentence pairing and containment). Each has a numpy or Python twin,
taken when numba is missing. This runs `find_passages` on `passage_scale.py`'s corpus with
the kernels on and off (each row in a forked child, the two alternating, `--reps` times),
prints CPU seconds and documents per CPU second, and checks that both give the same
passages.

    .venv/bin/python benchmarks/passage_kernels.py --docs 4000 [--reps 2] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from typing import Any

from passage_scale import inject
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, Document, PassageMatch, find_passages
from dedup.signature import _compiled


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _run(docs: list[Document], jobs: int, compiled: bool, conn: Any) -> None:
    """In a forked child: kernels on or off, warm up, then time `find_passages`."""
    _compiled().AVAILABLE = compiled
    find_passages(docs[:100], DedupConfig(), jobs=jobs)  # loads the kernels: not timed
    cpu, wall = _cpu(), time.perf_counter()
    found = find_passages(docs, DedupConfig(), jobs=jobs)
    conn.send((_cpu() - cpu, time.perf_counter() - wall, found))
    conn.close()


def timed(
    docs: list[Document], jobs: int, compiled: bool
) -> tuple[float, float, list[PassageMatch]]:
    """(CPU seconds, wall seconds, passages) of one row, in a forked child."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run, args=(docs, jobs, compiled, send))
    proc.start()
    answer: tuple[float, float, list[PassageMatch]] = recv.recv()
    proc.join()
    return answer


def main() -> None:
    """Build the corpus, time every row, check the passages are the same."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    docs = build_prose_corpus(args.docs, seed=1)
    inject(docs, 0.05, seed=2)  # passage_scale.py's corpus and stories
    print(f"# {len(docs):,} documents of passage_scale.py's corpus; {os.cpu_count()} cores")
    print("| kernels | jobs | CPU s (best) | docs per CPU s | wall s (best) | passages | load |")
    print("|---|---|---|---|---|---|---|")
    for jobs in args.jobs:
        runs: dict[bool, list[tuple[float, float, list[PassageMatch]]]] = {True: [], False: []}
        for _ in range(args.reps):
            for compiled in (False, True):
                runs[compiled].append(timed(docs, jobs, compiled))
        for compiled in (False, True):
            cpu = min(r[0] for r in runs[compiled])
            wall = min(r[1] for r in runs[compiled])
            print(
                f"| {'numba' if compiled else 'numpy/Python'} | {jobs} | {cpu:.1f} | "
                f"{len(docs) / cpu:,.0f} | {wall:.1f} | {len(runs[compiled][0][2]):,} | "
                f"{os.getloadavg()[0]:.1f} |"
            )
        same = all(r[2] == runs[False][0][2] for rs in runs.values() for r in rs)
        print(f"| same passages with and without kernels, jobs={jobs}: {same} | | | | | | |")
        assert same, "the compiled kernels changed the passages"


if __name__ == "__main__":
    main()
