"""Acknowledging what the customer said, in their words, with wording that fits how they felt.

A complaint is met with regret and praise with gladness; a neutral mention with the theme's own
acknowledgement. A theme's acknowledgement is used whenever its polarity fits the clause (a
negative theme's "I'm sorry, …" for a complaint); otherwise the guide's ``acknowledgements`` for
that polarity, or the built-in wording below.
"""

from __future__ import annotations

from askwhy.domain.guide import Guide, Text
from askwhy.interview.customer_words import quote
from askwhy.interview.understanding import Mention

BUILT_IN: dict[str, Text] = {
    "negative": {"en": "I'm sorry about “{words}”.", "es": "Siento lo de “{words}”."},
    "positive": {"en": "Glad to hear “{words}”.", "es": "Me alegra leer “{words}”."},
    "negative_topic": {"en": "I'm sorry about the {topic}.", "es": "Siento lo que cuentas sobre {topic}."},
    "positive_topic": {
        "en": "Glad to hear about the {topic}.",
        "es": "Me alegra lo que cuentas sobre {topic}.",
    },
}


def acknowledge(guide: Guide, mention: Mention, language: str) -> str:
    """One short sentence that acknowledges ``mention`` in the customer's words and tone."""
    clause = mention.clause
    words = quote(clause.text, mention.match.start - clause.start, mention.match.end - clause.start)
    theme = mention.match.theme
    tone = "negative" if mention.polarity < 0 else "positive" if mention.polarity > 0 else "any"
    if tone in {"any", theme.polarity}:
        label = guide.say(theme.label, language).lower()
        return guide.say(theme.acknowledge, language).replace("{words}", words or label)
    if not words:
        topic = guide.say(theme.label, language).lower()
        return _say(guide, f"{tone}_topic", language).replace("{topic}", topic)
    return _say(guide, tone, language).replace("{words}", words)


def _say(guide: Guide, key: str, language: str) -> str:
    custom = getattr(guide.acknowledgements, key, None) if guide.acknowledgements else None
    text: Text = custom or BUILT_IN[key]
    return text.get(language) or text.get(guide.default_language) or text["en"]
