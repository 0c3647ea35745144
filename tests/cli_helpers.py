"""What the CLI tests share: one way to run a command and read its exit code and streams."""

from __future__ import annotations

from click.testing import CliRunner

from dedup.cli import cli


def run_cli(*args: str) -> tuple[int, str, str]:
    """`dedup ARGS...` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr
