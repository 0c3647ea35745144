"""Mutation score of the core modules, one module at a time, with mutmut 3.

For each module this copies the repository (without .git and build output) into a scratch
directory, writes a `[tool.mutmut]` section that mutates only that module and runs only its
doctests and its own test files, runs `mutmut run` under `nice` with a time bound, and prints
the score: killed / (killed + survived), timeouts counted as killed, "no tests" counted as
survived. Surviving mutant names are listed so each can be read with `mutmut show NAME` in
the scratch directory (kept with --keep).

mutmut does not mutate decorated functions, so the `@contextmanager` writers
(`atomic_path`, `open_atomic`, `open_write_atomic`) are checked by the hand-planted
mutants in tests/test_atomic.py's module docstring instead.

Run by hand, not in CI (a module takes one to ten minutes on two cores):

    pip install -e '.[mutation]'
    python benchmarks/mutation.py verify cluster            # chosen modules
    python benchmarks/mutation.py --all --timeout 900       # every core module
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the test files that guard it (the module's own tests plus the ones that
# exercise it end to end); kept short so that one mutant runs in seconds.
CORE: dict[str, tuple[str, list[str]]] = {
    "normalize": ("dedup/normalize.py", ["tests/test_normalize.py"]),
    "shingle": (
        "dedup/shingle.py",
        ["tests/test_shingle.py", "tests/test_normalize.py", "tests/test_signature.py"],
    ),
    "signature": ("dedup/signature.py", ["tests/test_signature.py", "tests/test_seeds.py"]),
    "lsh": ("dedup/lsh.py", ["tests/test_lsh.py", "tests/test_signature.py"]),
    "verify": ("dedup/verify.py", ["tests/test_verify.py"]),
    "cluster": ("dedup/cluster.py", ["tests/test_cluster.py"]),
    "align": ("dedup/align.py", ["tests/test_align.py", "tests/test_passages.py"]),
    "passages": ("dedup/passages.py", ["tests/test_passages.py"]),
    "boilerplate": (
        "dedup/boilerplate.py",
        ["tests/test_boilerplate.py", "tests/test_boilerplate_parts.py", "tests/test_tailcut.py"],
    ),
    "clean": ("dedup/clean.py", ["tests/test_clean.py"]),
    "atomic": ("dedup/io/atomic.py", ["tests/test_atomic.py"]),
    "writers": (
        "dedup/io/writers.py",
        ["tests/test_writers.py", "tests/test_atomic.py", "tests/test_io.py"],
    ),
}

# module -> slow tests left out of its mutation run (they check jobs and run-to-run
# determinism, which the module's other tests do not need to kill its mutants); each one
# costs seconds per surviving mutant.
SLOW: dict[str, list[str]] = {
    "passages": [
        "tests/test_passages.py::test_cli_scan_report_is_byte_identical_for_any_jobs",
        "tests/test_passages.py::test_workers_give_the_same_passages_as_one_process",
        "tests/test_passages.py::test_same_input_gives_same_report",
    ],
}

_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "mutants", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"
)


def _config(module_path: str, tests: list[str], slow: list[str]) -> str:
    deselect = [arg for test in slow for arg in ("--deselect", test)]
    return (
        "\n[tool.mutmut]\n"
        f'source_paths = ["dedup/"]\n'
        f"only_mutate = [{json.dumps(module_path)}]\n"
        f"pytest_add_cli_args_test_selection = {json.dumps([module_path, *tests])}\n"
        f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', '-x', '-q', *deselect])}\n"
        'also_copy = ["samples/", "benchmarks/"]\n'
    )


def run_module(
    name: str, *, source: Path, timeout: float, workers: int, keep: bool
) -> dict[str, object]:
    """Mutate one core module in a scratch copy; return its counts and surviving mutants."""
    module_path, tests = CORE[name]
    scratch = Path(tempfile.mkdtemp(prefix=f"mutation-{name}-"))
    work = scratch / "repo"
    shutil.copytree(source, work, ignore=_IGNORE)
    pyproject = work / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + _config(module_path, tests, SLOW.get(name, [])))
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONPATH": str(work)}
    started = time.monotonic()
    try:
        subprocess.run(
            ["nice", "-n", "10", str(mutmut), "run", "--max-children", str(workers)],
            cwd=work,
            env=env,
            timeout=timeout,
            check=False,
            capture_output=True,
        )
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
    results = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    counts: dict[str, int] = {}
    survivors = []
    for line in results.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            counts[m.group(2)] = counts.get(m.group(2), 0) + 1
            if m.group(2) in {"survived", "no tests"}:
                survivors.append(m.group(1))
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    survived = counts.get("survived", 0) + counts.get("no tests", 0)
    if not keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "module": name,
        "killed": killed,
        "survived": survived,
        "other": {k: v for k, v in counts.items() if k not in {"killed", "timeout", "survived"}},
        "score": round(killed / (killed + survived), 3) if killed + survived else None,
        "finished": finished,
        "seconds": round(time.monotonic() - started),
        "survivors": survivors,
        "scratch": str(work) if keep else None,
    }


def main() -> None:
    """Run the chosen modules and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"core modules to mutate: {', '.join(CORE)}")
    parser.add_argument("--all", action="store_true", help="every core module")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per module")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="the checkout to mutate (default: this one)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args()
    unknown = sorted(set(args.modules) - set(CORE))
    if unknown:
        parser.error(f"unknown modules {unknown}; expected some of {list(CORE)}")
    for name in list(CORE) if args.all else args.modules:
        result = run_module(
            name, source=args.source, timeout=args.timeout, workers=args.workers, keep=args.keep
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
