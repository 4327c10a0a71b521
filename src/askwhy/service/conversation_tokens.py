"""Conversation tokens: the only key to a conversation in the web chat API.

A token is ``{"c": <conversation id>, "ch": "web"}`` signed with ``ASKWHY_SECRET_KEY`` under a salt
of its own (no invitation link or other signed value passes for one) and stamped with the time it
was made. It is handed to the browser that started the conversation, or that opened the
conversation's invitation link, and sent back as ``Authorization: Bearer <token>``: a header, not a
cookie, so no other site can make a browser use it, and it works in the widget's cross-site frame,
where browsers withhold cookies. A conversation id alone grants nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature

from askwhy.domain.channels import WEB_CHAT
from askwhy.domain.conversation import Channel, ConversationStatus
from askwhy.outreach.chat_links import stamped_serializer
from askwhy.store.tables import Conversation

SALT = "askwhy.conversation-token"
WEB = Channel.WEB.value

WEB_CHAT_CHANNELS = frozenset(channel.value for channel in WEB_CHAT)
"""Conversations the web chat may reach (the channel table's ``web_chat``): its own, and e-mail
invitations', which are answered in it. WhatsApp, SMS and voice conversations are reached only
through their providers' signed webhooks."""


class TokenRefused(Exception):
    """No token, a forged or expired one, or one made for another conversation or channel."""


def issue(*, secret_key: str, conversation_id: str, now: datetime) -> str:
    """A token for this conversation in the web chat, stamped with ``now``."""
    serializer = stamped_serializer(secret_key, salt=SALT, now=now)
    return str(serializer.dumps({"c": conversation_id, "ch": WEB}))


def verify(
    *, secret_key: str, token: str | None, conversation_id: str, max_age: timedelta, now: datetime
) -> None:
    """Return if ``token`` opens ``conversation_id`` in the web chat; raise `TokenRefused` if not."""
    if not token:
        raise TokenRefused("no token")
    serializer = stamped_serializer(secret_key, salt=SALT, now=now)
    try:
        value = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:  # SignatureExpired included: an old token is as good as none
        raise TokenRefused("invalid or expired") from None
    if not isinstance(value, dict) or value.get("ch") != WEB or value.get("c") != conversation_id:
        raise TokenRefused("made for another conversation")


def reachable(conversation: Conversation | None) -> bool:
    """Whether the web chat may show this conversation at all (it exists and is one of its channels)."""
    return conversation is not None and conversation.channel in WEB_CHAT_CHANNELS


def answerable(conversation: Conversation) -> bool:
    """Whether the customer can still write in it: an ended conversation is read-only."""
    return ConversationStatus(conversation.status).is_open
