"""One configuration: [tool.dedup] and --config apply to every command, options override them;
`jobs` means the same in the API and the CLI; `dedup.check` is the whole CI check."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from cli_helpers import run_cli as _run

import dedup
import dedup.api
from dedup import BoilerplateConfig, ConfigError, DedupConfig, Document, Index, Limits, scan
from dedup.boilerplate import detect_boilerplate, find_boilerplate
from dedup.cli import cli
from dedup.render import render_check

WORDS = [f"word{i}" for i in range(40)]
# Word 5-gram Jaccard 21/31 = 0.68: a near-duplicate at threshold 0.5, not at the default 0.8.
A = " ".join(WORDS[:30]) + "."
B = " ".join(WORDS[:25] + [f"other{i}" for i in range(5)]) + "."


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text(A)
    (tmp_path / "data" / "b.txt").write_text(B)
    return tmp_path


def _scan_json(*args: str) -> dict:
    code, out, err = _run("scan", "data", "--format", "json", "-q", *args)
    assert code == 0, err
    return json.loads(out)


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_pyproject_threshold_changes_what_scan_and_check_report(corpus: Path) -> None:
    assert _scan_json()["duplicates"] == []
    assert _run("check", "data")[0] == 0
    (corpus / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.5\n")
    report = _scan_json()
    assert report["config"]["threshold"] == 0.5
    assert [c["members"][0]["id"] for c in report["duplicates"]] == [str(Path("data/b.txt"))]
    code, out, _ = _run("check", "data")
    assert code == 1
    assert "near-duplicate of" in out


def test_options_override_settings(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.5\n")
    assert _scan_json("--threshold", "0.8")["duplicates"] == []
    assert _run("check", "data", "--threshold", "0.8")[0] == 0


@pytest.mark.parametrize("body", ["threshold = 0.5\n", "[tool.dedup]\nthreshold = 0.5\n"])
def test_config_file_replaces_the_pyproject(corpus: Path, body: str) -> None:
    (corpus / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.95\n")
    (corpus / "ci.toml").write_text(body)
    assert _scan_json("--config", "ci.toml")["config"]["threshold"] == 0.5
    assert _scan_json()["config"]["threshold"] == 0.95


def test_wrong_type_names_the_key_and_the_file(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nmax-reused-ratio = "five"\n')
    for command in ("check", "scan"):
        code, out, err = _run(command, "data")
        assert (code, out) == (2, "")
        assert err.strip().splitlines() == [
            "Error: pyproject.toml: [tool.dedup] max-reused-ratio: expected a number, got 'five'"
        ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("num-perm = 1.5\n", "num-perm: expected an integer, got 1.5"),
        ("no-passages = 1\n", "no-passages: expected true or false, got 1"),
        ('keep = "oldest"\n', "keep: expected one of first, longest, newest, source, none"),
        (
            'format = "xml"\n',
            "format: expected one of text, json, html, github, sarif, junit, concise, got",
        ),
        ("max-dupes = 1\n", "unknown key max-dupes; known: against, allow-empty,"),
        ("threshhold = 0.5\n", "ci.toml: unknown key threshhold (did you mean threshold?)"),
        ("[passage]\nmin-word = 9\n", "unknown key min_word (did you mean min_words?)"),
        # A misspelled table said "unknown key pasage; known: <every option>", no table named.
        ("[pasage]\nngram = 3\n", "ci.toml: unknown key pasage (did you mean passage?)"),
        ("[normalise]\nnfkc = true\n", "unknown key normalise (did you mean normalize?)"),
        ("[passage]\nmin-words = 'many'\n", "passage.min-words: expected an integer"),
        ("[boilerplate]\nsite_field = 'site'\n", "set it as `site-field` at the top"),
        ("[passage]\nwindow = 7\n", "[passage]: passage window (7) must be a multiple of stride"),
    ],
)
def test_bad_settings_are_one_line_exit_2(corpus: Path, body: str, expected: str) -> None:
    (corpus / "ci.toml").write_text(body)
    code, _, err = _run("scan", "data", "--config", "ci.toml")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert expected in err


@pytest.mark.parametrize(
    ("command", "body", "expected"),
    [
        # A value out of range named the option, never given: "--jobs must be 0 ...",
        # "Invalid value for '--memory-limit'" (a new-user trial); the file and key now.
        ("scan", "jobs = -3\n", "ci.toml: jobs: expected 0 (all cores) or a positive number"),
        ("scan", "threshold = 3\n", "ci.toml: threshold: expected a number between 0 and 1"),
        ("scan", "num-perm = 1\n", "ci.toml: num-perm: expected an integer between 2 and 8192"),
        ("scan", 'memory-limit = "lots"\n', "ci.toml: memory-limit: expected a size such as"),
        ("check", "max-reused-ratio = 2\n", "ci.toml: max-reused-ratio: expected a number"),
        ("check", "max-duplicate-ratio = -1\n", "ci.toml: max-duplicate-ratio: expected a"),
    ],
)
def test_a_setting_out_of_range_names_the_file_and_key(
    corpus: Path, command: str, body: str, expected: str
) -> None:
    (corpus / "ci.toml").write_text(body)
    code, out, err = _run(command, "data", "--config", "ci.toml")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("Error: ")
    assert expected in err


def test_settings_in_range_still_apply(corpus: Path) -> None:
    (corpus / "ci.toml").write_text('jobs = 1\nmemory-limit = "1GB"\nselect = "lexicon, counter"\n')
    assert _scan_json("--config", "ci.toml")["config"]["boilerplate"]["select"] == [
        "lexicon",
        "counter",
    ]


def test_every_setting_reaches_the_config(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text(
        '[tool.dedup]\nsite-field = "site"\nkeep = "source"\nsource-priority = ["data/a*"]\n'
        "no-passages = true\n[tool.dedup.passage]\nmin-words = 12\n"
        "[tool.dedup.boilerplate]\nmin_doc_freq = 4\n"
    )
    config = _scan_json()["config"]
    assert config["boilerplate"]["site_field"] == "site"
    assert config["boilerplate"]["min_doc_freq"] == 4
    assert config["passage"]["min_words"] == 12
    assert (config["keep"], config["source_priority"]) == ("source", ["data/a*"])
    assert config["passages"] is False
    assert _scan_json("--site-field", "host")["config"]["boilerplate"]["site_field"] == "host"
    _, out, _ = _run("check", "data", "--format", "json")
    assert json.loads(out)["config"]["boilerplate"]["site_field"] == "site"


def test_a_setting_applies_where_the_command_accepts_it(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nformat = "github"\njobs = 1\n')
    code, out, _ = _run("scan", "data", "-q")
    assert code == 0
    assert out.startswith("2 documents")  # scan has no github format: it keeps text
    code, out, _ = _run("check", "data")
    assert out.startswith("dedup check passed: ")  # github: a passing run annotates nothing


def test_relative_paths_are_relative_to_the_settings_file(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "lexicon.txt").write_text("word0 word1 word2\n")
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nlexicon = "lexicon.txt"\n')
    (corpus / "sub").mkdir()
    monkeypatch.chdir(corpus / "sub")
    code, out, err = _run("scan", "../data", "--format", "json", "-q")
    assert code == 0, err
    lexicon = json.loads(out)["config"]["boilerplate"]["lexicon_file"]
    assert Path(lexicon) == corpus.resolve() / "lexicon.txt"


def test_paths_setting_is_the_data_a_command_reads_without_paths(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run("check")
    assert code == 2
    assert 'no PATHS: name the data, or set `paths = ["data"]` in [tool.dedup]' in err
    (corpus / "pyproject.toml").write_text('[tool.dedup]\npaths = ["data/a.txt"]\n')
    code, out, err = _run("check", "--format", "json")
    assert code == 0, err
    assert [d["id"] for d in json.loads(out)["documents"]] == [str(Path("data/a.txt"))]
    # Given paths win; the setting is relative to the pyproject.toml, named from here.
    assert json.loads(_run("check", "data", "--format", "json")[1])["summary"]["documents"] == 2
    (corpus / "sub").mkdir()
    monkeypatch.chdir(corpus / "sub")
    code, out, _ = _run("scan", "-q", "--format", "json")
    assert [d["id"] for d in json.loads(out)["documents"]] == [str(corpus / "data" / "a.txt")]
    (corpus / "pyproject.toml").write_text("[tool.dedup]\npaths = [3]\n")
    code, _, err = _run("check")
    assert code == 2
    assert "pyproject.toml: [tool.dedup] paths: expected a string, got 3" in err


def test_config_show_prints_each_value_and_where_it_came_from(corpus: Path) -> None:
    code, out, _ = _run("config", "show")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "settings: none found: every value is a default"
    assert "threshold" in out
    assert all(line.endswith("default") for line in lines[1:])
    (corpus / "pyproject.toml").write_text(
        '[tool.dedup]\nmax-reused-ratio = 0.05\npaths = ["data"]\nlexicon = "lex.txt"\n'
        "[tool.dedup.passage]\nmin-words = 12\n"
    )
    code, out, _ = _run("config", "show", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert body["settings"] == {"file": str(corpus / "pyproject.toml"), "table": "[tool.dedup]"}
    rows = {row["key"]: (row["value"], row["source"]) for row in body["values"]}
    assert rows["max-reused-ratio"] == (0.05, "pyproject.toml: [tool.dedup] max-reused-ratio")
    assert rows["max-duplicate-ratio"] == (0.0, "default")
    assert rows["paths"] == (["data"], "pyproject.toml: [tool.dedup] paths")
    assert rows["lexicon"] == (str(corpus / "lex.txt"), "pyproject.toml: [tool.dedup] lexicon")
    assert rows["passage.min-words"] == (12, "pyproject.toml: [tool.dedup] passage.min-words")
    assert rows["passage.window"] == (10, "default")
    assert rows["preset"] == ("news", "default")
    assert rows["max-passages-per-doc"] == (50, "default")  # the passage table's max-per-doc
    # Every key a settings file may hold is shown: each CLI option of every command.
    assert {"annotate", "against", "baseline", "protect", "select", "jobs"} <= rows.keys()
    _, text, _ = _run("config", "show")
    assert "max-reused-ratio" in text
    assert "pyproject.toml: [tool.dedup] max-reused-ratio" in text
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nmax-reused-ratio = "five"\n')
    code, out, err = _run("config", "show")
    assert (code, out) == (2, "")
    assert err == (
        "Error: pyproject.toml: [tool.dedup] max-reused-ratio: expected a number, got 'five'\n"
    )


# Commands that read no settings at all: a --config option there would do nothing.
NO_SETTINGS = {("boilerplate", "explain")}


@pytest.mark.parametrize(
    "command", [c for c in _leaf_commands(cli) if c not in NO_SETTINGS], ids=" ".join
)
def test_every_command_takes_config(command: tuple[str, ...]) -> None:
    code, out, _ = _run(*command, "--help")
    assert code == 0
    assert "--config" in out


@pytest.mark.parametrize("command", sorted(NO_SETTINGS), ids=" ".join)
def test_commands_without_settings_take_no_options(command: tuple[str, ...]) -> None:
    group, name = cli, command[-1]
    for part in command[:-1]:
        group = group.commands[part]
    options = [p for p in group.commands[name].params if isinstance(p, click.Option)]
    assert [p.name for p in options] == ["quiet"]


@pytest.mark.parametrize("command", list(_leaf_commands(cli)), ids=" ".join)
def test_every_command_takes_quiet(command: tuple[str, ...]) -> None:
    """A script passing -q to every command must not break on one (a new-user trial:
    `report`, `config show` and `boilerplate explain` refused it)."""
    code, out, _ = _run(*command, "--help")
    assert code == 0
    assert "-q, --quiet" in out


# --------------------------------------------------------------------- jobs


def test_jobs_zero_means_every_core_in_the_api_as_in_the_cli() -> None:
    docs = [Document("a", A), Document("b", B), Document("c", A + " Share this article")]
    assert scan(docs, jobs=0) == scan(docs, jobs=1)
    assert detect_boilerplate(docs, jobs=0) == detect_boilerplate(docs, jobs=1)
    with pytest.raises(ConfigError, match="0 \\(all cores\\)"):
        scan(docs, jobs=-1)


# --------------------------------------------------------------------- dedup.check


def test_check_api_is_what_the_cli_prints(corpus: Path) -> None:
    code, out, _ = _run("check", "data", "--threshold", "0.5", "--format", "json", "--jobs", "1")
    docs = list(dedup.read_documents(["data"]))
    result = dedup.check(docs, DedupConfig(threshold=0.5), limits=Limits())
    assert code == result.exit_code == 1
    assert json.loads(out) == json.loads(render_check(result, "json"))


def test_check_finds_boilerplate_once_with_the_configured_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[BoilerplateConfig | None] = []

    def counting(docs, config=None, **kwargs):
        calls.append(config)
        return find_boilerplate(docs, config, **kwargs)

    monkeypatch.setattr(dedup.api, "find_boilerplate", counting)
    clean = [Document("a", A), Document("c", "A different sentence about the weather.")]
    assert dedup.check(clean).passed
    assert len(calls) == 1  # a corpus without boilerplate is not analysed twice
    calls.clear()
    settings = BoilerplateConfig(site_field="site", lexicon_similarity=0.95)
    off = DedupConfig(find_boilerplate=False, boilerplate=settings)
    result = dedup.check(clean, off)
    assert calls == [settings]
    assert result.report.config["boilerplate"]["site_field"] == "site"


def test_check_against_an_index(tmp_path: Path) -> None:
    location = str(tmp_path / "train.idx")
    Index.build(location, [Document("train-a", A)], DedupConfig(threshold=0.5)).close()
    result = dedup.check([Document("new-b", B)], DedupConfig(threshold=0.5), against=location)
    assert not result.passed
    (finding,) = result.verdicts[0].findings
    assert (finding.kind, finding.doc, finding.other.doc) == (
        "indexed-duplicate",
        "new-b",
        "train-a",
    )
    assert result.to_dict()["check"]["against"]["index"] == location


def test_index_query_text(corpus: Path) -> None:
    assert _run("index", "build", "data/a.txt", "-o", "a.idx", "--threshold", "0.5")[0] == 0
    code, out, _ = _run("index", "query", "a.idx", "data/b.txt", "--threshold", "0.5")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("1 near-duplicates, ")
    assert lines[1].startswith(f"{Path('data/b.txt')}: near-duplicate of {Path('data/a.txt')}")


def test_a_bad_value_in_a_sub_table_names_that_table(corpus: Path) -> None:
    # "pyproject.toml: [tool.dedup] passage: passage ngram must be at least 1, got 0; set
    # by its command-line option ... or in [tool.dedup]": a new-user trial looked for
    # `ngram` among the top-level keys.
    (corpus / "pyproject.toml").write_text("[tool.dedup.passage]\nngram = 0\n")
    code, _, err = _run("scan", "data")
    assert code == 2
    assert err.strip() == (
        "Error: pyproject.toml: [tool.dedup.passage]: passage ngram must be at least 1, got 0"
    )
