"""Size and render time of the HTML report on a large corpus (run by hand, not by CI).

The corpus is passage_scale.py's: real prose in ~2.5 KB documents with wire stories
republished across them (heavy-tailed, up to 50 copies each) and 2 % whole-document
near-copies; a share of the documents also gets a tail of site furniture (teasers cut off
with "…", "Leave a Comment", "Share this:") so the boilerplate views have rows. The corpus is
scanned once; then the report is rendered to HTML (the median of --repeat runs), its size
given, and, with --browser, the page is opened in headless Chromium (/usr/bin/chromium via
Playwright) and the time to show the overview, the pair with the most passages, the document
with the most passages and a late page of the passage list is measured.

    .venv/bin/python benchmarks/html_report.py --docs 1000 --findings 10000 --browser -o /tmp/r.html
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from passage_scale import inject
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, Document
from dedup.api import scan
from dedup.htmlreport import render_html
from dedup.report import Report, document_reuse

FURNITURE = [
    "Leave a Comment",
    "Share this:",
    "Related Topics",
    "Print Friendly, PDF & Email",
]
TEASERS = [
    "Government announces new measures to support small businesses across the…",
    "Heavy rain disrupts traffic in the city as officials urge residents to stay…",
    "Local team secures a dramatic win in the final minutes of the season opener…",
    "Experts warn of rising prices as the central bank weighs another interest…",
]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def corpus(n_docs: int, stories: float, furniture: float, seed: int) -> list[Document]:
    """Prose with injected stories and twins; `furniture` of the documents get a tail."""
    docs = build_prose_corpus(n_docs, seed)
    inject(docs, stories, seed)
    rng = random.Random(seed)
    out = []
    for doc in docs:
        text = doc.text
        if rng.random() < furniture:
            tail = rng.sample(TEASERS, rng.randint(2, 4)) + rng.sample(FURNITURE, 2)
            text = text + "\n" + "\n".join(tail)
        out.append(Document(doc.id, text, doc.id))
    return out


def findings(report: Report) -> Counter[str]:
    """What the report holds, by kind."""
    return Counter(
        passages=len(report.passages),
        boilerplate=len(report.boilerplate),
        pairs=len(report.pairs),
        cluster_members=sum(len(c.members) for c in report.duplicates),
    )


def capped(report: Report, most: int) -> Report:
    """The report cut to `most` findings: every boilerplate line and cluster, then the first
    passages (and only the pairs they, or a near-duplicate verdict, name); reuse recomputed."""
    room = max(0, most - len(report.boilerplate) - sum(len(c.members) for c in report.duplicates))
    passages = report.passages[:room]
    named = {(p.a.doc, p.b.doc) for p in passages} | {(p.b.doc, p.a.doc) for p in passages}
    pairs = tuple(p for p in report.pairs if (p.a, p.b) in named or p.near_duplicate)
    documents = document_reuse([replace(d, reused_chars=0, main_source=None,
                                        main_source_chars=0) for d in report.documents],
                               passages)  # fmt: skip
    return replace(report, passages=passages, pairs=pairs, documents=documents)


def browse(path: Path, report: Report) -> list[tuple[str, float]]:
    """Seconds Chromium takes to show each view, from the hash change to the view built."""
    from playwright.sync_api import sync_playwright

    by_pair = Counter((p.a.doc, p.b.doc) for p in report.passages)
    by_doc = Counter(s.doc for p in report.passages for s in (p.a, p.b))
    docs = {d.id: k for k, d in enumerate(report.documents)}
    pairs = {(p.a, p.b): k for k, p in enumerate(report.pairs)}
    busiest_pair = max(by_pair, key=lambda ab: by_pair[ab])
    busiest_doc = max(by_doc, key=lambda d: by_doc[d])
    last_page = max(1, (len(report.passages) + 99) // 100)
    views = [
        (f"pair with the most passages ({by_pair[busiest_pair]})",
         f"#pair/{pairs.get(busiest_pair, 0)}", ".sides"),
        (f"document with the most passages ({by_doc[busiest_doc]})",
         f"#doc/{docs[busiest_doc]}", ".side.single"),
        (f"passage list, page {last_page}", f"#list/passages/page/{last_page}", "table.rows"),
        ("all pairs, page 1", "#list/pairs", "table.rows"),
    ]  # fmt: skip
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        rows.append(("open the page (parse, embedded JSON, overview)", time.perf_counter() - start))
        for name, fragment, selector in views:
            page.evaluate("() => { location.hash = '#overview'; }")
            start = time.perf_counter()
            page.evaluate("h => { location.hash = h; }", fragment)
            page.wait_for_selector(f"#detail:not([hidden]) {selector}")
            rows.append((name, time.perf_counter() - start))
        browser.close()
    if errors:
        sys.exit(f"script errors in the page: {errors}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--stories", type=float, default=0.05, help="stories per document")
    parser.add_argument("--furniture", type=float, default=0.3, help="share with a tail")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--findings", type=int, default=None, help="cut the report to this many findings"
    )
    parser.add_argument("--repeat", type=int, default=3, help="renders to take the median of")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("-o", "--output", default="/tmp/dedup-html-report.html")
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    args = parser.parse_args()

    docs = corpus(args.docs, args.stories, args.furniture, args.seed)
    start = time.perf_counter()
    report = scan(docs, DedupConfig(), jobs=args.jobs)
    scanned = time.perf_counter() - start
    if args.findings is not None:
        print(f"scan found {sum(findings(report).values()) - len(report.pairs):,} findings; "
              f"cut to {args.findings:,}")  # fmt: skip
        report = capped(report, args.findings)
    counts = findings(report)
    total = counts["passages"] + counts["boilerplate"] + counts["cluster_members"]
    texts = {d.id: d.text for d in docs}
    print(f"corpus: {len(docs):,} documents, {sum(len(d.text) for d in docs) / 1e6:.1f} M chars; "
          f"scan {scanned:.1f} s")  # fmt: skip
    print("findings: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) +
          f"; {total:,} passages + boilerplate lines + cluster members")  # fmt: skip
    times, page = [], ""
    for _ in range(args.repeat):
        start = time.perf_counter()
        page = render_html(report, texts=texts)
        times.append(time.perf_counter() - start)
    size = len(page.encode("utf-8"))
    embedded = page[page.index('id="dedup-data">') :].split("</script>")[0]
    text_bytes = sum(len(t.encode()) for t in texts.values())
    print(f"render_html: median {statistics.median(times):.2f} s of {args.repeat}; "
          f"{size / 1e6:.2f} MB ({len(embedded.encode()) / 1e6:.2f} MB of it embedded JSON, "
          f"{text_bytes / 1e6:.2f} MB of it the texts)")  # fmt: skip
    out = Path(args.output)
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out}")
    if args.browser:
        for name, seconds in browse(out, report):
            print(f"chromium: {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
