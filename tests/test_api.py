"""The Python API's entry points: what they take."""

from __future__ import annotations

from pathlib import Path

import pytest

import dedup
from dedup import Document


@pytest.mark.parametrize("call", [dedup.scan, dedup.check])
def test_paths_where_documents_are_taken_say_how_to_read_them(seed_paths, call):
    # `dedup scan samples/` on the command line made `dedup.scan(["samples/"])` a new user's
    # first call: "AttributeError: 'str' object has no attribute 'id'", deep inside.
    folder = str(seed_paths["000"].parent)
    name = call.__name__
    for paths in ([folder], folder, [Path(folder)]):
        with pytest.raises(TypeError, match=rf"dedup.{name} takes Documents, got a \w+ \('/"):
            call(paths)
    with pytest.raises(TypeError, match=r"read files with dedup.read_documents\(paths\)"):
        call([folder])
    docs = list(dedup.read_documents([str(p) for p in seed_paths.values()]))
    assert len(call(docs).report.documents if name == "check" else call(docs).documents) == 2


def test_compare_takes_two_documents(seed_texts):
    a, b = seed_texts.values()
    shown = r"got a str \(' date 2023-02-14 PTI\\n\\nIslamabad[^)]*\.\.\.\)"  # cut short
    message = rf"^dedup.compare takes Documents, {shown}: .* Document\(id, text\)$"
    with pytest.raises(TypeError, match=message):
        dedup.compare(a, Document("b", b))  # type: ignore[arg-type]
    assert dedup.compare(Document("a", a), Document("b", b)).passages
