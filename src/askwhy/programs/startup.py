"""Syncing the programs folder when a server or worker starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwhy.programs.loading import load_programs
from askwhy.programs.syncing import SyncReport, sync_programs

if TYPE_CHECKING:
    from askwhy.bootstrap import Container


def sync_from_folder(container: Container) -> SyncReport:
    """Load ``programs_dir`` (raising `ProgramError` naming each bad file and field) and store it."""
    programs = load_programs(container.settings.programs_dir, guides=container.guides)
    with container.sessions.begin() as session:
        return sync_programs(session=session, programs=programs, now=container.clock.now())
