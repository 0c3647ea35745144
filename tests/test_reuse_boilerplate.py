"""Boilerplate that documents share is not reuse: passages of it are left out of a report.

Two new-user trials found a site footer ("Share this:", "Leave a Comment") reported as a
passage between republished copies of different articles, counted in their reuse and again
under a check's reuse limit. The real pages here are two pairs of one site each from the
labelled dev split: Cloudflare's pricing pages share a call to action the gold labels
furniture (and pricing blocks), DigitalOcean's pages share only a promotion.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document
from dedup.api import compare, scan
from dedup.check import Limits, evaluate
from dedup.cli import cli
from dedup.config import BoilerplateConfig, DedupConfig, PassageConfig
from dedup.report import (
    BOILERPLATE_SHARE,
    BoilerplateLine,
    DocumentInfo,
    PassageMatch,
    Report,
    Span,
    boilerplate_passages,
    boilerplate_spans,
    columns_reuse,
    passage_columns,
)

PAGES = Path(__file__).parent / "data" / "reuse_boilerplate_dev.jsonl"
CTA = "Get Cloudflare CDN for your enterprise"
PROMO = "Sign up and get $200 in credit for your first 60 days with DigitalOcean."


def _pages() -> list[dict]:
    return [json.loads(line) for line in PAGES.read_text(encoding="utf-8").splitlines()]


def _docs() -> list[Document]:
    return [Document(r["id"], r["text"], r["url"], {"site": r["site"]}) for r in _pages()]


def _config(*, keep: bool = False) -> DedupConfig:
    return DedupConfig(
        passage=replace(PassageConfig(), boilerplate=keep),
        boilerplate=BoilerplateConfig(site_field="site"),
    )


def _texts(report: Report) -> list[str]:
    return [p.a.text for p in report.passages]


def test_a_shared_promotion_is_not_reuse():
    report = scan(_docs(), _config())
    assert not any(t.startswith(PROMO[:30]) for t in _texts(report))
    assert report.counts["passages_boilerplate"] == 1
    # DigitalOcean's two pages shared nothing else: the pair goes too, and their reuse.
    assert report.counts["pairs_boilerplate"] == 1
    assert [(p.a, p.b) for p in report.pairs] == [("0692/readability", "2847/readability")]
    reused = {d.id: d.reused_chars for d in report.documents}
    assert reused["2684/trafilatura"] == reused["2835/trafilatura"] == 0
    # The pricing blocks the two Cloudflare pages share are still passages, and so is their
    # call to action: the detector keeps its heading ("Get Cloudflare CDN for your
    # enterprise"), six words outside the lines it takes, as many as a reworded sentence
    # has (`PassageConfig.least_words`).
    assert len(report.passages) == 5
    assert sum(t.startswith(CTA) for t in _texts(report)) == 1


def test_the_gold_labels_call_what_is_left_out_furniture():
    pages = {r["id"]: r for r in _pages()}
    kept = scan(_docs(), _config(keep=True))
    left = set(_texts(kept)) - set(_texts(scan(_docs(), _config())))
    (gone,) = [p for p in kept.passages if p.a.text in left]
    for side in (gone.a, gone.b):
        text, labels = pages[side.doc]["text"], pages[side.doc]["labels"]
        first, last = text.count("\n", 0, side.start), text.count("\n", 0, side.end)
        assert "content" not in labels[first : last + 1]
    assert "boilerplate" in labels[first : last + 1]


def test_the_passages_stay_when_asked_for_and_when_no_boilerplate_is_judged():
    report = scan(_docs(), _config(keep=True))
    assert sum(t.startswith((CTA, PROMO[:30])) for t in _texts(report)) == 2
    assert report.counts["passages_boilerplate"] == report.counts["pairs_boilerplate"] == 0
    unjudged = scan(_docs(), replace(_config(), find_boilerplate=False))
    assert sum(t.startswith((CTA, PROMO[:30])) for t in _texts(unjudged)) == 2


def test_compare_keeps_its_pair_when_only_boilerplate_is_shared():
    *_, c, d = _docs()
    report = compare(c, d, _config())
    assert not report.passages
    assert [(p.a, p.b) for p in report.pairs] == [(c.id, d.id)]
    assert report.counts["passages_boilerplate"] == 1


def test_the_scan_command_says_what_it_left_out_and_how_to_list_it(tmp_path):
    paths = []
    for k, doc in enumerate(_docs()[2:]):  # DigitalOcean's two pages
        path = tmp_path / f"{k}.txt"
        path.write_text(doc.text, encoding="utf-8")
        paths.append(str(path))
    result = CliRunner().invoke(cli, ["scan", *paths, "-q"])
    assert result.exit_code == 0, result.output
    assert (
        "1 passage of boilerplate lines left out with 1 pair that shared nothing else "
        "(--boilerplate-passages shows them)"
    ) in result.stdout
    shown = CliRunner().invoke(cli, ["scan", *paths, "-q", "--boilerplate-passages"])
    assert shown.exit_code == 0, shown.output
    assert "--boilerplate-passages shows" not in shown.stdout
    assert "Sign up and get $200" in shown.stdout


def test_a_settings_file_asks_for_boilerplate_passages(tmp_path, monkeypatch):
    for k, doc in enumerate(_docs()[2:]):
        (tmp_path / f"{k}.txt").write_text(doc.text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dedup.passage]\nboilerplate = true\n")
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(cli, ["scan", "0.txt", "1.txt", "-q"])
    assert shown.exit_code == 0, shown.output
    assert "Sign up and get $200" in shown.stdout
    rows = CliRunner().invoke(cli, ["config", "show"]).stdout.splitlines()
    assert [row.split()[:2] for row in rows if "boilerplate-passages" in row] == [
        ["boilerplate-passages", "true"]
    ]


def _line(doc: str, start: int, end: int, number: int, held: bool = False) -> BoilerplateLine:
    return BoilerplateLine(doc, start, end, number, "lexicon", 1.0, 0.9, "", held)


def _passage(a: tuple[int, int], b: tuple[int, int], words: int) -> PassageMatch:
    return PassageMatch(Span("a", *a, "x"), Span("b", *b, "x"), 1.0, words)


def test_a_footer_run_counts_as_one_across_blank_lines_and_held_lines_do_not_count():
    # "Share this:\n\nTwitter\r\nLeave a Comment": lines 0, 2 and 3, blank line 1.
    lines = [_line("a", 0, 11, 0), _line("a", 13, 20, 2), _line("a", 22, 37, 3)]
    cols = passage_columns([_passage((0, 37), (0, 37), 6)], ["a", "b"])
    assert boilerplate_passages(cols, lines, 8).tolist() == [True]
    # "ab\r\ncd": two lines parted by a CRLF are one run, so 30 words have none outside.
    crlf = [_line("a", 0, 2, 0), _line("a", 4, 6, 1)]
    one = passage_columns([_passage((0, 6), (0, 6), 30)], ["a", "b"])
    assert boilerplate_passages(one, crlf, 8).tolist() == [True]
    held = [replace(line, held=True) for line in lines]
    assert boilerplate_passages(cols, held, 8).tolist() == [False]
    # Mostly footer, but with enough words outside it (40 x 23/60 >= 8): the passage is
    # reuse that runs into the footer, and stays whole.
    longer = passage_columns([_passage((0, 60), (0, 60), 40)], ["a", "b"])
    assert boilerplate_passages(longer, lines, 8).tolist() == [False]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[BoilerplateLine], list[PassageMatch]]:
    """Lines of two documents at random offsets (never overlapping within one), and
    passages between them."""
    lines = []
    for doc in ("a", "b"):
        at, number = 0, 0
        for _ in range(draw(st.integers(0, 6))):
            step = draw(st.integers(1, 3))
            # Gaps of line breaks alone, of one character more, and any.
            at += draw(st.sampled_from([step, 2 * step, 2 * step + 1]) | st.integers(0, 30))
            number += step
            size = draw(st.integers(1, 40))
            lines.append(_line(doc, at, at + size, number, draw(st.booleans())))
            at += size
    span = st.tuples(st.integers(0, 200), st.integers(1, 120)).map(lambda t: (t[0], t[0] + t[1]))
    passages = draw(st.lists(st.builds(_passage, span, span, st.integers(1, 60)), max_size=8))
    return draw(st.permutations(lines)), passages


def _brute(lines: list[BoilerplateLine], passage: PassageMatch, min_words: int) -> bool:
    """The rule of `boilerplate_passages` over characters, one at a time."""
    for side in (passage.a, passage.b):
        covered = _fenced(lines, side.doc) & set(range(side.start, side.end))
        share = len(covered) / (side.end - side.start)
        if share >= BOILERPLATE_SHARE and passage.words * (1 - share) < min_words:
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(_cases(), st.integers(1, 20))
def test_boilerplate_passages_is_its_rule_counted_char_by_char(case, min_words):
    lines, passages = case
    found = boilerplate_passages(passage_columns(passages, ["a", "b"]), lines, min_words)
    assert found.tolist() == [_brute(lines, p, min_words) for p in passages]
    assert found.dtype == np.bool_


@pytest.mark.parametrize("jobs", [1, 2])
def test_leaving_boilerplate_out_does_not_depend_on_workers(jobs):
    one = scan(_docs(), _config())
    assert scan(_docs(), _config(), jobs=jobs).to_dict() == one.to_dict()


def _fenced(lines: list[BoilerplateLine], doc: str) -> set[int]:
    """The characters of a document's boilerplate runs, one at a time."""
    mine = sorted((ln for ln in lines if ln.doc == doc and not ln.held), key=lambda x: x.start)
    out = set()
    for ln in mine:
        out.update(range(ln.start, ln.end))
    for one, two in itertools.pairwise(mine):
        if two.start - one.end <= 2 * (two.line - one.line):
            out.update(range(one.end, two.start))
    return out


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_reuse_figures_count_no_boilerplate_character(case):
    # A passage that runs into a footer does not make the footer reuse: each document's
    # reused characters and its main source's are those of its spans outside its runs.
    lines, passages = case
    docs = [DocumentInfo("a", "a", 400), DocumentInfo("b", "b", 400)]
    infos, _ = columns_reuse(docs, passage_columns(passages, ["a", "b"]), lines)
    for info in infos:
        spans = [p.a if p.a.doc == info.id else p.b for p in passages]
        chars = set().union(*(range(s.start, s.end) for s in spans)) - _fenced(lines, info.id)
        assert info.reused_chars == (len(chars) if passages else 0)
        assert info.main_source_chars == (len(chars) if passages else 0)


def test_a_check_counts_a_footer_under_the_boilerplate_limit_alone():
    # Cloudflare's two pages opening with one sentence and a sharing row: the two share one
    # passage that runs from the sentence into the row. The check's reuse counts the
    # sentence, the row's lines count under the boilerplate limit alone.
    said = "The delegation will comprise senior officials from the foreign ministry, she said."
    row = ["Share this:", "Facebook", "Twitter", "Leave a Comment"]
    docs = [replace(d, text="\n".join([said, *row, "", d.text])) for d in _docs()[:2]]
    result = evaluate(docs, scan(docs, _config()), Limits(max_boilerplate_ratio=0.5))
    (passage,) = [p for p in result.report.passages if p.b.text.startswith(said)]
    assert "Leave a Comment" in passage.b.text  # the row is in the passage
    second = docs[1]
    mine = [b for b in result.report.boilerplate if b.doc == second.id and b.end <= 200]
    assert [second.text[b.start : b.end] for b in mine] == row
    reused = next(v for v in result.verdicts if v.rule == "max-reused-ratio")
    # Counted character by character: the copies' passage spans less every block of
    # boilerplate lines (line breaks alone part a block's lines).
    blocks = boilerplate_spans(result.report.boilerplate, [d.id for d in docs])
    chars = {
        (p.b.doc, at)
        for p in result.report.passages
        for at in range(p.b.start, p.b.end)
        if not any(s <= at < e for s, e in blocks.get(p.b.doc, ()))
    }
    assert reused.measured == len(chars)
    row_block = (mine[0].start, mine[-1].end)
    assert row_block in blocks[second.id]  # the row is one block, inside the passage
    assert passage.b.start < row_block[0] < row_block[1] <= passage.b.end
    boilerplate = next(v for v in result.verdicts if v.rule == "max-boilerplate-ratio")
    assert boilerplate.measured == sum(b.end - b.start for b in result.report.boilerplate)


FOOTER = [
    "Share this:",
    "Facebook",
    "Twitter",
    "Leave a Comment",
    "Subscribe to our newsletter for the week's best stories",
    "© 2025 Example News. All rights reserved.",
]


def _footed(tmp_path: Path) -> tuple[Path, Path]:
    """Two unrelated real pages (Cloudflare's and DigitalOcean's) ending in one sharing
    footer: the first in an index, the second in a folder to check against it."""
    footer = "\n".join(["", *FOOTER, ""])
    first, _, _, second = _docs()
    (tmp_path / "indexed").mkdir()
    (tmp_path / "indexed" / "cloudflare.txt").write_text(first.text + footer, encoding="utf-8")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "digitalocean.txt").write_text(second.text + footer, encoding="utf-8")
    index = tmp_path / "indexed.idx"
    built = CliRunner().invoke(cli, ["index", "build", str(tmp_path / "indexed"), "-o", str(index)])
    assert built.exit_code == 0, built.output
    return index, tmp_path / "new"


def test_a_footer_shared_with_an_indexed_page_is_not_reuse_of_it(tmp_path):
    # A new-user trial: `clean --against` rejected an unrelated article whole for its site
    # footer, and `check --against` and `index query` listed the footer as reuse.
    index, new = _footed(tmp_path)
    query = ["index", "query", str(index), str(new), "--format", "json"]
    found = json.loads(CliRunner().invoke(cli, query).stdout)
    assert (found["passages"], found["passages_boilerplate"]) == ([], 1)
    shown = json.loads(CliRunner().invoke(cli, [*query, "--boilerplate-passages"]).stdout)
    assert [p["b"]["text"] for p in shown["passages"]] == ["\n".join(FOOTER)]
    check = ["check", str(new), "--against", str(index), "--max-reused-ratio", "0"]
    assert CliRunner().invoke(cli, check).exit_code == 0
    assert CliRunner().invoke(cli, [*check, "--boilerplate-passages"]).exit_code == 1
    out = tmp_path / "out"
    clean = ["clean", str(new), "--against", str(index), "-o", str(out), "-q"]
    assert CliRunner().invoke(cli, clean).exit_code == 0
    assert [p.name for p in out.glob("*.txt")] == ["digitalocean.txt"]
    assert CliRunner().invoke(cli, [*clean, "--boilerplate-passages"]).exit_code == 0
    assert not list(out.glob("*.txt"))  # rejected for reusing the indexed footer


def test_the_command_line_turns_a_settings_file_default_off_for_one_run(tmp_path, monkeypatch):
    for k, doc in enumerate(_docs()[2:]):
        (tmp_path / f"{k}.txt").write_text(doc.text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dedup.passage]\nboilerplate = true\n")
    monkeypatch.chdir(tmp_path)
    args = ["scan", "0.txt", "1.txt", "-q", "--format", "json"]
    report = json.loads(CliRunner().invoke(cli, [*args, "--no-boilerplate-passages"]).stdout)
    assert (report["passages"], report["counts"]["passages_boilerplate"]) == ([], 1)


def test_asking_for_boilerplate_passages_without_a_passage_search_is_a_usage_error():
    result = CliRunner().invoke(
        cli, ["scan", str(PAGES), "--no-passages", "--boilerplate-passages"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --boilerplate-passages needs the passage search; drop --no-passages\n"
    )
