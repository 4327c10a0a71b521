"""Undoing a logged codebook edit: check its themes are as it left them, then put its rows back.

An edit that no longer applies (a theme deleted, renamed again, split or merged since, a sentence
moved on) is refused with a message naming the theme, never half undone.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from askwhy.insights.codebook import CodebookError
from askwhy.store import codebook_edits
from askwhy.store.analysis_tables import Theme
from askwhy.store.codebook_edits import MentionRow

STATE = ("label", "description", "status", "parent_id", "merged_into_id")
"""What an undo compares: the fields of a theme a person sees and edits."""
LATER = "undo the later edits first"


class CannotUndo(CodebookError):
    """The edit is unknown, already undone, or its themes changed since; the message says which."""


def state(theme: Theme) -> dict[str, Any]:
    """The fields of a theme an undo checks are as the edit left them."""
    return {name: getattr(theme, name) for name in STATE}


def undo_entry(*, session: Session, entry_id: int) -> str:
    """Put back the rows the edit logged as ``entry_id`` changed; returns the edit's summary."""
    entry = codebook_edits.codebook_entry(session=session, entry_id=entry_id)
    if entry is None or entry.action not in UNDOERS:
        raise CannotUndo(f"there is no codebook edit #{entry_id} to undo")
    done = codebook_edits.undos(session=session).get(entry_id)
    if done is not None:
        raise CannotUndo(f"edit #{entry_id} was already undone on {done.at:%Y-%m-%d %H:%M} UTC")
    detail = entry.detail
    _check_unchanged(session, detail["after"])
    UNDOERS[entry.action](session, str(entry.target), detail)
    _restore(session, detail["before"])
    session.flush()
    return str(detail.get("summary", entry.action))


def _check_unchanged(session: Session, after: dict[str, dict[str, Any]]) -> None:
    for theme_id, left in after.items():
        theme = session.get(Theme, theme_id)
        if theme is None:
            raise CannotUndo(
                f"the theme “{left['label']}” was deleted since; this edit can no longer be undone"
            )
        if state(theme) != left:
            raise CannotUndo(
                f"the theme “{left['label']}” changed since this edit "
                f"(now “{theme.label}”, {theme.status}); {LATER}"
            )


def _restore(session: Session, before: dict[str, dict[str, Any]]) -> None:
    for theme_id, row in before.items():
        theme = session.get(Theme, theme_id)
        if theme is None:
            continue
        for name in STATE:
            setattr(theme, name, row[name])
        for name in ("parent_id", "merged_into_id"):
            if row[name] is not None and session.get(Theme, row[name]) is None:
                setattr(theme, name, None)
        theme.keywords, theme.examples = list(row["keywords"]), list(row["examples"])
        theme.centroid = base64.b64decode(row["centroid"]) if row["centroid"] is not None else None
        theme.updated_at = datetime.fromisoformat(row["updated_at"])


def _nothing_more(session: Session, theme_id: str, detail: dict[str, Any]) -> None:
    """Rename and accept change only fields of the theme, which `_restore` puts back."""


def _unmerge(session: Session, theme_id: str, detail: dict[str, Any]) -> None:
    into = str(detail["into"])
    rows = [MentionRow(int(s), str(r), float(sim), int(p)) for s, r, sim, p in detail["mentions"]]
    moved = {row.sentence_id for row in rows}
    held = codebook_edits.sentence_ids_of(session=session, theme_id=into)
    if not moved <= held:
        raise CannotUndo(
            f"{len(moved - held)} of the merged sentences left the theme it was merged into; {LATER}"
        )
    if codebook_edits.sentence_ids_of(session=session, theme_id=theme_id) & moved:
        raise CannotUndo(f"the merged theme holds some of its sentences again; {LATER}")
    codebook_edits.drop_mentions(
        session=session, theme_id=into, sentence_ids=sorted(moved - set(detail["shared"]))
    )
    codebook_edits.add_mentions(session=session, theme_id=theme_id, rows=rows)


def _unsplit(session: Session, theme_id: str, detail: dict[str, Any]) -> None:
    children: dict[str, list[int]] = detail["children"]
    for child_id, sentence_ids in children.items():
        label = detail["after"][child_id]["label"]
        if codebook_edits.children_of(session=session, theme_id=child_id):
            raise CannotUndo(f"the theme “{label}” has subthemes of its own since; {LATER}")
        if codebook_edits.merged_into(session=session, theme_id=child_id):
            raise CannotUndo(f"another theme was merged into “{label}” since; {LATER}")
        if codebook_edits.sentence_ids_of(session=session, theme_id=child_id) != set(sentence_ids):
            raise CannotUndo(f"sentences moved in or out of “{label}” since; {LATER}")
    held = codebook_edits.sentence_ids_of(session=session, theme_id=theme_id)
    if held & {s for ids in children.values() for s in ids}:
        raise CannotUndo(f"the split theme holds some of the same sentences again; {LATER}")
    for child_id in children:
        codebook_edits.move_all_mentions(session=session, from_id=child_id, to_id=theme_id)
    session.flush()
    for child_id in children:
        child = session.get(Theme, child_id)
        if child is not None:
            session.delete(child)
    session.flush()


def _move_back(session: Session, theme_id: str, detail: dict[str, Any]) -> None:
    sentence_id, to_id = int(detail["sentence_id"]), str(detail["to"])
    if codebook_edits.mention(session=session, sentence_id=sentence_id, theme_id=theme_id) is not None:
        raise CannotUndo("the sentence is back in its first theme already")
    if not detail["target_had"]:
        if codebook_edits.mention(session=session, sentence_id=sentence_id, theme_id=to_id) is None:
            raise CannotUndo(f"the sentence moved on from the theme it was moved to; {LATER}")
        codebook_edits.drop_mentions(session=session, theme_id=to_id, sentence_ids=[sentence_id])
    s, r, sim, p = detail["mention"]
    codebook_edits.add_mentions(session=session, theme_id=theme_id, rows=[MentionRow(int(s), str(r), sim, p)])


UNDOERS: dict[str, Callable[[Session, str, dict[str, Any]], None]] = {
    "codebook.rename": _nothing_more,
    "codebook.accept": _nothing_more,
    "codebook.merge": _unmerge,
    "codebook.split": _unsplit,
    "codebook.move": _move_back,
}
"""What each edit needs beyond restoring its themes' fields."""
