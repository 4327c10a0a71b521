"""API access tables: hashed API keys with scopes, and stored responses for idempotent retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base


class ApiKey(Base):
    """An API key; only the SHA-256 of its secret is kept, so a database leak reveals no key."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="The key's public prefix id.")
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    programs: Mapped[list[Any]] = mapped_column(
        default=list, server_default="[]", comment="The programs the key reaches; empty: every program."
    )
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """A request made with an ``Idempotency-Key``: its body's hash and the response it got."""

    __tablename__ = "idempotency_records"

    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(comment="Unset while the first request runs.")
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)
