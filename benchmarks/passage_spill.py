"""Passage scan in bounded memory: in-memory against spilled, then the spilled path at scale.

The corpus is benchmarks/passage_scale.py's (real prose, wire stories injected, 2 % whole
copies), written to JSONL and read back lazily (`JsonlCorpus`), as `dedup scan` reads a
large local corpus. The prose pool fills ~13,700 documents; past that it is tiled: tile
t > 0 is tile 0 with every lower-case word mapped through a seeded permutation of the
vocabulary (sentence shapes kept, no text shared with other tiles beyond chance), and
stories are injected inside each tile.

Each row runs in its own process, so its peak is its own: peak RSS of the scan process
(`ru_maxrss`), the largest worker's, and the peak PSS of the whole process tree sampled
every second (shared pages counted once), plus wall and CPU time (children included), and
the CPU time to read every passage back once as a `PassageMatch` with its texts (the scan
keeps them as numbers, `dedup.found`; a report reads them).

    .venv/bin/python benchmarks/passage_spill.py --docs 20000 --rows memory spill
    .venv/bin/python benchmarks/passage_spill.py --docs 1000000 --rows spill --budget-gb 12

A `spill` row keeps the candidates its first two stages found (`spill-stages-N/`, hard
links); an `align` row runs the alignment stage alone on them, with the code as it is now.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from passage_scale import inject
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, spill
from dedup.document import document_ids
from dedup.io.readers import DocumentReader
from dedup.passages import find_reuse
from dedup.progress import current_stage

HERE = Path(__file__).resolve().parent
WORD = re.compile(r"\b[a-z]+\b")
WORD_SPLIT = re.compile(r"\b([a-z]+)\b")  # WORD as a group: re.split keeps the words


def tile_maps(docs: list, tiles: int) -> list[dict[str, str]]:
    """A seeded permutation of the lower-case vocabulary per tile (the first: identity)."""
    vocab = sorted({w for d in docs for w in WORD.findall(d.text)})
    maps: list[dict[str, str]] = [{}]
    for t in range(1, tiles):
        shuffled = vocab[:]
        random.Random(t).shuffle(shuffled)
        maps.append(dict(zip(vocab, shuffled, strict=True)))
    return maps


def make_corpus(path: Path, n_docs: int) -> None:
    """`n_docs` documents to `path` (JSONL), tiles of the prose corpus as described above."""
    base = build_prose_corpus(n_docs, seed=1)
    tiles = -(-n_docs // len(base))
    maps = tile_maps(base, tiles)
    written = 0
    pieces = [WORD_SPLIT.split(d.text) for d in base]  # once, not once a tile
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for t, mapping in enumerate(maps):
            docs = [
                d.__class__(f"t{t}-{d.id}", _mapped(p, mapping))
                for d, p in zip(base, pieces, strict=True)
            ]
            inject(docs, 0.05, seed=t + 1)
            for doc in docs[: n_docs - written]:
                out.write(json.dumps({"id": doc.id, "text": doc.text}) + "\n")
            written += min(len(docs), n_docs - written)
    tmp.replace(path)


def _mapped(pieces: list[str], mapping: dict[str, str]) -> str:
    """The text `pieces` (`WORD_SPLIT.split` of it) with each word mapped: words are the
    odd pieces (as `WORD.sub` would map them, without a call per word)."""
    if not mapping:
        return "".join(pieces)
    out = pieces[:]
    out[1::2] = [mapping[w] for w in pieces[1::2]]
    return "".join(out)


def _pss_tree(root: int) -> int:
    """Proportional set size (bytes) of `root` and its descendants."""
    total = 0
    for pid in [root, *_descendants(root)]:
        try:
            with Path(f"/proc/{pid}/smaps_rollup").open() as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for c in map(int, children):
        out += [c, *_descendants(c)]
    return out


def run_row(
    corpus: Path, row: str, jobs: int, budget: int, dump: Path | None, kill_above: int
) -> dict:
    """One scan of `corpus` in this process: its figures (and the passages to `dump`);
    stopped (SIGKILL, its workers with it) when the tree's PSS passes `kill_above`."""
    reader = DocumentReader(id_field="id", jobs=max(2, jobs))
    docs = reader.jsonl_corpus([str(corpus)])
    assert docs is not None
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        last = 0.0
        while not done.wait(1.0):
            now = _pss_tree(os.getpid())
            peak[0] = max(peak[0], now)
            if now > kill_above:
                print(f"stopped: tree PSS {now / 2**30:.1f} GB", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            if time.perf_counter() - last >= 60:
                last = time.perf_counter()
                gb, top = now / 2**30, peak[0] / 2**30
                took = time.perf_counter() - t0
                print(f"{took:7.0f} s  {current_stage():45} PSS {gb:5.2f} GB (peak {top:5.2f})",
                      flush=True)  # fmt: skip

    t0, c0 = time.perf_counter(), _cpu()
    threading.Thread(target=watch, daemon=True).start()
    limit = 0 if row == "memory" else budget
    stages = HERE / f"spill-stages-{len(docs)}"
    if row == "align":  # stage 3 alone, on the candidates a `spill` row kept
        files, groups = _load_stages(stages)
        reuse = spill._align(docs, files, groups, DedupConfig(), budget, jobs, None, None)
    else:
        if row == "spill":
            spill._align = partial(_keep_stages, stages, spill._align)
        reuse = find_reuse(docs, DedupConfig(), jobs=jobs, memory_limit=limit, tmp_dir=str(HERE))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    done.set()
    c1 = _cpu()
    for _ in reuse.passages:  # each PassageMatch made once, texts included, as a report does
        pass
    read = _cpu() - c1
    if dump is not None:
        _dump(reuse, document_ids(docs), dump)
    return {
        "row": row,
        "docs": len(docs),
        "jobs": jobs,
        "budget_gb": round(budget / 2**30, 2),
        "passages": len(reuse.passages),
        "pairs_left_out": reuse.pairs_left_out,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "maxrss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "worker_maxrss_gb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, 2
        ),
        "tree_pss_gb": round(peak[0] / 2**30, 2),
        "read_back_cpu_s": round(read, 1),
    }


def _dump(reuse: Any, ids: Any, path: Path) -> None:
    """The passages as lines of ids, offsets and similarity (from their numbers: no text
    is read), then the counts left out."""
    rows = reuse.passages.rows
    with path.open("w") as f:
        for lo in range(0, len(rows), 65536):  # a million tuples at once would be ~0.3 GB
            for a, b, a0, a1, b0, b1, sim, *_ in rows[lo : lo + 65536].tolist():
                f.write(f"{ids[a]} {a0} {a1} {ids[b]} {b0} {b1} {sim!r}\n")
        f.write(f"left_out {sorted(reuse.left_out.items())} {reuse.pairs_left_out}\n")


def _keep_stages(folder: Path, align: Callable[..., Any], docs: Any, files: list[Path],
                 groups: list[tuple[Any, ...]], *rest: Any) -> Any:  # fmt: skip
    """Stage 3 of `spill_reuse`, after hard-linking the candidates of stages 1-2 into
    `folder`, so that an `align` row can run stage 3 again without the hours before it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for path in files:
        os.link(path, folder / path.name)
    arrays = {f"{k}-{i}": g[k] for i, g in enumerate(groups) for k in range(3)}
    np.savez(folder / "groups.npz", **arrays)
    (folder / "files.txt").write_text("\n".join(p.name for p in files))
    return align(docs, files, groups, *rest)


def _load_stages(folder: Path) -> tuple[list[Path], list[tuple[Any, ...]]]:
    names = (folder / "files.txt").read_text().split("\n")
    with np.load(folder / "groups.npz") as saved:  # int32, as `spill._gate_blocks` keeps them
        groups = [
            tuple(spill._narrow(saved[f"{k}-{i}"]) for k in range(3)) for i in range(len(names))
        ]
    return [folder / n for n in names], groups


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Make the corpus once, then run each row in a fresh process and compare passages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--rows", nargs="+", default=["memory", "spill"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budget-gb", type=float, default=2.0)
    parser.add_argument("--kill-above-gb", type=float, default=15.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a row, run by the parent
    args = parser.parse_args()
    corpus = HERE / f"spill-corpus-{args.docs}.jsonl"
    budget = int(args.budget_gb * 2**30)
    if args.one:
        dump = HERE / f"spill-{args.one}-{args.docs}.txt"
        kill = int(args.kill_above_gb * 2**30)
        print(json.dumps(run_row(corpus, args.one, args.jobs, budget, dump, kill)), flush=True)
        return
    if not corpus.exists():
        t0 = time.perf_counter()
        make_corpus(corpus, args.docs)
        print(f"corpus: {args.docs:,} documents in {time.perf_counter() - t0:.0f} s", flush=True)
    for row in args.rows:
        cmd = [sys.executable, __file__, "--docs", str(args.docs), "--jobs", str(args.jobs),
               "--budget-gb", str(args.budget_gb), "--kill-above-gb", str(args.kill_above_gb),
               "--one", row]  # fmt: skip
        subprocess.run(cmd, check=True)
    dumps = [HERE / f"spill-{row}-{args.docs}.txt" for row in args.rows]
    if len(dumps) > 1:
        same = len({d.read_bytes() for d in dumps}) == 1
        print(f"passages and counts identical across rows: {same}", flush=True)


if __name__ == "__main__":
    main()
