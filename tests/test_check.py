"""Check verdicts, finding keys, baselines and pyproject settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup.api import scan
from dedup.baseline import Baseline, baseline_text, read_baseline
from dedup.check import Limits, check, evaluate, locate
from dedup.config import DedupConfig, find_settings
from dedup.document import Document
from dedup.errors import ConfigError, InputError

NEWS = (
    "Pakistan and the US are set to hold a new round of their defence dialogue in "
    "Washington next week.\nThe first round of the dialogue was held in Pakistan in "
    "January 2021, officials said on Monday.\n"
)
OTHER = "The city council approved the new budget on Tuesday after a long debate.\n"
THIRD = "Heavy rain is expected across the northern districts until the end of the week.\n"


def _docs() -> list[Document]:
    return [
        Document("a.txt", NEWS, "a.txt"),
        Document("b.txt", OTHER + NEWS, "b.txt"),
        Document("c.txt", THIRD, "c.txt"),
    ]


def test_reuse_is_measured_on_the_copy_with_line_numbers() -> None:
    docs = _docs()
    result = evaluate(docs, scan(docs, DedupConfig()), Limits(max_reused_ratio=0.1))
    reused = {v.rule: v for v in result.verdicts}["max-reused-ratio"]
    assert not reused.passed
    assert result.exit_code == 1
    finding = reused.findings[0]
    assert finding.doc == "b.txt"
    assert finding.other is not None
    assert finding.other.doc == "a.txt"
    assert docs[1].text[finding.start : finding.end] in NEWS
    assert finding.line == 2  # the passage starts on the second line of b.txt
    total = sum(d.chars for d in docs)
    assert reused.value == pytest.approx((finding.end - finding.start) / total, abs=1e-6)


def test_limits_that_hold_pass() -> None:
    docs = _docs()
    result = evaluate(docs, scan(docs), Limits(max_reused_ratio=0.9))
    assert result.passed
    assert result.exit_code == 0


def test_limits_are_validated() -> None:
    with pytest.raises(ConfigError, match="max-reused-ratio"):
        Limits(max_reused_ratio=1.5)


def test_baseline_accepts_known_findings_but_not_new_ones() -> None:
    docs = _docs()
    limits = Limits(max_reused_ratio=0.0)
    first = evaluate(docs, scan(docs), limits)
    keys = frozenset(
        row["key"] for row in json.loads(baseline_text(first.all_findings))["findings"]
    )
    assert len(keys) == 1
    assert evaluate(docs, scan(docs), limits, baseline=keys).passed
    # The same passage moved by an edit elsewhere keeps its key.
    moved = [docs[0], Document("b.txt", "New opening line.\n" + docs[1].text, "b.txt"), docs[2]]
    assert evaluate(moved, scan(moved), limits, baseline=keys).passed
    # A new copy is a new finding.
    more = [*docs, Document("d.txt", NEWS, "d.txt")]
    result = evaluate(more, scan(more), limits, baseline=keys)
    assert not result.passed
    assert {f.doc for v in result.verdicts for f in v.findings} == {"d.txt"}


def test_a_baseline_written_with_the_other_document_in_its_keys_still_holds() -> None:
    # Keys before 2026-12 hashed the other document's id too; such a file is not stale.
    docs = _docs()
    limits = Limits(max_reused_ratio=0.0)
    first = evaluate(docs, scan(docs), limits)
    old = {a: {"key": a} for f in first.all_findings for a in f.aliases}
    assert old
    assert not set(old) & {f.key for f in first.all_findings}
    result = evaluate(docs, scan(docs), limits, baseline=Baseline(old))
    assert result.passed
    assert result.stale == ()


def test_baseline_file_round_trip_and_errors(tmp_path: Path) -> None:
    docs = _docs()
    result = evaluate(docs, scan(docs))
    path = tmp_path / "baseline.json"
    path.write_text(baseline_text(result.all_findings))
    assert set(read_baseline(path)) == {f.key for f in result.all_findings}
    assert baseline_text(result.all_findings) == baseline_text(
        evaluate(docs, scan(docs)).all_findings
    )
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(InputError, match=r"not a dedup\.baseline/1 file"):
        read_baseline(tmp_path / "bad.json")
    with pytest.raises(InputError, match="cannot read"):
        read_baseline(tmp_path / "missing.json")


def test_locate_text_and_jsonl() -> None:
    assert locate(Document("a", "x\ny\nz", "a.txt"), 4) == ("a.txt", 3)
    assert locate(Document("r", "x\ny", "data/eval.jsonl:12"), 2) == ("data/eval.jsonl", 12)


def test_settings_from_nearest_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dedup]\nmax_reused_ratio = 0.25\nbaseline = "ci/baseline.json"\n'
    )
    deep = tmp_path / "data" / "eval"
    deep.mkdir(parents=True)
    (tmp_path / "data" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    settings = find_settings(deep)
    assert settings.path == tmp_path / "pyproject.toml"
    assert settings.values == {
        "max-reused-ratio": 0.25,
        "baseline": str(tmp_path / "ci" / "baseline.json"),
    }


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    # Top-level keys are CLI options, checked by the CLI (tests/test_settings.py); the
    # sub-config tables are checked as they are read.
    (tmp_path / "pyproject.toml").write_text("[tool.dedup.passage]\nmin_word = 3\n")
    with pytest.raises(ConfigError, match=r"\[tool.dedup\] passage.min_word: unknown key"):
        find_settings(tmp_path)


def test_check_refuses_a_limit_whose_measure_config_switches_off() -> None:
    docs = [Document("a", "one two three four five six", "a.txt")]
    with pytest.raises(ConfigError, match="--max-reused-ratio needs the passage search"):
        check(docs, DedupConfig(passages=False), limits=Limits(max_reused_ratio=0.5))
    assert check(docs, DedupConfig(passages=False)).passed  # the reuse limit is off (1)


def test_text_check_sets_the_findings_of_a_limit_that_holds_apart(seed_texts):
    """A new-user trial's failing CI log listed the findings of a limit that held right
    under those of the failing one, each tagged alike: they read as failures too."""
    from dedup.render import render_check

    docs = [Document(f"d{k}.txt", t, f"d{k}.txt") for k, t in enumerate(seed_texts.values())]
    docs.append(Document("copy.txt", docs[0].text, "copy.txt"))
    lines = render_check(check(docs, limits=Limits(max_duplicate_ratio=0.0)), "text").split("\n")
    assert lines[1].startswith("  FAIL max-duplicate-ratio 0.3333 > 0: 1 of 3 documents")
    assert lines[4].startswith("copy.txt:1: [max-duplicate-ratio] copy.txt is a near-duplicate")
    assert lines[5] == "findings of max-boilerplate-ratio, which holds (they fail nothing):"
    first = "d0.txt:1: [max-boilerplate-ratio] boilerplate (metadata_header 1 >= 1): 'date"
    assert lines[6] == f"{first} 2023-02-14 PTI'"
    reused = lines.index("findings of max-reused-ratio, which holds (they fail nothing):")
    assert lines[reused + 1].startswith("d1.txt:1: [max-reused-ratio] passage reused from d0")


def test_text_check_lists_the_first_findings_of_each_limit_and_counts_the_rest(seed_texts):
    """A new-user trial: `dedup check` of 300 documents printed 6,528 lines, nearly all
    findings of limits that passed. A failing limit lists its first TOP_FINDINGS, one that
    passed its first TOP_PASSING_FINDINGS; the json output keeps all."""
    from dedup.render import TOP_FINDINGS, TOP_PASSING_FINDINGS, render_check

    docs = [
        Document(f"d{k}.txt", text, f"d{k}.txt")
        for k, text in enumerate(list(seed_texts.values()) * 40)
    ]
    failing = check(docs, limits=Limits(max_duplicate_ratio=0.0))
    passing = check(docs, limits=Limits(max_duplicate_ratio=1.0))
    for result, shown in ((failing, TOP_FINDINGS), (passing, TOP_PASSING_FINDINGS)):
        (dup,) = [v for v in result.verdicts if v.rule == "max-duplicate-ratio"]
        assert len(dup.findings) > shown
        lines = render_check(result, "text").splitlines()
        listed = [line for line in lines if "[max-duplicate-ratio]" in line]
        assert len(listed) == shown + 1
        assert listed[-1] == (
            f"... {len(dup.findings) - shown:,} more [max-duplicate-ratio] findings "
            "(--format json lists all)"
        )
        verdicts = json.loads(render_check(result, "json"))["check"]["verdicts"]
        (listed_json,) = [v["findings"] for v in verdicts if v["rule"] == "max-duplicate-ratio"]
        assert len(listed_json) == len(dup.findings)


def test_text_check_counts_are_grouped_in_thousands():
    # "FAIL: ..., 0 new findings (1844 accepted by the baseline)" beside "1,844" elsewhere.
    from dedup.check import CheckResult, Verdict
    from dedup.render import check_verdicts
    from dedup.report import Report

    verdict = Verdict("max-duplicate-ratio", 0.0, 0.0, (), accepted=1844)
    stale = tuple({"key": str(k)} for k in range(1200))
    result = CheckResult(Report(config={}, fingerprint="f"), (verdict,), (), stale=stale)
    lines = check_verdicts(result)
    assert lines[0] == "PASS: 0 documents, 0 new findings (1,844 accepted by the baseline)"
    assert lines[-1] == "  1,200 accepted findings no longer found (stale baseline)"
