"""How a persona writes: the same sentence, terse, chatty, with typos or with emoji.

Styles change the surface of free-text answers only; scores, yes/no and "that's all" are left
as the persona file gives them, so the interviewer's understanding is tested by the material,
not by accidents of the transformation.
"""

from __future__ import annotations

import random

from askwhy.domain.scales import Band
from askwhy.simulation.personas import Style

_EMOJI = {
    Band.DETRACTOR: ("😡", "😤", "👎", "🙄", "😞"),
    Band.PASSIVE: ("😐", "🤷", "🙂", "😕"),
    Band.PROMOTER: ("😍", "🙌", "👍", "😊", "🔥", "💯"),
    Band.UNKNOWN: ("🙂", "🤷"),
}
_MIN_TYPO_WORD = 5


def styled(text: str, *, style: Style, band: Band, rng: random.Random, opener: str | None = None) -> str:
    """``text`` as a persona of ``style`` would write it; a chatty one may start with ``opener``."""
    if style is Style.TERSE:
        return _terse(text)
    if style is Style.CHATTY:
        return f"{opener.strip()} {text}" if opener else text
    if style is Style.TYPOS:
        return _typos(text, rng)
    if style is Style.EMOJI:
        return f"{text} {rng.choice(_EMOJI[band])}" + (rng.choice(_EMOJI[band]) if rng.random() < 0.4 else "")
    return text


def _terse(text: str) -> str:
    text = text.strip().rstrip(".!")
    return text[:1].lower() + text[1:] if not text[:2].isupper() else text


def _typos(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= _MIN_TYPO_WORD and word.isalpha()]
    for index in rng.sample(long_words, k=min(len(long_words), rng.choice((1, 1, 2)))):
        word = words[index]
        at = rng.randrange(1, len(word) - 2)
        words[index] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    typed = " ".join(words)
    if rng.random() < 0.6:
        typed = typed.lower().rstrip(".").replace("'", "")
    return typed
