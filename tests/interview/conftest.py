"""Fixtures for interviewer tests: the example guides, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from askwhy.domain.guide import Guide
from askwhy.programs.guides import load_guide

GUIDES = Path(__file__).resolve().parents[2] / "examples" / "guides"


@pytest.fixture(scope="session")
def post_checkout() -> Guide:
    return load_guide(GUIDES / "post-checkout.yaml")


@pytest.fixture(scope="session")
def support_call() -> Guide:
    return load_guide(GUIDES / "support-call.yaml")


@pytest.fixture(scope="session")
def trial_end() -> Guide:
    return load_guide(GUIDES / "trial-end.yaml")


@pytest.fixture(scope="session", params=["post-checkout", "support-call", "trial-end"])
def any_guide(request: pytest.FixtureRequest) -> Guide:
    return load_guide(GUIDES / f"{request.param}.yaml")
