"""Syncing programs from their YAML files into the store, where every process reads them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.domain.program import Program
from askwhy.store.program_tables import ProgramRow


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    """Programs whose file is gone: kept (decisions refer to them) but no longer active."""


def sync_programs(
    *, session: Session, programs: dict[str, tuple[Program, Path]], now: datetime
) -> SyncReport:
    """Make the stored programs match the files: add, update, and deactivate what is gone."""
    report = SyncReport()
    stored = {row.id: row for row in session.scalars(select(ProgramRow))}
    for program_id, (program, path) in sorted(programs.items()):
        definition = program.model_dump(mode="json")
        checksum = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
        row = stored.get(program_id)
        if row is None:
            row = ProgramRow(id=program_id, definition=definition, checksum="", synced_at=now)
            session.add(row)
            report.added.append(program_id)
        elif row.checksum == checksum and row.active == program.active and row.source == str(path):
            report.unchanged.append(program_id)
            continue
        else:
            report.updated.append(program_id)
        row.guide_id, row.definition, row.source = program.guide, definition, str(path)
        row.checksum, row.active, row.synced_at = checksum, program.active, now
    for program_id, row in stored.items():
        if program_id not in programs and row.active:
            row.active, row.synced_at = False, now
            report.deactivated.append(program_id)
    session.flush()
    return report
