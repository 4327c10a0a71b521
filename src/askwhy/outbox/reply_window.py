"""A message refused because the customer's reply window had closed goes again as a template.

WhatsApp takes free text only within 24 hours of the customer's last message. It says so either
at once, refusing the send (`askwhy.channels.whatsapp.errors`), or later, in a ``failed`` status
webhook with the same error code 131047. Both ways the message is sent again, once, as the
program's approved template.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.domain.channels import facts
from askwhy.domain.conversation import Channel
from askwhy.programs.catalog import template_for
from askwhy.store.tables import Conversation, Message

DUE_AGAIN = "askwhy.outbox.due_again"
"""Session info key: ids of messages made due again, queued for delivery once committed
(`askwhy.outbox.write_hook`)."""


def window_closed(channel: Channel, error_code: str | None) -> bool:
    """True when a failed status with ``error_code`` says the reply window had closed."""
    return error_code is not None and error_code in facts(channel).window_closed_codes


def with_template(*, session: Session, message: Message) -> bool:
    """Put the program's template in the message's payload, unless it already went as one;
    False when it did, or the program has no template for the channel."""
    if "template" in (message.payload or {}):
        return False
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is None:
        return False
    channel = Channel(message.channel)
    template = template_for(session=session, program_id=conversation.program, channel=channel)
    if template is None:
        return False
    message.payload = {**message.payload, "template": template}
    return True


def send_again_as_template(*, session: Session, message: Message, now: datetime) -> bool:
    """A sent message the provider later reported refused for the closed window: due again now,
    as a template, and queued once the transaction commits. False if it cannot go as one."""
    if message.status != "failed" or not with_template(session=session, message=message):
        return False
    message.status = "pending"
    message.next_attempt_at = now
    message.error_reason = f"{message.error_reason or 'outside the reply window'}; sent again as a template"
    session.info.setdefault(DUE_AGAIN, []).append(message.id)
    return True
