"""The team's tables: people, their roles per program, one-time sign-in links, the identities single
sign-on has linked them to, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base


class Person(Base):
    """Someone of the team who signs in to the workspace; only an argon2 hash of the password is kept."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, comment="Lower-cased; the sign-in name.")
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(
        String(200), comment="argon2id; unset until a password is chosen (sign-in links only)."
    )
    role: Mapped[str | None] = mapped_column(
        String(20), comment="Role in every program; unset: only the programs in person_roles."
    )
    session_version: Mapped[int] = mapped_column(
        default=1, comment="Raised on sign-out everywhere, password reset and disabling: old sessions end."
    )
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]


class PersonRole(Base):
    """A role in one program, beside (or instead of) a person's global role."""

    __tablename__ = "person_roles"

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    program: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class SignInLink(Base):
    """A one-time sign-in link: only the SHA-256 of its secret is kept; it works once, until it expires."""

    __tablename__ = "sign_in_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, comment="SHA-256 of the link's secret.")
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PersonIdentity(Base):
    """The person at the single sign-on provider an account belongs to: the issuer's ``sub`` for them,
    remembered at their first sign-in, so that an address the provider later gives to someone else
    does not open the account."""

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("person_id", "issuer"),)

    issuer: Mapped[str] = mapped_column(String(500), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True, comment="The ID token's sub.")
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what, when: sign-ins, raw-transcript views, exports, codebook edits, account changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    person_id: Mapped[str | None] = mapped_column(
        String(32), index=True, comment="Unset: the system or a CLI user."
    )
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
