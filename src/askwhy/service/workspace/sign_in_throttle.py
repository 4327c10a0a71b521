"""Sign-in throttling: failed and successful tries count per client address and per e-mail, with
`limits` in memory (one server process) or Redis (shared), so guessing passwords is slow."""

from __future__ import annotations

import hashlib

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from askwhy.settings import Settings


class SignInThrottle:
    def __init__(self, *, storage: Storage, limits: list[RateLimitItem]) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits = limits

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInThrottle:
        limits = parse_many(settings.rate_limit_sign_ins)
        if settings.redis_url is None:
            return cls(storage=MemoryStorage(), limits=limits)
        storage = storage_from_string(settings.redis_url.get_secret_value(), key_prefix="askwhy-sign-in")
        assert isinstance(storage, Storage), "a synchronous storage for a synchronous route"
        return cls(storage=storage, limits=limits)

    def allowed(self, *, address: str, email: str) -> bool:
        """Count one try for this address and this e-mail; False once either is over its limit."""
        keys = (f"address:{address}", "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest())
        return all(self._limiter.hit(limit, key) for key in keys for limit in self._limits)

    def allowed_from(self, *, address: str) -> bool:
        """Count one try for this address alone: a single sign-on's answer names no e-mail until
        the provider has been asked, and each answer costs a call to the provider."""
        return all(self._limiter.hit(limit, f"address:{address}") for limit in self._limits)
