"""The shapes of the cases API: a case, its history, the conversation excerpt, the measures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from askwhy.cases.measures import CaseMeasures
from askwhy.cases.views import CaseView


class HistoryOut(BaseModel):
    kind: str = Field(description="opened, assigned, status_changed, note_added, escalated, follow_up_...")
    actor: str | None = Field(description="Who: a key (key:<id>), a person's e-mail, or null for askwhy.")
    at: datetime
    note: str | None
    details: dict[str, Any]


class TurnOut(BaseModel):
    speaker: str = Field(description="interviewer or customer")
    text: str = Field(description="Redacted of personal data.")
    at: datetime


class CaseOut(BaseModel):
    id: str
    program: str
    conversation_id: str | None
    response_id: str | None
    channel: str
    reason: str = Field(description="accepted_contact, help_request or rule")
    do_not_contact: bool = Field(
        description="The customer refused contact in the conversation: askwhy sends them nothing."
    )
    themes: list[str]
    score: int | None
    band: str
    priority: str
    team: str | None
    owner: str | None
    status: str
    opened_at: datetime
    first_response_due_at: datetime | None
    due_at: datetime | None = Field(description="Resolution deadline, in the team's business hours.")
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    follow_up_score: int | None
    recovered: bool = Field(description="A detractor whose follow-up answer is passive or promoter.")

    @classmethod
    def of(cls, view: CaseView) -> CaseOut:
        case = view.case
        fields = {name: getattr(case, name) for name in cls.model_fields if name != "recovered"}
        return cls(**fields, recovered=view.recovered)


class CaseDetailOut(CaseOut):
    history: list[HistoryOut]
    excerpt: list[TurnOut] = Field(description="The conversation's last turns, redacted.")

    @classmethod
    def detail(cls, view: CaseView) -> CaseDetailOut:
        base = CaseOut.of(view).model_dump()
        history = [HistoryOut(**vars(entry)) for entry in view.history]
        excerpt = [TurnOut(**vars(turn)) for turn in view.excerpt]
        return cls(**base, history=history, excerpt=excerpt)


class CasesOut(BaseModel):
    cases: list[CaseOut]


class AssignIn(BaseModel):
    owner: str = Field(min_length=3, max_length=320, description="E-mail of a member or lead of a team.")


class StatusIn(BaseModel):
    status: str = Field(description="open, in_progress, waiting_customer, resolved or closed")
    note: str | None = Field(default=None, max_length=5000)


class NoteIn(BaseModel):
    note: str = Field(max_length=5000, description="1 to 5,000 characters.")


class ReplyIn(BaseModel):
    text: str = Field(
        max_length=2000, description="1 to 2,000 characters, sent on the conversation's channel."
    )


class ResolveIn(BaseModel):
    note: str | None = Field(default=None, max_length=5000, description="What was done.")


class MeasuresOut(BaseModel):
    program: str
    team: str | None = Field(description="null: every team of the program")
    cases: int
    open: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    within_sla: float | None = Field(
        description="Share resolved by the deadline, of those resolved or overdue."
    )
    judged: int
    recovered: float | None = Field(
        description="Share of detractors' answered follow-ups now passive or promoter."
    )
    follow_ups: int

    @classmethod
    def of(cls, measured: CaseMeasures) -> MeasuresOut:
        return cls(**vars(measured))


class CaseMeasuresOut(BaseModel):
    measures: list[MeasuresOut]
