"""The HTML report without a browser: escaping, embedded data, determinism, `dedup report`.

The browser half (highlighting, navigation, a hostile corpus running no script) is in
test_htmlreport_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_helpers import run_cli

from dedup import Document, compare
from dedup.check import Limits, check
from dedup.htmlreport import page_data, render_html, script_json
from dedup.render import render_check
from dedup.report import BoilerplateLine, DocumentInfo, PassageMatch, Report, Span

pytest.importorskip("jinja2")

HOSTILE = (
    'Breaking: <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned=1">\n'
    '<a href="javascript:window.__pwned=1">click</a> </style><b>bold</b> </script><script>alert(1)'
    "</script>\n&amp; &lt; \u2028 \u2029 <!-- comment --> ]]> {{ 7*7 }} {% raw %}\n"
    "Look-alikes: раураl.com 𝐏𝐚𝐲𝐏𝐚𝐥 \u202egnp.exe\u202c Z\u0335\u0321\u0327a\u0336\u0328l\u0337go\n"
)
SHARED = (
    "The ministry said that the delegation will comprise senior officials from the foreign "
    "office, the joint staff headquarters and three services headquarters this week."
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def hostile_docs() -> list[Document]:
    """Two documents that share a passage holding markup, and ids that are markup too."""
    a = f"{HOSTILE}\n{SHARED} <script>window.__pwned=2</script>\nLeave a Comment\n"
    b = f"Intro 𝐏𝐚𝐲 line.\n{SHARED} <script>window.__pwned=2</script>\n{HOSTILE}Share:\n"
    return [
        Document('<img src=x onerror="window.__pwned=1">.txt', a, "a.txt"),
        Document("</script><script>window.__pwned=1</script>", b, "b.txt"),
    ]


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def hostile_page() -> str:
    docs = hostile_docs()
    report = compare(docs[0], docs[1])
    assert report.passages, "the hostile documents must share a passage for the test to bite"
    return render_html(report, texts={d.id: d.text for d in docs})


def test_script_json_escapes_everything_that_could_end_the_element():
    data = {"t": "</script><!--<script>&\u2028\u2029'\"", "k": ["</SCRIPT >"]}
    text = str(script_json(data))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data


def test_hostile_corpus_adds_no_element_attribute_or_link(hostile_page):
    parsed = _tags(hostile_page)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"img", "iframe", "object", "embed", "svg", "b", "base", "form"}
    assert [tag for tag, _ in parsed.tags].count("script") == 2  # the data and the page's own
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action"):
                assert value is not None, (tag, name)
                assert value.startswith("#"), (tag, name, value)
    # The corpus text is there, as text: escaped in the markup, whole in the data.
    assert "&lt;script&gt;window.__pwned = 1" not in hostile_page  # texts are data, not markup
    assert "&lt;img src=x onerror=" in hostile_page  # the id in the overview's tables
    data = json.loads(parsed.scripts[0])
    assert HOSTILE in data["docs"][0]["text"]


def test_csp_pins_the_page_script_by_hash(hostile_page):
    parsed = _tags(hostile_page)
    script = parsed.scripts[1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    (csp,) = [
        dict(attrs)["content"]
        for tag, attrs in parsed.tags
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy"
    ]
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp
    assert "http" not in hostile_page.split("<body>")[0].replace("http-equiv", "")


def test_page_is_deterministic_and_self_contained(seed_paths, tmp_path):
    a, b = str(seed_paths["000"]), str(seed_paths["004"])
    pages = []
    for name in ("one.html", "two.html"):
        code, _, err = run_cli("compare", a, b, "--format", "html", "-o", str(tmp_path / name))
        assert code == 0, err
        pages.append((tmp_path / name).read_bytes())
    assert pages[0] == pages[1]
    page = pages[0].decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "<link" not in page
    assert "@import" not in page


def test_offsets_are_utf16_code_units_for_javascript():
    text = "𝐀𝐁 shared words here 😀 and more"
    start = text.index("shared")
    span = Span("a", start, start + 6, "shared")
    report = Report(
        config={},
        fingerprint="f",
        documents=(DocumentInfo("a", "a", len(text)), DocumentInfo("b", "b", 6)),
        passages=(PassageMatch(span, Span("b", 0, 6, "shared"), 1.0, 1),),
        boilerplate=(BoilerplateLine("a", start, len(text), 0, "lexicon", 1.0, 0.9, "x"),),
    )
    data = page_data(report, {"a": text, "b": "shared"})
    units = text.encode("utf-16-le")
    _, s, e, *_ = data["passages"][0]
    assert units[2 * s : 2 * e].decode("utf-16-le") == "shared"
    _, s, e, *_ = data["boilerplate"][0]
    assert units[2 * s : 2 * e].decode("utf-16-le") == text[start:]


def test_changed_text_is_not_shown_with_stale_offsets():
    report = Report(config={}, fingerprint="f", documents=(DocumentInfo("a", "a", 5),))
    assert page_data(report, {"a": "longer than five"})["docs"][0]["text"] is None
    assert page_data(report, {"a": "fives"})["docs"][0]["text"] == "fives"


def test_check_page_lists_failed_limits_first():
    text = "The committee will meet again on Monday to review the draft budget."
    docs = [Document("a.txt", text, "a.txt"), Document("b.txt", text, "b.txt")]
    result = check(docs, limits=Limits(max_duplicate_ratio=0.0, max_boilerplate_ratio=1.0))
    page = render_check(result, "html", texts={d.id: d.text for d in docs})
    rows = re.findall(r'<tr class="(ok|failed)">.*?<code>--([a-z-]+)</code>', page)
    assert rows[0] == ("failed", "max-duplicate-ratio")
    assert [status for status, _ in rows] == ["failed", "ok", "ok"]
    assert ">FAIL</span>" in page


# --------------------------------------------------------------------- dedup report


def test_report_renders_a_saved_scan_with_the_texts(seed_paths, tmp_path, monkeypatch):
    monkeypatch.chdir(seed_paths["000"].parent.parent)
    saved, page = tmp_path / "r.json", tmp_path / "r.html"
    a, b = (str(p.relative_to(Path.cwd())) for p in seed_paths.values())
    assert run_cli("compare", a, b, "--format", "json", "-o", str(saved))[0] == 0
    code, _, err = run_cli("report", str(saved), "-o", str(page))
    assert (code, err) == (0, "")
    data = json.loads(_tags(page.read_text()).scripts[0])
    assert [d["text"] is not None for d in data["docs"]] == [True, True]
    assert len(data["passages"]) >= 3


def test_report_renders_a_saved_scan_as_the_text_the_scan_printed(tmp_path, monkeypatch):
    # `dedup report --format text`: a saved JSON report read as `scan` prints it, its
    # boilerplate lines with their text (read from the sources the report names).
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_4ff9758f249b83b0.txt", "004_35cd667b6f9468cb.txt"):
        (corpus / name).write_text((SAMPLES / name).read_text("utf-8"), encoding="utf-8")
    code, printed, _ = run_cli("scan", "corpus", "-q")
    assert code == 0
    assert run_cli("scan", "corpus", "-q", "--format", "json", "-o", "r.json")[0] == 0
    code, out, err = run_cli("report", "r.json", "--format", "text")
    assert (code, err) == (0, "")
    assert out == printed
    assert "boilerplate" in out
    assert "shared passages" in out
    assert run_cli("report", "r.json", "--format", "pdf")[0] == 2


def test_report_finds_a_moved_folder_and_notes_an_edit_that_kept_the_length(tmp_path, monkeypatch):
    # A new-user trial: after `mv moved moved2`, `dedup report r.json moved2` found no text
    # (the ids and sources named moved/); after `sed s/Debian/DEBIAN/`, a same-length edit,
    # the passages were shown at offsets that no longer held them, with no note.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "moved").mkdir()
    for name in ("000_4ff9758f249b83b0.txt", "004_35cd667b6f9468cb.txt"):
        (tmp_path / "moved" / name).write_text((SAMPLES / name).read_text("utf-8"), "utf-8")
    assert run_cli("scan", "moved", "-q", "--format", "json", "-o", "r.json")[0] == 0
    printed = run_cli("scan", "moved", "-q")[1]
    (tmp_path / "moved").rename(tmp_path / "moved2")
    code, out, err = run_cli("report", "r.json", "moved2", "--format", "text")
    assert (code, err) == (0, "")
    assert out == printed
    edited = tmp_path / "moved2" / "004_35cd667b6f9468cb.txt"
    edited.write_text(edited.read_text("utf-8").replace("Pakistan", "PAKISTAN"), "utf-8")
    code, _, err = run_cli("report", "r.json", "moved2", "--format", "text")
    assert code == 0
    assert "1 of 2 documents are shown by their passages alone" in err


def test_report_without_the_texts_shows_passages_and_says_so(seed_paths, tmp_path):
    moved = {k: tmp_path / p.name for k, p in seed_paths.items()}
    for key, path in moved.items():
        path.write_text(seed_paths[key].read_text(encoding="utf-8"), encoding="utf-8")
    saved = tmp_path / "r.json"
    assert (
        run_cli("compare", *map(str, moved.values()), "--format", "json", "-o", str(saved))[0] == 0
    )
    for path in moved.values():
        path.unlink()
    code, out, err = run_cli("report", str(saved))
    assert code == 0
    assert "2 of 2 documents are shown by their passages alone" in err
    data = json.loads(_tags(out).scripts[0])
    assert all(d["text"] is None for d in data["docs"])
    assert all(p[9] and p[10] for p in data["passages"])  # each side's text travels instead


def test_report_reads_the_sources_it_can_when_one_cannot_be_read(seed_paths, tmp_path):
    # A scan of /usr/share/doc with --encoding auto: `dedup report` without it showed 2,707
    # of 2,707 documents by their passages alone, for one Latin-1 AUTHORS file.
    a, b = (tmp_path / p.name for p in seed_paths.values())
    for path, source in zip((a, b), seed_paths.values(), strict=True):
        path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    latin = tmp_path / "c.txt"  # the first sample again, as Windows-1252 bytes
    latin.write_bytes(a.read_text(encoding="utf-8").encode("cp1252"))
    saved = tmp_path / "r.json"
    args = ("scan", str(a), str(b), str(latin), "--encoding", "auto", "--format", "json")
    assert run_cli(*args, "-o", str(saved))[0] == 0
    code, out, err = run_cli("report", str(saved))
    assert code == 0
    assert err.splitlines() == [
        f"warning: 1 source of the report cannot be read: {latin} is not valid UTF-8 (byte 1084); "
        "pass its encoding (--encoding cp1252) or let dedup detect it (--encoding auto); pass the "
        "inputs after REPORT",
        "note: 1 of 3 documents are shown by their passages alone (text not found or changed "
        "since the report); pass the input files after REPORT (with the scan's --text-field, "
        "if it had one)",
    ]
    data = json.loads(_tags(out).scripts[0])
    assert [d["text"] is not None for d in data["docs"]] == [True, True, False]
    assert run_cli("report", str(saved), "--encoding", "auto")[2] == ""


def test_report_finds_the_texts_from_another_directory_and_without_the_id_field(
    seed_paths, tmp_path, monkeypatch
):
    # The new-user trial: a scan made with --id-field, or rendered from another working
    # directory, found none of its texts although the inputs were passed.
    corpus = tmp_path / "data" / "corpus.jsonl"
    corpus.parent.mkdir()
    rows = [
        {"id": key, "text": path.read_text(encoding="utf-8")} for key, path in seed_paths.items()
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "r.json"
    args = ("scan", "data/corpus.jsonl", "--id-field", "id", "--no-boilerplate")
    assert run_cli(*args, "--format", "json", "-o", str(saved))[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # With no inputs, the report's sources are found next to the report (it was written
    # beside the corpus's folder): a new-user trial saw every text missing.
    for inputs in ([], ["../data/corpus.jsonl"], [str(corpus)], [str(corpus.parent)]):
        code, out, err = run_cli("report", str(saved), *inputs)
        assert (code, err) == (0, ""), (inputs, err)
        data = json.loads(_tags(out).scripts[0])
        assert [d["text"] is not None for d in data["docs"]] == [True, True], inputs
    moved = tmp_path / "elsewhere" / "r.json"
    moved.write_bytes(saved.read_bytes())
    code, out, err = run_cli("report", str(moved))  # no data/ beside it, nor here
    assert "2 of 2 documents are shown by their passages alone" in err


def test_report_finds_the_texts_of_a_scan_made_with_another_text_field(
    seed_paths, tmp_path, monkeypatch
):
    # The new-user trial: a scan made with --text-field showed no text in `dedup report`
    # until the option was given again (the report does not record it); the records the
    # default field skipped say which field holds texts of the reported lengths.
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": key, "title": key * 3, "body": path.read_text(encoding="utf-8")}
        for key, path in seed_paths.items()
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ("scan", "corpus.jsonl", "--text-field", "body", "--no-boilerplate")
    assert run_cli(*args, "--format", "json", "-o", "r.json")[0] == 0
    for inputs in ([], ["corpus.jsonl"]):
        code, out, err = run_cli("report", "r.json", *inputs)
        assert (code, err) == (0, ""), inputs
        data = json.loads(_tags(out).scripts[0])
        assert [d["text"] is not None for d in data["docs"]] == [True, True], inputs
    # A field named on the command line is taken at its word.
    code, out, err = run_cli("report", "r.json", "corpus.jsonl", "--text-field", "title")
    assert "2 of 2 documents are shown by their passages alone" in err


def _failing_check(seed_paths, fmt: str, output: Path) -> tuple[int, str]:
    """`dedup check` of the seeds with a reuse limit they break: (exit code, stdout)."""
    code, out, _ = run_cli(
        "check", *map(str, seed_paths.values()), "--max-reused-ratio", "0.01",
        "--format", fmt, "-o", str(output),
    )  # fmt: skip
    return code, out


def test_report_renders_a_saved_check_with_its_limits(tmp_path, seed_paths):
    saved = tmp_path / "check.json"
    assert _failing_check(seed_paths, "json", saved)[0] == 1
    code, out, _ = run_cli("report", str(saved), *map(str, seed_paths.values()))
    assert code == 0
    assert out.index("max-reused-ratio") < out.index("max-duplicate-ratio")
    assert "Findings of the failed limits" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "report.json: no such file; write a report with"),
        ("{not json", "Expecting property name"),
        ("[1, 2]", "a JSON list, not an object"),
        ('{"schema": "other/1"}', "schema is 'other/1'"),
        ('{"schema": "dedup.report/3", "config": {}}', "(no 'fingerprint' field)"),
        ('{"schema": "dedup.report/3", "fingerprint": "f"}', "(no 'config' field)"),
        ('{"schema": "dedup.report/3", "config": {}, "fingerprint": "f", "documents": 3}', "int"),
        ("CHECK", "check section is malformed"),
        ("NAN", "cannot be rendered"),
    ],
)
def test_report_bad_input_is_one_line_exit_2(tmp_path, content, says):
    path = tmp_path / "report.json"
    empty = Report(config={}, fingerprint="f").to_dict()
    if content == "CHECK":
        content = json.dumps({**empty, "check": {"verdicts": [{"rule": "x"}]}})
    elif content == "NAN":
        bad = Report(
            config={},
            fingerprint="f",
            documents=(DocumentInfo("a", "a", 1),),
            boilerplate=(BoilerplateLine("a", 0, 1, 0, "lexicon", float("nan"), 0.9, "x"),),
        )
        content = json.dumps(bad.to_dict())
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run_cli("report", str(path), "-o", str(tmp_path / "out.html"))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert says in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.html").exists()


def test_report_refuses_to_overwrite_its_input(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(Report(config={}, fingerprint="f").to_dict()), encoding="utf-8")
    code, _, err = run_cli("report", str(path), "-o", str(path))
    assert code == 2
    assert "is also an input" in err


def test_check_format_html_keeps_the_exit_code(tmp_path, seed_paths):
    page = tmp_path / "check.html"
    assert _failing_check(seed_paths, "html", page) == (1, "")
    text = page.read_text(encoding="utf-8")
    assert "<title>dedup check: FAIL, 2 documents</title>" in text
    assert "@media print" in text  # the print stylesheet travels with the page
