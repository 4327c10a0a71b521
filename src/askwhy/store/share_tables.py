"""Share links: read-only views of one program's overview, with their filters, expiry and revocation.

The link's token is signed and carries the row's id; the row is what lets a link be revoked before
it expires, and what the exports page lists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id


class ShareLink(Base):
    """A read-only link to a filtered overview; live while unrevoked and unexpired."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_program_expires", "program", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    program: Mapped[str] = mapped_column(String(100))
    filters: Mapped[str] = mapped_column(String(2000), comment="The view's query string (no secret).")
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), comment="Unset once that person is deleted."
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(32))
