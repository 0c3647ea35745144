"""Every CLI command has help text and is documented in README.md; README's commands are true."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dedup.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CI_RUN = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda v: str(v))
def test_command_has_help_and_is_in_readme(name, command):
    assert command.help, f"dedup {name} has no help text"
    assert f"dedup {name}" in README, f"README.md does not mention `dedup {name}`"
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0


def test_readme_test_command_is_what_ci_runs():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    commands = [ln for ln in blocks[0].splitlines() if ln and not ln.startswith("#")]
    assert len(commands) == 2, "README must open with two commands: install+run, and tests"
    assert commands[1].strip() in CI_RUN
