"""How a clause feels, from short English and Spanish word lists: below zero a complaint, above praise.

The interviewer needs the polarity of each clause within a millisecond, so it uses cue words with
negation ("not helpful", "no llegó") rather than the embedding classifier that analyses finished
conversations. A cue counts once per clause; a negation within the three words before a cue
flips it ("not helpful", "no problems"). A clause with a negation and no cue word at all ("it
didn't arrive", "no me dejaba pagar") reads as a mild complaint. "but" needs no rule here:
clauses are split before polarity is read.
"""

from __future__ import annotations

_NEGATIVE = frozenset(
    {
        "late", "later", "delayed", "delay", "delays", "slow", "slowly", "rude", "broken", "broke", "damaged",
        "crushed", "wet", "soaked", "rain", "lost", "missing", "wrong", "bad", "worse", "worst", "awful",
        "terrible", "horrible", "poor", "poorly", "never", "nobody", "useless", "unhelpful", "annoying",
        "annoyed", "angry", "frustrating", "frustrated", "disappointed", "disappointing", "hate", "hated",
        "expensive", "overpriced", "pricey", "failed", "fail", "fails", "failing", "error", "errors",
        "crash", "crashed", "crashes", "crashing", "bug", "buggy", "declined", "rejected", "rejecting",
        "problem", "problems", "issue", "issues", "complaint", "hold", "waited", "waiting", "forever",
        "ages", "cancelled", "canceled", "refused", "ignored", "dirty", "stained", "ripped", "torn",
        "scratched", "faulty", "defective", "flimsy", "cheaply", "confusing", "confused", "hard",
        "difficult", "impossible", "unclear", "mess", "messy", "charged", "overcharged", "twice",
        "again", "kept", "stuck", "transferred", "hung", "unacceptable", "shocking", "ridiculous",
        "disgusting", "joke", "rubbish", "crap", "sucks", "sucked", "meh", "mediocre", "lacking", "lacks",
        "stolen", "dumped", "threw", "thrown", "logging", "logged", "unusable",
        "tarde", "retraso", "retrasado", "retrasada", "demora", "lento", "lenta", "grosero", "grosera",
        "borde", "roto", "rota", "rotos", "danado", "danada", "aplastada", "aplastado", "mojado",
        "mojada", "perdido", "perdida", "falta", "faltaba", "faltaban", "equivocado", "equivocada", "mal",
        "malo", "mala", "peor", "pesimo", "pesima", "fatal", "nunca", "nadie", "inutil",
        "caro", "cara", "carisimo", "fallo", "problema", "problemas", "espera",
        "espere", "esperando", "cancelaron", "rechazada", "rechazo", "sucio", "defectuoso", "defectuosa",
        "dificil", "complicado", "confuso", "cobraron", "decepcion", "decepcionado",
        "decepcionada", "molesto", "molesta", "enfadado", "enfadada", "desastre", "tardo", "tardaron",
        "rayado", "rayada", "manchado",
    }
)  # fmt: skip
_POSITIVE = frozenset(
    {
        "good", "great", "excellent", "amazing", "awesome", "fantastic", "brilliant", "perfect",
        "perfectly", "love", "loved", "lovely", "like", "liked", "nice", "friendly", "helpful", "kind",
        "polite", "quick", "quickly", "fast", "easy", "easily", "smooth", "smoothly", "happy", "pleased",
        "glad", "best", "better", "super", "superb", "wonderful", "impressed", "impressive", "efficient",
        "reliable", "simple", "clear", "fine", "cheap", "affordable", "value", "sorted", "solved",
        "resolved", "fixed", "recommend", "thanks", "thank", "beautiful", "comfortable", "fresh",
        "bien", "bueno", "buena", "buenos", "buenas", "genial", "excelente", "perfecto", "perfecta",
        "encanto", "encanta", "amable", "amables", "atento", "atentos", "rapido", "rapida", "rapidos",
        "facil", "comodo", "contento", "contenta", "feliz", "mejor", "estupendo", "estupenda",
        "maravilla", "fenomenal", "barato", "barata", "economico", "resolvieron", "solucionaron",
        "ayudaron", "recomiendo", "gracias", "bonito", "bonita", "claro", "sencillo",
    }
)  # fmt: skip
_NEGATIONS = frozenset(
    {
        "not", "no", "never", "don't", "dont", "didn't", "didnt", "wasn't", "wasnt", "isn't", "isnt",
        "weren't", "won't", "wont", "couldn't", "couldnt", "can't", "cant", "hardly", "nothing", "without",
        "ni", "nada", "sin", "tampoco", "nunca",
    }
)  # fmt: skip
_NEGATION_REACH = 3
_SENTENCE = 3
POLARITY_WORDS = _NEGATIVE | _POSITIVE
"""Every cue word, for readers that need to know a word is an ordinary one."""


def polarity(tokens: tuple[str, ...]) -> float:
    """Between -1 (a complaint) and 1 (praise) for the folded words of one clause; 0 when neutral."""
    score = 0
    seen: set[str] = set()
    for index, token in enumerate(tokens):
        sign = 1 if token in _POSITIVE else -1 if token in _NEGATIVE else 0
        if not sign or token in seen:
            continue
        seen.add(token)
        window = tokens[max(0, index - _NEGATION_REACH) : index]
        if token not in _NEGATIONS and any(word in _NEGATIONS for word in window):
            sign = -sign  # "not helpful", and "no problems", "never late"
        score += sign
    if not seen and len(tokens) >= _SENTENCE and any(token in _NEGATIONS for token in tokens):
        return -0.5  # "la web no me dejaba pagar", "it didn't arrive": a complaint without a cue word
    return max(-1.0, min(1.0, score / 2))
