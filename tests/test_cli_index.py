"""`dedup index` on the command line: what may differ from the index's settings, `index remove`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli as _run
from click.testing import CliRunner

from dedup.cli import cli


def test_query_with_another_keep_rule_uses_the_index(indexed: Path) -> None:
    code, out, err = _run("index", "query", "train.idx", "eval.txt", "--keep", "none")
    assert code == 0, err
    assert out.startswith("1 near-duplicates, ")


@pytest.mark.parametrize(
    "settings",
    [
        '[tool.dedup]\nsite-field = "site"\n',
        '[tool.dedup]\nkeep = "longest"\npreset = "docs"\n',
        "[tool.dedup.boilerplate]\nmin_doc_freq = 4\n",
        "[tool.dedup.passage]\nmin_similarity = 0.7\n",
    ],
)
def test_settings_that_do_not_change_the_index_do_not_refuse_it(
    indexed: Path, settings: str
) -> None:
    (indexed / "pyproject.toml").write_text(settings)
    code, out, err = _run("index", "query", "train.idx", "eval.txt", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["pairs"][0]["a"] == str(Path("data/a.txt"))
    code, _, err = _run("check", "eval.txt", "--against", "train.idx")
    assert code == 1, err  # the near-duplicate of an indexed document fails the check


def test_remove_drops_documents_by_id(indexed: Path) -> None:
    a, b = str(Path("data/a.txt")), str(Path("data/b.txt"))
    code, out, err = _run("index", "remove", "train.idx", a, "no-such-id")
    assert (code, out) == (0, "")
    assert err == "removed 1 document; 1 in train.idx (1 of the ids was not in it)\n"
    code, out, _ = _run("index", "query", "train.idx", "eval.txt")
    assert (code, out) == (0, "0 near-duplicates, 0 reused passages\n")
    assert _run("index", "remove", "train.idx", b)[2] == "removed 1 document; 0 in train.idx\n"


def test_remove_from_a_missing_index_is_exit_2(indexed: Path) -> None:
    code, _, err = _run("index", "remove", "nope.idx", "x")
    assert code == 2
    assert "no such index" in err
    assert _run("index", "remove", "train.idx")[0] == 2  # ids are required


@pytest.mark.parametrize("command", ["query", "add"])
def test_a_missing_index_is_refused_before_the_documents_are_read(
    indexed: Path, command: str
) -> None:
    # `dedup index query nothere.idx corpus/` read (and named the bad records of) the whole
    # corpus, to say only then that there was no index; `check --against` says it first.
    records = [json.dumps({"text": (indexed / "data" / "b.txt").read_text()}), "not json"]
    (indexed / "new.jsonl").write_text("\n".join(records) + "\n")
    code, out, err = _run("index", command, "nope.idx", "new.jsonl")
    assert (code, out) == (2, "")
    assert err == (
        "Error: nope.idx: no such index; build one with `dedup index build PATH... -o nope.idx`\n"
    )
    code, _, err = _run("index", command, "train.idx", "new.jsonl")
    assert code == 0, err
    assert err.startswith("skipped new.jsonl:2: not valid JSON")


def test_build_replaces_an_index_but_never_another_file(indexed: Path) -> None:
    # `dedup index build eval.txt -o data/b.txt` replaced a corpus file with an SQLite file.
    before = (indexed / "data" / "b.txt").read_bytes()
    code, out, err = _run("index", "build", "eval.txt", "-o", "data/b.txt")
    assert (code, out) == (2, "")
    assert err == (
        f"Error: -o {Path('data/b.txt')} is a file that is not an index; remove it or choose "
        "another -o\n"
    )
    assert (indexed / "data" / "b.txt").read_bytes() == before
    assert _run("index", "build", "eval.txt", "-o", "train.idx")[0] == 0  # an index: replaced
    assert "1 in train.idx" in _run("index", "add", "train.idx", "eval.txt")[2]


def test_scan_and_check_against_an_index_report_the_same_seed_passages(
    tmp_path: Path, seed_paths, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml of the repository applies
    a, b = (str(p) for p in sorted(seed_paths.values()))
    runner = CliRunner()
    # The index's matches carry whole passage texts; the scan's JSON, excerpts by default.
    scanned = runner.invoke(cli, ["scan", a, b, "--format", "json", "-q", "--passage-text", "full"])
    assert scanned.exit_code == 0, scanned.output
    built = runner.invoke(cli, ["index", "build", a, "-o", str(tmp_path / "a.idx")])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(
        cli, ["check", b, "--against", str(tmp_path / "a.idx"), "--format", "json"]
    )
    assert checked.exit_code in (0, 1), checked.output
    found = json.loads(checked.stdout)["check"]["against"]["passages"]
    expected = json.loads(scanned.stdout)["passages"]
    assert len(expected) >= 3
    assert found == expected


def test_every_index_command_is_silent_with_quiet(indexed: Path) -> None:
    """`-q` as on scan and clean: a script building and querying an index in a loop gets
    its answers on stdout and nothing on stderr (a new-user trial: `index build` had no -q)."""
    (indexed / "more.txt").write_text("Another text for the index, new.\n", encoding="utf-8")
    commands = [
        ("index", "build", "eval.txt", "-o", "again.idx", "-q"),
        ("index", "add", "again.idx", "more.txt", "-q"),
        ("index", "verify", "again.idx", "-q"),
        ("index", "remove", "again.idx", "more.txt", "-q"),
    ]
    for args in commands:
        assert _run(*args) == (0, "", ""), args
    code, out, err = _run("index", "query", "train.idx", "eval.txt", "-q")
    assert (code, err) == (0, "")
    assert out == _run("index", "query", "train.idx", "eval.txt")[1]
    assert (
        _run("index", "verify", "again.idx")[2]
        == "again.idx: 1 document, every text and signature intact\n"
    )


def test_an_index_cannot_be_built_into_a_fifo_or_device(tmp_path: Path) -> None:
    # `index build -o pipe` said the index was "corrupted or unreadable; rebuild it with
    # `dedup index build`", the command that had just been run.
    import os

    (tmp_path / "a.txt").write_text("The council approved the budget on Tuesday evening.")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, _, err = _run("index", "build", str(tmp_path / "a.txt"), "-o", str(pipe))
    assert code == 2
    assert err == (
        f"Error: -o {pipe} is not a regular file (a device, FIFO or socket); an index is a "
        "SQLite file: give a file path, or a postgresql:// URL\n"
    )
