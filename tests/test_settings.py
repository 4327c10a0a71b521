"""Settings: documented, masked when shown, and strict in production."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from askwhy.cli import app
from askwhy.cli.config import settings_markdown
from askwhy.settings import Environment, Settings

from .conftest import ROOT


def test_every_setting_is_documented_in_docs_settings_md() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(ASKWHY_[A-Z0-9_]+)`", page))
    missing = [
        f"ASKWHY_{name.upper()}"
        for name in Settings.model_fields
        if f"ASKWHY_{name.upper()}" not in documented
    ]
    assert not missing, f"add to docs/settings.md (run `askwhy config docs`): {missing}"


def test_docs_settings_md_is_current() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert page == settings_markdown(), "docs/settings.md is stale: run `askwhy config docs`"


def test_every_setting_has_help_text() -> None:
    assert [name for name, info in Settings.model_fields.items() if not info.description] == []


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKWHY_SECRET_KEY", "s3cr3t-value-that-must-never-be-printed")
    monkeypatch.setenv("ASKWHY_DATABASE_URL", "postgresql+psycopg://app:hunter2@db.internal/askwhy")
    result = CliRunner().invoke(app, ["config", "show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "ASKWHY_SECRET_KEY" in result.output
    assert "s3cr3t" not in result.output
    assert "hunter2" not in result.output


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="ASKWHY_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION)


def test_production_accepts_a_real_secret() -> None:
    settings = Settings(environment=Environment.PRODUCTION, secret_key="x" * 40)  # type: ignore[arg-type]
    assert settings.secret_key.get_secret_value() == "x" * 40


def test_invalid_setting_is_reported_by_variable_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKWHY_PORT", "not-a-port")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "ASKWHY_PORT" in result.output
    assert "Traceback" not in result.output
