"""The programs an API key reaches: every program, or only those it was created for.

A key limited to some programs answers about another program as if it did not exist (404, the
same answer as an unknown id), so a store's CRM key does not learn what another brand collects.
Settings that serve every program (destinations, webhook subscriptions, erasure across programs)
need a key that reaches every program.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError

from askwhy.service.auth import Reader
from askwhy.store.api_tables import ApiKey


@dataclass(frozen=True)
class KeyReach:
    """The programs a key reaches; ``only`` None is every program."""

    only: frozenset[str] | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyReach:
        return cls(only=frozenset(key.programs) if key.programs else None)

    def allows(self, program: str) -> bool:
        return self.only is None or program in self.only

    def keep(self, programs: Iterable[str]) -> list[str]:
        """The programs of ``programs`` this key reaches, in their order."""
        return [program for program in programs if self.allows(program)]

    def program(self, asked: str | None) -> str | None:
        """The program a request is about: the one asked for if the key reaches it (404 if not);
        none asked, the key's only program, or every program for a key that reaches them all."""
        if asked is not None:
            if not self.allows(asked):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such program")
            return asked
        if self.only is None:
            return None
        if len(self.only) == 1:
            return next(iter(self.only))
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "program"),
                    "msg": f"this key reaches several programs ({', '.join(sorted(self.only))}); name one",
                    "type": "value_error",
                }
            ]
        )

    def require(self, program: str | None, *, not_found: str) -> None:
        """404 with ``not_found`` (the answer an unknown id gets) unless the key reaches ``program``."""
        if program is None or not self.allows(program):
            raise HTTPException(status.HTTP_404_NOT_FOUND, not_found)

    def require_every_program(self, what: str) -> None:
        """403 for a key limited to some programs: ``what`` serves every program."""
        if self.only is not None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"{what} needs an API key that reaches every program"
            )


def _reader_reach(key: Reader) -> KeyReach:
    return KeyReach.of(key)


def _read_program(
    reach: Annotated[KeyReach, Depends(_reader_reach)],
    program: Annotated[str | None, Query(max_length=100, description="Only this program.")] = None,
) -> str | None:
    return reach.program(program)


ReaderReach = Annotated[KeyReach, Depends(_reader_reach)]
"""The programs the request's ``read`` key reaches."""
ReadProgram = Annotated[str | None, Depends(_read_program)]
"""The ``program`` query parameter as the request's ``read`` key may ask it: a program out of the
key's reach is 404, and a key limited to one program is about that program when none is named."""
