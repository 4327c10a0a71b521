"""Removing personal data from customer text before it is analysed or shown.

Caught: e-mail addresses, phone numbers (through `phonenumbers`), payment card numbers (Luhn),
IBANs (mod-97) and links carrying secrets (tokens in the query, long random path segments).
Kept: what explains feedback and identifies nobody — order numbers that are not card numbers,
prices, dates, times, percentages, sizes, years and plain links.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import phonenumbers

PLACEHOLDERS = {kind: f"[{kind}]" for kind in ("link", "email", "iban", "card", "phone")}


@dataclass(frozen=True)
class Redaction:
    """The redacted text and how many of each kind of personal data were replaced."""

    text: str
    found: dict[str, int] = field(default_factory=dict)


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_SECRET_KEYS = re.compile(
    r"^(?:.*[_-])?(?:token|key|apikey|code|sig|signature|session|sessionid|sid|auth|password|passwd|pwd"
    r"|secret|otp|jwt|hash|reset|access_token|refresh_token|credential|credentials)$",
    re.IGNORECASE,
)
_RANDOM_SEGMENT = re.compile(r"^(?=[A-Za-z0-9_\-]*[A-Za-z])(?=[A-Za-z0-9_\-]*\d)[A-Za-z0-9_\-]{20,}$")
_EMAIL = re.compile(
    r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d+\-])(?:\d[ \-]?){12,18}\d(?![\d\-])")
_DIGIT = re.compile(r"\d")
_PHONE_HINT = re.compile(r"\d(?:[\s\-().+/]{0,3}\d){6}")
_IDD_PHONE = re.compile(r"(?<![\d+])00(?=[1-9])([\d][\d \-().]{6,18}\d)")


def redact(text: str, *, default_region: str = "US") -> Redaction:
    """`text` with personal data replaced by placeholders such as ``[email]`` and ``[phone]``.

    Numbers without a country code are read as phone numbers of `default_region`; numbers with one
    (``+44 …``, ``0044 …``) are recognised whatever the region.
    """
    found: Counter[str] = Counter()
    if "www." in text or "://" in text or "WWW." in text:
        text = _URL.sub(lambda match: _link(match, found), text)
    if "@" in text:
        text = _replace(_EMAIL, text, "email", found, lambda _: True)
    if _DIGIT.search(text):
        text = _IBAN.sub(lambda match: _iban(match, found), text)
        text = _replace(_CARD, text, "card", found, is_card_number)
        if _PHONE_HINT.search(text):
            text = _redact_phones(text, default_region, found)
    return Redaction(text, dict(found))


def _replace(
    pattern: re.Pattern[str], text: str, kind: str, found: Counter[str], accept: Callable[[str], bool]
) -> str:
    def substitute(match: re.Match[str]) -> str:
        if not accept(match.group()):
            return match.group()
        found[kind] += 1
        return PLACEHOLDERS[kind]

    return pattern.sub(substitute, text)


def _iban(match: re.Match[str], found: Counter[str]) -> str:
    # A greedy match may swallow a following word in capitals ("... 3000 THEN"): drop groups until valid.
    candidate = match.group()
    while True:
        if is_valid_iban(candidate):
            found["iban"] += 1
            return PLACEHOLDERS["iban"] + match.group()[len(candidate) :]
        if " " not in candidate:
            return match.group()
        candidate = candidate.rsplit(" ", 1)[0]


def _link(match: re.Match[str], found: Counter[str]) -> str:
    url = match.group()
    stripped = url.rstrip(_URL_TRAILING)
    while (
        stripped.count("(") > stripped.count(")") and len(stripped) < len(url) and url[len(stripped)] == ")"
    ):
        stripped += ")"
    if not carries_secret(stripped):
        return url
    found["link"] += 1
    return PLACEHOLDERS["link"] + url[len(stripped) :]


def carries_secret(url: str) -> bool:
    """Whether a link holds a credential: a secret-named parameter, a password, a random path part."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.password or parts.username:
        return True
    for query in (parts.query, parts.fragment):
        for key, value in parse_qsl(query, keep_blank_values=True):
            if value and _SECRET_KEYS.match(key):
                return True
    return any(_RANDOM_SEGMENT.match(segment) for segment in parts.path.split("/"))


def _redact_phones(text: str, region: str, found: Counter[str]) -> str:
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    ]
    for match in _IDD_PHONE.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end in spans) and _valid_phone(
            "+" + match.group(1)
        ):
            spans.append(match.span())
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + PLACEHOLDERS["phone"] + text[end:]
        found["phone"] += 1
    return text


def _valid_phone(candidate: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)))
    except phonenumbers.NumberParseException:
        return False


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(candidate: str) -> bool:
    """13 to 19 digits (spaces and dashes allowed) passing Luhn, and not all one digit."""
    digits = re.sub(r"[ \-]", "", candidate)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits)


def is_valid_iban(candidate: str) -> bool:
    """Country code, check digits and account (spaces allowed) whose mod-97 check gives 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1
