"""Hostile request bodies, generated from a seed: what an attacker or a careless integrator sends.

Each body starts from a valid one (a WhatsApp delivery, a Twilio form, a web chat request) and is
broken one way, the ways taking turns so that every one is well represented: not JSON, a scalar or
an array, wrong types, deep nesting, huge strings, lone surrogates, extreme timestamps, invalid
UTF-8, huge numbers, duplicated keys, NULs, random byte damage; for forms, missing, repeated and
oversized parameters, bad percent-encodings, raw bytes, odd separators. The same seed gives the
same bodies, so a failure is reproduced by its seed and index. `tests.service.fuzzed_routes` sends
them to every webhook and web chat route.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

JsonTemplate = Callable[[random.Random], Any]
FormTemplate = Callable[[random.Random], dict[str, str]]

ODD_VALUES: list[Any] = [None, 0, -1, 1.5, "", "x", [], {}, True, False, [1, 2], {"a": 1}, "9" * 40, -(2**63)]
TIMESTAMPS: list[Any] = [253402300799, "253402300799", -1, "-1", 1e308, "9" * 30, 2**64, "NaN", -(2**63), 0,
                         "1749416383.5", "\u0661\u0662\u0663", "", None, [1749416383], {"t": 1}]  # fmt: skip
NUMBER_TOKENS = ["1" + "0" * 30, "1" + "0" * 5000, "-" + "9" * 400, "1e999", "-1e999", "NaN", "Infinity",
                 "-Infinity", "1E400", "-0", "0." + "0" * 40 + "1", "1e-999",
                 "123456789012345678901"]  # fmt: skip
INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xe2\x82", b"\xf0\x28\x8c\xbc", b"\xc0\xaf",
                b"\xed\xa0\xbd", b"\xed\xb0\x80", b"\x80", b"\xf8\x88\x80\x80\x80"]  # fmt: skip
SURROGATES = ["\ud83d", "\udc00", "\ude00\ud83d", "a\ud800b", "\udfff"]
HUGE = [5_000, 70_000, 300_000, 900_000]


def json_bodies(template: JsonTemplate, *, seed: int) -> Iterator[tuple[str, bytes]]:
    """(kind, body) without end: each kind of damage in turn, applied to a fresh valid body."""
    rng = random.Random(seed)
    kinds = list(JSON_DAMAGE.items())
    for index in range(10**9):
        kind, damage = kinds[index % len(kinds)]
        yield kind, damage(rng, template(rng))


def form_bodies(template: FormTemplate, *, seed: int) -> Iterator[tuple[str, bytes]]:
    """(kind, body) without end, for ``application/x-www-form-urlencoded`` routes."""
    rng = random.Random(seed)
    kinds = list(FORM_DAMAGE.items())
    for index in range(10**9):
        kind, damage = kinds[index % len(kinds)]
        yield kind, damage(rng, template(rng))


# -- JSON ---------------------------------------------------------------------------------------


def _encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


def _paths(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document a value can be put (the root excluded)."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((*path, key))
            found += _paths(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.append((*path, index))
            found += _paths(value, (*path, index))
    return found


def _replaced(rng: random.Random, document: Any, value: Any, *, keys: tuple[str, ...] = ()) -> Any:
    """The document with one place (one named ``keys`` where there is one) set to ``value``."""
    value = copy.deepcopy(value)  # the lists of odd values are shared: never put one in twice
    paths = _paths(document)
    named = [p for p in paths if p and p[-1] in keys]
    target = rng.choice(named or paths) if (named or paths) else None
    if target is None:
        return value
    parent = document
    for step in target[:-1]:
        parent = parent[step]
    parent[target[-1]] = value
    return document


def _with_token(rng: random.Random, document: Any, token: bytes, *, keys: tuple[str, ...] = ()) -> bytes:
    """The document with one value replaced by raw bytes (a token json.dumps would not write)."""
    marker = "MARKER-7f3a"
    return _encoded(_replaced(rng, document, marker, keys=keys)).replace(f'"{marker}"'.encode(), token, 1)


def not_json(rng: random.Random, document: Any) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return rng.randbytes(rng.randrange(0, 300))
    if choice == 1:
        return "".join(chr(rng.randrange(32, 127)) for _ in range(rng.randrange(1, 200))).encode()
    if choice == 2:
        body = _encoded(document)
        return body[: rng.randrange(0, len(body))]
    if choice == 3:
        return urlencode({"Body": "hi", "From": "+1555"}).encode()
    return b"<xml><entry/></xml>"


def scalar_or_array(rng: random.Random, document: Any) -> bytes:
    return _encoded(
        rng.choice([[], [document], [document, document], "entry", 42, -1.5, None, True, {}, [[]]])
    )


def wrong_types(rng: random.Random, document: Any) -> bytes:
    for _ in range(rng.randrange(1, 4)):
        document = _replaced(rng, document, rng.choice(ODD_VALUES))
    return _encoded(document)


def deep_nesting(rng: random.Random, document: Any) -> bytes:
    depth = rng.choice([20, 33, 64, 200, 1_000, 5_000, 100_000])
    nested = b"[" * depth + b"]" * depth
    if rng.random() < 0.5:
        nested = b'{"a":' * depth + b"1" + b"}" * depth
    if rng.random() < 0.3:
        return nested
    return _with_token(rng, document, nested)


def huge_string(rng: random.Random, document: Any) -> bytes:
    size = rng.choice(HUGE)
    text = rng.choice(["x", "\u00e9", "\U0001f600", "\\"]) * (size // 4 if size > 100_000 else size)
    return _encoded(_replaced(rng, document, text, keys=("body", "text", "id", "from", "program", "name")))


def lone_surrogate(rng: random.Random, document: Any) -> bytes:
    keys = ("body", "text", "id", "from", "name", "wa_id", "status", "program", "client_message_id")
    if rng.random() < 0.5:  # escaped, as json.dumps writes it
        return _encoded(_replaced(rng, document, "ok " + rng.choice(SURROGATES), keys=keys))
    return _with_token(rng, document, b'"ok \xed\xa0\xbd"', keys=keys)  # raw bytes of a surrogate


def extreme_timestamp(rng: random.Random, document: Any) -> bytes:
    value = rng.choice(TIMESTAMPS)
    return _encoded(_replaced(rng, document, value, keys=("timestamp",)))


def invalid_utf8(rng: random.Random, document: Any) -> bytes:
    body = _encoded(document)
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(body))
        body = body[:at] + rng.choice(INVALID_UTF8) + body[at:]
    return body


def huge_number(rng: random.Random, document: Any) -> bytes:
    keys = ("timestamp", "turn", "code", "id", "from", "language")
    return _with_token(rng, document, rng.choice(NUMBER_TOKENS).encode(), keys=keys)


def duplicated_keys(rng: random.Random, document: Any) -> bytes:
    if not isinstance(document, dict) or not document:
        return _encoded(document)
    key = rng.choice(list(document))
    again = json.dumps(key) + ": " + json.dumps(rng.choice(ODD_VALUES))
    body = _encoded(document)
    return (
        body[:-1] + b", " + again.encode() + b"}"
        if rng.random() < 0.5
        else b"{" + again.encode() + b", " + body[1:]
    )


def nul_characters(rng: random.Random, document: Any) -> bytes:
    keys = ("body", "text", "id", "from", "name", "status", "program", "category")
    return _encoded(
        _replaced(rng, document, rng.choice(["\x00", "a\x00b", "\x00" * 50, "\x01\x1f\x7f"]), keys=keys)
    )


def byte_damage(rng: random.Random, document: Any) -> bytes:
    body = bytearray(_encoded(document))
    for _ in range(rng.randrange(1, 12)):
        at = rng.randrange(len(body))
        action = rng.randrange(3)
        if action == 0:
            body[at] = rng.randrange(256)
        elif action == 1:
            del body[at]
        else:
            body.insert(at, rng.choice(b'{}[]":,\\0123456789 \x00'))
    return bytes(body)


JSON_DAMAGE: dict[str, Callable[[random.Random, Any], bytes]] = {
    "not JSON": not_json,
    "scalar or array": scalar_or_array,
    "wrong types": wrong_types,
    "deep nesting": deep_nesting,
    "huge string": huge_string,
    "lone surrogate": lone_surrogate,
    "extreme timestamp": extreme_timestamp,
    "invalid UTF-8": invalid_utf8,
    "huge number": huge_number,
    "duplicated keys": duplicated_keys,
    "NUL": nul_characters,
    "byte damage": byte_damage,
}


# -- forms --------------------------------------------------------------------------------------


def _form(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


def empty_or_random(rng: random.Random, form: dict[str, str]) -> bytes:
    return rng.choice([b"", rng.randbytes(rng.randrange(1, 400)), b"&&&", b"=", b"==&=", b"%", b"a=%"])


def json_instead(rng: random.Random, form: dict[str, str]) -> bytes:
    return _encoded(form) if rng.random() < 0.7 else b'{"Body": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"


def missing_params(rng: random.Random, form: dict[str, str]) -> bytes:
    kept = [(k, v) for k, v in form.items() if rng.random() < 0.5]
    return _form(kept)


def odd_values(rng: random.Random, form: dict[str, str]) -> bytes:
    odd = ["", " ", "-1", "nan", "1e999", "Infinity", "9" * 40, "true", "null", "[]", "{}", "\u202e", "0x10",
           "ringing", "completed", "failed", "busy", "whatsapp:", "whatsapp:+", "+", "STOP",
           "HELP"]  # fmt: skip
    pairs = list(form.items())
    for _ in range(rng.randrange(1, 5)):
        at = rng.randrange(len(pairs))
        pairs[at] = (pairs[at][0], rng.choice(odd))
    return _form(pairs)


def oversized(rng: random.Random, form: dict[str, str]) -> bytes:
    name = rng.choice([*form, "Body", "SpeechResult", "MessageSid", "From", "CallSid", "Digits"])
    return _form([*(p for p in form.items() if p[0] != name), (name, "x" * rng.choice(HUGE))])


def control_characters(rng: random.Random, form: dict[str, str]) -> bytes:
    name = rng.choice(list(form))
    return _form(
        [
            *(p for p in form.items() if p[0] != name),
            (name, rng.choice(["\x00", "a\x00", "\r\n", "\x7f\x01"])),
        ]
    )


def bad_percent_encoding(rng: random.Random, form: dict[str, str]) -> bytes:
    name = rng.choice(list(form))
    bad = rng.choice(["%ZZ", "%E", "%", "%ED%A0%BD", "%FF%FE", "%C3%28", "%C0%AF", "%00", "%F0%9F%98", "%%%"])
    rest = urlencode([p for p in form.items() if p[0] != name])
    return f"{rest}&{quote(name)}=ok{bad}".encode()


def raw_bytes(rng: random.Random, form: dict[str, str]) -> bytes:
    body = _form(list(form.items()))
    at = rng.randrange(len(body))
    return body[:at] + rng.choice(INVALID_UTF8) + body[at:]


def repeated_params(rng: random.Random, form: dict[str, str]) -> bytes:
    pairs = list(form.items())
    for _ in range(rng.randrange(1, 4)):
        name = rng.choice(list(form))
        pairs.append((name, rng.choice(["", "other", form[name], "x" * 50])))
    rng.shuffle(pairs)
    return _form(pairs)


def odd_separators(rng: random.Random, form: dict[str, str]) -> bytes:
    body = _form(list(form.items())).decode()
    variants = [body.replace("&", ";"), body.replace("=", "==", 3), "&&" + body + "&&",
                body.replace("&", "&novalue&"), body.replace("+", " "), body.replace("%2B", "+")]  # fmt: skip
    return rng.choice(variants).encode()


def many_params(rng: random.Random, form: dict[str, str]) -> bytes:
    count = rng.choice([100, 250, 1_000, 60_000])  # Twilio sends about 40; past 256 a form is not read
    return _form(list(form.items()) + [(f"p{n}", str(n)) for n in range(count)])


def unicode_everywhere(rng: random.Random, form: dict[str, str]) -> bytes:
    odd = ["\U0001f600" * 10, "\u0645\u0631\u062d\u0628\u0627", "\ufeff", "\u200b\u200d", "e\u0301", "\uffff"]
    pairs = list(form.items())
    pairs.append((rng.choice(odd), rng.choice(odd)))
    name = rng.choice(list(form))
    pairs = [(k, rng.choice(odd) if k == name else v) for k, v in pairs]
    return _form(pairs)


FORM_DAMAGE: dict[str, Callable[[random.Random, dict[str, str]], bytes]] = {
    "empty or random bytes": empty_or_random,
    "JSON instead of a form": json_instead,
    "missing parameters": missing_params,
    "odd values": odd_values,
    "oversized value": oversized,
    "control characters": control_characters,
    "bad percent-encoding": bad_percent_encoding,
    "raw invalid UTF-8": raw_bytes,
    "repeated parameters": repeated_params,
    "odd separators": odd_separators,
    "many parameters": many_params,
    "unicode everywhere": unicode_everywhere,
}
