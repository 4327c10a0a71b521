"""Exports askwhy wrote, listed so that erasing a customer reaches them too.

A report (`askwhy analyze`) quotes customers' words. Each file it writes is listed, one path a
line, in the data folder's exports list; erasing a customer deletes every listed file that holds
one of their identifiers or sentences, and forgets the files that are gone. The files are deleted,
not edited: a report is derived, and is written again from what the database still holds.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable
from pathlib import Path

from askwhy.store.private_files import write_private_text

LIST_NAME = "exports.txt"
SHORTEST_WORDS = 12
"""Sentences shorter than this ("9", "no", "it was fine") say nothing of who wrote them."""


def record_exports(*, data_dir: Path, paths: Iterable[Path]) -> None:
    """Add ``paths`` to the exports list of ``data_dir``."""
    listed = _listed(data_dir)
    added = [str(path.resolve()) for path in paths]
    write_private_text(data_dir / LIST_NAME, "".join(f"{p}\n" for p in dict.fromkeys([*listed, *added])))


def erase_from_exports(*, data_dir: Path, identifiers: Collection[str], words: Collection[str]) -> list[Path]:
    """Delete the listed exports that hold one of ``identifiers`` or of the sentences in ``words``
    (as written, or HTML-escaped as a report page has them); returns the deleted files."""
    needles = {value.encode() for value in identifiers if len(value) >= 6}
    for sentence in (" ".join(w.split()) for w in words):
        if len(sentence) >= SHORTEST_WORDS:
            needles |= {sentence.encode(), html.escape(sentence).encode()}
    listed = _listed(data_dir)
    if not listed or not needles:
        return []
    deleted, kept = [], []
    for name in listed:
        path = Path(name)
        if not path.is_file():
            continue
        if any(needle in path.read_bytes() for needle in needles):
            path.unlink()
            deleted.append(path)
        else:
            kept.append(name)
    write_private_text(data_dir / LIST_NAME, "".join(f"{p}\n" for p in kept))
    return deleted


def _listed(data_dir: Path) -> list[str]:
    ledger = data_dir / LIST_NAME
    if not ledger.is_file():
        return []
    return [line for line in ledger.read_text(encoding="utf-8").splitlines() if line.strip()]
