"""The boilerplate rules, described: what each one reports, with an example line.

`dedup boilerplate explain [RULE]` prints these; README's rule table says the same. Every
name here is a rule a finding can carry (`config.BOILERPLATE_RULES`; a test keeps the two
lists equal).
"""

from __future__ import annotations

RULE_DOCS: dict[str, tuple[str, str]] = {
    "line_model": (
        "The line model learned from real labelled pages: boosted decision trees over every "
        "line's shape, words (weights from a logistic regression), position, neighbours and "
        "the other rules (as evidence), decoded by block (the tail block goes as one). "
        "Reports the probability, its threshold, the block and the features that drove it.",
        "Related Posts / Top 10 Hill Stations Near Pune / Subscribe to our newsletter",
    ),
    "page_decode": (
        "The line model's probabilities decoded in runs, by a two-state (content, furniture) "
        "Viterbi decode: the head and the foot of a document that reads as a whole page "
        "(around its prose block), or a document of mostly furniture whole, its sentences "
        "kept (news and web presets, beside the tail cut). A run goes when its log-odds over "
        "the bar pay for its changes of state: a menu line scoring under the bar goes with "
        "its menu, a lone high line among content stays. Reports the run's log-odds sum "
        "(score) against that cost (threshold), the line's probability and the top features. "
        "--ignore page_decode turns it off alone.",
        "Home / News / Sport / Business / Contact us, above a whole page's article",
    ),
    "lexicon": (
        "A whole short line matching a phrase of the multilingual lexicon (rapidfuzz ratio "
        ">= lexicon_similarity, with the phrase's words); a one-word phrase only in the head or "
        "tail block, but for an advertisement marker matched exactly.",
        "Leave a Comment",
    ),
    "lexicon_prefix": (
        "A line starting with a lexicon label ('Also Read', 'Sign up for our ...') followed "
        "by a separator, or short without a sentence mark. A read-on link ('Also read', 'Read "
        "more', 'Click here to') with a paragraph within three lines above and below stays: "
        "real pages' main content keeps those.",
        "Also Read | Budget 2024: what changes for taxpayers",
    ),
    "syndication_trailer": (
        "A syndication or auto-generation notice.",
        "(This story has not been edited by staff and is auto-generated from a syndicated feed.)",
    ),
    "counter": ("A counter line: comments, shares, views, reading time.", "3 Comments"),
    "share_prompt": ("A row of share-button labels.", "Facebook Twitter WhatsApp Email"),
    "teaser_of_document": (
        "A line cut off with an ellipsis that is the opening of another document of the corpus.",
        "Pakistan, US to hold defence dialogue in Washington next…",
    ),
    "bare_url": ("A line that is only a URL, in the head or tail block.", "https://example.com/a"),
    "copyright": (
        "A copyright line in the head or tail block.",
        "© 2024 Dawn. All rights reserved.",
    ),
    "corpus_repeat": (
        "A line carried by min_doc_freq or more documents of the same site with different "
        "openings (copies of one story count once), in the head or tail block.",
        "Follow us on Google News",
    ),
    "metadata_header": (
        "A date or byline line in the head block.",
        "Published: 12 Jan 2024, 10:45",
    ),
    "breadcrumb": ("A navigation path in the head block.", "Home > World > Asia"),
    "teaser_run": (
        "Two or more consecutive lines cut off with an ellipsis, of similar length.",
        "Govt unveils new tax plan for…",
    ),
    "tail_block": (
        "Short or cut-off lines at the tail, after a line another rule reported. Its "
        "score is the line's words and its threshold the most a headline has: an upper "
        "bound (score <= threshold); a longer line is in for being cut off (1 and 1).",
        "Top Stories",
    ),
    "tail_cut": (
        "The tail cut (news and web presets): a second learned stage, boosted trees over "
        "the cut points of a document's tail, that takes everything from a heading-shaped "
        "line (at most 8 words, no sentence mark) to the end when the suffix as a whole "
        "reads as furniture (its size, the line model's probabilities over it, dates, "
        "bylines, calls to action, the line before it). A suffix of at most 8 lines with a "
        "sentence needs less (news 0.65 against 0.80): it has few lines to lose; so does "
        "a document that reads as a whole page (news 0.60: most lines heading-shaped, a "
        "head menu the line model scores as furniture above a prose block). "
        "Reports the cut's probability, its threshold, the suffix and the top features. "
        "It also opens, with no heading, where the page's last lines are a notice read by "
        "its wording (an author's bio, a paywall prompt, a comment form's or a site "
        "notice), with short labels and likely furniture around it.",
        "Comments / Great article, thanks! / John, March 3, 2024: I disagree ...",
    ),
    "tail_gap": (
        "The line or two left between furniture going above them (two lines or more) and "
        "the furniture going to the document's end (news and web presets, after the line "
        "model, the tail cut and the page decode): the cleaned document would end on them. "
        "Reports the lines going above (score) against the two it needs (threshold). Code, "
        "quoted lines and table rows stay.",
        "Book a free demo today! between a share row and the related posts",
    ),
}


def explain_rule(name: str) -> str:
    """What a rule reports, with an example line (`dedup boilerplate explain RULE`).

    Example:
        >>> print(explain_rule("counter"))
        counter: A counter line: comments, shares, views, reading time.
          example: 3 Comments
    """
    what, example = RULE_DOCS[name]
    return f"{name}: {what}\n  example: {example}"
