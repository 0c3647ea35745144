"""Boilerplate lines: the site furniture a scraper kept, each with its rule, value and threshold.

Two layers. The hand-written rules run on every line, in tiers, strongest first:

0. anywhere in a document: a multi-word lexicon phrase (`lexicon`, `lexicon_prefix`), an
   advertisement marker matched exactly ("Advertisement", "Anzeige"), a syndication
   trailer, a counter ("3 Comments"), a row of share buttons, a cut-off teaser that is the
   opening of another document of the corpus (`teaser_of_document`);
1. only in the head or tail block: a one-word lexicon phrase ("Comments"), a bare URL, a
   copyright line, a line that recurs in many documents (`corpus_repeat`), and in the head a
   date/byline header (`metadata_header`) or a breadcrumb;
2. a run of cut-off lines of similar length (`teaser_run`);
3. weak lines in the tail block after a line of tiers 0-2 (`tail_block`).

Under the `rules` preset that is the verdict. Under `news` (the default) and `web`, every
rule that fired becomes a feature of the line model (`linefeatures`, `linemodel`), which was
learned from real labelled pages and decides by block; only the marker rules (`_is_marker`)
keep their own verdicts beside it, because legal and reference phrases, copyright lines, bare
URLs and corpus repeats also mark real documentation and licence text. Lines ending in a
closing quote are never taken by the model alone. After the line model, the tail cut
(`tailcut`, `news` and `web` only) may take a document's whole tail from a heading-shaped
line on, when its own trees find that suffix furniture (a comment thread, an author's bio,
related articles with descriptions). A per-document budget (`max_removed_fraction`) keeps
the strongest findings and reports the rest as held back.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import NamedTuple
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from dedup.config import DOCS_PRESET_RULES, MODEL_RULES, BoilerplateConfig
from dedup.document import Document, document_chars, require_field
from dedup.errors import ConfigError
from dedup.lexicon import Lexicon, load_lexicon, load_protect, normalize_lines
from dedup.linefeatures import (
    FEATURES,
    WORDS,
    ShapeMemo,
    batch_features,
    document_features,
    ends_mid_sentence,
    ends_sentence,
    prose_rows,
    sentence_rows,
)
from dedup.linemodel import LineModel, fit, load_model, run_margin, two_state
from dedup.linewords import WordWeights, fit_words
from dedup.parallel import map_shared, resolve_jobs, text_ranges
from dedup.progress import counted, set_stage
from dedup.report import BoilerplateLine
from dedup.tailcut import (
    NOTICE_FLOOR,
    TAG_LIST,
    Bar,
    Cut,
    candidates,
    cut_features,
    cut_labels,
    cut_threshold,
    find_cuts,
    line_notice,
    load_cut_model,
    notice_start,
    page_blocks,
)

SEPARATOR = re.compile(r"\s*[:|–—\-»>•]")
SYNDICATION = re.compile(
    r"syndicated feed|auto-?generated from an? (?:syndicated |news |agency |wire )?feed|"
    r"has not been edited by|"
    r"published from a syndicated|generated from an? (?:agency|wire) feed",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_MAX_SHARE_ROW = 40  # words
# A count: "1,234", "1.234", "2.3K"; not a section number ("2.3 Comments" in bc's manual).
COUNTER = re.compile(
    r"^\s*(?:\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,]\d+\s*[kKmM]|\s*[kKmM])?\s+(?:comments?|shares?|views?|likes?|replies|repl(?:y)|"
    r"reactions?|responses?|comentarios?|commentaires?|kommentare?|टिप्पणियां|تبصرے)\s*$|"
    r"^\s*(?:comments?|replies|kommentare|commentaires|comentarios)\s*\(\d+\)\s*$|"
    r"^\s*\d+\s*(?:min|mins|minutes?|minuten|minutos)\.?\s+"
    r"(?:read|lesezeit|de lecture|lectura)\s*$",
    re.IGNORECASE,
)
SOCIAL = frozenset(
    {"facebook", "twitter", "x", "whatsapp", "telegram", "linkedin", "email", "e", "mail"}
    | {"print", "pinterest", "reddit", "share", "tweet", "copy", "link", "messenger", "koo"}
)
BARE_URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
COPYRIGHT = re.compile(r"^\s*(?:©|\(c\)|copyright\b)", re.IGNORECASE)
DATE_PARTS = re.compile(
    # A dotted date has a four-digit year: "1.14.10" is a version number.
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
    r"(?<!version )(?<!v)\b\d{1,2}\.\d{1,2}\.\d{4}\b|"
    r"\b\d{1,2}:\d{2}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\b|"
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b",
    re.IGNORECASE,
)
META_KEYWORD = re.compile(
    r"^\W*(?:published|updated|posted|last updated|first published|date|dated|by|von|par|por|"
    r"publicado|actualizado|publié|mis à jour|veröffentlicht|aktualisiert|प्रकाशित|अपडेटेड|"
    r"شائع)\b",
    re.IGNORECASE,
)
BYLINE = re.compile(
    r"^\W*(?:[Bb]y|[Vv]on|[Pp]ar|[Pp]or)\s+[A-ZÀ-Þ]\w+(?:\s+[A-ZÀ-Þ][\w.]*){0,3}\s*$"
)
# Bylines `BYLINE` does not read, taken in the head block only (the line model's features
# keep `BYLINE`, as it learned them): a desk or bureau ("By Odisha Diary bureau", "By our
# correspondent"; on the labelled pages of train and dev every "By ..." line of five words
# at most was furniture or unsure), and "Written by Tom | 12 March", "Posted by Peter Bell
# on August 21, 2019", "Reviewed by ..." (132 furniture, 26 unsure, 0 content lines there;
# not "Edited by", a book's credit).
MORE_BYLINES = re.compile(
    r"^\W*[Bb]y\s+(?:[Oo]ur\s+[\w.&'’-]+|[A-ZÀ-Þ][\w.&'’-]*)(?:\s+[\w.&'’-]+){0,3}"
    # and a role or an agency after a comma: "By Jane Porter, Staff Writer" (a trial)
    r"(?:,\s+[A-ZÀ-Þ][\w.&'’-]*(?:\s+[\w.&'’-]+){0,3})?\s*$"
    # two writers: "By Tom Baker and Priya Shah" (a trial)
    r"|^\W*[Bb]y\s+[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){0,2}\s+(?:and|&)\s+"
    r"[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){0,2}\s*$"
    r"|^\W*(?:[Ww]ritten|[Pp]osted|[Rr]eported|[Rr]eviewed|[Ff]act[- ][Cc]hecked)\s+[Bb]y\s+"
    r"[A-ZÀ-Þ][^.!?]{0,80}$"
)
CRUMB = re.compile(r"\s(?:>|»|›|/|\|)\s")
_CRUMB_CHARS = frozenset(">»›/|")
_ANY_DIGIT = re.compile(r"\d")
# "1.14.10", "v2.3", and "Version 3" ("Version 3, 29 June 2007" heads the GPL's text).
_VERSION = re.compile(r"\bv?\d+\.\d+(?:\.\d+)*\b|\bversion \d+\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A GNU ChangeLog entry without an address ("2022-08-19  Release Manager": a date, two
# spaces, a name) and a git log header ("Date:   Tue Oct 3 12:00:00 2023 +0300"): records
# of a file, not a page's dateline (a new-user trial).
_LOG_HEADER = re.compile(r"\d{4}-\d\d-\d\d {2}\S|Date: {2,}\S|.*\d\d:\d\d:\d\d \d{4} [+-]\d{4}$")
# An issue-tracker entry opens with its number ("#154 Documentation: ...", "621368 glib: ...",
# "- Bug 658561 - Double free ..."):
# changelogs list them cut off with "...", as related-article lists do their headlines.
# A GNU ChangeLog entry names the file and function it changed, and runs on with "...":
# "* g10/import.c (apply_meta_data): Rename to ...", "(insert_key_origin): this.  Factor ...".
_CHANGELOG_ENTRY = re.compile(r"\s*(?:\*\s+[\w./+-]+\s*(?:\([^)]*\))?:|\([\w.,\s]+\):)")
_ISSUE_ENTRY = re.compile(r"\s*(?:[-*•]\s+)?(?:bug\s+)?(?:#\d+|\d{5,})\b", re.IGNORECASE)
# A changelog's release heading: "Version 2.14", "Release 1.0", "v1.2.3", "version: 0.25"
# (isl's), "1.9.9: Ludovic Rousseau" (pcsc-lite's: the version, a colon, the releaser),
# "==== Changes in man-pages-6.03 ====".
_RELEASE_HEADING = re.compile(
    r"(?:version|release|v):?\s*\d+(?:\.\d+)+\s*$|\d+(?:\.\d+)+:\s|\W*changes in\b.*\d\.\d",
    re.IGNORECASE,
)
# A list item of a log's entry: "- Fix SCardDisconnect() on orphan handle", "* Support
# runtime loading of OpenSSL 3.0" (at least three words: a menu's "* Home" is not one).
_ENTRY_ITEM = re.compile(r"[-*+•]\s+\S+\s+\S+\s+\S")
_HEADER_ENDS = frozenset(".!?")  # "" is not in it: an empty line ends in nothing


class _Line(NamedTuple):
    """A non-blank line: its number, `[start, end)`, stripped and normalized text, words.

    A named tuple, so the lines of a whole corpus cross back from workers cheaply.
    """

    number: int
    start: int
    end: int
    text: str
    norm: str
    words: int  # number of normalized words, counted once: many rules ask
    key: str  # the normalized text with digit runs as "0": what a recurring line matches on


@dataclass(frozen=True, slots=True)
class _Verdict:
    tier: int
    rule: str
    score: float
    threshold: float
    evidence: str


class BoilerplateFound(NamedTuple):
    """What `find_boilerplate` found: the reported lines, and how many documents were
    longer than the line model's reach (`model_line_limit`), judged by the marker rules
    alone (a whole-page dump of 1,238 lines kept its menus, a new-user trial saw, silently)."""

    lines: list[BoilerplateLine]
    rules_only: int


def detect_boilerplate(
    docs: Sequence[Document],
    config: BoilerplateConfig | None = None,
    *,
    jobs: int = 1,
) -> list[BoilerplateLine]:
    """Boilerplate lines of every document, sorted by document order then offset.

    Args:
        docs: the documents; with two or more, a cut-off teaser that opens another document
            is evidence, and with `min_corpus_docs` or more, so is a line that recurs.
        config: thresholds, lexicon and protect files, the removal budget, and the
            `site_field` by which recurring lines are counted per site.
        jobs: worker processes for the per-document pass; 0 uses every core (results do
            not depend on it).

    Returns:
        One `BoilerplateLine` per reported line; `text[start:end]` is the line without '\\n'.

    Raises:
        ConfigError: a lexicon or protect file cannot be read.

    Example:
        >>> text = "The minister resigned on Friday.\\nShare this article\\nLeave a Comment"
        >>> [(b.line, b.rule) for b in detect_boilerplate([Document("a", text)])]
        [(1, 'lexicon'), (2, 'lexicon')]
    """
    return find_boilerplate(docs, config, jobs=jobs).lines


def find_boilerplate(
    docs: Sequence[Document], config: BoilerplateConfig | None = None, *, jobs: int = 1
) -> BoilerplateFound:
    """`detect_boilerplate`, and the count of documents the line model could not judge.

    Example:
        >>> text = "\\n".join(["A line of the page."] * 1001)
        >>> found = find_boilerplate([Document("a", text), Document("b", "Short.")])
        >>> found.rules_only
        1
    """
    config = config or BoilerplateConfig()
    jobs = resolve_jobs(jobs)
    lexicon = _lexicon(config.lexicon_file, config.builtin_lexicon)
    protect = load_protect(config.protect_file)
    tasks = text_ranges(document_chars(docs), _BATCH, _BATCH_CHARS)
    split = map_shared(_split_range, docs, tasks, jobs=jobs)
    lines = [
        doc_lines for part in counted("boilerplate: lines", split, tasks) for doc_lines in part
    ]
    set_stage("boilerplate: corpus evidence")
    corpus = _Corpus(docs, lines, config)
    # Corpus evidence is gathered once above; each document is then judged on its own.
    shared = _Shared(docs, lines, config, lexicon, protect, corpus)
    found: list[BoilerplateLine] = []
    judged = map_shared(_detect_range, shared, tasks, jobs=jobs)
    for part in counted("boilerplate: judging documents", judged, tasks):
        found.extend(part)
    limit = model_line_limit(config)
    rules_only = 0 if limit is None else sum(len(ls) > limit for ls in lines)
    return BoilerplateFound(found, rules_only)


def model_line_limit(config: BoilerplateConfig) -> int | None:
    """Non-blank lines of the longest document the line model judges under `config` (the
    model file's `max_lines`, else MODEL_MAX_LINES), or None when no model runs (the `docs`
    and `rules` presets, `--ignore line_model`)."""
    model = _model(config)
    return None if model is None else _line_limit(model)


def _line_limit(model: LineModel) -> int:
    """The model file's `max_lines`, else MODEL_MAX_LINES."""
    return int(model.meta.get("max_lines", MODEL_MAX_LINES))


class LineEvidence(NamedTuple):
    """What one document brings to the corpus evidence (`JoinedEvidence`), by line number:
    its opening (near copies sharing one count once), its short lines' keys, the words of
    its opening lines, and its cut-off lines' teaser words."""

    opening: str
    repeats: list[tuple[int, str]]
    openings: list[tuple[str, ...]]
    teasers: list[tuple[int, tuple[str, ...]]]
    lines: int  # non-blank lines: past `model_line_limit`, the marker rules alone judge it


def line_evidence(text: str, config: BoilerplateConfig, *, repeats: bool) -> LineEvidence:
    """A document's share of the corpus evidence, as `_Corpus` gathers it (`repeats`:
    whether the corpus has `min_corpus_docs` documents, so that recurring lines count).

    Example:
        >>> text = "Oil prices climb in Asia today\\nRead more"
        >>> found = line_evidence(text, BoilerplateConfig(), repeats=True)
        >>> found.repeats, len(found.openings[0])
        ([(0, 'oil prices climb in asia today'), (1, 'read more')], 6)
    """
    lines = _split_lines(text)
    limit = config.corpus_max_words
    return LineEvidence(
        _opening(lines),
        [(ln.number, ln.key) for ln in lines if ln.words <= limit] if repeats else [],
        opening_words(lines, config),
        [
            (ln.number, words)
            for ln in lines
            if _is_cut_off(ln, config) and (words := teaser_words(ln, config)) is not None
        ],
        len(lines),
    )


def judge_documents(
    docs: Sequence[Document], corpus: CorpusEvidence, config: BoilerplateConfig
) -> list[BoilerplateLine]:
    """The boilerplate lines of `docs`, each document judged as `detect_boilerplate` judges
    it, with corpus evidence gathered elsewhere (`JoinedEvidence`, by position in `docs`)."""
    lines = [_split_lines(doc.text) for doc in docs]
    lexicon = _lexicon(config.lexicon_file, config.builtin_lexicon)
    shared = _Shared(docs, lines, config, lexicon, load_protect(config.protect_file), corpus)
    return _detect_range(shared, range(len(docs)))


_BATCH = 1024  # documents per worker task
_BATCH_CHARS = 4_000_000  # and characters: ~1 s of work, so long documents still share out


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every document's pass reads (inherited by forked workers, never pickled)."""

    docs: Sequence[Document]
    lines: list[list[_Line]]
    config: BoilerplateConfig
    lexicon: Lexicon
    protect: tuple[str, ...]
    corpus: CorpusEvidence


def _detect_range(shared: _Shared, positions: range) -> list[BoilerplateLine]:
    """One worker task: the rules per document, then the model over their lines."""
    config = shared.config
    model = _model(config)
    seen: dict[str, _TextRules] = {}  # one task's lines: copies share the rules' work
    judged = [_judge(pos, shared, seen) for pos in positions]
    if model is not None:
        lines = [shared.lines[pos] for pos in positions]
        decode = _selected("page_decode", config)
        cut = _tail_cut(config)
        decisions = _model_decisions(model, lines, judged, cut, _LineMemo(), decode=decode)
        for ls, j, decision in zip(lines, judged, decisions, strict=True):
            j.verdicts = _model_verdicts(ls, j, model, decision, config)
    found: list[BoilerplateLine] = []
    for pos, j in zip(positions, judged, strict=True):
        verdicts = {i: v for i, v in j.verdicts.items() if _selected(v.rule, config)}
        if config.preset == "docs":
            own = shared.lines[pos]
            verdicts = {i: v for i, v in verdicts.items() if _docs_evidence(v, own[i], config)}
        found.extend(_within_budget(shared.docs[pos], shared.lines[pos], verdicts, config))
    return found


def _model_decisions(
    model: LineModel,
    lines: list[list[_Line]],
    judged: list[_Judged],
    tail_cut: tuple[LineModel, Bar] | None,
    memo: _LineMemo,
    *,
    decode: bool = True,
) -> list[_Decision]:
    """The model on each document, over the lines of many documents at once (one matrix
    per `_MODEL_LINES` lines instead of a few numpy calls per document); `memo` keeps
    what the batches' lines alone give from batch to batch. `decode`: whether the page
    decode (`page_decode`) runs."""
    # A document far longer than any page the model learned from (a 2 MB licence file
    # of 30,000 lines) is outside what it knows: only the marker rules judge it, and it
    # is not even featured (its matrix alone would be some hundred bytes a character).
    # Nor is a document whose every line is protected (code or markup source,
    # `_source_text`) featured: nothing the model says of it could be reported.
    limit = _line_limit(model)
    out = [_no_decision(len(ls)) for ls in lines]
    fits = [
        k for k, ls in enumerate(lines) if len(ls) <= limit and len(judged[k].protected) < len(ls)
    ]
    for batch in _batches(fits, [len(ls) for ls in lines]):
        picked = [lines[k] for k in batch]
        decided = _decide(model, picked, [judged[k] for k in batch], tail_cut, memo, decode)
        for k, decision in zip(batch, decided, strict=True):
            out[k] = decision
    return out


def _batches(picked: list[int], sizes: list[int]) -> Iterator[list[int]]:
    """`picked` in consecutive runs of at most `_MODEL_LINES` lines (or one document)."""
    batch: list[int] = []
    lines = 0
    for k in picked:
        if batch and lines + sizes[k] > _MODEL_LINES:
            yield batch
            batch, lines = [], 0
        batch.append(k)
        lines += sizes[k]
    if batch:
        yield batch


# Lines the model judges at once: enough that numpy's per-call cost is spread thin, few
# enough that the feature matrix and the per-character arrays behind it stay small (and
# in cache) whatever the documents' sizes.
_MODEL_LINES = 1024


def _no_decision(n: int) -> _Decision:
    """A document the model leaves to the marker rules: no line goes."""
    return _Decision(np.zeros(n), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), {}, None)


def _decide(
    model: LineModel,
    lines: list[list[_Line]],
    judged: list[_Judged],
    tail_cut: tuple[LineModel, Bar] | None,
    memo: _LineMemo,
    decode: bool = True,
) -> list[_Decision]:
    """The model's probabilities, block decisions and explanations for a few documents,
    and each one's tail cut (`tail_cut`: the cut model and its threshold; None for none)
    and page decode (`decode`: whether it runs)."""
    flat = [ln for ls in lines for ln in ls]
    norms = [ln.norm for ln in flat]
    norm_words = memo.split(norms)
    hits = [h for j in judged for h in j.hits]
    scores = None if model.words is None else memo.scores(model.words, norms, norm_words)
    sizes = [len(ls) for ls in lines]
    texts = [ln.text for ln in flat]
    stacked = batch_features(texts, norm_words, hits, sizes, scores, memo.shapes)
    bounds = np.cumsum([0, *sizes])
    p = model.probabilities(stacked)
    prose_all = prose_rows(stacked)
    sentence_all = sentence_rows(stacked)
    prose = [prose_all[bounds[k] : bounds[k + 1]] for k in range(len(lines))]
    never = [_never(ls) for ls in lines]
    sentences = [
        sentence_all[bounds[k] : bounds[k + 1]] | _wrapped(ls) for k, ls in enumerate(lines)
    ]
    going = [
        model.decide(p[bounds[k] : bounds[k + 1]], prose[k], never[k], sentences[k])
        for k in range(len(lines))
    ]
    for k, ls in enumerate(lines):
        going[k] &= ~_list_ends(ls, going[k])
    cuts: list[Cut | None] = [None] * len(lines)
    pages = [_Page()] * len(lines)
    parts = [(k, int(bounds[k]), int(bounds[k + 1])) for k in range(len(lines))]
    blocks = page_blocks([(stacked[lo:hi], p[lo:hi]) for _, lo, hi in parts])
    heads, ends = blocks[0].tolist(), blocks[1].tolist()
    tables = [_pipe_tables(ls) for ls in lines]
    if tail_cut is not None:
        found = [(stacked[lo:hi], p[lo:hi], going[k]) for k, lo, hi in parts]
        cuts = find_cuts(*tail_cut, found, [h > 0 for h in heads])
        cuts = [
            _notice_cut(ls, going[k], cuts[k], p[bounds[k] : bounds[k + 1]])
            for k, ls in enumerate(lines)
        ]
        for k, cut in enumerate(cuts):
            # A tail holding code ("$ gcloud pubsub topics get-iam-policy" under a man
            # page's NOTES, a Markdown fence, a doctest's output) is documentation: the cut
            # takes all of it or nothing. Nor does it take a list's last item alone.
            # Nor does it start inside a Markdown table, whose rows are one table.
            if cut is not None and (
                _tail_holds_code(lines[k], cut.line)
                or _lone_list_end(lines[k], going[k], cut.line)
                or any(t.start < cut.line < t.stop for t in tables[k])
            ):
                cuts[k] = None
            elif cut is not None:
                lo, hi = int(bounds[k]), int(bounds[k + 1])
                model.extend_tail(going[k], p[lo:hi], cut.line, prose[k], never[k], CARRY)
    for k, head in enumerate(heads):  # after the cut: its features saw the model's lines
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        going[k][:head] |= (p[lo : lo + head] >= PAGE_HEAD_BAR) & ~never[k][:head]
        if decode:
            pages[k] = _page_decode(
                p[lo:hi], lines[k], head, ends[k], sentences[k], never[k], going[k], cuts[k]
            )
    for k, doc_tables in enumerate(tables):
        _whole_tables(doc_tables, going[k], pages[k].added)
    # Explanations for every line going, all at once (they walk every tree again).
    picked = [np.flatnonzero(g) for g in going]
    rows = np.concatenate([at + bounds[k] for k, at in enumerate(picked)])
    tops = iter(model.explain(stacked[rows]))
    out = []
    for k, at in enumerate(picked):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        mine = {i: next(tops) for i in at.tolist()}  # a document's lines going, in order
        out.append(_Decision(p[lo:hi], going[k], prose[k], mine, cuts[k], pages[k]))
    return out


class _LineMemo:
    """What a line alone gives the model, kept from batch to batch of a worker task (by
    normalized text: its words and word score; by text: its shape columns, `ShapeMemo`).
    Furniture and mirrored pages repeat lines across batches as within one; each store
    starts again past `_SEEN_LINES` lines, as the task's other stores do."""

    def __init__(self) -> None:
        self.words: dict[str, list[str]] = {}
        self.known: dict[str, float] = {}
        self.shapes = ShapeMemo(_SEEN_LINES)

    def split(self, norms: list[str]) -> list[list[str]]:
        """Each line's words; copies of a line share one list."""
        words = self.words
        if len(words) > _SEEN_LINES:
            words.clear()
        return [words.get(norm) or words.setdefault(norm, norm.split()) for norm in norms]

    def scores(
        self, weights: WordWeights, norms: list[str], norm_words: list[list[str]]
    ) -> npt.NDArray[np.float64]:
        """Each line's word log-odds (`WordWeights.scores`), once a distinct line."""
        known = self.known
        if len(known) > _SEEN_LINES:
            known.clear()
        new = {
            norm: words for norm, words in zip(norms, norm_words, strict=True) if norm not in known
        }
        if new:
            known.update(zip(new, weights.scores(new.values()).tolist(), strict=True))
        return np.fromiter(map(known.__getitem__, norms), dtype=np.float64, count=len(norms))


def _notice_cut(
    lines: list[_Line], going: npt.NDArray[np.bool_], cut: Cut | None, p: npt.NDArray[np.float64]
) -> Cut | None:
    """The tail cut moved up to the run of end-of-page notices (`tailcut.notice_start`: an
    author's bio, a paywall prompt, a site notice; lines of line-model probability
    `NOTICE_FLOOR` or more under them) that the line model and the cut left as the
    document's last lines, or `cut` as it was."""
    gone = going.copy()
    if cut is not None:
        gone[cut.line :] = True
    texts = [ln.text for ln in lines]
    found = notice_start(texts, gone, p >= NOTICE_FLOOR)
    ks = candidates(len(lines))
    if found is None or not len(ks) or found[0] < ks[0]:
        return cut
    line, kind = found
    if cut is not None and cut.line <= line:
        return cut
    first = next(i for i in range(line, len(lines)) if line_notice(texts, i))
    evidence = (
        f"the last {len(lines) - line} non-blank lines end the page with a notice ({kind}: "
        f"{lines[first].text.strip()[:60]!r}); the rest short labels or lines of "
        f"p >= {NOTICE_FLOOR:.1f}"
    )
    return Cut(line, 1.0, 1.0, evidence)


# A whole page's head (menus and section lists above its prose block, `page_heads`) goes
# line by line at this bar, lower than the line model's 0.97 anywhere else: on dev it took
# ~1,100 head lines of html-text and inscriptis output for ~20 article lines.
PAGE_HEAD_BAR = 0.95


class Decode(NamedTuple):
    """A segment's two-state decode (`two_state`): its bar, and the cost of a change of
    state."""

    bar: float
    switch: float


# A whole page's head and foot (its lines outside the prose block: menus, section lists,
# footers, related links) are decoded as blocks, each alone, but for the lines the prose
# repeats (`_echoes`). The head, above the article, is furniture most often: at 0.80
# (cost 4) it took ~1,300 furniture lines of dev (html-text and inscriptis,
# `benchmarks/boilerplate_real.py`) for ~17 article lines (a table of contents, a title).
# The foot at 0.95 (cost 2): at 0.90 it added ~40 furniture lines of dev for 6 article
# lines and two documents ending in furniture; a line by line bar (cost 0) took twice the
# article lines for the same furniture. The test split showed why the bars are kept well
# inside whole-page text's 2 % limit: at 0.80 / 0.90 without `_echoes` it lost 2.28 % of
# html-text's article lines there (1.82 % on dev), mostly lists of the companies an
# article compares, outside its prose block.
PAGE_HEAD = Decode(0.8, 4.0)
PAGE_FOOT = Decode(0.95, 2.0)
DENSE = Decode(0.9, 2.0)  # a document of mostly furniture, decoded whole
# A line under this stays whatever its neighbours: the lines its run dragged in below it
# on dev were mostly article titles just above the prose block (6 of 16).
PAGE_FLOOR = 0.7


# A document that reads as no whole page but whose lines are mostly furniture to the line
# model (this share of them at `DENSE.bar` or more, at least `DENSE_LINES` lines: a page
# of link lists with a paragraph or two, as whole-page text gives a hub or a section
# page) is decoded whole, as one segment; its sentences stay. On dev it added ~180
# furniture lines of html-text and inscriptis output for no article line, and none of any
# article extractor's or of the non-news sets (at a share of 0.4, 24-34 article lines of
# one trafilatura page; at 10 lines, 2 of a clinic directory's 22 in boilerpipe's text).
DENSE_SHARE = 0.5
DENSE_LINES = 30


def dense_furniture(p: npt.NDArray[np.float64]) -> bool:
    """Whether a document's lines (their line model probabilities) are mostly furniture.

    Example:
        >>> dense_furniture(np.array([0.95] * 18 + [0.1] * 12)), dense_furniture(np.full(29, 0.99))
        (True, False)
    """
    return len(p) >= DENSE_LINES and float(np.mean(p >= DENSE.bar)) >= DENSE_SHARE


_WORDS = re.compile(r"\w+")


def _echoes(lines: list[_Line], head: int, end: int) -> npt.NDArray[np.bool_]:
    """The lines of a whole page outside its prose block `[head, end)` that its prose
    repeats word for word (two words or more: "Allied Van Lines", a list of the movers the
    article compares), which the page decode leaves: a menu's items are seldom the
    article's words. (Counted neutral instead, so that they would still go inside a run
    of furniture, as a law firm's menu of the practice areas its article names, they
    gave back most of the article lines they save: dev 1.56 -> 1.61 % of html-text's,
    train 0.99 -> 1.13 %, for recall 0.792 -> 0.808 and 0.783 -> 0.787.)

    Example:
        >>> text = "Home\\n* Allied Van Lines\\nWe hired Allied Van Lines.\\nContact Us"
        >>> _echoes(_split_lines(text), 2, 3).tolist()
        [False, True, False, False]
    """
    prose = " " + " ".join(_WORDS.findall(" ".join(ln.text for ln in lines[head:end]))) + " "
    out = np.zeros(len(lines), dtype=bool)
    for i in [*range(head), *range(end, len(lines))]:
        words = _WORDS.findall(lines[i].text)
        out[i] = len(words) >= 2 and f" {' '.join(words)} " in prose
    return out


def page_furniture(
    p: npt.NDArray[np.float64],
    head: int,
    end: int,
    foot: Decode | None = None,
    echoes: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """The lines of a whole page (line model probabilities `p`, its prose block `[head,
    end)`) that its head and its foot (by `foot`, else `PAGE_FOOT`), each decoded alone
    by `two_state`, send out.

    Example:
        >>> p = np.array([0.99, 0.7, 0.99, 0.1, 0.2, 0.1, 0.99, 0.97, 0.3])
        >>> page_furniture(p, 3, 6).astype(int).tolist()
        [1, 1, 1, 0, 0, 0, 1, 1, 0]
    """
    out = np.zeros(len(p), dtype=bool)
    if echoes is not None:
        p = np.where(echoes, 0.0, p)  # under the floor: content, whatever its neighbours
    out[:head] = two_state(p[:head], *PAGE_HEAD, PAGE_FLOOR)
    out[end:] = two_state(p[end:], *(foot or PAGE_FOOT), PAGE_FLOOR)
    return out


def _page_decode(
    p: npt.NDArray[np.float64],
    lines: list[_Line],
    head: int,
    end: int,
    sentences: npt.NDArray[np.bool_],
    never: npt.NDArray[np.bool_],
    going: npt.NDArray[np.bool_],
    cut: Cut | None,
) -> _Page:
    """A document's page decode, in place on `going`: a whole page's head and foot
    (`page_furniture`, its prose block `[head, end)` from `page_blocks`), or a document
    of mostly furniture whole (`dense_furniture`, its sentences kept). The lines it adds
    are neither quoted (`never`) nor the tail cut's, nor already going."""
    if head:
        decoded = page_furniture(p, head, end, echoes=_echoes(lines, head, end))
    elif dense_furniture(p):  # one segment, whole
        decoded = page_furniture(p, 0, 0, DENSE)
    else:
        return _Page()
    # `decoded` stays the decode's own path, whose every run paid for its changes of
    # state: a finding's evidence sums its whole run. (With a dense document's sentences
    # taken out of it, the evidence summed the pieces between them: "2.61 >= 4.00", on
    # 242 lines of train and dev.)
    added = decoded & ~never & ~going
    if not head:
        added &= ~sentences  # a sentence stays
    added[len(added) if cut is None else cut.line :] = False  # the cut's
    going |= added
    return _Page(head, end, decoded, added, dense=not head)


# The tail block carries on from a tail cut over the lines above it that reach this (the
# cut is no evidence about them): dev 32.5 -> 32.1 % of documents ending in furniture, at
# precision 0.970 -> 0.969; at the plain tail thresholds (0.80, prose 0.90) 31.5 %, but
# precision 0.965, and under `web` (0.40, prose 0.50) three extractors past 2 %.
CARRY = 0.9


@dataclass(slots=True)
class _Judged:
    """The rules' verdicts on one document, every rule that fired per line, protected lines."""

    verdicts: dict[int, _Verdict]
    hits: list[dict[str, float]]
    protected: set[int]


def _judge(pos: int, shared: _Shared, seen: dict[str, _TextRules] | None = None) -> _Judged:
    lines, config = shared.lines[pos], shared.config
    protect = shared.protect
    protected = {i for i, ln in enumerate(lines) if protect and any(p in ln.norm for p in protect)}
    if _source_text(lines):
        protected.update(range(len(lines)))
    protected.update(_signatures(lines))
    protected.update(_file_dates(lines))
    doc = shared.docs[pos]
    verdicts, hits = _rule_verdicts(
        pos, doc, lines, config, shared.lexicon, shared.corpus, protected, seen
    )
    if config.ignore:
        # An ignored rule is not evidence for the model either.
        gone = {_FEATURE_OF_RULE.get(rule, rule) for rule in config.ignore}
        hits = [{k: v for k, v in h.items() if k not in gone} for h in hits]
    return _Judged(verdicts, hits, protected)


# A letter's closing, with its comma: "Cheers,", "Best regards,", "Sincerely,".
_VALEDICTION = re.compile(
    r"(?:cheers|(?:best |kind |warm |warmest )?regards|thanks|sincerely|yours(?: truly| sincerely)?"
    r"|best(?: wishes)?|all the best|love),",
    re.IGNORECASE,
)


def _source_text(lines: list[_Line]) -> bool:
    """Whether a document is code or markup source, left whole: a script (its first line
    names an interpreter, "#!/usr/bin/mawk -f"), or half of its first
    `_SOURCE_LINES` lines (five at least) read as code (`_code_like`), end a statement or a
    block (";", "{", "}") or hold a troff escape ("\\fBcustom\\-jobs\\fR" in a man page's
    source, whose command list the line model took as a menu; a stylesheet's selectors, a
    Perl script's "print"). On the labelled pages 11 of some 3,000 documents read so (code
    tutorials), and no news page.

    Example:
        >>> _source_text(_split_lines(".TH LS 1\\n.SH NAME\\nls \\\\- list\\n.SH SYNOPSIS\\n.B ls"))
        True
        >>> _source_text(_split_lines("A sentence.\\nAnother one.\\nx = 1;\\nMore.\\nEnd."))
        False
        >>> _source_text(_split_lines("#!/usr/bin/mawk -f\\n{ print }"))
        True
    """
    if lines and lines[0].number == 0 and _SHEBANG.match(lines[0].text) is not None:
        return True  # a script names its interpreter (mawk's ct_length.awk lost its "print")
    head = lines[:_SOURCE_LINES]
    if len(head) < _SOURCE_MIN:
        return False
    needed = math.ceil(_SOURCE_SHARE * len(head))
    spare = len(head) - needed  # lines of prose it may have: past them, it is no source
    for ln in head:
        code = (
            ln.text[-1:] in _BLOCK_ENDS
            or ("\\" in ln.text and _TROFF_ESCAPE.search(ln.text) is not None)
            or _code_like(ln.text)
        )
        needed -= code
        spare -= not code
        if needed <= 0 or spare < 0:
            break
    return needed <= 0


_SOURCE_LINES = 40
_SOURCE_MIN = 5
_SOURCE_SHARE = 0.5
_BLOCK_ENDS = frozenset(";{}")
# A script's first line names its interpreter: "#!/usr/bin/mawk -f", "#! /bin/sh".
_SHEBANG = re.compile(r"#!\s*/[\w./-]+")
_TROFF_ESCAPE = re.compile(r"\\f[BIRP(]|\\-")


def _file_dates(lines: list[_Line]) -> list[int]:
    """The short dated lines of a hard-wrapped text file (a fifth of its lines or more run
    on into the next, `_wrapped`): "Last updated 1 July 2008" under zip's "What's New",
    "Last updated: 2006-May-28" under the signature ending zlib's txtvsbin.txt. The file's
    own dates, where an extractor's page text keeps each paragraph on one line and its
    dateline is furniture (on the labelled pages, 7 of some 500 dated furniture lines stood
    in text that wrapped so).

    Example:
        >>> prose = "These are the notes of the release of the tool, which\\nis wrapped.\\n"
        >>> text = "What's New\\nLast updated 1 July 2008\\n" + prose * 3
        >>> _file_dates(_split_lines(text))
        [1]
    """
    wrapped = int(_wrapped(lines).sum())  # first: most pages are not wrapped, and are done
    if wrapped < _WRAPPED_LINES or wrapped < _WRAPPED_SHARE * len(lines):
        return []
    return [
        i
        for i, ln in enumerate(lines)
        if ln.words <= _DATED_WORDS
        and ln.end - ln.start - len(ln.text) < _INDENT  # laid out as a page is (inscriptis)
        and _ANY_DIGIT.search(ln.text) is not None
        and (META_KEYWORD.match(ln.text) is not None or DATE_PARTS.search(ln.text) is not None)
    ]


_DATED_WORDS = 10
_INDENT = 4  # columns of white space (and any at the end): a page's text laid out in blocks
_WRAPPED_LINES = 3
_WRAPPED_SHARE = 0.2


def _signatures(lines: list[_Line]) -> list[int]:
    """A letter's closing and the name under it ("Cheers," / "The Avahi Team" at the end
    of a NEWS file; "Thanks," / "Rob" in a forum post): the writer's, never furniture.

    Example:
        >>> _signatures(_split_lines("Thanks for reading.\\nCheers,\\nThe Avahi Team\\nHome"))
        [1, 2]
    """
    out = []
    for i in range(len(lines) - 1):
        line, name = lines[i], lines[i + 1]
        if (
            line.text[-1] == ","  # cheap, before the pattern: a closing ends with its comma
            and _VALEDICTION.fullmatch(line.text)
            and name.number == line.number + 1
            and name.words <= 4
            and not ends_sentence(name.text)
        ):
            out += [i, i + 1]
    return out


@lru_cache(maxsize=8)
def _lexicon(path: str | None, builtin: bool) -> Lexicon:
    return load_lexicon(path, builtin=builtin)


def _split_range(docs: Sequence[Document], positions: range) -> list[list[_Line]]:
    seen: dict[str, _Normalized] = {}  # one worker task's lines: copies share their work
    return [_split_lines(docs[pos].text, seen) for pos in positions]


# A raw line stripped (`_Line.text`; "" for a blank line) and normalized (`.norm`,
# `.words`, `.key`): a plain tuple, made for every distinct line.
_Normalized = tuple[str, str, int, str]


def _split_lines(text: str, seen: dict[str, _Normalized] | None = None) -> list[_Line]:
    """The non-blank lines of a text (`_Line`), numbered and placed among all its lines.

    `seen` holds raw lines already normalized (by earlier documents of a worker's task):
    a line normalizes on its own (`normalize_lines`), so a copy is looked up, not redone.
    Mirrors, several extractions of one page and site furniture repeat most lines.
    """
    seen = {} if seen is None else seen
    raws = text.split("\n")
    starts = [0, *accumulate(len(raw) + 1 for raw in raws)]
    out: list[_Line] = []
    # A block of lines at a time: the normalized copies of a whole 8 MB file at once
    # were most of the memory its detection took.
    for lo in range(0, len(raws), _SPLIT_BLOCK):
        block = raws[lo : lo + _SPLIT_BLOCK]
        if len(seen) > _SEEN_LINES:  # bounded: a file of distinct lines keeps a block's
            seen.clear()
        new = [raw for raw in block if raw not in seen]
        if new:
            _normalize_new(new, seen)
        for k, raw in enumerate(block):
            stripped, norm, words, key = seen[raw]
            if stripped:
                at = starts[lo + k]
                # A CRLF line's "\r" is its line break, not its text: the span stops before it.
                end = at + len(raw) - raw.endswith("\r")
                out.append(_new_line(_Line, (lo + k, at, end, stripped, norm, words, key)))
    return out


# `_Line(...)` without the Python frame of a named tuple's `__new__`: a line of every
# document is made here.
_new_line = tuple.__new__


def _normalize_new(new: list[str], seen: dict[str, _Normalized]) -> None:
    """Add the lines of `new` to `seen`, normalized in one pass over them joined."""
    norms = normalize_lines("\n".join(new))
    # Digit runs become "0" in one pass (no run crosses a line break); a line without
    # digits keeps its normalized text as its key, one string for both.
    keys = _DIGITS.sub("0", "\n".join(norms)).split("\n")
    for raw, norm, key in zip(new, norms, keys, strict=True):
        words = norm.count(" ") + 1 if norm else 0  # single spaces between words
        seen[raw] = (raw.strip(), norm, words, norm if key == norm else key)


_SEEN_LINES = 20_000  # distinct lines a worker task keeps (normalized, or judged by text)
_SPLIT_BLOCK = 4096  # lines


class CorpusEvidence:
    """Corpus evidence as the judging of one document asks for it: how many documents of
    its site carry a line, and which document a cut-off line is the opening of.

    The verdicts are built here, from two lookups each way of holding the evidence
    answers: `_Corpus` gathers it from every document's lines in dicts (the local engine);
    `JoinedEvidence` is handed each document's share, found elsewhere (the Spark engine's
    groupBy over the lines of the corpus, joined back to each document's lines).
    """

    def __init__(self, config: BoilerplateConfig, use_repeats: bool) -> None:
        self.config = config
        self.use_repeats = use_repeats
        # A footer's copies all get the same verdict (unless a copy is one of its examples).
        self._said: dict[tuple[int, str, tuple[str, ...]], _Verdict] = {}

    def repeat(self, doc_pos: int, doc_id: str, line: _Line) -> _Verdict | None:
        if not self.use_repeats or line.words > self.config.corpus_max_words:
            return None
        freq, site, site_size = self._carried(doc_pos, line)
        if freq < self.config.min_doc_freq:
            return None
        prose_like = line.words >= 6 and ends_sentence(line.text)
        if prose_like and freq < self.config.min_doc_fraction * site_size:
            return None
        others = tuple([d for d in self._first_carriers(doc_pos, line) if d != doc_id][:3])
        found = self._said.get((freq, site, others))
        if found is None:
            where = f" of site {site!r}" if site else ""
            evidence = f"same line in {freq} documents{where}, e.g. {', '.join(others)}"
            found = _Verdict(1, "corpus_repeat", freq, self.config.min_doc_freq, evidence)
            if len(self._said) < _SEEN_LINES:
                self._said[(freq, site, others)] = found
        return found

    def teaser_of(self, doc_pos: int, doc_id: str, line: _Line) -> _Verdict | None:
        words = teaser_words(line, self.config)
        if words is None:
            return None
        other = self._opened(doc_pos, doc_id, line, words)
        if other is None:
            return None
        evidence = f"opening words of document {other}"
        return _Verdict(
            0, "teaser_of_document", len(words), self.config.teaser_prefix_words, evidence
        )

    def _carried(self, doc_pos: int, line: _Line) -> tuple[int, str, int]:
        """How many documents (one per opening) of the document's site carry the line
        (0 may stand for any count under `min_doc_freq`), the site, and its documents."""
        raise NotImplementedError

    def _first_carriers(self, doc_pos: int, line: _Line) -> list[str]:
        """The four smallest ids among the line's carriers (the first document of each
        opening, in document order)."""
        raise NotImplementedError

    def _opened(self, doc_pos: int, doc_id: str, line: _Line, words: tuple[str, ...]) -> str | None:
        """The first other document (in document order, then line order) one of whose
        first three lines opens with `words`."""
        raise NotImplementedError


def teaser_words(line: _Line, config: BoilerplateConfig) -> tuple[str, ...] | None:
    """The words a cut-off line shares with the document it teases: all but the last
    (it may be cut off), or None when fewer than `teaser_prefix_words` remain."""
    words = tuple(line.norm.split())[:-1]
    return words if len(words) >= config.teaser_prefix_words else None


class _Corpus(CorpusEvidence):
    """Corpus evidence gathered here: lines recurring across documents and the openings of
    documents, in dicts."""

    def __init__(
        self,
        docs: Sequence[Document],
        lines: list[list[_Line]],
        config: BoilerplateConfig,
    ) -> None:
        super().__init__(config, len(docs) >= config.min_corpus_docs)
        self._examples: dict[tuple[str, str], list[str]] = {}
        self.sites = document_sites(docs, config)
        self.site_size: dict[str, int] = defaultdict(int)
        # site -> line key -> the documents carrying it, one per opening (`_Carriers`).
        self.repeats: dict[str, dict[str, _Carriers]] = defaultdict(dict)
        self.openings: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        k = config.teaser_prefix_words
        for doc, doc_lines, site in zip(docs, lines, self.sites, strict=True):
            self.site_size[site] += 1
            for words in opening_words(doc_lines, config):
                self.openings[words[:k]].append((doc.id, words))
            if self.use_repeats:
                opening = _opening(doc_lines)
                for line in doc_lines:
                    if line.words <= config.corpus_max_words:
                        _carry(self.repeats[site], line.key, opening, doc.id)

    def _carried(self, doc_pos: int, line: _Line) -> tuple[int, str, int]:
        site = self.sites[doc_pos]
        return _count(self.repeats.get(site, {}).get(line.key)), site, self.site_size[site]

    def _first_carriers(self, doc_pos: int, line: _Line) -> list[str]:
        """Found once per line: a footer on every one of 40,000 documents must not sort
        40,000 ids 40,000 times."""
        site, key = self.sites[doc_pos], line.key
        found = self._examples.get((site, key))
        if found is None:
            found = heapq.nsmallest(4, _ids(self.repeats[site][key]))
            self._examples[(site, key)] = found
        return found

    def _opened(self, doc_pos: int, doc_id: str, line: _Line, words: tuple[str, ...]) -> str | None:
        for other, opening in self.openings.get(words[: self.config.teaser_prefix_words], ()):
            if other != doc_id and opening[: len(words)] == words:
                return other
        return None


def document_sites(docs: Sequence[Document], config: BoilerplateConfig) -> list[str]:
    """Each document's site (`site_field`; "" without one). A site field no document
    carries is a typo, which would quietly count every line across all sites: it raises."""
    site = config.site_field
    sites = [document_site(d, config) for d in docs]
    if site:
        require_field(docs, site, "--site-field", any(sites))
    return sites


def document_site(doc: Document, config: BoilerplateConfig) -> str:
    """A document's site: the value of its `site_field`, as text ("" without one); a URL's
    host, lower-cased, when the field holds a URL (`--site-field url` made each page a site
    of its own, and no line could recur on a site: a new-user trial).

    Example:
        >>> config = BoilerplateConfig(site_field="url")
        >>> document_site(Document("a", "", "a", {"url": "https://News.example.org/a/1"}), config)
        'news.example.org'
    """
    site = config.site_field
    value = str(doc.meta.get(site, "")) if site else ""
    return site_of(value)


def site_of(value: str) -> str:
    """`value` as a site: a URL's host (lower-cased), else `value` itself.

    Example:
        >>> site_of("http://www.dawn.com/news/1"), site_of("dawn.com"), site_of("https://")
        ('www.dawn.com', 'dawn.com', 'https://')
    """
    if value.startswith(("http://", "https://")):
        return urlsplit(value).hostname or value
    return value


OPENING_LINES = 3  # a document's opening, as a teaser elsewhere quotes it


def opening_words(lines: list[_Line], config: BoilerplateConfig) -> list[tuple[str, ...]]:
    """The words of a document's first three lines that have `teaser_prefix_words` or
    more: what a teaser elsewhere in the corpus may open with."""
    found = (tuple(line.norm.split()) for line in lines[:OPENING_LINES])
    return [words for words in found if len(words) >= config.teaser_prefix_words]


class JoinedEvidence(CorpusEvidence):
    """Corpus evidence found elsewhere and handed to the documents it concerns, keyed by
    (the document's position among those judged, the line's number): for each line
    carried by `min_doc_freq` or more documents, (documents, site, site's documents, the
    four smallest carrier ids), and for each cut-off line that opens another document,
    that document's id. A line not in `repeats` is carried by too few documents."""

    def __init__(
        self,
        config: BoilerplateConfig,
        use_repeats: bool,
        repeats: dict[tuple[int, int], tuple[int, str, int, list[str]]],
        teasers: dict[tuple[int, int], str],
    ) -> None:
        super().__init__(config, use_repeats)
        self.repeats = repeats
        self.teasers = teasers

    def _carried(self, doc_pos: int, line: _Line) -> tuple[int, str, int]:
        found = self.repeats.get((doc_pos, line.number))
        return (0, "", 0) if found is None else found[:3]

    def _first_carriers(self, doc_pos: int, line: _Line) -> list[str]:
        return self.repeats[(doc_pos, line.number)][3]

    def _opened(self, doc_pos: int, doc_id: str, line: _Line, words: tuple[str, ...]) -> str | None:
        return self.teasers.get((doc_pos, line.number))


# The documents carrying a line: opening -> doc id, near-duplicate copies sharing an opening
# count once (a story syndicated five times does not make its lines boilerplate). Most
# lines have one carrier, kept as a bare (opening, id) pair: a dict a line was most of the
# memory of a corpus of licence files.
_Carriers = tuple[str, str] | dict[str, str]


def _carry(carriers: dict[str, _Carriers], key: str, opening: str, doc_id: str) -> None:
    """Record that a document (by its opening) carries the line `key`; the first one of
    an opening stays."""
    found = carriers.get(key)
    if found is None:
        carriers[key] = (opening, doc_id)
    elif isinstance(found, tuple):
        if found[0] != opening:
            carriers[key] = {found[0]: found[1], opening: doc_id}
    else:
        found.setdefault(opening, doc_id)


def _count(carriers: _Carriers | None) -> int:
    """How many documents (one per opening) carry a line."""
    if carriers is None:
        return 0
    return 1 if isinstance(carriers, tuple) else len(carriers)


def _ids(carriers: _Carriers) -> list[str]:
    return [carriers[1]] if isinstance(carriers, tuple) else list(carriers.values())


def _opening(lines: list[_Line]) -> str:
    for line in lines:
        if line.words >= 8:
            return " ".join(line.norm.split()[:8])
    return " ".join(line.norm for line in lines)[:60]


def _docs_evidence(verdict: _Verdict, line: _Line, config: BoilerplateConfig) -> bool:
    """Under `docs`: an exact multi-word lexicon line (not a legal phrase), or a short label
    line repeated on a named site. Licence paragraphs repeat across a docs corpus too, and
    they are content: a repeated line must look like a label (at most 8 words, letters, no
    sentence mark) to go."""
    if verdict.rule == "lexicon":
        exact = verdict.tier == 0 and verdict.score == 1.0
        return exact and _is_marker(verdict) and verdict.evidence not in LEGAL_HEADINGS
    if verdict.rule != "corpus_repeat" or config.site_field is None:
        return False
    return 0 < line.words <= 8 and not ends_sentence(line.text) and line.norm != ""


def line_features(
    docs: Sequence[Document],
    config: BoilerplateConfig | None = None,
    *,
    words: WordWeights | None = None,
    word_scores: Sequence[npt.NDArray[np.float64]] | None = None,
) -> list[npt.NDArray[np.float64]]:
    """The model's feature matrix of every document (a row per non-blank line): for training.

    Corpus evidence (lines repeated on a site) is gathered over `docs`, as in detection.
    The word columns come from `word_scores` (per document, a score per non-blank line;
    out-of-fold scores when training) or else from `words`; with neither they are 0.

    Example:
        >>> [x.shape for x in line_features([Document("a", "Home\\n\\nThe minister resigned.")])]
        [(2, 55)]
    """
    config = config or BoilerplateConfig()
    lexicon = _lexicon(config.lexicon_file, config.builtin_lexicon)
    lines = [_split_lines(doc.text) for doc in docs]
    corpus = _Corpus(docs, lines, config)
    out = []
    for pos, doc in enumerate(docs):
        _, hits = _rule_verdicts(pos, doc, lines[pos], config, lexicon, corpus, set())
        scores = word_scores[pos] if word_scores is not None else _scores(words, lines[pos])
        out.append(_features(lines[pos], hits, scores))
    return out


def _features(
    lines: list[_Line], hits: list[dict[str, float]], words: npt.NDArray[np.float64] | None
) -> npt.NDArray[np.float64]:
    return document_features([ln.text for ln in lines], [ln.norm for ln in lines], hits, words)


def _scores(words: WordWeights | None, lines: list[_Line]) -> npt.NDArray[np.float64] | None:
    """Each line's word log-odds, or None without word weights."""
    return None if words is None else words.scores(ln.norm.split() for ln in lines)


def _rule_verdicts(
    doc_pos: int,
    doc: Document,
    lines: list[_Line],
    config: BoilerplateConfig,
    lexicon: Lexicon,
    corpus: CorpusEvidence,
    protected: set[int],
    seen: dict[str, _TextRules] | None = None,
) -> tuple[dict[int, _Verdict], list[dict[str, float]]]:
    """What the rules say of each line: their verdicts, and every rule that fired (features).

    `seen` holds what the rules read of lines already judged (`_TextRules`, by text).
    """
    signals: dict[int, _Verdict] = {}
    hits: list[dict[str, float]] = [{} for _ in lines]
    seen = {} if seen is None else seen
    cut_off: list[bool] = []  # each line's, for `_teaser_runs` (the flags alone: a long
    # file's `_TextRules` are not all kept)
    body: set[int] | None = None  # `_log_body`, found when first needed (seldom)
    fields = _header_fields(doc.text, lines)
    for i, line in enumerate(lines):
        rules = _text_rules(line, config, lexicon, seen)
        cut = rules.cut_off
        if cut:
            body = _log_body(doc.text, lines) if body is None else body
            cut = i not in body
        cut_off.append(cut)
        opening = i < OPENING_LINES
        found = _strong_signal(line, config, lexicon, corpus, doc_pos, doc.id, rules, opening)
        if found is not None and found.rule in _LABEL_RULES and _not_a_label(lines, i):
            found = None
        if found is not None and found.rule in _WRITTEN_RULES:
            body = _log_body(doc.text, lines) if body is None else body
            found = None if i in body or i in fields else found
        if found is not None:
            hits[i][_FEATURE_OF_RULE[found.rule]] = _feature_value(found)
            if i not in protected and not _inline_link(lines, i, found):
                signals[i] = found
        # `_strong_signal` tries the corpus last: with no signal, the line does not repeat.
        repeat = None
        if found is not None and found.tier and found.rule != "corpus_repeat":
            repeat = corpus.repeat(doc_pos, doc.id, line)
        if repeat is not None:
            hits[i][_FEATURE_OF_RULE["corpus_repeat"]] = _feature_value(repeat)
        if rules.cut_off:
            hits[i]["cut off with an ellipsis"] = 1.0
        header = rules.header
        if header is not None:
            hits[i][_FEATURE_OF_RULE[header.rule]] = 1.0
    verdicts = {i: v for i, v in signals.items() if v.tier == 0}
    for i, v in _teaser_runs(lines, config, cut_off).items():
        hits[i][_FEATURE_OF_RULE["teaser_run"]] = 1.0
        if i not in protected:
            verdicts.setdefault(i, v)
    verdicts.update(_head_block(lines, config, signals, protected, fields))
    verdicts.update(_tail_block(lines, config, signals, verdicts, protected))
    return verdicts, hits


# Rules that read a line as a site's label or teaser: a log entry's body or a header's field
# is its writer's (`_log_body`, `_header_fields`).
_WRITTEN_RULES = frozenset({"lexicon", "lexicon_prefix", "teaser_of_document", "metadata_header"})


def _log_body(text: str, lines: list[_Line]) -> set[int]:
    """The indented lines of a log (three or more entry headers: "2020-03-31  Vincent
    Lefèvre  <vincent@vinc17.net>", git's "Date:   Tue Aug 20 ...", a Debian sign-off):
    its entries' bodies ("\tAdded a comment about __udiv_qrnnd_ld." in MPFR's ChangeLog,
    "    Related: https://bugs..." in a git log, a commit message cut off with "..."),
    which no label or teaser rule reads.

    Example:
        >>> head = "2020-03-31  Jo Ann  <jo@example.org>\\n\\n"
        >>> text = head * 2 + head + "\\tAdded a comment.\\nLeave a comment\\n"
        >>> sorted(_log_body(text, _split_lines(text)))
        [3]
    """
    if "  " not in text and "Date:" not in text and "--" not in text:
        return set()  # no header can be there: most documents, not walked line by line
    headers = 0
    for line in lines:
        t = line.text
        # What every header opens or ends with, before the patterns: most lines have none.
        shaped = t[:1].isdigit() or t[:5] == "Date:" or t[:2] == "--" or t[-5:-4] in _ZONE
        # A sign-off has 13 words or more ("-- Ben Hutchings <benh@debian.org>  Mon, 03 Aug
        # 2026 20:40:40 +0200", linux-libc-dev's changelog.Debian).
        if shaped and line.words <= 16 and (_LOG_HEADER.match(t) or _SIGN_OFF.match(t)):
            headers += 1
            if headers >= 3:
                break
    else:
        return set()
    return {i for i, line in enumerate(lines) if text[line.start : line.start + 1] in " \t"}


_ZONE = ("+", "-")  # a time zone's sign: "Tue Aug 20 13:30:34 2019 +0430"
_FIELD = re.compile(r"[A-Z][\w-]*: \S")  # "Archive-Name: editor-faq/sed", "Version: 015"


def _header_fields(text: str, lines: list[_Line]) -> set[int]:
    """Lines of a block of three or more "Key: value" fields with different keys, one under
    the other (a Usenet FAQ's "Last-modified: 10 March 2003" between "Posting-Frequency:
    irregular" and "Version: 015"): a document's own header, not a page's dateline. Lines
    under one key ("Recommended: Best coding bootcamps in NYC" three times) are a list.

    Example:
        >>> text = "Archive-Name: sed\\nLast-modified: 10 March 2003\\nVersion: 015\\nBy Jo"
        >>> sorted(_header_fields(text, _split_lines(text)))
        [0, 1, 2]
    """
    head = lines[:_FIELD_LINES]
    if not head or text.count(": ", 0, head[-1].end) < 3:
        return set()  # most documents: no header of fields
    fields = [_FIELD.match(line.text) is not None for line in head]
    out: set[int] = set()
    for run in _runs(head, fields):
        if len({head[j].text.partition(":")[0] for j in run}) >= 3:  # three different keys
            out.update(run)
    return out


_FIELD_LINES = 40  # a document's own header is at its top


# A lexicon phrase is a label only on a line of its own: "Related Rights in the Work ..."
# under "... his or her Copyright and" continues a sentence of a licence, and "Recommended
# reading" over a line of dashes is a section heading of a README.
_LABEL_RULES = frozenset({"lexicon", "lexicon_prefix"})
_UNDERLINE = re.compile(r"([-=~^*#])\1{2,}")


def _not_a_label(lines: list[_Line], i: int) -> bool:
    """Whether line i continues a sentence (`_continues`), goes on into the next line (no
    sentence mark, and the next line opens in lower case: "Recommended locations of the
    directories containing the standard" over "modules." in python3(1)), is an underlined
    heading, or sums up the GNU ChangeLog entry right under it."""
    below = lines[i + 1] if i + 1 < len(lines) else None
    if below is not None and below.number == lines[i].number + 1:
        if _UNDERLINE.fullmatch(below.text) is not None:
            return True
        if below.text[:1].islower() and not ends_sentence(lines[i].text):
            return True
        if _CHANGELOG_ENTRY.match(below.text) is not None:  # "Add a comment." over the entry
            return True  # "* woe32dll/export.h: Add a reference ...": the change's summary
    return _continues(lines, i)


def _inline_link(lines: list[_Line], i: int, found: _Verdict) -> bool:
    """Whether line i is a read-on link between paragraphs ("Also read: ...", "READ MORE:
    ...", "Click here to see the full plant list"): a paragraph of `_PROSE_WORDS` words or
    more among the `_NEAR` lines above it and among those below. The labelled pages' main
    content keeps such links mid-article: the label prefix took 205 article lines of train
    and dev, 176 of them these (and 8 furniture lines). At the tail they still go, by the
    prefix or with the block."""
    if found.rule != "lexicon_prefix" or found.evidence[: -len(" ...")] not in _READ_ON:
        return False
    above, below = lines[max(0, i - _NEAR) : i], lines[i + 1 : i + 1 + _NEAR]
    return any(ln.words >= _PROSE_WORDS for ln in above) and any(
        ln.words >= _PROSE_WORDS for ln in below
    )


_READ_ON = frozenset({"read more", "also read", "read also", "click here to"})
_PROSE_WORDS = 15
_NEAR = 3  # two lines missed a paragraph under a heading; four gained nothing more


def _continues(lines: list[_Line], i: int) -> bool:
    """Whether line i goes on with a sentence the line above left unfinished."""
    if i == 0 or lines[i].number != lines[i - 1].number + 1:
        return False
    above = lines[i - 1]
    return ends_mid_sentence(above.text, above.norm.split())


_FEATURE_OF_RULE = {
    "lexicon": "lexicon phrase",
    "lexicon_prefix": "lexicon label prefix",
    "syndication_trailer": "syndication trailer",
    "counter": "counter",
    "share_prompt": "share buttons",
    "teaser_of_document": "teaser of another document",
    "teaser_run": "run of cut-off lines",
    "bare_url": "bare URL",
    "copyright": "copyright",
    "corpus_repeat": "repeats on the site (log documents)",
    "metadata_header": "metadata header",
    "breadcrumb": "breadcrumb",
}


def _feature_value(verdict: _Verdict) -> float:
    if verdict.rule == "corpus_repeat":
        return math.log1p(verdict.score)
    if verdict.rule in ("lexicon", "lexicon_prefix"):
        return verdict.score
    return 1.0


def _model(config: BoilerplateConfig) -> LineModel | None:
    """The line model at the preset's thresholds, or None when the preset or rules rule it
    out: `--ignore line_model` turns the learned stages off (the rules alone, as under
    `rules`); otherwise it runs for any selected rule of `MODEL_RULES` (the page decode and
    the tail cut read its probabilities), and only the selected ones report."""
    if config.preset in ("docs", "rules") or "line_model" in config.ignore:
        return None
    if not any(_selected(rule, config) for rule in MODEL_RULES):
        return None
    model = load_model(config.model_file)
    if model.features != FEATURES:
        where = config.model_file or "the built-in model"
        msg = (
            f"{where} was trained on {len(model.features)} other line features than this "
            f"dedup computes ({len(FEATURES)}); retrain it with `dedup boilerplate train`"
        )
        raise ConfigError(msg)
    presets = model.meta.get("presets", {})
    default = (model.threshold, model.tail_threshold, model.prose_tail_threshold)
    # A preset is (threshold, tail) in older model files, (threshold, tail, prose tail) now.
    threshold, tail, *prose = presets.get(config.preset, default)
    prose_tail = float(prose[0]) if prose and prose[0] is not None else None
    if config.model_threshold is not None:
        threshold = config.model_threshold
    return model.with_thresholds(float(threshold), float(tail), prose_tail)


def _tail_cut(config: BoilerplateConfig) -> tuple[LineModel, Bar] | None:
    """The tail cut model and the preset's threshold, or None (the `docs` and `rules`
    presets never cut; nor does a run that leaves `tail_cut` out)."""
    if not _selected("tail_cut", config):
        return None
    model = load_cut_model()
    threshold = cut_threshold(model, config.preset)
    return None if threshold is None else (model, threshold)


def _selected(rule: str, config: BoilerplateConfig) -> bool:
    """Whether `--select`/`--ignore` and the preset let this rule report."""
    if rule in config.ignore or (config.select and rule not in config.select):
        return False
    if config.preset == "docs":
        return rule in DOCS_PRESET_RULES
    return True


# Lexicon phrases that also open real lines of documentation and legal text ("Copyright:
# 2006 Max Kellermann", "SEE ALSO", "All rights reserved." in a licence): under the model
# presets they are evidence the model weighs, never a verdict on their own. On the non-news
# set they were 95 % of the lines the marker rules took.
LEGAL_PHRASES = frozenset(
    {"copyright", "all rights reserved", "see also", "also see", "disclaimer"}
)


# Lexicon phrases that head sections of legal text ("Terms of Use" of the Unicode licence in
# every OpenJDK copyright file): site furniture on a news page, which the model presets keep,
# but content in the documentation and legal text the `docs` preset is for.
LEGAL_HEADINGS = frozenset({"terms of use", "privacy policy", "cookie policy"})


# Rules whose verdicts hold beside the model (markers). The others (a copyright line, a
# bare URL, a line repeated across the corpus) are only evidence the model weighs: each of
# them also marks real lines of documentation, READMEs and licence files.
MARKER_RULES = frozenset(
    {"syndication_trailer", "counter", "share_prompt", "teaser_of_document", "teaser_run"}
    | {"metadata_header", "breadcrumb", "lexicon", "lexicon_prefix"}
)
_ANCHOR = re.compile(r"after a (\w+) line \((.*)\); \d+ words(?: <= \d+|, cut off)")


def _is_marker(verdict: _Verdict) -> bool:
    """A rule verdict that holds beside the model (see `MARKER_RULES`, `LEGAL_PHRASES`)."""
    if verdict.rule == "tail_block":  # a tail block holds when the line it follows does
        anchor = _ANCHOR.search(verdict.evidence)
        if anchor is None:
            return False
        return _is_marker(_Verdict(0, anchor.group(1), 1.0, 1.0, anchor.group(2)))
    if verdict.rule in ("lexicon", "lexicon_prefix"):
        return verdict.evidence.removesuffix(" ...") not in LEGAL_PHRASES
    return verdict.rule in MARKER_RULES


# Non-blank lines of the longest document the model judges: the 99th percentile of the
# training documents (985 lines); a model file can set its own ("max_lines" in its meta).
MODEL_MAX_LINES = 1000
_CLOSING_QUOTES = ("”", '"', "’", "»", "'")
_OPENING_QUOTES = frozenset("\"“'‘«„")


# An issue or bug number ("(Closes: #973793)", "with #1000421 fixed" in a Debian changelog):
# the model read it as a hashtag (a new-user trial); a hashtag has letters.
# So is a tracker's number in parentheses ("(Salsa #6)", "(Bug #41)", "(LP: #123)").
_ISSUE_REF = re.compile(r"(?<![\w&#])#\d{3,}\b|\([A-Za-z][\w-]*:? #\d+\)|\(CVE-\d{4}-\d{4,}\)")


def _never(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """Lines the model never takes on its own, nor a gap rule: quoted, code and the like
    (`_quoted`) and the rows of a fixed-width table (`_table_rows`)."""
    return _quoted(lines) | _table_rows(lines)


def _quoted(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """Lines the model never takes on its own (a marker rule still can): lines of four or
    more words ending in a closing quote (reported speech), lines of code (`_code_like`),
    lines citing an issue number or a CVE id (`_ISSUE_REF`), a Debian changelog entry's sign-off
    (`_SIGN_OFF`: the last line of a changelog.Debian file is its oldest entry's), a line
    holding a Doxygen command (`_DOC_TAG`), a doctest's lines with its output (`_doctests`:
    "-0.041..." under ">>> clf.score(X, y)" ends scikit-learn's docstring of
    LogisticRegressionCV), a block of code comments (`_comment_blocks`) and the line under
    an underlined heading (`_under_headings`)."""
    found = np.array(
        [
            (ln.words >= 4 and ln.text.endswith(_CLOSING_QUOTES))
            or _code_like(ln.text)
            or (("#" in ln.text or "CVE-" in ln.text) and _ISSUE_REF.search(ln.text) is not None)
            or (ln.text[:2] == "--" and _SIGN_OFF.match(ln.text) is not None)
            or ("@" in ln.text and _DOC_TAG.search(ln.text) is not None)
            for ln in lines
        ],
        dtype=bool,
    )
    # Each kind of block opens its lines with one of a few characters: most documents
    # have none of them, and are not walked again.
    firsts = {line.text[:1] for line in lines}
    if ">" in firsts:
        found |= _doctests(lines)
    if "#" in firsts:
        found |= _comment_blocks(lines)
    if not firsts.isdisjoint("-=~^*#"):
        found |= _under_headings(lines)
    return found


def _under_headings(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """The first line of a section under an underlined heading (reStructuredText,
    numpydoc, Markdown's setext: "Returns" over "-------" over "DataFrame or
    TextFileReader", the last line of a docstring cut short): the section's.

    Example:
        >>> _under_headings(_split_lines("Returns\\n-------\\nDataFrame\\n-----\\nShare")).tolist()
        [False, False, True, False, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    for i in range(2, len(lines)):
        heading, rule, line = lines[i - 2], lines[i - 1], lines[i]
        out[i] = (
            heading.number + 1 == rule.number == line.number - 1
            and abs(len(rule.text) - len(heading.text)) <= 2
            and _UNDERLINE.fullmatch(rule.text) is not None
        )
    return out


def _comment_blocks(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """Lines of a block of code comments: lines opening with "#" one under the other, one
    of them "# " or "#" (a comment, not a hashtag): "#pam_open_session, the session module
    out of /etc/pam.d/other is" under "# Note that this file is used ..." in a PAM file.

    Example:
        >>> text = "# Note that this file\\n#pam_open_session, the module\\n\\n#Budget2024\\n#Tax"
        >>> _comment_blocks(_split_lines(text)).tolist()
        [True, True, False, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    for run in _runs(lines, [line.text.startswith("#") for line in lines]):
        if any(lines[j].text in ("#", "##") or lines[j].text[:2] == "# " for j in run):
            out[run] = True
    return out


def _runs(lines: list[_Line], flags: Sequence[bool]) -> list[list[int]]:
    """The runs of flagged lines one under the other (no blank line between), by index.

    Example:
        >>> _runs(_split_lines("a\\nb\\n\\nc\\nd"), [True, True, True, False])
        [[0, 1], [2]]
    """
    runs: list[list[int]] = []
    for i, flagged in enumerate(flags):
        if not flagged:
            continue
        if runs and runs[-1][-1] == i - 1 and lines[i - 1].number == lines[i].number - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _doctests(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """The lines of doctests: each line opening with ">>> ", and the lines right under it
    (no blank line between): its continuation lines and its output.

    Example:
        >>> text = "Examples\\n>>> pd.test()  # doctest: +SKIP\\nrunning: pytest...\\n\\nEnd"
        >>> _doctests(_split_lines(text)).tolist()
        [False, True, True, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    if not any(line.text.startswith(">>>") for line in lines):
        return out  # most documents: no line is looked at twice
    for i, line in enumerate(lines):
        above = lines[i - 1] if i else None
        joined = above is not None and above.number == line.number - 1 and bool(out[i - 1])
        out[i] = line.text.startswith(">>> ") or line.text == ">>>" or joined
    return out


# A Doxygen or Javadoc command inside a line ("*  past-the-end ( @c end() ) iterator.").
_DOC_TAG = re.compile(
    r"(?<!\S)@(?:c|p|a|b|e|ref|param|tparam|return|returns|retval|brief|see|note|throws|code)\s"
)


# " -- Denis Barbier <barbier@debian.org>  Wed,  2 Mar 2005 22:28:23 +0100"
_SIGN_OFF = re.compile(r"--\s+[^<>]+<[^<>\s]+@[^<>\s]+>\s+\S")


def _list_ends(lines: list[_Line], going: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Lines of three words at most going alone (no line right over or under them going)
    in a list whose items stay: three or more short items (three words at most, no sentence
    mark, not going) right over or under them, one under the other (no blank line between).
    Such a line is its list's: " Punjabi" closing a NEWS file's list of translations,
    " German" inside one and "* Translation updates" over one, which the line model took
    as blocks of one line (as the last row of a table is its table's).

    Example:
        >>> ls = _split_lines("Updates:\\n Tamil\\n Japanese\\n Czech\\n Punjabi\\n\\n2.24.0")
        >>> _list_ends(ls, np.array([True, False, False, False, True, False])).tolist()
        [True, False, False, False, True, False]
        >>> _list_ends(ls, np.array([False, False, False, False, True, True])).tolist()
        [False, False, False, False, True, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    for i in np.flatnonzero(going).tolist():
        if lines[i].words > 3 or _joined(lines, going, i, -1) or _joined(lines, going, i, 1):
            continue
        items = 0
        for step in (-1, 1):
            j = i + step
            while items < 3 and _joined(lines, ~going, j - step, step):
                if lines[j].words > 3 or ends_sentence(lines[j].text):
                    break
                items += 1
                j += step
        out[i] = items >= 3
    return out


def _lone_list_end(lines: list[_Line], going: npt.NDArray[np.bool_], start: int) -> bool:
    """Whether a tail cut from line `start` takes only the last line, and that line ends a
    list whose items stay (`_list_ends`: "yuuki-kodama" under 150 other names in nghttp2's
    AUTHORS)."""
    if start != len(lines) - 1:
        return False
    alone = going.copy()
    alone[start] = True
    return bool(_list_ends(lines, alone)[start])


def _joined(lines: list[_Line], flags: npt.NDArray[np.bool_], i: int, step: int) -> bool:
    """Whether the line right over (`step` -1) or under (1) line i, no blank line between,
    is flagged."""
    j = i + step
    return 0 <= j < len(lines) and flags[j] and abs(lines[j].number - lines[i].number) == 1


_CELL_GAP = re.compile(r"\s{2,}")


def _table_rows(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """Rows of a fixed-width text table: three cells or more (split at runs of two spaces
    or more), under a row just above (no blank line between) with as many cells and its
    second cell at the same column. The model never takes one on its own: the last row of
    a table of 250 ("zu     Zulu       100% (52/52) ...", fontconfig's language coverage)
    is the table's, not a tail block of one line.

    Example:
        >>> text = "ab  Abkhaz   100% (9/9)\\nzu  Zulu     100% (52/52)\\nzz  Other  a  b"
        >>> _table_rows(_split_lines(text)).tolist()
        [False, True, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    # Only lines with a run of two spaces can be rows: most documents have none or one.
    spaced = [i for i, line in enumerate(lines) if "  " in line.text]
    if len(spaced) < 2:
        return out
    rows: dict[int, tuple[int, int]] = {}  # line -> its cells, its second cell's column
    for i in spaced:
        gaps = list(_CELL_GAP.finditer(lines[i].text))
        if len(gaps) >= 2:
            rows[i] = (len(gaps) + 1, gaps[0].end())
            above = rows.get(i - 1)
            out[i] = above == rows[i] and lines[i - 1].number == lines[i].number - 1
    return out


def _pipe_tables(lines: list[_Line]) -> list[range]:
    """The Markdown tables of a document (trafilatura writes a page's tables so): runs of
    two lines or more that open and close with "|", one under the other (no blank line
    between), holding a separator row ("|---|---|"). Each is `range` of line indices.

    Example:
        >>> text = "Jobs\\n| Job | Pay |\\n|---|---|\\n| Analyst | $90,400 |\\nMore"
        >>> _pipe_tables(_split_lines(text))
        [range(1, 4)]
        >>> _pipe_tables(_split_lines(text.replace("|---|---|", "| :--- | ---: |")))
        [range(1, 4)]
    """
    if not any(ln.text[:1] == "|" and "---" in ln.text for ln in lines):
        return []  # no separator row ("|---|", "| :--- |"): most documents
    rows = [bool(_PIPE_ROW.match(ln.text)) for ln in lines]
    return [
        range(run[0], run[-1] + 1)
        for run in _runs(lines, rows)
        if len(run) >= 2 and any(_PIPE_RULE.match(lines[i].text) for i in run)
    ]


_PIPE_ROW = re.compile(r"\|.*\|\s*$")
_PIPE_RULE = re.compile(r"\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _whole_tables(
    tables: list[range], going: npt.NDArray[np.bool_], added: npt.NDArray[np.bool_] | None
) -> None:
    """A Markdown table (`_pipe_tables`) goes whole or not at all, in place on `going` (and
    on the page decode's `added`): the salary rows under a kept header ("| JOB | MEDIAN ANNUAL
    SALARY |") are the article's table, not the first lines of a tail block (a tail cut
    took 10 such rows of one dev page, from two extractors' output: 20 article lines)."""
    for table in tables:
        rows = going[table.start : table.stop]
        if rows.any() and not rows.all():
            going[table.start : table.stop] = False
            if added is not None:
                added[table.start : table.stop] = False


def _wrapped(lines: list[_Line]) -> npt.NDArray[np.bool_]:
    """Lines that run on into the next line of the text: four or more words ending in a
    lower-case letter or a comma, and the very next line (no blank line between) starting
    with a lower-case word. A hard-wrapped sentence ("there is a script named 7z2lzma.bash
    which" / "is able to convert some .7z files", a FAQ's answer); like a sentence, the
    model takes such a line only with the tail block (`LineModel.decide`).

    Example:
        >>> text = "A:  In the directory there is a script which\\nis able to convert files."
        >>> _wrapped(_split_lines(text)).tolist()
        [True, False]
    """
    out = np.zeros(len(lines), dtype=bool)
    for i, (line, after) in enumerate(pairwise(lines)):
        out[i] = (
            after.number == line.number + 1
            and line.words >= 4
            and line.text[-1:] in _RUNS_ON
            and after.text[:1].islower()
        )
    return out


# The last character of a line whose sentence goes on in the next line.
_RUNS_ON = frozenset("abcdefghijklmnopqrstuvwxyz,")


class _Page(NamedTuple):
    """A whole page's prose block `[head, end)` (`page_blocks`; 0, 0 for a document that
    does not read as one), the lines its head and foot decode as furniture
    (`page_furniture`), and those of them that go for that alone (not quoted, and not
    sent out by the line model's own decisions)."""

    head: int = 0
    end: int = 0
    decoded: npt.NDArray[np.bool_] | None = None
    added: npt.NDArray[np.bool_] | None = None
    dense: bool = False  # no page block, but mostly furniture (`dense_furniture`)


class _Decision(NamedTuple):
    """The model on one document: each line's probability, whether it goes, whether it
    reads as prose, the top features of the lines going, the tail cut (None: none) and
    the whole page's block."""

    p: npt.NDArray[np.float64]
    going: npt.NDArray[np.bool_]
    prose: npt.NDArray[np.bool_]
    tops: dict[int, list[str]]
    cut: Cut | None
    page: _Page = _Page()


def _model_verdicts(
    lines: list[_Line],
    judged: _Judged,
    model: LineModel,
    decision: _Decision,
    config: BoilerplateConfig,
) -> dict[int, _Verdict]:
    """The model's lines (by block), beside the marker rules; each with what drove it.

    A line both found stays the marker's (its evidence is plainer), unless `--select` or
    `--ignore` leave that marker out: then the model's own verdict is what is reported.
    """
    rules, hits, protected = judged.verdicts, judged.hits, judged.protected
    p, going, prose, tops, tail, page = decision
    head = page.head
    flagged = [i for i in np.flatnonzero(going).tolist() if i not in protected]
    out: dict[int, _Verdict] = {
        i: v for i, v in rules.items() if _is_marker(v) and _selected(v.rule, config)
    }
    cut_lines = range(tail.line if tail is not None else len(lines), len(lines))
    blocks = _blocks(sorted({*flagged, *cut_lines}), len(lines))
    # The run just above a tail cut went with it, at `CARRY` or more (`_decide`).
    above = set()
    i = cut_lines.start - 1
    while tail is not None and i >= 0 and going[i]:
        above.add(i)
        i -= 1
    for i in flagged:
        if i in out:
            continue
        cut = model.threshold if p[i] >= model.threshold else model.tail_cut(bool(prose[i]))
        # A head line below the model's own bar (`_decide`) is weaker than the tail cut:
        # past the removal budget it is held back before the cut.
        tier, where = 2, blocks[i]
        if page.added is not None and page.added[i]:
            out[i] = _page_verdict(lines, i, p, page, where, tops, model, hits)
            continue
        if i < head and p[i] < model.threshold:
            tier = 4
            # Under the head's bar, the line went with a tail block reaching into the head
            # (a page of 55 lines of furniture): its bar is the tail block's.
            if p[i] >= PAGE_HEAD_BAR:
                cut = PAGE_HEAD_BAR
                where += f" in the head of a whole page (above line {lines[head].number + 1})"
        # A line the cut carried along met the carry bar too; one that went with the tail
        # block before the cut was found met the tail bar alone, and its evidence says so.
        if i in above and p[i] < model.threshold and p[i] >= CARRY:
            cut = max(CARRY, cut)
        top = ", ".join(_with_words(tops.get(i, []), model, lines[i])) or "none"
        fired = ", ".join(sorted(hits[i])) or "none"
        evidence = f"{where}; p={p[i]:.2f} >= {cut:.2f}; top: {top}; rules: {fired}"
        out[i] = _Verdict(tier, "line_model", round(float(p[i]), 4), cut, evidence)
    if tail is not None:  # `_tail_cut` gave none to a run that leaves the rule out
        # The weakest tier: past the removal budget, the cut is held back first.
        # The line as the report numbers it (1-based, every line counted).
        where = f"tail cut from line {lines[tail.line].number + 1}"
        verdict = _Verdict(3, "tail_cut", tail.score, tail.threshold, f"{where}: {tail.evidence}")
        for i in range(tail.line, len(lines)):
            if i not in out and i not in protected:
                out[i] = verdict
    out.update(_tail_gap(lines, out, protected))
    return out


def _tail_gap(
    lines: list[_Line], going: dict[int, _Verdict], protected: set[int]
) -> dict[int, _Verdict]:
    """The line or two kept between furniture going above them and the furniture going
    to the document's end: a CTA or a teaser the model scored under its bar, left between
    the blocks it took ("Power up your electrical business today! Book a free FieldEdge
    demo ..." between a share row and the related posts), which the cleaned document would
    end on. On the labelled pages of train, 16 documents had such a gap: 19 furniture
    lines and 1 unsure went, no article line (with one line going above allowed, the gaps of
    train and dev held 11 article lines). Code, quoted lines, table rows and protected
    lines stay.

    Example:
        >>> ls = _split_lines("Prose.\\nShare\\nTweet\\nBook a demo today.\\nRelated\\nAbout")
        >>> going = {i: _Verdict(2, "line_model", 0.9, 0.8, "") for i in (1, 2, 4, 5)}
        >>> {i: v.rule for i, v in _tail_gap(ls, going, set()).items()}
        {3: 'tail_gap'}
    """
    end = len(lines)
    while end > 0 and end - 1 in going:
        end -= 1
    start = end
    while start > 0 and start - 1 not in going:
        start -= 1
    top = start
    while top > 0 and top - 1 in going:
        top -= 1
    below, above, gap = len(lines) - end, start - top, range(start, end)
    # With nothing kept above the furniture over it, the gap is the document's only text.
    if not (below and top and above >= GAP_ABOVE and 0 < len(gap) <= GAP_LINES):
        return {}
    if any(i in protected for i in gap) or _never(lines)[start:end].any():
        return {}
    if any(t.start < end and start < t.stop for t in _pipe_tables(lines)):
        return {}
    first, last = lines[start].number + 1, lines[end - 1].number + 1
    where = f"lines {first}-{last}" if len(gap) > 1 else f"line {first}"
    evidence = (
        f"{where} kept between {above} lines going above (>= {GAP_ABOVE}) and the "
        f"{below} going to the end: a gap of {len(gap)} line{'s' if len(gap) > 1 else ''} "
        f"(<= {GAP_LINES}) in the furniture tail"
    )
    verdict = _Verdict(3, "tail_gap", above, GAP_ABOVE, evidence)
    return dict.fromkeys(gap, verdict)


GAP_LINES = 2  # a gap of more lines is a paragraph of the article
GAP_ABOVE = 2  # one line going above is as often an advertisement marker in the article


def _page_verdict(
    lines: list[_Line],
    i: int,
    p: npt.NDArray[np.float64],
    page: _Page,
    where: str,
    tops: dict[int, list[str]],
    model: LineModel,
    hits: list[dict[str, float]],
) -> _Verdict:
    """The finding for line `i`, sent out by a whole page's head or foot decode: its run's
    margin sum over its segment's bar (the measured value) against the cost of the run's changes
    of state (the threshold), so "p 0.62" inside a menu says why it went."""
    decoded = page.decoded
    assert decoded is not None
    lo, hi = (0, page.head) if i < page.head else (page.end, len(lines))
    a, b = i, i + 1
    while a > lo and decoded[a - 1]:
        a -= 1
    while b < hi and decoded[b]:
        b += 1
    decode = PAGE_HEAD if i < page.head else DENSE if page.dense else PAGE_FOOT
    margin = run_margin(p, decode.bar, a, b)
    cost = decode.switch * ((a > lo) + (b < hi))
    if page.dense:
        share = float(np.mean(p >= decode.bar))
        part = f"a document whose lines are mostly furniture ({share:.0%} of p >= {decode.bar:.2f})"
    else:
        block = f"lines {lines[page.head].number + 1}-{lines[page.end - 1].number + 1}"
        side = "head" if i < page.head else "foot"
        part = f"the {side} of a whole page (prose block: {block})"
    top = ", ".join(_with_words(tops.get(i, []), model, lines[i])) or "none"
    # A run filling its whole segment changes state nowhere inside it: it goes when its sum
    # is positive (a new-user trial read "107.11 >= 0.00" as a threshold of nothing).
    changes = (a > lo) + (b < hi)
    paid = (
        f"{changes} change{'s' if changes > 1 else ''} of state at {decode.switch:g}"
        + (" each" if changes > 1 else "")
        if changes
        else "it fills the segment: no change of state to pay for, the sum need only be >= 0"
    )
    evidence = (
        f"{where}; a run of {b - a} lines decoded as one in {part}; log-odds over "
        f"p={decode.bar:.2f} summed over the run "
        f"{margin:.2f} >= {cost:.2f} ({paid}); this line "
        f"p={p[i]:.2f}; top: {top}; rules: {', '.join(sorted(hits[i])) or 'none'}"
    )
    return _Verdict(4, "page_decode", round(margin, 4), cost, evidence)


def _with_words(top: list[str], model: LineModel, line: _Line) -> list[str]:
    """The top features, the word weights naming the line's weightiest words:
    "word weights (log-odds) = 2.41: demo, free trial"."""
    if model.words is None:
        return top
    words = ", ".join(model.words.top(line.norm.split()))
    return [
        f"{name}: {words}" if name.startswith(_WORD_FEATURE) and words else name for name in top
    ]


_WORD_FEATURE = WORDS[0] + " = "


def _blocks(flagged: list[int], n: int) -> dict[int, str]:
    """Each flagged line's block, described: "tail block of 7 lines", "line 3 alone", ..."""
    out: dict[int, str] = {}
    run: list[int] = []
    for i in [*flagged, -2]:
        if run and i != run[-1] + 1:
            where = "tail block" if run[-1] == n - 1 else "head block" if run[0] == 0 else "block"
            text = f"{where} of {len(run)} lines" if len(run) > 1 else f"{where} of 1 line"
            out.update(dict.fromkeys(run, text))
            run = []
        run.append(i)
    return out


def _strong_signal(
    line: _Line,
    config: BoilerplateConfig,
    lexicon: Lexicon,
    corpus: CorpusEvidence,
    doc_pos: int,
    doc_id: str,
    rules: _TextRules | None = None,
    opening: bool = False,
) -> _Verdict | None:
    """The strongest rule that fires on a line (`rules`: `_text_rules` of it, if known):
    a rule of its text alone, else a teaser of another document, a bare URL or copyright
    line, or a line recurring across the corpus.

    A line of the document's own opening (`opening`: one of its first three lines) opens
    it: another document opening with the same words is a copy (two packages' identical
    NEWS files, "* Cleanup to support new gettext, libtool, automake, ..."), not its teaser.
    """
    rules = rules or _text_rules(line, config, lexicon, {})
    if rules.first is not None:
        return rules.first
    if rules.cut_off and not opening:
        teaser = corpus.teaser_of(doc_pos, doc_id, line)
        if teaser is not None:
            return teaser
    if rules.last is not None:
        return rules.last
    return corpus.repeat(doc_pos, doc_id, line)


class _TextRules(NamedTuple):
    """What the rules read of a line's text alone, the same wherever the line stands: the
    verdict of the strongest text rules (`_first_signal`), whether it is cut off, a bare URL
    or copyright verdict, and its header signal (lines of up to 15 words)."""

    norm: str
    first: _Verdict | None
    cut_off: bool
    last: _Verdict | None
    header: _Verdict | None


def _text_rules(
    line: _Line, config: BoilerplateConfig, lexicon: Lexicon, seen: dict[str, _TextRules]
) -> _TextRules:
    """`_TextRules` of a line, looked up in `seen` (by text) when a copy was judged."""
    found = seen.get(line.text)
    if found is not None and (found.norm is line.norm or found.norm == line.norm):
        return found
    text = line.text
    last = None
    if BARE_URL.match(text):
        last = _Verdict(1, "bare_url", 1.0, 1.0, text)
    elif COPYRIGHT.match(text) and line.words <= 25:
        last = _Verdict(1, "copyright", 1.0, 1.0, _shortened(text, 40))
    header = _header_signal(line) if line.words <= 15 else None
    rules = (line.norm, _first_signal(line, config, lexicon), _is_cut_off(line, config))
    found = _new_line(_TextRules, (*rules, last, header))
    if len(seen) >= _SEEN_LINES:  # bounded, as `_split_lines` keeps its lines
        seen.clear()
    seen[text] = found
    return found


# A POD formatting code ("click B<here>" in Pod::Simple's manual): documentation's markup.
_POD_CODE = re.compile(r"\b[BCEFILSXZ]<[^<>\s][^<>]*>")
# Quotes or words in brackets: a function's entry in a manual ("'e (X)'" in bc's), never a
# row of share buttons (whose counts are digits: "Facebook (12)"); nor is code or markup
# ("print $x;" in a Perl script, troff's "\\-e, \\-\\-email").
_NO_SHARE_ROW = re.compile(r"['\"‘’“”;$={}\\]|\([^\d)]*\)")
_SMALL_X = re.compile(r"(?<!\S)x(?!\S)")


def _first_signal(line: _Line, config: BoilerplateConfig, lexicon: Lexicon) -> _Verdict | None:
    """The text rules `_strong_signal` tries first: a syndication trailer, a counter, a row
    of share buttons, a lexicon phrase or label prefix."""
    text, norm, cut = line.text, line.norm, config.lexicon_similarity
    # Every SYNDICATION phrase has one of these words: a substring test spares the regex
    # on the long lines of prose, where it was most of the time spent.
    hint = "syndicated" in norm or "generated" in norm or "edited" in norm
    syndication = hint and SYNDICATION.search(text)
    if syndication:
        return _Verdict(0, "syndication_trailer", 1.0, 1.0, syndication.group(0))
    if COUNTER.match(text):
        return _Verdict(0, "counter", 1.0, 1.0, text)
    # A row of share buttons is short, and opens with a label: other lines are not split
    # just to check. Two different labels at least: "Link: link" in a man page is one
    # word twice.
    code = _code_like(text) or ("<" in text and _POD_CODE.search(text) is not None)
    if 2 <= line.words <= _MAX_SHARE_ROW and norm.partition(" ")[0] in SOCIAL and not code:
        labels = norm.split()
        # The platform is a capital X: "print x" is a line of Python 2 (Python's HISTORY).
        row = _NO_SHARE_ROW.search(text) is None and _SMALL_X.search(text) is None
        if row and all(w in SOCIAL for w in labels) and len(set(labels)) > 1:
            return _Verdict(0, "share_prompt", line.words, 2, "only share-button labels")
    if norm and len(norm) <= config.lexicon_max_chars and not _wrapped_end(text) and not code:
        hit = lexicon.match_line(norm, cut)
        if hit is not None:
            # A one-word phrase ("Print", "Comments", "Register") is only trusted at the
            # edges: mid-document it is as often a heading of real text (COMMENTS in bash(1)),
            # and so is a legal heading ("Terms of Use" heads a section of the Unicode
            # licence in OpenJDK's copyright file, too long for the model to judge).
            # An advertisement marker matched exactly stands between paragraphs anywhere.
            marker = (" " in hit.phrase and hit.phrase not in LEGAL_HEADINGS) or (
                hit.similarity == 1.0 and hit.phrase in AD_MARKERS
            )
            tier = 0 if marker else 1
            return _Verdict(tier, "lexicon", hit.similarity, cut, hit.phrase)
    # A line opening in lower case continues a sentence wrapped from the line above
    # ("related checks, such as ..." in a man page): a label starts a line of its own.
    prefix = None if text[:1].islower() or code else lexicon.match_prefix(norm, cut)
    # A line opening with a quotation quotes the phrase: its standing alone is read.
    action = prefix is not None and prefix.action and text[:1] not in _OPENING_QUOTES
    if prefix is not None and (
        (action and line.words <= config.corpus_max_words)
        or _prefix_stands_alone(line, prefix.phrase, config)
    ):
        return _Verdict(0, "lexicon_prefix", prefix.similarity, cut, prefix.phrase + " ...")
    return None


# One-word lexicon phrases that mark an advertisement slot, which sits between paragraphs
# anywhere in an article (normalized: case-folded).
AD_MARKERS = frozenset(
    {"advertisement", "advertisements", "sponsored", "anzeige", "werbung", "publicidad",
     "publicité", "विज्ञापन", "اشتہار"}
)  # fmt: skip

_WORD = r"(?:\w[\u0300-\u036f\u0900-\u0dff\u064b-\u065f]*)+"


def _prefix_stands_alone(line: _Line, phrase: str, config: BoilerplateConfig) -> bool:
    """Whether a prefix phrase is a label ("Also Read | ...") rather than a sentence start.

    "Related to this, the minister said ..." starts with "related" but goes on as prose; a label
    is followed by a separator, or the whole line is short and has no sentence mark.
    """
    words = len(phrase.split())
    # Find where the phrase's words end in the original text.
    # A word is letters and their combining marks: `\w` alone stops inside "पढ़ें".
    pattern = r"\W*" + r"\W+".join(_WORD for _ in range(words))
    head = re.match(pattern, line.text)
    if head and SEPARATOR.match(line.text, head.end()):
        return True
    rest = line.text[head.end() :].split() if head else []  # the words after the phrase
    if rest and rest[0][:1] in _CLOSING_QUOTES and len(rest) > 1:
        # '"Subscribe to our newsletter" used to be an annoying pop-up, said ...' (a
        # new-user trial): the phrase is quoted inside a sentence.
        return False
    if words == 1:
        # One word opens too many lines of real text ("Tags File Contents Options" in
        # ctags(1), "topic" at the end of an ASCII diagram): it needs its separator, or a
        # title of one or two more capitalized words ("Related Topics", "Related Video").
        return 1 <= len(rest) <= 2 and all(w[:1].isupper() for w in rest)
    if line.words == words:
        return True
    # "Also read the object names to remove notes from the standard input" (git-notes(1))
    # goes on in lower case past a short line: a sentence, where a label is followed by a
    # title ("Also Read Modi's visit ...") or is short ("Subscribe to continue reading").
    if rest and rest[0][:1].islower() and line.words > config.short_line_words:
        return False
    # Short, and no sentence mark at its end or inside ("• Tags files can contain thousands
    # of tags.  I have seen ..." in a man page is prose).
    return (
        line.words <= 2 * config.short_line_words
        and not ends_sentence(line.text)
        and ". " not in line.text
    )


# Code, markup and command-line syntax: a comment ("# comments:"), a tag ("<last_updated>"),
# an option ("-lastupdate", "--login"), a shell prompt ("$ make"), a code span, a line of
# closing brackets ("}", "];"), a Markdown link definition ("[recommended]: https://...").
_CODE_START = re.compile(
    r"#+\s|//|<[A-Za-z/!?]|\$ |`|--?[A-Za-z]|[\[\]{}();,]+$|\[[^\]]*\]:"
    # A POD directive ("=back", "=head1 NAME"); a Texinfo menu ("* Menu:"), its entries
    # ("* Files under Version Control::  Files to put ...") and a node line ("File:
    # bc.info,  Node: Comments,  Prev: ...").
    r"|=(?:back|cut|head\d|item|over|pod|begin|end|for|encoding)\b"
    r"|\* Menu:$|\*\s[^:]+::|File: \S+,\s+Node: "
    # A doctest's prompt (">>> clf.score(X, y)"); a dotted name with a capital or an
    # underscore, alone ("pyspark.sql.GroupedData.applyInPandas" under a docstring's "See
    # Also"; a site's name is lower case: "news.example.co.uk").
    r"|>>> |(?=[A-Za-z_]\w*\.\w+\.)(?![Ww]{3}\.)(?=\S*[A-Z_])[A-Za-z_]\w*(?:\.\w+){2,}$"
    # A C preprocessor line ("#endif  // __CASEMAP_H__", the last line of a header file).
    r"|#(?:if|ifdef|ifndef|endif|else|elif|define|undef|include|pragma|error)\b"
    # A Doxygen reference ("::XIMasterPointer,") and a comment line opening with a doc tag
    # (kernel-doc's " * @flow_label - Flow label in GRH").
    r"|::\w|\*\s+@\w"
    # A troff request or comment (".SH COMMENTS", ".TP", ".Dd April 22, 2000", '.\" Created
    # 2000-07-22'): a man page's source.
    r"|\.(?:[A-Za-z][A-Za-z]?|\\\")(?:\s|$)"
    # A call ("copy(x)", "print()", a signature in pydoc; not "Facebook(12)", a share count)
    # and an assignment ("DEFAULT_IGNORES = [...", pydoc's DATA) as a whole line: new-user
    # trials (the last line of Python's locale.py, "print()", went as the lexicon's "print").
    r"|[A-Za-z_][\w.]*\((?!\d+\))[^()]*\)$|[A-Za-z_][\w.]* = \S"
    # A keyword argument of a call spread over lines ("streamreader=StreamReader,").
    r"|[A-Za-z_]\w*=[\w.'\"()\[\]]+,$"
)


def _code_like(text: str) -> bool:
    """Whether a line opens as code or command-line syntax: such a line is documentation
    (a man page, a README, a docstring), never a lexicon label, and the model never takes it
    on its own.

    Example:
        >>> [_code_like(t) for t in ("# comments:", "--login", "}", "#Budget2024", "- Related")]
        [True, True, True, False, False]
        >>> [_code_like(t) for t in ("copy(x)", "print()", "X_Y = [...", "Facebook(12)")]
        [True, True, True, False]
        >>> _code_like("streamreader=StreamReader,"), _code_like("Share (3)")
        (True, False)
    """
    return _CODE_START.match(text) is not None


def _tail_code(text: str) -> bool:
    """Whether a line of a tail reads as code (`_code_like`), which keeps the tail cut
    out of it, but for a comment form's list of allowed tags.

    Example:
        >>> _tail_code('<a href="" title=""> <abbr title=""> <b> <blockquote cite="">')
        False
        >>> _tail_code("<div class='x'>"), _tail_code("$ make install")
        (True, True)
    """
    return _code_like(text) and TAG_LIST.match(text) is None


def _tail_holds_code(lines: list[_Line], start: int) -> bool:
    """Whether the lines from `start` on hold code (`_tail_code`) or a doctest's lines
    (`_doctests`: the table a doctest prints ends many of PySpark's docstrings)."""
    tail = lines[start:]
    return any(_tail_code(ln.text) for ln in tail) or bool(_doctests(lines)[start:].any())


def _wrapped_end(text: str) -> bool:
    """The end of a sentence wrapped from the line above ("subscribe." under "... you need
    to" in a man page): it opens in lower case and closes with a full stop."""
    return text[:1].islower() and text.endswith(".")


def _is_cut_off(line: _Line, config: BoilerplateConfig) -> bool:
    """A line cut off mid-sentence with an ellipsis: "... remains…" but not "he said...".

    Real prose ends with "...", too, but then it is usually a sentence mark or a quote before
    it, or the line is a long paragraph. A command synopsis (`cmd [OPTIONS...] FILE...`,
    `man -k [apropos options] regexp ...`: options, brackets, an ellipsis for "repeatable")
    and a hex dump's dotted column, which follows no words, are no headline cut short.
    """
    # Three dots or "…": "the default.." (which `ends_cut_off` counts) is a typo for a stop.
    if len(line.text) > config.teaser_max_chars or not line.text.rstrip().endswith(("…", "...")):
        return False
    if _ISSUE_ENTRY.match(line.text) or _CHANGELOG_ENTRY.match(line.text):
        return False
    before = line.text.rstrip().rstrip(".…").rstrip()
    if not before or ends_sentence(before) or "..." in before or "…" in before:
        return False
    if _SYNOPSIS.search(line.text) or _code_like(line.text):  # pydoc's "X = [...", cut
        return False
    if _FILE_PATH.search(line.text):  # a build log's "Running /build/.../ar.exp ..."
        return False
    words = sum(1 for w in line.norm.split() if len(w) >= 3 and not w.isdigit())
    return line.words >= config.teaser_min_words and words >= _TEASER_WORDS


_TEASER_WORDS = 3  # words of three or more letters a teaser needs
# A file path (two slashes, or a slash and a file suffix): build and test logs end their
# progress lines with " ..." ("Running /build/.../riscv.exp ...", autoconf's
# "../lib/m4sugar/m4sh.m4:639: AS_IF is expanded from..."); a headline holds no path.
_FILE_PATH = re.compile(r"[^\s/]*/[^\s/]+/|[^\s/]*/[^\s/]+\.[A-Za-z][A-Za-z0-9]{0,4}\b")
# Command-line syntax: an option word ("-k", "--all") or a bracketed optional argument.
_SYNOPSIS = re.compile(r"(?:^|\s)--?[A-Za-z]|\[[^\]]*\]")


def _is_weak(line: _Line, config: BoilerplateConfig) -> bool:
    """Looks like furniture by shape only: short without a sentence mark, or cut off."""
    short = line.words <= config.short_line_words and not ends_sentence(line.text)
    return short or _is_cut_off(line, config)


def _is_headline(line: _Line, config: BoilerplateConfig) -> bool:
    """A weak line, or a headline-long line without a sentence mark (related-article links)."""
    long_title = line.words <= 2 * config.short_line_words and not ends_sentence(line.text)
    return long_title or _is_weak(line, config)


def _teaser_runs(
    lines: list[_Line], config: BoilerplateConfig, cut_off: list[bool] | None = None
) -> dict[int, _Verdict]:
    """Runs of `teaser_run` or more cut-off lines (`cut_off`: `_is_cut_off` of each line,
    if known) of similar lengths."""
    if cut_off is None:
        cut_off = [_is_cut_off(line, config) for line in lines]
    out: dict[int, _Verdict] = {}
    run: list[int] = []
    for i in [*range(len(lines)), -1]:
        if i >= 0 and cut_off[i]:
            run.append(i)
            continue
        long = len(run) >= config.teaser_run
        if long and not (_in_whole_list(lines, run, cut_off) or _columns(lines, run)):
            sizes = [len(lines[j].text) for j in run]
            ratio = min(sizes) / max(sizes)
            if ratio >= config.teaser_length_ratio:
                evidence = (
                    f"{len(run)} consecutive cut-off lines of {min(sizes)}-{max(sizes)} chars "
                    f"(length ratio {ratio:.2f} >= {config.teaser_length_ratio:g})"
                )
                for j in run:
                    out[j] = _Verdict(2, "teaser_run", len(run), config.teaser_run, evidence)
        run = []
    return out


_LIST_MARKERS = frozenset("*-+•·–")


def _columns(lines: list[_Line], run: list[int]) -> bool:
    """Whether a run of cut-off lines are rows of a fixed-width listing: three cells or more
    each (split at runs of two spaces or more), as many in every row ("lsof      29450  abe
    7w  PIPE 0x48732408 ..." in lsof's FAQ). A headline has no such gaps."""
    cells = {len(_CELL_GAP.findall(lines[j].text)) for j in run}
    return len(cells) == 1 and min(cells) >= 2


def _in_whole_list(lines: list[_Line], run: list[int], cut_off: list[bool]) -> bool:
    """Whether a run of cut-off lines are items of a list (one marker: "*", "-", "•", ...)
    whose other items, in the same paragraph, outnumber them and are sentences: a
    changelog's "* Disable lto build on ia64 as a test ..." among entries such as "* Update
    libgphobos symbols file.". A list of headlines cuts off the long ones and ends none
    with a stop ("* Gardening 101: Common Fig" among "* Wild Is Best: A Low-Water, ...…")."""
    marker = lines[run[0]].text[:2]
    if marker[:1] not in _LIST_MARKERS or marker[1:] != " ":
        return False
    if any(not lines[j].text.startswith(marker) for j in run):
        return False
    whole = 0
    for step, j in ((-1, run[0]), (1, run[-1])):
        while 0 <= j + step < len(lines) and abs(lines[j + step].number - lines[j].number) == 1:
            j += step
            item = lines[j].text
            whole += item.startswith(marker) and not cut_off[j] and ends_sentence(item)
    return whole > len(run)


def _head_block(
    lines: list[_Line],
    config: BoilerplateConfig,
    signals: dict[int, _Verdict],
    protected: set[int],
    fields: set[int] | frozenset[int] = frozenset(),
) -> dict[int, _Verdict]:
    """Header lines before the first prose line; a title (short line) is passed over, kept.

    Under a release heading ("Version 2.14") a dated line ("Released 2021-09-09") is the
    release's date, and over a list of changes ("20 July 2011" / "- add RTMPE type 9
    handshake support") the heading of a log's entry: kept, a changelog's, not a page's
    dateline. So are a document's own header `fields` (`_header_fields`), passed over.
    """
    out: dict[int, _Verdict] = {}
    release = False
    head = lines[: config.head_lines]
    for i, line in enumerate(head):
        if i in protected:
            break
        release = release or _release_heading(line.text)
        if i in fields:
            continue
        found = signals.get(i) or _header_signal(line) or _more_byline(line)
        exempt = found is not None and (
            release or _over_entry(lines, i) or _ends_sentence_above(lines, i)
        )
        if exempt and DATE_PARTS.search(line.text):  # the pattern last: it is the costly test
            continue  # a release's date, a log entry's heading, or a sentence's end
        if found is not None:
            out[i] = found
        elif not (_is_weak(line, config) or (i == 0 and _title(line, config))):
            break
    return out


def _release_heading(text: str) -> bool:
    """Whether a line heads a release: "Version 2.14", or a Markdown heading naming a
    version ("# iso-codes 3.79", over its date "Tue, 27 Feb 2018").

    Example:
        >>> _release_heading("# iso-codes 3.79"), _release_heading("# Top 10 tips")
        (True, False)
    """
    if text[:1] == "#" and _VERSION.search(text) is not None:
        return True
    return _RELEASE_HEADING.match(text) is not None


def _over_entry(lines: list[_Line], i: int) -> bool:
    """Whether line i stands right over a list item of a log's entry (`_ENTRY_ITEM`).

    Example:
        >>> _over_entry(_split_lines("20 July 2011\\n- add RTMPE type 9 handshake support"), 0)
        True
    """
    below = lines[i + 1] if i + 1 < len(lines) else None
    return (
        below is not None
        and below.number == lines[i].number + 1
        and _ENTRY_ITEM.match(below.text) is not None
    )


def _ends_sentence_above(lines: list[_Line], i: int) -> bool:
    """Whether line i ends a sentence of four words or more that the line above left
    unfinished (" * Base implementation was made accordingly to" over " * W3C Candidate
    Recommendation 7 June 2000" in libxml2's xpointer.h); a label over a date ("Posted
    On", "Written by") is no sentence."""
    return i > 0 and lines[i - 1].words >= 4 and _continues(lines, i)


def _title(line: _Line, config: BoilerplateConfig) -> bool:
    """Whether a document's first line reads as its title, which the head block passes
    over: as long as a headline, no sentence mark, and not running on into the next line
    ("City council approves new bike lanes on Main Street" over its byline, a new-user
    trial; not "This package was debianized by Colin Walters <walters@debian.org> on")."""
    return _is_headline(line, config) and not ends_mid_sentence(line.text, line.norm.split())


def _more_byline(line: _Line) -> _Verdict | None:
    """A byline of the head block that `BYLINE` does not read (`MORE_BYLINES`).

    Example:
        >>> text = "By Odisha Diary bureau\\nWritten by Tom | 12 March\\nBy and large\\n# By Jo"
        >>> [_more_byline(ln) is not None for ln in _split_lines(text)]
        [True, True, False, False]
    """
    # A code comment's "# Written by Perry Stoll" (distutils) is the code's credit.
    if line.words > 15 or not MORE_BYLINES.match(line.text) or _code_like(line.text):
        return None
    return _Verdict(1, "metadata_header", 1.0, 1.0, "byline")


def _shortened(text: str, most: int) -> str:
    """`text` as evidence: whole up to `most` characters, else cut at a word with "…" (a
    new-user trial read "... All rights re" as the whole line).

    Example:
        >>> _shortened("© 2024 Coastal Daily News. All rights reserved.", 40)
        '© 2024 Coastal Daily News. All rights …'
    """
    if len(text) <= most:
        return text
    return text[:most].rsplit(" ", 1)[0] + " …"


def _dated_entry(text: str) -> bool:
    """A line opening with a date, a colon and words: the heading of a log's entry or of a
    timeline's ("18 January 2023: Wouter" in unbound's changelog), not a dateline.

    Example:
        >>> _dated_entry("18 January 2023: Wouter"), _dated_entry("12 Jan 2024: 10:45")
        (True, False)
    """
    found = DATE_PARTS.match(text)
    return found is not None and _ENTRY_AFTER_DATE.match(text, found.end()) is not None


_ENTRY_AFTER_DATE = re.compile(r":\s+[^\W\d]")
_DATE_COLON = re.compile(r"\d\)?:$")  # a date's last digit ends the line, and a colon
# "Updated 2 hours ago", "Posted: 3 days ago", "an hour ago" (a new-user trial's head line).
_RELATIVE_DATE = re.compile(
    r"\W*(?:(?:updated|published|posted|last updated)\s*:?\s+)?(?:\d+|an?|one)\s+"
    r"(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\W*",
    re.IGNORECASE,
)


def _header_signal(line: _Line) -> _Verdict | None:
    text = line.text
    if line.words > 15 or text.rstrip()[-1:] in _HEADER_ENDS or text.startswith("#"):
        return None  # long, a sentence, or a Markdown heading ("## Sat Jun 12 2021:")
    # Every date pattern has a digit and every crumb a separator: most lines have neither,
    # and a test for the one is cheaper than the patterns that need it.
    dates = DATE_PARTS.findall(text) if _ANY_DIGIT.search(text) else []
    rest = DATE_PARTS.sub(" ", text) if dates else ""
    # "dbus 1.14.10 (2023-09-01)", "Apr 08, 2022: libarchive 3.6.1 released": a release
    # heading of a changelog names its version, and "2022-10-10  Nick Clifton
    # <nickc@redhat.com>" an entry of a GNU ChangeLog its author's address; a dateline
    # names neither (on the labelled pages no dated line with an address was furniture).
    if dates and (_VERSION.search(rest) or ("@" in rest and _EMAIL.search(rest))):
        dates = []
    # A date ending in a colon heads what follows ("Thu 15 Oct 2009:" over a release's
    # changes, "Jeff (00:00:46):" over a transcript's turn: 133 of 137 such labelled lines
    # were content).
    if dates and (_LOG_HEADER.match(text) or _dated_entry(text) or _DATE_COLON.search(text)):
        dates = []
    if dates and (META_KEYWORD.match(text) or len(rest.split()) <= 4):
        return _Verdict(1, "metadata_header", len(dates), 1, f"date {dates[0]!r} in a header line")
    if "ago" in text and _RELATIVE_DATE.fullmatch(text):
        return _Verdict(1, "metadata_header", 1.0, 1.0, f"relative date {text!r}")
    if BYLINE.match(text):
        return _Verdict(1, "metadata_header", 1.0, 1.0, "byline")
    crumbs = [] if _CRUMB_CHARS.isdisjoint(text) else CRUMB.findall(text)
    # A navigation path starts with a word ("Home > News"); a row of a text table or of
    # ASCII art starts with "|" or "#".
    if len(crumbs) >= 2 and line.words <= 4 * (len(crumbs) + 1) and text[:1].isalnum():
        return _Verdict(1, "breadcrumb", len(crumbs) + 1, 3, "navigation path")
    return None


def _tail_block(
    lines: list[_Line],
    config: BoilerplateConfig,
    signals: dict[int, _Verdict],
    verdicts: dict[int, _Verdict],
    protected: set[int],
) -> dict[int, _Verdict]:
    """Grow a block from the end while lines look like furniture; trim it back to evidence."""
    block: list[int] = []
    for i in range(len(lines) - 1, -1, -1):
        if i in protected or not (i in verdicts or i in signals or _is_headline(lines[i], config)):
            break
        block.append(i)
    # block runs from the last line inward; drop weak lines on the prose side.
    while block and block[-1] not in verdicts and block[-1] not in signals:
        block.pop()
    out: dict[int, _Verdict] = {}
    anchor: _Verdict | None = None
    for i in reversed(block):
        found = verdicts.get(i) or signals.get(i)
        if found is not None:
            anchor = found
            out[i] = found
        elif anchor is not None:
            # Any line short enough to be a headline qualifies: that is the threshold (an
            # upper bound, `check.AT_MOST_RULES`). A longer one is in for being cut off.
            most = 2 * config.short_line_words
            after = f"in the tail block after a {anchor.rule} line ({anchor.evidence})"
            words = lines[i].words
            if words <= most:
                evidence = f"{after}; {words} words <= {most}, no sentence mark"
                out[i] = _Verdict(3, "tail_block", words, most, evidence)
            else:  # "23 words <= 16" was said of 26 such lines of train and dev
                evidence = f"{after}; {words} words, cut off with an ellipsis"
                out[i] = _Verdict(3, "tail_block", 1.0, 1.0, evidence)
    return out


def _within_budget(
    doc: Document, lines: list[_Line], verdicts: dict[int, _Verdict], config: BoilerplateConfig
) -> list[BoilerplateLine]:
    """Every finding; past the removal budget, the weakest (innermost) ones are held back.

    The strongest findings (lowest tier, nearest the edges) fill the budget first; the
    rest are still reported, marked `held`, so a rule's evidence ("6 consecutive cut-off
    lines") always counts lines that are in the report.
    """
    budget = config.max_removed_fraction * len(doc.text)
    last = len(lines) - 1
    order = sorted(verdicts, key=lambda i: (verdicts[i].tier, min(i, last - i), i))
    held: set[int] = set()
    used = 0
    for i in order:
        size = lines[i].end - lines[i].start
        if used + size <= budget:
            used += size
        else:
            held.add(i)
    return [
        BoilerplateLine(
            doc.id,
            lines[i].start,
            lines[i].end,
            lines[i].number,
            verdicts[i].rule,
            float(verdicts[i].score),
            float(verdicts[i].threshold),
            verdicts[i].evidence + (_HELD if i in held else ""),
            i in held,
        )
        for i in sorted(verdicts)
    ]


_HELD = "; held back: over the removal budget (max_removed_fraction)"


# --------------------------------------------------------------------- training


BOILERPLATE_LABEL = "boilerplate"
CONTENT_LABEL = "content"


def labelled_rows(
    docs: Sequence[Document],
    labels: Sequence[Sequence[str | None]],
    config: BoilerplateConfig | None = None,
    *,
    words: WordWeights | None = None,
) -> tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.int8]]]:
    """Feature matrices and labels (1 boilerplate, 0 content, -1 other) of labelled documents.

    `labels[k][n]` labels line n of `docs[k].text.split("\\n")`: "boilerplate", "content",
    or anything else (blank, unsure) to leave the line out of the fit. The word columns
    are scored with `words` (a trained model's `words`), or 0 without.

    Example:
        >>> xs, ys = labelled_rows([Document("a", "Home\\nThe minister resigned.")],
        ...                        [["boilerplate", "content"]])
        >>> ys[0].tolist()
        [1, 0]
    """
    return line_features(docs, config, words=words), line_labels(docs, labels)


def line_labels(
    docs: Sequence[Document], labels: Sequence[Sequence[str | None]]
) -> list[npt.NDArray[np.int8]]:
    """The codes of `labelled_rows` alone (1 boilerplate, 0 content, -1 other), per document."""
    return [
        _codes(_split_lines(doc.text), doc_labels)
        for doc, doc_labels in zip(docs, labels, strict=True)
    ]


def _codes(lines: list[_Line], labels: Sequence[str | None]) -> npt.NDArray[np.int8]:
    """1 / 0 / -1 for each non-blank line (boilerplate / content / left out)."""
    code = {BOILERPLATE_LABEL: 1, CONTENT_LABEL: 0}
    return np.array([code.get(str(labels[ln.number]), -1) for ln in lines], dtype=np.int8)


def cut_rows(
    docs: Sequence[Document],
    labels: Sequence[Sequence[str | None]],
    config: BoilerplateConfig | None = None,
) -> tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.int8]]]:
    """The tail cut's training rows: per document, the `tailcut.FEATURES` of each candidate
    cut (the line model of `config`, at its preset's thresholds, scoring the lines) and its
    label (`tailcut.cut_labels`: 1 all furniture, 0 content in the suffix, -1 left out).

    Example:
        >>> text = "\\n".join(["The minister resigned on Friday after a long week."] * 4
        ...                  + ["Comments", "Great post!"])
        >>> xs, ys = cut_rows([Document("a", text)], [["content"] * 4 + ["boilerplate"] * 2])
        >>> ys[0].tolist()
        [0, 0, 1, 1]
    """
    config = config or BoilerplateConfig()
    model = _model(config)
    if model is None:
        msg = f"the tail cut follows the line model, which preset {config.preset!r} does not run"
        raise ConfigError(msg)
    xs = line_features(docs, config, words=model.words)
    codes = line_labels(docs, labels)
    out = []
    for doc, x in zip(docs, xs, strict=True):
        lines = _split_lines(doc.text)
        p = model.probabilities(x)
        going = model.decide(p, prose_rows(x), _quoted(lines), sentence_rows(x) | _wrapped(lines))
        out.append(cut_features(x, p, going))
    return out, [cut_labels(c) for c in codes]


def train_model(
    docs: Sequence[Document],
    labels: Sequence[Sequence[str | None]],
    config: BoilerplateConfig | None = None,
    *,
    threshold: float = 0.9,
    tail_threshold: float = 0.6,
    trees: int = 150,
    depth: int = 4,
    meta: dict[str, object] | None = None,
    groups: Sequence[str] | None = None,
    seed: int = 0,
) -> LineModel:
    """Fit the line model on labelled documents (labels as in `labelled_rows`).

    Two stages: word weights (`linewords.fit_words`), each group's lines scored by weights
    fitted on the other groups, then the trees over every feature, the word columns
    included. Lines labelled neither boilerplate nor content are left out of both fits.

    `groups` names each document's group (default: its site, `config.site_field`, or
    else the document itself); copies of one page (several extractors' output) must share
    a group, or the word columns learn the page instead of the words. `seed` is the
    trees' row subsampling seed (a retrained model is judged over several).

    Needs scikit-learn (`pip install -e '.[train]'`); using the model does not.

    Example:
        >>> docs = [Document(str(k), "Home\\nThe minister resigned on Friday.") for k in range(8)]
        >>> model = train_model(docs, [["boilerplate", "content"]] * 8, trees=10)
        >>> model.probabilities(line_features(docs[:1], words=model.words)[0]).round(1).tolist()
        [0.9, 0.1]
    """
    config = config or BoilerplateConfig()
    xs, ys, weights = _training_rows(docs, labels, config, _groups(docs, config, groups))
    x, y = np.vstack(xs), np.concatenate(ys)
    keep = y >= 0
    model = fit(
        x[keep], y[keep] == 1, FEATURES, trees=trees, depth=depth, meta=dict(meta or {}),
        seed=seed,
    )  # fmt: skip
    return replace(model.with_thresholds(threshold, tail_threshold), words=weights)


def _groups(
    docs: Sequence[Document], config: BoilerplateConfig, groups: Sequence[str] | None
) -> Sequence[str]:
    """Each document's training group: `groups`, or else its site, or else itself."""
    if groups is not None:
        return groups
    site = config.site_field
    return [site_of(str(d.meta.get(site, d.id))) if site else d.id for d in docs]


def _training_rows(
    docs: Sequence[Document],
    labels: Sequence[Sequence[str | None]],
    config: BoilerplateConfig,
    groups: Sequence[str],
) -> tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.int8]], WordWeights]:
    """The line model's training matrices and codes, per document, with the word columns
    scored out of fold (by group), and the word weights fitted on every group."""
    lines = [_split_lines(doc.text) for doc in docs]
    ys = [_codes(ls, doc_labels) for ls, doc_labels in zip(lines, labels, strict=True)]
    weights, scores = fit_words(
        [ln.norm.split() for ls in lines for ln in ls],
        np.concatenate(ys) if ys else np.zeros(0, dtype=np.int8),
        [g for g, ls in zip(groups, lines, strict=True) for _ in ls],
    )
    bounds = np.cumsum([0, *(len(ls) for ls in lines)])
    per_doc = [scores[bounds[k] : bounds[k + 1]] for k in range(len(docs))]
    return line_features(docs, config, word_scores=per_doc), ys, weights
