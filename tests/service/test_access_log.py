"""The access log names no credential: links and secret query values are masked."""

from __future__ import annotations

import logging

import pytest

from askwhy.service.access_log import MaskCredentials, masked


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/c/IjAxMjM0NTY3ODki.Zk3.abc", "/c/…"),
        ("/sign-in/link/s3cr3t-value", "/sign-in/link/…"),
        ("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=hunter2&hub.challenge=9", None),
        ("/chat/post-checkout", "/chat/post-checkout"),
        ("/v1/themes?program=post-checkout", "/v1/themes?program=post-checkout"),
    ],
)
def test_credentials_in_paths_and_queries_are_masked(path: str, logged: str | None) -> None:
    result = masked(path)
    if logged is not None:
        assert result == logged
    assert "hunter2" not in result
    assert "s3cr3t" not in result
    assert "abc" not in result or path.startswith("/v1")


def test_the_filter_rewrites_uvicorns_access_records() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/c/secret-token", "1.1", 200), None,
    )  # fmt: skip
    assert MaskCredentials().filter(record)
    assert "secret-token" not in record.getMessage()
    assert "/c/…" in record.getMessage()
