"""The end-of-run summary table printed on stderr after `scan` and `clean`.

It answers "what happened to my corpus" in one glance: how many documents were read, how
many are near-duplicate copies, how many are (or would be) kept, rejected and skipped as
unreadable, and how long it took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Counts and timing of one run.

    Attributes:
        documents: documents read (bad records not included).
        duplicates: non-kept copies of near-duplicate clusters.
        kept: documents written (`clean`) or that cleaning would keep (`scan`).
        rejected: documents and records sent to the rejects file (None for `scan`).
        skipped: bad records skipped by the reader.
        seconds: wall time of the run.

    Example:
        >>> RunSummary(documents=10, duplicates=2, kept=8, rejected=None, skipped=1,
        ...            seconds=2.0).docs_per_second
        5.0
    """

    documents: int
    duplicates: int
    kept: int
    rejected: int | None
    skipped: int
    seconds: float

    @property
    def docs_per_second(self) -> float:
        """Documents read per second of wall time."""
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    def rows(self) -> list[tuple[str, str]]:
        """The table as (label, value) rows, values formatted for people."""
        rejected = "-" if self.rejected is None else f"{self.rejected:,}"
        return [
            ("documents", f"{self.documents:,}"),
            ("duplicates", f"{self.duplicates:,}"),
            ("kept", f"{self.kept:,}"),
            ("rejected", rejected),
            ("skipped", f"{self.skipped:,}"),
            ("time", f"{self.seconds:,.2f} s"),
            ("docs/s", f"{self.docs_per_second:,.0f}"),
        ]

    def render(self) -> str:
        """A two-column table, labels left and values right-aligned.

        Example:
            >>> print(RunSummary(1200, 3, 1197, 3, 0, 0.5).render())
            documents   1,200
            duplicates      3
            kept        1,197
            rejected        3
            skipped         0
            time       0.50 s
            docs/s      2,400
        """
        rows = self.rows()
        left = max(len(label) for label, _ in rows)
        right = max(len(value) for _, value in rows)
        return "\n".join(f"{label:<{left}} {value:>{right}}" for label, value in rows)


def scan_summary(report_summary: Mapping[str, int], skipped: int, seconds: float) -> RunSummary:
    """Summary of a scan from `Report.summary()`: kept is what `clean` would keep.

    Example:
        >>> scan_summary({"documents": 5, "duplicate_documents": 1}, 2, 1.0).kept
        4
    """
    documents = report_summary["documents"]
    duplicates = report_summary["duplicate_documents"]
    return RunSummary(documents, duplicates, documents - duplicates, None, skipped, seconds)


def clean_summary(clean_counts: Mapping[str, int], seconds: float) -> RunSummary:
    """Summary of a clean from `CleanResult.summary()` (read = written + rejected).

    Example:
        >>> counts = {"read": 6, "written": 4, "rejected": 2, "near_duplicates": 1,
        ...           "unreadable": 1}
        >>> clean_summary(counts, 1.0).documents
        5
    """
    unreadable = clean_counts["unreadable"]
    return RunSummary(
        documents=clean_counts["read"] - unreadable,
        duplicates=clean_counts["near_duplicates"],
        kept=clean_counts["written"],
        rejected=clean_counts["rejected"],
        skipped=unreadable,
        seconds=seconds,
    )
