"""X-Twilio-Signature checks with the `twilio` package's RequestValidator, on Twilio's own vectors."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from askwhy.channels.twilio_signature import FormParams, public_url, sign, signature_matches
from askwhy.settings import Environment, Settings

# From twilio-python's tests/unit/test_request_validator.py, recomputed (provider-samples).
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = FormParams(
    [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
)


def test_the_documented_signature_matches() -> None:
    assert signature_matches(
        auth_token=TOKEN, url=URL, params=PARAMS, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert sign(auth_token=TOKEN, url=URL, params=PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_signature_made_with_the_default_port_also_matches() -> None:
    assert signature_matches(
        auth_token=TOKEN, url=URL, params=PARAMS, signature="kvajT1Ptam85bY51eRf/AJRuM3w="
    )


def test_the_older_docs_example_matches() -> None:
    params = FormParams(
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
    )
    assert signature_matches(
        auth_token=TOKEN, url=URL, params=params, signature="0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_repeated_parameters_are_signed_sorted_and_deduplicated() -> None:
    body = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234"
    params = FormParams.parse(body)
    assert params.getlist("Digits") == ["5678", "1234", "1234"]
    assert signature_matches(
        auth_token=TOKEN, url=URL, params=params, signature="IK+Dwps556ElfBT0I3Rgjkr1wJU="
    )


@pytest.mark.parametrize(
    ("token", "url", "signature"),
    [
        ("wrong-token", URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=3", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (TOKEN, "http://internal:8000/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (TOKEN, URL, "RSOYDt4T1cUTdK1PDd93/VVr8B9="),
        (TOKEN, URL, ""),
        (TOKEN, URL, None),
        ("", URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ],
)
def test_anything_else_does_not_match(token: str, url: str, signature: str | None) -> None:
    assert not signature_matches(auth_token=token, url=url, params=PARAMS, signature=signature)


def test_a_tampered_parameter_does_not_match() -> None:
    tampered = FormParams([*((k, v) for k, v in PARAMS.items() if k != "Digits"), ("Digits", "9999")])
    assert not signature_matches(
        auth_token=TOKEN, url=URL, params=tampered, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_the_public_url_is_the_base_url_with_the_path_and_query_as_received() -> None:
    assert (
        public_url(
            base_url="https://feedback.example.com/", path="/webhooks/twilio/status", query="key=a%2Bb"
        )
        == "https://feedback.example.com/webhooks/twilio/status?key=a%2Bb"
    )
    assert public_url(base_url="https://x.example/askwhy", path="/webhooks/twilio/sms") == (
        "https://x.example/askwhy/webhooks/twilio/sms"
    )


def test_form_params_keep_blank_values_and_decode_plus_signs() -> None:
    params = FormParams.parse(b"Body=Ahoy%21+Let%27s+go&From=%2B14017122661&NumMedia=0&Empty=")
    assert params["Body"] == "Ahoy! Let's go"
    assert params["From"] == "+14017122661"
    assert params["Empty"] == ""
    assert params.text("Empty") is None


def production_with_twilio(public_base_url: str) -> Settings:
    return Settings(
        environment=Environment.PRODUCTION,
        secret_key=SecretStr("x" * 40),
        twilio_account_sid="AC1",
        twilio_auth_token=SecretStr("token"),
        public_base_url=public_base_url,
    )


def test_production_with_twilio_needs_the_public_https_address() -> None:
    with pytest.raises(ValidationError, match="ASKWHY_PUBLIC_BASE_URL"):
        production_with_twilio("http://127.0.0.1:8000")
    assert production_with_twilio("https://feedback.example.com").twilio_configured
