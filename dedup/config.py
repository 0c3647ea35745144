"""Frozen configuration objects, validated at construction and fingerprinted.

Every top-level field is also a CLI option of the same name (with dashes); every field can be
set in a settings file (`find_settings`, `read_settings`): CLI options at the top level of
`[tool.dedup]`, sub-config fields in `[tool.dedup.passage]`, `[tool.dedup.boilerplate]`,
`[tool.dedup.shingle]` and `[tool.dedup.normalize]`. `DedupConfig.fingerprint()` goes into every
report, so results made with different settings are never mixed; `index_fingerprint()`, of the
settings an index's contents depend on, goes into every index.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from dedup.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


# The estimate's standard error is 1/sqrt(num_perm): 0.011 at 8,192; more only costs memory
# (a typo such as 99999999999 would ask for terabytes).
MAX_NUM_PERM = 8192


# Where a value comes from: a command-line option or the project's config (a new-user
# trial read "threshold must be between 0 and 1" with no hint of what to change).
_WHERE = "; set by its command-line option (`dedup COMMAND --help`) or in [tool.dedup]"


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        msg = f"{name} must be between {low:g} and {high:g}, got {value!r}{_WHERE}"
        raise ConfigError(msg)


def _check_min(name: str, value: int, low: int) -> None:
    if value < low:
        msg = f"{name} must be at least {low}, got {value!r}{_WHERE}"
        raise ConfigError(msg)


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """What is ignored before shingling and alignment.

    Punctuation, quotes, dashes and whitespace are always folded: words are the runs of
    letters and digits, so "Pakistan’s" and "Pakistan's" give the same words.

    Attributes:
        casefold: fold case ("Office" == "office").
        nfkc: apply Unicode NFKC (ligatures, full-width forms, compatibility digits).
    """

    casefold: bool = True
    nfkc: bool = True


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """How a document is cut into shingles for document-level similarity.

    Attributes:
        unit: "word" n-grams of normalized words, or "char" n-grams of the normalized text
            (for scripts written without spaces).
        size: n, the number of units per shingle.
    """

    unit: Literal["word", "char"] = "word"
    size: int = 5

    def __post_init__(self) -> None:
        if self.unit not in ("word", "char"):
            msg = f"shingle unit must be 'word' or 'char', got {self.unit!r}"
            raise ConfigError(msg)
        _check_min("shingle size", self.size, 1)


@dataclass(frozen=True, slots=True)
class PassageConfig:
    """How reused passages are found: MinHash windows, LSH, then alignment.

    Attributes:
        ngram: word n-gram size of the window shingles.
        window: shingles per MinHash window (a window spans window + ngram - 1 words).
        stride: shingles between window starts; must divide `window`.
        num_perm: permutations of the window signatures.
        lsh_threshold: Jaccard of two windows at which LSH should propose them; low on
            purpose, because the alignment verifies every candidate.
        min_window_estimate: share of equal signature values (the MinHash estimate of
            their Jaccard) an LSH window pair needs to be aligned at all. Low-threshold LSH
            also proposes windows that merely share a common phrase; on a large corpus those
            are nearly all of the candidates, and this cheap check drops them.
        min_words: fewest aligned (equal) words for a passage to be reported.
        max_gap: most words of edits allowed between two aligned runs of one passage.
        min_similarity: fewest rapidfuzz ratio (0-1) of the two normalized passage texts.
        sentences: also pair reworded sentences of each candidate document pair
            (`align.align_sentences`), reported as `rewritten` passages.
        min_sentence_overlap: fewest cosine (0-1) of two sentences' content-word sets
            (shared / sqrt(size x size)) for a `rewritten` passage.
        min_sentence_words: fewest content words two sentences share for a `rewritten`
            passage.
        max_per_pair: most passages reported for one document pair, those with the most
            equal words first; the rest are counted in the report (`passages_left_out`).
            0: no cap.
        max_partners: most documents one document is aligned against, those sharing the
            most candidate windows with it first (`candidates.strongest_partners`); the
            other candidate pairs are counted in the report (`pairs_left_out`). 0: no cap.
        max_per_doc: most passages reported for one document (as either side), the longest
            first; a document's reused fraction and main source still count them all, and
            the rest are counted (`passages_left_out`). 0: no cap.
        boilerplate: also report passages made of boilerplate lines (a footer two sites
            share: `report.boilerplate_passages`); by default, when boilerplate is judged,
            they are left out of passages, reuse figures and pairs, and counted
            (`passages_boilerplate`).
    """

    ngram: int = 3
    window: int = 10
    stride: int = 5
    num_perm: int = 64
    lsh_threshold: float = 0.3
    min_window_estimate: float = 0.25
    min_words: int = 8
    max_gap: int = 4
    min_similarity: float = 0.6
    sentences: bool = True
    min_sentence_overlap: float = 0.5
    min_sentence_words: int = 4
    max_per_pair: int = 100
    max_partners: int = 50
    max_per_doc: int = 50
    boilerplate: bool = False

    @property
    def least_words(self) -> int:
        """The fewest words a reported passage can have: `min_words`, or with `sentences`
        `min_sentence_words` if fewer (a reworded sentence). Passages of boilerplate
        (`report.boilerplate_passages`) have fewer outside their boilerplate lines.

        Example:
            >>> PassageConfig().least_words, PassageConfig(sentences=False).least_words
            (4, 8)
        """
        if self.sentences:
            return min(self.min_words, self.min_sentence_words)
        return self.min_words

    def __post_init__(self) -> None:
        _check_min("passage ngram", self.ngram, 1)
        _check_min("passage window", self.window, 1)
        _check_min("passage stride", self.stride, 1)
        if self.window % self.stride:
            msg = f"passage window ({self.window}) must be a multiple of stride ({self.stride})"
            raise ConfigError(msg)
        _check_range("passage num_perm", self.num_perm, 2, MAX_NUM_PERM)
        _check_range("lsh_threshold", self.lsh_threshold, 0.0, 1.0)
        _check_range("min_window_estimate", self.min_window_estimate, 0.0, 1.0)
        _check_min("min_words", self.min_words, 1)
        _check_min("max_gap", self.max_gap, 0)
        _check_range("min_similarity", self.min_similarity, 0.0, 1.0)
        _check_range("min_sentence_overlap", self.min_sentence_overlap, 0.0, 1.0)
        _check_min("min_sentence_words", self.min_sentence_words, 1)
        _check_min("max_per_pair", self.max_per_pair, 0)
        _check_min("max_partners", self.max_partners, 0)
        _check_min("max_per_doc", self.max_per_doc, 0)


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """How boilerplate lines (site furniture a scraper kept) are found; see `dedup.boilerplate`.

    Attributes:
        lexicon_similarity: rapidfuzz ratio (0-1) at or above which a line matches a lexicon
            phrase.
        lexicon_max_chars: longest normalized line compared whole against the lexicon.
        lexicon_file: a user lexicon (one phrase a line, `phrase ...` for a line start,
            `!phrase` to drop a built-in phrase); adds to the built-in phrases.
        builtin_lexicon: use the built-in multilingual phrases.
        protect_file: phrases (one a line) whose lines are never reported.
        teaser_run: fewest cut-off lines ("…", "...") of similar length that make a teaser run.
        teaser_length_ratio: shortest / longest line length (0-1) within a teaser run.
        teaser_min_words: fewest words of a cut-off line for it to count as a teaser.
        teaser_max_chars: longest line that can be a teaser.
        short_line_words: most words of a "short line" (no terminal punctuation).
        head_lines: how many non-empty lines from the start are scanned for a header block.
        max_removed_fraction: removal budget: most of a document's characters (0-1) reported.
        min_corpus_docs: fewest documents for corpus evidence (recurring lines) to be used.
        min_doc_freq: fewest documents (with different openings) that must carry a line for
            it to count as recurring.
        min_doc_fraction: fewest share (0-1) of the documents of its site that must carry a
            prose-like recurring line (one ending in terminal punctuation).
        corpus_max_words: longest line (words) counted for corpus evidence.
        teaser_prefix_words: fewest words a teaser must share with another document's opening.
        site_field: a key of `Document.meta` naming each document's site; recurring lines
            are then counted per site (None: the whole corpus is one site).
        preset: which detectors report. "news" (default): the line model learned from real
            pages, plus the high-precision marker rules; "web": the same model with a lower
            threshold, for whole-page text dumps; "docs": only exact lexicon lines and lines
            repeated on a site (for documentation, code and legal text, where short lines
            without a full stop are content); "rules": the hand-written rules alone.
        select: report only these rules (empty: the preset's); `line_model` names the model.
        ignore: never report these rules; an ignored rule is not model evidence either.
        model_file: a line model from `dedup boilerplate train` (None: the built-in one).
        model_threshold: posterior at or above which the model reports a line (None: the
            model's own, chosen on held-out pages for precision 0.98).
    """

    lexicon_similarity: float = 0.9
    lexicon_max_chars: int = 80
    lexicon_file: str | None = None
    builtin_lexicon: bool = True
    protect_file: str | None = None
    teaser_run: int = 2
    teaser_length_ratio: float = 0.5
    teaser_min_words: int = 5
    teaser_max_chars: int = 250
    short_line_words: int = 8
    head_lines: int = 8
    max_removed_fraction: float = 0.5
    min_corpus_docs: int = 5
    min_doc_freq: int = 3
    min_doc_fraction: float = 0.05
    corpus_max_words: int = 40
    teaser_prefix_words: int = 5
    site_field: str | None = None
    preset: str = "news"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    model_file: str | None = None
    model_threshold: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "select", tuple(self.select))
        object.__setattr__(self, "ignore", tuple(self.ignore))
        _check_rules(self.preset, self.select, self.ignore)
        if self.model_threshold is not None:
            _check_range("model_threshold", self.model_threshold, 0.0, 1.0)
        for name in (
            "lexicon_similarity",
            "teaser_length_ratio",
            "max_removed_fraction",
            "min_doc_fraction",
        ):
            _check_range(name, getattr(self, name), 0.0, 1.0)
        for name in (
            "lexicon_max_chars",
            "teaser_run",
            "teaser_min_words",
            "teaser_max_chars",
            "short_line_words",
            "min_corpus_docs",
            "min_doc_freq",
            "corpus_max_words",
            "teaser_prefix_words",
        ):
            _check_min(name, getattr(self, name), 1)
        _check_min("head_lines", self.head_lines, 0)


PRESETS = ("news", "web", "docs", "rules")
BOILERPLATE_RULES = (
    "bare_url",
    "breadcrumb",
    "copyright",
    "corpus_repeat",
    "counter",
    "lexicon",
    "lexicon_prefix",
    "line_model",
    "metadata_header",
    "page_decode",
    "share_prompt",
    "syndication_trailer",
    "tail_block",
    "tail_cut",
    "tail_gap",
    "teaser_of_document",
    "teaser_run",
)


# The rules of the learned stages (none under the `docs` and `rules` presets), and the only
# ones the `docs` preset reports: phrases of the lexicon and lines repeated across a site,
# the two pieces of evidence that do not depend on a line's shape (documentation, code and
# legal text are full of short lines without a full stop).
MODEL_RULES = frozenset({"line_model", "page_decode", "tail_cut", "tail_gap"})
DOCS_PRESET_RULES = frozenset({"lexicon", "corpus_repeat"})


def _check_rules(preset: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Known rules, and a selection that can report something (a new-user trial's `--select
    line_model --preset rules` reported nothing, silently)."""
    if preset not in PRESETS:
        msg = f"boilerplate preset must be one of {', '.join(PRESETS)}, got {preset!r}"
        raise ConfigError(msg)
    for option, names in (("select", select), ("ignore", ignore)):
        unknown = unknown_rules_text(names)
        if unknown:
            msg = f"--{option}: {unknown}"
            raise ConfigError(msg)
    both = sorted(set(select) & set(ignore))
    if both:
        msg = f"--select and --ignore both name {', '.join(both)}; name each rule in one of them"
        raise ConfigError(msg)
    # `--ignore line_model` turns the learned stages off (`boilerplate._model`).
    unlearned = preset != "rules" and "line_model" in ignore
    offered = set(DOCS_PRESET_RULES) if preset == "docs" else set(BOILERPLATE_RULES)
    if preset == "rules" or unlearned:
        offered -= MODEL_RULES
    left = sorted(set(select) - offered)
    if select and left:
        why = (
            "--ignore line_model turns the learned stages off"
            if unlearned
            else f"the {preset} preset never reports {'it' if len(left) == 1 else 'them'}"
        )
        instead = "stop ignoring line_model" if unlearned else "choose the news or web preset"
        msg = (
            f"--select {', '.join(left)}: {why} (reported: {', '.join(sorted(offered))}); "
            f"drop it, or {instead}"
        )
        raise ConfigError(msg)


def unknown_rules_text(names: Sequence[str]) -> str:
    """What is wrong with boilerplate rule `names` ("" when each is a rule).

    Example:
        >>> unknown_rules_text(["lexicon", "nope"]).split(";")[0]
        'unknown boilerplate rule(s) nope'
    """
    unknown = [n for n in names if n not in BOILERPLATE_RULES]
    if not unknown:
        return ""
    return (
        f"unknown boilerplate rule(s) {', '.join(unknown)}; known: "
        f"{', '.join(BOILERPLATE_RULES)} (`dedup boilerplate explain` describes each)"
    )


KEEP_RULES = ("first", "longest", "newest", "source", "none")


def _check_keep(keep: str, date_field: str | None, source_priority: tuple[str, ...]) -> None:
    if keep not in KEEP_RULES:
        msg = f"keep must be one of {', '.join(KEEP_RULES)}, got {keep!r}"
        raise ConfigError(msg)
    if keep == "newest" and not date_field:
        msg = "keep='newest' needs a date field: pass --date-field with the field holding the date"
        raise ConfigError(msg)
    if keep == "source" and not source_priority:
        msg = "keep='source' needs --source-priority, e.g. --source-priority 'wiki/*,news/*'"
        raise ConfigError(msg)


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """How documents are compared. Every field is also a CLI option.

    Attributes:
        threshold: exact Jaccard (0-1) of shingle sets at or above which two documents are
            near-duplicates.
        num_perm: MinHash permutations; more means a tighter estimate and more memory.
        seed: MinHash seed; signatures made with different seeds cannot be compared.
        shingle: how documents are cut into shingles.
        normalize: what is ignored before shingling.
        passage: how reused passages are found.
        passages: look for reused passages at all.
        boilerplate: how boilerplate lines are found.
        find_boilerplate: look for boilerplate lines at all.
        keep: which copy of a near-duplicate cluster is kept: "first" (input order),
            "longest", "newest" (by `date_field`), "source" (by `source_priority`) or
            "none" (drop every copy).
        date_field: `Document.meta` field with the date (ISO 8601, RFC 2822 or seconds since
            1970; compared as times), for keep="newest".
        source_priority: glob patterns over `Document.source`, best first, for keep="source".

    Example:
        >>> DedupConfig(threshold=0.9).threshold
        0.9
    """

    threshold: float = 0.8
    num_perm: int = 128
    seed: int = 1
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    passage: PassageConfig = field(default_factory=PassageConfig)
    passages: bool = True
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    find_boilerplate: bool = True
    keep: Literal["first", "longest", "newest", "source", "none"] = "first"
    date_field: str | None = None
    source_priority: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_keep(self.keep, self.date_field, self.source_priority)
        object.__setattr__(self, "source_priority", tuple(self.source_priority))
        _check_range("threshold", self.threshold, 0.0, 1.0)
        if self.threshold == 0:
            # Every pair at 0, which LSH cannot find: "0 near-duplicate clusters" over
            # "Jaccard 0.058 >= threshold 0.00 (near-duplicates)" (a new-user trial).
            msg = f"threshold must be above 0, got {self.threshold!r}{_WHERE}"
            raise ConfigError(msg)
        _check_range("num_perm", self.num_perm, 2, MAX_NUM_PERM)
        if not 0 <= self.seed < 2**32:
            msg = f"seed must be between 0 and 2**32 - 1, got {self.seed!r}"
            raise ConfigError(msg)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data (nested dicts, lists), as JSON gives it back.

        Example:
            >>> DedupConfig(keep="source", source_priority=("wiki/*",)).to_dict()["source_priority"]
            ['wiki/*']
        """
        data = asdict(self)
        data["source_priority"] = list(self.source_priority)
        data["boilerplate"]["select"] = list(self.boilerplate.select)
        data["boilerplate"]["ignore"] = list(self.boilerplate.ignore)
        return data

    def fingerprint(self) -> str:
        """A short hash of every setting that changes results; stored in every report.

        Example:
            >>> DedupConfig().fingerprint() == DedupConfig().fingerprint()
            True
        """
        return _digest(self.to_dict())

    def index_settings(self) -> dict[str, Any]:
        """The settings that change what a persistent index stores, JSON-ready.

        Shingles, signatures and band keys depend on these (the threshold and `num_perm`
        choose the document bands, the passage window settings the window bands); the
        other settings (keep rule, boilerplate, alignment limits) only act when a query
        is verified, so an index serves any of them.

        Example:
            >>> sorted(DedupConfig().index_settings()["passage"])
            ['lsh_threshold', 'min_words', 'ngram', 'num_perm', 'stride', 'window']
        """
        data = self.to_dict()
        return {
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "shingle": data["shingle"],
            "normalize": data["normalize"],
            "passages": self.passages,
            "passage": {name: data["passage"][name] for name in INDEX_PASSAGE_FIELDS},
        }

    def index_fingerprint(self) -> str:
        """A short hash of `index_settings`; an index is opened only under the same one.

        Example:
            >>> DedupConfig(keep="none").index_fingerprint() == DedupConfig().index_fingerprint()
            True
            >>> DedupConfig(threshold=0.9).index_fingerprint() == DedupConfig().index_fingerprint()
            False
        """
        return _digest(self.index_settings())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DedupConfig:
        """Build a config from `to_dict()` output (nested dicts become sub-configs)."""
        data = dict(data)
        for key, sub in SUB_CONFIGS.items():
            if isinstance(data.get(key), dict):
                data[key] = sub(**data[key])
        return cls(**data)


# Passage settings that change the stored window band keys (the rest act at query time).
INDEX_PASSAGE_FIELDS = ("ngram", "window", "stride", "num_perm", "lsh_threshold", "min_words")


def _digest(data: dict[str, Any]) -> str:
    blob = json.dumps(data, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


SUB_CONFIGS: dict[str, Any] = {
    "shingle": ShingleConfig,
    "normalize": NormalizeConfig,
    "passage": PassageConfig,
    "boilerplate": BoilerplateConfig,
}


# --------------------------------------------------------------------- settings files

SETTINGS_TABLE = "[tool.dedup]"
# Relative to the settings file.
PATH_SETTINGS = ("baseline", "against", "lexicon", "protect", "boilerplate-model")
# The PATHS of a command run without any (the dataset a pre-commit hook checks): a path or a
# list of them, relative to the settings file.
PATHS_SETTING = "paths"
# Sub-config fields that are CLI options: a file sets them at the top level, under that name.
_OPTION_FIELDS = {("boilerplate", "lexicon_file"): "lexicon",
                  ("boilerplate", "protect_file"): "protect",
                  ("boilerplate", "site_field"): "site-field",
                  ("boilerplate", "preset"): "preset",
                  ("boilerplate", "select"): "select",
                  ("boilerplate", "ignore"): "ignore",
                  ("boilerplate", "model_file"): "boilerplate-model",
                  ("boilerplate", "model_threshold"): "boilerplate-threshold"}  # fmt: skip
_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "number": ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    "integer": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "string": ("a string", lambda v: isinstance(v, str)),
}


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """Settings read from a file: `[tool.dedup]` of a pyproject.toml, or a `--config` file.

    Attributes:
        values: top-level keys, named as the CLI options (dashes), with their values;
            relative paths (`PATH_SETTINGS`) are resolved against the file's folder.
        tables: sub-config tables (`passage`, `boilerplate`, `shingle`, `normalize`):
            field name -> value.
        path: the file, or None when no file was found.
        table: "[tool.dedup]" when the keys came from that table, "" for top-level keys.
    """

    values: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    table: str = ""

    def where(self, key: str = "") -> str:
        """How a message names the file and key: `pyproject.toml: [tool.dedup] seed`."""
        return " ".join(part for part in (f"{self._file()}:", self.table, key) if part)

    def _file(self) -> str:
        """How a message names the settings file."""
        return str(_shown(self.path)) if self.path else "settings"

    def config(self) -> DedupConfig:
        """The default config with the sub-config tables applied.

        Raises:
            ConfigError: a value is of the wrong type or out of range (naming file and key).

        Example:
            >>> ProjectSettings(tables={"passage": {"min_words": 12}}).config().passage.min_words
            12
        """
        subs: dict[str, Any] = {}
        for name, values in self.tables.items():
            try:
                subs[name] = SUB_CONFIGS[name](**values)
            except ConfigError as ex:
                # The value's table, not "[tool.dedup] passage ... or in [tool.dedup]" (a
                # new-user trial looked for `ngram` in the wrong table).
                table = f"[tool.dedup.{name}]" if self.table else f"[{name}]"
                msg = f"{self._file()}: {table}: {str(ex).removesuffix(_WHERE)}"
                raise ConfigError(msg) from ex
        return DedupConfig(**subs)


def setting_sources(
    settings: ProjectSettings, option_defaults: dict[str, Any]
) -> list[tuple[str, Any, str]]:
    """Every setting as (key, resolved value, where the value came from), for `dedup config
    show`: the top-level keys (`option_defaults`: CLI option name -> its default, plus
    `paths`), then each sub-config field as `table.field`.

    Example:
        >>> s = ProjectSettings({"seed": 7}, {"passage": {"min_words": 12}}, Path("p.toml"))
        >>> rows = setting_sources(s, {"seed": 1, "threshold": 0.8})
        >>> [r for r in rows if r[0] in ("seed", "threshold", "passage.min-words")]
        [('seed', 7, 'p.toml: seed'), ('threshold', 0.8, 'default'), \
('passage.min-words', 12, 'p.toml: passage.min-words')]
    """
    rows: list[tuple[str, Any, str]] = []
    for key in sorted({*option_defaults, PATHS_SETTING}):
        if key in settings.values:
            rows.append((key, settings.values[key], settings.where(key)))
        else:
            rows.append((key, option_defaults.get(key), "default"))
    for name, config_class in SUB_CONFIGS.items():
        table = settings.tables.get(name, {})
        defaults = asdict(config_class())
        for item in fields(config_class):
            if (name, item.name) in _OPTION_FIELDS:
                continue  # set at the top level, under the option's name
            key = f"{name}.{item.name.replace('_', '-')}"
            if item.name in table:
                rows.append((key, table[item.name], settings.where(key)))
            else:
                rows.append((key, defaults[item.name], "default"))
    return rows


def check_setting(where: str, value: Any, kind: str) -> None:
    """Refuse a settings value that is not of `kind` (number, integer, bool or string).

    Example:
        >>> check_setting("pyproject.toml: [tool.dedup] seed", "five", "integer")
        Traceback (most recent call last):
        ...
        dedup.errors.ConfigError: pyproject.toml: [tool.dedup] seed: expected an integer, got 'five'
    """
    what, ok = _KINDS[kind]
    if not ok(value):
        msg = f"{where}: expected {what}, got {value!r}"
        raise ConfigError(msg)


def find_settings(start: str | Path | None = None) -> ProjectSettings:
    """`[tool.dedup]` from the first pyproject.toml holding one, walking up from `start`.

    Keys may use dashes or underscores; relative paths (`baseline`, `against`, `lexicon`,
    `protect`) are relative to the pyproject.toml.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "pyproject.toml").write_text("[tool.dedup]\\nmax_reused_ratio = 0.1\\n")
        >>> (d / "sub").mkdir()
        >>> find_settings(d / "sub").values
        {'max-reused-ratio': 0.1}
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _load_toml(candidate).get("tool", {}).get("dedup")
            if isinstance(table, dict):
                return _settings(table, candidate, SETTINGS_TABLE)
    return ProjectSettings()


def git_root(start: str | Path | None = None) -> Path | None:
    """The top folder of the git repository holding `start` (a `.git` folder or file), if any.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp()).resolve()
        >>> (d / ".git").mkdir()
        >>> (d / "data").mkdir()
        >>> git_root(d / "data") == d
        True
    """
    here = Path(start or Path.cwd()).resolve()
    return next((f for f in (here, *here.parents) if (f / ".git").exists()), None)


def project_root(start: str | Path | None = None) -> Path | None:
    """The project `start` lies in: the nearest folder above it with a pyproject.toml, else
    the git root, else None. Paths in baselines are relative to it.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp()).resolve()
        >>> _ = (d / "pyproject.toml").write_text("")
        >>> (d / "ci").mkdir()
        >>> project_root(d / "ci" / "baseline.json") == d
        True
    """
    here = Path(start or Path.cwd()).resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return git_root(here)


def read_settings(path: str | Path) -> ProjectSettings:
    """The settings of a `--config` TOML file: its `[tool.dedup]` table, else its top-level keys.

    The keys are the same either way, so a pyproject.toml can be passed as well.

    Raises:
        ConfigError: the file cannot be read or is not TOML, or a sub-config key is wrong.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "dedup.toml"
        >>> _ = p.write_text("threshold = 0.5\\n[passage]\\nmin-words = 12\\n")
        >>> s = read_settings(p)
        >>> s.values, s.tables
        ({'threshold': 0.5}, {'passage': {'min_words': 12}})
    """
    file = Path(path)
    data = _load_toml(file)
    table = data.get("tool", {}).get("dedup")
    if isinstance(table, dict):
        return _settings(table, file, SETTINGS_TABLE)
    return _settings(data, file, "")


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as ex:
        msg = f"{path}: cannot read the settings file ({ex.strerror}); check the path"
        raise ConfigError(msg) from ex
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as ex:
        msg = f"{path}: cannot read it as TOML ({ex}); fix the file"
        raise ConfigError(msg) from ex
    except RecursionError as ex:
        msg = f"{path}: cannot read it as TOML (nested too deeply); fix the file"
        raise ConfigError(msg) from ex


def _settings(table: dict[str, Any], path: Path, name: str) -> ProjectSettings:
    shown = ProjectSettings(path=path, table=name)
    values: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("_", "-")
        if key in SUB_CONFIGS and isinstance(value, dict):
            tables[key] = _sub_table(shown, key, value)
        elif key in PATH_SETTINGS and isinstance(value, str) and "://" not in value:
            values[key] = str(path.parent / value)
        elif key == PATHS_SETTING:
            values[key] = _paths_setting(shown.where(key), path.parent, value)
        else:
            values[key] = value
    return ProjectSettings(values, tables, path, name)


def _paths_setting(where: str, folder: Path, value: Any) -> list[str]:
    """`paths = "data"` or `paths = ["data", "eval.jsonl"]`, relative to `folder`, as the
    working directory would name them (so findings name `data/a.txt`, as typed)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        check_setting(where, item, "string")
    if not items:
        msg = f"{where}: expected a path or a list of paths, got []"
        raise ConfigError(msg)
    return [str(_shown(folder / item)) for item in items]


def unknown_keys_text(unknown: list[str], known: list[str]) -> str:
    """What to say of settings keys that are not known: the likely one meant for each typo
    (`threshhold` -> `threshold`), else every known key.

    Example:
        >>> unknown_keys_text(["threshhold"], ["seed", "threshold"])
        'unknown key threshhold (did you mean threshold?)'
        >>> unknown_keys_text(["colour"], ["seed", "threshold"])
        'unknown key colour; known: seed, threshold'
    """
    meant = [difflib.get_close_matches(key, known, n=1, cutoff=0.8) for key in unknown]
    keys = "key" if len(unknown) == 1 else "keys"
    if all(meant):
        guesses = ", ".join(
            f"{key} (did you mean {m[0]}?)" for key, m in zip(unknown, meant, strict=True)
        )
        return f"unknown {keys} {guesses}"
    return f"unknown {keys} {', '.join(unknown)}; known: {', '.join(known)}"


def _sub_table(shown: ProjectSettings, name: str, table: dict[str, Any]) -> dict[str, Any]:
    """A sub-config table checked key by key against the fields of its config class."""
    defaults = {f.name: f.default for f in fields(SUB_CONFIGS[name])}
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("-", "_")
        where = shown.where(f"{name}.{raw_key}")
        if (name, key) in _OPTION_FIELDS:
            msg = f"{where}: set it as `{_OPTION_FIELDS[name, key]}` at the top of the table"
            raise ConfigError(msg)
        if key not in defaults:
            known = [k for k in defaults if (name, k) not in _OPTION_FIELDS]
            msg = f"{where}: {unknown_keys_text([key], known)}"
            raise ConfigError(msg)
        check_setting(where, value, _kind(defaults[key]))
        out[key] = value
    return out


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "integer"
    return "number" if isinstance(default, float) else "string"


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it, as people typed it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
