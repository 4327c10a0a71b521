"""Label themes given as lists of texts, as the label table tests write them."""

from __future__ import annotations

import itertools

import numpy as np

from askwhy.analysis.phrases import label_themes

OTHER = [
    "the app crashed on login",
    "the app crashed again",
    "app crashed twice today",
    "my app crashed at checkout",
]
"""A theme about something else, so that a label is chosen against other themes."""


def labels_of(*themes: list[str]) -> list[str]:
    """The label of each theme, every text weighing the same."""
    texts = [t for theme in themes for t in theme]
    starts = np.cumsum([0, *(len(theme) for theme in themes)])
    groups = [np.arange(a, b) for a, b in itertools.pairwise(starts)]
    return label_themes(texts, groups, np.ones(len(texts)))[0]
