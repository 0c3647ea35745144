"""Turn real web pages into labelled boilerplate/content lines.

Input: /work/shared/data/webpages/ (html/NNNN.html.gz + ground-truth/NNNN.json).
Runs several text extractors on each page, then labels every non-blank output line
``content`` (part of the gold ``main_content``), ``boilerplate`` or ``unsure``.

    python benchmarks/webpages/label.py split      # writes benchmarks/webpages/split.json
    python benchmarks/webpages/label.py extract    # benchmarks/data/webpage_extractions.jsonl.gz
    python benchmarks/webpages/label.py label      # benchmarks/data/webpage_lines.jsonl.gz + stats
    python benchmarks/webpages/label.py sample     # random lines to check by eye
    python benchmarks/webpages/label.py all        # split + extract + label

See README.md beside this file for the rule and its measured error rate.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import re
import signal
import sys
import time
import unicodedata
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SRC = Path(os.environ.get("WEBPAGES_DIR", "/work/shared/data/webpages"))
DATA = REPO / "benchmarks" / "data"
SPLIT_JSON = HERE / "split.json"
EXTRACTIONS = DATA / "webpage_extractions.jsonl.gz"
LINES = DATA / "webpage_lines.jsonl.gz"

TIMEOUT_S = 30  # per page and extractor

# Thresholds of the labelling rule (see README.md).
FUZZY_CONTENT = 90  # partial_ratio >= this: content (lines of >= 5 words)
FUZZY_UNSURE = 75  # partial_ratio in [75, 90): unsure
SHORT_WORDS = 4  # lines of 1..4 words need a whole-segment match


# --------------------------------------------------------------------------- pages and split


def page_ids() -> list[str]:
    gt = {p.name.split(".")[0] for p in (SRC / "ground-truth").glob("*.json")}
    html = {p.name.split(".")[0] for p in (SRC / "html").glob("*.html.gz")}
    return sorted(gt & html)


def load_gold(pid: str) -> dict:
    with open(SRC / "ground-truth" / f"{pid}.json", encoding="utf-8") as f:
        return json.load(f)


def decode_html(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = re.search(rb"""charset=["']?([A-Za-z0-9_\-]+)""", raw[:4096])
    if m:
        try:
            return raw.decode(m.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return raw.decode("cp1252", errors="replace")


def load_html(pid: str) -> str:
    with gzip.open(SRC / "html" / f"{pid}.html.gz", "rb") as f:
        return decode_html(f.read())


_CANON = re.compile(
    r"""<(?:link[^>]+rel=["']canonical["'][^>]*href|meta[^>]+property=["']og:url["'][^>]*content)"""
    r"""=["']([^"']+)""",
    re.I,
)


def site_of(url: str, pid: str) -> str:
    """URL host without a leading ``www.``; for the rare page without one, the canonical URL's."""
    host = urllib.parse.urlsplit(url or "").hostname
    if not host:
        m = _CANON.search(load_html(pid))
        host = urllib.parse.urlsplit(m.group(1)).hostname if m else None
    if not host:
        return f"unknown-{pid}"
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def split_of_site(site: str) -> str:
    bucket = int(hashlib.sha1(site.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 60 else "dev" if bucket < 80 else "test"


def cmd_split(_args) -> dict[str, list[str]]:
    sites = {site_of(load_gold(p).get("url", ""), p) for p in page_ids()}
    out: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    for s in sorted(sites):
        out[split_of_site(s)].append(s)
    SPLIT_JSON.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    pages = collections.Counter()
    site_split = {s: k for k, v in out.items() for s in v}
    for p in page_ids():
        pages[site_split[site_of(load_gold(p).get("url", ""), p)]] += 1
    print(f"split.json: sites { ({k: len(v) for k, v in out.items()}) }, pages {dict(pages)}")
    return out


# --------------------------------------------------------------------------- extractors


def _trafilatura(html, url):
    import trafilatura

    return trafilatura.extract(html, url=url)


def _trafilatura_recall(html, url):
    import trafilatura

    return trafilatura.extract(html, url=url, favor_recall=True)


def _readability(html, url):
    import html_text
    from readability import Document

    return html_text.extract_text(Document(html).summary())


def _html_text(html, url):
    import html_text

    return html_text.extract_text(html)


def _inscriptis(html, url):
    import inscriptis

    return inscriptis.get_text(html)


def _justext(html, url):
    import justext

    paras = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"), encoding="utf-8")
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def _boilerpipe(html, url):
    from boilerpy3 import extractors

    return extractors.ArticleExtractor(raise_on_failure=False).get_content(html)


def _newspaper(html, url):
    import warnings

    warnings.filterwarnings("ignore")
    import newspaper

    config = newspaper.Config()
    config.fetch_images = False  # else it downloads images to rank them (no network here)
    config.request_timeout = 1
    art = newspaper.Article(url or "http://example.invalid/", config=config)
    art.download(input_html=html)
    art.parse()
    return art.text


def _resiliparse(html, url):
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True)


# name -> (function, whole-page dump?)
EXTRACTORS = {
    "trafilatura": (_trafilatura, False),
    "trafilatura_recall": (_trafilatura_recall, False),
    "readability": (_readability, False),
    "justext": (_justext, False),
    "boilerpipe": (_boilerpipe, False),
    "newspaper": (_newspaper, False),
    "resiliparse": (_resiliparse, False),
    "html_text": (_html_text, True),
    "inscriptis": (_inscriptis, True),
}


def available_extractors() -> list[str]:
    mods = {
        "trafilatura": "trafilatura",
        "trafilatura_recall": "trafilatura",
        "readability": "readability",
        "justext": "justext",
        "boilerpipe": "boilerpy3",
        "newspaper": "newspaper",
        "resiliparse": "resiliparse.extract.html2text",
        "html_text": "html_text",
        "inscriptis": "inscriptis",
    }
    ok = []
    for name, mod in mods.items():
        try:
            __import__(mod)
            if name == "readability":
                __import__("html_text")
            ok.append(name)
        except Exception as e:
            print(f"skip extractor {name}: cannot import {mod}: {e!r}", file=sys.stderr)
    return ok


class _Timeout(Exception):
    pass


def _alarm(_sig, _frm):
    raise _Timeout


def extract_page(job: tuple[str, list[str]]) -> list[dict]:
    pid, names = job
    signal.signal(signal.SIGALRM, _alarm)
    url = load_gold(pid).get("url", "")
    html = load_html(pid)
    out = []
    for name in names:
        fn, _ = EXTRACTORS[name]
        t0 = time.perf_counter()
        text, err = None, None
        signal.alarm(TIMEOUT_S)
        try:
            text = fn(html, url) or ""
        except _Timeout:
            err = f"timeout {TIMEOUT_S}s"
        except Exception as e:
            err = f"{type(e).__name__}: {str(e)[:200]}"
        finally:
            signal.alarm(0)
        out.append(
            {
                "page": pid,
                "extractor": name,
                "text": text,
                "error": err,
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
    return out


def cmd_extract(args) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    names = available_extractors()
    if args.extractors:
        names = [n for n in names if n in args.extractors.split(",")]
    pids = page_ids()[: args.limit] if args.limit else page_ids()
    print(f"extracting {len(pids)} pages with {names} on {args.workers} processes", file=sys.stderr)
    t0 = time.time()
    errors = collections.Counter()
    n = 0
    tmp = EXTRACTIONS.with_suffix(".tmp")
    with (
        gzip.open(tmp, "wt", encoding="utf-8") as f,
        multiprocessing.get_context("fork").Pool(args.workers, maxtasksperchild=50) as pool,
    ):
        for recs in pool.imap(extract_page, [(p, names) for p in pids], chunksize=2):
            for r in recs:
                if r["error"]:
                    errors[(r["extractor"], r["error"][:60])] += 1
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
            if n % 100 == 0:
                print(f"  {n}/{len(pids)} pages, {time.time() - t0:.0f}s", file=sys.stderr)
    tmp.replace(EXTRACTIONS)
    print(f"done in {time.time() - t0:.0f}s -> {EXTRACTIONS}", file=sys.stderr)
    for (name, err), c in errors.most_common():
        print(f"  error {name}: {err} x{c}", file=sys.stderr)


# --------------------------------------------------------------------------- labelling

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
        "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u200b": "", "\u200c": "",
        "\u200d": "", "\ufeff": "", "\u00ad": "", "\u2026": "...",
    }
)  # fmt: skip
_WS = re.compile(r"\s+")
_BULLET = re.compile(r"^(?:[-*\u2022\u00b7\u25aa\u25e6\u25cf>#|]+\s*)+")
_WORD = re.compile(r"\w+")
_SENT = re.compile(r"(?<=[.!?:;])\s+")
_EDGE_PUNCT = " .,:;!?-|'\"()[]"


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).translate(_QUOTES).casefold()
    s = _WS.sub(" ", s).strip()
    return _BULLET.sub("", s).strip()


_NON_ALNUM = re.compile(r"[\W_]+")
SQUASHED_MIN = 20  # a line's squashed form this long found in the squashed gold: content


def squash(s: str) -> str:
    return _NON_ALNUM.sub("", norm(s))


def key(s: str) -> str:
    """Normalised text with edge punctuation removed, for whole-segment equality."""
    return norm(s).strip(_EDGE_PUNCT)


class Gold:
    def __init__(self, gt: dict):
        g = gt["ground_truth"]
        mc = g.get("main_content") or ""
        lines = [ln for ln in mc.split("\n") if ln.strip()]
        nl = [norm(ln) for ln in lines]
        # whole gold text with whitespace collapsed (line breaks become spaces)
        self.text = " ".join(nl)
        # padded copy for word-boundary substring tests
        self.padded = " " + " ".join(_WORD.findall(self.text)) + " "
        # letters and digits only: robust to how code and API names were spaced
        self.squashed = squash(self.text)
        segs = set()
        for ln in lines:
            segs.add(key(ln))
            for sent in _SENT.split(ln):
                segs.add(key(sent))
        segs.discard("")
        self.segments = segs
        self.without = [key(w) for w in (g.get("without") or []) if key(w)]
        self.title = key(g.get("title") or "")

    def words_in(self, s: str) -> bool:
        w = " ".join(_WORD.findall(s))
        return bool(w) and f" {w} " in self.padded


def _matches_without(k: str, gold: Gold) -> bool:
    from rapidfuzz import fuzz

    for w in gold.without:
        if k == w:
            return True
        if len(k) >= 8 and len(w) >= 8 and fuzz.ratio(k, w) >= 90:
            return True
        # the line is (mostly) the snippet, or the snippet is (mostly) the line
        if len(w) >= 12 and w in k and len(w) >= 0.6 * len(k):
            return True
        if len(k) >= 12 and k in w and len(k) >= 0.6 * len(w):
            return True
    return False


def _fuzzy(n: str, gold: Gold) -> float:
    from rapidfuzz import fuzz

    if not gold.text:
        return 0.0
    if len(n) <= len(gold.text):
        r = fuzz.partial_ratio_alignment(n, gold.text, score_cutoff=FUZZY_UNSURE - 1)
        return r.score if r else 0.0
    # line longer than the whole gold: the share of the line that is gold
    return fuzz.ratio(n, gold.text)


def label_lines(
    text: str,
    gold: Gold,
    gold_truncated: bool = False,
    lexicon: frozenset[str] = frozenset(),
    page_type: str | None = None,
) -> tuple[list[str | None], list[str | None]]:
    """Labels and the reason for each line of ``text.split("\\n")``.

    ``gold_truncated``: the gold stops before the page's content does (see
    ``gold_looks_truncated``); lines after the last gold anchor are then ``unsure``.
    """
    lines = text.split("\n")
    labels: list[str | None] = [None] * len(lines)
    why: list[str | None] = [None] * len(lines)
    pending = []  # short lines found inside gold text, decided from their neighbours
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        n = norm(raw)
        k = n.strip(_EDGE_PUNCT)
        nwords = len(_WORD.findall(n))
        if not k or nwords == 0:
            # pure punctuation/symbols: furniture (separators, bullets, icons)
            labels[i], why[i] = "boilerplate", "no-words"
            continue
        if _matches_without(k, gold):
            labels[i], why[i] = "boilerplate", "without"
            continue
        if nwords > SHORT_WORDS:
            if k in gold.text:
                labels[i], why[i] = "content", "substring"
                continue
            s = _fuzzy(n, gold)
            if s >= FUZZY_CONTENT:
                labels[i], why[i] = "content", f"fuzzy{s:.0f}"
            elif s >= FUZZY_UNSURE:
                labels[i], why[i] = "unsure", f"fuzzy{s:.0f}"
            elif gold.title and k == gold.title:
                labels[i], why[i] = "unsure", "title"
            else:
                labels[i], why[i] = "boilerplate", f"fuzzy{s:.0f}"
            continue
        # short line: 1..4 words
        if k in gold.segments:
            labels[i], why[i] = "content", "segment"
        elif gold.title and k == gold.title:
            labels[i], why[i] = "unsure", "title"
        elif gold.words_in(k):
            pending.append(i)
        else:
            labels[i], why[i] = "boilerplate", "short-absent"
    # Short lines whose words occur somewhere in gold: content when gluing them to a
    # neighbour gives a >= 5-word run of gold text (a split sentence or table row),
    # else unsure (a split line, or a word that the gold also uses by chance).
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    pos = {i: j for j, i in enumerate(nonblank)}
    for i in pending:
        j = pos[i]
        prev_i = nonblank[j - 1] if j > 0 else None
        next_i = nonblank[j + 1] if j + 1 < len(nonblank) else None
        glued = False
        for a, b in ((prev_i, i), (i, next_i)):
            if a is None or b is None:
                continue
            both = norm(lines[a]) + " " + norm(lines[b])
            if len(_WORD.findall(both)) >= 5 and gold.words_in(both):
                glued = True
        if glued:
            labels[i], why[i] = "content", "glued"
        elif any(x is not None and labels[x] == "content" for x in (prev_i, next_i)):
            labels[i], why[i] = "unsure", "short-in-gold-near-content"
        else:
            # checked by eye: often a product feature/stat whose gold line reads differently
            labels[i], why[i] = "unsure", "short-in-gold-isolated"
    _squashed(lines, labels, why, gold)
    _gold_gaps(lines, labels, why, gold_truncated)
    _conflicts(lines, labels, why, lexicon, page_type)
    _near_content(lines, labels, why)
    _inside_docs(lines, labels, why, page_type)
    return labels, why


def _inside_docs(lines, labels, why, page_type) -> None:
    """Between the first and last anchor, code-like lines (any page) and every line of a
    documentation page are ``unsure`` rather than boilerplate: the gold often abridges
    code blocks and reference tables (checked by eye)."""
    anchors = _anchors(lines, labels)
    if len(anchors) < 2:
        return
    for i in range(anchors[0] + 1, anchors[-1]):
        if labels[i] != "boilerplate" or why[i] == "without":
            continue
        if page_type == "documentation" or _CODEISH.search(lines[i]):
            labels[i], why[i] = "unsure", "inside-docs-or-code"


def _squashed(lines, labels, why, gold) -> None:
    """Code and API names: the gold often spaces them differently (``a . b ( c )``)."""
    for i, lab in enumerate(labels):
        if lab in ("boilerplate", "unsure") and why[i] not in ("without", "title"):
            q = squash(lines[i])
            if len(q) >= SQUASHED_MIN and q in gold.squashed:
                labels[i], why[i] = "content", "squashed"


_CODEISH = re.compile(r"[(){}\[\];=<>\u2502\u251c\u2514]|^\s*(>>>|\$ |//|#|\.\.\.)|\w/$")


def _near_content(lines, labels, why, reach: int = 2) -> None:
    """Symbols and code-like lines next to content are part of a code block or table
    more often than not (checked by eye): ``unsure`` rather than boilerplate."""
    nonblank = [i for i, lab in enumerate(labels) if lab is not None]
    for j, i in enumerate(nonblank):
        if labels[i] != "boilerplate" or why[i] == "without":
            continue
        if not (why[i] == "no-words" or _CODEISH.search(lines[i])):
            continue
        near = nonblank[max(0, j - reach) : j] + nonblank[j + 1 : j + 1 + reach]
        if any(labels[k] in ("content", "unsure") for k in near):
            labels[i], why[i] = "unsure", "code-or-symbol-near-content"


_BYLINE = re.compile(
    r"^(by|written by|posted( on| by)?|published( on| by)?|updated( on)?|last updated)\b", re.I
)


def _conflicts(lines, labels, why, lexicon, page_type) -> None:
    """Evidence against the gold, found when checking labels by eye: the gold sometimes
    keeps page furniture (``Learn more``, ``Recently viewed``), bylines, and keeps only
    some of a forum's replies."""
    for i, lab in enumerate(labels):
        if lab == "content" and _nwords(lines[i]) <= SHORT_WORDS and key(lines[i]) in lexicon:
            labels[i], why[i] = "unsure", "content-but-furniture"
        elif lab == "content" and _nwords(lines[i]) <= 12 and _BYLINE.match(norm(lines[i])):
            labels[i], why[i] = "unsure", "content-but-byline"
        elif (
            lab == "boilerplate"
            and page_type == "forum"
            and why[i].startswith("fuzzy")
            and _nwords(lines[i]) >= GAP_WORDS
        ):
            labels[i], why[i] = "unsure", "forum-post-not-in-gold"


def furniture_lexicon(min_sites: int = 2) -> frozenset[str]:
    """``without`` snippets of at most 4 words given on at least ``min_sites`` sites."""
    sites = collections.defaultdict(set)
    for pid in page_ids():
        gt = load_gold(pid)
        host = site_of(gt.get("url", ""), pid)
        for w in gt["ground_truth"].get("without") or []:
            k = key(w)
            if k and _nwords(k) <= SHORT_WORDS:
                sites[k].add(host)
    return frozenset(k for k, v in sites.items() if len(v) >= min_sites)


ANCHOR_WORDS = 8  # a content line this long is an anchor: the gold surely covers it
GAP_WORDS = 12  # a gap holding a boilerplate line this long is probably skipped gold


def _nwords(s: str) -> int:
    return len(_WORD.findall(s))


def _anchors(lines, labels) -> list[int]:
    return [
        i for i, lab in enumerate(labels) if lab == "content" and _nwords(lines[i]) >= ANCHOR_WORDS
    ]


def _gold_gaps(lines, labels, why, gold_truncated: bool) -> None:
    """The gold was drafted by a model: it sometimes skips sections or stops early.

    A run of non-content lines between two anchors that holds a long prose line is
    most likely a skipped section, not furniture: its lines become ``unsure`` (lines
    matching a ``without`` snippet or without words stay boilerplate). When the gold
    looks truncated, every such line after the last anchor is ``unsure`` too.
    """
    anchors = _anchors(lines, labels)
    if not anchors:
        return
    soft = {"without", "no-words"}

    def soften(run, reason):
        for i in run:
            if labels[i] == "boilerplate" and why[i] not in soft:
                labels[i], why[i] = "unsure", reason

    run: list[int] = []
    for i in range(anchors[0] + 1, anchors[-1]):
        if labels[i] is None:
            continue
        if labels[i] == "content":
            if any(
                labels[j] == "boilerplate" and why[j] not in soft and _nwords(lines[j]) >= GAP_WORDS
                for j in run
            ):
                soften(run, "gold-gap")
            run = []
        else:
            run.append(i)
    if gold_truncated:
        soften(range(anchors[-1] + 1, len(lines)), "gold-truncated")


def gold_looks_truncated(reference_text: str, gold: Gold, main_content_len: int) -> bool:
    """The gold hit its length cap, or a precise extractor (trafilatura) goes on with
    several long prose lines after the last gold anchor."""
    if main_content_len >= 49_000:
        return True
    lines = reference_text.split("\n")
    labels, why = label_lines(reference_text, gold)  # without the conflict rules: same result
    anchors = _anchors(lines, labels)
    if not anchors:
        return False
    tail = [
        i
        for i in range(anchors[-1] + 1, len(lines))
        if labels[i] == "boilerplate" and why[i] != "without" and _nwords(lines[i]) >= GAP_WORDS
    ]
    return len(tail) >= 5


def _iter_extractions():
    with gzip.open(EXTRACTIONS, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _last_label(labels):
    for lab in reversed(labels):
        if lab is not None:
            return lab
    return None


def cmd_label(args) -> None:
    split = json.loads(SPLIT_JSON.read_text(encoding="utf-8"))
    site_split = {s: k for k, v in split.items() for s in v}
    n_truncated = 0
    lexicon = furniture_lexicon()
    print(f"furniture lexicon: {len(lexicon)} snippets", file=sys.stderr)
    stats = collections.defaultdict(collections.Counter)
    reasons = collections.Counter()
    t0 = time.time()
    tmp = LINES.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        for group in _iter_pages():
            pid = group[0]["page"]
            gt = load_gold(pid)
            gold = Gold(gt)
            mc_len = len(gt["ground_truth"].get("main_content") or "")
            ref = next((r for r in group if r["extractor"] == "trafilatura" and r["text"]), None)
            truncated = gold_looks_truncated(ref["text"] if ref else "", gold, mc_len)
            n_truncated += truncated
            site = site_of(gt.get("url", ""), pid)
            sp = site_split[site]
            for r in group:
                _label_record(r, gt, gold, truncated, lexicon, site, sp, stats, reasons, out, args)
    tmp.replace(LINES)
    print(f"labelled in {time.time() - t0:.0f}s -> {LINES}", file=sys.stderr)
    print(f"gold looks truncated on {n_truncated} pages", file=sys.stderr)
    table = stats_table(stats)
    print(table)
    print("\nreasons:")
    for (lab, w), c in sorted(reasons.items()):
        print(f"  {lab:12s} {w:28s} {c}")
    (DATA / "webpage_lines_stats.md").write_text(table + "\n", encoding="utf-8")


def _iter_pages():
    group: list[dict] = []
    for r in _iter_extractions():
        if group and r["page"] != group[0]["page"]:
            yield group
            group = []
        group.append(r)
    if group:
        yield group


def _label_record(r, gt, gold, truncated, lexicon, site, sp, stats, reasons, out, args) -> None:
    pid = r["page"]
    st = stats[(sp, r["extractor"])]
    if r["error"] is not None:
        st["errors"] += 1
        return
    text = r["text"] or ""
    page_type = gt.get("_internal", {}).get("page_type", {}).get("primary")
    labels, why = label_lines(text, gold, truncated, lexicon, page_type)
    rec = {
        "page": pid,
        "url": gt.get("url", ""),
        "site": site,
        "split": sp,
        "page_type": page_type,
        "extractor": r["extractor"],
        "text": text,
        "labels": labels,
    }
    if args.reasons:
        rec["reasons"] = why
    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    st["documents"] += 1
    if not any(labels):
        st["empty"] += 1
        return
    st["nonempty"] += 1
    for lab, w in zip(labels, why, strict=True):
        if lab is not None:
            st[lab] += 1
            reasons[(lab, re.sub(r"\d+", "", w))] += 1
    if _last_label(labels) == "boilerplate":
        st["ends_boilerplate"] += 1


def stats_table(stats) -> str:
    rows = [
        "| split | extractor | documents | empty | errors | lines | content | boilerplate | unsure "
        "| boilerplate share | ends in boilerplate |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    tot = collections.defaultdict(collections.Counter)
    order = {"train": 0, "dev": 1, "test": 2}
    for (sp, ex), st in sorted(stats.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        tot[sp].update(st)
        tot["all"].update(st)
        rows.append(_row(sp, ex, st))
    for sp in ("train", "dev", "test", "all"):
        rows.append(_row(f"**{sp}**", "all", tot[sp]))
    return "\n".join(rows)


def _row(sp, ex, st) -> str:
    lines = st["content"] + st["boilerplate"] + st["unsure"]
    known = st["content"] + st["boilerplate"]
    share = st["boilerplate"] / known if known else 0.0
    ends = st["ends_boilerplate"] / st["nonempty"] if st["nonempty"] else 0.0
    return (
        f"| {sp} | {ex} | {st['documents']} | {st['empty']} | {st['errors']} | {lines} | "
        f"{st['content']} | {st['boilerplate']} | {st['unsure']} | {share:.1%} | {ends:.1%} |"
    )


# --------------------------------------------------------------------------- checking by eye


def cmd_sample(args) -> None:
    """Print a random sample of labelled lines (fixed seed, stratified over extractors)
    with the nearest gold text, for checking by eye. Needs ``label --reasons``."""
    from rapidfuzz import fuzz

    rng = random.Random(args.seed)
    by_ex = collections.defaultdict(list)
    recs = {}
    with gzip.open(LINES, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if args.split and rec["split"] != args.split:
                continue
            recs[(rec["page"], rec["extractor"])] = rec
            for i, lab in enumerate(rec["labels"]):
                if lab is not None and (not args.label or lab == args.label):
                    by_ex[rec["extractor"]].append((rec["page"], i))
    per = max(1, args.n // max(1, len(by_ex)))
    k = 0
    for ex in sorted(by_ex):
        for pid, i in rng.sample(by_ex[ex], min(per, len(by_ex[ex]))):
            rec = recs[(pid, ex)]
            lines = rec["text"].split("\n")
            gold = Gold(load_gold(pid))
            n = norm(lines[i])
            al = fuzz.partial_ratio_alignment(n, gold.text) if gold.text else None
            near = gold.text[al.dest_start : al.dest_end] if al else ""
            why = rec.get("reasons", [None] * len(lines))[i]
            before = [ln.strip()[:80] for ln in lines[max(0, i - 2) : i] if ln.strip()]
            print(f"[{k:03d}] {pid} {ex} {rec['labels'][i]} ({why}) page_type={rec['page_type']}")
            print(f"   before: {before}")
            print(f"   LINE  : {lines[i].strip()[:300]}")
            print(f"   gold~ : {near[:300]!r} score={al.score if al else 0:.0f}")
            k += 1


FIXTURE_KINDS = {
    # kind: (label, test on (line, index, labels, lines, extractor))
    "trailing": "boilerplate line after the last content line of an article extractor",
    "menu": "short boilerplate line in a whole-page dump",
    "byline": "boilerplate line starting with By/Posted/Published/Updated",
    "newsletter": "boilerplate line about newsletters/subscribing/cookies",
    "related": "boilerplate line about related/more/read next",
    "heading": "content line of 2-8 words without final punctuation",
    "short_prose": "content line of 5-12 words ending in . ! or ?",
    "prose": "content line of more than 12 words",
}
_NEWS = re.compile(r"newsletter|subscribe|sign up|cookie|inbox", re.I)
_RELATED = re.compile(
    r"^(related|more from|read (more|next)|you may also|recommended|popular)", re.I
)


def _fixture_kind(line, i, labels, lines, extractor) -> str | None:
    lab = labels[i]
    n = _nwords(line)
    text = line.strip()
    if lab == "boilerplate":
        if _BYLINE.match(text) and n <= 12:
            return "byline"
        if _NEWS.search(text):
            return "newsletter"
        if _RELATED.match(text):
            return "related"
        if EXTRACTORS[extractor][1] and n <= 3:
            return "menu"
        later = [labels[j] for j in range(i + 1, len(labels)) if labels[j] is not None]
        if not EXTRACTORS[extractor][1] and "content" not in later and n >= 4:
            return "trailing"
    elif lab == "content":
        if 2 <= n <= 8 and text[-1:] not in ".!?:;,":
            return "heading"
        if 5 <= n <= 12 and text[-1:] in ".!?":
            return "short_prose"
        if n > 12:
            return "prose"
    return None


def cmd_candidates(args) -> None:
    """Print dev-split candidate lines for the committed test fixture (checked by eye)."""
    rng = random.Random(args.seed)
    by_kind = collections.defaultdict(list)
    with gzip.open(LINES, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["split"] != "dev":
                continue
            lines = rec["text"].split("\n")
            nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
            for j, i in enumerate(nonblank):
                kind = _fixture_kind(lines[i], i, rec["labels"], lines, rec["extractor"])
                if kind:
                    by_kind[kind].append(
                        {
                            "page": rec["page"],
                            "site": rec["site"],
                            "extractor": rec["extractor"],
                            "line": lines[i],
                            "label": rec["labels"][i],
                            "context_before": [lines[k] for k in nonblank[max(0, j - 2) : j]],
                            "context_after": [lines[k] for k in nonblank[j + 1 : j + 3]],
                            "kind": kind,
                        }
                    )
    for kind in FIXTURE_KINDS:
        pool = by_kind[kind]
        seen_pages: set[str] = set()
        picked = 0
        for c in rng.sample(pool, len(pool)):
            if c["page"] in seen_pages or len(c["line"]) > 400:
                continue
            seen_pages.add(c["page"])
            print(json.dumps(c, ensure_ascii=False))
            picked += 1
            if picked >= args.per_kind:
                break


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("split")
    p = sub.add_parser("extract")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--extractors", default="")
    p = sub.add_parser("label")
    p.add_argument("--reasons", action="store_true", help="also store the reason per line")
    p = sub.add_parser("sample")
    p.add_argument("--n", type=int, default=150)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--split", default="")
    p.add_argument("--label", default="", help="only lines with this label")
    p = sub.add_parser("candidates")
    p.add_argument("--per-kind", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("all")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--extractors", default="")
    p.add_argument("--reasons", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd in ("split", "all"):
        cmd_split(args)
    if args.cmd in ("extract", "all"):
        cmd_extract(args)
    if args.cmd in ("label", "all"):
        cmd_label(args)
    if args.cmd == "sample":
        cmd_sample(args)
    if args.cmd == "candidates":
        cmd_candidates(args)


if __name__ == "__main__":
    main()
