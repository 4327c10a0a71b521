"""Queries behind undoable codebook edits: the mentions an edit moves, and the audit entries of edits.

An edit records the rows it changes in the audit log; undoing it puts those rows back. These
functions read and write exactly those rows, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.people_tables import AuditEntry, Person

CHUNK = 5000
CODEBOOK = "codebook."
UNDO = "codebook.undo"


@dataclass(frozen=True)
class MentionRow:
    """One theme mention as an edit records it, to put it back as it was."""

    sentence_id: int
    response_id: str
    similarity: float
    polarity: int


@dataclass(frozen=True)
class HistoryRow:
    """One codebook audit entry with the name of the person who made it (None: the CLI or the system)."""

    entry: AuditEntry
    name: str | None


def mentions_of(*, session: Session, theme_id: str) -> list[MentionRow]:
    """Every mention of a theme, by sentence id."""
    rows = session.execute(
        select(ThemeMention.sentence_id, ThemeMention.response_id, ThemeMention.similarity,
               ThemeMention.polarity)
        .where(ThemeMention.theme_id == theme_id)
        .order_by(ThemeMention.sentence_id)
    )  # fmt: skip
    return [MentionRow(int(s), str(r), float(sim), int(p)) for s, r, sim, p in rows]


def sentence_ids_of(*, session: Session, theme_id: str) -> set[int]:
    """The sentences a theme holds."""
    query = select(ThemeMention.sentence_id).where(ThemeMention.theme_id == theme_id)
    return {int(sentence_id) for sentence_id in session.scalars(query)}


def mention(*, session: Session, sentence_id: int, theme_id: str) -> ThemeMention | None:
    return session.get(ThemeMention, (sentence_id, theme_id))


def sentence(*, session: Session, sentence_id: int) -> Sentence | None:
    return session.get(Sentence, sentence_id)


def sentence_embeddings(*, session: Session, theme_id: str) -> list[bytes]:
    """The embeddings of a theme's sentences, to find its centre when it has none stored."""
    query = (
        select(Sentence.embedding)
        .join(ThemeMention, ThemeMention.sentence_id == Sentence.id)
        .where(ThemeMention.theme_id == theme_id)
    )
    return list(session.scalars(query))


def add_mentions(*, session: Session, theme_id: str, rows: Iterable[MentionRow]) -> None:
    """Insert mentions of a theme (the sentences must not already be in it)."""
    session.add_all(
        ThemeMention(
            sentence_id=row.sentence_id,
            theme_id=theme_id,
            response_id=row.response_id,
            similarity=row.similarity,
            polarity=row.polarity,
        )
        for row in rows
    )
    session.flush()


def drop_mentions(*, session: Session, theme_id: str, sentence_ids: Sequence[int]) -> None:
    """Remove the given sentences from a theme."""
    for start in range(0, len(sentence_ids), CHUNK):
        chunk = list(sentence_ids[start : start + CHUNK])
        session.execute(
            delete(ThemeMention).where(ThemeMention.theme_id == theme_id, ThemeMention.sentence_id.in_(chunk))
        )


def move_all_mentions(*, session: Session, from_id: str, to_id: str) -> None:
    """Hand every mention of one theme to another (which must hold none of the same sentences)."""
    session.execute(update(ThemeMention).where(ThemeMention.theme_id == from_id).values(theme_id=to_id))


def children_of(*, session: Session, theme_id: str) -> list[str]:
    """Themes whose parent is this one, merged ones included."""
    return list(session.scalars(select(Theme.id).where(Theme.parent_id == theme_id).order_by(Theme.id)))


def merged_into(*, session: Session, theme_id: str) -> list[str]:
    """Themes merged into this one."""
    return list(session.scalars(select(Theme.id).where(Theme.merged_into_id == theme_id)))


def delete_themes(*, session: Session, theme_ids: Sequence[str]) -> None:
    """Remove themes that hold no mention any more."""
    session.execute(delete(Theme).where(Theme.id.in_(list(theme_ids))))


def live_themes(*, session: Session) -> list[Theme]:
    """Every theme not merged away, by label: the choices of a merge or a move."""
    return list(session.scalars(select(Theme).where(Theme.status != "merged").order_by(Theme.label)))


def codebook_entry(*, session: Session, entry_id: int) -> AuditEntry | None:
    """One audit entry, if it is a codebook edit or undo."""
    entry = session.get(AuditEntry, entry_id)
    return entry if entry is not None and entry.action.startswith(CODEBOOK) else None


def codebook_history(*, session: Session, limit: int = 200) -> list[HistoryRow]:
    """The latest codebook edits and undos, newest first, with who made them."""
    query = (
        select(AuditEntry, Person.name)
        .outerjoin(Person, Person.id == AuditEntry.person_id)
        .where(AuditEntry.action.startswith(CODEBOOK))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [HistoryRow(entry, name) for entry, name in session.execute(query)]


def undos(*, session: Session) -> dict[int, AuditEntry]:
    """Undone entry id → the undo entry that undid it."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == UNDO))
    return {int(entry.detail["undoes"]): entry for entry in entries if "undoes" in entry.detail}
