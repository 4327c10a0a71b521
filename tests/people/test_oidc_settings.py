"""Single sign-on's settings: askwhy refuses to start with an unsafe or incomplete combination, and
says which setting to change and why."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from askwhy.settings import Settings

CLIENT = {"oidc_client_id": "askwhy", "oidc_client_secret": "s3cret"}
PRODUCTION = {
    "environment": "production",
    "secret_key": "k" * 40,
    "public_base_url": "https://cx.example.com",
}


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        _settings(**values)
    return str(refused.value)


def test_single_sign_on_is_off_unless_an_issuer_is_set() -> None:
    assert not _settings().oidc_configured
    configured = _settings(oidc_issuer="https://sso.example.com/realms/staff", **CLIENT)
    assert configured.oidc_configured
    assert configured.oidc_new_account_role == "viewer"
    assert "s3cret" not in str(configured.described())


@pytest.mark.parametrize(
    ("values", "says"),
    [
        (
            {"oidc_issuer": "https://sso.example.com"},
            "ASKWHY_OIDC_CLIENT_ID and ASKWHY_OIDC_CLIENT_SECRET must be set",
        ),
        ({"oidc_issuer": "sso.example.com", **CLIENT}, "ASKWHY_OIDC_ISSUER must be the issuer's URL"),
        ({"oidc_issuer": "http://sso.example.com", **CLIENT}, "ASKWHY_OIDC_ISSUER must be an https:// URL"),
        (
            {"oidc_issuer": "https://sso.example.com", "oidc_scopes": "email profile", **CLIENT},
            "must include openid",
        ),
        (
            {"oidc_issuer": "https://sso.example.com", "oidc_create_accounts": True, **CLIENT},
            "ASKWHY_OIDC_CREATE_ACCOUNTS needs ASKWHY_OIDC_ALLOWED_DOMAINS",
        ),
        ({"oidc_new_account_role": "admin"}, "may create viewer or analyst accounts, not admin"),
        ({"oidc_new_account_role": "owner"}, "may create viewer or analyst accounts, not owner"),
        ({"oidc_allowed_domains": "example.com,not a domain"}, "'not a domain' is not an e-mail domain"),
        (
            {"oidc_issuer": "http://127.0.0.1:8080/realms/staff", **CLIENT, **PRODUCTION},
            "ASKWHY_OIDC_ISSUER must be an https:// URL",
        ),
        (
            {
                "oidc_issuer": "https://sso.example.com",
                **CLIENT,
                **PRODUCTION,
                "public_base_url": "http://cx.example.com",
            },
            "ASKWHY_PUBLIC_BASE_URL must be the https:// address",
        ),
    ],
)
def test_unsafe_combinations_are_refused_at_start_up(values: dict[str, Any], says: str) -> None:
    assert says in _refusal(**values)


def test_a_provider_on_this_machine_may_use_http_in_development() -> None:
    assert _settings(oidc_issuer="http://127.0.0.1:8080/realms/staff", **CLIENT).oidc_configured


def test_allowed_domains_are_read_from_a_comma_separated_list() -> None:
    settings = _settings(
        oidc_issuer="https://sso.example.com", oidc_create_accounts=True,
        oidc_allowed_domains=" Example.com, @example.co.uk ,", **CLIENT,
    )  # fmt: skip
    assert settings.oidc_allowed_domains == ["example.com", "example.co.uk"]


def test_a_production_server_with_https_everywhere_may_use_single_sign_on() -> None:
    assert _settings(oidc_issuer="https://sso.example.com", **CLIENT, **PRODUCTION).oidc_configured
