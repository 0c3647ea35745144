"""The battery's one way to run a case, and the tally every case adds to.

`run` is `dedup ARGS...` as a user types it, in-process, checked the way the issue asks:
no traceback, an exit code the case allows, exactly one `Error:` line on exit 2, and every
input file byte-identical afterwards (hashed before and after). `accounted` checks that a
`clean` wrote or rejected every record it read. Each of them adds to `TALLY`, which
`benchmarks/reliability_battery.py` prints as the issue's totals table.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from click.testing import CliRunner

from dedup.cli import cli
from dedup.io.readers import DocumentReader


@dataclass
class Tally:
    """What the battery tried and what came of it (summed over one test session)."""

    cases: int = 0  # command runs: in-process, in a subprocess, and fuzzed
    handled: int = 0  # exit 0 or 1: bad records skipped and named, or a finding
    clear_errors: int = 0  # exit 2 with one `Error:` line
    unclear_errors: int = 0  # exit 2 with no or several `Error:` lines
    tracebacks: int = 0
    inputs_hashed: int = 0
    inputs_modified: int = 0
    records_read: int = 0  # by `clean` runs whose outputs were counted
    records_lost: int = 0  # read, but neither written nor rejected
    reader_examples: int = 0  # fuzzed files given to the readers directly
    reader_crashes: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


TALLY = Tally()


@dataclass(frozen=True)
class Outcome:
    """How one command ended."""

    code: int
    out: str
    err: str

    @property
    def error(self) -> str:
        """The one `Error:` line (exit 2)."""
        (line,) = [line for line in self.err.splitlines() if line.startswith("Error:")]
        return line


def digest(paths: Iterable[Path]) -> dict[str, str]:
    """SHA-256 of every file under `paths` (files, or directories walked whole)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


def record(code: int, err: str, *, crashed: bool, before: dict, after: dict) -> None:
    """Add one command run to the tally."""
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    TALLY.cases += 1
    TALLY.tracebacks += crashed or "Traceback" in err
    TALLY.inputs_hashed += len(before)
    TALLY.inputs_modified += sum(after.get(k) != v for k, v in before.items())
    if code == 2:
        clear = len(errors) == 1 and err.splitlines()[-1] == errors[0]
        TALLY.clear_errors += clear and not crashed
        TALLY.unclear_errors += not clear and not crashed
    elif not crashed:
        TALLY.handled += 1


def run(
    *args: str | Path,
    inputs: Sequence[Path] = (),
    codes: Sequence[int] = (0, 1, 2),
    stdin: bytes | None = None,
) -> Outcome:
    """`dedup ARGS...`, checked: no traceback, exit in `codes`, one error line on exit 2,
    `inputs` byte-identical afterwards."""
    argv = [str(a) for a in args]
    before = digest(inputs)
    result = CliRunner().invoke(cli, argv, input=stdin)
    after = digest(inputs)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    record(result.exit_code, result.stderr, crashed=crashed, before=before, after=after)
    if crashed:
        shown = "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
        msg = f"dedup {' '.join(argv)} raised:\n{shown}"
        raise AssertionError(msg)
    assert "Traceback" not in result.stderr, result.stderr
    assert after == before, f"dedup {' '.join(argv)} changed an input"
    assert result.exit_code in codes, (argv, result.exit_code, result.stderr)
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        errors = [line for line in lines if line.startswith("Error:")]
        assert len(errors) == 1, (argv, result.stderr)
        assert lines[-1] == errors[0], (argv, result.stderr)  # nothing after it: one line
    return outcome


def fails(
    *args: str | Path, inputs: Sequence[Path] = (), says: str = "", stdin: bytes | None = None
) -> str:
    """`run` that must end in exit 2 with one error line holding `says`; that line."""
    line = run(*args, inputs=inputs, codes=(2,), stdin=stdin).error
    assert says in line, line
    return line


def accounted(out: Path, read: int) -> tuple[int, int]:
    """(written, rejected) of a `clean` into `out`; every one of the `read` records is one
    or the other. Written records are counted by reading the outputs back."""
    outputs = [p for p in sorted(out.rglob("*")) if p.is_file() and not _bookkeeping(p, out)]
    written = sum(1 for _ in DocumentReader(encoding="auto").read([str(p) for p in outputs]))
    rejects = out / "rejects.jsonl"
    lines = rejects.read_text(encoding="utf-8").splitlines() if rejects.exists() else []
    # A file of an input folder that was not read is listed too ("not_read"): no record.
    rejected = sum(json.loads(line)["reason"] != "not_read" for line in lines)
    TALLY.records_read += read
    TALLY.records_lost += max(0, read - written - rejected)
    assert written + rejected == read, (written, rejected, read)
    return written, rejected


def _bookkeeping(path: Path, out: Path) -> bool:
    rel = path.relative_to(out)
    return rel.name in ("rejects.jsonl", "removed.jsonl") or rel.parts[0].startswith(".")


def write_totals(path: str) -> None:
    """Save the tally as JSON (for benchmarks/reliability_battery.py)."""
    Path(path).write_text(json.dumps(TALLY.to_dict(), indent=1) + "\n", encoding="utf-8")


DEDUP = [sys.executable, "-m", "dedup"]


@dataclass
class Started:
    """A `dedup` run in its own process, and its inputs' hashes when it started."""

    process: subprocess.Popen[bytes]
    inputs: Sequence[Path]
    before: dict[str, str]


def started(*args: str | Path, inputs: Sequence[Path] = (), new_session: bool = False) -> Started:
    """`dedup ARGS...` started in its own process (stderr piped)."""
    before = digest(inputs)
    argv = [*DEDUP, *(str(a) for a in args)]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, start_new_session=new_session)
    return Started(process, inputs, before)


def finished(run: Started) -> Outcome:
    """Wait for a `started` run and add it to the tally, checked as `run` checks."""
    _, err_bytes = run.process.communicate()
    err = err_bytes.decode("utf-8", "replace")
    after = digest(run.inputs)
    record(run.process.returncode, err, crashed=False, before=run.before, after=after)
    assert "Traceback" not in err, err
    assert after == run.before
    return Outcome(run.process.returncode, "", err)
