"""Scripted customers: what a customer says, turn by turn, and what a good interviewer does then.

A team keeps them as YAML next to its guides and rehearses a guide against them before launching
it (``askwhy guides check``). A customer without ``guide`` suits any guide; one with ``guide``
speaks about that guide's themes. Each turn may expect:

- ``asks``: the question asked in return, by guide key; ``*`` matches any ending
  (``probe:theme:*``), ``nothing`` means no question;
- ``not_asks``: questions that must not come;
- ``ends``: the conversation ends with this turn;
- ``help``: the request for help is acknowledged in this very turn;
- ``mentions`` and ``not_mentions``: words the interviewer's messages contain, or must not
  (case and accents ignored);
- ``language``: the language of the interviewer's messages in this turn.

A customer may also expect the final ``status`` and ``score``, and ``speaks``: the language of
every message after the first reply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

_Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptedTurn(_Strict):
    say: str = Field(description="What the customer writes.")
    asks: str | None = Field(default=None, description="The question key expected back.")
    not_asks: list[str] = Field(default_factory=list, description="Question keys that must not come back.")
    ends: bool = Field(default=False, description="The conversation ends with this turn.")
    help: bool = Field(default=False, description="A request for help is acknowledged in this turn.")
    mentions: list[str] = Field(default_factory=list, description="Words the reply contains.")
    not_mentions: list[str] = Field(default_factory=list, description="Words the reply must not contain.")
    language: _Language | None = Field(default=None, description="The language of the reply.")


class ScriptedCustomer(_Strict):
    name: str
    guide: str | None = Field(default=None, description="The guide id this customer is written for.")
    language: _Language = Field(default="en", description="The channel's locale, the conversation's prior.")
    turns: list[ScriptedTurn] = Field(min_length=1)
    status: str | None = Field(default=None, description="The status at the end: active, completed, ...")
    score: int | None = Field(default=None, description="The score kept at the end.")
    speaks: _Language | None = Field(
        default=None, description="Language of every message after the first reply."
    )

    def suits(self, guide_id: str) -> bool:
        """True when this customer can rehearse the guide ``guide_id``."""
        return self.guide in (None, guide_id)


_CUSTOMERS = TypeAdapter(list[ScriptedCustomer])


def parse_customers(data: object) -> list[ScriptedCustomer]:
    """Scripted customers from parsed YAML (a list of mappings); raises pydantic's ValidationError."""
    return _CUSTOMERS.validate_python(data)


def suiting(customers: Iterable[ScriptedCustomer], guide_id: str) -> list[ScriptedCustomer]:
    """The customers that can rehearse ``guide_id``."""
    return [customer for customer in customers if customer.suits(guide_id)]
