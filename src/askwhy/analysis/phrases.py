"""Theme labels a person would write: a short phrase taken verbatim from the theme's own texts.

A candidate is a run of 2–5 words found in at least `MIN_TEXTS` of the theme's texts (counted among
its most central ones), that neither starts nor ends with a stop word, a light verb, a preposition
or a hedge (`askwhy.analysis.phrase_edges`), holds no brand term, no handle, no placeholder of
removed personal data and no person's name (`askwhy.analysis.person_names`), and whose words do
not argue with the theme's dominant sentiment. A label names a topic, not an opinion of it: a
phrase does not start or end with an opinion word (one that leans clearly in VADER's general
lexicon: "love this tunic", "super cute", "fits great") unless the theme uses that word far more
than the other texts do, so that the opinion is what sets it apart ("rude support agent").
Candidates are ranked by how central they are (the closeness to the theme's centre of the texts
that use them) times how distinctive (how much more often the theme uses them than all texts do).
Labels are chosen from the largest theme down, and a label already taken, or made of the same
words as one, is skipped, so no two themes share a label. A theme with no such phrase falls back
to its most distinctive word, where its texts use that word as a noun.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.labels import STOP_WORDS, UBIQUITOUS_LIFT
from askwhy.analysis.person_names import person_names
from askwhy.analysis.phrase_edges import CONTENT_WORDS, breaks_edges, closes_badly, opens_badly, used_as_verbs

MIN_TEXTS = 3
MAX_WORDS = 5
CENTRAL_TEXTS = 400
"""Phrases are counted among a theme's most central texts: the ones a label should stand for. Two
phrases often score alike; counted over 400 texts rather than 150, the winner depends less on which
texts happen to be there, so a 90% sample of Banking77 gives 83% of top-level themes the same
label (and id) instead of 77%."""
BACKGROUND_TEXTS = 3000
NO_PHRASE = "(no distinctive phrase)"
TIE_BREAK = 0.1
"""Where no phrase is more distinctive than another, the most common one wins."""
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[.!?;:,()\"…/]")
_LABEL_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+|[.!?;:,()\"…/]")
"""As `_TOKEN`, with hyphenated words kept whole, so a label reads as the texts write it ("top-up")."""
_BREAK = "|"
_PLACEHOLDER = re.compile(r"\[[^\W\d_]+\]")
"""What stands for removed personal data: redaction's "[email]", "[phone]"…, a data set's "[NAME]"."""
_AUXILIARIES = frozenset({"does", "did", "doing"})
"""Forms of "do" the stop list (scikit-learn's) leaves out beside its "do": "how long does"."""
_CONTRACTIONS = frozenset(
    """
    i'm it's don't didn't can't i've wasn't isn't what's that's there's here's who's where's how's
    let's he's she's you're we're they're i'd you'd i'll you'll it'll we'll you've we've they've
    doesn't won't wouldn't couldn't shouldn't aren't weren't haven't hasn't hadn't
    thats whats theres heres shes hes youre theyre wasnt isnt doesnt didnt wouldnt couldnt shouldnt
    arent werent havent hasnt hadnt youve weve theyve youll theyll itll
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""Function words contracted, with an apostrophe or typed without one, which the stop list has only
whole: "what's going", "shes"."""
_INTERJECTIONS = frozenset(
    "oh ah uh um hmm hm haha hahaha wow omg yeah yep yup yes nah nope hey hi hello".split()  # noqa: SIM905
)
"""Words that voice a reaction, not a topic: "oh man"."""
STOP = frozenset(STOP_WORDS) | _AUXILIARIES | _CONTRACTIONS | _INTERJECTIONS
"""Words that name no theme (`askwhy.analysis.theme_ids`)."""
LABEL_STOP = STOP - CONTENT_WORDS
"""Words that neither start nor end a label."""
_NEGATIONS = frozenset({"not", "no", "never", "nothing", "don't", "didn't", "can't", "isn't", "wasn't"})
_WEAK_WORDS = frozenset({"thing", "things", "lot", "bit", "way", "time", "day", "people", "make"})
CLEAR_LEAN = 1.5
"""A valence (VADER's scale, −4..4) at least this far from zero leans clearly one way. An opinion
word lies beyond it: VADER rates "like" and "fit" exactly 1.5 for their verb and health senses,
which a label's "feel like" or "shirt fit" do not carry."""


@dataclass(frozen=True)
class Phrase:
    text: str
    score: float
    texts: int
    """How many of the theme's central texts contain it."""


def words(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes kept inside words; punctuation becomes a break no phrase
    crosses ("Dress. This dress" holds no phrase "dress this")."""
    return [w.replace("’", "'") if w[0].isalnum() else _BREAK for w in _TOKEN.findall(text.casefold())]


def label_words(text: str) -> list[str]:
    """`words` as a label uses them: hyphenated words whole, and no word of a placeholder."""
    folded = _PLACEHOLDER.sub(" . ", text).casefold()
    return [w.replace("’", "'") if w[0].isalnum() else _BREAK for w in _LABEL_TOKEN.findall(folded)]


def _grams(tokens: Sequence[str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for size in range(1, MAX_WORDS + 1):
        for start in range(len(tokens) - size + 1):
            gram = tuple(tokens[start : start + size])
            if _BREAK not in gram:
                found.add(gram)
    return found


def _acceptable(gram: tuple[str, ...], banned: frozenset[str]) -> bool:
    if gram[0] in LABEL_STOP or gram[-1] in LABEL_STOP or gram[-1] in _NEGATIONS or breaks_edges(gram):
        return False
    if any(w in banned or w.isdigit() for w in gram):
        return False
    content = [w for w in gram if w not in LABEL_STOP]
    if len(gram) == 1:
        return len(gram[0]) > 3 and gram[0] not in _WEAK_WORDS
    return len(content) >= 1 and not all(w in _WEAK_WORDS for w in content)


@functools.cache
def _valence() -> dict[str, float]:
    """VADER's word valences (−4..4), to spot a label whose words argue with its theme's mood."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {str(k): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


def _contradicts(gram: tuple[str, ...], mood: float) -> bool:
    """True when the phrase leans clearly one way and the theme clearly the other."""
    lexicon = _valence()
    lean = sum(lexicon.get(w, 0.0) for w in gram)
    if any(w in _NEGATIONS for w in gram):
        lean = -lean
    return (mood <= -0.25 and lean >= CLEAR_LEAN) or (mood >= 0.25 and lean <= -CLEAR_LEAN)


def _opinion_edge(gram: tuple[str, ...], plain_opinions: Collection[str]) -> bool:
    """True when the phrase starts or ends with an opinion word the theme does not stand out by."""
    return gram[0] in plain_opinions or gram[-1] in plain_opinions


def plain_opinions(
    central: Sequence[Sequence[str]],
    closeness: NDArray[np.float64],
    *,
    background: Counter[tuple[str, ...]],
    background_size: int,
    inside: Counter[str],
    inside_size: int,
) -> frozenset[str]:
    """The words of a theme's central texts that lean beyond `CLEAR_LEAN` in the lexicon and that
    the theme uses less than `UBIQUITOUS_LIFT` times as often as texts outside it do: an opinion of
    the topic ("love", "beautiful"), not what sets the theme apart ("rude", "fraud"). `inside`
    counts the texts using each word among the theme's `inside_size` texts in the background sample."""
    lexicon = _valence()
    weight: dict[str, float] = {}
    for tokens, close in zip(central, closeness, strict=True):
        for word in set(tokens):
            if abs(lexicon.get(word, 0.0)) > CLEAR_LEAN:
                weight[word] = weight.get(word, 0.0) + float(close)
    total = max(float(np.sum(closeness)), 1e-9)
    return frozenset(
        word
        for word, seen in weight.items()
        if seen / total
        < UBIQUITOUS_LIFT
        * (background.get((word,), 0) - inside[word] + 1)
        / (background_size - inside_size + 1)
    )


def _document_frequency(texts: Sequence[Sequence[str]]) -> Counter[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    for tokens in texts:
        counts.update(_grams(tokens))
    return counts


def rank_phrases(
    central: Sequence[Sequence[str]],
    closeness: NDArray[np.float64],
    background: Counter[tuple[str, ...]],
    background_size: int,
    *,
    banned: frozenset[str] = frozenset(),
    mood: float = 0.0,
    opinions: Collection[str] = frozenset(),
) -> list[Phrase]:
    """Candidate phrases of one theme, best first (see the module docstring); none starts or ends
    with one of `opinions`."""
    weight: dict[tuple[str, ...], float] = {}
    seen: Counter[tuple[str, ...]] = Counter()
    for tokens, close in zip(central, closeness, strict=True):
        for gram in _grams(tokens):
            seen[gram] += 1
            weight[gram] = weight.get(gram, 0.0) + float(close)
    total = max(float(np.sum(closeness)), 1e-9)
    least = min(MIN_TEXTS, max(2, len(central) // 2))
    verbs = used_as_verbs(central)
    ranked = []
    for gram, count in seen.items():
        if count < least or not _acceptable(gram, banned) or _contradicts(gram, mood):
            continue
        if _opinion_edge(gram, opinions) or (len(gram) == 1 and gram[0] in verbs):
            continue
        share = weight[gram] / total
        overall = (background.get(gram, 0) + 1) / (background_size + 1)
        lift = max(share / overall, 1.0)
        # Two and three words read best; a single word only when nothing longer is there.
        shape = {1: 0.35, 2: 1.0, 3: 1.0, 4: 0.8, 5: 0.6}[len(gram)]
        # A phrase is only as specific as its most common content word ("agent with order" is not
        # about anything when every text mentions an order).
        specific = min(
            1 - background.get((w,), 0) / (background_size + 1) for w in gram if w not in LABEL_STOP
        )
        score = share * (np.log(lift) + TIE_BREAK) * shape * specific
        ranked.append(Phrase(" ".join(gram), score, count))
    # A single word only when no phrase of two words or more is there.
    # Of phrases that score alike, the fuller one ("wrong size sent" over "size sent").
    return sorted(ranked, key=lambda p: (" " not in p.text, -round(p.score, 9), -len(p.text), p.text))


def choose_labels(
    candidates: Sequence[Sequence[Phrase]],
    *,
    taken: Collection[str] = (),
    families: Sequence[int] | None = None,
) -> list[str]:
    """One label per theme, in the order given (largest first): the best phrase not taken yet.

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
    tokens = [label_words(t) for t in texts]
    banned = frozenset(w for term in brand_terms for w in words(term)) | person_names(texts)
    every = np.arange(len(texts))
    step = max(1, len(texts) // BACKGROUND_TEXTS)
    background = _document_frequency([tokens[i] for i in every[::step]])
    size = len(every[::step])
    ranked = []
    shared: list[frozenset[str]] = []
    for number, members in enumerate(groups):
        order = members[np.argsort(-closeness[members], kind="stable")][:CENTRAL_TEXTS]
        central = [tokens[i] for i in order]
        inside = [int(i) for i in members if i % step == 0]
        own = Counter(w for i in inside for w in set(tokens[i]))
        mood = 0.0 if moods is None else float(moods[number])
        opinions = plain_opinions(
            central,
            closeness[order],
            background=background,
            background_size=size,
            inside=own,
            inside_size=len(inside),
        )
        shared.append(opinions)
        ranked.append(
            rank_phrases(
                central, closeness[order], background, size, banned=banned, mood=mood, opinions=opinions
            )
        )
    by_size = sorted(range(len(groups)), key=lambda g: -len(groups[g]))
    chosen = choose_labels(
        [ranked[g] for g in by_size],
        taken=taken,
        families=None if families is None else [families[g] for g in by_size],
    )
    labels = [""] * len(groups)
    used = set(taken) | set(chosen)
    for g, label in zip(by_size, chosen, strict=True):
        labels[g] = label
        if label == NO_PHRASE:
            labels[g] = _opening(tokens, groups[g], closeness, used, opinions=shared[g], banned=banned)
            used.add(labels[g])
    return labels, ranked


def _opening(
    tokens: Sequence[Sequence[str]],
    members: NDArray[np.intp],
    closeness: NDArray[np.float64],
    used: set[str],
    *,
    opinions: Collection[str],
    banned: frozenset[str],
) -> str:
    """For a theme with no phrase of its own: the opening words (up to four, within one clause,
    after any of `opinions`, trimmed to words that may open and close a label) of its most central
    text with no `banned` word and not already a label; `NO_PHRASE` when there is none."""
    for i in members[np.argsort(-closeness[members], kind="stable")][:CENTRAL_TEXTS]:
        clause = list(itertools.takewhile(lambda w: w != _BREAK, tokens[i]))
        clause = list(
            itertools.dropwhile(lambda w: w in opinions or w in LABEL_STOP or opens_badly(w), clause)
        )
        clause = clause[:4]
        while clause and (clause[-1] in LABEL_STOP or closes_badly(clause[-1])):
            clause.pop()
        opening = " ".join(clause)
        if len(clause) >= 2 and opening not in used and _acceptable(tuple(clause), banned):
            return opening
    return NO_PHRASE
