"""The `dedup` command line: a thin click layer, one API call per command plus printing.

Every command reads its settings from `[tool.dedup]` of the nearest pyproject.toml, or from
the TOML file given with `--config`; options given on the command line override them.
Exit codes: 0 success, 1 the data failed a check, 2 usage or input error, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial, wraps
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import click
from click.exceptions import NoArgsIsHelpError

from dedup.annotate import ANNOTATE_CHOICES
from dedup.api import compare as api_compare
from dedup.api import scan as api_scan
from dedup.baseline import Baseline, baseline_text, pruned_text, read_baseline, stale_line
from dedup.boilerplate import detect_boilerplate, line_labels, train_model
from dedup.check import Limits
from dedup.check import check as api_check
from dedup.clean import CHECKPOINT_FILE
from dedup.clean import clean as api_clean
from dedup.config import (
    MAX_NUM_PERM,
    PATHS_SETTING,
    PRESETS,
    SUB_CONFIGS,
    DedupConfig,
    PassageConfig,
    ProjectSettings,
    check_setting,
    find_settings,
    read_settings,
    setting_sources,
    unknown_keys_text,
    unknown_rules_text,
)
from dedup.document import Document, TextsById
from dedup.engines.spark import scan_files as spark_scan
from dedup.engines.spark import scan_report
from dedup.engines.spark_clean import clean_spark
from dedup.errors import ConfigError, DedupError, first_line
from dedup.htmlreport import read_check, render_html, require_jinja
from dedup.io.atomic import is_stream, unwritable_folder, write_atomic
from dedup.io.formats import json_value
from dedup.io.readers import (
    DocumentReader,
    SkippedRecord,
    passed_over_note,
    require_codec,
    require_documents,
)
from dedup.parallel import resolve_jobs
from dedup.passages import default_memory_limit, peak_memory
from dedup.progress import activity, progress_enabled, track
from dedup.render import (
    CHECK_FORMATS,
    QUERY_FORMATS,
    REPORT_FORMATS,
    TOP_BOILERPLATE,
    check_verdicts,
    clean_line,
    clean_summary,
    render_check,
    render_query,
    render_report,
    scan_summary,
)
from dedup.report import EXCERPT_CHARS, PASSAGE_TEXTS, DocumentInfo, Report, Span, amount
from dedup.rulebook import RULE_DOCS, explain_rule
from dedup.spill import memory_limit as parse_memory_limit
from dedup.spill import size_text
from dedup.store import Index

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
# Options that name this run's outputs or inputs, not settings: never read from a file.
NOT_SETTINGS = frozenset(
    {"output", "write-baseline", "prune-baseline", "report", "config", "help", "version"}
)
_BASE_CONFIG = "dedup.base_config"  # ctx.meta key: the config the settings file's tables give
_SETTINGS = "dedup.settings"  # ctx.meta key: the ProjectSettings read


class CLIInputError(click.ClickException):
    """A usage or input error: one line on stderr, exit code 2."""

    exit_code = 2


class RunOption(click.Option):
    """An option of one run only (a training knob), never read from a settings file.

    `dedup boilerplate train --threshold` is the model's threshold, not the document
    Jaccard threshold that `threshold` in `[tool.dedup]` sets.
    """


class _Commands(click.Group):
    """The command group: a library error any command lets through is still one line,
    exit 2 (commands catch their own with `_user_errors`; this is the backstop), and so is
    a usage error (click prints the usage, a hint and the error on four lines). Ctrl-C is
    `Interrupted.` and exit 130 (click's "Aborted!" exits 1, which means a failed check)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _interrupted(), _one_line_usage():  # the group's own arguments ("dedup scna")
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _interrupted(), _terminated_as_interrupted(), _one_line_usage():
            try:
                return super().invoke(ctx)
            except DedupError as ex:
                raise CLIInputError(str(ex)) from ex


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's exception would be, so that it unwinds the same way."""


@contextmanager
def _interrupted() -> Iterator[None]:
    """Ctrl-C: one line on stderr and exit 130 (SIGTERM: `Terminated.`, 143); an output
    being written is left as it was (`write_atomic` renames a finished temporary file only)."""
    try:
        yield
    except Terminated:
        click.echo("Terminated.", err=True)
        raise click.exceptions.Exit(EXIT_TERMINATED) from None
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """While a command runs, SIGTERM (a CI timeout, `docker stop`, `timeout`) raises
    `Terminated`: Python's default ends the process at once, so a spilled scan left its
    folder of word hashes and window pairs (gigabytes at scale) in --tmp-dir, and a pool's
    workers were not stopped. A forked worker that gets it still dies as SIGTERM asks."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    owner = os.getpid()

    def terminated(signum: int, _frame: object) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated

    before = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextmanager
def _one_line_usage() -> Iterator[None]:
    """A usage error as one line that names where the help is; a group named alone
    (`dedup`, `dedup index`) still shows its help, as click does."""
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except click.UsageError as ex:
        where = ex.ctx.command_path if ex.ctx is not None else "dedup"
        msg = ex.format_message().rstrip(".")
        # "Did you mean 'scan'?" ends a sentence of its own: "?; see" would read badly.
        joined = (
            f"{msg} See `{where} --help`" if msg.endswith("?") else f"{msg}; see `{where} --help`"
        )
        raise CLIInputError(joined) from ex


@click.group(cls=_Commands, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="dedup")
def cli() -> None:
    """Find reused passages, near-duplicates and boilerplate in text corpora, with evidence.

    Settings: [tool.dedup] of the nearest pyproject.toml, or --config FILE; options override.
    Exit codes: 0 success, 1 the data failed a check, 2 usage or input error, 130 interrupted,
    143 terminated.
    """


@contextmanager
def _user_errors() -> Iterator[None]:
    """A library error becomes one line on stderr and exit code 2."""
    try:
        yield
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex


# --------------------------------------------------------------------- settings


def _load_settings(ctx: click.Context, _param: click.Parameter, path: str | None) -> None:
    """Make the settings file the defaults of this command's options (they still override)."""
    with _user_errors():
        settings = read_settings(path) if path else find_settings()
        ctx.default_map = _defaults(ctx.command, settings)
        ctx.meta[_BASE_CONFIG] = settings.config()
        ctx.meta[_SETTINGS] = settings


def _defaults(command: click.Command, settings: ProjectSettings) -> dict[str, Any]:
    """The settings as click defaults of `command`: parameter name -> checked value.

    Every key must be an option of some command, with a value of that option's type; a key
    applies to each command that has the option and accepts the value (`format = "github"`
    is for `check`, and `scan` keeps its own default).
    """
    known = _setting_options(cli)
    unknown = sorted(set(settings.values) - set(known) - {PATHS_SETTING})
    if unknown:
        # A misspelled table ([tool.dedup.pasage]) is a key too: offer the tables as well.
        keys = sorted([*known, *SUB_CONFIGS])
        msg = f"{settings.where()} {unknown_keys_text(unknown, keys)}"
        raise ConfigError(msg)
    mine = _setting_options(command)
    out: dict[str, Any] = {}
    for key, value in settings.values.items():
        if key == PATHS_SETTING:
            if any(p.name == PATHS_SETTING for p in command.params):
                out[PATHS_SETTING] = tuple(value)
            continue
        checked = _setting_value(settings.where(key), known[key], value)
        for option in mine.get(key, []):
            if not isinstance(option.type, click.Choice) or checked in option.type.choices:
                out[str(option.name)] = checked
    return out


def _setting_options(command: click.Command) -> dict[str, list[click.Option]]:
    """Long option name (no leading dashes) -> the options of that name in `command`, or in
    every command of a group."""
    found: dict[str, list[click.Option]] = {}
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            for key, options in _setting_options(sub).items():
                found.setdefault(key, []).extend(options)
        return found
    for param in command.params:
        if isinstance(param, click.Option) and not isinstance(param, RunOption):
            for name in param.opts:
                if name.startswith("--") and name[2:] not in NOT_SETTINGS:
                    found[name[2:]] = [param]
    return found


def _setting_value(where: str, options: Sequence[click.Option], value: Any) -> Any:
    """`value` checked against the type of `options`; a list of globs joins with commas.

    A repeatable option (`--select`) takes a list of strings or one string.
    """
    option = options[0]
    if option.name == "source_priority" and isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if option.multiple:
        items = value if isinstance(value, list) else [value]
        for item in items:
            check_setting(where, item, "string")
        _check_setting_value(where, str(option.name), items)
        return items
    if option.is_flag:
        kind = "bool"
    elif isinstance(option.type, click.types.FloatParamType):
        kind = "number"
    elif isinstance(option.type, click.types.IntParamType):
        kind = "integer"
    else:
        kind = "string"
    check_setting(where, value, kind)
    choices = {str(c): None for o in options if isinstance(o.type, click.Choice)
               for c in o.type.choices}  # fmt: skip
    if choices and value not in choices:
        msg = f"{where}: expected one of {', '.join(choices)}, got {value!r}"
        raise ConfigError(msg)
    _check_setting_value(where, str(option.name), value)
    return value


def _ratio(value: float) -> None:
    if not 0 <= value <= 1:
        msg = f"expected a number between 0 and 1, got {value!r}"
        raise ConfigError(msg)


def _workers(value: int) -> None:
    if value < 0:
        msg = f"expected 0 (all cores) or a positive number of workers, got {value!r}"
        raise ConfigError(msg)


def _permutations(value: int) -> None:
    if not 2 <= value <= MAX_NUM_PERM:
        msg = f"expected an integer between 2 and {MAX_NUM_PERM}, got {value!r}"
        raise ConfigError(msg)


def _rules(value: list[str]) -> None:
    names = [n.strip() for item in value for n in item.split(",")]
    unknown = unknown_rules_text([n for n in names if n])
    if unknown:
        raise ConfigError(unknown)


# Settings whose range an option checks only once the command runs, in words that name the
# option: a file's value is checked as it is read, so the message names the file and key (a
# new-user trial: `jobs = -3` in pyproject.toml said "--jobs must be ...", an option never
# given, and `memory-limit = "lots"` "Invalid value for '--memory-limit'").
_SETTING_CHECKS: dict[str, Callable[[Any], object]] = {
    "threshold": _ratio,
    "max_duplicate_ratio": _ratio,
    "max_boilerplate_ratio": _ratio,
    "max_reused_ratio": _ratio,
    "jobs": _workers,
    "num_perm": _permutations,
    "memory_limit": parse_memory_limit,
    "select": _rules,
    "ignore": _rules,
}


def _check_setting_value(where: str, name: str, value: Any) -> None:
    """Refuse a settings value out of its option's range, naming the file and key.

    Example:
        >>> _check_setting_value("pyproject.toml: [tool.dedup] jobs", "jobs", -3)
        Traceback (most recent call last):
        ...
        dedup.errors.ConfigError: pyproject.toml: [tool.dedup] jobs: expected 0 (all cores) \
or a positive number of workers, got -3
    """
    check = _SETTING_CHECKS.get(name)
    if check is None:
        return
    try:
        check(value)
    except ConfigError as ex:
        msg = f"{where}: {ex}"
        raise ConfigError(msg) from ex


# --------------------------------------------------------------------- shared options


def _keep_encoding(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """Keep --encoding for the readers, checked now: JSONL and CSV inputs never look it up,
    and a typo must not pass silently there."""
    with _user_errors():
        require_codec(value)
    ctx.meta[ENCODING_KEY] = value
    return value


def input_options(func: F) -> F:
    """--text-field, --id-field, --strict and --encoding: how records are read."""
    func = click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        expose_value=False,
        callback=_keep_encoding,
        help="Encoding of text files: a codec (cp1252, latin-1, ...) or auto (UTF-8 when "
        "valid, else detected; kept in the document's meta).",
    )(func)
    func = click.option(
        "--strict", is_flag=True, help="Stop at the first bad record instead of skipping it."
    )(func)
    func = click.option(
        "--id-field",
        default=None,
        help="Field/column with the document id [default: path:LINE, path:ROW for CSV/Parquet].",
    )(func)
    return click.option(
        "--text-field", default="text", show_default=True, help="Field/column with the text."
    )(func)


def quiet_option(func: F) -> F:
    """-q/--quiet: no progress line, no skipped-record lines, no summary table on stderr."""
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress, skipped-record lines or summary."
    )(func)


def passage_text_option(func: F) -> F:
    """--passage-text excerpt|full|none: how much of each passage's text a JSON report holds."""
    return click.option(
        "--passage-text",
        type=click.Choice(list(PASSAGE_TEXTS)),
        default="excerpt",
        show_default=True,
        help=f"How much of each passage's text --format json holds: its first {EXCERPT_CHARS} "
        "characters (text_cut: true when cut), all of it, or none (the offsets and the inputs "
        "say it).",
    )(func)


def settings_option(func: F) -> F:
    """--config FILE: the settings file whose values become the options' defaults."""
    return click.option(
        "--config",
        type=click.Path(dir_okay=False),
        is_eager=True,
        expose_value=False,
        callback=_load_settings,
        help="TOML settings file: a [tool.dedup] table, or the same keys at its top level "
        "[default: [tool.dedup] of the nearest pyproject.toml]. Options override it.",
    )(func)


def _base_config() -> DedupConfig:
    """The config the settings file's sub-config tables give (the default without a file)."""
    base = click.get_current_context().meta.get(_BASE_CONFIG)
    return base if isinstance(base, DedupConfig) else DedupConfig()


# The report's caps: CLI parameter -> (`PassageConfig` field, what the option does).
_PASSAGE_CAPS = {
    "max_passages_per_pair": (
        "max_per_pair",
        "Most passages reported per document pair, the longest first; the rest are counted "
        "(passages_left_out).",
    ),
    "max_passages_per_doc": (
        "max_per_doc",
        "Most passages reported per document, the longest first; its reused share still "
        "counts them all (passages_left_out).",
    ),
    "max_partners": (
        "max_partners",
        "Most documents one document is aligned against, those sharing the most candidate "
        "windows first; the other candidate pairs are counted (pairs_left_out).",
    ),
}


def _cap_option(param: str) -> Callable[[F], F]:
    """One cap of `_PASSAGE_CAPS` as an option (unset: the settings file's or the default)."""
    field, text = _PASSAGE_CAPS[param]
    default = getattr(PassageConfig(), field)
    return click.option(
        "--" + param.replace("_", "-"),
        param,
        type=click.IntRange(min=0),
        default=None,
        help=f"{text} 0: no cap.  [default: {default}]",
    )


def config_options(func: F) -> F:
    """--config, --threshold, --num-perm, --seed, --no-passages, --keep...: `config`."""

    @settings_option
    @click.option(
        "--threshold",
        type=click.FloatRange(0.0, 1.0, min_open=True),  # a bad value names the option
        default=0.8,
        show_default=True,
        help="Document Jaccard at or above which two documents are near-duplicates.",
    )
    @click.option(
        "--num-perm",
        type=click.IntRange(2, MAX_NUM_PERM),
        default=128,
        show_default=True,
        help="MinHash size.",
    )
    @click.option(
        "--seed",
        type=click.IntRange(0, 2**32 - 1),
        default=1,
        show_default=True,
        help="MinHash seed.",
    )
    @click.option("--no-passages", is_flag=True, help="Skip the search for reused passages.")
    @click.option(
        "--boilerplate-passages/--no-boilerplate-passages",
        default=None,
        help="Also report passages made of boilerplate lines (a footer two sites share), "
        "left out of passages, pairs and reuse by default.  [default: no]",
    )
    @_cap_option("max_passages_per_pair")
    @_cap_option("max_passages_per_doc")
    @_cap_option("max_partners")
    @click.option(
        "--keep",
        type=click.Choice(["first", "longest", "newest", "source", "none"]),
        default="first",
        show_default=True,
        help="Which copy of a near-duplicate cluster is kept (none: drop every copy).",
    )
    @click.option(
        "--date-field",
        default=None,
        help="Field with the date, ISO 8601 or seconds since 1970 (--keep newest).",
    )
    @click.option(
        "--source-priority",
        default="",
        help="Comma-separated glob patterns over document sources, best first (--keep source).",
    )
    @wraps(func)
    def wrapper(
        *args: Any,
        threshold: float,
        num_perm: int,
        seed: int,
        no_passages: bool,
        keep: Literal["first", "longest", "newest", "source", "none"],  # a click.Choice
        date_field: str | None,
        source_priority: str,
        **kwargs: Any,
    ) -> Any:
        with _user_errors():
            base = _base_config()
            caps = {field: kwargs.pop(param) for param, (field, _) in _PASSAGE_CAPS.items()}
            given: dict[str, Any] = {k: v for k, v in caps.items() if v is not None}
            shown = kwargs.pop("boilerplate_passages")  # None: the passage table's
            if shown and no_passages:  # a flag that would do nothing (a new-user trial)
                msg = "--boilerplate-passages needs the passage search; drop --no-passages"
                raise ConfigError(msg)
            if shown is not None:
                given["boilerplate"] = shown
            if given:
                base = replace(base, passage=replace(base.passage, **given))
            config = replace(
                base,
                threshold=threshold,
                num_perm=num_perm,
                seed=seed,
                passages=not no_passages,
                keep=keep,
                date_field=date_field,
                source_priority=tuple(p for p in source_priority.split(",") if p),
            )
        return func(*args, config=config, **kwargs)

    return wrapper  # type: ignore[return-value]


def boilerplate_options(func: F) -> F:
    """--lexicon, --protect, --site-field, --preset, --select, --ignore, --boilerplate-model,
    --boilerplate-threshold: boilerplate settings on `config`.

    The last five override the settings file only when given, so a `[tool.dedup.boilerplate]`
    table's `preset` (say) holds unless the command line names another.
    """

    @click.option(
        "--lexicon",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Extra boilerplate phrases, one a line ('phrase ...' = line start, '!phrase' drops).",
    )
    @click.option(
        "--protect",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Phrases, one a line, whose lines are never reported as boilerplate.",
    )
    @click.option(
        "--site-field",
        default=None,
        help="Metadata field naming the site, or a URL whose host is it (per-site line counts).",
    )
    @click.option(
        "--preset",
        type=click.Choice(PRESETS),
        default=None,
        help="Which boilerplate detectors report: news (the line model and marker rules), web "
        "(the model at a lower threshold, for whole-page text), docs (exact lexicon and "
        "site-repeated lines only), rules (the hand-written rules alone) [default: news].",
    )
    @click.option(
        "--select",
        multiple=True,
        metavar="RULE[,RULE...]",
        help="Report only these boilerplate rules (repeatable); `dedup boilerplate explain` "
        "lists them [default: the preset's].",
    )
    @click.option(
        "--ignore",
        multiple=True,
        metavar="RULE[,RULE...]",
        help="Never report these boilerplate rules (repeatable).",
    )
    @click.option(
        "--boilerplate-model",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="A line model from `dedup boilerplate train` [default: the built-in one].",
    )
    @click.option(
        "--boilerplate-threshold",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        help="Posterior (0-1) at or above which the line model reports a line "
        "[default: the model's own].",
    )
    @wraps(func)
    def wrapper(
        *args: Any,
        config: DedupConfig,
        lexicon: str | None,
        protect: str | None,
        site_field: str | None,
        preset: str | None,
        select: tuple[str, ...],
        ignore: tuple[str, ...],
        boilerplate_model: str | None,
        boilerplate_threshold: float | None,
        **kwargs: Any,
    ) -> Any:
        given: dict[str, Any] = {
            "preset": preset,
            "select": _rule_names(select),
            "ignore": _rule_names(ignore),
            "model_file": boilerplate_model,
            "model_threshold": boilerplate_threshold,
        }
        with _user_errors():
            boilerplate = replace(
                config.boilerplate,
                lexicon_file=lexicon,
                protect_file=protect,
                site_field=site_field,
                **{name: value for name, value in given.items() if value is not None},
            )
        return func(*args, config=replace(config, boilerplate=boilerplate), **kwargs)

    return wrapper  # type: ignore[return-value]


def _rule_names(values: Sequence[str]) -> tuple[str, ...] | None:
    """`--select a,b --select c` -> ("a", "b", "c"); None when the option was not given.

    Example:
        >>> _rule_names(["lexicon, counter", "copyright"])
        ('lexicon', 'counter', 'copyright')
    """
    names = tuple(n.strip() for value in values for n in value.split(",") if n.strip())
    return names or None


def no_boilerplate_option(func: F) -> F:
    """--no-boilerplate: `config.find_boilerplate` off."""

    @click.option("--no-boilerplate", is_flag=True, help="Skip the search for boilerplate lines.")
    @wraps(func)
    def wrapper(*args: Any, config: DedupConfig, no_boilerplate: bool, **kwargs: Any) -> Any:
        return func(*args, config=replace(config, find_boilerplate=not no_boilerplate), **kwargs)

    return wrapper  # type: ignore[return-value]


def jobs_option(func: F) -> F:
    """--jobs N: worker processes (0 = every core); results never depend on it. Checked as
    the option is read, so a typo costs no reading of the corpus."""
    return click.option(
        "--jobs",
        type=int,
        default=0,
        show_default=True,
        callback=_checked_jobs,
        help="Worker processes; 0 uses every core. Output is identical for any N.",
    )(func)


def _checked_jobs(ctx: click.Context, param: click.Parameter, jobs: int) -> int:
    with _user_errors():
        resolve_jobs(jobs)
    return jobs


def memory_options(func: F) -> F:
    """--memory-limit and --tmp-dir: when and where a passage scan spills to disk."""
    func = click.option(
        "--tmp-dir",
        type=click.Path(file_okay=False),
        default=None,
        callback=_checked_tmp_dir,
        help="Folder for a spilled passage scan's temporary files (default: TMPDIR; made "
        "if missing, and kept): they go in a dedup-spill-* folder of it, removed after.",
    )(func)
    return click.option(
        "--memory-limit",
        default="auto",
        show_default=True,
        callback=_checked_memory_limit,
        help="Memory a passage scan may take before it runs in parts on disk, with the "
        "same result: 16GB, 500MB, auto (half of this machine's) or 0 (never spill).",
    )(func)


def _checked_memory_limit(ctx: click.Context, param: click.Parameter, value: str) -> int | None:
    try:
        return parse_memory_limit(value)
    except ConfigError as ex:
        raise click.BadParameter(str(ex), ctx=ctx, param=param) from ex


def _checked_tmp_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Probe --tmp-dir before any reading: a scan spills only after its corpus is read and
    its near-duplicates found, hours into a large run, which is too late to learn of a typo."""
    problem = None if value is None else unwritable_folder(value)
    if problem:
        msg = f"cannot write there ({problem})"
        raise click.BadParameter(msg, ctx=ctx, param=param)
    return value


def engine_options(func: F) -> F:
    """--engine local|spark and --spark-master: where the scan runs."""

    @click.option(
        "--engine",
        type=click.Choice(["local", "spark"]),
        default="local",
        show_default=True,
        help="Where the scan runs: here, or on Apache Spark (pip install -e '.[spark]'): "
        "near-duplicates, passages and boilerplate; clean writes part files from the "
        "executors (README); check measures here.",
    )
    @click.option(
        "--spark-master",
        default="local[*]",
        show_default=True,
        help="The Spark master with --engine spark (local[N], spark://HOST:7077, yarn, ...).",
    )
    @wraps(func)
    def wrapper(*args: Any, engine: str, spark_master: str, **kwargs: Any) -> Any:
        return func(*args, engine=Engine(engine, spark_master), **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Engine:
    """Where a command scans: `local`, or `spark` on `master`."""

    name: str = "local"
    master: str = "local[*]"

    def on_spark(
        self,
        find: Callable[..., T],
        paths: Sequence[str],
        text_field: str,
        id_field: str | None,
        strict: bool,
    ) -> Callable[[DedupConfig], T] | None:
        """`find` (`scan_report`) of `paths` ready to run on Spark with this command's
        input options, given its settings (None: the local scan finds it all)."""
        if self.name != "spark":
            return None
        # allow_empty: the local read already refused an empty corpus
        return partial(find, paths, **self.spark_options(text_field, id_field, strict, True))

    def spark_options(
        self, text_field: str, id_field: str | None, strict: bool, allow_empty: bool
    ) -> dict[str, Any]:
        """The input options and master of a Spark engine call (`scan_files`, `clean_spark`)."""
        return {
            "text_field": text_field,
            "id_field": id_field,
            "strict": strict,
            "encoding": _encoding(),
            "allow_empty": allow_empty,
            "master": self.master,
        }


# The format an -o file's suffix asks for when --format is not given: `-o report.json`
# writing text would fail whoever reads the file next.
SUFFIX_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".sarif": "sarif",
    ".xml": "junit",
}


def output_format(
    fmt: str | None, output: str | None, formats: Sequence[str], default: str = "text"
) -> str:
    """--format as given, else the one the -o suffix names, else `default`.

    A suffix naming a format the command does not write is an error, not text: `dedup scan
    -o findings.sarif` once wrote the text report into a file code scanning then rejected.

    Raises:
        CLIInputError: the -o suffix names a format the command does not write.

    Example:
        >>> output_format(None, "out/report.JSON", ["text", "json"])
        'json'
        >>> output_format("text", "report.xml", ["text", "json"])
        'text'
        >>> output_format(None, "report.txt", ["text", "json"])
        'text'
        >>> pages = ["html", "text"]
        >>> output_format(None, "r.TXT", pages, "html"), output_format(None, None, pages, "html")
        ('text', 'html')
    """
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output else ""
    inferred = SUFFIX_FORMATS.get(suffix, default)
    if inferred not in formats:
        msg = (
            f"-o {output}: the suffix {suffix} names {inferred}, which this command does not "
            f"write ({', '.join(formats)}); pass --format, or choose another file name"
        )
        raise CLIInputError(msg)
    return inferred


PAGE_FORMATS = ["html", "text"]  # what `dedup report` writes: html unless -o names .txt


def output_options(formats: Sequence[str], help_text: str) -> Callable[[F], F]:
    """--format (one of `formats`; by default what the -o suffix names, else text) and -o."""

    def decorate(func: F) -> F:
        @wraps(func)
        def run(*args: Any, fmt: str | None, output: str | None, **kwargs: Any) -> Any:
            output = None if output == "-" else output  # `-o -`: standard output, as inputs
            fmt = output_format(fmt, output, formats)
            if fmt == "html":
                with _user_errors():
                    require_jinja()
            return func(*args, fmt=fmt, output=output, **kwargs)

        wrapped = click.option(
            "-o",
            "--output",
            default=None,
            help="Write the output to this file (atomically); - is standard output.",
        )(run)
        return cast(
            F,
            click.option(
                "--format",
                "fmt",
                type=click.Choice(list(formats)),
                default=None,
                help=f"{help_text} [default: from the -o suffix (.json, .html, ...), else text]",
            )(wrapped),
        )

    return decorate


def _refuse_input(output: str | None, inputs: Sequence[str], option: str = "-o") -> None:
    """An output file that is one of the inputs would destroy it, a directory cannot be
    written as a file, and a folder where no file can be made fails the run at its end:
    refuse all three, before any work."""
    if not output or "://" in output:
        return
    if os.path.isdir(output) or output.endswith(("/", os.sep)):
        # "newdir/" names a folder even before it exists: writing a file "newdir" there
        # would surprise (a new-user trial), as would the "adir//out" it once suggested.
        what = "is a directory" if os.path.isdir(output) else "names a folder"
        folder = output.rstrip("/" + os.sep) or output
        msg = f"{option} {output} {what}; give a file name in it, e.g. {folder}/out"
        raise CLIInputError(msg)
    _require_writable(output, option)
    target = os.path.realpath(output)
    for name in inputs:
        if name != "-" and os.path.realpath(name) == target:
            msg = f"{option} {output} is also an input; write the output somewhere else"
            raise CLIInputError(msg)


def _refuse_dash(output: str, what: str, instead: str) -> None:
    """`-o -` is standard output where the output is a page or a report
    (`output_options`); a cleaned corpus, an index or a model is no stream, and `-o -`
    quietly made a folder or file named "-" (a new-user trial): refuse it, saying what to
    give instead."""
    if output == "-":
        msg = f"-o -: {what}, not to standard output; {instead}"
        raise CLIInputError(msg)


def _require_writable(output: str, option: str) -> None:
    """Make (and delete) a file where `output` will go, or in the nearest folder that exists
    above it (missing folders are created at the end): /proc, a read-only mount or a path
    through a file fails now, not after an hour's scan. A stream (`-o /dev/stdout`) is
    written in place: its folder need not be writable."""
    if is_stream(output):
        return
    problem = unwritable_folder(Path(output).absolute().parent)
    if problem:
        msg = f"{option}: cannot write {output} ({problem}); check the path"
        raise CLIInputError(msg)


def _output(text: str, output: str | None) -> None:
    """Write `text` to the -o file (atomically), or print it."""
    if output:
        with _user_errors():
            write_atomic(output, text)
    else:
        click.echo(text, nl=False)


def allow_empty_option(func: F) -> F:
    """--allow-empty: succeed when no document is read (by default an input error)."""
    return click.option(
        "--allow-empty",
        is_flag=True,
        help="Go on when no document is read (by default that is an input error, exit 2).",
    )(func)


def _require_documents(
    docs: Sequence[Document],
    skipped: Sequence[SkippedRecord],
    paths: Sequence[str],
    allow: bool,
) -> None:
    """No document read is an error: a misspelled --text-field skips every record."""
    ctx = click.get_current_context(silent=True)
    passed = ctx.meta.get(PASSED_OVER_KEY, []) if ctx is not None else []
    with _user_errors():
        require_documents(len(docs), skipped, paths, allow_empty=allow, passed_over=passed)


ENCODING_KEY = "dedup.encoding"
PASSED_OVER_KEY = "dedup.passed_over"  # the files the last read passed over, for its error


def _encoding() -> str:
    """The --encoding of the running command (utf-8 outside a command)."""
    ctx = click.get_current_context(silent=True)
    return str(ctx.meta.get(ENCODING_KEY, "utf-8")) if ctx is not None else "utf-8"


def _said(quiet: bool, message: str) -> None:
    """What a command did, one line on stderr, unless -q."""
    if not quiet:
        click.echo(message, err=True)


def _read(
    paths: Sequence[str], text_field: str, id_field: str | None, strict: bool, *, quiet: bool
) -> list[Document]:
    """The documents of `paths`; none read is an error (a query or an add that read nothing
    must not look like a clean pass: a new-user trial)."""
    docs, skipped = _read_counted(paths, text_field, id_field, strict, quiet=quiet)
    _require_documents(docs, skipped, paths, False)
    return list(docs)


def _read_counted(
    paths: Sequence[str],
    text_field: str,
    id_field: str | None,
    strict: bool,
    *,
    quiet: bool = False,
    jobs: int = 1,
    lazy: DedupConfig | None = None,
) -> tuple[Sequence[Document], list[SkippedRecord]]:
    """The documents of `paths` and the bad records skipped.

    With `jobs` other than 1, JSONL files are parsed by that many processes (0: one per
    core); with `lazy` too, local uncompressed JSONL files come back as a `JsonlCorpus`
    whose texts stay in the files until a worker asks for one, signed with the settings
    `lazy` while they are parsed.
    """
    with _user_errors():
        reader = DocumentReader(
            text_field=text_field,
            id_field=id_field,
            strict=strict,
            encoding=_encoding(),
            jobs=resolve_jobs(jobs),
        )
        corpus = reader.jsonl_corpus(paths, sign=lazy) if lazy else None
        docs: Sequence[Document] = (
            corpus
            if corpus is not None
            else list(track(reader.read(paths), "reading", enabled=progress_enabled(quiet=quiet)))
        )
        read_any = len(docs) > 0  # a lazy corpus indexes its files here: errors are the user's
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[PASSED_OVER_KEY] = reader.passed_over
    if not quiet:
        # With nothing read, the error that follows names the reason once: the first 20
        # records skipped for the same misspelled field would only bury it.
        if read_any:
            _list_skipped([(s.source, s.reason) for s in reader.skipped])
        _note(passed_over_note(reader.passed_over))
    return docs, reader.skipped


def skip_line(source: str, reason: str) -> str:
    """`source: reason`, or `source reason` for a reason that reads on from its subject.

    Example:
        >>> skip_line("a.txt", "is not valid UTF-8 (byte 3)"), skip_line("f.jsonl:2", "not JSON")
        ('a.txt is not valid UTF-8 (byte 3)', 'f.jsonl:2: not JSON')
    """
    return f"{source} {reason}" if reason.startswith(("is ", "has ")) else f"{source}: {reason}"


SHOWN_SKIPPED = 20  # skipped records named on stderr; a misspelled field skips them all


def _list_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    """Name the first skipped records on stderr, and count the rest in one line."""
    for source, reason in skipped[:SHOWN_SKIPPED]:
        click.echo(f"skipped {skip_line(source, reason)}", err=True)
    if len(skipped) > SHOWN_SKIPPED:
        more = len(skipped) - SHOWN_SKIPPED
        click.echo(
            f"skipped {amount(more, 'more record')} (the summary counts them; "
            "`dedup clean` writes each to rejects.jsonl with its reason)",
            err=True,
        )


def _note(line: str) -> None:
    if line:
        click.echo(line, err=True)


def _announce_spill(
    docs: Sequence[Document], config: DedupConfig, limit: int | None, quiet: bool
) -> None:
    """One line on stderr (unless -q) before a passage scan that will run on disk: past
    `limit` bytes (None: `default_memory_limit`), `find_reuse` spills (same result, slower)."""
    limit = default_memory_limit() if limit is None else limit
    need = peak_memory(docs) if config.passages else 0
    if limit and need > limit:
        _said(
            quiet,
            f"note: finding passages in {amount(len(docs), 'document')} needs about "
            f"{size_text(need)} of memory in one piece, over --memory-limit "
            f"{size_text(limit)}: it runs in parts on disk (--tmp-dir), with the same "
            "result; --no-passages finds near-duplicates and boilerplate only",
        )


# --------------------------------------------------------------------- compare, scan, clean


@cli.command()
@click.argument("a", type=click.Path(dir_okay=False, allow_dash=False))
@click.argument("b", type=click.Path(dir_okay=False, allow_dash=False))
@input_options
@config_options
@boilerplate_options
@no_boilerplate_option
@output_options(
    REPORT_FORMATS,
    "text for people, json for the dedup.report/3 contract, html for one page to read "
    "(use with -o).",
)
@passage_text_option
@quiet_option
def compare(
    a: str,
    b: str,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    fmt: str,
    output: str | None,
    passage_text: str,
    quiet: bool,
) -> None:
    """Show the passages two documents share, side by side, with exact spans.

    A and B are text files (one document each) or JSONL files holding one record each.

    Example:

    \b
        dedup compare samples/000_4ff9758f249b83b0.txt samples/004_35cd667b6f9468cb.txt
    """
    _refuse_input(output, [a, b])
    docs, skipped = _read_counted([a, b], text_field, id_field, strict, quiet=quiet)
    _require_documents(docs, skipped, [a, b], False)  # the skip reason, not "got 0"
    if len(docs) != 2:
        # Under -q the skip lines are silent: "got 1" alone hid 407 records of a wrong field.
        first = skipped[0] if skipped else None
        said = skip_line(first.source, first.reason) if first else ""
        bad = f" and skipped {amount(len(skipped), 'bad record')} ({said})" if first else ""
        msg = (
            f"compare takes exactly two documents, got {len(docs)}{bad}; "
            "use `dedup scan` for a corpus"
        )
        raise CLIInputError(msg)
    with _user_errors():
        report = api_compare(docs[0], docs[1], config)
    texts = {d.id: d.text for d in docs}
    _output(render_report(report, fmt, texts=texts, passage_text=passage_text), output)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@boilerplate_options
@no_boilerplate_option
@jobs_option
@engine_options
@output_options(
    REPORT_FORMATS,
    "text for people, json for the dedup.report/3 contract, html for one page to read "
    "(use with -o).",
)
@passage_text_option
@quiet_option
@allow_empty_option
@memory_options
def scan(
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    jobs: int,
    memory_limit: int | None,
    tmp_dir: str | None,
    engine: Engine,
    fmt: str,
    output: str | None,
    passage_text: str,
    quiet: bool,
    allow_empty: bool,
) -> None:
    """Find the passages shared by any two documents of a corpus.

    PATHS are text files (.txt, .md, .rst), JSON Lines (.jsonl, .ndjson, .json), CSV/TSV,
    Parquet, each maybe compressed (.gz, .zst, .xz, .bz2), directories (every such file
    under them), globs and URLs; `-` reads JSON Lines from standard input.

    Example:

    \b
        dedup scan samples/ --format json -o report.json
        dedup scan corpus/ --no-passages --no-boilerplate --engine spark
    """
    start = time.monotonic()
    _refuse_input(output, paths)
    if engine.name == "spark":
        # The whole scan on Spark, no document held here (but for an html page, which
        # shows the texts of what it lists).
        with _user_errors():
            options = engine.spark_options(text_field, id_field, strict, allow_empty)
            result = spark_scan(paths, config, **options)
        texts: Mapping[str, str] | None = None
        if fmt == "html":
            docs, _ = _read_counted(paths, text_field, id_field, strict, quiet=True, jobs=jobs)
            texts = TextsById(docs)
        elif fmt == "text":
            texts = _shown_texts(result.report, paths, text_field, id_field)
        page = render_report(
            result.report, fmt, texts=texts, jobs=resolve_jobs(jobs), passage_text=passage_text
        )
        _output(page, output)
        if not quiet:
            _list_skipped([(s.source, s.reason) for s in result.skipped])
            _note(passed_over_note(result.passed_over))
            took = time.monotonic() - start
            counts = result.report.summary()
            click.echo(scan_summary(counts, len(result.skipped), took).render(), err=True)
        return
    # A documents-only scan of local JSONL: read by the workers, signed as it is parsed,
    # the texts left in the files (passages and boilerplate read every text in this process).
    documents_only = not (config.passages or config.find_boilerplate)
    lazy = config if documents_only else None
    docs, skipped = _read_counted(
        paths, text_field, id_field, strict, quiet=quiet, jobs=jobs, lazy=lazy
    )
    _require_documents(docs, skipped, paths, allow_empty)
    _announce_spill(docs, config, memory_limit, quiet)
    progress = progress_enabled(quiet=quiet)
    scanning = f"scanning {amount(len(docs), 'document')}"
    with _user_errors(), activity(scanning, enabled=progress, log=not quiet):
        report = api_scan(docs, config, jobs=jobs, memory_limit=memory_limit, tmp_dir=tmp_dir)
    texts = TextsById(docs)
    page = render_report(
        report, fmt, texts=texts, jobs=resolve_jobs(jobs), passage_text=passage_text
    )
    _output(page, output)
    if not quiet:
        summary = scan_summary(report.summary(), len(skipped), time.monotonic() - start)
        click.echo(summary.render(), err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o", "--output", "out", required=True, help="Output directory (not an input, not inside one)."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Apply this JSON report (`dedup scan` of the same input) instead of scanning.",
)
@input_options
@config_options
@boilerplate_options
@no_boilerplate_option
@jobs_option
@engine_options
@quiet_option
@allow_empty_option
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the scan in OUT and reuse it when rerun on the same inputs and settings.",
)
@click.option(
    "--against",
    default=None,
    help="Decontaminate: reject documents that near-duplicate or reuse text of this index "
    "(`dedup index build` of an eval set, say; a file or a postgresql:// URL).",
)
@click.option(
    "--strip",
    is_flag=True,
    help="With --against: cut the reused indexed passages out instead of rejecting the "
    "document (near-duplicates of indexed documents are still rejected).",
)
def clean(
    paths: tuple[str, ...],
    out: str,
    report_path: str | None,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    jobs: int,
    engine: Engine,
    quiet: bool,
    allow_empty: bool,
    resume: bool,
    against: str | None,
    strip: bool,
) -> None:
    """Write the corpus without its boilerplate lines and near-duplicate copies.

    Text files keep their relative names under OUT; JSONL files keep their names and every
    other field. OUT/removed.jsonl records each removed line with its rule and evidence;
    OUT/rejects.jsonl each document not written, with the reason. Inputs are never modified.

    With --against INDEX, documents reusing the index's text are rejected too (or, with
    --strip, written without the reused passages, each recorded in removed.jsonl).

    With --engine spark the executors write: OUT/part-*.jsonl (Parquet parts for Parquet
    inputs), OUT/rejects/part-*.jsonl and OUT/removed/part-*.jsonl, the same records.

    Example:

    \b
        dedup clean samples/ -o cleaned/
        dedup clean train/ --against eval.idx -o decontaminated/
    """
    _refuse_dash(
        out,
        "clean writes a folder (the cleaned files, removed.jsonl, rejects.jsonl)",
        "give a folder, e.g. -o cleaned/",
    )
    if strip and not against:
        msg = "--strip cuts the passages of an index: give --against INDEX (or `against` setting)"
        raise CLIInputError(msg)
    start = time.monotonic()
    # Options the Spark writing does not have yet: the scan on Spark, the writing here.
    here = _written_here(engine, quiet, report=report_path, resume=resume, against=against)
    report = _load_report(report_path) if report_path else None
    with _user_errors(), activity("cleaning", enabled=progress_enabled(quiet=quiet), log=not quiet):
        if engine.name == "spark" and not here:  # the executors write: part files (README)
            options = engine.spark_options(text_field, id_field, strict, allow_empty)
            done = clean_spark(paths, out, config, **options)
            _clean_notes(done.summary(), done.unreadable, done.passed_over, out, start, quiet)
            return
        result = api_clean(
            paths,
            out,
            config,
            text_field=text_field,
            id_field=id_field,
            strict=strict,
            jobs=jobs,
            report=report,
            allow_empty=allow_empty,
            encoding=_encoding(),
            resume=resume,
            against=against,
            strip=strip,
            scan_elsewhere=engine.on_spark(scan_report, paths, text_field, id_field, strict),
        )
    unreadable = [(r.source, r.detail) for r in result.rejects if r.reason == "unreadable"]
    _clean_notes(result.summary(), unreadable, result.passed_over, out, start, quiet)
    if result.resumed in RESUME_NOTES:
        _said(quiet, RESUME_NOTES[result.resumed].format(saved=Path(out) / CHECKPOINT_FILE))


RESUME_NOTES = {
    "reused": "note: --resume: used the scan saved in {saved} (same inputs and settings)",
    "stale": "note: --resume: the scan saved in {saved} was of other inputs (a file's size or "
    "modification time) or settings; scanned again and saved that scan",
    "not_kept": "note: --resume keeps no scan of standard input or a URL (their changes "
    "cannot be seen); scanned",
}


def _clean_notes(
    counts: dict[str, int],
    unreadable: Sequence[tuple[str, str]],
    passed_over: Sequence[str],
    out: str,
    start: float,
    quiet: bool,
) -> None:
    """What `clean` tells on stderr: the bad records skipped (the lines `scan` prints as it
    reads), the files passed over, the summary table and the last line."""
    if quiet:
        return
    _list_skipped(list(unreadable))
    _note(passed_over_note(passed_over))
    click.echo(clean_summary(counts, time.monotonic() - start).render(), err=True)
    click.echo(clean_line(counts, out, len(passed_over)), err=True)


def _written_here(engine: Engine, quiet: bool, **given: object) -> bool:
    """Whether `clean --engine spark` writes here, as the local engine lays it out: with
    options the executors' writing does not have yet (a note names them)."""
    named = [f"--{name}" for name, value in given.items() if value]
    if engine.name != "spark" or not named:
        return False
    _said(
        quiet,
        f"note: with {', '.join(named)} the scan runs on Spark and the cleaned corpus "
        "is written here, one file per input (the local layout)",
    )
    return True


def _load_report(path: str) -> Report:
    return _read_report(path)[0]


def _read_report(path: str) -> tuple[Report, dict[str, Any] | None]:
    """The JSON report at `path` and its check section (None unless `dedup check` wrote it)."""
    if not os.path.lexists(path):  # "not a readable dedup JSON report" hid a typo
        msg = f"{path}: no such file; write a report with `dedup scan --format json -o FILE`"
        raise CLIInputError(msg)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json_value(fh.read())
        if not isinstance(data, dict):
            msg = f"a JSON {type(data).__name__}, not an object"
            raise TypeError(msg)
        return Report.from_dict(data), read_check(data.get("check"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as ex:
        reason = ex.strerror if isinstance(ex, OSError) and ex.strerror else first_line(ex)
        if isinstance(ex, KeyError):  # a bare KeyError says only "'config'"
            reason = f"no {first_line(ex)} field"
        msg = (
            f"{path}: not a readable dedup JSON report ({reason}); "
            "write one with `dedup scan --format json -o FILE`"
        )
        raise CLIInputError(msg) from ex


@cli.command("report")
@click.argument("report_path", metavar="REPORT")
@click.argument("paths", nargs=-1)
@input_options
@settings_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PAGE_FORMATS),
    default=None,
    help="html: one self-contained page; text: what `dedup scan` prints (summary, pairs, "
    "passages side by side, boilerplate lines with their evidence). [default: text for an "
    "-o file named .txt, else html]",
)
@click.option(
    "-o",
    "--output",
    default=None,
    help="Write the page to this file (atomically); - is standard output.",
)
@quiet_option
def report_command(
    report_path: str,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    fmt: str | None,
    output: str | None,
    quiet: bool,
) -> None:
    """Render a saved JSON report (of scan, compare or check) as one self-contained HTML page,
    or as text.

    The documents' texts are read from PATHS, or else from the files the report names as
    their sources; a document whose text is not found, or has changed since, is shown by
    its passages alone.

    Example:

    \b
        dedup scan samples/ --format json -o report.json
        dedup report report.json -o report.html
        dedup report report.json --format text
    """
    output = None if output == "-" else output  # `-o -`: standard output, as on scan
    _refuse_input(output, [report_path, *paths])  # before the suffix: it is the worse news
    # `dedup report r.json -o r.txt` wrote an HTML page into r.txt (a new-user trial).
    fmt = output_format(fmt, output, PAGE_FORMATS, default="html")
    report, check_section = _read_report(report_path)
    texts = _report_texts(
        report, paths, text_field, id_field, strict, quiet=quiet, base=os.path.dirname(report_path)
    )
    texts = _unchanged_texts(report, texts)
    try:
        if fmt == "text":
            page = render_report(_with_passage_texts(report, texts), "text", texts=texts)
        else:
            page = render_html(
                report, texts=texts, check=check_section, title=f"dedup report: {report_path}"
            )
    except ValueError as ex:  # a number JSON cannot hold (NaN)
        msg = f"{report_path}: cannot be rendered ({first_line(ex)})"
        raise CLIInputError(msg) from ex
    _output(page, output)
    shown = sum(1 for d in report.documents if len(texts.get(d.id, "")) == d.chars)
    if shown < len(report.documents) and not quiet:
        _note(
            f"note: {len(report.documents) - shown:,} of {len(report.documents):,} documents are "
            "shown by their passages alone (text not found or changed since the report); "
            "pass the input files after REPORT (with the scan's --text-field, if it had one)"
        )


def _unchanged_texts(report: Report, texts: Mapping[str, str]) -> dict[str, str]:
    """The texts that are still the report's: of its length, and holding each passage's
    text (or the excerpt the report keeps) at its offsets. An edit that kept a file's length
    ("Debian" -> "DEBIAN") showed passages at offsets that no longer held them, with no note
    (a new-user trial)."""
    chars = {d.id: d.chars for d in report.documents}
    out = {doc: text for doc, text in texts.items() if len(text) == chars.get(doc)}
    for p in report.passages:
        for span in (p.a, p.b):
            text = out.get(span.doc)
            if text is not None and not text[span.start : span.end].startswith(span.text):
                del out[span.doc]
    return out


def _with_passage_texts(report: Report, texts: Mapping[str, str]) -> Report:
    """`report` with each passage side's text whole where the report holds an excerpt (a
    JSON report holds the first characters by default) and its document's text is at hand:
    the text a scan prints. `texts` are `_unchanged_texts`, which hold each passage."""

    def whole(span: Span) -> Span:
        text = texts.get(span.doc)
        if text is None or len(span.text) >= span.end - span.start:
            return span
        return replace(span, text=text[span.start : span.end])

    passages = tuple(replace(p, a=whole(p.a), b=whole(p.b)) for p in report.passages)
    return replace(report, passages=passages)


def _shown_texts(
    report: Report, paths: Sequence[str], text_field: str, id_field: str | None
) -> dict[str, str]:
    """The texts of the documents whose boilerplate lines a text report shows, read here in
    one streaming pass that keeps only those (at most `TOP_BOILERPLATE`): the text of a
    Spark scan then shows each line as the local one does (a new-user trial found the
    line rows missing)."""
    wanted = {b.doc for b in report.boilerplate[:TOP_BOILERPLATE]}
    if not wanted:
        return {}
    with _user_errors():
        reader = DocumentReader(text_field=text_field, id_field=id_field, encoding=_encoding())
        return {d.id: d.text for d in reader.read(paths) if d.id in wanted}


def _report_texts(
    report: Report,
    paths: Sequence[str],
    text_field: str,
    id_field: str | None,
    strict: bool,
    *,
    quiet: bool = False,
    base: str = "",
) -> dict[str, str]:
    """The texts of the report's documents: from `paths`, or from the files its documents'
    sources name (where they still exist; a file that cannot be read is noted and passed)."""
    files = list(paths) or list(
        dict.fromkeys(f for d in report.documents if (f := _source_file(d.source, base)))
    )
    read = partial(_read_counted, id_field=id_field, strict=strict, quiet=True)

    def load(field: str, quiet: bool) -> tuple[Sequence[Document], list[SkippedRecord]]:
        if paths:  # named by the user: a file that cannot be read is an error
            return read(files, field)
        return _read_sources(files, partial(read, text_field=field), quiet)

    docs, skipped = load(text_field, quiet)
    ctx = click.get_current_context(silent=True)
    given = ctx is not None and ctx.get_parameter_source("text_field") not in (
        click.core.ParameterSource.DEFAULT,
        None,
    )
    field = None if given or docs else _text_field_of(report, skipped)
    if field is not None:  # the scan read another field: the records say which
        docs = load(field, True)[0]
    texts = {d.id: d.text for d in docs}
    return texts | _texts_by_source(report, docs, texts)


def _read_sources(
    files: Sequence[str],
    read: Callable[[Sequence[str]], tuple[Sequence[Document], list[SkippedRecord]]],
    quiet: bool,
) -> tuple[list[Document], list[SkippedRecord]]:
    """The documents of the files a report names, file by file: one that cannot be read (not
    UTF-8 without --encoding auto, gone) is named on stderr and passed, where it made every
    text of the report unreadable (a scan of /usr/share/doc: 2,707 of 2,707 documents shown
    by their passages alone, for one Latin-1 AUTHORS file)."""
    docs: list[Document] = []
    skipped: list[SkippedRecord] = []
    failed: list[str] = []
    for name in files:
        try:
            found, passed = read([name])
        except CLIInputError as ex:
            failed.append(ex.message)
            continue
        docs.extend(found)
        skipped.extend(passed)
    if failed:
        more = f" (and {len(failed) - 1:,} more)" if len(failed) > 1 else ""
        _said(
            quiet,
            f"warning: {amount(len(failed), 'source')} of the report cannot be read: "
            f"{failed[0]}{more}; pass the inputs after REPORT",
        )
    return docs, skipped


def _text_field_of(report: Report, skipped: Sequence[SkippedRecord]) -> str | None:
    """The field that held the texts of a scan made with `--text-field`, from the records
    a read without it skipped: the string field whose values have the lengths of the
    report's documents (a new-user trial: `dedup report` showed no text until it was
    given the scan's `--text-field` again, which the report does not record).

    Example:
        >>> from dedup.report import DocumentInfo
        >>> report = Report(config={}, fingerprint="f", documents=(DocumentInfo("c:1", "c:1", 5),))
        >>> _text_field_of(report, [SkippedRecord("c:1", "no field", '{"id": 1, "body": "hello"}')])
        'body'
    """
    lengths = Counter(d.chars for d in report.documents)
    votes: Counter[str] = Counter()
    for record in skipped:
        try:
            row = json.loads(record.raw)
        except ValueError:
            continue
        if isinstance(row, dict):
            votes.update(k for k, v in row.items() if isinstance(v, str) and len(v) in lengths)
    return min(votes, key=lambda k: (-votes[k], k)) if votes else None


def _texts_by_source(
    report: Report, docs: Sequence[Document], found: dict[str, str]
) -> dict[str, str]:
    """Texts of the report's documents not found by id, found by where they came from: the
    report's `source` (`lic/a.txt`, `corpus.jsonl:17`, as the scan named it) is the tail of
    the path a document read now came from, whatever the working directory, and whatever
    `--id-field` the scan used (a new-user trial: `dedup report` from another directory, or
    of a scan made with `--id-field`, found no text). A folder moved or renamed since
    (`moved/` -> `moved2/`): the tail the two paths share, when no other document of the
    report ends so. The lengths must agree (and `_unchanged_texts` checks the passages).

    Example:
        >>> from dedup.report import DocumentInfo
        >>> info = DocumentInfo("x", "./lic/a.txt", 2)
        >>> report = Report(config={}, fingerprint="f", documents=(info,))
        >>> _texts_by_source(report, [Document("/t/lic/a.txt", "hi", "/t/lic/a.txt")], {})
        {'x': 'hi'}
        >>> _texts_by_source(report, [Document("/t/lic2/a.txt", "hi", "/t/lic2/a.txt")], {})
        {'x': 'hi'}
    """
    wanted = {
        _split_source(d.source): d
        for d in report.documents
        if d.source and len(found.get(d.id, "")) != d.chars
    }
    # Each tail of a wanted source's path, when only one source ends so.
    tails: dict[tuple[str, str], DocumentInfo | None] = {}
    for (path, line), info in wanted.items():
        parts = os.path.normpath(path).split(os.sep)
        for k in range(len(parts)):
            key = (os.sep.join(parts[k:]), line)
            tails[key] = info if tails.get(key, info) is info else None
    out: dict[str, str] = {}
    for doc in docs if wanted else ():
        path, line = _split_source(doc.source)
        parts = os.path.abspath(path).split(os.sep)
        keys = [(os.sep.join(parts[k:]), line) for k in range(len(parts))]
        named: DocumentInfo | None = next((wanted[key] for key in keys if key in wanted), None)
        named = named or next((tails[key] for key in keys if tails.get(key)), None)
        if named is not None and named.chars == doc.chars and named.id not in out:
            out[named.id] = doc.text
    return out


def _split_source(source: str) -> tuple[str, str]:
    """A source's path (normalized: `./lic/a.txt` is `lic/a.txt`) and its line, if any.

    Example:
        >>> _split_source("./c.jsonl:17"), _split_source("a:b.txt")
        (('c.jsonl', '17'), ('a:b.txt', ''))
    """
    head, sep, tail = source.rpartition(":")
    path, line = (head, tail) if sep and tail.isdigit() else (source, "")
    return os.path.normpath(path), line


def _source_file(source: str, base: str = "") -> str | None:
    """The file a document source names (`path`, `path:LINE`), if it exists here or, for a
    relative path, in `base` (the report's folder: a scan written next to its corpus and
    rendered from elsewhere, a new-user trial)."""
    path, line = _split_source(source)
    for name in [source, path] if line else [source]:
        for where in (name, os.path.join(base, name)):  # join("", name) is name
            if os.path.isfile(where):
                return where
    return None


# --------------------------------------------------------------------- check and index


@cli.command()
@click.argument("paths", nargs=-1)
@input_options
@config_options
@boilerplate_options
@click.option(
    "--max-duplicate-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Most documents that near-duplicate another (or an indexed one), 0-1 [default: 0].",
)
@click.option(
    "--max-boilerplate-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Most characters in boilerplate, 0-1 [default: 1, off].",
)
@click.option(
    "--max-reused-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Most characters in passages reused from other documents or the index [default: 1, off].",
)
@click.option(
    "--against",
    "--index",
    "against",
    default=None,
    help="Also check against an index: a file from `dedup index build` or a postgresql:// URL.",
)
@click.option(
    "--require-index",
    is_flag=True,
    help="Refuse to run without --against (or `against` in [tool.dedup]): PATHS are a few "
    "changed files (the dedup-check-staged pre-commit hook), checked against the index.",
)
@click.option("--baseline", default=None, help="Accepted findings (from --write-baseline).")
@click.option(
    "--write-baseline",
    default=None,
    help="Write every finding to this file as accepted, and exit 0; - is standard output.",
)
@click.option(
    "--prune-baseline",
    is_flag=True,
    help="Rewrite the --baseline file without the accepted findings no longer found.",
)
@output_options(
    CHECK_FORMATS,
    "text, json (report + check), html (one page to read, failed limits first), github "
    "(workflow commands), sarif (code scanning), junit (XML, a testcase per file), concise "
    "(a line per finding).",
)
@click.option(
    "--annotate",
    type=click.Choice(ANNOTATE_CHOICES),
    default="failing",
    show_default=True,
    help="Which findings github, sarif, junit and concise carry: those of failing limits, or all.",
)
@passage_text_option
@allow_empty_option
@jobs_option
@memory_options
@engine_options
@quiet_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    max_duplicate_ratio: float | None,
    max_boilerplate_ratio: float | None,
    max_reused_ratio: float | None,
    against: str | None,
    require_index: bool,
    baseline: str | None,
    write_baseline: str | None,
    prune_baseline: bool,
    fmt: str,
    output: str | None,
    annotate: Literal["failing", "all"],  # a click.Choice
    passage_text: str,
    allow_empty: bool,
    jobs: int,
    memory_limit: int | None,
    tmp_dir: str | None,
    engine: Engine,
    quiet: bool,
) -> None:
    """Fail (exit 1) when the data breaks a limit on duplicates, boilerplate or reuse.

    PATHS default to `paths` in [tool.dedup] (what the dedup-check pre-commit hook checks).
    Boilerplate is always looked for (with --lexicon, --protect and --site-field).
    Exit codes: 0 every limit holds, 1 a limit failed, 2 usage or input error.

    Example:

    \b
        dedup check data/ --max-reused-ratio 0.05 --format github
        dedup check eval.jsonl --against train.idx --max-reused-ratio 0
    """
    if not paths:
        msg = 'no PATHS: name the data, or set `paths = ["data"]` in [tool.dedup] of pyproject.toml'
        raise CLIInputError(msg)
    if require_index and not against:
        raise CLIInputError(REQUIRE_INDEX_TEXT)
    if prune_baseline and not baseline:
        msg = "--prune-baseline needs --baseline FILE (or `baseline` in [tool.dedup])"
        raise CLIInputError(msg)
    _refuse_input(output, paths)
    # `--write-baseline -` wrote a file named "-" (a new-user trial): it is standard output,
    # as `-o -` is.
    to_stdout = write_baseline == "-"
    _refuse_input(None if to_stdout else write_baseline, paths, "--write-baseline")
    with _user_errors():  # a bad limit is a typo: say so before reading the corpus
        limits = _limits(max_duplicate_ratio, max_boilerplate_ratio, max_reused_ratio)
        limits.require_measured(config)
        if against:
            Index.require(against, config)
        accepted = read_baseline(baseline) if baseline and not write_baseline else Baseline()
    docs, skipped = _read_counted(paths, text_field, id_field, strict, quiet=quiet)
    _require_documents(docs, skipped, paths, allow_empty)
    with _user_errors():
        _announce_spill(docs, config, memory_limit, quiet)
        find = engine.on_spark(scan_report, paths, text_field, id_field, strict)
        result = api_check(
            docs,
            config,
            limits=limits,
            against=against,
            baseline=accepted,
            jobs=jobs,
            scan_elsewhere=find,
            memory_limit=memory_limit,
            tmp_dir=tmp_dir,
        )
    result = replace(result, skipped=len(skipped))
    if write_baseline:
        _output(baseline_text(result.all_findings), None if to_stdout else write_baseline)
        # Counted as the next check counts them ("5 accepted by the baseline"): a line
        # repeated in one document is one entry of the file but one finding per copy.
        count, entries = len(result.all_findings), len({f.key for f in result.all_findings})
        where = "standard output" if to_stdout else write_baseline
        said = f"wrote {amount(count, 'accepted finding')} to {where}"
        if entries != count:
            entry = "entry" if entries == 1 else "entries"
            said += f" ({entries:,} {entry}: the same evidence in one document is one entry)"
        _said(quiet, said)
        return
    if result.stale and prune_baseline:
        _output(pruned_text(accepted, result.all_findings), baseline)
        stale = amount(len(result.stale), "stale accepted finding")
        _said(quiet, f"{baseline}: pruned {stale}")
        # Pruned, they are stale no more: the summary said "19 accepted findings no longer
        # found (stale baseline)" right after "pruned 19" (a new-user trial).
        result = replace(result, stale=())
    elif result.stale and not quiet:
        click.echo(stale_line(accepted, list(result.stale)), err=True)
    texts = {d.id: d.text for d in docs}
    page = render_check(result, fmt, annotate=annotate, texts=texts, passage_text=passage_text)
    _output(page, output)
    if not quiet and (output or fmt not in READ_IN_THE_LOG):
        # The findings went to a file or to a machine format: the log still says why.
        click.echo("\n".join(check_verdicts(result, output)), err=True)
    ctx.exit(result.exit_code)


# Check formats printed to stdout that carry the verdict for a person reading the CI log.
READ_IN_THE_LOG = frozenset({"text", "concise", "github"})


REQUIRE_INDEX_TEXT = (
    "--require-index: no index to check against; build one with `dedup index build data/ -o "
    'ci/data.idx` and set `against = "ci/data.idx"` in [tool.dedup] (or pass --against)'
)


def _limits(duplicate: float | None, boilerplate: float | None, reused: float | None) -> Limits:
    """The limits given (on the command line or in the settings); the others keep defaults."""
    given = {
        "max_duplicate_ratio": duplicate,
        "max_boilerplate_ratio": boilerplate,
        "max_reused_ratio": reused,
    }
    return Limits(**{name: value for name, value in given.items() if value is not None})


@cli.group()
def index() -> None:
    """A persistent index (SQLite file or postgresql:// URL) for incremental/contamination checks.

    \b
        dedup index build train/ -o train.idx
        dedup index add train.idx new.jsonl
        dedup index query train.idx eval.jsonl
        dedup check eval.jsonl --against train.idx
    """


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="The index: a file or a postgresql:// URL.")
@input_options
@config_options
@allow_empty_option
@quiet_option
def index_build(
    paths: tuple[str, ...],
    output: str,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    allow_empty: bool,
    quiet: bool,
) -> None:
    """Build a new index of PATHS (replacing OUTPUT only once it is complete)."""
    _refuse_dash(
        output,
        "an index is written to a SQLite file",
        "give a file path, e.g. -o train.idx, or a postgresql:// URL",
    )
    if "://" not in output and is_stream(output):
        msg = (
            f"-o {output} is not a regular file (a device, FIFO or socket); an index is a "
            "SQLite file: give a file path, or a postgresql:// URL"
        )
        raise CLIInputError(msg)
    _refuse_input(output, paths)
    docs, skipped = _read_counted(paths, text_field, id_field, strict, quiet=quiet)
    _require_documents(docs, skipped, paths, allow_empty)
    with _user_errors(), Index.build(output, docs, config) as idx:
        count = len(idx)
    _said(quiet, f"indexed {amount(count, 'document')} -> {output}")


@index.command("add")
@click.argument("index_location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@quiet_option
def index_add(
    index_location: str,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    quiet: bool,
) -> None:
    """Add the documents of PATHS to INDEX (same id and text: skipped; new text: replaced)."""
    with _user_errors():
        Index.require(index_location, config)
    docs = _read(paths, text_field, id_field, strict, quiet=quiet)
    with _user_errors(), Index.open(index_location, config) as idx:
        added = idx.add(docs)
        count = len(idx)
    _said(
        quiet,
        f"added {amount(added.added, 'document')} ({added.unchanged:,} already indexed, "
        f"{added.updated:,} replaced by a new text); {count:,} in {index_location}",
    )


@index.command("verify")
@click.argument("index_location", metavar="INDEX")
@config_options
@quiet_option
def index_verify(index_location: str, config: DedupConfig, quiet: bool) -> None:
    """Check every row of INDEX (pages, texts, signatures); exit 2 on the first damage.

    Example:

    \b
        dedup index verify train.idx
    """
    with _user_errors(), Index.open(index_location, config) as idx:
        count = idx.verify()
    _said(quiet, f"{index_location}: {amount(count, 'document')}, every text and signature intact")


@index.command("query")
@click.argument("index_location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@output_options(QUERY_FORMATS, "text for people, json for tools.")
@quiet_option
def index_query(
    index_location: str,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    fmt: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Show which indexed documents PATHS near-duplicate and which indexed passages they reuse."""
    _refuse_input(output, [*paths, index_location])
    with _user_errors():
        Index.require(index_location, config)
    docs = _read(paths, text_field, id_field, strict, quiet=quiet)
    with _user_errors(), Index.open(index_location, config) as idx:
        hits = idx.query(docs)
    if hits.passages and not config.passage.boilerplate:
        # Boilerplate is not reuse: the queried documents' lines are judged, as a scan's.
        with _user_errors():
            lines = detect_boilerplate(docs, config.boilerplate)
        hits = hits.without_boilerplate(lines, config)
    _output(render_query(hits, fmt, index_location), output)


@index.command("remove")
@click.argument("index_location", metavar="INDEX")
@click.argument("ids", nargs=-1, required=True)
@config_options
@quiet_option
def index_remove(
    index_location: str, ids: tuple[str, ...], config: DedupConfig, quiet: bool
) -> None:
    """Remove the documents with these IDs from INDEX (ids it does not hold are ignored).

    Example:

    \b
        dedup index remove train.idx train/old.txt train.jsonl:17
    """
    with _user_errors(), Index.open(index_location, config) as idx:
        removed = idx.remove(ids)
        count = len(idx)
    missing = len(set(ids)) - removed
    note = (
        f" ({missing:,} of the ids {'were' if missing > 1 else 'was'} not in it)" if missing else ""
    )
    _said(quiet, f"removed {amount(removed, 'document')}; {count:,} in {index_location}{note}")


# --------------------------------------------------------------------- config


@cli.group("config")
def config_group() -> None:
    """The settings every command reads: [tool.dedup] of the nearest pyproject.toml, or --config.

    \b
        dedup config show
    """


@config_group.command("show")
@settings_option
@click.option(
    "--format",
    "fmt",
    cls=RunOption,
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@quiet_option
def config_show(fmt: str, quiet: bool) -> None:
    """Print every setting with its resolved value and where it came from (the file and key,
    or the default). Options given to a command still override these.

    Example:

    \b
        dedup config show
        dedup config show --config ci.toml --format json
    """
    settings = click.get_current_context().meta[_SETTINGS]
    known = _setting_options(cli)
    # An option's other names (`index` for `against`) are not settings of their own.
    first = {k: next(o for o in opts[0].opts if o.startswith("--")) for k, opts in known.items()}
    keys = [k for k in known if first[k] == f"--{k}" or k in settings.values]
    defaults = {k: _plain(known[k][0]) for k in keys}
    defaults.update(Limits().by_rule())  # the limits' options default to "not given"
    rows = [(k, *_option_default(k, v, s)) for k, v, s in setting_sources(settings, defaults)]
    if fmt == "json":
        found = {"file": str(settings.path) if settings.path else None, "table": settings.table}
        settings_rows = [{"key": k, "value": v, "source": s} for k, v, s in rows]
        click.echo(json.dumps({"settings": found, "values": settings_rows}, indent=1))
        return
    shown = [(key, json.dumps(value, ensure_ascii=False), source) for key, value, source in rows]
    width_key = max(len(key) for key, _, _ in shown)
    width_value = min(40, max(len(value) for _, value, _ in shown))
    where = settings.where().rstrip(":") if settings.path else NO_SETTINGS_FILE
    click.echo(f"settings: {where}")
    for key, value, source in shown:
        click.echo(f"{key:<{width_key}}  {value:<{width_value}}  {source}")


NO_SETTINGS_FILE = "none found: every value is a default"


def _option_default(key: str, value: Any, source: str) -> tuple[Any, str]:
    """An unset option's value where it comes from a config table: `--preset` is the
    boilerplate table's `news`, `--max-passages-per-doc` the passage table's `max-per-doc`
    (a new-user trial read `preset null` and `max-passages-per-doc null`)."""
    if key == "boilerplate-passages" and source == "default":  # a flag: False, not None
        return _base_config().passage.boilerplate, source
    if value is not None or source != "default":
        return value, source
    base = _base_config()
    cap = _PASSAGE_CAPS.get(key.replace("-", "_"))
    if cap is not None:
        return getattr(base.passage, cap[0]), source
    if key == "preset":
        return base.boilerplate.preset, source
    return value, source


def _plain(option: click.Option) -> Any:
    """An option's default as a settings value (a flag's is false; no default is None)."""
    default = option.default
    if option.is_flag and not isinstance(default, bool):
        return False
    return default if isinstance(default, str | int | float | bool | tuple | list) else None


# --------------------------------------------------------------------- boilerplate


@cli.group()
def boilerplate() -> None:
    """The boilerplate rules and line model: describe the rules, train a model on your pages.

    \b
        dedup boilerplate explain tail_block
        dedup boilerplate train labelled.jsonl -o model.json
        dedup scan pages.jsonl --boilerplate-model model.json
    """


@boilerplate.command("explain")
@click.argument("rule", required=False)
@quiet_option
def boilerplate_explain(rule: str | None, quiet: bool) -> None:
    """Describe a boilerplate RULE with an example line, or every rule.

    Example:

    \b
        dedup boilerplate explain corpus_repeat
    """
    if rule is not None and rule not in RULE_DOCS:
        msg = (
            f"unknown boilerplate rule {rule!r}; known: {', '.join(sorted(RULE_DOCS))} "
            "(`dedup boilerplate explain` describes them all)"
        )
        raise CLIInputError(msg)
    names = [rule] if rule else sorted(RULE_DOCS)
    click.echo("\n\n".join(explain_rule(name) for name in names))


LABELS_FIELD = "labels"
FEW_LABELLED_LINES = 5000  # below this, `boilerplate train` warns
KNOWN_LABELS = ("boilerplate", "content", "unsure", None)
KNOWN_LABELS_TEXT = '"boilerplate", "content", "unsure" or null'
LABELLED_FORMAT = (  # the labels from KNOWN_LABELS_TEXT: two lists once disagreed on "unsure"
    'each line must be a JSON record {"text": ..., "labels": [...]} with one label per line '
    f'of the text: {KNOWN_LABELS_TEXT} ("unsure" and null lines are left out of the fit)'
)


@boilerplate.command("train")
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="The model file to write (JSON, atomically).")
@click.option(
    "--text-field", default="text", show_default=True, help="Field with the text of a record."
)
@click.option(
    "--site-field", default=None, help="Field naming each record's site (per-site line counts)."
)
@click.option(
    "--threshold",
    cls=RunOption,
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Posterior at or above which the model reports a line.",
)
@click.option(
    "--tail-threshold",
    cls=RunOption,
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Lower posterior for the tail block [default: the --threshold].",
)
@click.option(
    "--trees",
    cls=RunOption,
    type=click.IntRange(min=1),
    default=150,
    show_default=True,
    help="Boosting rounds (trees) of the model.",
)
@click.option(
    "--depth",
    cls=RunOption,
    type=click.IntRange(1, 8),
    default=4,
    show_default=True,
    help="Depth of each tree.",
)
@settings_option
@quiet_option
def boilerplate_train(
    labelled: str,
    output: str,
    text_field: str,
    site_field: str | None,
    threshold: float,
    tail_threshold: float | None,
    trees: int,
    depth: int,
    quiet: bool,
) -> None:
    """Train a line model on labelled pages (for --boilerplate-model); needs the train extra.

    LABELLED is a JSONL file (it may be compressed).

    Each record holds a text and one label per line of it (text.split("\\n")):
    "boilerplate", "content", or null for a line left out of the fit; other fields
    (the --site-field one) are kept as document metadata.

    Example:

    \b
        dedup boilerplate train labelled.jsonl -o model.json --site-field site
    """
    _refuse_dash(
        output,
        "the model is written to a file for --boilerplate-model",
        "give a file path, e.g. -o model.json",
    )
    _refuse_input(output, [labelled])
    docs, labels = _read_labelled(labelled, text_field, site_field)
    config = replace(_base_config().boilerplate, site_field=site_field)
    ys = line_labels(docs, labels)
    used = sum(int((y >= 0).sum()) for y in ys)
    found = sum(int((y == 1).sum()) for y in ys)
    if found in (0, used):
        msg = (
            f"{labelled}: {used} labelled lines, {found} of them boilerplate; a model needs "
            f"both boilerplate and content lines ({LABELLED_FORMAT})"
        )
        raise CLIInputError(msg)
    if used < FEW_LABELLED_LINES:
        _said(
            quiet,
            f"warning: only {used:,} labelled lines; a model this small will not carry to "
            "other pages (the built-in one learned from ~590,000)",
        )
    meta = {"data": labelled, "documents": len(docs), "lines": used, "boilerplate": found,
            "site_field": site_field, "trees": trees, "depth": depth}  # fmt: skip
    tail = threshold if tail_threshold is None else min(tail_threshold, threshold)
    with _user_errors():
        model = train_model(
            docs, labels, config, threshold=threshold, tail_threshold=tail, trees=trees,
            depth=depth, meta=meta,
        )  # fmt: skip
        write_atomic(output, json.dumps(model.to_dict(), indent=1))
    _said(
        quiet,
        f"trained on {used:,} lines of {len(docs):,} documents ({found:,} boilerplate) -> {output}",
    )


def _read_labelled(
    path: str, text_field: str, site_field: str | None
) -> tuple[list[Document], list[list[Any]]]:
    """The documents of a labelled JSONL file and their line labels; a bad record is an error."""
    reader = DocumentReader(text_field=text_field)
    with _user_errors():
        records = list(reader.read([path]))
    if not records and not reader.skipped:
        msg = f"{path}: no records; {LABELLED_FORMAT}"
        raise CLIInputError(msg)
    if reader.skipped:
        first = reader.skipped[0]
        msg = f"{first.source}: {first.reason}; {LABELLED_FORMAT}"
        raise CLIInputError(msg)
    docs: list[Document] = []
    labels: list[list[Any]] = []
    for doc in records:
        doc_labels = doc.meta.get(LABELS_FIELD)
        lines = doc.text.count("\n") + 1
        if not isinstance(doc_labels, list) or len(doc_labels) != lines:
            got = amount(len(doc_labels), "label") if isinstance(doc_labels, list) else "no labels"
            msg = f"{doc.source}: {got} for {amount(lines, 'line')} of text; {LABELLED_FORMAT}"
            raise CLIInputError(msg)
        if site_field is not None and not isinstance(doc.meta.get(site_field), str):
            msg = f"{doc.source}: no string field {site_field!r}; pass another --site-field"
            raise CLIInputError(msg)
        wrong = [v for v in doc_labels if v not in KNOWN_LABELS]
        if wrong:
            # A typo ("Boilerplate", "boilerpalte") must not quietly drop lines from the fit.
            msg = f"{doc.source}: label {wrong[0]!r} is not one of {KNOWN_LABELS_TEXT}"
            raise CLIInputError(msg)
        meta = {k: v for k, v in doc.meta.items() if k != LABELS_FIELD}
        docs.append(Document(doc.id, doc.text, doc.source, meta))
        labels.append(doc_labels)
    return docs, labels
