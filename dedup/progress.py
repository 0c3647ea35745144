"""A progress line on stderr for long runs, silent when nobody is watching.

The line appears only when the stream is a terminal, `quiet` is off, and the work has
already taken `delay` seconds (short runs stay silent); it is redrawn at most a few times a
second and erased at the end, so stdout and redirected logs never see it. `track` counts
items of an iterator (reading documents); `activity` shows elapsed time for a step that
cannot report its own progress (the scan itself).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO, TypeVar

T = TypeVar("T")

DELAY_SECONDS = 1.0
REDRAW_SECONDS = 0.2
LOG_SECONDS = 30.0  # how often a run that is not on a terminal (a CI log) says where it is

_stage = ""  # what a long call is doing now; a running `activity` line shows it
_held = False  # inside `held_stage`: the stage keeps its text


def set_stage(text: str) -> None:
    """Name the step a long call is in ("passages: aligning 1,204 pairs"), for `activity`.

    Stages call this whether or not anything is drawn: it only stores the text.

    Example:
        >>> set_stage("near-duplicates"); set_stage("")
    """
    global _stage
    if not _held:
        _stage = text


@contextmanager
def held_stage(text: str) -> Iterator[None]:
    """Within: the stage reads `text`, whatever the calls inside name theirs (a warm-up
    that runs the whole passage search on two documents is one stage, not five).

    Example:
        >>> with held_stage("loading"):
        ...     set_stage("preparing")
        >>> current_stage()
        'loading'
        >>> set_stage("")
    """
    global _held
    set_stage(text)
    before, _held = _held, True
    try:
        yield
    finally:
        _held = before


def stage_count(name: str, done: int, total: int, started: float) -> None:
    """Set the stage to `name` with a count, a percentage, the rate and the time left.

    Example:
        >>> import time
        >>> stage_count("aligning document pairs", 0, 10, time.monotonic())
        >>> current_stage()
        'aligning document pairs: 0/10 (0 %)'
        >>> stage_count("aligning document pairs", 5, 10, time.monotonic() - 5)
        >>> current_stage()
        'aligning document pairs: 5/10 (50 %), 1/s, ~5 s left'
        >>> stage_count("band join on disk", 1, 2, time.monotonic() - 90)
        >>> current_stage()
        'band join on disk: 1/2 (50 %), 90 s each, ~90 s left'
        >>> set_stage("")
    """
    text = f"{name}: {done:,}/{total:,} ({100 * done // max(1, total)} %)"
    elapsed = time.monotonic() - started
    if 0 < done < total and elapsed > 0:
        each = elapsed / done  # a slow stage (a spilled band join) showed "0/s"
        rate = f"{1 / each:,.0f}/s" if each < 2 else f"{each:,.0f} s each"
        text += f", {rate}, ~{each * (total - done):,.0f} s left"
    set_stage(text)


def counted(name: str, results: Iterable[T], tasks: Sequence[range]) -> Iterator[T]:
    """Yield `results`, one per task (a range of items), counting the items done as stage
    `name` (see `stage_count`): how each stage of a long run shows its progress.

    Example:
        >>> list(counted("signing documents", ["a", "b"], [range(0, 2), range(2, 3)]))
        ['a', 'b']
        >>> current_stage()
        'signing documents: 3/3 (100 %)'
        >>> set_stage("")
    """
    total = tasks[-1].stop if tasks else 0
    started = time.monotonic()
    stage_count(name, 0, total, started)
    for task, result in zip(tasks, results, strict=True):
        yield result
        stage_count(name, task.stop, total, started)


def current_stage() -> str:
    """The stage text last set (`set_stage`, `stage_count`)."""
    return _stage


def progress_enabled(*, quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Whether to draw progress: not quiet, and the stream (default stderr) is a terminal.

    Example:
        >>> import io
        >>> progress_enabled(stream=io.StringIO())
        False
    """
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not quiet and isatty is not None and bool(isatty())


class ProgressLine:
    """One self-overwriting status line: `label: 12,345 docs  4,321 docs/s`.

    Args:
        label: what is being done ("reading").
        unit: what is counted ("docs").
        enabled: draw at all (see `progress_enabled`).
        stream: where to draw (default: stderr).
        delay: seconds of silence before the first draw.

    Example:
        >>> import io
        >>> line = ProgressLine("reading", enabled=False, stream=io.StringIO())
        >>> line.update(3); line.count
        3
    """

    def __init__(
        self,
        label: str,
        *,
        unit: str = "docs",
        enabled: bool = True,
        stream: TextIO | None = None,
        delay: float = DELAY_SECONDS,
    ) -> None:
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self._start = time.monotonic()
        self._next_draw = self._start + delay
        self._width = 0

    def update(self, n: int = 1) -> None:
        """Count `n` more items; redraw if it is time to."""
        self.count += n
        if self.enabled and time.monotonic() >= self._next_draw:
            self.draw()

    def draw(self, status: str | None = None) -> None:
        """Redraw the line now (with `status` in place of the count, if given)."""
        now = time.monotonic()
        elapsed = now - self._start
        if status is None:
            rate = self.count / elapsed if elapsed > 0 else 0.0
            status = f"{self.count:,} {self.unit}  {rate:,.0f} {self.unit}/s"
        text = f"{self.label}: {status}"
        # Pad with spaces so a shorter line fully covers the previous one.
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)
        self._next_draw = now + REDRAW_SECONDS

    def close(self) -> None:
        """Erase the line if it was drawn."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def track(
    items: Iterable[T],
    label: str,
    *,
    enabled: bool,
    stream: TextIO | None = None,
    delay: float = DELAY_SECONDS,
) -> Iterator[T]:
    """Yield `items` unchanged while counting them on a progress line.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> list(track(range(3), "reading", enabled=False, stream=out)), out.getvalue()
        ([0, 1, 2], '')
    """
    line = ProgressLine(label, enabled=enabled, stream=stream, delay=delay)
    try:
        for item in items:
            yield item
            line.update()
    finally:
        line.close()


@contextmanager
def activity(
    label: str,
    *,
    enabled: bool,
    log: bool = False,
    stream: TextIO | None = None,
    delay: float = DELAY_SECONDS,
) -> Iterator[None]:
    """Show `label: 12 s  <stage>` while the body runs, from a background thread.

    On a terminal (`enabled`) the line is redrawn in place; otherwise, with `log`, a plain
    line is printed every `LOG_SECONDS`, so a CI log shows where a long run is.

    Example:
        >>> import io
        >>> with activity("scanning", enabled=False, stream=io.StringIO()):
        ...     pass
    """
    set_stage("")
    if not enabled:
        if log:
            with _log_lines(label, stream if stream is not None else sys.stderr):
                yield
        else:
            yield
        return
    line = ProgressLine(label, stream=stream, delay=delay)

    def draw(elapsed: float) -> None:
        line.draw(f"{elapsed:,.0f} s  {_stage}" if _stage else f"{elapsed:,.0f} s")

    try:
        with _every(REDRAW_SECONDS * 2, draw, first=delay):
            yield
    finally:
        line.close()
        set_stage("")


@contextmanager
def _log_lines(label: str, stream: TextIO) -> Iterator[None]:
    """Print `label: 30 s  <stage>` as plain lines every `LOG_SECONDS` while the body runs."""

    def log(elapsed: float) -> None:
        print(f"{label}: {elapsed:,.0f} s  {_stage}".rstrip(), file=stream, flush=True)

    with _every(LOG_SECONDS, log):
        yield


@contextmanager
def _every(
    seconds: float, action: Callable[[float], None], *, first: float | None = None
) -> Iterator[None]:
    """Call `action(seconds elapsed)` from a background thread every `seconds` (the first
    time after `first`) while the body runs; the thread is stopped and joined after it."""
    done = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        wait = seconds if first is None else first
        while not done.wait(wait):
            action(time.monotonic() - start)
            wait = seconds

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
