"""JSON from outside, read within bounds: how deep, how long a string, how large a number.

`json.loads` alone accepts what later hurts: nesting deep enough to exhaust the recursion limit,
integers of thousands of digits, ``NaN`` and ``Infinity`` (which no database's JSON stores), and
strings holding lone surrogates or NULs (which no database's text stores). `load` parses once
and then walks the document without recursion, so the bounds cost one pass over what was parsed.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
"""Arrays and objects nested in one another, at most (a WhatsApp delivery needs 7)."""
MAX_STRING_CHARS = 65_536
"""Characters in one string or key, at most."""
MAX_INTEGER = 2**63
"""Integers are within a database's 64 bits."""


class UnsafeJson(ValueError):
    """The body is not JSON askwhy reads; ``path`` names where (``("entry", 0, "id")``)."""

    def __init__(self, reason: str, *, path: tuple[str | int, ...] = (), whole_path: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.whole_path = whole_path
        """False for nesting: only the outermost field is named, not thirty levels of it."""

    def __str__(self) -> str:
        return f"{field_name(self.path)}: {self.reason}" if self.path else self.reason

    def within(self, step: str | int) -> UnsafeJson:
        self.path = (step, *self.path) if self.whole_path else (step,)
        return self


def field_name(path: tuple[str | int, ...]) -> str:
    """``entry.0.id``: the path the way validation errors name a field."""
    return ".".join(str(part) for part in path)


@dataclass(frozen=True)
class _Bounds:
    max_depth: int
    max_string: int
    storable_strings: bool
    scalars: bool
    """Whether scalars need a look at all: not when the raw body shows none can be past a bound."""


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
        document, suspect_number = _parsed(body)
    except RecursionError:
        raise UnsafeJson(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise UnsafeJson(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError:
        raise UnsafeJson("not valid JSON: the bytes are not UTF-8 text") from None
    except ValueError as exc:  # an integer past Python's digit limit, NaN or Infinity
        reason = "integer out of range" if "integer" in str(exc) else str(exc)
        raise UnsafeJson(f"not valid JSON: {reason}") from None
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    scalars = suspect_number or _may_hold_a_long_string(raw, max_string) or may_hold_unstorable(raw)
    # Fewer brackets than the depth allowed cannot nest too deep: then, with no suspect scalar, no walk.
    if scalars or raw.count(b"{") + raw.count(b"[") > max_depth:
        _walk(document, 0, _Bounds(max_depth, max_string, storable_strings, scalars))
    return document


class _SuspectNumber(Exception):
    """A number that may be out of range: parsed again plainly, and the walk says where it is."""


def _parsed(body: bytes | str) -> tuple[Any, bool]:
    """The document, and whether a number in it may be out of range. Bytes are read as UTF-8, as
    every provider sends them (surrogates' bytes too, as `json.loads` does: the walk finds them)."""
    text = body.decode("utf-8", "surrogatepass") if isinstance(body, bytes) else body
    try:
        return _decoder().decode(text), False
    except _SuspectNumber:
        return json.loads(text, parse_constant=_refuse_constant), True


@functools.cache
def _decoder() -> json.JSONDecoder:
    """Refuses NaN and Infinity; stops at the first number that may be out of range."""
    return json.JSONDecoder(parse_constant=_refuse_constant, parse_int=_integer, parse_float=_decimal)


def _integer(text: str) -> int:
    if len(text) > 18:
        raise _SuspectNumber
    return int(text)


def _decimal(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _SuspectNumber
    return number


def may_hold_unstorable(raw: bytes) -> bool:
    """Whether a string may hold a NUL or a lone surrogate: escaped, or as a surrogate's UTF-8 bytes."""
    if b"\\u" in raw and _ESCAPED_UNSTORABLE.search(raw):
        return True
    return b"\xed" in raw and _SURROGATE_BYTES.search(raw) is not None


def _may_hold_a_long_string(raw: bytes, max_string: int) -> bool:
    """Whether some string may be longer than allowed: only a run of bytes between two quotes
    that long can be one (an escaped quote inside would split the run, so it counts as may)."""
    if len(raw) <= max_string:
        return False
    return b'\\"' in raw or max(map(len, raw.split(b'"'))) > max_string


def check(
    document: Any,
    *,
    max_depth: int = MAX_DEPTH,
    max_string: int = MAX_STRING_CHARS,
    storable_strings: bool = False,
) -> None:
    """Raise `UnsafeJson` for the first value past a bound, in document order."""
    _walk(document, 0, _Bounds(max_depth, max_string, storable_strings, scalars=True))


def unstorable(text: str) -> bool:
    """Whether the text holds what no database stores: a lone surrogate or a NUL."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")


def _walk(value: Any, depth: int, bounds: _Bounds) -> None:
    # Recursion is bounded by max_depth: deeper documents are refused before going further.
    if isinstance(value, dict):
        _walk_object(value, depth, bounds)
    elif isinstance(value, list):
        _walk_array(value, depth, bounds)
    elif isinstance(value, str):
        _check_string(value, bounds, what="string")
    elif isinstance(value, float) and not math.isfinite(value):
        raise UnsafeJson("number out of range")
    elif isinstance(value, int) and not isinstance(value, bool) and not -MAX_INTEGER <= value < MAX_INTEGER:
        raise UnsafeJson("integer out of range (64 bits at most)")


def _walk_object(value: dict[str, Any], depth: int, bounds: _Bounds) -> None:
    _check_depth(depth, bounds)
    for key, item in value.items():
        if bounds.scalars:
            _check_string(key, bounds, what="key")  # named by its object, not by itself
        if bounds.scalars or isinstance(item, (dict, list)):
            try:
                _walk(item, depth + 1, bounds)
            except UnsafeJson as exc:
                raise exc.within(key) from None


def _walk_array(value: list[Any], depth: int, bounds: _Bounds) -> None:
    _check_depth(depth, bounds)
    for index, item in enumerate(value):
        if bounds.scalars or isinstance(item, (dict, list)):
            try:
                _walk(item, depth + 1, bounds)
            except UnsafeJson as exc:
                raise exc.within(index) from None


def _check_depth(depth: int, bounds: _Bounds) -> None:
    if depth >= bounds.max_depth:
        raise UnsafeJson(f"nested deeper than {bounds.max_depth} levels", whole_path=False)


def _check_string(text: str, bounds: _Bounds, *, what: str) -> None:
    if len(text) > bounds.max_string:
        raise UnsafeJson(f"{what} longer than {bounds.max_string} characters")
    if bounds.storable_strings and unstorable(text):
        raise UnsafeJson(f"{what} holds a lone surrogate or a NUL character")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
