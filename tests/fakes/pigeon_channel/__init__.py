"""Pigeon, a made-up provider added the way docs/architecture.md's checklist says: its facts,
its sender and its webhook in one `ChannelAdapter` (`ADAPTER`), its settings its own
(``ASKWHY_PIGEON_*``), registered by ``bootstrap(settings, channels=(ADAPTER,))``.

Its wire format: a webhook delivery is JSON, ``{"messages": [{"id", "from", "text"}],
"receipts": [{"id", "status"}]}``, signed with HMAC-SHA256 of the raw body in
``X-Pigeon-Signature``; a send is ``POST {api_url}/messages`` with ``{"to", "text", "key"}``,
answered ``{"id": ...}`` (`tests.fakes.pigeon_channel.loft.PigeonLoft` is the provider's fake).
"""

from __future__ import annotations

from askwhy.channels.adapter import ChannelAdapter, SenderBuilder, Webhook
from askwhy.domain.channels import ChannelFacts
from askwhy.domain.conversation import Channel
from tests.fakes.pigeon_channel import sender, webhook
from tests.fakes.pigeon_channel.settings import configured

PIGEON = Channel.register("pigeon")
FACTS = ChannelFacts(inline=False, phone_addressed=True, invites=True, consent_name="pigeon")

ADAPTER = ChannelAdapter(
    name=PIGEON.value,
    facts=FACTS,
    senders=(SenderBuilder(PIGEON, sender.build_sender, configured),),
    webhook=Webhook(verify=webhook.verify, read=webhook.read, malformed=(webhook.MalformedPigeon,)),
)
