"""The HTML report in a real headless Chromium (Debian's `chromium`, driven by Playwright).

`.ci/run` installs /usr/bin/chromium; Playwright never downloads a browser. Without it these
tests skip, saying why. One browser serves the module; each test opens its own page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_htmlreport import hostile_docs

from dedup import Document, compare
from dedup.htmlreport import render_html
from dedup.render import render_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (`apt-get install chromium`, as "
        ".ci/run does) to run the browser tests",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: pip install -e '.[dev]'"
)
pytest.importorskip("jinja2")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seeds_page(tmp_path_factory, seed_paths, seed_texts) -> Path:
    """The seeds' page as `dedup compare A B --format html` writes it from the repository."""
    path = tmp_path_factory.mktemp("html") / "seeds.html"
    a, b = (Document(f"samples/{p.name}", seed_texts[k], f"samples/{p.name}")
            for k, p in seed_paths.items())  # fmt: skip
    report = compare(a, b)
    path.write_text(render_report(report, "html", texts={a.id: a.text, b.id: b.text}))
    return path


class Watched:
    """A page whose dialogs, script errors, console errors and requests are recorded."""

    def __init__(self, browser, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": height})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, path: Path, fragment: str = "") -> None:
        self.page.goto(path.as_uri() + fragment)


# Each side's marks as (start, end, passage ids) in offsets of the document text: the text
# nodes of the side's <pre>, less the passage labels.
MARKED_SPANS = """side => {
  const pre = document.querySelector(`.side[data-side="${side}"] .doctext`);
  const out = [];
  let at = 0;
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(".tag")) continue;
    const mark = node.parentElement.closest("mark[data-p]");
    if (mark) out.push([at, at + node.data.length, mark.dataset.p.split(" ").map(Number)]);
    at += node.data.length;
  }
  return [out, at];
}"""


def _covered(spans, start: int, end: int) -> int:
    hit = set()
    for s, e, _ in spans:
        hit.update(range(max(s, start), min(e, end)))
    return len(hit)


def test_each_seed_passage_is_highlighted_on_both_sides(browser, seeds_page, expected, seed_texts):
    w = Watched(browser)
    w.open(seeds_page, "#pair/0")
    a_marks, a_length = w.page.evaluate(MARKED_SPANS, "a")
    b_marks, b_length = w.page.evaluate(MARKED_SPANS, "b")
    assert (a_length, b_length) == (len(seed_texts["000"]), len(seed_texts["004"]))
    for gold in expected["reused_passages"]:
        (sa, ea), (sb, eb) = gold["a"]["span"], gold["b"]["span"]
        assert _covered(a_marks, sa, ea) >= 0.8 * (ea - sa), gold["id"]
        assert _covered(b_marks, sb, eb) >= 0.8 * (eb - sb), gold["id"]
        # The same passage, in the same colour, on both sides.
        ids_a = {k for s, e, ks in a_marks if s < ea and e > sa for k in ks}
        ids_b = {k for s, e, ks in b_marks if s < eb and e > sb for k in ks}
        shared = ids_a & ids_b
        assert shared, gold["id"]
        for k in shared:
            colours = w.page.eval_on_selector_all(
                f'mark[data-p~="{k}"]', "ms => [...new Set(ms.map(m => m.className))]"
            )
            assert len(colours) == 1, colours
    # Each side's share in the other with its grade, as the JSON report gives them.
    facts = w.page.inner_text("#detail")
    assert "(partially derived)" in facts
    assert "(not derived)" in facts
    # The boilerplate teasers of 004 are struck through, their rule on hover.
    titles = w.page.eval_on_selector_all('.side[data-side="b"] .bp', "els => els.map(e => e.title)")
    assert any(t.startswith("boilerplate: teaser_run") and "threshold" in t for t in titles)
    assert w.errors == []


def test_overview_links_to_the_detail(browser, seeds_page):
    w = Watched(browser)
    w.open(seeds_page)
    assert w.page.is_visible("#overview")
    assert w.page.is_hidden("#detail")
    w.page.click("table.rows a[href^='#pair/']")
    w.page.wait_for_selector(".sides")
    assert w.page.evaluate("location.hash") == "#pair/0"
    assert w.page.is_hidden("#overview")
    w.page.click(".side[data-side='a'] h3 a")  # a document's own view
    w.page.wait_for_selector(".side.single mark")
    assert w.page.evaluate("location.hash").startswith("#doc/")
    w.page.go_back()
    w.page.wait_for_selector(".sides")
    w.page.go_back()
    assert w.page.is_visible("#overview")
    assert w.errors == []
    assert all(url.startswith("file://") for url in w.requests)


def test_clicking_a_passage_scrolls_the_other_side_to_it(browser, seeds_page, expected):
    w = Watched(browser, height=500)  # short sides, so the far passage is out of view
    w.open(seeds_page, "#pair/0")
    sa, ea = next(g for g in expected["reused_passages"] if g["id"] == "P2")["a"]["span"]
    a_marks, _ = w.page.evaluate(MARKED_SPANS, "a")
    k = next(ks[0] for s, e, ks in a_marks if s < ea and e > sa)
    left = w.page.locator(".side[data-side='a'] .doctext")
    assert left.evaluate("el => el.scrollTop") == 0
    w.page.locator(f".side[data-side='b'] mark[data-p~='{k}'][tabindex]").click()
    assert left.evaluate("el => el.scrollTop") > 0
    target = w.page.locator(f".side[data-side='a'] mark[data-p~='{k}']").first
    assert "current" in target.get_attribute("class")
    assert target.evaluate(
        """m => { const r = m.getBoundingClientRect();
                  const p = m.closest('.doctext').getBoundingClientRect();
                  return r.top >= p.top && r.bottom <= p.bottom; }"""
    )
    # The keyboard does the same: Enter on the focused passage goes back to the other side.
    assert w.page.evaluate("document.activeElement.dataset.p.split(' ').map(Number)")[0] == k
    w.page.keyboard.press("Enter")
    assert w.page.evaluate("document.activeElement.closest('.side').dataset.side") == "b"
    assert w.errors == []


def test_hostile_corpus_runs_no_script(browser, tmp_path):
    docs = hostile_docs()
    report = compare(docs[0], docs[1])
    path = tmp_path / "hostile.html"
    path.write_text(render_html(report, texts={d.id: d.text for d in docs}), encoding="utf-8")
    w = Watched(browser)
    w.open(path)
    views = ["#pair/0", "#doc/0", "#doc/1", "#list/passages", "#list/boilerplate", "#list/docs",
             "#list/pairs", "#overview"]  # fmt: skip
    for view in views:
        w.page.evaluate("h => { location.hash = h; }", view)
        w.page.wait_for_function("h => location.hash === h", arg=view)
        for mark in w.page.locator("mark[tabindex]").all():
            mark.click()
        width = w.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{view}: the page is wider than the window {width}"
    assert w.page.evaluate("typeof window.__pwned") == "undefined"
    assert w.dialogs == []
    assert w.errors == []
    assert all(url.startswith("file://") for url in w.requests), w.requests
    w.page.evaluate("location.hash = '#pair/0'")
    w.page.wait_for_selector(".sides")
    shown = w.page.inner_text(".side[data-side='a'] .doctext")
    assert "<script>window.__pwned = 1</script>" in shown  # shown as text, not run


def test_screenshot_of_the_seeds_report(browser, seeds_page, tmp_path):
    """docs/report-seeds.png is this view (DEDUP_UPDATE_SCREENSHOT=1 rewrites it); the test
    checks that one can be taken."""
    w = Watched(browser, height=1850)  # both seeds whole, next to each other
    w.open(seeds_page, "#pair/0")
    w.page.locator(".side[data-side='b'] mark[tabindex]").nth(1).click()
    shot = tmp_path / "seeds.png"
    w.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("DEDUP_UPDATE_SCREENSHOT"):
        target = Path(__file__).resolve().parent.parent / "docs" / "report-seeds.png"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(shot.read_bytes())
