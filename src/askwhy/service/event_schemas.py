"""Request and response bodies of the events, decisions and customers API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from askwhy.domain.program import known_time_zone
from askwhy.outreach.customers import CustomerDetails
from askwhy.outreach.invitations import Moment, RecordedMoment
from askwhy.store.program_tables import ContactDecision

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AttributeValue = str | int | float | bool | None
ConsentChannel = Literal["whatsapp", "sms", "voice", "email", "*"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(_Strict):
    id: str = Field(min_length=1, max_length=200, description="Your id for the customer.")
    phone: str | None = Field(default=None, max_length=32, description="E.164, e.g. +447700900123.")
    email: str | None = Field(default=None, max_length=320)
    locale: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2}([-_][a-zA-Z0-9]{2,4})?$")] | None = None
    time_zone: str | None = Field(default=None, description="IANA name, e.g. Europe/Madrid.")
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    consents: dict[ConsentChannel, bool] = Field(
        default_factory=dict, description='Consent per channel as of now, e.g. {"whatsapp": true}.'
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            number = phonenumbers.parse(value)
        except phonenumbers.NumberParseException:
            raise ValueError("not a phone number in international format (+ and country code)") from None
        if not phonenumbers.is_possible_number(number):
            raise ValueError("not a possible phone number")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_time_zone(value)

    def details(self) -> CustomerDetails:
        return CustomerDetails(
            id=self.id, phone=self.phone, email=self.email, locale=self.locale, time_zone=self.time_zone,
            attributes=self.attributes, consents={str(k): v for k, v in self.consents.items()},
        )  # fmt: skip


class EventIn(_Strict):
    id: str | None = Field(default=None, max_length=200, description="Your id for the event (optional).")
    customer: CustomerIn
    moment: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)]
    occurred_at: AwareDatetime = Field(description="When the moment happened, with its UTC offset.")
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)

    def moment_of(self) -> Moment:
        return Moment(
            customer=self.customer.details(), moment=self.moment, occurred_at=self.occurred_at,
            attributes=self.attributes, id=self.id,
        )  # fmt: skip


class EventBatchIn(_Strict):
    events: list[EventIn] = Field(min_length=1, max_length=10_000)


class DecisionOut(BaseModel):
    program: str
    kind: str = Field(description="invited, deferred or skipped")
    reason: str
    channel: str | None = None
    send_at: datetime | None = None
    conversation_id: str | None = None
    decided_at: datetime
    event_id: str | None = None

    @classmethod
    def of(cls, row: ContactDecision) -> DecisionOut:
        return cls(
            program=row.program, kind=row.kind, reason=row.reason, channel=row.channel, send_at=row.send_at,
            conversation_id=row.conversation_id, decided_at=row.decided_at, event_id=row.event_id,
        )  # fmt: skip


class EventOut(BaseModel):
    id: str
    moment: str
    occurred_at: datetime
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, recorded: RecordedMoment) -> EventOut:
        event = recorded.event
        return cls(
            id=event.id, moment=event.moment, occurred_at=event.occurred_at,
            decisions=[DecisionOut.of(row) for row in recorded.decisions],
        )  # fmt: skip


class EventBatchOut(BaseModel):
    events: list[EventOut]


class DecisionsOut(BaseModel):
    decisions: list[DecisionOut]


class ErasureOut(BaseModel):
    erased: bool
    conversations: int
    messages: int
    responses_anonymised: int
    files_wiped: bool = Field(
        default=True,
        description="False when a reader kept a database log in use: the erased rows are gone, but "
        "their old pages stay in the log until its next full checkpoint.",
    )
    exports_deleted: int = Field(
        default=0, description="Report files askwhy wrote that quoted the customer, now deleted."
    )


def jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
