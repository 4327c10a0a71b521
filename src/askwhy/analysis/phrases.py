"""Theme labels a person would write: a short phrase taken verbatim from the theme's own texts.

Each theme's candidates are ranked by `askwhy.analysis.phrase_ranking`; the words they are made
of, and why every label is found verbatim in the texts it was counted in, are in
`askwhy.analysis.phrase_words`. No brand term, handle, placeholder of removed personal data or
person's name (`askwhy.analysis.person_names`) is ever part of a label.

Labels are chosen from the largest theme down, and a label already taken, or made of the same
words as one, is skipped, so no two themes share a label. A theme none of whose candidates is free
falls back, step by step, to a phrase of its own texts that no other theme holds:

1. found in as many of its texts as a label must be, under the rules every label keeps (well
   formed, no banned word, no lone verb, no stance or motion verb at an edge, no argument with the
   theme's mood) but not the finer ones (light verbs, prepositions and hedges at the edges,
   opinions, weak words);
2. the same, with stop words around one that is none ("repeat that again"), though not closing
   on an article, a preposition or a conjunction ("plan a");
3. the opening words of its most central texts;
4. the phrases of steps 1 and 2 however few of its central texts hold them;
5. where every one of those shares its words with another label, the first that is not itself one.

Only a theme whose texts hold no word a label may use has no label (`NO_PHRASE`).
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.person_names import person_names
from askwhy.analysis.phrase_edges import closes_badly, opens_badly
from askwhy.analysis.phrase_ranking import Phrase, Rules, plain_opinions, rank_phrases
from askwhy.analysis.phrase_ranking import document_frequency as _document_frequency
from askwhy.analysis.phrase_words import BREAK, LABEL_STOP, STOP, acceptable, label_words, words

__all__ = ["NO_PHRASE", "STOP", "Phrase", "choose_labels", "label_themes", "words"]

CENTRAL_TEXTS = 400
"""Phrases are counted among a theme's most central texts: the ones a label should stand for. Two
phrases often score alike; counted over 400 texts rather than 150, the winner depends less on which
texts happen to be there, so a 90% sample of Banking77 gives 83% of top-level themes the same
label (and id) instead of 77%."""
BACKGROUND_TEXTS = 3000
NO_PHRASE = "(no distinctive phrase)"
OPENING_WORDS = 4


def choose_labels(
    candidates: Sequence[Sequence[Phrase]],
    *,
    taken: Collection[str] = (),
    families: Sequence[int] | None = None,
) -> list[str]:
    """One label per theme, in the order given (largest first): the best phrase not taken yet,
    `NO_PHRASE` where every one is.

    With `families` (a parent number per theme), a theme whose best phrase is already the label of
    a sibling gets that same label: the two are near-duplicates, to be merged by the caller.
    """
    owner: dict[frozenset[str], tuple[str, int]] = {_key(t): (t, -1) for t in taken}
    labels = []
    for number, phrases in enumerate(candidates):
        family = -2 - number if families is None else families[number]
        label = NO_PHRASE
        for phrase in phrases:
            holder = owner.get(_key(phrase.text))
            if holder is None:
                label = phrase.text
                owner[_key(label)] = (label, family)
                break
            if holder[1] == family:
                label = holder[0]
                break
        labels.append(label)
    return labels


def _key(text: str) -> frozenset[str]:
    return frozenset(w for w in text.split() if w not in LABEL_STOP) or frozenset(text.split())


def label_themes(
    texts: Sequence[str],
    groups: Sequence[NDArray[np.intp]],
    closeness: NDArray[np.float64],
    *,
    brand_terms: Collection[str] = (),
    moods: Sequence[float] | None = None,
    taken: Collection[str] = (),
    families: Sequence[int] | None = None,
) -> tuple[list[str], list[list[Phrase]]]:
    """A distinct label per group of row indices into `texts`, and each group's ranked phrases.

    `closeness` holds each text's similarity to its own group's centre; `moods` each group's mean
    sentiment on −1..1 (labels never argue with it).
    """
    tokens, people, background, step = _reading(tuple(texts))
    banned = frozenset(w for term in brand_terms for w in words(term)) | people
    size = len(tokens[::step])
    ranked = []
    centrals: list[tuple[list[list[str]], NDArray[np.float64], frozenset[str]]] = []
    for number, members in enumerate(groups):
        order = members[np.argsort(-closeness[members], kind="stable")][:CENTRAL_TEXTS]
        central = [tokens[i] for i in order]
        inside = [int(i) for i in members if i % step == 0]
        own = Counter(w for i in inside for w in set(tokens[i]))
        opinions = plain_opinions(
            central,
            closeness[order],
            background=background,
            background_size=size,
            inside=own,
            inside_size=len(inside),
        )
        centrals.append((central, closeness[order], opinions))
        ranked.append(
            rank_phrases(
                central,
                closeness[order],
                background,
                size,
                banned=banned,
                mood=_mood(moods, number),
                opinions=opinions,
            )
        )
    by_size = sorted(range(len(groups)), key=lambda g: -len(groups[g]))
    chosen = choose_labels(
        [ranked[g] for g in by_size],
        taken=taken,
        families=None if families is None else [families[g] for g in by_size],
    )
    names = {t for t in [*taken, *chosen] if t != NO_PHRASE}
    held = {_key(t) for t in names}
    labels = list(chosen)
    for at, g in enumerate(by_size):
        if chosen[at] == NO_PHRASE:
            central, close, opinions = centrals[g]
            phrases = functools.partial(
                _fallbacks,
                central,
                close,
                background,
                size,
                banned=banned,
                mood=_mood(moods, g),
                opinions=opinions,
            )
            labels[at] = _free(phrases, held, names)
    labels = [labels[by_size.index(g)] for g in range(len(groups))]
    return labels, ranked


@functools.lru_cache(maxsize=1)
def _reading(
    texts: tuple[str, ...],
) -> tuple[list[list[str]], frozenset[str], Counter[tuple[str, ...]], int]:
    """Each text's words, the person names among them, and how many of a sample of every `step`-th
    text hold each phrase (with `step`). Themes and their subthemes are labelled from the same
    texts one after the other: read once, this halves the time of the names and the sample."""
    tokens = [label_words(t) for t in texts]
    step = max(1, len(texts) // BACKGROUND_TEXTS)
    return tokens, person_names(texts), _document_frequency(tokens[::step]), step


def _free(phrases: Callable[[], Iterator[str]], held: set[frozenset[str]], names: set[str]) -> str:
    """The first of `phrases` whose words no label holds, else the first that is no label itself
    (`NO_PHRASE` when there is none), recorded in `held` and `names`."""
    label = next((p for p in phrases() if _key(p) not in held), None)
    if label is None:
        label = next((p for p in phrases() if p not in names), NO_PHRASE)
    held.add(_key(label))
    names.add(label)
    return label


def _mood(moods: Sequence[float] | None, number: int) -> float:
    return 0.0 if moods is None else float(moods[number])


def _fallbacks(
    central: Sequence[Sequence[str]],
    closeness: NDArray[np.float64],
    background: Counter[tuple[str, ...]],
    background_size: int,
    *,
    banned: frozenset[str],
    mood: float,
    opinions: Collection[str],
) -> Iterator[str]:
    """A theme's phrases with no finer rule than the ones every label keeps, best first (see the
    module docstring), each step read only when the ones before it gave no free phrase."""

    def ranked(rules: Rules, least: int | None) -> Iterator[str]:
        phrases = rank_phrases(
            central,
            closeness,
            background,
            background_size,
            banned=banned,
            mood=mood,
            rules=rules,
            least=least,
        )
        return (p.text for p in phrases)

    steps: list[Callable[[], Iterator[str]]] = [
        lambda: ranked("relaxed", None),
        lambda: ranked("loose", None),
        lambda: _openings(central, banned, opinions),
        lambda: ranked("relaxed", 1),
        lambda: ranked("loose", 1),
    ]
    return itertools.chain.from_iterable(step() for step in steps)


def _openings(
    central: Sequence[Sequence[str]], banned: frozenset[str], opinions: Collection[str]
) -> Iterator[str]:
    """The opening words (up to `OPENING_WORDS`, within one clause, after any of `opinions`, trimmed
    to words that may open and close a label) of each central text in turn, most central first,
    where they make a phrase of two words or more a person would write."""
    for tokens in central:
        clause = list(itertools.takewhile(lambda w: w != BREAK, tokens))
        clause = list(
            itertools.dropwhile(lambda w: w in opinions or w in LABEL_STOP or opens_badly(w), clause)
        )
        clause = clause[:OPENING_WORDS]
        while clause and (clause[-1] in LABEL_STOP or closes_badly(clause[-1])):
            clause.pop()
        if len(clause) >= 2 and acceptable(tuple(clause), banned):
            yield " ".join(clause)
