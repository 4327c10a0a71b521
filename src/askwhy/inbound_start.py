"""Conversations a customer starts by writing first, where a program allows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.domain.conversation import Channel
from askwhy.store.tables import Conversation


def start_from_inbound(
    *, session: Session, channel: Channel, address: str, now: datetime
) -> Conversation | None:
    """A new conversation for a message from an unknown address, if a program allows inbound starts."""
    return None
