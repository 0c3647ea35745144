"""Boilerplate on the command line: presets and rule selection (options and settings files),
`dedup boilerplate explain` and `dedup boilerplate train`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli as _run

from dedup.config import BOILERPLATE_RULES
from dedup.linefeatures import FEATURES
from dedup.linemodel import LineModel, load_model
from dedup.rulebook import RULE_DOCS, explain_rule

ARTICLE = [
    "The city council approved the new budget on Tuesday after a long debate.",
    "Money for school repairs doubles, and the river banks will finally be cleaned.",
    "The mayor said the plan would be reviewed again in the spring.",
    "Opposition members asked for a detailed account of the transport costs.",
]
CHROME = ["Home | News | Sports | Weather", "Share this article", "Related: Top 10 parks"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml above, unless a test writes one
    (tmp_path / "page.txt").write_text("\n".join([CHROME[0], *ARTICLE, CHROME[1]]) + "\n")
    return tmp_path


def _scan_config(*args: str) -> dict:
    code, out, err = _run("scan", "page.txt", "-q", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)["config"]["boilerplate"]


# --------------------------------------------------------------------- options and settings


@pytest.mark.parametrize("command", ["compare", "scan", "clean", "check"])
def test_boilerplate_options_are_on_every_command_that_finds_boilerplate(command: str) -> None:
    _, out, _ = _run(command, "--help")
    for option in ("--preset", "--select", "--ignore", "--boilerplate-model",
                   "--boilerplate-threshold"):  # fmt: skip
        assert option in out, option


def test_options_reach_the_config(workdir: Path) -> None:
    (workdir / "model.json").write_text(json.dumps(LineModel.toy().to_dict()))
    config = _scan_config(
        "--preset", "web", "--select", "lexicon, counter", "--select", "copyright",
        "--ignore", "tail_block", "--boilerplate-model", "model.json",
        "--boilerplate-threshold", "0.7",
    )  # fmt: skip
    assert config["preset"] == "web"
    assert config["select"] == ["lexicon", "counter", "copyright"]
    assert config["ignore"] == ["tail_block"]
    assert (config["model_file"], config["model_threshold"]) == ("model.json", 0.7)
    default = _scan_config()
    assert (default["preset"], default["select"], default["model_file"]) == ("news", [], None)


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_rule_is_one_line_exit_2(workdir: Path, option: str) -> None:
    code, out, err = _run("scan", "page.txt", option, "lexicon,no_such_rule")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert f"{option}: unknown boilerplate rule(s) no_such_rule; known: bare_url," in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--preset", "blog"], "'blog' is not one of"),
        (["--boilerplate-threshold", "1.5"], "1.5 is not in the range"),
        (["--boilerplate-model", "missing.json"], "does not exist"),
    ],
)
def test_bad_values_are_exit_2(workdir: Path, args: list[str], expected: str) -> None:
    code, _, err = _run("scan", "page.txt", *args)
    assert code == 2
    assert expected in err


def test_pyproject_preset_reaches_the_report_config(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text(
        '[tool.dedup]\npreset = "docs"\nselect = ["lexicon", "corpus_repeat"]\n'
        'ignore = "counter"\nboilerplate-threshold = 0.9\n'
    )
    config = _scan_config()
    assert config["preset"] == "docs"
    assert config["select"] == ["lexicon", "corpus_repeat"]
    assert config["ignore"] == ["counter"]
    assert config["model_threshold"] == 0.9
    assert _scan_config("--preset", "rules")["preset"] == "rules"  # options override
    _, out, _ = _run("check", "page.txt", "--format", "json")
    assert json.loads(out)["config"]["boilerplate"]["preset"] == "docs"


def test_a_settings_file_preset_holds_unless_an_option_names_another(workdir: Path) -> None:
    (workdir / "ci.toml").write_text("preset = 'docs'\n")
    assert _scan_config("--config", "ci.toml")["preset"] == "docs"
    assert _scan_config("--config", "ci.toml", "--preset", "web")["preset"] == "web"


def test_option_fields_are_refused_inside_the_boilerplate_table(workdir: Path) -> None:
    (workdir / "ci.toml").write_text("[boilerplate]\npreset = 'docs'\n")
    code, _, err = _run("scan", "page.txt", "--config", "ci.toml")
    assert code == 2
    assert "set it as `preset` at the top of the table" in err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('preset = "blog"\n', "preset: expected one of news, web, docs, rules, got 'blog'"),
        ("select = [1]\n", "select: expected a string, got 1"),
        # Named as a setting, not as an option never given (a new-user trial).
        ('select = ["nope"]\n', "[tool.dedup] select: unknown boilerplate rule(s) nope"),
        ('ignore = "tail_cut,nope"\n', "[tool.dedup] ignore: unknown boilerplate rule(s) nope"),
    ],
)
def test_bad_settings_are_one_line_exit_2(workdir: Path, body: str, expected: str) -> None:
    (workdir / "pyproject.toml").write_text("[tool.dedup]\n" + body)
    code, _, err = _run("scan", "page.txt")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert expected in err


# --------------------------------------------------------------------- explain


def test_explain_one_rule() -> None:
    code, out, _ = _run("boilerplate", "explain", "counter")
    assert code == 0
    assert out == explain_rule("counter") + "\n"


def test_explain_every_rule_sorted() -> None:
    code, out, _ = _run("boilerplate", "explain")
    assert code == 0
    names = [block.split(":", 1)[0] for block in out.strip().split("\n\n")]
    assert names == sorted(RULE_DOCS) == sorted(BOILERPLATE_RULES)


def test_explain_an_unknown_rule_is_one_line_exit_2() -> None:
    code, out, err = _run("boilerplate", "explain", "footer")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        f"Error: unknown boilerplate rule 'footer'; known: {', '.join(sorted(RULE_DOCS))} "
        "(`dedup boilerplate explain` describes them all)"
    ]


# --------------------------------------------------------------------- train


def _record(site: str, lead: str) -> dict:
    lines = [CHROME[0], lead, *ARTICLE, "", CHROME[1], CHROME[2]]
    labels = ["boilerplate", "content", *["content"] * len(ARTICLE), None, "boilerplate", "unsure"]
    return {"text": "\n".join(lines), "labels": labels, "site": site, "url": f"https://{site}/"}


def _write_labelled(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_train_writes_a_model_that_loads_and_scans(workdir: Path) -> None:
    leads = [f"Story number {i} begins with its own sentence about the council." for i in range(6)]
    _write_labelled(workdir / "labelled.jsonl", [_record(f"s{i % 2}.org", t)
                                                 for i, t in enumerate(leads)])  # fmt: skip
    code, out, err = _run(
        "boilerplate", "train", "labelled.jsonl", "-o", "models/model.json",
        "--site-field", "site", "--threshold", "0.6", "--trees", "20",
    )  # fmt: skip
    assert (code, out) == (0, "")
    # 6 documents of 9 lines: 1 blank and 1 "unsure" line each are left out.
    assert err.splitlines() == [
        "warning: only 42 labelled lines; a model this small will not carry to other pages "
        "(the built-in one learned from ~590,000)",
        "trained on 42 lines of 6 documents (12 boilerplate) -> models/model.json",
    ]
    model = load_model(str(workdir / "models" / "model.json"))
    assert model.threshold == 0.6
    assert model.meta["documents"] == 6
    assert model.meta["site_field"] == "site"
    assert model.meta["boilerplate"] == 12
    code, out, err = _run(
        "scan", "page.txt", "-q", "--format", "json", "--boilerplate-model", "models/model.json"
    )
    assert code == 0, err
    assert json.loads(out)["config"]["boilerplate"]["model_file"] == "models/model.json"


def test_train_does_not_take_the_document_threshold_from_settings(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.95\n")
    _write_labelled(workdir / "l.jsonl", [_record("a.org", f"Lead {i} here.") for i in range(3)])
    assert _run("boilerplate", "train", "l.jsonl", "-o", "m.json")[0] == 0
    assert load_model(str(workdir / "m.json")).threshold == 0.5


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["not json"], "l.jsonl:2: not valid JSON"),
        (['{"labels": []}'], "l.jsonl:2: no field 'text'"),
        (['{"text": "a\\nb", "labels": ["content"]}'], "l.jsonl:2: 1 label for 2 lines of text"),
        (['{"text": "a", "labels": "content"}'], "l.jsonl:2: no labels for 1 line of text"),
        (['{"text": "a", "labels": ["content"]}'], "l.jsonl:2: no string field 'site'"),
    ],
)
def test_a_bad_record_is_one_line_exit_2_naming_its_line(
    workdir: Path, lines: list[str], expected: str
) -> None:
    good = json.dumps(_record("a.org", "A lead."))
    (workdir / "l.jsonl").write_text("\n".join([good, *lines]) + "\n")
    code, out, err = _run("boilerplate", "train", "l.jsonl", "-o", "m.json", "--site-field", "site")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert expected in err
    assert not (workdir / "m.json").exists()


def test_training_needs_both_labels(workdir: Path) -> None:
    record = {"text": "One line.\nTwo lines.", "labels": ["content", "content"]}
    _write_labelled(workdir / "l.jsonl", [record])
    code, _, err = _run("boilerplate", "train", "l.jsonl", "-o", "m.json")
    assert code == 2
    assert "2 labelled lines, 0 of them boilerplate; a model needs both" in err
    (workdir / "empty.jsonl").write_text("\n")
    code, _, err = _run("boilerplate", "train", "empty.jsonl", "-o", "m.json")
    assert code == 2
    assert "empty.jsonl: no records" in err


def test_a_wrong_label_count_names_the_same_labels_as_a_wrong_label(workdir: Path) -> None:
    # the count error once listed "boilerplate", "content" or null, the label error "unsure" too
    record = {"text": "Home\nThe minister resigned.", "labels": ["boilerplate"]}
    _write_labelled(workdir / "short.jsonl", [record])
    code, _, err = _run("boilerplate", "train", "short.jsonl", "-o", "m.json")
    assert code == 2
    assert err == (
        "Error: short.jsonl:1: 1 label for 2 lines of text; each line must be a JSON record "
        '{"text": ..., "labels": [...]} with one label per line of the text: "boilerplate", '
        '"content", "unsure" or null ("unsure" and null lines are left out of the fit)\n'
    )


def test_train_refuses_an_unknown_label(workdir: Path) -> None:
    _write_labelled(
        workdir / "typo.jsonl",
        [{"text": "Home\nThe minister resigned.", "labels": ["Boilerplate", "content"]}],
    )
    code, _, err = _run("boilerplate", "train", "typo.jsonl", "-o", "m.json")
    assert code == 2
    assert "typo.jsonl:1: label 'Boilerplate' is not one of" in err
    assert not (workdir / "m.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "page.txt", "-o", "page.txt"),
        ("compare", "page.txt", "page.txt", "-o", "page.txt"),
        ("check", "page.txt", "-o", "page.txt"),
        ("index", "build", "page.txt", "-o", "page.txt"),
        ("boilerplate", "train", "page.txt", "-o", "page.txt"),
    ],
)
def test_an_output_that_is_an_input_is_refused(workdir: Path, args: tuple[str, ...]) -> None:
    before = (workdir / "page.txt").read_bytes()
    code, _, err = _run(*args)
    assert code == 2
    assert "-o page.txt is also an input" in err
    assert (workdir / "page.txt").read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(features=d["features"][:10]), "outside the model's 10"),
        (
            lambda d: d["trees"][3]["feature"].__setitem__(0, 999),
            f"outside the model's {len(FEATURES)}",
        ),
        (lambda d: d["trees"][0]["left"].__setitem__(0, 10**6), "points outside its tree"),
        (lambda d: d.pop("trees"), "not a readable boilerplate model"),
    ],
)
def test_a_damaged_model_is_one_line_exit_2(workdir: Path, edit, expected: str) -> None:
    from dedup.linemodel import load_model

    data = load_model(None).to_dict()
    edit(data)
    (workdir / "m.json").write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _run("scan", "page.txt", "--boilerplate-model", "m.json", "-q")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert expected in err
