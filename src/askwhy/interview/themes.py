"""Matching a reply against a guide's themes, by the keywords the guide lists per language.

Keywords match whole words, ignoring case and accents, in any of the guide's languages (customers
mix them). A keyword also matches its plural ("parcel" matches "parcels"); a keyword ending in
``*`` matches any ending ("deliver*" matches "delivered", "delivery"). Matches come back in the
order the customer wrote them, with the span of the customer's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from askwhy.domain.guide import Theme
from askwhy.domain.scales import Band
from askwhy.interview.text import fold, head

_WORD_CHAR = re.compile(r"[a-z0-9]")
_PREFERRED_POLARITY = {
    Band.DETRACTOR: ("negative", "any", "positive"),
    Band.PASSIVE: ("negative", "any", "positive"),
    Band.UNKNOWN: ("negative", "any", "positive"),
    Band.PROMOTER: ("positive", "any", "negative"),
}


@dataclass(frozen=True)
class ThemeMatch:
    """A theme the customer touched, and where in the reply."""

    theme: Theme
    start: int
    end: int


class ThemeMatcher:
    """The compiled keywords of a guide's themes."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self._compiled = [(theme, pattern) for theme in themes if (pattern := _compile(theme)) is not None]

    def find(self, text: str) -> list[ThemeMatch]:
        """Each theme touched in ``text`` once, at its first mention, in reading order."""
        folded = fold(head(text))
        found = [
            ThemeMatch(theme, match.start(), match.end())
            for theme, pattern in self._compiled
            if (match := _first_whole_word(pattern, folded))
        ]
        return sorted(found, key=lambda match: match.start)

    def find_all(self, text: str, *, limit: int = 64) -> list[ThemeMatch]:
        """Every mention of every theme in ``text`` (up to ``limit``), in reading order."""
        folded = fold(head(text))
        found: list[ThemeMatch] = []
        for theme, pattern in self._compiled:
            for match in pattern.finditer(folded):
                start = match.start()
                if start == 0 or not _WORD_CHAR.match(folded, start - 1):
                    found.append(ThemeMatch(theme, start, match.end()))
                    if len(found) >= limit:
                        break
        return sorted(found, key=lambda match: match.start)


def most_important(matches: Sequence[ThemeMatch], band: Band) -> ThemeMatch | None:
    """The theme to follow: the first one the customer raised whose polarity fits the score band.

    Detractors and passives are asked about the first problem they raised; promoters about the
    first thing they praised; a theme marked ``any`` fits both.
    """
    for polarity in _PREFERRED_POLARITY[band]:
        for match in matches:
            if match.theme.polarity == polarity:
                return match
    return None


def _first_whole_word(pattern: re.Pattern[str], folded: str) -> re.Match[str] | None:
    """The first match that starts a word. Checked here rather than by a look-behind in the
    pattern, which would stop the regex engine from skipping quickly to candidate positions."""
    position = 0
    while match := pattern.search(folded, position):
        start = match.start()
        if start == 0 or not _WORD_CHAR.match(folded, start - 1):
            return match
        position = start + 1
    return None


def _compile(theme: Theme) -> re.Pattern[str] | None:
    keywords = {fold(keyword).strip() for words in theme.keywords.values() for keyword in words}
    alternatives = sorted((_keyword_pattern(k) for k in keywords if k.strip("*")), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"(?:{'|'.join(alternatives)})(?![a-z0-9])")


def _keyword_pattern(keyword: str) -> str:
    if keyword.endswith("*"):
        return _spaced(keyword.rstrip("*")) + r"[a-z0-9]*"
    pattern = _spaced(keyword)
    return pattern + "(?:s|es)?" if keyword[-1].isalnum() else pattern


def _spaced(keyword: str) -> str:
    return r"\s+".join(re.escape(part) for part in keyword.split())
