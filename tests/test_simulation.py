"""Synthetic customers: persona files, the replies they give, and whole simulated conversations."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.bootstrap import Container, bootstrap
from askwhy.cli import app
from askwhy.clock import FakeClock
from askwhy.domain.scales import SCALES, Band
from askwhy.interview.optout import is_opt_out
from askwhy.interview.replies import is_done, read_yes_no
from askwhy.interview.scores import read_score
from askwhy.interview.vagueness import is_vague
from askwhy.programs.guides import load_guide
from askwhy.settings import Settings
from askwhy.simulation import Casting, LanguageMixError, PersonaError, load_personas, simulate
from askwhy.simulation.casting import mixed_weights, parse_language_mix
from askwhy.simulation.customer import Customer
from askwhy.simulation.personas import PersonaFile
from askwhy.store.tables import Conversation, Message, Response

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "examples" / "guides"
PERSONAS = ROOT / "examples" / "personas"
GUIDE_IDS = ("post-checkout", "support-call", "trial-end")
NUMBER_WORDS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"],
}


@pytest.fixture
def sim_container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    """A container whose queue only collects jobs, so no analysis runs during simulations."""
    built = bootstrap(
        settings.model_copy(update={"queue_inline": False}), clock=clock, embedder=HashingEmbedder()
    )
    yield built
    built.close()


@cache
def personas_of(guide_id: str) -> PersonaFile:
    return load_personas(PERSONAS / f"{guide_id}.yaml", guide=load_guide(GUIDES / f"{guide_id}.yaml"))


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_example_persona_files_fit_their_guides(guide_id: str) -> None:
    personas = personas_of(guide_id)
    assert personas.guide == guide_id
    assert len(personas.personas) >= 6
    assert {persona.language for persona in personas.personas} >= {"en", "es"}
    assert any(persona.trend for persona in personas.personas), "a trend gives 'why it changed' a story"


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_fixed_replies_mean_to_the_interviewer_what_they_say(guide_id: str) -> None:
    personas = personas_of(guide_id)
    scale = SCALES[load_guide(GUIDES / f"{guide_id}.yaml").metric]
    for persona in personas.personas:
        replies = personas.replies_of(persona)
        assert all(is_done(text) for text in replies.endings), persona.id
        assert all(is_opt_out(text) for text in replies.opt_out), persona.id
        assert all(is_vague(text) for text in replies.vague), persona.id
        assert all(read_yes_no(text) is True for text in replies.accept), persona.id
        assert all(read_yes_no(text) is False for text in replies.decline), persona.id
        assert not any(read_score(text, scale).found for text in replies.unclear), persona.id
        free_text = [text for texts in persona.reasons.values() for text in texts]
        free_text += replies.impact + replies.fix
        assert not any(is_opt_out(text) or is_done(text) for text in free_text), persona.id


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_score_phrasings_never_read_as_another_score(guide_id: str) -> None:
    personas = personas_of(guide_id)
    scale = SCALES[load_guide(GUIDES / f"{guide_id}.yaml").metric]
    for persona in personas.personas:
        words = NUMBER_WORDS[persona.language]
        for score in persona.scores:
            for template in personas.replies_of(persona).score:
                if "{next}" in template and score == scale.high:
                    continue
                text = template.format(n=score, word=words[score], next=score + 1, top=scale.high)
                # None is allowed: the interviewer re-asks ("one, I guess"), and the customer answers.
                assert read_score(text, scale).value in (score, None), text


def test_post_checkout_reasons_cover_each_theme_richly() -> None:
    personas = personas_of("post-checkout")
    per_theme: Counter[str] = Counter()
    for persona in personas.personas:
        for reasons in (persona.reasons, *persona.by_band.values(), persona.details):
            for theme, texts in reasons.items():
                per_theme[theme] += len(set(texts))
    assert min(per_theme.values()) >= 15, per_theme


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "personas.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
guide: post-checkout
common:
  en: {score: ["{n}"], vague: [ok], impact: [a lot], fix: [be faster], endings: ["no"],
       opt_out: [stop], accept: ["yes"], decline: ["no"]}
personas:
  - id: late
    name: Late
    weight: 1
    scores: {2: 1}
    reasons: {late-delivery: ["It came late."]}
"""


def test_a_minimal_persona_file_loads(tmp_path: Path) -> None:
    personas = load_personas(write(tmp_path, MINIMAL), guide=load_guide(GUIDES / "post-checkout.yaml"))
    assert personas.personas[0].id == "late"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("weight: 1", "weight: lots"), "personas.0.weight: Input should be a valid number"),
        (("    weight: 1\n", "    weight: 1\n    mood: grumpy\n"), "personas.0.mood: unknown field"),
        (("    name: Late\n", ""), "personas.0.name: field required"),
        (
            ("late-delivery:", "lateness:"),
            "personas[0].reasons.lateness: not a theme of guide 'post-checkout'",
        ),
        (("{2: 1}", "{11: 1}"), "personas[0].scores.11: not on the nps scale 0–10"),
        (
            ("opt_out: [stop], ", ""),
            "personas[0].opt_out: no replies; give some here or in common.en.opt_out",
        ),
        (("guide: post-checkout", "guide: trial-end"), "guide: is 'trial-end', not 'post-checkout'"),
        (("  - id: late", "  - id: Late Customer"), "personas.0.id: String should match pattern"),
    ],
)
def test_a_bad_persona_file_names_the_file_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(PersonaError) as raised:
        load_personas(path, guide=load_guide(GUIDES / "post-checkout.yaml"))
    assert f"{path}: {expected}" in str(raised.value)


def test_a_persona_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "guide: post-checkout\npersonas: [\n  - id: x\n")
    with pytest.raises(PersonaError, match=rf"{path}: line \d+: not valid YAML"):
        load_personas(path)


def customer(question_keys: list[str], *, seed: int = 1, band: Band = Band.DETRACTOR) -> list[str | None]:
    personas = personas_of("post-checkout")
    persona = next(p for p in personas.personas if p.id == "late-delivery")
    person = Customer(
        persona=persona.model_copy(
            update={"behaviour": persona.behaviour.model_copy(update={"stop_early": 0})}
        ),
        replies=personas.replies_of(persona),
        score=2,
        band=band,
        scale=SCALES[load_guide(GUIDES / "post-checkout.yaml").metric],
        rng=random.Random(seed),
        theme="late-delivery",
        reason=persona.reasons["late-delivery"][0],
    )
    return [person.reply_to(key) for key in question_keys]


def test_the_customer_answers_each_kind_of_question_in_character() -> None:
    keys = ["metric", "why", "probe:theme:late-delivery", "probe:impact", "probe:fix", "close_the_loop"]
    score, why, detail, impact, fix, loop = customer(keys)
    assert score is not None
    assert read_score(score, SCALES[load_guide(GUIDES / "post-checkout.yaml").metric]).value == 2
    assert why is not None
    assert "9 days late" in why
    assert detail is not None
    assert not is_vague(detail)
    assert impact is not None
    assert fix is not None
    assert loop is not None
    assert read_yes_no(loop) is not None


def test_the_customer_is_deterministic_for_a_seed() -> None:
    keys = ["metric", "why", "probe:vague", "probe:impact", "probe:fix", "probe:anything_else"]
    assert customer(keys, seed=5) == customer(keys, seed=5)
    assert any(customer(keys, seed=5) != customer(keys, seed=seed) for seed in range(6, 12))


def test_language_mix_sets_the_share_of_each_language() -> None:
    personas = personas_of("post-checkout").personas
    weights = mixed_weights(personas, 40, {"es": 0.2})
    spanish = sum(w for p, w in zip(personas, weights, strict=True) if p.language == "es")
    assert spanish == pytest.approx(0.2)
    assert sum(weights) == pytest.approx(1.0)
    assert parse_language_mix("es=20%, en=0.8") == {"es": 0.2, "en": 0.8}
    with pytest.raises(LanguageMixError, match="no persona"):
        Casting(guide=load_guide(GUIDES / "post-checkout.yaml"), personas=personas_of("post-checkout"),
                language_mix={"fr": 0.1})  # fmt: skip


def test_late_delivery_customers_grow_in_the_last_weeks() -> None:
    personas = personas_of("post-checkout").personas
    late = next(i for i, p in enumerate(personas) if p.id == "late-delivery")
    before, recent = mixed_weights(personas, 40, {}), mixed_weights(personas, 5, {})
    assert recent[late] / sum(recent) > 2.5 * before[late] / sum(before)


def run(container: Container, *, count: int, seed: int) -> list[str]:
    guide = container.guides["post-checkout"]
    summary = simulate(
        sessions=container.sessions,
        guides=container.guides,
        casting=Casting(guide=guide, personas=personas_of("post-checkout")),
        count=count,
        seed=seed,
        days=56,
        end=container.clock.now(),
        batch_size=15,
    )
    assert summary.stored == count
    return summary.conversation_ids


def test_simulated_conversations_are_stored_flagged_and_varied(sim_container: Container) -> None:
    ids = run(sim_container, count=40, seed=11)
    end = sim_container.clock.now()
    with sim_container.sessions() as session:
        conversations = session.scalars(select(Conversation)).all()
        responses = session.scalars(select(Response)).all()
        inbound = session.scalars(select(Message).where(Message.direction == "in")).all()
    assert len(conversations) == len(responses) == 40
    assert {c.id for c in conversations} == set(ids)
    assert all(c.simulated and c.channel == "simulated" for c in conversations)
    assert all(r.simulated for r in responses)
    statuses = Counter(c.status for c in conversations)
    assert statuses["completed"] >= 25, statuses
    assert len(statuses) >= 2, statuses
    assert not any(c.status in ("active", "invited") for c in conversations)
    scores = [r.score for r in responses if r.score is not None]
    assert len(scores) >= 35
    assert all(0 <= s <= 10 for s in scores)
    assert len(set(scores)) >= 5
    completed = [r for r in responses if r.completion == "completed"]
    assert all(r.answers and r.comment for r in completed)
    assert all(set(r.segment) == {"region", "tier", "device", "customer"} for r in responses)
    assert len({r.segment["region"] for r in responses}) >= 3
    assert {r.language for r in responses} <= {"en", "es"}
    starts = sorted(c.started_at for c in conversations)
    assert (starts[-1] - starts[0]).days >= 30
    assert starts[-1] < end
    assert len(inbound) >= 3 * 40


def test_turns_of_a_simulated_conversation_are_minutes_apart(sim_container: Container) -> None:
    [conversation_id] = run(sim_container, count=1, seed=3)
    with sim_container.sessions() as session:
        messages = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        ).all()
    replies = [m.created_at for m in messages if m.direction == "in"]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(replies)]
    assert all(0 < gap < 15 * 60 for gap in gaps)


def transcripts(container: Container, ids: list[str]) -> list[tuple[str, object, list[str]]]:
    with container.sessions() as session:
        result = []
        for conversation_id in ids:
            conversation = session.get(Conversation, conversation_id)
            assert conversation is not None
            texts = session.scalars(
                select(Message.text).where(Message.conversation_id == conversation_id).order_by(Message.seq)
            ).all()
            result.append((conversation.status, conversation.started_at, list(texts)))
        return result


def test_the_same_seed_gives_the_same_conversations(sim_container: Container) -> None:
    first = transcripts(sim_container, run(sim_container, count=12, seed=5))
    again = transcripts(sim_container, run(sim_container, count=12, seed=5))
    other = transcripts(sim_container, run(sim_container, count=12, seed=6))
    assert first == again
    assert first != other


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """`askwhy` builds its own container from the environment: point it at the test database."""
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASKWHY_GUIDES_DIR", str(GUIDES))
    monkeypatch.setenv("ASKWHY_PERSONAS_DIR", str(PERSONAS))
    monkeypatch.setenv("ASKWHY_QUEUE_INLINE", "false")
    monkeypatch.setattr("askwhy.bootstrap._embedder_from", lambda _settings: HashingEmbedder)


@pytest.mark.usefixtures("cli_env")
def test_simulate_command_stores_and_summarises(sim_container: Container) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--guide",
            str(GUIDES / "support-call.yaml"),
            "--n",
            "15",
            "--seed",
            "7",
            "--days",
            "14",
            "--language-mix",
            "es=0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "stored 15 simulated conversations for support-call" in result.output
    assert "completed" in result.output
    assert "Score distribution" in result.output
    with sim_container.sessions() as session:
        responses = session.scalars(select(Response)).all()
    assert len(responses) == 15
    assert all(r.simulated and r.guide_id == "support-call" for r in responses)
    assert all(r.score is None or 1 <= r.score <= 5 for r in responses)
    assert any(r.language == "es" for r in responses)


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--guide", "no-such-guide"], "no-such-guide: no such guide file"),
        (["--guide", "post-checkout", "--language-mix", "fr=0.3"], "--language-mix fr: no persona"),
        (["--guide", "post-checkout", "--language-mix", "es=lots"], "write LANGUAGE=SHARE"),
        (["--guide", "post-checkout", "--personas", "missing.yaml"], "missing.yaml: cannot read file"),
    ],
)
def test_simulate_command_explains_bad_input(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["simulate", *arguments])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
