"""Opt-out is heard in any step, in English and Spanish, and only when it is meant."""

from __future__ import annotations

import pytest

from askwhy.interview.optout import is_opt_out

OPT_OUTS = [
    "STOP",
    "stop",
    "Stop.",
    "stop please",
    "Please STOP!!",
    "STOP 🛑",
    "unsubscribe",
    "Unsubscribe me",
    "how do I unsubscribe?",
    "stop messaging me",
    "Stop texting me please",
    "stop sending me these messages",
    "no more messages",
    "no more texts thanks",
    "leave me alone",
    "Just leave me alone!",
    "don't contact me again",
    "opt me out",
    "remove me from your list",
    "baja",
    "BAJA",
    "darme de baja por favor",
    "no me escribas más",
    "No me escriban mas",
    "no quiero más mensajes",
    "no quiero recibir mas mensajes",
    "cancelar suscripción",
    "déjame en paz",
    "dejen de escribirme",
    "I already told you, stop messaging me",
    "the parcel was late. " * 100 + "Now please stop messaging me.",
]

NOT_OPT_OUTS = [
    "the delivery didn't stop being late",
    "non-stop issues with the app",
    "they never stop calling me about offers",
    "the courier wouldn't leave me alone",
    "stop sending me wrong sizes would be a start",
    "I want to cancel my order",
    "nonstop",
    "the bus stop was far from the pickup point",
    "no",
    "no more to add",
    "ok",
    "9",
    "",
    "stopped working after a week",
    "me parece bien",
    "la baja calidad del producto",
]


@pytest.mark.parametrize("reply", OPT_OUTS)
def test_hears_opt_out(reply: str) -> None:
    assert is_opt_out(reply)


@pytest.mark.parametrize("reply", NOT_OPT_OUTS)
def test_feedback_mentioning_stop_is_not_an_opt_out(reply: str) -> None:
    assert not is_opt_out(reply)
