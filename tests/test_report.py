"""The JSON report round-trips exactly and keeps the dedup.report/1 shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.api import scan
from dedup.config import BoilerplateConfig, DedupConfig, PassageConfig
from dedup.document import Document
from dedup.render import render_report
from dedup.report import (
    EXCERPT_CHARS,
    BoilerplateLine,
    ClusterMember,
    DocumentInfo,
    DocumentPair,
    DuplicateCluster,
    PassageMatch,
    Report,
    Span,
)

ids = st.text(min_size=1, max_size=8)
unit = st.floats(0, 1, allow_nan=False)
offsets = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).map(sorted)
spans = st.builds(lambda d, o, t: Span(d, o[0], o[1], t), ids, offsets, st.text(max_size=20))
passages = st.builds(PassageMatch, spans, spans, unit, st.integers(0, 500))
pairs = st.builds(DocumentPair, ids, ids, unit, unit, st.none() | unit, st.none() | unit)
clusters = st.builds(
    DuplicateCluster,
    ids,
    st.lists(st.builds(ClusterMember, ids, unit), max_size=3).map(tuple),
    st.none() | ids,
    unit,
    st.sampled_from(["first", "longest", "none"]),
)
boilerplate = st.builds(
    lambda d, o, line, rule, s, t, e: BoilerplateLine(d, o[0], o[1], line, rule, s, t, e),
    ids,
    offsets,
    st.integers(0, 99),
    st.sampled_from(["lexicon", "teaser_run"]),
    unit,
    unit,
    st.text(max_size=20),
)
configs = st.builds(
    lambda threshold, seed, priority, site, words: DedupConfig(
        threshold=threshold,
        seed=seed,
        keep="source" if priority else "first",
        source_priority=tuple(priority),
        boilerplate=BoilerplateConfig(site_field=site),
        passage=PassageConfig(min_words=words),
    ),
    st.floats(0, 1, exclude_min=True), st.integers(0, 2**32 - 1), st.lists(ids, max_size=3),
    st.none() | ids,
    st.integers(1, 50),
)  # fmt: skip
reports = st.builds(
    Report,
    config=configs.map(DedupConfig.to_dict),
    fingerprint=st.text(max_size=16),
    counts=st.dictionaries(ids, st.integers(0, 10**6), max_size=3),
    documents=st.lists(
        st.builds(
            DocumentInfo,
            ids,
            ids,
            st.integers(0, 9999),
            st.integers(0, 9999),
            st.none() | ids,
            st.integers(0, 9999),
        ),
        max_size=3,
    ).map(tuple),
    pairs=st.lists(pairs, max_size=3).map(tuple),
    duplicates=st.lists(clusters, max_size=2).map(tuple),
    passages=st.lists(passages, max_size=3).map(tuple),
    boilerplate=st.lists(boilerplate, max_size=3).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(report=reports)
def test_round_trip_through_json(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data) == report


@settings(max_examples=100, deadline=None)
@given(config=configs)
def test_config_round_trips_through_json(config):
    data = json.loads(json.dumps(config.to_dict()))
    assert DedupConfig.from_dict(data) == config
    assert DedupConfig.from_dict(data).fingerprint() == config.fingerprint()


def test_scanned_report_with_source_priority_round_trips():
    config = DedupConfig(keep="source", source_priority=("wiki/*", "news/*"))
    docs = [Document("a", "one two three four five six", "wiki/a"), Document("b", "x y z")]
    report = scan(docs, config)
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_shape_has_the_contract_keys():
    data = Report(config={}, fingerprint="f").to_dict()
    assert data["schema"] == "dedup.report/3"
    assert "line: 1-based" in data["positions"]
    for key in (
        "config",
        "fingerprint",
        "documents",
        "duplicates",
        "passages",
        "boilerplate",
        "summary",
    ):
        assert key in data


def test_boilerplate_lines_are_1_based_in_json_and_version_1_reports_still_read():
    line = BoilerplateLine("d", 12, 27, 1, "lexicon", 1.0, 0.9, "leave a comment")
    report = Report(config={}, fingerprint="f", boilerplate=(line,))
    data = report.to_dict()
    assert data["boilerplate"][0]["line"] == 2  # the second line, as people count
    assert Report.from_dict(data) == report
    old = {**data, "schema": "dedup.report/1"}
    old["boilerplate"] = [{**data["boilerplate"][0], "line": 1}]  # version 1 counted from 0
    assert Report.from_dict(old) == report


def _long_passage() -> PassageMatch:
    text = "word " * 100  # 500 characters
    return PassageMatch(Span("a", 0, 500, text), Span("b", 7, 507, text), 1.0, 100)


def test_passage_text_excerpt_full_and_none():
    report = Report(config={}, fingerprint="f", passages=(_long_passage(),))
    full = report.to_dict()["passages"][0]["a"]
    assert full["text"] == "word " * 100
    assert "text_cut" not in full
    excerpt = report.to_dict(passage_text="excerpt")["passages"][0]["b"]
    assert excerpt == {"doc": "b", "start": 7, "end": 507, "text": "word " * 40, "text_cut": True}
    assert len(excerpt["text"]) == EXCERPT_CHARS
    assert report.to_dict(passage_text="none")["passages"][0]["a"] == {
        "doc": "a",
        "start": 0,
        "end": 500,
    }
    short = Span("a", 0, 5, "Hello").to_dict(text="excerpt")
    assert short == {"doc": "a", "start": 0, "end": 5, "text": "Hello"}  # whole: not cut
    with pytest.raises(ValueError, match="excerpt, full, none"):
        Span("a", 0, 5, "Hello").to_dict(text="some")


@pytest.mark.parametrize("passage_text", ["excerpt", "none"])
def test_report_without_whole_texts_reads_back_with_the_spans(passage_text):
    report = Report(config={}, fingerprint="f", passages=(_long_passage(),))
    back = Report.from_dict(json.loads(json.dumps(report.to_dict(passage_text=passage_text))))
    (p,) = back.passages
    assert (p.a.doc, p.a.start, p.a.end, p.b.start, p.b.end) == ("a", 0, 500, 7, 507)
    assert p.a.text == ("word " * 40 if passage_text == "excerpt" else "")
    assert back.summary() == report.summary()
    # Shown (text output, an HTML page without the inputs) as what it is: never as the
    # whole passage, nor as an empty one (the new-user trial).
    expected = "word " * 40 + "…" if passage_text == "excerpt" else "(text not in the report)"
    assert p.a.shown == expected
    assert expected[-20:].strip() in " ".join(render_report(back).split())
    assert report.passages[0].a.shown == "word " * 100


def test_version_2_reports_still_read():
    report = Report(config={}, fingerprint="f", passages=(_long_passage(),))
    assert Report.from_dict({**report.to_dict(), "schema": "dedup.report/2"}) == report


def test_foreign_json_is_refused():
    with pytest.raises(ValueError, match="not a dedup report"):
        Report.from_dict({"schema": "other/1"})


def test_summary_counts_reused_characters_once():
    a = Span("x", 0, 10, "0123456789")
    report = Report(
        config={},
        fingerprint="f",
        passages=(
            PassageMatch(a, Span("y", 0, 10, "0123456789"), 1.0, 9),
            PassageMatch(Span("x", 5, 10, "56789"), Span("z", 0, 5, "56789"), 1.0, 9),
        ),
    )
    assert report.summary()["reused_chars"] == 10 + 10 + 5


def test_documents_carry_their_reused_share_and_main_source():
    story = "The delegation will comprise senior officials from the foreign ministry and trade. "
    other = "A second story about the harbour works, which will close the bay for a month. "
    docs = [
        Document("src1", "Intro words here. " + story),
        Document("src2", other + "Nothing else."),
        Document("copy", story + other + "Own closing line of the copy."),
    ]
    report = scan(docs, DedupConfig(find_boilerplate=False))
    info = {d.id: d for d in report.documents}
    copy = info["copy"]
    assert copy.main_source in {"src1", "src2"}
    assert copy.reused_chars == len(story.strip()) + len(other.strip())  # counted once
    assert copy.reused == round(copy.reused_chars / copy.chars, 4)
    assert info["src1"].main_source == "copy"
    data = report.to_dict()["documents"][2]
    assert data["reused"] == copy.reused
    assert data["main_source"] == copy.main_source


def test_pairs_carry_containment_both_ways():
    short = "one two three four five six seven eight nine ten eleven twelve thirteen"
    long = short + " and then some other words that only the long document has in it"
    report = scan([Document("s", short), Document("l", long)], DedupConfig(find_boilerplate=False))
    (pair,) = report.pairs
    assert pair.containment_a == 1.0
    assert 0 < pair.containment_b < 1
    assert pair.jaccard == pair.containment_b  # every shingle of the short one is shared


def test_report_without_reuse_fields_reads_with_defaults():
    data = Report(config={}, fingerprint="x").to_dict()
    data["documents"] = [{"id": "a", "source": "a", "chars": 3}]
    data["pairs"] = [{"a": "a", "b": "b", "jaccard": 0.5, "threshold": 0.8}]
    report = Report.from_dict(data)
    assert report.documents[0].reused == 0.0
    assert report.documents[0].main_source is None
    assert report.pairs[0].containment_a is None


def test_text_report_starts_with_a_summary_and_the_top_pairs_and_stays_bounded():
    from dedup.render import TOP_PAIRS, TOP_PASSAGES, render_report

    pairs = tuple(
        DocumentPair(f"a{k}", f"b{k}", 0.01 * k, 0.8, 0.01 * k, 0.01 * k, 0.01 * k, 0.01 * k)
        for k in range(TOP_PAIRS + 5)
    )
    passages = tuple(
        PassageMatch(Span(f"a{k % 25}", 0, 5, "abcde"), Span(f"b{k % 25}", 0, 5, "abcde"), 1.0, 9)
        for k in range(TOP_PASSAGES + 7)
    )
    report = Report(
        config={}, fingerprint="f", pairs=pairs, passages=passages,
        counts={"passages_left_out": 3, "pairs_left_out": 4},
    )  # fmt: skip
    lines = render_report(report, width=80).splitlines()
    assert lines[0] == (
        f"0 documents, 0 near-duplicate clusters, {TOP_PASSAGES + 7} shared passages "
        f"({TOP_PASSAGES + 7} verbatim), "
        "3 more left out (--max-passages-per-pair, --max-passages-per-doc); "
        "4 candidate pairs not aligned (--max-partners, near-duplicates)"
    )
    assert lines[1].startswith(f"a{TOP_PAIRS + 4} vs b{TOP_PAIRS + 4}:")  # most reuse first
    assert lines[TOP_PAIRS + 1] == "... 5 more pairs (--format json lists all)"
    assert sum(line.startswith("passage ") for line in lines) == TOP_PASSAGES
    assert lines[-1] == "... 7 more passages (--format json lists all)"


def test_the_summary_line_counts_one_left_out_pair_in_the_singular():
    # `dedup scan '/usr/share/doc/lib[x-z]*'` said "1 candidate pairs not aligned"
    report = Report(config={}, fingerprint="f", counts={"pairs_left_out": 1, "pairs_not_listed": 1})
    assert render_report(report).splitlines()[0] == (
        "0 documents, 0 near-duplicate clusters, 0 shared passages; "
        "1 candidate pair not aligned (--max-partners, near-duplicates); "
        "1 more pair shares a passage, unlisted (--max-passages-per-doc)"
    )


def test_text_report_lists_the_largest_clusters_and_says_how_many_it_leaves_out():
    from dedup.render import TOP_CLUSTERS, render_report
    from dedup.report import ClusterMember, DuplicateCluster

    clusters = tuple(
        DuplicateCluster(
            f"r{k}", (ClusterMember(f"m{k}", 0.9),) * (1 + k % 3), f"r{k}", 0.8, "first"
        )
        for k in range(TOP_CLUSTERS + 4)
    )
    report = Report(config={"passages": False}, fingerprint="f", duplicates=clusters)
    lines = render_report(report, width=80).splitlines()
    assert lines[0] == (
        f"0 documents, {TOP_CLUSTERS + 4} near-duplicate clusters of "
        f"{sum(len(c.members) + 1 for c in clusters)} documents; "
        "passages not searched (--no-passages)"
    )
    assert lines[2] == "  r2: 3 near-duplicates, keeps r2 (--keep first)"  # largest first
    assert sum(line.startswith("  r") for line in lines) == TOP_CLUSTERS
    assert lines[-1] == "  ... 4 more clusters (--format json lists all)"


def test_text_report_lists_pairs_beyond_the_copies_and_cuts_long_passages():
    """A new-user trial: with many near-duplicate copies the text listed only copy pairs
    (the clusters above already name them), and printed a passage of a whole licence file
    as 390 rows. The seeds share press-release passages; three copies of the first join."""
    from dedup.render import PASSAGE_ROWS

    root = Path(__file__).parent.parent / "samples"
    a = (root / "000_4ff9758f249b83b0.txt").read_text(encoding="utf-8")
    b = (root / "004_35cd667b6f9468cb.txt").read_text(encoding="utf-8")
    docs = [Document("a", a), Document("b", b)]
    docs += [Document(f"a{k}", a.replace("the", "a", k)) for k in (1, 2, 3)]
    report = scan(docs, DedupConfig())
    assert len(report.duplicates) == 1
    text = render_report(report, width=100)
    pair_lines = [line for line in text.splitlines() if " vs " in line]
    assert "not near-duplicates" in pair_lines[0], pair_lines[:3]
    assert pair_lines[0].startswith(("a vs b:", "a1 vs b:", "a2 vs b:", "a3 vs b:"))
    assert all("(near-duplicates)" in line for line in pair_lines[-3:])
    # The copies share the whole text: each of their passages shows at most PASSAGE_ROWS rows.
    longest = max(report.passages, key=lambda p: p.a.end - p.a.start)
    assert longest.a.end - longest.a.start > 2000
    rows = text.split(f"[{longest.a.start}:{longest.a.end})", 1)[1].split("\n\n", 1)[0]
    # The right span's end of the row, the rule, the rows, "… N more rows".
    assert len(rows.splitlines()) == 1 + 1 + PASSAGE_ROWS + 1
    assert rows.splitlines()[-1].startswith("… ")


def test_text_report_lists_the_first_boilerplate_lines_and_counts_the_rest():
    from dedup.render import TOP_BOILERPLATE

    found = tuple(
        BoilerplateLine(f"d{k}", 0, 15, 0, "lexicon", 1.0, 0.9, "leave a comment")
        for k in range(TOP_BOILERPLATE + 1234)
    )
    lines = render_report(Report(config={}, fingerprint="f", boilerplate=found)).splitlines()
    assert lines[2] == f"{TOP_BOILERPLATE + 1234:,} boilerplate lines (20,010 chars):"
    assert sum(line.startswith("  d") for line in lines) == TOP_BOILERPLATE
    assert lines[-1] == "  ... 1,234 more lines (--format json lists all)"


def test_text_report_counts_boilerplate_characters_as_the_json_summary_does():
    # Held lines stay in the text: neither count has them (a new-user trial saw 191,925
    # characters in the text against 186,062 in the json summary).
    found = (
        BoilerplateLine("d", 0, 15, 0, "lexicon", 1.0, 0.9, "leave a comment"),
        BoilerplateLine("d", 16, 40, 1, "line_model", 0.99, 0.97, "tail block", held=True),
    )
    report = Report(config={}, fingerprint="f", boilerplate=found)
    assert report.summary()["boilerplate_chars"] == 15
    text = render_report(report)
    assert "2 boilerplate lines (15 chars; 1 line of 24 chars held back by the removal" in text
    # One line said "1 boilerplate lines (0 chars, ...)", then "1 boilerplate line (0 chars,
    # 1 held back ...)": a held line counted as nothing.
    one = render_report(Report(config={}, fingerprint="f", boilerplate=found[1:]))
    assert "\n1 boilerplate line (1 line of 24 chars held back by the removal budget):\n" in one
