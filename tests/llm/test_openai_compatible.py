"""The OpenAI-compatible client against a local fake server: answers, timeouts, refusals, errors,
and the interviewer keeping its own wording whenever the LLM fails or is late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from askwhy.domain.conversation import Inbound, InterviewState
from askwhy.domain.guide import Guide
from askwhy.interview import next_turn, open_conversation
from askwhy.llm import LLMError, OpenAICompatibleClient, llm_client_from
from askwhy.programs.guides import load_guide
from askwhy.settings import Settings
from tests.fakes.openai_server import Answer, FakeOpenAI

GUIDE = Path(__file__).resolve().parents[2] / "examples" / "guides" / "post-checkout.yaml"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[OpenAICompatibleClient]:
    built = OpenAICompatibleClient(base_url=f"{fake.base_url}/v1", model="llama3.1", api_key="sk-local")
    yield built
    built.close()


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide(GUIDE)


def test_a_completion_is_returned_and_the_request_is_a_chat_completion(
    fake: FakeOpenAI, client: OpenAICompatibleClient
) -> None:
    fake.answers.append(Answer("What happened with the delivery?"))
    assert client.complete("Say hello", timeout=2) == "What happened with the delivery?"
    (request,) = fake.requests
    assert request["model"] == "llama3.1"
    assert request["messages"] == [{"role": "user", "content": "Say hello"}]
    assert fake.headers[0]["Authorization"] == "Bearer sk-local"


def test_a_late_answer_is_a_timeout(fake: FakeOpenAI, client: OpenAICompatibleClient) -> None:
    fake.answers.append(Answer("too late?", delay=0.6))
    with pytest.raises(TimeoutError):
        client.complete("hello", timeout=0.2)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, raw='{"error": "boom"}'),
        Answer(status=401, raw='{"error": {"message": "bad key"}}'),
        Answer(status=429, raw="{}"),
        Answer(refusal="I can't help with that."),
        Answer(raw="not json"),
        Answer(raw='{"choices": []}'),
        Answer(""),
        Answer("Filtered.", finish_reason="content_filter"),
    ],
    ids=["500", "401", "429", "refusal", "not-json", "no-choices", "empty", "content-filter"],
)
def test_failures_are_raised_as_llm_errors(
    fake: FakeOpenAI, client: OpenAICompatibleClient, answer: Answer
) -> None:
    fake.answers.append(answer)
    with pytest.raises(LLMError):
        client.complete("hello", timeout=2)


def test_an_endpoint_that_is_down_is_an_llm_error() -> None:
    with FakeOpenAI() as server:
        url = server.base_url
    down = OpenAICompatibleClient(base_url=url, model="m")
    with pytest.raises(LLMError):
        down.complete("hello", timeout=0.5)
    down.close()


def _why_state(guide: Guide) -> InterviewState:
    state = open_conversation(guide, language="en", now=NOW).state
    return next_turn(guide, state, Inbound("3"), NOW).state


def test_the_interviewer_uses_an_acceptable_wording(
    fake: FakeOpenAI, client: OpenAICompatibleClient, guide: Guide
) -> None:
    fake.answers.append(Answer("Oh no, a late parcel is so frustrating. What happened with the delivery?"))
    turn = next_turn(guide, _why_state(guide), Inbound("my parcel was late"), NOW, llm=client, llm_timeout=1)
    assert turn.messages[-1].text.startswith("Oh no, a late parcel")
    assert turn.messages[-1].question == "probe:theme:late-delivery"


@pytest.mark.parametrize(
    "answer",
    [
        Answer("too late?", delay=0.5),
        Answer(status=503, raw="{}"),
        Answer(refusal="no"),
        Answer("What is your card number?"),
    ],
    ids=["late", "error", "refusal", "unsafe"],
)
def test_the_interviewer_keeps_its_wording_when_the_llm_fails(
    fake: FakeOpenAI, client: OpenAICompatibleClient, guide: Guide, answer: Answer
) -> None:
    fake.answers.append(answer)
    state = _why_state(guide)
    inbound = Inbound("my parcel was late")
    turn = next_turn(guide, state, inbound, NOW, llm=client, llm_timeout=0.2)
    assert turn == next_turn(guide, state, inbound, NOW)


def test_no_base_url_means_no_llm(settings: Settings) -> None:
    assert llm_client_from(settings.model_copy(update={"llm_base_url": None})) is None
    configured = settings.model_copy(
        update={
            "llm_base_url": "http://127.0.0.1:11434/v1",
            "llm_model": "qwen2.5",
            "llm_api_key": SecretStr("k"),
        }
    )
    client = llm_client_from(configured)
    assert client is not None
    assert client.model == "qwen2.5"
    client.close()
