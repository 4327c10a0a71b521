"""Words a label a person would write neither opens nor closes with, by linguistic class.

A label names a topic: a noun phrase ("late delivery") or a verb with its object ("cancel a
transfer"). The stop list (scikit-learn's, in `askwhy.analysis.stop_words`) already keeps articles,
pronouns and most prepositions off a label's edges (not the few content words it holds,
`CONTENT_WORDS`). The classes it leaves out make the fragments a customer's sentence opens or
closes with rather than its topic:

- stance and perception verbs, in every form: "like", "look", "feel", "need", "want", "try"…
  ("looks like", "like to play", "need some help"): what the customer wants or senses, not what
  about; they neither open nor close a label;
- verbs of being, coming and going ("waitress came", "went to withdraw"), which neither open nor
  close a label either;
- light verbs (have, do, get, make, take, give, put, keep, let), whose object carries the
  meaning: they may open a label before it ("make a transfer") but never close one ("long does");
- prepositions the stop list misses ("like", "worth") and hedges or degree words ("a bit", "kinda",
  "pretty"), which close or open a phrase that goes on elsewhere ("looks a bit").

A lone word is a label only where its own texts use it as a noun: after a determiner or a
possessive ("the limit") at least as often as after a subject pronoun, "to" or a modal ("I live",
"to live").
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence


def _forms(spec: str) -> frozenset[str]:
    """Every form listed: one verb per line, its base first, irregular forms written out."""
    return frozenset(spec.split())


STANCE_VERBS = _forms(
    """
    like likes liked liking
    look looks looked looking
    feel feels felt
    seem seems seemed seeming
    sound sounds sounded sounding
    appear appears appeared appearing
    want wants wanted wanting wanna
    need needs needed needing
    wish wishes wished wishing
    hope hopes hoped hoping
    think thinks thought thinking
    guess guesses guessed guessing
    know knows knew known knowing
    try tries tried trying
    mean means meant
    say says said
    tell tells told telling
    wonder wonders wondered wondering
    suppose supposes supposed supposing
    believe believes believed believing
    """
)
"""Verbs of wanting, trying, sensing and saying: they frame a topic and are none. Forms that are
also common nouns ("feeling", "meaning of life", "saying") are left out."""
MOTION_VERBS = _forms(
    """
    be am is are was were been being
    come comes came coming
    go goes went gone going gonna
    """
)
"""Being, coming and going: "server came", "went to withdraw" say nothing of what."""
LIGHT_VERBS = _forms(
    """
    have has had having
    do does did doing done
    get gets got gotten getting
    make makes made making
    take takes took taken taking
    give gives gave given giving
    put puts putting
    keep keeps kept keeping
    let lets letting
    """
)
"""Verbs whose object carries the meaning: "make a transfer", never "came" alone."""
PREPOSITIONS = _forms("like unlike worth near despite inside outside plus versus vs till")
"""Prepositions scikit-learn's stop list does not hold."""
HEDGES = _forms(
    """
    bit lot lots kinda sorta tad bunch pretty quite fairly slightly somewhat super really
    very just maybe probably actually basically literally totally definitely honestly seriously
    absolutely completely simply truly almost sure
    """
)
"""Degree words and hedges: they soften or stress a phrase that is elsewhere."""
CONTENT_WORDS = _forms(
    """
    amount bill bottom call cry describe detail empty fill find fire front full interest move name
    part serious show side sincere system thick thin top
    """
)
"""Nouns, verbs and adjectives that scikit-learn's stop list holds among its function words: a
label may open or close with them ("top up limit", "phone call", "interest rate")."""
_FRAMING = STANCE_VERBS | MOTION_VERBS
_OPEN_ENDED = PREPOSITIONS | _forms(
    """
    the a an my your his her its our their every each
    to of in on at for from by with about into onto over under through and or but nor as than
    """
)
_NEVER_AT_EDGE = _FRAMING | PREPOSITIONS | HEDGES
_NOUN_CUES = _forms("the a an my your his her its our their this that these those any some every each no")
_VERB_CUES = _forms(
    """
    i you we they he she it to can could will would should may might must shall
    don't doesn't didn't can't won't i'll i'd we'll they'll you'll
    """
)


def opens_badly(word: str) -> bool:
    """True for a word that cannot open a label."""
    return word in _NEVER_AT_EDGE


def closes_badly(word: str) -> bool:
    """True for a word that cannot close a label."""
    return word in _NEVER_AT_EDGE or word in LIGHT_VERBS


def leaves_open(word: str) -> bool:
    """True for an article, a possessive, a preposition or a conjunction: a phrase closing with
    one ("plan a", "tired of") breaks off before what it is about."""
    return word in _OPEN_ENDED


def frames(word: str) -> bool:
    """True for a stance or motion verb ("looks", "said", "came"): not a topic even where a
    theme has no better phrase."""
    return word in _FRAMING


def breaks_edges(gram: Sequence[str]) -> bool:
    """True when a phrase opens or closes with a word of the classes above (a lone word: either)."""
    return opens_badly(gram[0]) or closes_badly(gram[-1])


def used_as_verbs(texts: Iterable[Sequence[str]]) -> frozenset[str]:
    """The words `texts` (token lists) put after a subject, "to" or a modal more often than after a
    determiner or a possessive: "I live here", "to live", not "the limit"."""
    noun: Counter[str] = Counter()
    verb: Counter[str] = Counter()
    for tokens in texts:
        for before, token in itertools.pairwise(tokens):
            if before in _NOUN_CUES:
                noun[token] += 1
            elif before in _VERB_CUES:
                verb[token] += 1
    return frozenset(word for word, count in verb.items() if count > noun[word])
