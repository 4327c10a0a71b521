"""Splitting customer text into sentences, and sentences into contrastive clauses.

Customer text is messy: chat messages without final punctuation, lower-case starts, emoji used as
full stops, ellipses, bullet lists, abbreviations. The rules here are plain regular expressions,
fast enough to run on every message, and err on the side of keeping a sentence whole.
"""

from __future__ import annotations

import re

from askwhy.analysis.cleaning import has_content

MAX_SENTENCE_CHARS = 400
"""Longer pieces (run-on text with no punctuation) are cut at commas, then at spaces."""

_EMOJI = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u2b00-\u2bff"  # stars, arrows
    "\ufe0f\u200d"  # variation selector and zero-width joiner inside emoji sequences
    "\U0001f3fb-\U0001f3ff"  # skin tones
)
_CLOSERS = "\"'”’)\\]»"
_TERMINATOR = re.compile(rf"(\.{{2,}}|…+|[.!?]+)[{_CLOSERS}]*(?:\s*[{_EMOJI}]+)*(?=\s|$|[A-Z][a-z])")
_EMOJI_BREAK = re.compile(rf"(?<=[^\s{_EMOJI}])\s*[{_EMOJI}]+(?=\s+[A-ZÁÉÍÓÚÑ¿¡])")
_LINE = re.compile(r"\s*\n\s*")
_BULLET = re.compile(r"^(?:[-*•·–—>]+|\d{1,2}[.)])\s+")
_WORD = re.compile(r"\w")
_LETTER = re.compile(r"[^\W\d_]")
_EMOJI_ONLY = re.compile(rf"^[\s{_EMOJI}\W]*[{_EMOJI}][\s{_EMOJI}\W]*$")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_SOFT_BREAK = re.compile(r"[,;:]\s+|\s[-–—]\s")

_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "sra", "srta", "jr", "st", "vs", "e.g", "i.e", "approx",
        "no", "nr", "nº", "fig", "vol", "ref", "dept", "tel", "ca", "cf", "min", "max", "ft", "lb",
        "lbs", "oz", "pt", "ud", "uds", "av", "avda", "p.ej", "z.b", "bzw",
    }
)  # fmt: skip
"""Never the end of a sentence when followed by a space."""
_SENTENCE_FINAL_ABBREVIATIONS = frozenset({"etc", "inc", "ltd", "co", "corp", "jan", "feb", "aug", "sept"})
"""End a sentence only when the next word starts with a capital letter."""


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; pieces with no words are dropped.

    An emoji-only piece joins the sentence before it (it is how chat users end a sentence), and so
    does a piece with no letters ("Great service. 10"): a bare number says nothing on its own.
    """
    sentences: list[str] = []
    for line in _LINE.split(text.strip()):
        for raw in _split_line(_BULLET.sub("", line)):
            piece = raw.strip()
            if not piece:
                continue
            if _EMOJI_ONLY.match(piece) or (sentences and not _LETTER.search(piece)):
                if sentences:
                    sentences[-1] = f"{sentences[-1]} {piece}"
                else:
                    sentences.append(piece)
            elif _WORD.search(piece):
                sentences.extend(_limit_length(piece))
    return sentences


def _split_line(line: str) -> list[str]:
    cuts = {match.end() for match in _TERMINATOR.finditer(line) if _ends_sentence(line, match)}
    if not line.isascii():
        cuts.update(match.end() for match in _EMOJI_BREAK.finditer(line))
    pieces, start = [], 0
    for cut in sorted(cuts):
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return pieces


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    mark = match.group(1)
    following = _NEXT_CHAR.match(line, match.end())
    if following is None:
        return True
    if following.start(1) == match.end():
        # Glued to the next sentence ("late.The box"): only after a lower-case word, so "U.S." stays.
        return mark in {".", "!", "?"} and line[max(0, match.start() - 2) : match.start()].islower()
    starts_upper = following.group(1).isupper() or following.group(1) in "¿¡"
    if mark != "." and set(mark) <= {".", "…"}:
        return starts_upper
    if mark != ".":
        return True
    before = line[max(0, match.start() - 32) : match.start()].rsplit(None, 1)
    word = before[-1].lstrip("([\"'").lower() if before else ""
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word != "i"):
        return False
    if word in _SENTENCE_FINAL_ABBREVIATIONS or ("." in word and len(word) <= 6):
        return starts_upper
    return True


def _limit_length(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    chunks: list[str] = []
    current = ""
    for part in _cut_keeping(sentence, _SOFT_BREAK):
        if current and len(current) + len(part) > MAX_SENTENCE_CHARS:
            chunks.append(current)
            current = ""
        current += part
    chunks.append(current)
    out: list[str] = []
    for chunk in chunks:
        out.extend(_cut_at_spaces(chunk.strip(" ,;:-–—")))
    return [chunk for chunk in out if _WORD.search(chunk)]


def _cut_keeping(text: str, pattern: re.Pattern[str]) -> list[str]:
    parts, start = [], 0
    for match in pattern.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return parts


def _cut_at_spaces(text: str) -> list[str]:
    out: list[str] = []
    while len(text) > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    out.append(text)
    return out


_CONNECTORS = (
    r"but|however|although|even\s+though|though|yet|whereas|nevertheless|nonetheless|on\s+the\s+other\s+hand"
    r"|except\s+that|pero|aunque|sin\s+embargo|no\s+obstante|mientras\s+que|por\s+el\s+contrario"
    r"|porém|embora|no\s+entanto|mais|cependant|pourtant|bien\s+que|aber|jedoch|obwohl|però|tuttavia"
)
_CONNECTOR = re.compile(rf"(?:[,;:]\s*|\s[-–—]\s*)?\b(?:{_CONNECTORS})\b\s*,?", re.IGNORECASE)
_ONLY_CONNECTOR = re.compile(rf"^(?:{_CONNECTORS})\W*$", re.IGNORECASE)
_SUBORDINATE_START = re.compile(
    r"^\s*(?:although|even\s+though|though|while|whereas|aunque|embora|bien\s+que|obwohl)\b", re.IGNORECASE
)
_ADVERBIAL = frozenset({"however", "though", "nevertheless", "nonetheless", "sin embargo", "no obstante"})
_NOT_CONTRAST_BEFORE = re.compile(
    r"(?:\b(?:anything|nothing|all|everything|everyone|none|last|not|as)|n't)\s*$", re.IGNORECASE
)
_SUBORDINATORS = frozenset(
    {"although", "even though", "though", "whereas", "aunque", "embora", "bien que", "obwohl"}
)
_NOT_CONTRAST_AFTER = re.compile(r"^\s*(?:also|again|another|$|[.!?,;:])", re.IGNORECASE)
_EDGES = " \t,;:-–—"


def split_clauses(sentence: str) -> list[str]:
    """Contrastive clauses of one sentence: "fast delivery but rude support" gives two.

    The connector itself is dropped; a sentence without one comes back whole. A leading
    subordinate clause ("Although the fit is great, the fabric is thin") splits at its comma.
    """
    pieces: list[str] = []
    start = 0
    for match in _CONNECTOR.finditer(sentence):
        if not _is_contrast(sentence, match, start):
            continue
        pieces.append(sentence[start : match.start()])
        start = match.end()
    pieces.append(sentence[start:])
    clauses: list[str] = []
    for piece in pieces:
        clauses.extend(_split_subordinate(piece))
    kept = (clause.strip(_EDGES) for clause in clauses)
    return [clause for clause in kept if _WORD.search(clause) and not _ONLY_CONNECTOR.match(clause)]


def _is_contrast(sentence: str, match: re.Match[str], start: int) -> bool:
    word = re.sub(r"\s+", " ", match.group().strip(_EDGES).rstrip(",").strip()).lower()
    before, after = sentence[start : match.start()], sentence[match.end() :]
    if word in _SUBORDINATORS and not before.strip():
        return False
    if word in {"but", "yet"} and (_NOT_CONTRAST_BEFORE.search(before) or _NOT_CONTRAST_AFTER.match(after)):
        return False
    if word in _ADVERBIAL and match.group().rstrip().endswith(",") and match.group()[0] == ",":
        return len(before.split()) >= 3 and len(after.split()) >= 2
    return True


def _split_subordinate(piece: str) -> list[str]:
    lead = _SUBORDINATE_START.match(piece)
    if lead is None:
        return [piece]
    comma = piece.find(",", lead.end())
    if comma < 0:
        return [piece[lead.end() :]]
    return [piece[lead.end() : comma], piece[comma + 1 :]]


MIN_IDEA_WORDS = 2
"""A sentence of fewer words ("Terrible.", "Wow!") carries no idea of its own; "Great price." does."""
_LETTER_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def idea_units(text: str, *, whole: str = "sentence") -> list[tuple[str, str]]:
    """(kind, text) for each idea of ``text``: split into sentences, and a sentence with contrasting
    parts into clauses, only where the pieces carry several ideas.

    A sentence with no idea of its own (a word or two, a thank-you) joins the piece before it (the
    first sentence, the one after it); contrasting clauses stand apart when each has content. So
    "Terrible. The parcel came two weeks late." stays one unit while "The parcel came late. The
    agent was rude." gives two. A text that stays whole comes back as one unit of kind ``whole``.
    """
    pieces: list[tuple[str, str]] = []
    for sentence in split_sentences(text):
        clauses = split_clauses(sentence)
        if sum(has_content(clause) for clause in clauses) > 1:
            pieces.extend(("clause", clause) for clause in clauses)
        else:
            pieces.append(("sentence", sentence))
    units: list[tuple[str, str]] = []
    dangling = ""
    for kind, piece in pieces:
        if _carries_idea(kind, piece):
            units.append((kind, f"{dangling} {piece}".strip()))
            dangling = ""
        elif units:
            units[-1] = (units[-1][0], f"{units[-1][1]} {piece}")
        else:
            dangling = f"{dangling} {piece}".strip()
    if dangling:
        units.append(("sentence", dangling))
    if len(units) == 1:
        return [(whole, units[0][1])]
    return units


def _carries_idea(kind: str, piece: str) -> bool:
    enough = kind == "clause" or len(_LETTER_WORD.findall(piece)) >= MIN_IDEA_WORDS
    return enough and has_content(piece)
