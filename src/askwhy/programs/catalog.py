"""Reading programs from the store, where `askwhy programs sync` put them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.domain.conversation import Channel
from askwhy.domain.program import Program
from askwhy.store.program_tables import ProgramRow


def active_programs(*, session: Session) -> list[Program]:
    """Every active program, by id."""
    rows = session.scalars(select(ProgramRow).where(ProgramRow.active.is_(True)).order_by(ProgramRow.id))
    return [Program.model_validate(row.definition) for row in rows]


def program(*, session: Session, program_id: str) -> Program | None:
    row = session.get(ProgramRow, program_id)
    return Program.model_validate(row.definition) if row is not None and row.active else None


def template_for(*, session: Session, program_id: str, channel: Channel) -> dict[str, object] | None:
    """The approved template a program sends on ``channel`` when free text is refused, if any."""
    found = program(session=session, program_id=program_id)
    options = found.channel_options(channel) if found else None
    if options is None or options.template is None:
        return None
    return options.template.model_dump()


def stored_programs(*, session: Session) -> list[ProgramRow]:
    """Every stored program, active or not, by id (for `askwhy programs list`)."""
    return list(session.scalars(select(ProgramRow).order_by(ProgramRow.id)))
