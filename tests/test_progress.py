"""The activity line names the stage a long call is in, and erases itself."""

from __future__ import annotations

import io
import time

from dedup.progress import activity, set_stage


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_activity_shows_the_current_stage_then_erases_the_line():
    out = _Terminal()
    with activity("scanning 10 documents", enabled=True, stream=out, delay=0.0):
        set_stage("passages: aligning 3 document pairs")
        deadline = time.monotonic() + 5
        while "aligning" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    drawn = out.getvalue()
    assert "scanning 10 documents: " in drawn
    assert "passages: aligning 3 document pairs" in drawn
    assert drawn.endswith("\r")  # the last write erases the line


def test_a_stage_left_over_is_not_shown_by_the_next_activity():
    set_stage("boilerplate")
    out = _Terminal()
    with activity("cleaning", enabled=True, stream=out, delay=0.0):
        time.sleep(0.3)
    assert "boilerplate" not in out.getvalue()


def test_off_a_terminal_a_long_run_prints_plain_log_lines(monkeypatch) -> None:
    import io
    import time

    from dedup import progress

    monkeypatch.setattr(progress, "LOG_SECONDS", 0.05)
    stream = io.StringIO()
    with progress.activity("scanning 10 documents", enabled=False, log=True, stream=stream):
        progress.stage_count("passages: aligning document pairs", 5, 10, time.monotonic() - 5)
        time.sleep(0.3)
    lines = stream.getvalue().splitlines()
    assert lines
    assert lines[-1].startswith("scanning 10 documents: ")
    assert lines[-1].endswith("passages: aligning document pairs: 5/10 (50 %), 1/s, ~5 s left")
    assert "\r" not in stream.getvalue()  # plain lines, not a redrawn terminal line


def test_a_stage_slower_than_one_item_a_second_says_the_time_each() -> None:
    # A spilled scan of 2,707 /usr/share/doc files: "band join on disk: 4/24 (16 %), 0/s".
    import time

    from dedup import progress

    progress.stage_count("passages: band join on disk", 4, 24, time.monotonic() - 120)
    assert progress.current_stage().startswith(
        "passages: band join on disk: 4/24 (16 %), 30 s each, ~6"
    )
    progress.set_stage("")
