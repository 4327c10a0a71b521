"""The evidence an alert carries beyond its test: customers' redacted words and the segments most affected.

Quotes are the subject's sentences from the period that alarmed, as stored after redaction,
closest to the theme first, each with content and none repeating another in words or meaning
(`askwhy.analysis.quotes.speaking_quotes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.analysis.cleaning import readable_quote
from askwhy.analysis.quotes import speaking_quotes
from askwhy.domain.alerts import AffectedSegment, AlertQuote
from askwhy.insights.vectors import from_bytes
from askwhy.store import alert_counts
from askwhy.store.alert_counts import MentionText

QUOTES = 5
SEGMENTS = 3
CANDIDATES = 60
"""Sentences read to choose the quotes from: the most central ones are enough."""
MIN_SEGMENT_RESPONSES = 3


def theme_quotes(
    *,
    session: Session,
    program: str,
    theme_id: str,
    since: datetime,
    until: datetime,
    segment: tuple[str, str] | None = None,
    near_duplicate: float,
) -> tuple[AlertQuote, ...]:
    """Up to five redacted sentences of the theme given in [since, until) (in the ``segment``, a
    (name, value), if given), central ones first, none repeating another at ``near_duplicate``."""
    candidates = alert_counts.mention_texts(
        session=session,
        program=program,
        theme_id=theme_id,
        since=since,
        until=until,
        limit=CANDIDATES,
        segment=segment,
    )
    return chosen_quotes(candidates, near_duplicate=near_duplicate)


def chosen_quotes(candidates: Sequence[MentionText], *, near_duplicate: float) -> tuple[AlertQuote, ...]:
    """The speaking quotes among candidates in their order (most central first); ``near_duplicate``
    is the embedding model's own level (`DetectionDesign.near_duplicate`)."""
    texts = [c.text for c in candidates]
    vectors = [from_bytes(c.embedding) for c in candidates]
    picked = speaking_quotes(texts, vectors, k=QUOTES, near_duplicate=near_duplicate)
    return tuple(
        AlertQuote(readable_quote(candidates[i].text), candidates[i].response_id, candidates[i].responded_at)
        for i in picked
    )


def affected_segments(
    *,
    session: Session,
    program: str,
    theme_id: str,
    current: tuple[datetime, datetime],
    baseline: tuple[datetime, datetime],
) -> tuple[AffectedSegment, ...]:
    """The three segment values where the theme's share rose most above its own baseline share
    (ranked by excess responses, so a big segment's rise counts more than a tiny one's)."""
    found: list[tuple[float, AffectedSegment]] = []
    for name in alert_counts.segment_names(
        session=session, program=program, since=current[0], until=current[1]
    ):
        now = alert_counts.segment_shares(
            session=session, program=program, theme_id=theme_id, name=name, since=current[0], until=current[1]
        )
        then = alert_counts.segment_shares(
            session=session,
            program=program,
            theme_id=theme_id,
            name=name,
            since=baseline[0],
            until=baseline[1],
        )
        for value, (mentions, total) in now.items():
            if total < MIN_SEGMENT_RESPONSES:
                continue
            seen, exposure = then.get(value, (0, 0))
            base = (seen + 0.5) / (exposure + 1.0)
            excess = mentions - total * base
            if excess > 0:
                found.append((excess, AffectedSegment(name, value, mentions / total, base, total)))
    found.sort(key=lambda pair: -pair[0])
    return tuple(segment for _, segment in found[:SEGMENTS])
