"""Duplicate clusters: verified, never chained, keep rules, identical for any --jobs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dedup.api import document_jaccard, scan
from dedup.cli import cli
from dedup.cluster import find_duplicates, keep_order
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.errors import ConfigError


def _words(seed_texts) -> list[str]:
    return " ".join(seed_texts.values()).split()


def _chain(words: list[str]) -> list[Document]:
    """a ~ b and b ~ c, but a and c are below the threshold: a chain, not a cluster."""
    base = words[:200]
    b = base[:]
    b[100:110] = ["zz"] * 10
    c = b[:]
    c[20:30] = ["yy"] * 10
    c[160:170] = ["xx"] * 10
    return [Document("a", " ".join(base)), Document("b", " ".join(b)), Document("c", " ".join(c))]


def test_no_chaining(seed_texts):
    docs = _chain(_words(seed_texts))
    config = DedupConfig(threshold=0.7)
    jac = {(x.id, y.id): document_jaccard(x, y, config) for x in docs for y in docs}
    assert jac[("a", "b")] >= 0.7
    assert jac[("b", "c")] >= 0.7
    assert jac[("a", "c")] < 0.7
    clusters = find_duplicates(docs, config).clusters
    assert [(c.representative, [m.id for m in c.members]) for c in clusters] == [("a", ["b"])]
    assert clusters[0].members[0].jaccard == jac[("a", "b")]


def test_members_verified_against_representative(seed_texts):
    words = _words(seed_texts)
    docs = [Document(f"d{i}", " ".join(words[i * 50 : i * 50 + 300])) for i in range(6)]
    docs += [Document("copy", docs[2].text + " a trailing line"), Document("same", docs[2].text)]
    result = find_duplicates(docs, DedupConfig())
    (cluster,) = result.clusters
    assert cluster.representative == "d2"
    assert cluster.kept == "d2"
    assert [m.id for m in cluster.members] == ["copy", "same"]
    for m in cluster.members:
        assert m.jaccard >= 0.8
    assert result.counts["duplicate_clusters"] == 1


@pytest.mark.parametrize(
    ("config", "kept"),
    [
        (DedupConfig(), "old"),
        (DedupConfig(keep="longest"), "long"),
        (DedupConfig(keep="newest", date_field="date"), "long"),
        (DedupConfig(keep="source", source_priority=("wiki/*",)), "wiki"),
        (DedupConfig(keep="none"), None),
    ],
)
def test_keep_rules(seed_texts, config, kept):
    text = " ".join(_words(seed_texts)[:300])
    docs = [
        Document("old", text, "news/1", {"date": "2020-01-01"}),
        Document("long", text + " more words here", "news/2", {"date": "2024-05-01"}),
        Document("wiki", text, "wiki/7", {}),
    ]
    (cluster,) = find_duplicates(docs, config).clusters
    assert cluster.kept == kept
    assert cluster.rule == config.keep
    assert len(cluster.members) == 2


def test_keep_order_undated_last():
    docs = [Document("x", "a"), Document("y", "b", meta={"d": "2021"}), Document("z", "c")]
    assert keep_order(docs, DedupConfig(keep="newest", date_field="d")) == [1, 0, 2]


def test_keep_rule_validation():
    with pytest.raises(ConfigError, match="date-field"):
        DedupConfig(keep="newest")
    with pytest.raises(ConfigError, match="source-priority"):
        DedupConfig(keep="source")


def test_jobs_give_identical_reports(seed_texts):
    words = _words(seed_texts)
    docs = [Document(f"d{i}", " ".join(words[i * 7 : i * 7 + 120])) for i in range(60)]
    config = DedupConfig(passages=False)
    one = scan(docs, config, jobs=1).to_dict()
    two = scan(docs, config, jobs=2).to_dict()
    assert json.dumps(one) == json.dumps(two)
    assert one["duplicates"]


def test_cli_keep_and_jobs(tmp_path, seed_texts):
    text = " ".join(_words(seed_texts)[:300])
    path = tmp_path / "c.jsonl"
    rows = [{"id": "a", "text": text}, {"id": "b", "text": text + " extra"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    args = ["scan", str(path), "--id-field", "id", "--no-passages", "--format", "json"]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, [*args, "--keep", "longest", "--jobs", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (cluster,) = json.loads(out.read_text(encoding="utf-8"))["duplicates"]
    assert cluster["kept"] == "b"
    assert cluster["members"][0]["id"] == "a"
    bad = CliRunner().invoke(cli, [*args, "--keep", "newest"])
    assert bad.exit_code == 2
    assert "--date-field" in bad.output
    bad = CliRunner().invoke(cli, [*args, "--jobs", "-1"])
    assert bad.exit_code == 2
    assert "--jobs" in bad.output
