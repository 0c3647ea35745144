"""The JSON report round-trips exactly and keeps the dedup.report/1 shape."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.api import scan
from dedup.config import BoilerplateConfig, DedupConfig, PassageConfig
from dedup.document import Document
from dedup.report import (
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
pairs = st.builds(DocumentPair, ids, ids, unit, unit)
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
    unit, st.integers(0, 2**32 - 1), st.lists(ids, max_size=3), st.none() | ids,
    st.integers(1, 50),
)  # fmt: skip
reports = st.builds(
    Report,
    config=configs.map(DedupConfig.to_dict),
    fingerprint=st.text(max_size=16),
    counts=st.dictionaries(ids, st.integers(0, 10**6), max_size=3),
    documents=st.lists(st.builds(DocumentInfo, ids, ids, st.integers(0, 9999)), max_size=3).map(
        tuple
    ),
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
    assert data["schema"] == "dedup.report/2"
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
