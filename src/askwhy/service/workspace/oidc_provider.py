"""The company's OpenID Connect provider, as the workspace's sign-in uses it: discovery, the
authorization request (the code flow with PKCE S256, ``state`` and ``nonce``), the code exchange,
and the ID token's checks.

Authlib makes the PKCE challenge, authenticates askwhy at the token endpoint and checks the ID
token's claims (``iss``, ``aud``, ``exp``, ``iat``, ``nonce``, ``azp``, ``at_hash``); joserfc,
Authlib's JOSE library, checks its RS256 signature against the provider's JWKS. The three HTTP
calls go through httpx's ``AsyncClient``, so a slow provider never blocks the event loop (Authlib's
own httpx client now wants the httpx2 package, which askwhy does not otherwise need).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri, url_encode
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from askwhy.people.single_sign_on import VerifiedIdentity
from askwhy.settings import Settings

CALLBACK_PATH = "/sign-in/oidc/callback"
ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 60
"""Clock skew allowed between askwhy and the provider when checking ``exp`` and ``iat``."""
METADATA_SECONDS = 3600
"""How long the discovery document and the keys are kept before they are read again."""


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered something that is not OpenID Connect."""


class TokenRefused(Exception):
    """The code exchange was refused, or the ID token failed a check; ``code`` names which."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser keeps (signed) between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str


@dataclass
class _Cached:
    metadata: dict[str, Any] | None = None
    keys: dict[str, Any] | None = None
    read_at: float = field(default=0.0)


class OpenIdProvider:
    """One configured provider; it keeps its discovery document and keys for an hour."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str,
        email_claim: str,
        redirect_uri: str,
        timeout: float,
    ) -> None:
        self.issuer = issuer
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._email_claim = email_claim
        self._redirect_uri = redirect_uri
        self._timeout = timeout
        self._cached = _Cached()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenIdProvider | None:
        """The provider the settings configure; None when single sign-on is off."""
        if settings.oidc_issuer is None or settings.oidc_client_id is None or not settings.oidc_client_secret:
            return None
        return cls(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            scopes=settings.oidc_scopes,
            email_claim=settings.oidc_email_claim,
            redirect_uri=settings.public_base_url.rstrip("/") + CALLBACK_PATH,
            timeout=settings.oidc_timeout_seconds,
        )

    async def authorization(self) -> tuple[str, PendingSignIn]:
        """The provider's URL to send the browser to, and what to keep until it comes back."""
        metadata = await self._metadata()
        pending = PendingSignIn(
            state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64)
        )
        url = add_params_to_uri(
            metadata["authorization_endpoint"],
            [
                ("response_type", "code"),
                ("client_id", self._client_id),
                ("redirect_uri", self._redirect_uri),
                ("scope", self._scopes),
                ("state", pending.state),
                ("nonce", pending.nonce),
                ("code_challenge", create_s256_code_challenge(pending.code_verifier)),
                ("code_challenge_method", "S256"),
            ],
        )
        return url, pending

    async def identity(self, *, code: str, pending: PendingSignIn, now: datetime) -> VerifiedIdentity:
        """Exchange the code and check the ID token; `TokenRefused` or `ProviderUnavailable` if not."""
        metadata = await self._metadata()
        tokens = await self._exchange(metadata, code=code, pending=pending)
        claims = await self._checked_claims(metadata, tokens=tokens, nonce=pending.nonce, now=now)
        email = claims.get(self._email_claim)
        verified = claims.get("email_verified")
        return VerifiedIdentity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            email_verified=verified if isinstance(verified, bool) else None,
            name=claims["name"] if isinstance(claims.get("name"), str) else None,
        )

    async def _exchange(
        self, metadata: dict[str, Any], *, code: str, pending: PendingSignIn
    ) -> dict[str, Any]:
        url = metadata["token_endpoint"]
        body = url_encode([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self._redirect_uri),
            ("code_verifier", pending.code_verifier),
        ])  # fmt: skip
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        auth = ClientAuth(self._client_id, self._client_secret, _auth_method(metadata))
        url, headers, body = auth.prepare("POST", url, headers, body)
        answer = await self._request("POST", url, headers=headers, content=body)
        tokens = _json(answer, what="token endpoint", allow_error=True)
        if answer.status_code != httpx.codes.OK or "error" in tokens:
            error = str(tokens.get("error", answer.status_code))
            raise TokenRefused(f"the provider refused the sign-in code ({error})", code="code_refused")
        if not isinstance(tokens.get("id_token"), str):
            raise TokenRefused(
                "the provider sent no ID token (is the openid scope allowed?)", code="no_id_token"
            )
        return tokens

    async def _checked_claims(
        self, metadata: dict[str, Any], *, tokens: dict[str, Any], nonce: str, now: datetime
    ) -> CodeIDToken:
        try:
            try:
                token = jwt.decode(tokens["id_token"], await self._keys(), registry=_REGISTRY)
            except InvalidKeyIdError:  # the provider may have rotated its keys since they were read
                token = jwt.decode(tokens["id_token"], await self._keys(fresh=True), registry=_REGISTRY)
        except (JoseError, ValueError) as error:
            reason = error.error if isinstance(error, JoseError) else "malformed"
            raise TokenRefused(
                f"the ID token's signature does not check out ({reason})", code="bad_signature"
            ) from None
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": self._client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
                "nonce": {"essential": True},
            },
            {"nonce": nonce, "client_id": self._client_id, "access_token": tokens.get("access_token")},
        )
        try:
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
        except JoseError as error:
            raise TokenRefused(
                f"the ID token was refused ({error.error}: {error.description})", code=_claim_code(error)
            ) from None
        return claims

    async def _metadata(self) -> dict[str, Any]:
        cached = self._cached
        if cached.metadata is not None and time.monotonic() - cached.read_at < METADATA_SECONDS:
            return cached.metadata
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = _json(await self._request("GET", url), what="discovery document")
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
            raise ProviderUnavailable(
                f"the discovery document names the issuer {metadata.get('issuer')!r}, not {self.issuer!r}"
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not str(metadata.get(key, "")).startswith(("https://", "http://")):
                raise ProviderUnavailable(f"the discovery document has no {key}")
        self._cached = _Cached(metadata=metadata, read_at=time.monotonic())
        return metadata

    async def _keys(self, *, fresh: bool = False) -> KeySet:
        metadata = await self._metadata()
        if fresh or self._cached.keys is None:
            self._cached.keys = _json(await self._request("GET", metadata["jwks_uri"]), what="JWKS")
        try:
            return KeySet.import_key_set(self._cached.keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as error:
            self._cached.keys = None
            raise ProviderUnavailable(f"the provider's keys (JWKS) cannot be read: {error}") from None

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
                return await client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(
                f"{httpx.URL(url).host} did not answer ({type(error).__name__})"
            ) from None


# Providers add header parameters of their own (Azure AD's x5t, Keycloak's typ), as Authlib allows.
_REGISTRY = JWSRegistry(algorithms=ALGORITHMS, strict_check_header=False)


def _auth_method(metadata: dict[str, Any]) -> str:
    """client_secret_basic unless the provider says it only takes the secret in the form."""
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        return "client_secret_post"
    return "client_secret_basic"


def _json(answer: httpx.Response, *, what: str, allow_error: bool = False) -> dict[str, Any]:
    if answer.status_code != httpx.codes.OK and not (allow_error and answer.is_client_error):
        raise ProviderUnavailable(f"the provider's {what} answered HTTP {answer.status_code}")
    try:
        value = answer.json()
    except ValueError:
        raise ProviderUnavailable(f"the provider's {what} did not answer JSON") from None
    if not isinstance(value, dict):
        raise ProviderUnavailable(f"the provider's {what} did not answer a JSON object")
    return value


def _claim_code(error: JoseError) -> str:
    """A short name for the audit log: which check the ID token failed."""
    if isinstance(error, ExpiredTokenError):
        return "expired_token"
    if isinstance(error, MissingClaimError):
        return f"missing_{error.claim}"
    return f"bad_{error.claim}" if isinstance(error, ClaimError) else "bad_claims"
