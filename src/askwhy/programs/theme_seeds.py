"""The themes a guide names, written into the codebook as accepted themes when programs sync.

A team that names "late delivery" in its guide expects to see it in the report with its volume
from the first conversation, not to wait for discovery to propose it under another name. Seeding
is idempotent: a theme already there keeps its label, status and the team's edits; only a change
of the guide's keywords is taken in (and its centre recomputed at the next analysis).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.analysis.guide_themes import flat_keywords, seed_theme_id
from askwhy.domain.guide import Guide
from askwhy.domain.guide import Theme as GuideTheme
from askwhy.store.analysis_tables import Theme


def seed_themes(*, session: Session, guides: Iterable[Guide], now: datetime) -> list[str]:
    """Make every theme the guides name an accepted theme of the codebook; returns the ids added."""
    added: list[str] = []
    for guide in guides:
        for named in guide.themes:
            theme_id = seed_theme_id(guide.id, named.id)
            keywords = seed_keywords(guide, named)
            theme = session.get(Theme, theme_id)
            if theme is None:
                session.add(_new_theme(theme_id, guide, named, keywords, now))
                added.append(theme_id)
            elif list(theme.keywords) != keywords:
                theme.keywords, theme.centroid, theme.updated_at = keywords, None, now
    session.flush()
    return added


def seed_keywords(guide: Guide, named: GuideTheme) -> list[str]:
    """The guide's keywords for the theme, with its labels in the guide's other languages."""
    label = guide.say(named.label, guide.default_language)
    others = [text for text in named.label.values() if text != label]
    return sorted(set(flat_keywords(named.keywords)) | set(others))


def _new_theme(theme_id: str, guide: Guide, named: GuideTheme, keywords: list[str], now: datetime) -> Theme:
    return Theme(
        id=theme_id,
        label=guide.say(named.label, guide.default_language)[:200],
        description=f"Named by the guide {guide.name!r} ({guide.id}, theme {named.id}).",
        status="accepted",
        parent_id=None,
        keywords=keywords,
        centroid=None,
        examples=[],
        created_at=now,
        updated_at=now,
    )
