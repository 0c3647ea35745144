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


def test_readme_json_example_is_what_the_scan_it_names_prints(monkeypatch):
    # The example's fingerprint had drifted from every real run (3f78a0... for c1b76b...):
    # its figures are checked against the command the README says produced it.
    import json

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    seeds = ["samples/000_4ff9758f249b83b0.txt", "samples/004_35cd667b6f9468cb.txt"]
    result = CliRunner().invoke(cli, ["scan", *seeds, "--format", "json", "-q"])
    report = json.loads(result.stdout)
    block = README.split("## The JSON report", 1)[1].split("```json\n", 1)[1].split("```")[0]
    quoted = dict(
        re.findall(
            r'"(fingerprint|chars|reused|reused_chars|jaccard|containment_a|'
            r'containment_b|boilerplate_chars|similarity)": "?([\w.]+)',
            block,
        )
    )
    real = {
        "fingerprint": report["fingerprint"],
        "chars": report["documents"][0]["chars"],
        "reused": report["documents"][0]["reused"],
        "jaccard": report["pairs"][0]["jaccard"],
        "containment_a": report["pairs"][0]["containment_a"],
        "containment_b": report["pairs"][0]["containment_b"],
        "similarity": report["passages"][0]["similarity"],
        "boilerplate_chars": report["summary"]["boilerplate_chars"],
    }
    assert set(real) <= set(quoted)
    assert {key: quoted[key] for key in real} == {key: str(v) for key, v in real.items()}


def test_readme_names_the_scan_options_check_lacks():
    # A new-user trial passed `check --no-boilerplate`, as on scan: the check section of
    # README must name every scan option that check does not take.
    def options(name):
        return {o for p in cli.commands[name].params for o in p.opts if o.startswith("--")}

    section = README.split("## `dedup check`", 1)[1].split("\n## ", 1)[0]
    lacking = options("scan") - options("check")
    assert lacking
    assert [option for option in sorted(lacking) if option not in section] == []
