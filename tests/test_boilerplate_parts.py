"""The parts of boilerplate.py one at a time, each against values worked out by hand.

The rules' tiers, measured values and thresholds come from the module docstring (tier 0
anywhere, tier 1 at the edges, 2 a teaser run, 3 the tail block) and from the
`BoilerplateConfig` defaults: short lines at most 8 words, teasers of at least 5 words and
at most 250 characters, corpus repeats in at least 3 documents of at most 40 words. The
lines are real furniture (NDTV's and Dawn's trailers, share rows, bylines) or built word by
word so that a count sits exactly on a limit. Written to close the mutants of issue 17.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from texts import PROSE

from dedup.boilerplate import (
    _blocks,
    _Corpus,
    _Decision,
    _feature_value,
    _header_signal,
    _is_cut_off,
    _is_headline,
    _is_weak,
    _Judged,
    _lexicon,
    _LineMemo,
    _model,
    _model_decisions,
    _model_verdicts,
    _not_a_label,
    _rule_verdicts,
    _selected,
    _split_lines,
    _strong_signal,
    _tail_cut,
    _teaser_runs,
    _Verdict,
    _with_words,
    _wrapped_end,
    detect_boilerplate,
    labelled_rows,
    line_features,
    line_labels,
)
from dedup.config import BoilerplateConfig
from dedup.document import Document
from dedup.errors import ConfigError
from dedup.linefeatures import FEATURES, RULE_COLUMN, WORDS
from dedup.linemodel import LineModel, load_model
from dedup.linewords import WordWeights

CONFIG = BoilerplateConfig()
RULES_ONLY = BoilerplateConfig(preset="rules")
MODEL_JSON = Path(__file__).resolve().parent.parent / "dedup" / "data" / "boilerplate_model.json"


def _line(text: str):
    (line,) = _split_lines(text)
    return line


def _signal(text: str, config: BoilerplateConfig = CONFIG) -> _Verdict | None:
    doc = Document("d", text)
    lines = _split_lines(text)
    corpus = _Corpus([doc], [lines], config)
    lexicon = _lexicon(config.lexicon_file, config.builtin_lexicon)
    (found,) = [_strong_signal(ln, config, lexicon, corpus, 0, "d") for ln in lines]
    return found


def _words(n: int, stem: str = "word") -> str:
    return " ".join(f"{stem}{chr(97 + k % 26)}" for k in range(n))


# ------------------------------------------------------------------ the rules, one line each

SHARE_ROW_40 = " ".join(["Facebook", "Twitter"] * 20)  # 40 words: _MAX_SHARE_ROW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NDTV's trailer, cut into the three phrases the hint words stand for (one each).
        ("This story has not been edited by NDTV staff", (0, "syndication_trailer", 1.0, 1.0,
                                                           "has not been edited by")),
        ("Published from a syndicated news agency wire", (0, "syndication_trailer", 1.0, 1.0,
                                                           "Published from a syndicated")),
        ("This article was auto-generated from a wire feed",
         (0, "syndication_trailer", 1.0, 1.0, "auto-generated from a wire feed")),
        ("3 Comments", (0, "counter", 1.0, 1.0, "3 Comments")),
        # Two different labels are a share row; the value is the words, the threshold 2.
        ("Facebook Twitter", (0, "share_prompt", 2, 2, "only share-button labels")),
        (SHARE_ROW_40, (0, "share_prompt", 40, 2, "only share-button labels")),
        (SHARE_ROW_40 + " Email", None),  # 41 words: longer than any share row
        ("Facebook Facebook", None),  # one label twice
        # Code and markup of a new-user trial: a Perl statement, troff's escaped options,
        # Python 2's "print x" (the platform is a capital X).
        ("print $x;", None),
        ("\\-e, \\-\\-email", None),
        ("print x", None),
        ("Print X", (0, "share_prompt", 2, 2, "only share-button labels")),
        ("Share this article", (0, "lexicon", 1.0, 0.9, "share this article")),
        ("Advertisement", (0, "lexicon", 1.0, 0.9, "advertisement")),  # an ad marker: anywhere
        ("Comments", (1, "lexicon", 1.0, 0.9, "comments")),  # one word: only at the edges
        ("Also Read | Oil prices climb again", (0, "lexicon_prefix", 1.0, 0.9, "also read ...")),
        # A bracket is not lower case: the label does not continue a wrapped sentence.
        ("(also read: oil prices climb again)", (0, "lexicon_prefix", 1.0, 0.9, "also read ...")),
        ("https://example.com/news/123", (1, "bare_url", 1.0, 1.0, "https://example.com/news/123")),
        # The evidence is a copyright line's first 40 characters, cut at a word with "…".
        ("© 2024 Example Media Group Private Limited, Karachi",
         (1, "copyright", 1.0, 1.0, "© 2024 Example Media Group Private …")),
        ("Copyright " + _words(24),
         (1, "copyright", 1.0, 1.0, ("Copyright " + _words(24))[:39] + " …")),
        ("Copyright " + _words(25), None),  # 26 words: a licence paragraph, not a footer
        # A fuzzy phrase differs inside its words, not by one: commit messages of real
        # changelogs (gettext, git) that were "add a comment", "view comments", "follow us on".
        ("Leave a comments", (0, "lexicon", 0.9677, 0.9, "leave a comment")),
        ("Add comment.", None),
        ("review comments.", None),
        ("Follow up on the review of the parser", None),
    ],
)  # fmt: skip
def test_each_rule_reports_its_documented_tier_value_threshold_and_evidence(text, expected):
    found = _signal(text)
    got = None if found is None else (found.tier, found.rule, found.score, found.threshold,
                                      found.evidence)  # fmt: skip
    assert got == expected


def test_lexicon_limits_are_the_configured_ones():
    # "share this article" is 18 characters: at lexicon_max_chars=18 it is still looked up.
    found = _signal("Share this article", BoilerplateConfig(lexicon_max_chars=18))
    assert found is not None
    assert found.rule == "lexicon"
    assert _signal("Share this article", BoilerplateConfig(lexicon_max_chars=17)) is None
    # At lexicon_similarity=1.0 only exact phrases match, whole-line or prefix.
    assert _signal("Share this articles") is not None  # 0.97 similar by default
    assert _signal("Share this articles", BoilerplateConfig(lexicon_similarity=1.0)) is None
    fuzzy = "Sign up fur our newsletter today."  # "sign up for our": 0.93 similar
    found = _signal(fuzzy)
    assert found is not None
    assert (found.rule, found.score) == ("lexicon_prefix", 0.9333)
    assert _signal(fuzzy, BoilerplateConfig(lexicon_similarity=1.0)) is None


def test_a_call_to_action_prefix_holds_on_lines_up_to_corpus_max_words():
    forty = "Sign up for our newsletter " + _words(35) + "."
    assert _line(forty).words == 40
    found = _signal(forty)
    assert found is not None
    assert (found.tier, found.rule, found.evidence) == (0, "lexicon_prefix", "sign up for our ...")
    found = _signal("Sign up for our newsletter " + _words(36) + ".")
    assert found is None or found.rule != "lexicon_prefix"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 March 2024 10:30 IST",
         (1, "metadata_header", 2, 1, "date '12 March 2024' in a header line")),
        ("By Jane Smith", (1, "metadata_header", 1.0, 1.0, "byline")),
        ("Home > News > World", (1, "breadcrumb", 3, 3, "navigation path")),
        ("U.S. > World > Politics", (1, "breadcrumb", 3, 3, "navigation path")),
        # 15 words with a keyword: still a header; 16 are not.
        ("Published 12 March 2024 10:30 IST by the Example News desk in New Delhi",
         (1, "metadata_header", 2, 1, "date '12 March 2024' in a header line")),
        ("Published 12 March 2024 10:30 IST by the Example News desk in New Delhi today", None),
        ("Published on 12 March 2024.", None),  # a sentence mark: a sentence, not a header
        # No keyword: at most 4 words besides the dates.
        ("Monday 12 March 2024 New Delhi edition", (1, "metadata_header", 1, 1,
                                                    "date '12 March 2024' in a header line")),
        ("Monday 12 March 2024 New Delhi morning edition", None),
    ],
)  # fmt: skip
def test_header_signals(text, expected):
    found = _header_signal(_line(text))
    got = None if found is None else (found.tier, found.rule, found.score, found.threshold,
                                      found.evidence)  # fmt: skip
    assert got == expected


def test_a_breadcrumb_has_at_most_four_words_a_part():
    twelve = "Home > National News Desk Today > World Affairs and Foreign Policy Analysis Desk"
    thirteen = twelve + " Now"
    assert _line(twelve).words == 12
    assert _line(thirteen).words == 13
    assert _header_signal(_line(twelve)) is not None  # 3 parts, 12 words: 4 a part
    assert _header_signal(_line(thirteen)) is None


def test_feature_value_of_each_kind_of_verdict():
    # The repeat column is log documents; a lexicon phrase its similarity; the others 1.
    assert _feature_value(_Verdict(1, "corpus_repeat", 4, 3, "")) == math.log1p(4)
    assert _feature_value(_Verdict(0, "lexicon", 0.93, 0.9, "")) == 0.93
    assert _feature_value(_Verdict(0, "lexicon_prefix", 0.95, 0.9, "")) == 0.95
    assert _feature_value(_Verdict(0, "counter", 1.0, 1.0, "")) == 1.0
    assert _feature_value(_Verdict(1, "breadcrumb", 4, 3, "")) == 1.0


def test_blocks_are_described_by_where_they_sit_and_their_length():
    assert _blocks([0, 1, 4, 7, 8, 9], 10) == {
        0: "head block of 2 lines",
        1: "head block of 2 lines",
        4: "block of 1 line",
        7: "tail block of 3 lines",
        8: "tail block of 3 lines",
        9: "tail block of 3 lines",
    }
    assert _blocks([0], 1) == {0: "tail block of 1 line"}  # the last line is the tail
    assert _blocks([2, 3], 6) == {2: "block of 2 lines", 3: "block of 2 lines"}
    assert _blocks([], 3) == {}


def test_select_ignore_and_the_docs_preset_choose_the_rules():
    assert _selected("counter", CONFIG)
    assert not _selected("counter", BoilerplateConfig(ignore=("counter",)))
    assert _selected("lexicon", BoilerplateConfig(ignore=("counter",)))
    assert _selected("counter", BoilerplateConfig(select=("counter",)))
    assert not _selected("lexicon", BoilerplateConfig(select=("counter",)))
    docs = BoilerplateConfig(preset="docs")
    assert _selected("lexicon", docs)
    assert _selected("corpus_repeat", docs)
    assert not _selected("counter", docs)


@pytest.mark.parametrize(
    ("text", "wrapped"),
    [("subscribe.", True), ("Subscribe.", False), ("subscribe", False),
     ("iOS 18 adds a new lock screen.", True)],
)  # fmt: skip
def test_a_wrapped_end_opens_in_lower_case_and_closes_with_a_full_stop(text, wrapped):
    assert _wrapped_end(text) is wrapped


def _long_teaser(chars: int) -> str:
    words = []
    while len(" ".join(words)) < chars:
        words.append("budget")
    text = " ".join(words)[: chars - 1].rstrip()
    return text + "x" * (chars - 1 - len(text)) + "…"


@pytest.mark.parametrize(
    ("text", "cut_off"),
    [
        ("Oil prices climb for a third day as Gulf supply…", True),
        ("Fed cuts rates as it…", True),  # 5 words, 3 of three or more letters: both minimums
        ("Fed cuts rates…", False),  # 3 words
        ("Now is it on or is it off…", False),  # only 2 words of three letters or more
        ("Markets dip ... then rally as traders weigh…", False),  # "..." inside: prose
        ("Markets dip … then rally as traders weigh…", False),
        ("Why are fuel prices rising again?…", False),  # a sentence mark before the dots
        ("Elon Musk quit Twitter. X…", True),  # "X" is a word, not a sentence's end
        (_long_teaser(250), True),  # teaser_max_chars
        (_long_teaser(251), False),
    ],
)
def test_a_cut_off_line(text, cut_off):
    assert len(text) < 60 or len(text) in (250, 251)  # the long ones sit on the limit
    assert _is_cut_off(_line(text), CONFIG) is cut_off


def test_weak_and_headline_lines_by_their_word_counts():
    # short_line_words = 8: weak up to 8 words without a sentence mark, headline up to 16.
    assert _is_weak(_line(_words(8)), CONFIG)
    assert not _is_weak(_line(_words(9)), CONFIG)
    assert not _is_weak(_line("It rained today."), CONFIG)
    assert _is_headline(_line(_words(16)), CONFIG)
    assert not _is_headline(_line(_words(17)), CONFIG)
    assert _is_headline(_line(_words(10)), CONFIG)
    assert not _is_headline(_line(_words(10) + "."), CONFIG)


def test_teaser_runs_at_the_top_of_exactly_the_run_length_and_the_length_ratio():
    short = "Rupee slides against the dollar…"  # 32 characters
    long_ = "Rupee slides against the dollar as oil climbs again…"  # 52
    assert (len(short), len(long_)) == (32, 52)
    found = _teaser_runs(_split_lines(f"{short}\n{long_}\n{PROSE}"), CONFIG)
    assert sorted(found) == [0, 1]  # a run of teaser_run = 2 lines, from the first line
    assert {(v.tier, v.rule, v.score, v.threshold) for v in found.values()} == {
        (2, "teaser_run", 2, 2)
    }
    # Length ratio exactly teaser_length_ratio (30 / 60 = 0.5) is a run; below is not.
    thirty = "Rupee slides against dollar a…"
    sixty = "Rupee slides against the dollar as oil climbs again in Asia…"
    assert (len(thirty), len(sixty)) == (30, 60)
    assert sorted(_teaser_runs(_split_lines(f"{PROSE}{thirty}\n{sixty}"), CONFIG)) == [3, 4]
    shorter = "Rupee falls against dollar a…"
    assert len(shorter) == 29
    assert _is_cut_off(_line(shorter), CONFIG)
    assert _teaser_runs(_split_lines(f"{PROSE}{shorter}\n{sixty}"), CONFIG) == {}


# ------------------------------------------------------------ labels and sentences going on


def test_a_lexicon_line_that_continues_the_sentence_above_is_not_a_label():
    # Apache-2.0 style text: "Copyright and" leaves the sentence open.
    opening = "under his or her Copyright and\nRelated Rights in the Work"
    assert _not_a_label(_split_lines(opening), 1)
    # Two lines down, after a finished sentence: the line right above decides.
    assert _not_a_label(_split_lines("Licence terms follow.\n" + opening), 2)
    # A blank line between: a new paragraph, the label stands.
    assert not _not_a_label(_split_lines(opening.replace("\n", "\n\n")), 1)
    assert not _not_a_label(_split_lines("Licence terms follow.\nRelated Rights in the Work"), 1)


def test_a_label_followed_by_lower_case_or_an_underline():
    # An underline on the last line still makes a heading.
    assert _not_a_label(_split_lines("Recommended reading\n-------------------"), 0)
    # The line below opens in lower case: the label goes on into it...
    assert _not_a_label(_split_lines("Read more\niOS users can update today."), 0)
    # ...but a bracket is not lower case.
    assert not _not_a_label(_split_lines("Read more\n(see the terms below)"), 0)


# -------------------------------------------------------------------------- corpus evidence


def _corpus_docs(lines_per_doc: list[list[str]], site: str | None = None) -> list[Document]:
    docs = []
    for k, extra in enumerate(lines_per_doc):
        opening = f"Story number {k} opens with its own distinct words about topic {k * 7}."
        meta = {"site": site} if site else {}
        docs.append(Document(f"d{k}", "\n".join([opening, *extra]), meta=meta))
    return docs


def test_a_url_site_field_counts_lines_per_host():
    # `--site-field url` made every page a site of its own (no line could recur): the host
    # of a URL is its site.
    rows = [["Share this story with friends", "Subscribe to the Coastal Daily newsletter"]] * 5
    docs = _corpus_docs(rows)
    docs = [
        Document(d.id, d.text, meta={"url": f"https://News.Example.org/2024/story-{k}"})
        for k, d in enumerate(docs)
    ]
    config = BoilerplateConfig(preset="docs", site_field="url")
    found = {(b.doc, b.line, b.rule) for b in detect_boilerplate(docs, config)}
    assert {(d.id, 1, "corpus_repeat") for d in docs} <= found
    assert "news.example.org" in next(b.evidence for b in detect_boilerplate(docs, config))


def _repeat(docs: list[Document], pos: int, text: str, config: BoilerplateConfig = CONFIG):
    lines = [_split_lines(d.text) for d in docs]
    corpus = _Corpus(docs, lines, config)
    (line,) = [ln for ln in lines[pos] if ln.text == text]
    return corpus.repeat(pos, docs[pos].id, line)


def test_a_corpus_repeat_needs_min_doc_freq_documents_and_names_three_others():
    footer = "Follow Example News on every platform"
    docs = _corpus_docs([[footer]] * 3 + [["Other footer line here"]] * 2)
    found = _repeat(docs, 0, footer)
    assert found == _Verdict(1, "corpus_repeat", 3, 3, "same line in 3 documents, e.g. d1, d2")
    docs = _corpus_docs([[footer]] * 2 + [["Other footer line here"]] * 3)
    assert _repeat(docs, 0, footer) is None
    # The evidence names three others: for d5, the three smallest ids.
    docs = _corpus_docs([[footer]] * 6)
    found = _repeat(docs, 5, footer)
    assert found is not None
    assert found.evidence == "same line in 6 documents, e.g. d0, d1, d2"


def test_a_corpus_repeat_is_at_most_corpus_max_words_long():
    forty, forty_one = _words(40), _words(41)
    docs = _corpus_docs([[forty, forty_one]] * 5)
    found = _repeat(docs, 0, forty)
    assert found is not None
    assert found.score == 5
    assert _repeat(docs, 0, forty_one) is None


def test_a_repeated_line_matches_whatever_its_numbers_and_its_place():
    # Digit runs count as one: "Issue 41" and "Issue 42" are the same line.
    docs = _corpus_docs([[f"Issue {40 + k} of Example Weekly", "Thanks for reading"]
                         for k in range(5)])  # fmt: skip
    found = _repeat(docs, 0, "Issue 40 of Example Weekly")
    assert found is not None
    assert found.score == 5
    # The same footer as the last line of some documents and inside others.
    desk = "Example News desk"
    docs = _corpus_docs([[desk], [desk], [desk, "Reported from Karachi"], ["x y z"], ["x y"]])
    found = _repeat(docs, 2, "Example News desk")
    assert found is not None
    assert found.score == 3
    # A line in one document only is no repeat.
    assert _repeat(docs, 2, "Reported from Karachi") is None


def test_a_prose_like_repeat_also_needs_min_doc_fraction_of_its_site():
    # Half of 10 documents is 5: a sentence of 6 or more words must be in 5 of them.
    config = BoilerplateConfig(min_doc_fraction=0.5)
    six = "The desk can be reached by email."  # 7 words, a sentence
    six_words = "Our desk is open every day."  # 6 words, a sentence
    five = "Our desk is open daily."  # 5 words: not prose-like
    label = "Example News desk opening hours apply"  # no sentence mark
    rows = [[six, six_words, five, label]] * 4 + [["Unrelated line"]] * 6
    docs = _corpus_docs(rows)
    assert _repeat(docs, 0, six, config) is None  # 4 < 5
    assert _repeat(docs, 0, six_words, config) is None
    assert _repeat(docs, 0, five, config) is not None  # only min_doc_freq (3)
    assert _repeat(docs, 0, label, config) is not None
    docs = _corpus_docs([[six]] * 5 + [["Unrelated line"]] * 5)
    assert _repeat(docs, 0, six, config) is not None  # 5 of 10: enough


def test_an_unknown_site_field_is_an_error_naming_the_fields():
    docs = [Document(f"d{k}", PROSE, meta={"source": "x"}) for k in range(5)]
    with pytest.raises(
        ConfigError, match=r"^--site-field 'site' is in no document; fields: source$"
    ):
        detect_boilerplate(docs, BoilerplateConfig(site_field="site"))


def test_a_documents_opening_is_its_first_three_lines_of_enough_words():
    teaser = "Oil prices climb in Asia today…"  # its first 5 words open b
    b = Document("b", "Oil prices climb in Asia\n" + PROSE)  # exactly teaser_prefix_words
    a = Document("a", PROSE + teaser)
    lines = [_split_lines(a.text), _split_lines(b.text)]
    corpus = _Corpus([a, b], lines, CONFIG)
    assert corpus.teaser_of(0, "a", lines[0][-1]) == _Verdict(
        0, "teaser_of_document", 5, 5, "opening words of document b"
    )
    # The same words on b's fourth line are not its opening.
    b4 = Document("b", PROSE + "Oil prices climb in Asia")
    corpus = _Corpus([a, b4], [lines[0], _split_lines(b4.text)], CONFIG)
    assert corpus.teaser_of(0, "a", lines[0][-1]) is None


# ---------------------------------------------------------------------- features for the model


def _column(x: np.ndarray, name: str) -> list[float]:
    return x[:, FEATURES.index(name)].tolist()


def test_line_features_carry_each_rule_that_fired():
    header = "Published 12 March 2024 10:30 IST by the Example News desk in New Delhi"  # 15 words
    teasers = "Rupee slides against the dollar…\nRupee slides against the dollar as oil climbs…"
    footer = "© 2024 Example Media Group"
    docs = _corpus_docs([[header, PROSE.strip(), teasers, "Share this articles", footer]] * 5)
    x = line_features(docs)[0]
    texts = [ln.text for ln in _split_lines(docs[0].text)]
    row = {t: k for k, t in enumerate(texts)}
    assert _column(x, "metadata header")[row[header]] == 1.0
    assert _column(x, "cut off with an ellipsis")[row["Rupee slides against the dollar…"]] == 1.0
    assert _column(x, "run of cut-off lines")[row["Rupee slides against the dollar…"]] == 1.0
    assert _column(x, "copyright")[row[footer]] == 1.0
    # The copyright line also repeats in 5 documents: log(1 + 5).
    assert _column(x, "repeats on the site (log documents)")[row[footer]] == math.log1p(5)
    # A fuzzy lexicon match carries its similarity (a tier-0 phrase: no repeat column).
    assert 0.9 <= _column(x, "lexicon phrase")[row["Share this articles"]] < 1.0
    assert _column(x, "metadata header")[row[PROSE.splitlines()[0]]] == 0.0


def test_line_features_word_columns_come_from_scores_or_weights():
    doc = Document("a", "Share this article\nThe minister resigned on Friday.")
    given = [np.array([1.5, -2.0])]
    assert _column(line_features([doc], word_scores=given)[0], WORDS[0]) == [1.5, -2.0]
    weights = WordWeights({"share": 2.0, "minister": -1.0}, 0.5)
    # tokens of line 1: share, this, article, "share this", "this article" -> 0.5 + 2.0
    assert _column(line_features([doc], words=weights)[0], WORDS[0]) == [2.5, -0.5]
    xs, _ = labelled_rows([doc], [["boilerplate", "content"]], words=weights)
    assert _column(xs[0], WORDS[0]) == [2.5, -0.5]
    assert _column(line_features([doc])[0], WORDS[0]) == [0.0, 0.0]


def test_line_features_use_the_configured_lexicon(tmp_path: Path):
    user = tmp_path / "lexicon.txt"
    user.write_text("weiter zur startseite\n", encoding="utf-8")
    doc = Document("a", "Weiter zur Startseite\nShare this article")
    col = RULE_COLUMN["lexicon phrase"]
    config = BoilerplateConfig(lexicon_file=str(user))
    assert line_features([doc], config)[0][:, col].tolist() == [1.0, 1.0]
    xs, _ = labelled_rows([doc], [["boilerplate", "boilerplate"]], config)
    assert xs[0][:, col].tolist() == [1.0, 1.0]
    assert line_features([doc])[0][:, col].tolist() == [0.0, 1.0]
    no_builtin = BoilerplateConfig(lexicon_file=str(user), builtin_lexicon=False)
    assert line_features([doc], no_builtin)[0][:, col].tolist() == [1.0, 0.0]


def test_line_labels_are_int8_codes_and_must_match_the_documents():
    doc = Document("a", "Home\n\nThe minister resigned.\nMaybe")
    (codes,) = line_labels([doc], [["boilerplate", None, "content", "unsure"]])
    assert codes.dtype == np.int8
    assert codes.tolist() == [1, 0, -1]
    with pytest.raises(ValueError, match="zip"):
        line_labels([doc, doc], [["boilerplate", None, "content", "unsure"]])


# ---------------------------------------------------------------------- blocks and budget


def _found(text: str, config: BoilerplateConfig = RULES_ONLY) -> dict[int, tuple[str, float]]:
    return {b.line: (b.rule, b.score) for b in detect_boilerplate([Document("d", text)], config)}


def test_the_head_block_takes_edge_signals_and_stops_at_a_protected_line(tmp_path: Path):
    # A bare URL is a tier-1 rule: it holds in the head block.
    assert _found("https://example.com/live\n" + PROSE) == {0: ("bare_url", 1.0)}
    protect = tmp_path / "protect.txt"
    protect.write_text("home news world\n", encoding="utf-8")
    text = "Home > News > World\nBy Jane Smith\n" + PROSE
    assert _found(text) == {0: ("breadcrumb", 3.0), 1: ("metadata_header", 1.0)}
    assert _found(text, replace(RULES_ONLY, protect_file=str(protect))) == {}


def test_a_page_of_furniture_only_is_one_tail_block_from_its_first_line():
    text = "https://example.com/news\nMore from our site\nLatest headlines"
    assert _found(text) == {
        0: ("bare_url", 1.0),
        1: ("tail_block", 4.0),  # measured: the line's words
        2: ("tail_block", 2.0),
    }


def test_a_tail_block_line_without_words_measures_zero_words():
    text = PROSE + "Share this article\n* * *\nMore from our site"
    assert _found(text) == {3: ("lexicon", 1.0), 4: ("tail_block", 0.0), 5: ("tail_block", 4.0)}
    # The threshold: any line short enough to be a headline (2 x short_line_words = 16).
    found = detect_boilerplate([Document("d", text)], RULES_ONLY)
    assert {b.threshold for b in found if b.rule == "tail_block"} == {16.0}


def test_a_tail_block_grows_from_a_teaser_run():
    teasers = "Rupee slides against the dollar…\nRupee slides against the dollar as oil climbs…"
    assert _found(PROSE + teasers + "\nMore from our site") == {
        3: ("teaser_run", 2.0), 4: ("teaser_run", 2.0), 5: ("tail_block", 4.0)
    }  # fmt: skip


def test_the_budget_goes_to_the_lowest_tier_then_the_line_nearest_an_edge():
    from dedup.boilerplate import _within_budget

    text = "\n".join(f"Line number {k} of seven" for k in range(7))  # 7 lines of 21 chars
    doc, lines = Document("d", text), _split_lines(text)
    config = BoilerplateConfig(max_removed_fraction=1.5 * 21 / len(text))  # room for one line

    def kept(verdicts: dict[int, _Verdict]) -> list[int]:
        return [b.line for b in _within_budget(doc, lines, verdicts, config) if not b.held]

    v0, v1, v2 = (_Verdict(t, "x", 1.0, 1.0, "e") for t in (0, 1, 2))
    assert kept({0: v2, 3: v0}) == [3]  # tier first, whatever the place
    assert kept({2: v1, 5: v1}) == [5]  # line 5 is 1 from the end, line 2 is 2 from the top
    assert kept({1: v1, 5: v1}) == [1]  # both 1 from an edge: the first line
    assert kept({0: v1, 6: v1}) == [0]


# ---------------------------------------------------------------------------- the line model

BUILTIN = json.loads(MODEL_JSON.read_text(encoding="utf-8"))


def _model_file(tmp_path: Path, name: str = "model.json", **changes) -> str:
    data = json.loads(json.dumps(BUILTIN))
    meta = changes.pop("meta", None)
    if meta is not None:
        data["meta"] = meta
    data.update(changes)
    for key in [k for k, v in data.items() if v is None]:
        del data[key]
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _thresholds(model: LineModel | None) -> tuple[float, float, float | None]:
    assert model is not None
    return (model.threshold, model.tail_threshold, model.prose_tail_threshold)


def test_presets_take_their_thresholds_from_the_model_file(tmp_path: Path):
    presets = BUILTIN["meta"]["presets"]
    assert _thresholds(_model(BoilerplateConfig(preset="web"))) == tuple(presets["web"])
    assert _thresholds(_model(BoilerplateConfig(preset="news"))) == tuple(presets["news"])
    web = BoilerplateConfig(preset="web", model_threshold=0.95)
    assert _thresholds(_model(web)) == (0.95, presets["web"][1], presets["web"][2])
    # A model file without presets decides at its own thresholds.
    plain = _model_file(tmp_path, meta={}, threshold=0.8, tail_threshold=0.3,
                        prose_tail_threshold=None)  # fmt: skip
    assert _thresholds(_model(BoilerplateConfig(preset="web", model_file=plain))) == (
        0.8, 0.3, None
    )  # fmt: skip
    # Older files have (threshold, tail) presets; a prose tail may be null.
    old = _model_file(tmp_path, "old.json", meta={"presets": {"web": [0.85, 0.35]}})
    assert _thresholds(_model(BoilerplateConfig(preset="web", model_file=old))) == (
        0.85,
        0.35,
        None,
    )
    null = _model_file(tmp_path, "null.json", meta={"presets": {"web": [0.85, 0.35, None]}})
    assert _thresholds(_model(BoilerplateConfig(preset="web", model_file=null))) == (
        0.85, 0.35, None
    )  # fmt: skip


def test_the_model_is_off_under_rules_docs_and_when_left_out():
    assert _model(BoilerplateConfig(preset="rules")) is None
    assert _model(BoilerplateConfig(preset="docs")) is None
    assert _model(BoilerplateConfig(ignore=("line_model",))) is None
    assert _model(BoilerplateConfig(select=("line_model", "counter"))) is not None
    assert _model(BoilerplateConfig(select=("counter",))) is None


def test_a_model_of_other_features_is_refused_naming_the_file(tmp_path: Path):
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(LineModel.toy().to_dict()), encoding="utf-8")
    msg = (
        f"{path} was trained on 1 other line features than this dedup computes "
        f"({len(FEATURES)}); retrain it with `dedup boilerplate train`"
    )
    with pytest.raises(ConfigError) as ex:
        _model(BoilerplateConfig(model_file=str(path)))
    assert str(ex.value) == msg


def _model_lines(docs: list[Document], config: BoilerplateConfig) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {d.id: [] for d in docs}
    for b in detect_boilerplate(docs, config):
        if b.rule == "line_model":
            out[b.doc].append(b.line)
    return out


def test_documents_longer_than_the_models_max_lines_are_left_to_the_markers(tmp_path: Path):
    # At threshold 0 the model takes every line it judges, so what it judged shows.
    three = Document(
        "three", "Rain is due in Lahore.\nThe match starts at noon.\nTickets are sold out."
    )
    four = Document("four", three.text + "\nGates open at ten.")
    capped = _model_file(tmp_path, meta={**BUILTIN["meta"], "max_lines": 3})
    config = BoilerplateConfig(model_file=capped, model_threshold=0.0)
    assert _model_lines([three, four], config) == {"three": [0, 1, 2], "four": []}
    # Without "max_lines" the limit is MODEL_MAX_LINES (1,000).
    meta = {k: v for k, v in BUILTIN["meta"].items() if k != "max_lines"}
    uncapped = _model_file(tmp_path, "uncapped.json", meta=meta)
    config = BoilerplateConfig(model_file=uncapped, model_threshold=0.0)
    assert _model_lines([four], config) == {"four": [0, 1, 2, 3]}
    # The shipped model's own limit.
    assert BUILTIN["meta"]["max_lines"] < 1000
    long_doc = Document("long", "\n".join(f"Item {k} of the list" for k in range(900)))
    assert _model_lines([long_doc], BoilerplateConfig(model_threshold=0.0)) == {"long": []}


def test_a_document_is_judged_the_same_alone_or_in_a_batch():
    docs = [
        Document("a", "Home\nWorld news\n" + PROSE + "Leave a comment\nMore stories"),
        Document("b", "Sport\n" + PROSE.replace("bank", "lender") + "Related: markets today"),
        Document("c", "Menu\nEconomy\n" + PROSE.replace("Thursday", "Monday") + "Follow us"),
    ]
    config = BoilerplateConfig(model_threshold=0.0)  # every line the model judges goes
    together = detect_boilerplate(docs, config)
    alone = [b for d in docs for b in detect_boilerplate([d], config)]
    assert together == alone
    for doc in docs:  # and each says what drove it
        assert any(
            b.rule == "line_model" and "top: none" not in b.evidence
            for b in together
            if b.doc == doc.id
        )


def test_the_tail_block_needs_the_prose_threshold_for_prose_lines(tmp_path: Path):
    # threshold 1 (nothing goes on its own), tail 0 (any line rides with the tail block),
    # prose tail 1 (no prose line does): the block ends at the last paragraph.
    path = _model_file(tmp_path, meta={"presets": {"news": [1.0, 0.0, 1.0]}})
    text = PROSE + "Weather in Lahore\nTickets sold out"
    found = detect_boilerplate([Document("d", text)], BoilerplateConfig(model_file=path))
    assert [(b.line, b.rule) for b in found] == [(3, "line_model"), (4, "line_model")]


def test_a_model_without_word_weights_explains_without_words(tmp_path: Path):
    path = _model_file(tmp_path, words=None)
    config = BoilerplateConfig(model_file=path, model_threshold=0.0)
    found = detect_boilerplate([Document("d", "Home\nWorld news\n" + PROSE)], config)
    assert [(b.line, b.rule) for b in found] == [(0, "lexicon")] + [
        (k, "line_model") for k in range(1, 5)
    ]
    assert all("(log-odds):" not in b.evidence for b in found)


@pytest.mark.parametrize(
    ("footer", "rule", "feature"),
    [("© 2024 Example Media Group", "copyright", "copyright"),
     ("https://example.com/news/123", "bare_url", "bare URL")],  # rule and feature names differ
)  # fmt: skip
def test_an_ignored_rule_is_no_evidence_for_the_model_either(footer, rule, feature):
    text = "Home\n" + PROSE + footer

    def last_rules(config: BoilerplateConfig) -> tuple[str, str]:
        (last,) = [b for b in detect_boilerplate([Document("d", text)], config) if b.line == 4]
        return last.rule, last.evidence.rsplit("; ", 1)[1]

    assert last_rules(BoilerplateConfig(model_threshold=0.0)) == ("line_model", f"rules: {feature}")
    ignored = BoilerplateConfig(model_threshold=0.0, ignore=(rule,))
    assert last_rules(ignored) == ("line_model", "rules: none")


def test_without_the_model_the_evidence_rules_report_themselves():
    text = PROSE + "© 2024 Example Media Group"
    found = _found(text, BoilerplateConfig(ignore=("line_model",)))
    assert found == {3: ("copyright", 1.0)}
    assert "copyright" not in {r for r, _ in _found(text, BoilerplateConfig()).values()}


def test_the_docs_preset_reports_exact_labels_and_short_repeats_only():
    rows = [["Share this article", "Example Project documentation home", "3 Comments",
             "This software is released under the MIT licence terms."]] * 5  # fmt: skip
    docs = _corpus_docs(rows, site="docs.example.org")
    config = BoilerplateConfig(preset="docs", site_field="site")
    found = {(b.doc, b.line, b.rule) for b in detect_boilerplate(docs, config)}
    assert found == {(d.id, n, r) for d in docs for n, r in ((1, "lexicon"), (2, "corpus_repeat"))}


def _decision_case():
    text = "Share this article\n© 2024 Example Media Group\nFollow us\n" + PROSE.splitlines()[0]
    lines = _split_lines(text + "\nKeep this line")
    marker = _Verdict(0, "lexicon", 1.0, 0.9, "share this article")
    judged = _Judged({0: marker}, [{}, {"copyright": 1.0, "bare URL": 1.0}, {}, {}, {}], {4})
    words = WordWeights({"example": 1.0, "media": 2.0}, 0.0)
    model = replace(load_model().with_thresholds(0.9, 0.5, 0.7), words=words)
    decision = _Decision(
        np.array([0.95, 0.912345, 0.9, 0.75, 0.99]),
        np.ones(5, dtype=bool),
        np.array([False, False, False, True, False]),
        {1: ["copyright = 1", f"{WORDS[0]} = 2.4"]},  # as `LineModel.explain` names them
        None,  # no tail cut
    )
    return lines, judged, model, decision


def test_model_verdicts_say_block_probability_cut_top_features_and_rules():
    lines, judged, model, decision = _decision_case()
    out = _model_verdicts(lines, judged, model, decision, CONFIG)
    block = "head block of 4 lines"  # line 4 is protected: lines 0-3 are the block
    assert out == {
        0: judged.verdicts[0],  # the marker keeps its own verdict
        1: _Verdict(2, "line_model", 0.9123, 0.9,
                    f"{block}; p=0.91 >= 0.90; top: copyright = 1, word weights (log-odds) "
                    "= 2.4: media, example; rules: bare URL, copyright"),
        2: _Verdict(2, "line_model", 0.9, 0.9, f"{block}; p=0.90 >= 0.90; top: none; rules: none"),
        # below the threshold, prose: the prose tail threshold is what it reached
        3: _Verdict(2, "line_model", 0.75, 0.7, f"{block}; p=0.75 >= 0.70; top: none; rules: none"),
    }  # fmt: skip
    # With the marker's rule selected out, the model's own verdict is reported instead.
    only = BoilerplateConfig(select=("lexicon", "line_model"))
    assert _model_verdicts(lines, judged, model, decision, only)[0] == judged.verdicts[0]
    other = BoilerplateConfig(select=("counter", "line_model"))
    assert _model_verdicts(lines, judged, model, decision, other)[0].rule == "line_model"


def test_the_word_feature_names_the_lines_weightiest_words():
    model = replace(load_model(), words=WordWeights({"demo": 2.5, "free": 0.5}, 0.0))
    line = _line("Book a free demo")
    top = ["title-case word share = 0.75", f"{WORDS[0]} = 3"]
    assert _with_words(top, model, line) == [
        "title-case word share = 0.75", "word weights (log-odds) = 3: demo, free"
    ]  # fmt: skip
    assert _with_words(top, model, _line("Nothing weighs here")) == top
    assert _with_words(top, replace(model, words=None), line) == top


# ---------------------------------------------------------------------------------- training


def test_train_model_groups_by_site_fits_word_scores_and_keeps_its_settings(monkeypatch, tmp_path):
    import dedup.boilerplate as bp

    seen: dict[str, object] = {}
    fit_words, fit = bp.fit_words, bp.fit

    def spy_words(words, y, groups):
        seen["groups"] = list(groups)
        weights, scores = fit_words(words, y, groups)
        seen["scores"] = scores
        return weights, scores

    def spy_fit(x, y, features, **options):
        seen["x"], seen["options"] = x, options
        return fit(x, y, features, **options)

    monkeypatch.setattr(bp, "fit_words", spy_words)
    monkeypatch.setattr(bp, "fit", spy_fit)
    user = tmp_path / "lexicon.txt"
    user.write_text("weiter zur startseite\n", encoding="utf-8")
    docs = [
        Document(f"d{k}", f"Weiter zur Startseite\nStory {k} is about the budget.\nMaybe",
                 meta={"site": f"s{k}"} if k < 5 else {})
        for k in range(6)
    ]  # fmt: skip
    labels = [["boilerplate", "content", "unsure"]] * 6
    config = BoilerplateConfig(site_field="site", lexicon_file=str(user))
    model = bp.train_model(docs, labels, config, meta={"note": "test"})
    # The site names the group; a document without one is a group of its own.
    assert seen["groups"] == [f"s{k}" if k < 5 else "d5" for k in range(6) for _ in range(3)]
    assert seen["options"] == {"trees": 150, "depth": 4, "meta": {"note": "test"}, "seed": 0}
    assert model.meta == {"note": "test"}
    assert (model.threshold, model.tail_threshold) == (0.9, 0.6)
    x = seen["x"]
    keep = np.tile([True, True, False], 6)  # "unsure" lines are left out
    scores = np.asarray(seen["scores"])[keep]
    assert len(set(scores.tolist())) > 1  # the word fit says something
    assert _column(x, WORDS[0]) == scores.tolist()
    assert _column(x, "lexicon phrase")[::2] == [1.0] * 6  # the user's phrase, from config
    bp.train_model(docs, labels, BoilerplateConfig(), trees=3, depth=2, seed=7)
    assert seen["groups"] == [f"d{k}" for k in range(6) for _ in range(3)]
    assert seen["options"] == {"trees": 3, "depth": 2, "meta": {}, "seed": 7}
    with pytest.raises(ValueError, match="zip"):
        bp.train_model(docs, labels[:5], config)
    with pytest.raises(ValueError, match="zip"):
        bp.train_model(docs, labels, config, groups=["g"] * 5)


def test_progress_stages_of_boilerplate_detection_name_their_step(stages_shown):
    # Every stage shown on the progress line names its step ("boilerplate: ..."), as the
    # near-duplicate and passage steps do.
    import dedup.boilerplate as bp

    shown = stages_shown(bp)
    detect_boilerplate([Document("d", PROSE + "Share this article")])
    assert sorted(set(shown)) == [
        "boilerplate: corpus evidence", "boilerplate: judging documents", "boilerplate: lines"
    ]  # fmt: skip


def test_training_on_no_documents_is_a_value_error():
    from dedup.boilerplate import train_model

    with pytest.raises(ValueError):  # noqa: PT011 (scikit-learn's message, not ours)
        train_model([], [])


# Whole extractor outputs of dev-split pages: several extractors of a page, so most lines
# come back in other documents, as furniture and mirrored pages do in a corpus.
_PAGES = [
    json.loads(line)
    for line in (Path(__file__).resolve().parent / "data" / "tailcut_dev.jsonl").open()
]


@pytest.mark.parametrize("limit", [50_000, 5])
def test_lines_split_with_copies_looked_up_are_each_split_alone(monkeypatch, limit):
    # 5: the map of lines seen is cleared again and again, as on a file of distinct lines.
    monkeypatch.setattr("dedup.boilerplate._SEEN_LINES", limit)
    texts = [r["text"] for r in _PAGES] + ["a\r\n  \n\u00a0b\u0301 \n\u200b\nA 12 b"] * 2
    seen: dict = {}
    assert [_split_lines(t, seen) for t in texts] == [_split_lines(t) for t in texts]
    assert len(seen) <= max(limit, 4096) + 4096


def test_rules_with_copies_looked_up_are_each_document_judged_alone():
    docs = [Document(f"{r['page']}/{r['extractor']}", r["text"]) for r in _PAGES]
    lines = [_split_lines(d.text) for d in docs]
    corpus, lexicon = _Corpus(docs, lines, CONFIG), _lexicon(None, True)
    seen: dict = {}
    for pos, doc in enumerate(docs):
        alone = _rule_verdicts(pos, doc, lines[pos], CONFIG, lexicon, corpus, set())
        shared = _rule_verdicts(pos, doc, lines[pos], CONFIG, lexicon, corpus, set(), seen)
        assert shared == alone
    assert len(seen) < 0.8 * sum(map(len, lines))  # copies were looked up


@pytest.mark.parametrize("limit", [50_000, 5])
def test_the_models_line_memo_across_batches_decides_as_each_document_alone(monkeypatch, limit):
    # One memo for a task's batches of 300 lines (5: its stores start again and again);
    # each document alone with a memo of its own is the reference.
    monkeypatch.setattr("dedup.boilerplate._SEEN_LINES", limit)
    monkeypatch.setattr("dedup.boilerplate._MODEL_LINES", 300)
    docs = [Document(f"{r['page']}/{r['extractor']}", r["text"]) for r in _PAGES]
    lines = [_split_lines(d.text) for d in docs]
    corpus, lexicon = _Corpus(docs, lines, CONFIG), _lexicon(None, True)
    judged = [
        _Judged(*_rule_verdicts(pos, doc, lines[pos], CONFIG, lexicon, corpus, set()), set())
        for pos, doc in enumerate(docs)
    ]
    model, cut = _model(CONFIG), _tail_cut(CONFIG)
    assert model is not None
    memo = _LineMemo()
    together = _model_decisions(model, lines, judged, cut, memo)
    assert len(memo.words) < sum(map(len, lines))  # copies were looked up
    for k in range(len(docs)):
        [alone] = _model_decisions(model, lines[k : k + 1], judged[k : k + 1], cut, _LineMemo())
        assert together[k].p.tobytes() == alone.p.tobytes()
        assert together[k].going.tolist() == alone.going.tolist()
        assert together[k].cut == alone.cut
