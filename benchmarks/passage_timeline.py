"""Where the wall time of `find_passages(jobs=N)` goes: each stage's main-process CPU, its
workers' CPU and the waits of either side, for the critical path of a parallel scan.

On a busy machine wall times say little, but CPU does: the main process's CPU outside the
workers' tasks is serial work the workers wait for, and a stage's tail (one worker still
busy, the others done) is where its cores idle. Each round runs in a forked child (kernels
loaded, pools started and results read as in a real run) and prints, per stage: the wall
span, the main process's CPU (all its threads: the pool's result thread unpickles there),
the workers' task CPU, their start-up CPU, and the tail. With `--digest` it also prints the
sha256 of the passages for jobs 1 and `--jobs`, to check two trees give the same output:

    PYTHONPATH=. .venv/bin/python benchmarks/passage_timeline.py --docs 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from passage_scale import inject, isolated
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, Document, PassageMatch, find_passages
from dedup import candidates as C
from dedup import passages as P


def cpu_self() -> float:
    """CPU seconds of this process, every thread (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children() -> float:
    """CPU seconds of this process's reaped children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@dataclass
class Stage:
    """One stage of the main process: wall and CPU at its start and end."""

    name: str
    wall: list[float] = field(default_factory=list)
    main: list[float] = field(default_factory=list)
    children: list[float] = field(default_factory=list)

    def mark(self) -> None:
        self.wall.append(time.perf_counter())
        self.main.append(cpu_self())
        self.children.append(cpu_children())


_STAGES: list[Stage] = []
_LOG_DIR = ""


def _logged(func: Callable[[Any, Any], Any], stage: str, shared: Any, task: Any) -> Any:
    """`func(shared, task)` in a worker, its wall span and CPU appended to this worker's log."""
    wall0, cpu0 = time.perf_counter(), cpu_self()
    out = func(shared, task)
    wall1, cpu1 = time.perf_counter(), cpu_self()
    with open(os.path.join(_LOG_DIR, f"{os.getpid()}.log"), "a", encoding="utf-8") as fh:
        fh.write(f"{stage}\t{wall0}\t{wall1}\t{cpu1 - cpu0}\t{cpu1}\n")
    return out


def _stage_name(func: Any) -> str:
    inner = func.func if isinstance(func, partial) else func
    return str(getattr(inner, "__name__", "task"))


def _timed_map(real: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """`map_shared` that marks its stage in the main process and logs its tasks."""

    def timed(func: Any, shared: Any, tasks: Sequence[Any], *, jobs: int = 1) -> Iterator[Any]:
        name = _stage_name(func)
        stage = Stage(f"map {name} ({len(tasks)} tasks)")
        _STAGES.append(stage)
        stage.mark()
        yield from real(partial(_logged, func, name), shared, tasks, jobs=jobs)
        stage.mark()

    return timed


def _timed_call(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        stage = Stage(name)
        _STAGES.append(stage)
        stage.mark()
        out = real(*args, **kwargs)
        stage.mark()
        return out

    return timed


def instrument() -> None:
    """Wrap the stages of the passage search (in this process only: a forked child)."""
    P.map_shared = _timed_map(P.map_shared)  # type: ignore[assignment]
    C.map_shared = _timed_map(C.map_shared)  # type: ignore[assignment]
    P._load_kernels = _timed_call("load kernels", P._load_kernels)  # type: ignore[assignment]
    P.candidate_pairs = _timed_call("candidate_pairs (all)", P.candidate_pairs)  # type: ignore[assignment]
    P.strongest_partners = _timed_call("strongest_partners", P.strongest_partners)  # type: ignore[assignment]
    P.find_reuse = _timed_call("find_reuse (all)", P.find_reuse)  # type: ignore[assignment]


def worker_log(log_dir: str) -> list[tuple[int, str, float, float, float]]:
    """(worker, stage, wall start, wall end, task CPU) of every logged task."""
    rows = []
    for path in Path(log_dir).glob("*.log"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stage, w0, w1, cpu, _ = line.split("\t")
            rows.append((int(path.stem), stage, float(w0), float(w1), float(cpu)))
    return rows


def one_round(docs: list[Document], jobs: int) -> dict[str, Any]:
    """In this (forked) process: find_passages(docs, jobs) instrumented; the breakdown."""
    global _LOG_DIR
    _LOG_DIR = tempfile.mkdtemp(prefix="dedup-timeline-")
    instrument()
    whole = Stage("find_passages")
    whole.mark()
    passages = find_passages(docs, DedupConfig(), jobs=jobs)
    whole.mark()
    tasks = worker_log(_LOG_DIR)
    for path in Path(_LOG_DIR).glob("*.log"):
        path.unlink()
    os.rmdir(_LOG_DIR)
    return {"whole": whole, "stages": list(_STAGES), "tasks": tasks, "passages": len(passages)}


def report(result: dict[str, Any], n_docs: int) -> None:
    """Print one round's breakdown."""
    whole: Stage = result["whole"]
    t0 = whole.wall[0]
    wall = whole.wall[1] - t0
    main_cpu = whole.main[1] - whole.main[0]
    kids = whole.children[1] - whole.children[0]
    task_cpu = sum(t[4] for t in result["tasks"])
    print(
        f"  find_passages: wall {wall:.2f} s ({n_docs / wall:,.0f} docs/s), main CPU "
        f"{main_cpu:.2f} s, workers CPU {kids:.2f} s (tasks {task_cpu:.2f}, "
        f"start-up/exit {kids - task_cpu:.2f}), passages {result['passages']:,}"
    )
    print(f"  {'stage':44} {'from':>6} {'wall':>6} {'main':>6} {'wrk':>6} {'tasks':>6} {'tail':>6}")
    for st in result["stages"]:
        if len(st.wall) < 2:
            continue
        key = st.name.split()[1] if st.name.startswith("map ") else None
        mine = [t for t in result["tasks"] if t[1] == key and st.wall[0] <= t[2] <= st.wall[1]]
        tasks = sum(t[4] for t in mine)
        ends: dict[int, float] = {}
        for pid, _, _, w1, _ in mine:
            ends[pid] = max(ends.get(pid, 0.0), w1)
        tail = max(ends.values()) - min(ends.values()) if len(ends) > 1 else 0.0
        print(
            f"  {st.name:44} {st.wall[0] - t0:6.2f} {st.wall[1] - st.wall[0]:6.2f} "
            f"{st.main[1] - st.main[0]:6.2f} {st.children[1] - st.children[0]:6.2f} "
            f"{tasks:6.2f} {tail:6.2f}"
        )
    reuse = [s for s in result["stages"] if s.name == "find_reuse (all)"]
    if reuse:
        r = reuse[-1]
        print(
            f"  after find_reuse (list of PassageMatch): wall {whole.wall[1] - r.wall[1]:.2f}, "
            f"main CPU {whole.main[1] - r.main[1]:.2f}"
        )


def digest(passages: list[PassageMatch]) -> str:
    """sha256 of the passages' repr (texts, offsets, similarity, words, kind, overlap)."""
    return hashlib.sha256(repr(passages).encode()).hexdigest()[:16]


def corpus(n_docs: int) -> list[Document]:
    """benchmarks/passage_scale.py's corpus (same seeds), cached under /tmp."""
    cache = Path(tempfile.gettempdir()) / f"dedup-timeline-corpus-{n_docs}.pickle.gz"
    if cache.exists():
        with gzip.open(cache, "rb") as fh:
            docs: list[Document] = pickle.load(fh)
        return docs
    docs = build_prose_corpus(n_docs, seed=1)
    inject(docs, 0.05, seed=2)
    with gzip.open(cache, "wb") as fh:
        pickle.dump(docs, fh)
    return docs


def main() -> None:
    """Rounds of the instrumented search, then (with --digest) the output digests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--digest", action="store_true", help="also digest jobs 1 and --jobs")
    args = parser.parse_args()
    docs = corpus(args.docs)
    print(f"# {len(docs):,} documents, jobs={args.jobs}, dedup from {P.__file__}")
    for k in range(args.rounds):
        print(f"round {k + 1}:")
        report(isolated(partial(one_round, docs, args.jobs))[1], len(docs))
    if args.digest:
        for jobs in sorted({1, args.jobs}):
            _, found, _ = isolated(partial(lambda j: digest(find_passages(docs, jobs=j)), jobs))
            print(f"digest jobs={jobs}: {found}")


if __name__ == "__main__":
    main()
