"""WhatsApp Business Cloud API: webhook verification and parsing, message bodies, sending.

Modules are imported by what needs them (the webhook route, the senders registry), never all at
start-up: `webhook` verifies and parses deliveries, `messages` builds request bodies, `sender`
talks to the Graph API and `errors` maps its error bodies onto `SendError`; `twilio` sends
WhatsApp through Twilio instead, and `registration` tells the senders registry which of the two to
build.
"""
