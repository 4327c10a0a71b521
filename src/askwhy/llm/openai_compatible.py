"""A client for any OpenAI-compatible chat completions endpoint: a local llama.cpp server, Ollama
or vLLM, or a hosted API. It implements ``interview.llm.LLMClient``.

Every failure is raised (an HTTP error, a refusal, an empty or malformed answer, an answer later
than the deadline), so that the interviewer keeps the rules' wording in the same turn. The
deadline covers the whole call, not each network step: an answer that arrives late is dropped.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from askwhy.settings import Settings

_MAX_TOKENS = 120
_TEMPERATURE = 0.3


class LLMError(RuntimeError):
    """The endpoint gave no usable completion."""


class OpenAICompatibleClient:
    """``POST {base_url}/chat/completions`` with one user message; returns the reply's text."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, transport=transport)

    def complete(self, prompt: str, *, timeout: float) -> str:
        """The completion for ``prompt``; raises ``LLMError`` or ``TimeoutError`` instead of waiting."""
        started = time.monotonic()
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": _MAX_TOKENS,
            "temperature": _TEMPERATURE,
            "stream": False,
        }
        try:
            response = self._http.post("chat/completions", json=body, timeout=httpx.Timeout(timeout))
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"no answer from the LLM within {timeout} s") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"the LLM endpoint failed: {type(exc).__name__}") from exc
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the LLM answered after the {timeout} s deadline")
        if response.status_code != httpx.codes.OK:
            raise LLMError(f"the LLM endpoint answered HTTP {response.status_code}")
        return _content(response)

    def close(self) -> None:
        self._http.close()


def llm_client_from(settings: Settings) -> OpenAICompatibleClient | None:
    """The configured client, or None when ``ASKWHY_LLM_BASE_URL`` is unset (no LLM is used)."""
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleClient(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key)


def _content(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        choice = data["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError("the LLM endpoint answered something other than a chat completion") from exc
    if (
        not isinstance(message, dict)
        or message.get("refusal")
        or choice.get("finish_reason") == "content_filter"
    ):
        raise LLMError("the LLM refused")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise LLMError("the LLM answered nothing")
    return content
