"""The persistent index: build, add, query, refusal of other settings, corruption, PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dedup.config import (
    BoilerplateConfig,
    DedupConfig,
    NormalizeConfig,
    PassageConfig,
    ShingleConfig,
)
from dedup.document import Document
from dedup.errors import ConfigError, InputError
from dedup.lsh import band_keys
from dedup.store import Index

TRAIN = [
    Document(
        "train-001",
        "Pakistan and the US are set to hold a new round of their defence dialogue in "
        "Washington next week. The first round of the dialogue was held in Pakistan in "
        "January 2021, officials said on Monday.",
        "train.jsonl:1",
    ),
    Document(
        "train-002",
        "The city council approved the new budget on Tuesday after a long debate about "
        "public transport, school repairs and the cost of cleaning the river banks.",
        "train.jsonl:2",
    ),
]
REUSED = "The first round of the dialogue was held in Pakistan in January 2021"
EVAL = Document(
    "eval-7",
    "A short introduction about something else. " + REUSED + ", according to reports.",
    "eval.jsonl:3",
)


@pytest.fixture
def index_path(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "train.idx")
    Index.build(path, TRAIN, DedupConfig()).close()
    return path


def test_query_names_indexed_document_and_exact_span(index_path: str) -> None:
    with Index.open(index_path, DedupConfig()) as index:
        result = index.query([EVAL])
    (passage,) = result.passages
    assert passage.a.doc == "train-001"
    start = TRAIN[0].text.index(REUSED)
    assert TRAIN[0].text[passage.a.start : passage.a.end] == passage.a.text
    assert passage.a.start <= start < passage.a.end
    assert EVAL.text[passage.b.start : passage.b.end] == passage.b.text
    assert result.sources["train-001"] == "train.jsonl:1"
    assert result.pairs == ()


def test_near_duplicate_is_found_with_exact_jaccard(index_path: str) -> None:
    copy = Document("eval-1", TRAIN[1].text + " Reported by staff.", "e.txt")
    with Index.open(index_path, DedupConfig()) as index:
        result = index.query([copy, Document("eval-2", "Nothing like it at all here.")])
    assert [(p.a, p.b) for p in result.pairs] == [("train-002", "eval-1")]
    assert 0.8 <= result.pairs[0].jaccard < 1.0


def test_add_is_idempotent_and_an_edited_document_replaces_its_old_entry(index_path: str) -> None:
    edited = Document("train-002", TRAIN[1].text + " It was updated.", "train.jsonl:2")
    with Index.open(index_path, DedupConfig()) as index:
        assert index.add([TRAIN[0], EVAL]).added == 1
        assert index.add([TRAIN[0], EVAL]).unchanged == 2
        assert len(index) == 3
        result = index.add([edited])
        assert (result.added, result.unchanged, result.updated) == (0, 0, 1)
        assert len(index) == 3
        # The edited file is the same document: not a duplicate of its own old version.
        assert index.query([edited]) == index.query([])
        # Another copy of the old text is still found, now against the edited entry.
        copy = Document("other", TRAIN[1].text, "other.txt")
        (pair,) = index.query([copy]).pairs
        assert pair.a == "train-002"
        assert pair.jaccard < 1.0


def test_remove_drops_every_row_of_a_document(index_path: str) -> None:
    with Index.open(index_path, DedupConfig()) as index:
        assert index.remove(["train-002", "unknown"]) == 1
        assert len(index) == 1
        assert index.query([Document("copy", TRAIN[1].text, "c.txt")]).pairs == ()
    with sqlite3.connect(index_path) as conn:
        for table in ("signatures", "bands", "window_bands"):
            docs = {n for (n,) in conn.execute(f"SELECT DISTINCT doc FROM dedup_{table}")}
            assert len(docs) <= 1, table


def test_a_corpus_checked_against_its_own_index_has_no_self_matches(tmp_path: Path) -> None:
    path = str(tmp_path / "self.idx")
    docs = [*TRAIN, EVAL]
    with Index.build(path, docs, DedupConfig()) as index:
        found = index.query(docs)
        assert found.pairs == ()
        assert {(p.a.doc, p.b.doc) for p in found.passages} == {
            ("train-001", "eval-7"),  # real reuse between two documents stays
            ("eval-7", "train-001"),
        }
        # The same text from the same file under an id typed another way: itself too.
        retyped = Document("./train-002", TRAIN[1].text, "./train.jsonl:2")
        assert index.query([retyped]).pairs == ()
        # The same text under another id from another file is a copy: reported.
        copy = Document("eval-9", TRAIN[1].text, "eval.jsonl:9")
        assert [(p.a, p.b, p.jaccard) for p in index.query([copy]).pairs] == [
            ("train-002", "eval-9", 1.0)
        ]


def test_scan_and_index_report_the_same_seed_passages(tmp_path: Path, seed_paths) -> None:
    from dedup.api import scan

    a, b = (
        Document(p.name, p.read_text(encoding="utf-8"), str(p)) for p in sorted(seed_paths.values())
    )
    scanned = scan([a, b]).passages
    assert len(scanned) >= 3
    path = str(tmp_path / "a.idx")
    with Index.build(path, [a], DedupConfig()) as index:
        queried = index.query([b]).passages
    assert [p.to_dict() for p in queried] == [p.to_dict() for p in scanned]


def test_index_built_with_other_settings_is_refused(index_path: str) -> None:
    with pytest.raises(ConfigError, match=r"threshold=0\.8 \(now 0\.9\)"):
        Index.open(index_path, DedupConfig(threshold=0.9))


@pytest.mark.parametrize(
    "config",
    [
        DedupConfig(keep="none"),
        DedupConfig(boilerplate=BoilerplateConfig(site_field="site", preset="docs")),
        DedupConfig(passage=PassageConfig(min_similarity=0.9, max_gap=2)),
        DedupConfig(find_boilerplate=False),
    ],
    ids=["keep", "boilerplate", "alignment", "no-boilerplate"],
)
def test_settings_that_do_not_change_the_index_do_not_refuse_it(
    index_path: str, config: DedupConfig
) -> None:
    assert config.index_fingerprint() == DedupConfig().index_fingerprint()
    with Index.open(index_path, config) as index:
        assert len(index) == 2
        index.query([EVAL])  # query-time settings apply as given


@pytest.mark.parametrize(
    ("config", "differs"),
    [
        (DedupConfig(num_perm=64), r"num_perm=128 \(now 64\)"),
        (DedupConfig(seed=7), r"seed=1 \(now 7\)"),
        (DedupConfig(shingle=ShingleConfig(size=3)), r"shingle\.size=5 \(now 3\)"),
        (DedupConfig(normalize=NormalizeConfig(casefold=False)), "normalize.casefold=True"),
        (DedupConfig(passages=False), r"passages=True \(now False\)"),
        (DedupConfig(passage=PassageConfig(window=20)), r"passage\.window=10 \(now 20\)"),
        (DedupConfig(passage=PassageConfig(min_words=12)), r"passage\.min_words=8"),
    ],
)
def test_settings_that_change_the_index_refuse_it_and_are_named(
    index_path: str, config: DedupConfig, differs: str
) -> None:
    with pytest.raises(ConfigError, match=differs) as caught:
        Index.open(index_path, config)
    assert "keep" not in str(caught.value)
    assert "boilerplate" not in str(caught.value)


def test_an_index_with_the_old_whole_config_fingerprint_is_refused_with_rebuild(
    index_path: str,
) -> None:
    with sqlite3.connect(index_path) as conn:
        conn.execute("DELETE FROM dedup_meta WHERE key = 'index_config'")
        conn.execute(
            "UPDATE dedup_meta SET value = ? WHERE key = 'fingerprint'",
            (DedupConfig().fingerprint(),),
        )
    with pytest.raises(ConfigError, match=r"built by an older dedup.*rebuild it with"):
        Index.open(index_path, DedupConfig())


def test_build_replaces_the_index_only_when_complete(index_path: str) -> None:
    def failing():
        yield TRAIN[0]
        msg = "disk full"
        raise RuntimeError(msg)

    before = Path(index_path).read_bytes()
    with pytest.raises(RuntimeError, match="disk full"):
        Index.build(index_path, failing(), DedupConfig())
    assert Path(index_path).read_bytes() == before
    assert sorted(p.name for p in Path(index_path).parent.iterdir()) == ["train.idx"]
    with Index.build(index_path, [EVAL], DedupConfig()) as index:
        assert len(index) == 1
    assert sorted(p.name for p in Path(index_path).parent.iterdir()) == ["train.idx"]


def test_query_result_to_dict_names_the_index(index_path: str) -> None:
    with Index.open(index_path, DedupConfig()) as index:
        data = index.query([EVAL]).to_dict(index_path)
    assert data["index"] == index_path
    assert data["sources"] == {"train-001": "train.jsonl:1"}
    assert data["passages"][0]["a"]["doc"] == "train-001"


def test_missing_and_foreign_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such index"):
        Index.open(str(tmp_path / "none.idx"), DedupConfig())
    foreign = tmp_path / "notes.idx"
    foreign.write_text("just some notes\n")
    with pytest.raises(InputError, match="not a dedup index"):
        Index.open(str(foreign), DedupConfig())
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(InputError, match="not a dedup index"):
        Index.open(str(other), DedupConfig())


def test_damaged_pages_are_detected(index_path: str) -> None:
    data = bytearray(Path(index_path).read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the page size, from the SQLite header
    assert len(data) > 2 * page
    data[page : 2 * page] = os.urandom(page)  # the second page: a table or index B-tree
    Path(index_path).write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupted"), Index.open(index_path, DedupConfig()) as ix:
        ix.query([EVAL])


def test_changed_stored_text_is_detected(index_path: str) -> None:
    conn = sqlite3.connect(index_path)
    conn.execute("UPDATE dedup_documents SET text = text || ' tampered' WHERE id = 'train-001'")
    conn.commit()
    conn.close()
    with (
        pytest.raises(InputError, match="checksum"),
        Index.open(index_path, DedupConfig()) as index,
    ):
        index.query([EVAL])


def test_band_keys_follow_the_banding_rule() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**32, size=(1, 12), dtype=np.uint32)
    b = a.copy()
    b[0, 5] ^= 1  # band 1 of 3 rows x 4 bands differs, the others are equal
    ka, kb = band_keys(a, 4, 3), band_keys(b, 4, 3)
    assert (ka == kb).tolist() == [[True, False, True, True]]
    assert ka.dtype == np.int64


@pytest.fixture
def postgres_url() -> Iterator[str]:
    dsn = os.environ.get("DEDUP_TEST_POSTGRES_DSN")
    if not dsn:
        pytest.skip("DEDUP_TEST_POSTGRES_DSN is not set (.ci/run starts a PostgreSQL server)")
    import psycopg

    schema = f"dedup_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in dsn else "?"
    yield f"{dsn}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_postgres_index_gives_the_same_answers_as_sqlite(
    postgres_url: str, index_path: str
) -> None:
    Index.build(postgres_url, TRAIN, DedupConfig()).close()
    copy = Document("eval-1", TRAIN[1].text + " Reported by staff.", "e.txt")
    with (
        Index.open(postgres_url, DedupConfig()) as pg,
        Index.open(index_path, DedupConfig()) as lite,
    ):
        assert pg.query([copy, EVAL]) == lite.query([copy, EVAL])
        assert pg.add([TRAIN[0], EVAL]).added == 1
        assert len(pg) == 3
    with pytest.raises(ConfigError, match="other settings"):
        Index.open(postgres_url, DedupConfig(seed=7))


def test_postgres_without_tables_is_not_an_index(postgres_url: str) -> None:
    with pytest.raises(InputError, match="not a dedup index"):
        Index.open(postgres_url, DedupConfig())


def test_an_add_interrupted_midway_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    """All of an add or none: Ctrl-C after the first batches were written rolls them back
    (a new-user trial: 700 of 703 documents stayed committed after Ctrl-C, unsaid)."""
    from dedup import store

    monkeypatch.setattr(store, "_BATCH", 2)
    location = str(tmp_path / "x.idx")
    news = "The harbour authority said the new ferry terminal opens in {} after delays."
    with Index.build(location, [Document("a", news.format("May"))], DedupConfig()):
        pass

    def interrupted() -> Iterator[Document]:
        for month in ("June", "July", "August", "September", "October"):
            yield Document(month, news.format(month) + " " + month * 3)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), Index.open(location, DedupConfig()) as index:
        index.add(interrupted())
    with Index.open(location, DedupConfig()) as index:
        assert len(index) == 1
        assert index.verify() == 1
