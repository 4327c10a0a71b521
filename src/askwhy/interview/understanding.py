"""Understanding one answer: its clauses, how each feels, the topics they touch, and what it asks.

``understand`` reads a reply once for the interviewer's decision: every clause with its polarity,
the guide's themes it mentions and whether it is specific; whether the answer as a whole is
vague, closes the conversation, corrects the score or already proposes a fix. Whether it needs a
person (help, a missing order) is read on the whole answer by ``help_requests``, as cases read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwhy.interview.clauses import Span, is_specific, split_clauses
from askwhy.interview.intents import closes, read_correction, suggests_fix
from askwhy.interview.polarity import polarity
from askwhy.interview.prepared import PreparedGuide
from askwhy.interview.replies import is_done
from askwhy.interview.themes import ThemeMatch
from askwhy.interview.vagueness import is_vague

READ_LIMIT = 480
"""Characters of an answer read to choose the next question: enough for its gist, and fast."""
_TAIL = 120
_THEME_LEANING = {"negative": -0.5, "positive": 0.5, "any": 0.0}


@dataclass(frozen=True)
class Clause:
    """One clause of the answer, as the customer wrote it."""

    text: str
    start: int
    end: int
    polarity: float
    topics: tuple[ThemeMatch, ...]
    specific: bool


@dataclass(frozen=True)
class Mention:
    """A topic the customer touched, in the clause that touched it, with that clause's feeling."""

    match: ThemeMatch
    clause: Clause
    polarity: float
    specific: bool
    """The clause, or the story it starts, names something concrete."""


@dataclass(frozen=True)
class Understanding:
    """What one answer says and asks."""

    text: str
    clauses: tuple[Clause, ...]
    vague: bool
    closes: bool
    corrected_score: int | None
    suggests_fix: bool

    @property
    def specific(self) -> bool:
        """Some clause names something concrete."""
        return any(clause.specific for clause in self.clauses)

    @property
    def mentions(self) -> list[Mention]:
        """Each topic once, in reading order, at its most specific mention; the clause's polarity
        leans to the theme's when the clause itself has none."""
        chosen: dict[str, Mention] = {}
        for index, clause in enumerate(self.clauses):
            specific = clause.specific or self._story_goes_on(index)
            for match in clause.topics:
                leaning = clause.polarity or _THEME_LEANING[match.theme.polarity]
                mention = Mention(match, clause, leaning, specific)
                if match.theme.id not in chosen or (specific and not chosen[match.theme.id].specific):
                    chosen[match.theme.id] = mention
        return sorted(chosen.values(), key=lambda mention: mention.match.start)

    def _story_goes_on(self, index: int) -> bool:
        """The clauses after ``index`` that raise no topic of their own continue its story
        ("the driver called ahead and left it with my neighbour on Saturday")."""
        for clause in self.clauses[index + 1 :]:
            if clause.topics:
                return False
            if clause.specific:
                return True
        return False


def understand(prepared: PreparedGuide, text: str) -> Understanding:
    """Read ``text`` for the next decision; pure and fast (a few hundred microseconds at most)."""
    full = text
    text = text[:READ_LIMIT]
    mentions = prepared.themes.find_all(text)
    clauses = tuple(_clause(text, span, mentions) for span in split_clauses(text))
    correction = read_correction(text, prepared.scale) if prepared.scale is not None else None
    has_topics = any(clause.topics for clause in clauses)
    return Understanding(
        text=text,
        clauses=clauses,
        vague=not has_topics and not any(c.specific for c in clauses) and is_vague(text),
        closes=is_done(full) or closes(text) or (len(full) > READ_LIMIT and closes(full[-_TAIL:])),
        corrected_score=correction[0] if correction else None,
        suggests_fix=suggests_fix(text),
    )


def _clause(text: str, span: Span, mentions: list[ThemeMatch]) -> Clause:
    """The clause at ``span``, with each theme it mentions once (at its first mention)."""
    inside: dict[str, ThemeMatch] = {}
    for match in mentions:
        if span.start <= match.start and match.end <= span.end:
            inside.setdefault(match.theme.id, match)
    raw = text[span.start : span.end]
    topics = tuple(inside.values())
    return Clause(raw, span.start, span.end, polarity(span.tokens), topics, is_specific(raw, span.tokens))
