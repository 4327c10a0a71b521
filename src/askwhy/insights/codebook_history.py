"""Codebook edits that are logged and can be undone: rename, accept, merge, split, move a sentence.

Each edit runs the `codebook` use case and writes one audit entry holding the rows it changed as
they were before (to put them back) and as it left them (to tell whether they changed since). An
undo applies only while the themes are as the edit left them; otherwise it says which one changed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.insights import codebook, codebook_undo
from askwhy.insights.codebook import CodebookError, get_theme
from askwhy.insights.codebook_undo import CannotUndo, state
from askwhy.insights.program_codebook import require_edit_seen
from askwhy.store import codebook_edits, people
from askwhy.store.analysis_tables import Theme

__all__ = ["CannotUndo", "Editor", "accept", "merge", "move_sentence", "rename", "split", "undo"]


@dataclass(frozen=True)
class Editor:
    """Who makes an edit (None: the system), from which program's pages, and when."""

    person_id: str | None
    program: str | None
    now: datetime


def rename(
    *, session: Session, editor: Editor, theme_id: str, label: str, description: str | None = None
) -> Theme:
    """`codebook.rename`, logged as ``codebook.rename``."""
    theme = get_theme(session=session, theme_id=theme_id)
    before, old = {theme_id: snapshot(theme)}, theme.label
    codebook.rename(session=session, theme_id=theme_id, label=label, description=description, now=editor.now)
    summary = f"Renamed “{old}” to “{theme.label}”" if old != theme.label else f"Described “{old}”"
    _record(session, editor, "codebook.rename", theme_id, summary=summary, before=before, after=[theme])
    return theme


def accept(*, session: Session, editor: Editor, theme_id: str) -> Theme:
    """`codebook.accept`, logged as ``codebook.accept``."""
    theme = get_theme(session=session, theme_id=theme_id)
    before = {theme_id: snapshot(theme)}
    codebook.accept(session=session, theme_id=theme_id, now=editor.now)
    _record(
        session, editor, "codebook.accept", theme_id,
        summary=f"Accepted “{theme.label}”", before=before, after=[theme],
    )  # fmt: skip
    return theme


def merge(*, session: Session, editor: Editor, theme_id: str, into_id: str) -> Theme:
    """`codebook.merge`, logged with the mentions the merged theme had, to give them back."""
    source = get_theme(session=session, theme_id=theme_id)
    target = get_theme(session=session, theme_id=into_id)
    children = [get_theme(session=session, theme_id=c) for c in codebook_edits.children_of(
        session=session, theme_id=theme_id)]  # fmt: skip
    before = {t.id: snapshot(t) for t in (source, target, *children)}
    mentions = codebook_edits.mentions_of(session=session, theme_id=theme_id)
    had = codebook_edits.sentence_ids_of(session=session, theme_id=into_id)
    codebook.merge(session=session, theme_id=theme_id, into_id=into_id, now=editor.now)
    session.flush()
    for child in children:
        session.refresh(child)
    _record(
        session, editor, "codebook.merge", theme_id,
        summary=f"Merged “{source.label}” into “{target.label}”",
        before=before, after=[source, target, *children],
        mentions=[[m.sentence_id, m.response_id, m.similarity, m.polarity] for m in mentions],
        shared=sorted(had & {m.sentence_id for m in mentions}), into=into_id,
    )  # fmt: skip
    return target


def split(*, session: Session, editor: Editor, theme_id: str, parts: int = 2) -> list[Theme]:
    """`codebook.split`, logged with the sentences each new theme took."""
    theme = get_theme(session=session, theme_id=theme_id)
    before = {theme_id: snapshot(theme)}
    children = codebook.split(session=session, theme_id=theme_id, parts=parts, now=editor.now)
    session.flush()
    taken = {c.id: sorted(codebook_edits.sentence_ids_of(session=session, theme_id=c.id)) for c in children}
    labels = ", ".join(f"“{c.label}”" for c in children)
    _record(
        session, editor, "codebook.split", theme_id,
        summary=f"Split “{theme.label}” into {labels}", before=before, after=[theme, *children],
        children=taken,
    )  # fmt: skip
    return children


def move_sentence(*, session: Session, editor: Editor, sentence_id: int, from_id: str, to_id: str) -> Theme:
    """`codebook.move_sentence`, logged with the mention as it was, to move it back."""
    source = get_theme(session=session, theme_id=from_id)
    target = get_theme(session=session, theme_id=to_id)
    before = {t.id: snapshot(t) for t in (source, target)}
    found = codebook_edits.mention(session=session, sentence_id=sentence_id, theme_id=from_id)
    if found is None:
        raise CodebookError(f"sentence {sentence_id} is not in the theme “{source.label}”")
    mention = [found.sentence_id, found.response_id, found.similarity, found.polarity]
    kept = codebook.move_sentence(
        session=session, sentence_id=sentence_id, from_id=from_id, to_id=to_id, now=editor.now
    )
    text = _words(session, sentence_id)
    _record(
        session, editor, "codebook.move", from_id,
        summary=f"Moved “{text}” from “{source.label}” to “{target.label}”",
        before=before, after=[source, target],
        sentence_id=sentence_id, to=to_id, mention=mention, target_had=kept is not None,
    )  # fmt: skip
    return target


def undo(*, session: Session, editor: Editor, entry_id: int) -> str:
    """Put back what a codebook edit changed, log ``codebook.undo``, and return what was undone.

    Raises `CannotUndo` when the edit is unknown (or not one the editor's program may see:
    `program_codebook.history_of`), already undone, or its themes changed since."""
    require_edit_seen(session=session, program=editor.program, entry_id=entry_id)
    summary = codebook_undo.undo_entry(session=session, entry_id=entry_id)
    _record_undo(session, editor, entry_id, summary)
    return summary


def snapshot(theme: Theme) -> dict[str, Any]:
    """A theme's row as JSON: everything an edit may change, to restore it."""
    return {
        **state(theme),
        "keywords": list(theme.keywords),
        "examples": list(theme.examples),
        "centroid": base64.b64encode(theme.centroid).decode() if theme.centroid is not None else None,
        "updated_at": theme.updated_at.isoformat(),
    }


def _record(
    session: Session,
    editor: Editor,
    action: str,
    target: str,
    *,
    summary: str,
    before: dict[str, dict[str, Any]],
    after: list[Theme],
    **extra: Any,
) -> None:
    detail = {
        "program": editor.program,
        "summary": summary,
        "before": before,
        "after": {theme.id: state(theme) for theme in after},
        **extra,
    }
    people.record(
        session=session,
        at=editor.now,
        person_id=editor.person_id,
        action=action,
        target=target,
        detail=detail,
    )
    session.flush()


def _record_undo(session: Session, editor: Editor, entry_id: int, summary: str) -> None:
    people.record(
        session=session, at=editor.now, person_id=editor.person_id, action=codebook_edits.UNDO,
        target=str(entry_id),
        detail={"program": editor.program, "undoes": entry_id, "summary": f"Undid: {summary}"},
    )  # fmt: skip
    session.flush()


def _words(session: Session, sentence_id: int, limit: int = 80) -> str:
    found = codebook_edits.sentence(session=session, sentence_id=sentence_id)
    text = " ".join(found.text.split()) if found else f"sentence {sentence_id}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
