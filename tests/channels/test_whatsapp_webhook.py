"""WhatsApp webhook verification and parsing, without the app: the handshake, the signature, every
kind of message and status, several of each in one delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from askwhy.channels.base import InboundEvent, RejectedItem, StatusEvent
from askwhy.channels.whatsapp.webhook import (
    MalformedDelivery,
    handshake_challenge,
    parse_delivery,
    parse_kept,
    read_delivery,
    read_kept,
    signature_matches,
)
from askwhy.domain.conversation import Channel
from tests.channels import whatsapp_deliveries as wa

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_signature_matches_the_published_test_vector() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_matches(app_secret="It's a Secret to Everybody", body=b"Hello, World!", header=header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # no sha256= prefix
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
        "sha256=",
    ],
)
def test_signature_is_refused_when_missing_or_wrong(header: str | None) -> None:
    assert not signature_matches(
        app_secret="It's a Secret to Everybody", body=b"Hello, World!", header=header
    )


def test_signature_covers_the_exact_bytes_received() -> None:
    body = b'{"object": "whatsapp_business_account", "entry": []}'
    header = wa.signature(body)
    assert signature_matches(app_secret=wa.APP_SECRET, body=body, header=header)
    reserialised = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert not signature_matches(app_secret=wa.APP_SECRET, body=reserialised, header=header)


def test_handshake_echoes_the_challenge_only_for_our_token() -> None:
    assert (
        handshake_challenge(
            mode="subscribe", token="meatyhamhock", challenge="1158201444", verify_token="meatyhamhock"
        )
        == "1158201444"
    )
    assert (
        handshake_challenge(mode="subscribe", token="wrong", challenge="1", verify_token="meatyhamhock")
        is None
    )
    assert (
        handshake_challenge(
            mode="unsubscribe", token="meatyhamhock", challenge="1", verify_token="meatyhamhock"
        )
        is None
    )
    assert handshake_challenge(mode="subscribe", token="", challenge="1", verify_token=None) is None


def test_a_text_message_becomes_one_inbound_event() -> None:
    message = wa.text(
        "Does it come in another colour?", sender="16505551234", message_id="wamid.HBgLMTY1MDM4"
    )
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[message]))), now=NOW)
    assert event == InboundEvent(
        channel=Channel.WHATSAPP,
        provider_message_id="wamid.HBgLMTY1MDM4",
        sender="+16505551234",
        text="Does it come in another colour?",
        received_at=datetime.fromtimestamp(1749416383, tz=UTC),
        recipient=wa.BUSINESS_NUMBER_ID,
        profile_name="Sheena Nelson",
    )


def test_with_user_id_fields_present_the_phone_number_stays_the_sender() -> None:
    message = wa.text("Body text", sender="972987654321")
    contact = wa.contact("972987654321", name="Test Name", user_id="US.13491208655302741918")
    contact["parent_user_id"] = "US.ENT.11815799212886844830"
    [event] = parse_delivery(
        wa.encode(wa.delivery(wa.value(messages=[message], contacts=[contact]))), now=NOW
    )
    assert isinstance(event, InboundEvent)
    assert (event.sender, event.text, event.profile_name) == ("+972987654321", "Body text", "Test Name")


def test_a_customer_without_a_shared_phone_number_is_known_by_user_id() -> None:
    message = wa.text("the courier never came")
    del message["from"]
    message["from_user_id"] = "US.13491208655302741918"
    contact = wa.contact(None, name="Sam", user_id="US.13491208655302741918")
    [event] = parse_delivery(
        wa.encode(wa.delivery(wa.value(messages=[message], contacts=[contact]))), now=NOW
    )
    assert isinstance(event, InboundEvent)
    assert (event.sender, event.profile_name) == ("US.13491208655302741918", "Sam")


def test_user_id_from_the_only_contact_when_the_message_has_no_sender_field() -> None:
    message = wa.text("hello")
    del message["from"]
    contact = wa.contact(None, user_id="BR.1502576394655843")
    [event] = parse_delivery(
        wa.encode(wa.delivery(wa.value(messages=[message], contacts=[contact]))), now=NOW
    )
    assert isinstance(event, InboundEvent)
    assert event.sender == "BR.1502576394655843"


def test_every_entry_change_message_and_status_of_a_delivery_is_parsed_in_order() -> None:
    first = wa.value(
        messages=[
            wa.text("9", sender="447700900001"),
            wa.text("late again", sender="447700900002"),
            wa.text("10!!!", sender="447700900003"),
        ],
        statuses=[wa.status("wamid.OUT1", "delivered")],
    )
    second = wa.value(
        messages=[wa.text("7", sender="4915112345678"), wa.voice_note(sender="4915112345679")],
        statuses=[wa.status("wamid.OUT2", "read"), wa.status("wamid.OUT3", "sent")],
    )
    third = wa.value(messages=[wa.text("fine", sender="5511987654321")])
    events = parse_delivery(wa.encode(wa.delivery(first, second, third, entries=2)), now=NOW)
    inbound = [e for e in events if isinstance(e, InboundEvent)]
    statuses = [e for e in events if isinstance(e, StatusEvent)]
    assert [e.text for e in inbound] == ["9", "late again", "10!!!", "fine", "7", ""]
    assert [e.sender for e in inbound][:3] == ["+447700900001", "+447700900002", "+447700900003"]
    assert [(s.provider_message_id, s.status) for s in statuses] == [
        ("wamid.OUT1", "delivered"),
        ("wamid.OUT2", "read"),
        ("wamid.OUT3", "sent"),
    ]


def test_reply_button_tap_gives_the_choice_id_and_its_title_as_text() -> None:
    [event] = parse_delivery(
        wa.encode(wa.delivery(wa.value(messages=[wa.button_reply("yes", "Yes please")]))), now=NOW
    )
    assert isinstance(event, InboundEvent)
    assert (event.choice_id, event.text, event.media_type) == ("yes", "Yes please", None)


def test_list_row_choice_gives_the_row_id_and_title() -> None:
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[wa.list_reply("4", "4")]))), now=NOW)
    assert isinstance(event, InboundEvent)
    assert (event.choice_id, event.text) == ("4", "4")


def test_template_quick_reply_gives_its_payload_and_label() -> None:
    tap = wa.template_button("START_SURVEY", "Sure, ask me")
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[tap]))), now=NOW)
    assert isinstance(event, InboundEvent)
    assert (event.choice_id, event.text) == (
        "START_SURVEY",
        "Sure, ask me",
    )


def test_voice_note_becomes_an_audio_media_reference() -> None:
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[wa.voice_note("998877")]))), now=NOW)
    assert isinstance(event, InboundEvent)
    assert (event.media_type, event.media_id, event.text) == ("audio", "998877", "")


def test_image_keeps_its_media_id_and_caption() -> None:
    photo = wa.image("5544", caption="the box arrived crushed")
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[photo]))), now=NOW)
    assert isinstance(event, InboundEvent)
    assert (event.media_type, event.media_id, event.text) == ("image", "5544", "the box arrived crushed")


def test_reactions_and_system_notices_are_not_answers() -> None:
    reaction = wa.message("reaction", {"message_id": "wamid.OUT1", "emoji": "👍"})
    system = wa.message("system", {"body": "User changed number", "type": "user_changed_number"})
    assert parse_delivery(wa.encode(wa.delivery(wa.value(messages=[reaction, system]))), now=NOW) == []


def test_failed_status_carries_the_error_code_and_reason() -> None:
    failed = wa.status("wamid.OUT9", "failed", error=(131026, "Message undeliverable"), callback_data="out-9")
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(statuses=[failed]))), now=NOW)
    assert isinstance(event, StatusEvent)
    assert (event.status, event.error_code) == ("failed", "131026")
    assert event.error_reason is not None
    assert event.error_reason.startswith("Message undeliverable")
    assert event.idempotency_key == "out-9"
    assert event.at == datetime.fromtimestamp(1749416400, tz=UTC)


@pytest.mark.parametrize("state", ["sent", "delivered", "read", "played", "deleted", "warning"])
def test_every_status_is_kept_even_unknown_ones(state: str) -> None:
    [event] = parse_delivery(
        wa.encode(wa.delivery(wa.value(statuses=[wa.status("wamid.X", state)]))), now=NOW
    )
    assert isinstance(event, StatusEvent)
    assert event.status == state


def test_a_delivered_status_with_conversation_and_pricing() -> None:
    delivered = wa.status("wamid.xyzxyz", "delivered")
    delivered["conversation"] = {"id": "7270432eae37498234f4444b35ffc5", "origin": {"type": "service"}}
    delivered["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(statuses=[delivered]))), now=NOW)
    assert isinstance(event, StatusEvent)
    assert (event.provider_message_id, event.status, event.error_code) == ("wamid.xyzxyz", "delivered", None)
    assert event.raw["pricing"]["category"] == "service"


def test_other_webhook_fields_are_ignored() -> None:
    delivery = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {"event": "VERIFIED"}}]}],
    }
    assert parse_delivery(wa.encode(delivery), now=NOW) == []


def test_a_missing_timestamp_falls_back_to_now() -> None:
    message = wa.text("hi")
    del message["timestamp"]
    [event] = parse_delivery(wa.encode(wa.delivery(wa.value(messages=[message]))), now=NOW)
    assert isinstance(event, InboundEvent)
    assert event.received_at == NOW


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "no 'entry' list"),
        (b'{"object": "whatsapp_business_account"}', "no 'entry' list"),
        (b'{"entry": [{"id": "1"}]}', "no 'changes' list"),
        (b'{"entry": [{"changes": [{"field": "messages"}]}]}', "no 'value' object"),
    ],
)
def test_malformed_deliveries_are_refused_with_a_clear_reason(body: bytes, says: str) -> None:
    with pytest.raises(MalformedDelivery, match=says):
        parse_delivery(body, now=NOW)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"entry": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested deeper than 32 levels"),
        (b'{"entry": [' * 40 + b"]}" * 40, "nested deeper than 32 levels"),
        (b'{"entry": [], "n": 1' + b"0" * 5000 + b"}", "integer out of range"),
        (b'{"entry": [], "n": NaN}', "not a JSON number"),
        (b'{"entry": [], "n": 1e999}', "number out of range"),
        (b'{"entry": [], "s": "' + b"x" * 70_000 + b'"}', "longer than 65536 characters"),
    ],
)
def test_hostile_json_is_refused_as_a_malformed_delivery(body: bytes, says: str) -> None:
    with pytest.raises(MalformedDelivery, match=says):
        parse_delivery(body, now=NOW)


def _read_beside_a_valid_message(poison: dict[str, object]) -> tuple[list[object], list[RejectedItem]]:
    good = wa.text("Nine, fast delivery", message_id="wamid.good")
    read = read_delivery(wa.encode(wa.delivery(wa.value(messages=[poison, good]))), now=NOW)
    return list(read.events), read.rejected


@pytest.mark.parametrize(
    ("timestamp", "says"),
    [
        ("253402300799", "out of range"),
        (253402300799, "out of range"),
        ("-1", "out of range"),
        ("soon", "not a Unix time"),
        (1.5, "not a Unix time"),
        ([1], "not a Unix time"),
        ("١٢٣", "not a Unix time"),  # Arabic-Indic digits: int() reads them, WhatsApp never sends them
    ],
)
def test_a_message_with_a_timestamp_that_is_no_time_is_refused_alone(timestamp: object, says: str) -> None:
    poison = wa.text("hello", message_id="wamid.poison")
    poison["timestamp"] = timestamp
    events, rejected = _read_beside_a_valid_message(poison)
    assert [e.provider_message_id for e in events] == ["wamid.good"]  # type: ignore[attr-defined]
    [item] = rejected
    assert item.channel is Channel.WHATSAPP
    assert item.provider_message_id == "wamid.poison"
    assert item.reason.startswith("messages.0: ")
    assert says in item.reason
    assert json.loads(item.raw)["id"] == "wamid.poison"


@pytest.mark.parametrize(
    ("poison", "says"),
    [
        ({"from": "16505551234", "type": "text", "text": {"body": "no id"}}, "needs an 'id'"),
        ({"id": "wamid.x", "type": "text", "text": {"body": "no sender"}}, "needs an 'id' and a sender"),
        ({"id": "wamid.\ud83d", "from": "16505551234", "type": "text"}, "'id' is not a valid id"),
        ({"id": "wamid.x", "from": "1650\x00", "type": "text"}, "'from' is not a valid id"),
        ({"id": {"nested": 1}, "from": "16505551234", "type": "text"}, "'id' is not text"),
        (
            {"id": "wamid.x", "from": "16505551234", "type": "text", "text": {"body": "x" * 4097}},
            "longer than",
        ),
        ("just a string", "not an object"),
        (["a", "list"], "not an object"),
    ],
)
def test_an_unreadable_message_is_refused_alone_with_its_reason(poison: object, says: str) -> None:
    good = wa.text("Nine, fast delivery", message_id="wamid.good", sender="16505550000")
    contacts = [wa.contact("16505550000"), wa.contact("16505559999")]  # neither is the poison's sender
    value = wa.value(messages=[poison, good], contacts=contacts)  # type: ignore[list-item]
    read = read_delivery(wa.encode(wa.delivery(value)), now=NOW)
    assert [e.provider_message_id for e in read.events] == ["wamid.good"]
    [item] = read.rejected
    assert says in item.reason
    assert item.raw.isascii()


def test_lone_surrogates_and_nuls_in_the_customers_words_are_replaced_not_stored() -> None:
    message = wa.text("nine \ud83d and \x00 done", message_id="wamid.words")
    message["text"]["body"] = "nine \ud83d and \x00 done"
    contact = wa.contact("16505551234", name="Sheena \udc00")
    read = read_delivery(wa.encode(wa.delivery(wa.value(messages=[message], contacts=[contact]))), now=NOW)
    [event] = read.events
    assert isinstance(event, InboundEvent)
    assert event.text == "nine \ufffd and \ufffd done"
    assert event.profile_name == "Sheena \ufffd"
    assert read.rejected == []
    event.text.encode("utf-8")  # storable


def test_raw_bytes_of_a_surrogate_are_replaced_too() -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text("PLACEHOLDER", message_id="wamid.b")])))
    [event] = parse_delivery(body.replace(b"PLACEHOLDER", b"ok \xed\xa0\xbd!"), now=NOW)
    assert isinstance(event, InboundEvent)
    assert event.text == "ok \ufffd!"


def test_a_surrogate_pair_sent_escaped_is_the_emoji_it_stands_for() -> None:
    body = wa.encode(wa.delivery(wa.value(messages=[wa.text("\U0001f600 great", message_id="wamid.e")])))
    assert b"\\ud83d\\ude00" in body
    [event] = parse_delivery(body, now=NOW)
    assert isinstance(event, InboundEvent)
    assert event.text == "\U0001f600 great"


def test_an_unreadable_status_is_refused_alone_and_the_raw_status_kept_is_storable() -> None:
    good = wa.status("wamid.sent1", "delivered")
    good["pricing"] = {"category": "service\x00", "note": "\ud83d"}
    bad_time = wa.status("wamid.sent2", "read")
    bad_time["timestamp"] = "253402300799"
    no_id = {"status": "read", "timestamp": "1749416400"}
    read = read_delivery(wa.encode(wa.delivery(wa.value(statuses=[bad_time, good, no_id, 7]))), now=NOW)
    [event] = read.events
    assert isinstance(event, StatusEvent)
    assert event.provider_message_id == "wamid.sent1"
    assert event.raw["pricing"] == {"category": "service\ufffd", "note": "\ufffd"}
    assert [item.reason for item in read.rejected] == [
        "statuses.0: 'timestamp' is out of range (1970 to 2100)",
        "statuses.2: a status needs an 'id' and a 'status'",
        "statuses.3: not an object",
    ]
    assert read.rejected[0].provider_message_id == "wamid.sent2"


def test_messages_that_are_not_a_list_are_refused_and_the_statuses_beside_them_read() -> None:
    value = wa.value(statuses=[wa.status("wamid.sent1", "delivered")])
    value["messages"] = {"id": "wamid.x"}
    read = read_delivery(wa.encode(wa.delivery(value)), now=NOW)
    assert [e.provider_message_id for e in read.events] == ["wamid.sent1"]
    assert [item.reason for item in read.rejected] == ["messages: not a list"]


def test_parse_delivery_and_parse_kept_return_the_readable_events_only() -> None:
    poison = wa.text("hello", message_id="wamid.poison")
    poison["timestamp"] = "253402300799"
    body = wa.encode(wa.delivery(wa.value(messages=[poison, wa.text("ok", message_id="wamid.ok")])))
    assert [e.provider_message_id for e in parse_delivery(body, now=NOW)] == ["wamid.ok"]
    assert [e.provider_message_id for e in parse_kept(body, NOW)] == ["wamid.ok"]
    assert [i.provider_message_id for i in read_kept(body, NOW).rejected] == ["wamid.poison"]


@pytest.mark.parametrize(
    ("poison", "says"),
    [
        (wa.text("hi", message_id="wamid." + "x" * 200), "'id' is not a valid id"),
        (wa.text("hi", sender="1" * 64), "'from' is not a valid id"),
        (wa.message("x" * 100, {"id": "1"}), "'type' is not a valid id"),
    ],
)
def test_values_longer_than_the_store_keeps_refuse_their_message(
    poison: dict[str, object], says: str
) -> None:
    events, rejected = _read_beside_a_valid_message(poison)
    assert [e.provider_message_id for e in events] == ["wamid.good"]  # type: ignore[attr-defined]
    assert [says in item.reason for item in rejected] == [True]


def test_a_status_with_an_overlong_status_or_code_is_refused_and_a_foreign_callback_key_dropped() -> None:
    long_state = wa.status("wamid.1", "x" * 41)
    long_code = wa.status("wamid.2", "failed", error=(131047, "Re-engagement message"))
    long_code["errors"][0]["code"] = "9" * 101
    foreign_key = wa.status("wamid.3", "read", callback_data="k" * 65)
    read = read_delivery(
        wa.encode(wa.delivery(wa.value(statuses=[long_state, long_code, foreign_key]))), now=NOW
    )
    [event] = read.events
    assert isinstance(event, StatusEvent)
    assert (event.provider_message_id, event.idempotency_key) == ("wamid.3", None)
    assert [item.provider_message_id for item in read.rejected] == ["wamid.1", "wamid.2"]
