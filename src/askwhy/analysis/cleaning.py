"""Cleaning customer text before its meaning is read: what an embedding and a label should not see.

Social and chat text carries noise that groups messages by the wrong thing: an @handle makes every
"thanks @acme" one theme, a URL or an HTML entity (``&amp;``) adds tokens that mean nothing, and
"sooooo" or "#LateDelivery" hide words the model knows. Emoji are kept, spelled out by their
Unicode names ("😡" becomes "pouting face"), because they carry sentiment the embedding model
otherwise reads as unknown tokens. Brand and company names are removed so they never drive a
grouping or make a label. The stored text is never changed; only what is embedded and labelled.

A fragment with no content (a greeting, a thank-you, "ok", a handle alone, three characters or
fewer) is recognised by `has_content`, so it lands in a visible "no content" bucket instead of
being forced into a theme.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w[\w.]*\w|(?<![\w@])@\w")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}", re.IGNORECASE)
_REPEATED_MARK = re.compile(r"([!?.])\1{2,}")
_SPACES = re.compile(r"\s+")
_EMOJI_CATEGORIES = frozenset({"So", "Sk"})
_JOINERS = frozenset({"\u200d", "\ufe0f", "\ufe0e"})
_SKIN_TONES = range(0x1F3FB, 0x1F400)

CONTENT_FREE_WORDS = frozenset(
    """
    hi hello hey hiya yo dear good morning afternoon evening night thanks thank thankyou thx ty tks
    cheers much lot you so very ok okay k kk yes yeah yep yup no nope nah sure fine alright right
    cool great nice bye goodbye see ya later lol haha hahaha please pls plz welcome the a and for it
    all its is was that this me too again guys team there sir madam hmm hm um uh oh ah
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""Words that, when a fragment holds nothing else, leave nothing to code: "thanks so much", "ok".

Words that carry a judgement on their own ("great", "fine") count as content-free only in a
fragment made of nothing but such words; they still score for sentiment.
"""
MIN_CONTENT_CHARS = 4
"""A fragment of three letters or fewer ("ok", "no", "idk") says nothing a theme could hold."""


def spell_emoji(text: str, *, drop: bool = False) -> str:
    """Each emoji replaced by its Unicode name in lower case (or by a space when `drop`)."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in text:
        if char in _JOINERS or ord(char) in _SKIN_TONES:
            continue
        if unicodedata.category(char) in _EMOJI_CATEGORIES and ord(char) > 0x2000:
            name = "" if drop else unicodedata.name(char, "")
            out.append(f" {name.lower()} " if name else " ")
        else:
            out.append(char)
    return "".join(out)


def _hashtag_words(match: re.Match[str]) -> str:
    return _CAMEL.sub(" ", match.group(1)).replace("_", " ").lower()


def remove_terms(text: str, terms: Collection[str]) -> str:
    """`text` without whole-word, case-insensitive occurrences of any of `terms`."""
    for term in sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def readable_quote(text: str) -> str:
    """A customer's words as a reader should see them quoted: HTML entities decoded and @handles
    removed (they name a company or a person, not the experience); everything else, including the
    redaction's placeholders and emoji, kept as written."""
    text = _HANDLE.sub(" ", html.unescape(html.unescape(text)))
    return _SPACES.sub(" ", text).strip(" ,;:-")


def clean_for_meaning(text: str, *, brand_terms: Collection[str] = (), emoji: bool = True) -> str:
    """The text an embedding and a label should read: entities decoded, handles, URLs and brands
    removed, hashtags and elongations normalised, emoji spelled out (dropped unless `emoji`)."""
    text = html.unescape(html.unescape(text))
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG.sub(_hashtag_words, text)
    text = remove_terms(text, brand_terms)
    text = _ELONGATED.sub(r"\1\1", text)
    text = _REPEATED_MARK.sub(r"\1\1", text)
    text = spell_emoji(text, drop=not emoji)
    return _SPACES.sub(" ", text).strip(" ,;:-")


def has_content(text: str, *, brand_terms: Collection[str] = ()) -> bool:
    """False for a fragment with nothing to code: empty after cleaning, three letters or fewer, or
    made only of greetings, thanks and acknowledgements."""
    cleaned = clean_for_meaning(text, brand_terms=brand_terms, emoji=False)
    if len(re.findall(r"[^\W\d_]", cleaned)) < MIN_CONTENT_CHARS:
        return False
    words = re.findall(r"[^\W\d_]+", cleaned.casefold())
    return any(word not in CONTENT_FREE_WORDS for word in words)
