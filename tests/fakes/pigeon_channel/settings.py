"""Pigeon's settings, ``ASKWHY_PIGEON_*``: a test-only channel keeps them in its own package (a
channel askwhy ships adds them to `askwhy.settings.Settings` instead)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from askwhy.settings import Settings


class PigeonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASKWHY_PIGEON_", extra="ignore")

    secret: SecretStr | None = Field(default=None, description="Signs webhook deliveries and sends.")
    api_url: str | None = Field(default=None, description="Base URL of Pigeon's API.")


def configured(settings: Settings) -> bool:
    """True when Pigeon has its secret and its API's address."""
    pigeon = PigeonSettings()
    return pigeon.secret is not None and pigeon.api_url is not None
