"""The part of the shared codebook a program's people and keys see.

The codebook is one for every program (a theme found in two programs' words is one theme), but a
discovered theme's label is written from its customers' words, so a theme that no response of a
program mentions tells of another program's customers. A program sees the themes its responses
mention (simulated ones too), their parents, the themes merged into those, and every theme of a
guide whose themes it mentions; any other theme answers as if it did not exist, to its reads and
to its analysts' edits. The codebook's history shows a program the edits it may see (`history_of`).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from askwhy.analysis.guide_themes import guide_of_theme
from askwhy.insights import selection_counts
from askwhy.insights.codebook import ThemeNotFound
from askwhy.insights.codebook_undo import CannotUndo
from askwhy.insights.read_cache import reuse
from askwhy.insights.selection import Selection
from askwhy.store import codebook_edits, theme_volumes
from askwhy.store.analysis_tables import Theme
from askwhy.store.codebook_edits import HistoryRow
from askwhy.store.people_tables import AuditEntry


def program_theme_ids(
    *,
    session: Session,
    program: str,
    include_simulated: bool = True,
    themes: Sequence[Theme] | None = None,
    mentioned: Mapping[str, object] | None = None,
) -> frozenset[str]:
    """The ids of the themes ``program`` sees, worked out once per state of the data; ``themes``
    (the whole codebook) and ``mentioned`` (the program's theme counts, every day, channel and
    segment) save reading them again when the caller has them."""

    def compute() -> frozenset[str]:
        codebook = theme_volumes.themes_oldest_first(session=session) if themes is None else themes
        if mentioned is not None:
            return seen_by(codebook, mentioned)
        everything = Selection(program=program, include_simulated=include_simulated)
        return seen_by(codebook, selection_counts.theme_counts(session=session, selection=everything))

    return reuse(session=session, question=("themes seen", program, include_simulated), compute=compute)


def program_wide(selection: Selection) -> bool:
    """True when ``selection`` is its program's every response (simulated ones as it says)."""
    return selection == Selection(program=selection.program, include_simulated=selection.include_simulated)


def seen_by(themes: Sequence[Theme], mentioned: Iterable[str]) -> frozenset[str]:
    """The themes of ``themes`` a program that mentions ``mentioned`` sees (see the module)."""
    by_id = {theme.id: theme for theme in themes}
    seen = {theme_id for theme_id in mentioned if theme_id in by_id}
    guides = {guide_of_theme(theme_id) for theme_id in seen} - {None}
    seen |= {theme.id for theme in themes if guide_of_theme(theme.id) in guides}
    for theme_id in list(seen):
        parent = by_id[theme_id].parent_id
        while parent is not None and parent in by_id and parent not in seen:
            seen.add(parent)
            parent = by_id[parent].parent_id
    while merged := {t.id for t in themes if t.merged_into_id in seen and t.id not in seen}:
        seen |= merged
    return frozenset(seen)


def of_program(themes: Sequence[Theme], seen: frozenset[str]) -> list[Theme]:
    """``themes`` without those the program does not see, in their order."""
    return [theme for theme in themes if theme.id in seen]


def require_seen(
    *, session: Session, program: str | None, theme_ids: Iterable[str], include_simulated: bool = True
) -> None:
    """`ThemeNotFound` for the first of ``theme_ids`` that ``program`` does not see; every program
    sees every theme when none is named (a key or person reaching every program)."""
    if program is None:
        return
    seen = program_theme_ids(session=session, program=program, include_simulated=include_simulated)
    for theme_id in theme_ids:
        if theme_id not in seen:
            raise ThemeNotFound(theme_id)


def history_shown_to(entry: AuditEntry, *, program: str, seen: Container[str]) -> bool:
    """True when a codebook edit (or its undo, judged by the edit it undid: ``undone``) may be shown
    to ``program``'s people: made from its pages, or touching only themes it sees and quoting no
    customer's sentence (a sentence moved from elsewhere may be another program's customer's)."""
    detail = entry.detail
    if detail.get("program") == program:
        return True
    if "sentence_id" in detail:
        return False
    themes = {*detail.get("before", {}), *detail.get("after", {})}
    return bool(themes) and all(theme_id in seen for theme_id in themes)


def history_of(*, session: Session, program: str, rows: Sequence[HistoryRow]) -> list[HistoryRow]:
    """The codebook history ``rows`` (newest first) that ``program``'s people may see: its edits by
    `history_shown_to`, and the undos of those (an undo names only the edit it undid)."""
    seen = program_theme_ids(session=session, program=program)
    by_id = {row.entry.id: row.entry for row in rows}
    shown: list[HistoryRow] = []
    for row in rows:
        judged: AuditEntry | None = row.entry
        if (undone := row.entry.detail.get("undoes")) is not None:
            judged = by_id.get(int(undone)) or codebook_edits.codebook_entry(
                session=session, entry_id=int(undone)
            )
        if judged is not None and history_shown_to(judged, program=program, seen=seen):
            shown.append(row)
    return shown


def require_edit_seen(*, session: Session, program: str | None, entry_id: int) -> None:
    """`CannotUndo`, as for an unknown edit, unless ``program``'s people may see edit ``entry_id``."""
    entry = codebook_edits.codebook_entry(session=session, entry_id=entry_id)
    if program is None or entry is None:
        return  # unknown edits are refused by the undo itself
    if not history_of(session=session, program=program, rows=[HistoryRow(entry, None)]):
        raise CannotUndo(f"there is no codebook edit #{entry_id} to undo")
