"""Issue 12's totals, from a real run of the reliability battery (tests/reliability).

Runs the battery under pytest, which tallies every case as it runs it (tests/reliability/
battery.py), and prints the totals in the issue's form. `--fuzz N` fuzzes the readers with
N files and the CLI with N/5 (the test suite uses 400 and 80).

    .venv/bin/python benchmarks/reliability_battery.py --fuzz 5000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=400, help="fuzzed files for the readers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        totals = Path(tmp) / "totals.json"
        env = {**os.environ, "DEDUP_BATTERY_TOTALS": str(totals)}
        env["DEDUP_FUZZ_EXAMPLES"] = str(args.fuzz)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        start = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        tests = subprocess.run([*command, "tests/reliability"], cwd=ROOT, env=env, check=False)
        seconds = time.monotonic() - start
        t = json.loads(totals.read_text(encoding="utf-8"))
    rows = [
        ("tests in tests/reliability", "passed" if tests.returncode == 0 else "FAILED"),
        ("cases tried (command runs: in-process, in subprocesses, fuzzed)", f"{t['cases']:,}"),
        ("  ended in exit 0/1 (bad records skipped and named, or a finding)", f"{t['handled']:,}"),
        ("  clear errors (exit 2, one `Error:` line, nothing after it)", f"{t['clear_errors']:,}"),
        ("  unclear errors (exit 2 with no or several error lines)", f"{t['unclear_errors']:,}"),
        ("tracebacks", f"{t['tracebacks'] + t['reader_crashes']:,}"),
        ("fuzzed files given to the readers directly", f"{t['reader_examples']:,}"),
        ("records read by `clean` runs, counted in their outputs", f"{t['records_read']:,}"),
        ("documents lost (read, neither written nor rejected)", f"{t['records_lost']:,}"),
        ("input files hashed before and after a run", f"{t['inputs_hashed']:,}"),
        ("inputs modified", f"{t['inputs_modified']:,}"),
    ]
    print("| | count |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\n{seconds:.0f} s; fuzz: {args.fuzz} reader files, {max(1, args.fuzz // 5)} CLI runs")
    sys.exit(tests.returncode)


if __name__ == "__main__":
    main()
