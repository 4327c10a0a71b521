"""Share links: a signed, expiring, revocable link to a read-only view of one program's overview.

The token is signed with ``ASKWHY_SECRET_KEY`` under a salt of its own (no other signed value of
askwhy can pass for it) and carries the link's id, program, filters and expiry. The link's row is
what makes it revocable. Creating, opening and revoking a link are written to the audit log; the
token itself never is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from askwhy.outreach.chat_links import stamped_serializer
from askwhy.store import people, share_links
from askwhy.store.share_tables import ShareLink

SALT = "askwhy.share-link"
EXPIRY_DAYS = (1, 7, 30)
DEFAULT_EXPIRY_DAYS = 7
PATH = "/shared/"


@dataclass(frozen=True)
class SharedView:
    """What a genuine, live link opens: this program's overview with these filters, until then."""

    link_id: str
    program: str
    filters: str
    """The view's query string."""
    expires_at: datetime


class LinkUnknown(LookupError):
    """Not a link askwhy made (tampered, cut short, another key), or its row is gone: 404."""


class LinkGone(Exception):
    """A genuine link that no longer opens (expired or revoked): 410, with the reason to show."""


class ShareError(ValueError):
    """A link that cannot be made as asked; the message names the field."""


def create_share_link(
    *,
    session: Session,
    secret_key: str,
    program: str,
    filters: str,
    person_id: str,
    days: int,
    now: datetime,
) -> str:
    """Store a new link and return its token; audited as ``share.created``."""
    if days not in EXPIRY_DAYS:
        raise ShareError(f"expires: choose {', '.join(map(str, EXPIRY_DAYS))} days, not {days}")
    expires_at = now + timedelta(days=days)
    link = share_links.add_share_link(
        session=session,
        program=program,
        filters=filters,
        created_by=person_id,
        now=now,
        expires_at=expires_at,
    )
    people.record(
        session=session, at=now, person_id=person_id, action="share.created", target=link.id,
        detail={"program": program, "filters": filters, "days": days, "expires_at": expires_at.isoformat()},
    )  # fmt: skip
    return token_of(link, secret_key=secret_key, now=now)


def token_of(link: ShareLink, *, secret_key: str, now: datetime) -> str:
    """The signed token of a stored link (its URL is ``/shared/{token}``)."""
    payload = {
        "id": link.id,
        "program": link.program,
        "filters": link.filters,
        "expires": _stamp(link.expires_at),
    }
    return str(stamped_serializer(secret_key, salt=SALT, now=now).dumps(payload))


def share_url(*, base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{quote(token, safe='')}"


def open_share_link(*, session: Session, secret_key: str, token: str, now: datetime) -> SharedView:
    """The view a token opens; `LinkUnknown` or `LinkGone` otherwise. Audited as ``share.opened``
    with the link's id, never its token."""
    claimed = _claimed(secret_key=secret_key, token=token, now=now)
    link = share_links.share_link(session=session, link_id=claimed["id"])
    if link is None or (link.program, link.filters) != (claimed["program"], claimed["filters"]):
        raise LinkUnknown("no such link")
    if link.revoked_at is not None:
        raise LinkGone("This link was revoked by the team that shared it.")
    if now >= link.expires_at or _stamp(now) >= claimed["expires"]:
        raise LinkGone(f"This link expired on {link.expires_at:%Y-%m-%d}.")
    people.record(
        session=session, at=now, person_id=None, action="share.opened", target=link.id,
        detail={"program": link.program},
    )  # fmt: skip
    return SharedView(link_id=link.id, program=link.program, filters=link.filters, expires_at=link.expires_at)


def _claimed(*, secret_key: str, token: str, now: datetime) -> dict[str, Any]:
    try:
        value = stamped_serializer(secret_key, salt=SALT, now=now).loads(token)
    except BadSignature:
        raise LinkUnknown("not a link askwhy made") from None
    fields = {"id": str, "program": str, "filters": str, "expires": int}
    if not isinstance(value, dict) or any(not isinstance(value.get(k), t) for k, t in fields.items()):
        raise LinkUnknown("not a link askwhy made")
    return value


def _stamp(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def live_links(*, session: Session, program: str, now: datetime) -> Sequence[ShareLink]:
    """The program's links that still open, newest first (what the exports page lists)."""
    return share_links.live_share_links(session=session, program=program, now=now)


def revoke_share_link(*, session: Session, program: str, link_id: str, person_id: str, now: datetime) -> bool:
    """Revoke one of the program's links; False if it has no such live link. Audited as ``share.revoked``."""
    revoked = share_links.revoke_share_link(
        session=session, link_id=link_id, program=program, now=now, by=person_id
    )
    if revoked:
        people.record(
            session=session, at=now, person_id=person_id, action="share.revoked", target=link_id,
            detail={"program": program},
        )  # fmt: skip
    return revoked
