"""Readable theme labels from the words that set one cluster of sentences apart from the others.

Class-based TF-IDF (c-TF-IDF, as in BERTopic): all sentences of a cluster form one class, and a
term scores high when it is frequent in that class and rare across classes. Brand names, names of
people (`askwhy.analysis.person_names`), @handles, #tags and URLs never make a label, and terms
found in nearly every cluster are dropped unless a cluster uses them far more than the rest.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from askwhy.analysis.person_names import person_names
from askwhy.analysis.stop_words import ENGLISH_STOP_WORDS

if TYPE_CHECKING:
    from scipy import sparse

SPANISH_STOP_WORDS = frozenset(
    """
    a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
    ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estado estamos estan estar
    este esto estos estoy fue fueron ha hay han hasta la las le les lo los mas me mi mis mucho muy nada
    ni no nos nosotros o otra otro para pero poco por porque que quien se sea ser si sido sin sobre su
    sus tambien te tengo tiene tienen todo todos tu tus un una uno unos usted y ya yo él está están
    más qué también tú sí cómo cuándo dónde
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
EXTRA_STOP_WORDS = frozenset(
    """
    don didn doesn isn wasn weren won wouldn couldn shouldn haven hasn aren ve ll im ive dont cant
    just got get gets really lol ok okay
    """.split()  # noqa: SIM905
)
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | SPANISH_STOP_WORDS | EXTRA_STOP_WORDS)

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+", re.IGNORECASE)
_WORD = r"(?u)\b[^\W\d_][^\W\d_]+\b"
_ENDINGS = frozenset({"s", "es", "d", "ed", "ing"})
UBIQUITOUS_SHARE = 0.8
"""A term found in at least this share of clusters says nothing about any one of them..."""
UBIQUITOUS_LIFT = 3.0
"""...unless one cluster uses it at least this many times more often than all sentences do."""


@dataclass(frozen=True)
class ThemeLabel:
    name: str
    keywords: tuple[str, ...]
    description: str


def clean_text(text: str, *, brand_terms: Collection[str] = ()) -> str:
    """The text without URLs, @handles, #tags and the given brand names."""
    text = _NOISE.sub(" ", text)
    for term in brand_terms:
        if term.strip():
            text = re.sub(rf"(?<!\w){re.escape(term.strip())}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def label_clusters(
    texts: Sequence[str],
    cluster_ids: Sequence[int] | NDArray[np.integer],
    *,
    brand_terms: Collection[str] = (),
    top_n: int = 4,
    sentiments: Sequence[float] | None = None,
) -> dict[int, ThemeLabel]:
    """A label for every cluster id ≥ 0; id −1 (the unassigned pool) only serves as contrast."""
    ids = np.asarray(cluster_ids, dtype=np.int64)
    if len(ids) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(ids)} cluster ids")
    clusters = sorted(int(c) for c in np.unique(ids) if c >= 0)
    if not clusters:
        return {}
    terms, scores = _class_scores(
        [clean_text(t, brand_terms=brand_terms) for t in texts], ids, clusters, names=person_names(texts)
    )
    members: dict[int, list[int]] = {cluster: [] for cluster in clusters}
    for index, cluster in enumerate(ids.tolist()):
        if cluster >= 0:
            members[cluster].append(index)
    return {
        cluster: _label(
            _top_terms(terms, scores[[row]], top_n),
            size=len(members[cluster]),
            sentiments=None if sentiments is None else [sentiments[i] for i in members[cluster]],
        )
        for row, cluster in enumerate(clusters)
    }


def _class_scores(
    texts: list[str], ids: NDArray[np.int64], clusters: list[int], *, names: frozenset[str]
) -> tuple[NDArray[np.str_], sparse.csr_matrix]:
    """Terms, and one sparse row of c-TF-IDF scores per cluster (ubiquitous terms zeroed).

    Sparse throughout: with hundreds of clusters and a vocabulary of bigrams, dense rows would
    take gigabytes for what is mostly zeros.
    """
    # Imported here: the codebook imports this module, and a worker taking turns or a server
    # starting up should not pay for SciPy's and scikit-learn's import (about a second of CPU).
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(
        stop_words=sorted(set(STOP_WORDS) | names),
        ngram_range=(1, 2),
        token_pattern=_WORD,
        lowercase=True,
        binary=True,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words, handles and brand names
        return np.array([], dtype=np.str_), sparse.csr_matrix((len(clusters), 0))
    rows = np.searchsorted(clusters, ids)
    keep = ids >= 0
    membership = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], np.flatnonzero(keep))), shape=(len(clusters), len(texts))
    )
    per_class = sparse.csr_matrix(membership @ counts, dtype=np.float64)
    overall = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    sizes = np.asarray(per_class.sum(axis=1), dtype=np.float64).ravel()
    tf = sparse.csr_matrix(sparse.diags(1.0 / np.maximum(sizes, 1.0)) @ per_class)
    idf = np.log1p(sizes.mean() / np.maximum(overall, 1.0))
    scores = sparse.csr_matrix(tf @ sparse.diags(idf))
    terms = np.asarray(vectorizer.get_feature_names_out())
    if len(clusters) >= 3:
        _drop_ubiquitous(scores, tf, terms, overall)
    scores.sort_indices()
    return terms, scores


def _drop_ubiquitous(
    scores: sparse.csr_matrix, tf: sparse.csr_matrix, terms: NDArray[np.str_], overall: NDArray[np.float64]
) -> None:
    """Zero, per cluster, each term found in most clusters that the cluster does not use far more
    than all sentences do, and the bigrams with such a word."""
    spread = np.asarray((tf > 0).sum(axis=0), dtype=np.float64).ravel() / tf.shape[0]
    common = np.flatnonzero(spread >= UBIQUITOUS_SHARE)
    if not len(common):
        return
    share = overall[common] / max(overall.sum(), 1.0)
    dropped = tf[:, common].toarray() / np.maximum(share, 1e-12) < UBIQUITOUS_LIFT  # cluster × common
    position = {str(terms[j]): k for k, j in enumerate(common)}
    first = np.full(len(terms), -1)
    second = np.full(len(terms), -1)
    first[common] = np.arange(len(common))
    for j, term in enumerate(terms):
        words = str(term).split()
        if len(words) == 2:
            first[j], second[j] = position.get(words[0], -1), position.get(words[1], -1)
    touched = np.flatnonzero((first[scores.indices] >= 0) | (second[scores.indices] >= 0))
    rows = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr))[touched]
    columns = scores.indices[touched]
    a, b = first[columns], second[columns]
    hit = ((a >= 0) & dropped[rows, np.maximum(a, 0)]) | ((b >= 0) & dropped[rows, np.maximum(b, 0)])
    scores.data[touched[hit]] = 0.0


def _top_terms(terms: NDArray[np.str_], scores: sparse.csr_matrix, top_n: int) -> list[str]:
    """The best terms of one cluster (a one-row matrix), preferring a strong bigram to its single
    words and never repeating a word."""
    positive = scores.data > 0
    columns, values = scores.indices[positive], scores.data[positive]
    ranked = np.argsort(-values, kind="stable")[: 20 * top_n]
    order = [int(columns[i]) for i in ranked]
    score_of = {str(terms[columns[i]]): float(values[i]) for i in ranked}
    chosen: list[str] = []
    covered: set[str] = set()
    for i in order:
        term = str(terms[i])
        if not _adds_words(term, covered):
            continue
        if " " not in term:
            term = _best_bigram(term, score_of, covered) or term
        chosen.append(term)
        covered.update(term.split())
        if len(chosen) == top_n:
            break
    return chosen


def _adds_words(term: str, covered: set[str]) -> bool:
    """True when no word of `term` is covered yet, in any form, and its words are not forms of each other."""
    words = term.split()
    return not any(_covered(w, covered) for w in words) and not (
        len(words) == 2 and _covered(words[0], {words[1]})
    )


def _covered(word: str, covered: set[str]) -> bool:
    """True when `word` or a form of it differing only by an ending (s, es, ed, ing) is covered."""
    return any(
        word == seen or (long.startswith(short) and long[len(short) :] in _ENDINGS)
        for seen in covered
        for short, long in [sorted((word, seen), key=len)]
    )


def _best_bigram(word: str, score_of: dict[str, float], covered: set[str]) -> str | None:
    """A new bigram containing `word` that scores at least 60% as high as the word alone."""
    bigrams = [(s, t) for t, s in score_of.items() if " " in t and word in t.split()]
    bigrams = [(s, t) for s, t in bigrams if _adds_words(t, covered)]
    best = max(bigrams, default=None)
    return best[1] if best and best[0] >= 0.6 * score_of[word] else None


def _label(terms: list[str], *, size: int, sentiments: Sequence[float] | None) -> ThemeLabel:
    if not terms:
        return ThemeLabel("(no distinctive words)", (), f"No distinctive words ({_count(size)}).")
    name_parts: list[str] = []
    for term in terms:
        if name_parts and sum(len(p.split()) for p in [*name_parts, term]) > 3:
            break
        name_parts.append(term)
    words: list[str] = []
    for word in (w for t in terms for w in t.split()):
        if not _covered(word, set(words)):
            words.append(word)
    mood = _mood(sentiments)
    detail = f"{_count(size)}, {mood}" if mood else _count(size)
    return ThemeLabel(
        " · ".join(name_parts), tuple(terms), f"Customers mention {', '.join(words)} ({detail})."
    )


def _count(size: int) -> str:
    return f"{size} sentence" if size == 1 else f"{size} sentences"


def _mood(sentiments: Sequence[float] | None) -> str:
    values = np.asarray(sentiments or (), dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return ""
    if np.mean(values < 0) >= 0.6:
        return "mostly negative"
    if np.mean(values > 0) >= 0.6:
        return "mostly positive"
    return "mixed"
