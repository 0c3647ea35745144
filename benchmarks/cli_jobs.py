"""`--jobs 2` against `--jobs 1`: the documents-only CLI scan and clean, end to end.

Runs `dedup scan FILE --no-passages --no-boilerplate` and `dedup clean FILE
--no-boilerplate` (near-duplicates only) as fresh processes from a JSONL file (made by
`make_corpus.py`), alternating `--jobs 1` and `--jobs 2` so that both see the same machine,
`--repeat` times each. Prints the wall time of every run, the best and median per setting,
the speed-up (best over best, and median over median), the load average before each run,
and whether the two settings wrote byte-identical output (they must).

Each run also reports its CPU time split: the main process's (`getrusage(RUSAGE_SELF)`) and
its workers' (`RUSAGE_CHILDREN`). On a machine shared with other jobs, wall times say little
about idle cores; the split does. The summary's "bound" is the `--jobs 1` CPU time over
`main + workers / 2` of `--jobs 2` (medians): the speed-up two idle cores would give if
the main process's CPU time were all serial and the workers' all parallel.

    .venv/bin/python benchmarks/make_corpus.py --docs 200000 -o /tmp/corpus-200k.jsonl
    .venv/bin/python benchmarks/cli_jobs.py /tmp/corpus-200k.jsonl --repeat 3
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the CLI in this process, then prints the CPU split on stderr (see the docstring).
_SPLIT = """
import resource, sys
from dedup.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="dedup")
except SystemExit as ex:
    code = ex.code
else:
    code = 0
me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print("cpu", me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, file=sys.stderr)
sys.exit(code)
"""


def _command(kind: str, corpus: str, jobs: int, out: Path) -> list[str]:
    base = [sys.executable, "-c", _SPLIT, kind, corpus, "--jobs", str(jobs), "-q"]
    if kind == "scan":
        return [*base, "--no-passages", "--no-boilerplate", "--format", "json", "-o", str(out)]
    return [*base, "--no-boilerplate", "-o", str(out)]


def _same(a: Path, b: Path) -> bool:
    if a.is_file():
        return filecmp.cmp(a, b, shallow=False)
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def run(kind: str, corpus: str, repeat: int, work: Path) -> None:
    """Alternate --jobs 1 and --jobs 2 `repeat` times and print one line per run and a summary."""
    times: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    outs = {j: work / f"{kind}-jobs{j}" for j in (1, 2)}
    for k in range(repeat):
        for jobs in (1, 2) if k % 2 == 0 else (2, 1):
            out = outs[jobs]
            if out.is_dir():
                shutil.rmtree(out)
            load = os.getloadavg()[0]
            start = time.perf_counter()
            done = subprocess.run(
                _command(kind, corpus, jobs, out), check=True, stderr=subprocess.PIPE, text=True
            )
            times[jobs].append(time.perf_counter() - start)
            line = done.stderr.strip().splitlines()[-1].split()
            cpu[jobs].append((float(line[1]), float(line[2])))
            main, workers = cpu[jobs][-1]
            print(
                f"{kind} --jobs {jobs}: {times[jobs][-1]:.2f} s (load before {load:.2f}); "
                f"CPU s: main {main:.2f}, workers {workers:.2f}",
                flush=True,
            )
    best = {j: min(t) for j, t in times.items()}
    median = {j: statistics.median(t) for j, t in times.items()}
    main = {j: statistics.median(m for m, _ in c) for j, c in cpu.items()}
    workers = {j: statistics.median(w for _, w in c) for j, c in cpu.items()}
    bound = (main[1] + workers[1]) / (main[2] + workers[2] / 2)
    print(
        f"| {kind} | {Path(corpus).name} | {best[1]:.2f} / {median[1]:.2f} | "
        f"{best[2]:.2f} / {median[2]:.2f} | {best[1] / best[2]:.2f}x / "
        f"{median[1] / median[2]:.2f}x | identical: {_same(outs[1], outs[2])} |",
        flush=True,
    )
    print(
        f"  CPU s (median): --jobs 1 {main[1] + workers[1]:.2f}; --jobs 2 main {main[2]:.2f} "
        f"+ workers {workers[2]:.2f}; bound on two idle cores {bound:.2f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="a JSONL file (benchmarks/make_corpus.py)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["scan", "clean"], default=None)
    args = parser.parse_args()
    print(f"# {os.cpu_count()} cores; load average now {os.getloadavg()}")
    print("| command | corpus | --jobs 1 s (best / median) | --jobs 2 s | speed-up | output |")
    with tempfile.TemporaryDirectory(prefix="dedup-jobs-") as work:
        for kind in ("scan", "clean"):
            if args.only in (None, kind):
                run(kind, args.corpus, args.repeat, Path(work))


if __name__ == "__main__":
    main()
