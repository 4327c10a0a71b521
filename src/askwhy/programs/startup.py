"""Syncing the programs folder when a server or worker starts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from askwhy.programs.guides import GuideLibrary
from askwhy.programs.loading import ProgramError, load_programs
from askwhy.programs.promises import unkept_promises
from askwhy.programs.syncing import SyncReport, sync_programs
from askwhy.programs.theme_seeds import seed_themes


def sync_from_folder(
    *, sessions: sessionmaker[Session], guides: GuideLibrary, folder: Path, now: datetime
) -> SyncReport:
    """Load ``folder`` (raising `ProgramError` naming each bad file and field, or a guide that
    promises contact with no team to keep it) and store it, with the themes its guides name as
    accepted themes of the codebook."""
    programs = load_programs(folder, guides=guides)
    if problems := unkept_promises(programs, guides, guides.paths):
        raise ProgramError("\n".join(problems))
    with sessions.begin() as session:
        report = sync_programs(session=session, programs=programs, now=now)
        seed_themes(session=session, guides=guides.values(), now=now)
        return report
