"""The themes codebook the team owns: rename, accept, merge, split and delete themes.

Ids are stable: every edit changes only the themes it names (a split adds new child themes), so
links to other themes, and their memberships, never move. `codebook_history` wraps these edits
so that each is logged and can be undone.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import numpy as np
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from askwhy.analysis.labels import label_clusters
from askwhy.analysis.theme_split import split_theme
from askwhy.insights.vectors import from_bytes, stack, to_bytes, unit_mean
from askwhy.store import codebook_edits
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.base import new_id
from askwhy.store.codebook_edits import MentionRow


class ThemeNotFound(LookupError):
    pass


class CodebookError(ValueError):
    """An edit that makes no sense, with a message for the person who asked for it."""


class ThemeTextRefused(CodebookError):
    """A label or description that cannot be shown as written; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# A label is one line wherever it is shown (a chart axis, a Slack line, a CSV cell, an e-mail
# subject), so it refuses line breaks and every other control character; the bidirectional
# overrides would also make it read as other words. A description may have paragraphs.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refused(text: str, *, field: str, one_line: bool) -> None:
    allowed = "" if one_line else "\n\r\t"
    for char in text:
        if one_line and char in _LINE_BREAKS:
            raise ThemeTextRefused(field, "write it on one line (no line breaks)")
        if char in _BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in allowed):
            raise ThemeTextRefused(field, f"remove the control character U+{ord(char):04X}")


def get_theme(*, session: Session, theme_id: str) -> Theme:
    """The theme with this id (merged themes included), or ThemeNotFound."""
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise ThemeNotFound(theme_id)
    return theme


def rename(
    *, session: Session, theme_id: str, label: str, now: datetime, description: str | None = None
) -> Theme:
    """Give a theme a new label (and optionally description); nothing else changes. A label with
    a line break or a control character, or a description with a control character, is refused."""
    label = label.strip()
    if not label:
        raise ThemeTextRefused("label", "a theme needs a non-empty label")
    _refused(label, field="label", one_line=True)
    if description is not None:
        _refused(description, field="description", one_line=False)
    theme = _live(session, theme_id)
    theme.label = label[:200]
    if description is not None:
        theme.description = description
    theme.updated_at = now
    return theme


def accept(*, session: Session, theme_id: str, now: datetime) -> Theme:
    """Mark a proposed theme as accepted into the codebook."""
    theme = _live(session, theme_id)
    theme.status = "accepted"
    theme.updated_at = now
    return theme


def delete_theme(*, session: Session, theme_id: str) -> int:
    """Remove a theme; its sentences with no other theme go back to the pool. Returns how many did."""
    theme = get_theme(session=session, theme_id=theme_id)
    members = select(ThemeMention.sentence_id).where(ThemeMention.theme_id == theme_id)
    others = exists().where(ThemeMention.sentence_id == Sentence.id, ThemeMention.theme_id != theme_id)
    orphaned = list(session.scalars(select(Sentence.id).where(Sentence.id.in_(members), ~others)))
    session.execute(update(Theme).where(Theme.parent_id == theme_id).values(parent_id=theme.parent_id))
    session.execute(update(Theme).where(Theme.merged_into_id == theme_id).values(merged_into_id=None))
    session.execute(delete(ThemeMention).where(ThemeMention.theme_id == theme_id))
    for start in range(0, len(orphaned), 5000):
        chunk = orphaned[start : start + 5000]
        session.execute(update(Sentence).where(Sentence.id.in_(chunk)).values(theme_state="pool"))
    session.delete(theme)
    return len(orphaned)


def merge(*, session: Session, theme_id: str, into_id: str, now: datetime) -> Theme:
    """Fold one theme into another: its mentions move over, its id stays as a pointer to the other."""
    if theme_id == into_id:
        raise CodebookError("a theme cannot be merged into itself")
    source, target = _live(session, theme_id), _live(session, into_id)
    already = select(ThemeMention.sentence_id).where(ThemeMention.theme_id == into_id)
    session.execute(
        delete(ThemeMention).where(ThemeMention.theme_id == theme_id, ThemeMention.sentence_id.in_(already))
    )
    session.execute(update(ThemeMention).where(ThemeMention.theme_id == theme_id).values(theme_id=into_id))
    session.execute(update(Theme).where(Theme.parent_id == theme_id).values(parent_id=into_id))
    target.keywords = list(dict.fromkeys([*target.keywords, *source.keywords]))[:10]
    target.examples = list(dict.fromkeys([*target.examples, *source.examples]))[:10]
    _recentre(session, target)
    target.updated_at = now
    source.status, source.merged_into_id, source.centroid, source.updated_at = "merged", into_id, None, now
    return target


def split(*, session: Session, theme_id: str, now: datetime, parts: int = 2) -> list[Theme]:
    """Split a theme into ``parts`` new child themes that take over its sentences; returns the children.

    The theme keeps its id and label as the parent of the new themes.
    """
    theme = _live(session, theme_id)
    rows = list(
        session.execute(
            select(ThemeMention.sentence_id, Sentence.text, Sentence.embedding, Sentence.sentiment_score)
            .join(Sentence, Sentence.id == ThemeMention.sentence_id)
            .where(ThemeMention.theme_id == theme_id)
            .order_by(ThemeMention.sentence_id)
        )
    )
    vectors = stack([r.embedding for r in rows])
    try:
        groups = split_theme(vectors, parts=parts)
    except ValueError as exc:
        raise CodebookError(str(exc)) from None
    cluster = np.full(len(rows), -1, dtype=np.int64)
    for number, members in enumerate(groups):
        cluster[members] = number
    labels = label_clusters([r.text for r in rows], cluster, sentiments=[r.sentiment_score for r in rows])
    children = []
    for number, members in enumerate(groups):
        label = labels.get(number)
        centre = unit_mean(vectors[members])
        child = Theme(
            id=new_id(),
            label=(label.name if label else f"{theme.label} ({number + 1})")[:200],
            description=label.description if label else "",
            status="proposed",
            parent_id=theme.id,
            keywords=list(label.keywords) if label else [],
            centroid=to_bytes(centre),
            examples=[rows[i].sentence_id for i in members[:5]],
            created_at=now,
            updated_at=now,
        )
        session.add(child)
        session.flush()
        ids = [rows[i].sentence_id for i in members]
        for start in range(0, len(ids), 5000):
            session.execute(
                update(ThemeMention)
                .where(
                    ThemeMention.theme_id == theme_id, ThemeMention.sentence_id.in_(ids[start : start + 5000])
                )
                .values(theme_id=child.id)
            )
        children.append(child)
    theme.centroid, theme.updated_at = None, now
    return children


def move_sentence(
    *, session: Session, sentence_id: int, from_id: str, to_id: str, now: datetime
) -> MentionRow | None:
    """Move one sentence from a theme to another, keeping its polarity; its similarity becomes its
    closeness to the other theme's centre. Returns the mention the other theme already had, if any
    (the sentence then only leaves the first theme)."""
    if from_id == to_id:
        raise CodebookError("choose another theme to move the sentence to")
    source, target = _live(session, from_id), _live(session, to_id)
    found = codebook_edits.mention(session=session, sentence_id=sentence_id, theme_id=from_id)
    if found is None:
        raise CodebookError(f"sentence {sentence_id} is not in the theme “{source.label}”")
    existing = codebook_edits.mention(session=session, sentence_id=sentence_id, theme_id=to_id)
    kept = None
    if existing is None:
        similarity = _closeness(session, sentence_id, target)
        row = MentionRow(sentence_id, found.response_id, similarity, found.polarity)
        codebook_edits.add_mentions(session=session, theme_id=to_id, rows=[row])
    else:
        kept = MentionRow(sentence_id, existing.response_id, existing.similarity, existing.polarity)
    codebook_edits.drop_mentions(session=session, theme_id=from_id, sentence_ids=[sentence_id])
    source.updated_at = target.updated_at = now
    return kept


def _closeness(session: Session, sentence_id: int, theme: Theme) -> float:
    """Cosine similarity of a sentence to a theme's centre (its stored centroid, else its sentences')."""
    found = codebook_edits.sentence(session=session, sentence_id=sentence_id)
    if found is None:
        raise ThemeNotFound(f"sentence {sentence_id}")
    if theme.centroid is not None:
        centre = from_bytes(theme.centroid)
    else:
        blobs = codebook_edits.sentence_embeddings(session=session, theme_id=theme.id)
        if not blobs:
            return 1.0
        centre = unit_mean(stack(blobs))
    vector = from_bytes(found.embedding)
    if vector.shape != centre.shape:
        return 0.0
    return round(float(np.clip(np.dot(vector, centre), -1.0, 1.0)), 4)


def _live(session: Session, theme_id: str) -> Theme:
    theme = get_theme(session=session, theme_id=theme_id)
    if theme.status == "merged":
        raise CodebookError(f"theme {theme_id} was merged into {theme.merged_into_id}; edit that one")
    return theme


def _recentre(session: Session, theme: Theme) -> None:
    blobs = list(
        session.scalars(
            select(Sentence.embedding)
            .join(ThemeMention, ThemeMention.sentence_id == Sentence.id)
            .where(ThemeMention.theme_id == theme.id)
        )
    )
    if blobs:
        theme.centroid = to_bytes(unit_mean(stack(blobs)))
