"""Local engine vs Spark `local[2]`: wall time and peak memory of the scan.

Writes N documents (memory_scale.py's lazy corpus: real-text pieces, every 10th document a
near copy of an earlier one) as JSONL shards, then runs `dedup scan DIR --no-passages
--no-boilerplate --format json` (with `--passages`: `dedup scan DIR --no-boilerplate`, shared
passages too; with `--boilerplate`: `dedup scan DIR --no-passages --site-field site` over the
same documents cut into lines, each on one of 40 sites with its site's header and footer
lines, and every 7th with a cut-off teaser of another document's opening) once per engine,
each in a fresh process, and checks the two reports are equal. Peak memory is the largest
sum of RSS over the process tree (the CLI, and for Spark its JVM and Python workers),
sampled every 0.2 s.

    .venv/bin/python benchmarks/spark_scale.py --docs 200000 --workdir /tmp/spark-scale
    .venv/bin/python benchmarks/spark_scale.py --docs 20000 --passages
    .venv/bin/python benchmarks/spark_scale.py --docs 2000 20000 --boilerplate
    .venv/bin/python benchmarks/spark_scale.py --docs 5000 --clean

With `--clean`: `dedup clean DIR -o OUT --site-field site` of the boilerplate pages instead
(near-duplicates and boilerplate), and the check that the Spark parts hold the local
output's records in order, its rejects and its removed lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from memory_scale import LazyCorpus, load_pieces

SHARDS = 8


def write_corpus(n: int, out: Path, chunks: int, *, boilerplate: bool = False) -> Path:
    """N documents in SHARDS JSONL files under out/corpus-N (kept for reruns); with
    `boilerplate`, as pages of sites (`page`), under out/corpus-N-boilerplate."""
    folder = out / (f"corpus-{n}-boilerplate" if boilerplate else f"corpus-{n}")
    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    corpus = LazyCorpus(load_pieces(chunks), n)
    per = -(-n // SHARDS)
    for s in range(SHARDS):
        with (folder / f"part-{s:02d}.jsonl").open("w", encoding="utf-8") as fh:
            for i in range(s * per, min(n, (s + 1) * per)):
                doc = corpus[i]
                record = {"id": doc.id, "text": doc.text}
                if boilerplate:
                    record = page(corpus, i)
                fh.write(json.dumps(record) + "\n")
    (folder / "done").write_text("")
    return folder


SITES = 40
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-Z])")


def page(corpus: LazyCorpus, i: int) -> dict[str, str]:
    """Document i as a site's page: a dated header, its text a sentence a line, the site's
    footer lines (a share prompt, a follow line, a copyright line), and on every 7th page
    a related-stories teaser cut from another document's opening."""
    site = f"site{i % SITES}"
    lines = [f"{site.title()} News | Updated {1 + i % 28} March 2024"]
    lines += _SENTENCE_END.split(corpus[i].text)
    if i % 7 == 3:
        other = " ".join(corpus[(i * 13 + 5) % len(corpus)].text.split()[:9])
        lines += ["Related stories", f"{other}…"]
    lines += ["Share this article", f"Follow {site} on Twitter for more news"]
    lines.append(f"Copyright 2024 {site.title()} Media Group. All rights reserved.")
    return {"id": corpus[i].id, "site": site, "text": "\n".join(lines)}


def _tree(pid: int) -> tuple[int, dict[int, float]]:
    """RSS in bytes of a process and all its descendants, and each one's CPU seconds."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    total, todo, mine = 0, [pid], {}
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        mine[p] = cpu.get(p, 0.0)
        todo.extend(children.get(p, []))
    return total, mine


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, peak tree RSS and CPU seconds of one command: the CPU of every process
    of its tree as last sampled (each loses at most its last 0.2 s), which on shared cores
    says more than the wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env)
    peak, cpu = 0, {}
    while proc.poll() is None:
        rss, seen = _tree(proc.pid)
        peak = max(peak, rss)
        cpu.update(seen)
        time.sleep(0.2)
    if proc.returncode:
        sys.exit(f"{' '.join(args)} failed with exit code {proc.returncode}")
    return time.perf_counter() - start, peak, sum(cpu.values())


STAGES = """
import json, sys
from dedup.config import DedupConfig
from dedup.engines.spark import scan_files
from dedup.config import BoilerplateConfig
kind = sys.argv[3]
config = DedupConfig(
    passages=kind == "passages",
    find_boilerplate=kind == "boilerplate",
    boilerplate=BoilerplateConfig(site_field="site" if kind == "boilerplate" else None),
)
got = scan_files([sys.argv[1]], config, id_field="id", master=sys.argv[2])
print(json.dumps({"seconds": got.seconds, "sizes": got.sizes}))
"""


def stages(
    corpus: Path, master: str, env: dict[str, str], kind: str
) -> dict[str, dict[str, float]]:
    """Seconds per Spark stage (and sizes) of one more run, through the API."""
    args = [sys.executable, "-c", STAGES, str(corpus), master, kind]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[200_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dedup-spark-scale"))
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the local engine")
    parser.add_argument("--stages", action="store_true", help="also time each Spark stage")
    parser.add_argument("--passages", action="store_true", help="find shared passages too")
    parser.add_argument(
        "--boilerplate", action="store_true", help="boilerplate of pages of sites, no passages"
    )
    parser.add_argument(
        "--clean", action="store_true", help="clean the boilerplate pages, compare the records"
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        default=["local", "spark"],
        help="spark alone compares with the local report an earlier run left in --workdir",
    )
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"
    if args.clean:
        print("| documents | engine | seconds | CPU seconds | peak RSS (process tree) | records |")
        print("|---|---|---|---|---|---|")
        for n in args.docs:
            clean(n, args, env)
        return
    print(
        "| documents | engine | seconds | CPU seconds | peak RSS (process tree) | clusters "
        "| passages | boilerplate lines | same report |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    kind = "passages" if args.passages else "boilerplate" if args.boilerplate else "documents"
    for n in args.docs:
        corpus = write_corpus(n, args.workdir, args.chunks, boilerplate=args.boilerplate)
        base = [sys.executable, "-m", "dedup", "scan", str(corpus), "--id-field", "id"]
        base += [] if args.passages else ["--no-passages"]
        base += ["--site-field", "site"] if args.boilerplate else ["--no-boilerplate"]
        base += ["--format", "json", "-q"]
        runs = engine_args(args)
        reports = {}
        for engine in args.engines:
            out = args.workdir / f"report-{n}-{kind}-{engine}.json"
            seconds, peak, cpu = run([*base, *runs[engine], "-o", str(out)], env)
            reports[engine] = json.loads(out.read_text())
            local = args.workdir / f"report-{n}-{kind}-local.json"
            same = reports[engine] == (reports.get("local") or json.loads(local.read_text()))
            clusters = len(reports[engine]["duplicates"])
            passages = len(reports[engine]["passages"])
            lines = len(reports[engine]["boilerplate"])
            print(
                f"| {n:,} | {engine} | {seconds:.1f} | {cpu:.1f} | {peak / 2**20:,.0f} MB "
                f"| {clusters:,} | {passages:,} | {lines:,} | {same} |",
                flush=True,
            )
        if args.stages:
            found = stages(corpus, args.master, env, kind)
            print(f"Spark stages at {n:,} documents: {found}")


def engine_args(args: argparse.Namespace) -> dict[str, list[str]]:
    """The CLI options of each engine's run."""
    return {
        "local": ["--jobs", str(args.jobs)],
        "spark": ["--engine", "spark", "--spark-master", args.master],
    }


def clean(n: int, args: argparse.Namespace, env: dict[str, str]) -> None:
    """`dedup clean` of n boilerplate pages by each engine: time, CPU, memory, and whether
    the Spark parts hold the local records (in order), rejects and removed lines."""
    corpus = write_corpus(n, args.workdir, args.chunks, boilerplate=True)
    base = [sys.executable, "-m", "dedup", "clean", str(corpus), "--id-field", "id"]
    base += ["--site-field", "site", "-q"]
    runs = engine_args(args)
    got = {}
    for engine in args.engines:
        out = args.workdir / f"clean-{n}-{engine}"
        seconds, peak, cpu = run([*base, *runs[engine], "-o", str(out)], env)
        got[engine] = _clean_records(out, corpus)
        counts = {k: len(v) for k, v in got[engine].items()}
        print(
            f"| {n:,} | clean {engine} | {seconds:.1f} | {cpu:.1f} | {peak / 2**20:,.0f} MB "
            f"| {counts} |",
            flush=True,
        )
    if len(got) == 2:
        local, spark = got["local"], got["spark"]
        same = local["documents"] == spark["documents"] and local["removed"] == spark["removed"]
        same = same and sorted(map(json.dumps, local["rejects"])) == sorted(
            map(json.dumps, spark["rejects"])
        )
        print(f"same records: {same}")


def _clean_records(out: Path, corpus: Path) -> dict[str, list[object]]:
    """The records a clean wrote to `out`: local (a file per input file, `rejects.jsonl`,
    `removed.jsonl`) or Spark (`part-NNNNN.jsonl`, `rejects/`, `removed/`). A text file the
    local clean wrote (the corpus's `done` marker) is the Spark engine's record for it."""

    def lines(paths: list[Path]) -> list[Any]:
        # not splitlines(): a text may hold U+2028, which JSON leaves unescaped
        return [json.loads(x) for p in paths for x in p.read_text("utf-8").split("\n") if x]

    records = ("rejects", "removed")
    if (out / "rejects.jsonl").exists():
        found = {k: lines([out / f"{k}.jsonl"]) for k in records}
    else:
        found = {k: lines(sorted(out.glob(f"{k}/part-*.jsonl"))) for k in records}
    found["documents"] = []
    for path in sorted(out.iterdir()):
        if path.name.startswith(".") or path.is_dir() or path.stem in records:
            continue
        if path.suffix == ".jsonl":
            found["documents"] += lines([path])
        else:
            found["documents"].append({"id": str(corpus / path.name), "text": path.read_text()})
    return found


if __name__ == "__main__":
    main()
