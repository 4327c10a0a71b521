"""Believable synthetic customers, run through the real interviewer and stored flagged simulated.

Personas live in YAML files beside the guides (`examples/personas/`); `load_personas` reads one,
`Casting` draws customers from it, and `simulate` holds and stores their conversations.
"""

from askwhy.simulation.casting import Casting, LanguageMixError, parse_language_mix
from askwhy.simulation.loading import PersonaError, load_personas, personas_for
from askwhy.simulation.personas import Persona, PersonaFile
from askwhy.simulation.runner import Summary, simulate

__all__ = [
    "Casting",
    "LanguageMixError",
    "Persona",
    "PersonaError",
    "PersonaFile",
    "Summary",
    "load_personas",
    "parse_language_mix",
    "personas_for",
    "simulate",
]
