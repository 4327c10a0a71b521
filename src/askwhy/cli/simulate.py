"""`askwhy simulate`: synthetic customers through the real interviewer (filled in by the simulation)."""

from __future__ import annotations


def simulate() -> None:
    """Run synthetic customers through the real interviewer and store them, flagged as simulated."""
    raise NotImplementedError
