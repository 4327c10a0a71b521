"""An OpenID Connect provider, faked: a real HTTP server on 127.0.0.1 serving discovery, JWKS, the
authorization endpoint (the person is already signed in there and consents at once) and the token
endpoint, signing ID tokens with an RSA key made for the test run.

It checks what a strict provider checks (the client's secret, the redirect URI, one use per code,
the PKCE verifier against its S256 challenge), and its knobs make it misbehave one way at a time:
``claims`` overrides claims of the next ID tokens, ``signing_key`` signs them with another key,
``forged_alg`` signs them with no key or an HMAC, ``rotate`` publishes a new key and signs with it
from then on, ``hold`` keeps the token endpoint waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.server import LocalHttpFake

KEY_ID = "fake-issuer-key-1"


@cache
def rsa_key(name: str, kid: str = KEY_ID) -> RSAKey:
    """One RSA key per name for the whole run (making one takes a moment)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class PersonAtProvider:
    """Who is signed in at the provider when askwhy sends a browser there."""

    sub: str = "provider-user-1"
    email: str = "ana@example.com"
    email_verified: bool | None = True
    name: str = "Ana from the directory"


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    person: PersonAtProvider


@dataclass
class FakeIssuer(LocalHttpFake):
    client_id: str = "askwhy-workspace"
    client_secret: str = "fake-client-secret"
    redirect_uri: str = "http://testserver/sign-in/oidc/callback"
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    person: PersonAtProvider = field(default_factory=PersonAtProvider)
    claims: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey = field(default_factory=lambda: rsa_key("issuer"))
    published: list[RSAKey] = field(default_factory=lambda: [rsa_key("issuer")])
    forged_alg: str | None = None
    """``none`` or ``HS256`` (keyed with the public key): the algorithm-confusion forgeries."""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    hold: threading.Event | None = None
    """When set, the token endpoint waits for it (20 s at most: then ``held_too_long``)."""
    token_requested: threading.Event = field(default_factory=threading.Event)
    held_too_long: bool = False
    token_answers: list[int] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)

    thread_name = "fake-oidc-issuer"

    @property
    def issuer(self) -> str:
        return self.base_url

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def rotate(self, key: RSAKey) -> None:
        self.published.append(key)
        self.signing_key = key

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The redirect back to the client, with a code (or an error the client must show)."""
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id or query.get("redirect_uri") != self.redirect_uri:
            return 400, {}
        back: dict[str, str] = {"state": query.get("state", "")}
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            back["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._grants[code] = _Grant(
                    client_id=query["client_id"],
                    redirect_uri=query["redirect_uri"],
                    nonce=query.get("nonce"),
                    challenge=query.get("code_challenge")
                    if query.get("code_challenge_method") == "S256"
                    else None,
                    person=self.person,
                )
            back["code"] = code
        return 302, {"Location": f"{self.redirect_uri}?{urlencode(back)}"}

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.token_requested.set()
        if self.hold is not None and not self.hold.wait(timeout=20):
            self.held_too_long = True
        if (
            authorization
            != "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        ):
            return 401, {"error": "invalid_client"}
        code = form.get("code", "")
        with self._lock:
            grant = self._grants.get(code)
            replayed = code in self._used
            self._used.add(code)
        if form.get("grant_type") != "authorization_code" or grant is None or replayed:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant.challenge is None or challenge != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        access_token = secrets.token_urlsafe(24)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }

    def id_token(self, grant: _Grant) -> str:
        issued = int(self.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.person.sub,
            "aud": grant.client_id,
            "iat": issued,
            "exp": issued + 300,
            "email": grant.person.email,
            "name": grant.person.name,
        }
        if grant.person.email_verified is not None:
            claims["email_verified"] = grant.person.email_verified
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.claims)
        if self.forged_alg is not None:
            return _forged(claims, alg=self.forged_alg, kid=self.signing_key.kid or KEY_ID)
        return jwt.encode({"alg": "RS256", "kid": self.signing_key.kid}, claims, self.signing_key)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, issuer.discovery())
                elif url.path == "/jwks":
                    self._json(200, {"keys": [key.as_dict(private=False) for key in issuer.published]})
                elif url.path == "/authorize":
                    status, headers = issuer.authorize(query)
                    self._answer(status, b"", headers)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                status, body = issuer.token(form, self.headers.get("Authorization"))
                issuer.token_answers.append(status)
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._answer(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

            def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _forged(claims: dict[str, Any], *, alg: str, kid: str) -> str:
    """A token signed with no key (``none``), or with HMAC keyed by the issuer's public JWK."""
    parts = [_b64(json.dumps({"alg": alg, "kid": kid}).encode()), _b64(json.dumps(claims).encode())]
    signing_input = ".".join(parts).encode()
    public = json.dumps(rsa_key("issuer").as_dict(private=False)).encode()
    signature = b"" if alg == "none" else hmac.new(public, signing_input, hashlib.sha256).digest()
    return ".".join([*parts, _b64(signature)])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
