"""LLM clients for the optional wording of the interviewer's messages (``interview.llm``)."""

from askwhy.llm.openai_compatible import LLMError, OpenAICompatibleClient, llm_client_from

__all__ = ["LLMError", "OpenAICompatibleClient", "llm_client_from"]
