"""JSON from outside, read within bounds: how deep, how long a string, how large a number.

`json.loads` alone accepts what later hurts: nesting deep enough to exhaust the recursion limit,
integers of thousands of digits, ``NaN`` and ``Infinity`` (which no database's JSON stores), and
strings holding lone surrogates or NULs (which no database's text stores). `load` parses once
and then walks the document without recursion, so the bounds cost one pass over what was parsed.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32
"""Arrays and objects nested in one another, at most (a WhatsApp delivery needs 7)."""
MAX_STRING_CHARS = 65_536
"""Characters in one string or key, at most."""
MAX_INTEGER = 2**63
"""Integers are within a database's 64 bits."""


class UnsafeJson(ValueError):
    """The body is not JSON askwhy reads; ``path`` names where (``("entry", 0, "id")``)."""

    def __init__(self, reason: str, *, path: tuple[str | int, ...] = ()) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{field_name(path)}: {reason}" if path else reason)


def field_name(path: tuple[str | int, ...]) -> str:
    """``entry.0.id``: the path the way validation errors name a field."""
    return ".".join(str(part) for part in path)


def load(
    body: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_string: int = MAX_STRING_CHARS,
    storable_strings: bool = False,
) -> Any:
    """The parsed document, or `UnsafeJson` saying what is wrong and where.

    With ``storable_strings``, a string holding a lone surrogate or a NUL is refused too (parsers
    that set single items aside check their strings themselves)."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJson(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise UnsafeJson(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError:
        raise UnsafeJson("not valid JSON: the bytes are not UTF-8 text") from None
    except ValueError as exc:  # an integer past Python's digit limit, NaN or Infinity
        reason = "integer out of range" if "integer" in str(exc) else str(exc)
        raise UnsafeJson(f"not valid JSON: {reason}") from None
    check(document, max_depth=max_depth, max_string=max_string, storable_strings=storable_strings)
    return document


def check(
    document: Any,
    *,
    max_depth: int = MAX_DEPTH,
    max_string: int = MAX_STRING_CHARS,
    storable_strings: bool = False,
) -> None:
    """Raise `UnsafeJson` for the first value past a bound, in document order."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, dict):
            _check_container(path, max_depth)
            for key in reversed(value):
                _check_string(key, (*path, key), max_string, storable_strings, what="key")
                pending.append((value[key], (*path, key)))
        elif isinstance(value, list):
            _check_container(path, max_depth)
            pending.extend((item, (*path, index)) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            _check_string(value, path, max_string, storable_strings, what="string")
        elif isinstance(value, float) and not math.isfinite(value):
            raise UnsafeJson("number out of range", path=path)
        elif (
            isinstance(value, int) and not isinstance(value, bool) and not -MAX_INTEGER <= value < MAX_INTEGER
        ):
            raise UnsafeJson("integer out of range (64 bits at most)", path=path)


def unstorable(text: str) -> bool:
    """Whether the text holds what no database stores: a lone surrogate or a NUL."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_container(path: tuple[str | int, ...], max_depth: int) -> None:
    if len(path) >= max_depth:
        raise UnsafeJson(f"nested deeper than {max_depth} levels", path=path[:1])


def _check_string(
    text: str, path: tuple[str | int, ...], max_string: int, storable: bool, *, what: str
) -> None:
    if len(text) > max_string:
        raise UnsafeJson(
            f"{what} longer than {max_string} characters", path=path[:-1] if what == "key" else path
        )
    if storable and unstorable(text):
        raise UnsafeJson(f"{what} holds a lone surrogate or a NUL character", path=path)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
