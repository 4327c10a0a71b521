"""A guide made ready for fast turns: keyword patterns compiled once, scale choices built once.

Guides are immutable, so the preparation is cached by the guide object's identity; the cache
keeps the guide itself to make sure an identity is never reused for another guide.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from askwhy.domain.conversation import Choice
from askwhy.domain.guide import Guide, Theme
from askwhy.domain.scales import SCALES, Scale
from askwhy.interview.themes import ThemeMatcher

_CACHE_SIZE = 128
_cache: OrderedDict[int, PreparedGuide] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class PreparedGuide:
    guide: Guide
    scale: Scale | None
    score_choices: tuple[Choice, ...]
    themes: ThemeMatcher
    themes_by_id: dict[str, Theme]
    languages: frozenset[str]


def prepare(guide: Guide) -> PreparedGuide:
    """The prepared form of ``guide``, built on first use and then reused."""
    key = id(guide)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.guide is guide:
            _cache.move_to_end(key)
            return cached
    prepared = _build(guide)
    with _lock:
        _cache[key] = prepared
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


def _build(guide: Guide) -> PreparedGuide:
    scale = SCALES.get(guide.metric)
    choices = tuple(Choice(str(v), str(v)) for v in range(scale.low, scale.high + 1)) if scale else ()
    return PreparedGuide(
        guide=guide,
        scale=scale,
        score_choices=choices,
        themes=ThemeMatcher(guide.themes),
        themes_by_id={theme.id: theme for theme in guide.themes},
        languages=guide.languages,
    )
