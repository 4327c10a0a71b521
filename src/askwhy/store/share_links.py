"""Queries on share links: add one, find one, list a program's live links, revoke one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from askwhy.store.share_tables import ShareLink


def add_share_link(
    *,
    session: Session,
    program: str,
    filters: str,
    created_by: str | None,
    now: datetime,
    expires_at: datetime,
) -> ShareLink:
    link = ShareLink(
        program=program, filters=filters, created_by=created_by, created_at=now, expires_at=expires_at
    )
    session.add(link)
    session.flush()
    return link


def share_link(*, session: Session, link_id: str) -> ShareLink | None:
    return session.get(ShareLink, link_id)


def live_share_links(*, session: Session, program: str, now: datetime) -> Sequence[ShareLink]:
    """The program's links that still open: not revoked, not expired; newest first."""
    return session.scalars(
        select(ShareLink)
        .where(ShareLink.program == program, ShareLink.expires_at > now, ShareLink.revoked_at.is_(None))
        .order_by(ShareLink.created_at.desc(), ShareLink.id)
    ).all()


def revoke_share_link(*, session: Session, link_id: str, program: str, now: datetime, by: str | None) -> bool:
    """Revoke a live link of ``program``; False when there is none (unknown, another program's, or
    already revoked)."""
    revoked = session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id, ShareLink.program == program, ShareLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
    )
    return bool(revoked.rowcount)  # type: ignore[attr-defined]
