"""Codebook edits from the workspace are logged and undoable: undo puts back exactly what was there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights import codebook
from askwhy.store.analysis_tables import Theme, ThemeMention
from askwhy.store.people_tables import AuditEntry
from tests.workspace.conftest import Browser, SignIn

pytest_plugins = ("tests.insights.fixtures",)

THEMES = "/programs/reviews/themes"


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace runs on the container the reviews are analysed in (hashing embedder, no model)."""
    return insights_container


def codebook_state(container: Container) -> dict[str, Any]:
    """Every theme's visible fields and every mention with its similarity and polarity."""
    with container.sessions() as session:
        themes = {
            t.id: (t.label, t.description, t.status, t.parent_id, t.merged_into_id, tuple(t.keywords))
            for t in session.scalars(select(Theme))
        }
        mentions = {
            (m.sentence_id, m.theme_id): (m.response_id, round(m.similarity, 6), m.polarity)
            for m in session.scalars(select(ThemeMention))
        }
    return {"themes": themes, "mentions": mentions}


def by_size(container: Container) -> list[str]:
    with container.sessions() as session:
        counts: dict[str, int] = {}
        for theme_id in session.scalars(select(ThemeMention.theme_id)):
            counts[theme_id] = counts.get(theme_id, 0) + 1
    return sorted(counts, key=lambda t: -counts[t])


def actions(container: Container) -> list[tuple[str, str | None]]:
    with container.sessions() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.person_id).order_by(AuditEntry.id))
        return [(action, person) for action, person in rows if action.startswith("codebook.")]


def last_entry(container: Container) -> AuditEntry:
    with container.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        return entry


def post(browser: Browser, path: str, **form: str) -> Any:
    return browser.post(path, data={**form, "csrf": browser.csrf(f"{THEMES}/history")})


def undo_last(container: Container, browser: Browser) -> Any:
    entry = last_entry(container)
    answer = post(browser, f"{THEMES}/history/{entry.id}/undo")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{THEMES}/history?undone={entry.id}"
    return entry


def a_sentence_of(container: Container, theme_id: str) -> int:
    with container.sessions() as session:
        found = session.scalars(
            select(ThemeMention.sentence_id).where(ThemeMention.theme_id == theme_id)
        ).first()
        assert found is not None
        return int(found)


def edit_then_undo(container: Container, browser: Browser, path: str, action: str, **form: str) -> None:
    """Make one edit through its form, check it changed the codebook and was logged, undo it, and
    check the codebook is exactly as before, with the undo logged too."""
    before = codebook_state(container)
    answer = post(browser, path, **form)
    assert answer.status_code == 303, answer.text
    assert codebook_state(container) != before
    entry = last_entry(container)
    assert (entry.action, entry.person_id) == (action, browser.person_id)
    assert entry.detail["before"]
    undo_last(container, browser)
    assert codebook_state(container) == before
    assert last_entry(container).action == "codebook.undo"
    assert last_entry(container).detail["undoes"] == entry.id


def test_rename_then_undo_restores_label_and_description(analysed: Container, sign_in: SignIn) -> None:
    first = by_size(analysed)[0]
    analyst = sign_in(Role.ANALYST)
    edit_then_undo(
        analysed, analyst, f"{THEMES}/{first}/rename", "codebook.rename",
        label="Late parcels", description="Deliveries that came after the promised day",
    )  # fmt: skip


def test_accept_then_undo_sets_proposed_again(analysed: Container, sign_in: SignIn) -> None:
    first = by_size(analysed)[0]
    edit_then_undo(analysed, sign_in(Role.ANALYST), f"{THEMES}/{first}/accept", "codebook.accept")


def test_merge_then_undo_unmerges_with_the_moved_mentions(analysed: Container, sign_in: SignIn) -> None:
    first, second = by_size(analysed)[:2]
    analyst = sign_in(Role.ANALYST)
    answer = post(analyst, f"{THEMES}/{first}/merge", into=second)
    assert answer.headers["location"] == f"{THEMES}/{second}"
    with analysed.sessions() as session:
        merged = session.get(Theme, first)
        assert merged is not None
        assert (merged.status, merged.merged_into_id) == ("merged", second)
    undo_last(analysed, analyst)
    assert post(analyst, f"{THEMES}/history/{last_entry(analysed).id - 1}/undo").status_code == 409
    edit_then_undo(analysed, analyst, f"{THEMES}/{first}/merge", "codebook.merge", into=second)


def test_split_then_undo_puts_the_split_theme_back(analysed: Container, sign_in: SignIn) -> None:
    first = by_size(analysed)[0]
    analyst = sign_in(Role.ANALYST)
    themes_before = len(codebook_state(analysed)["themes"])
    edit_then_undo(analysed, analyst, f"{THEMES}/{first}/split", "codebook.split")
    assert len(codebook_state(analysed)["themes"]) == themes_before


def test_move_then_undo_moves_the_sentence_back(analysed: Container, sign_in: SignIn) -> None:
    first, second = by_size(analysed)[:2]
    sentence = a_sentence_of(analysed, first)
    with analysed.sessions() as session:
        was = session.get(ThemeMention, (sentence, first))
        assert was is not None
        polarity = was.polarity
    analyst = sign_in(Role.ANALYST)
    answer = post(analyst, f"{THEMES}/{first}/move", sentence=str(sentence), to=second)
    assert answer.status_code == 303
    with analysed.sessions() as session:
        assert session.get(ThemeMention, (sentence, first)) is None
        moved = session.get(ThemeMention, (sentence, second))
        assert moved is not None
        assert moved.polarity == polarity
        assert -1.0 <= moved.similarity <= 1.0
    undo_last(analysed, analyst)
    edit_then_undo(
        analysed, analyst, f"{THEMES}/{first}/move", "codebook.move", sentence=str(sentence), to=second
    )


def test_every_edit_and_undo_is_in_the_audit_log_and_the_history(
    analysed: Container, sign_in: SignIn
) -> None:
    first, second, third = by_size(analysed)[:3]
    analyst = sign_in(Role.ANALYST, name="Ana")
    post(analyst, f"{THEMES}/{first}/rename", label="Late parcels")
    post(analyst, f"{THEMES}/{first}/accept")
    post(analyst, f"{THEMES}/{second}/merge", into=third)
    post(analyst, f"{THEMES}/{first}/split")
    post(analyst, f"{THEMES}/{third}/move", sentence=str(a_sentence_of(analysed, third)), to=first)
    undo_last(analysed, analyst)
    expected = ["rename", "accept", "merge", "split", "move", "undo"]
    assert actions(analysed) == [(f"codebook.{a}", analyst.person_id) for a in expected]
    viewer = sign_in(None, programs={"reviews": Role.VIEWER})
    page = viewer.get(f"{THEMES}/history")
    assert page.status_code == 200
    assert "Renamed" in page.text
    assert "Late parcels" in page.text
    assert "Ana" in page.text
    assert "Undid: Moved" in page.text
    assert "Undo</button>" not in page.text
    assert analyst.get(f"{THEMES}/history").text.count("Undo</button>") == 4


def test_an_undo_that_no_longer_applies_says_why(analysed: Container, sign_in: SignIn) -> None:
    first, second = by_size(analysed)[:2]
    analyst = sign_in(Role.ANALYST)
    post(analyst, f"{THEMES}/{first}/rename", label="Late parcels")
    renamed = last_entry(analysed).id
    post(analyst, f"{THEMES}/{first}/rename", label="Parcels that came late")
    stale = post(analyst, f"{THEMES}/history/{renamed}/undo")
    assert stale.status_code == 409
    assert "changed since this edit" in stale.text
    assert "Traceback" not in stale.text
    post(analyst, f"{THEMES}/{second}/accept")
    with analysed.sessions.begin() as session:
        codebook.delete_theme(session=session, theme_id=second)
    gone = post(analyst, f"{THEMES}/history/{last_entry(analysed).id}/undo")
    assert gone.status_code == 409
    assert "was deleted since" in gone.text
    assert post(analyst, f"{THEMES}/history/{renamed + 1}/undo").status_code == 303  # the later rename
    assert post(analyst, f"{THEMES}/history/{renamed}/undo").status_code == 303  # applies again now
    twice = post(analyst, f"{THEMES}/history/{renamed + 1}/undo")
    assert twice.status_code == 409
    assert re.search(r"already undone", twice.text)
    nonsense = post(analyst, f"{THEMES}/history/99999/undo")
    assert nonsense.status_code == 409
    assert "no codebook edit #99999" in nonsense.text


def test_a_rename_from_the_terminal_is_in_the_history_and_undoable(
    analysed: Container, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from askwhy.cli import app

    first = by_size(analysed)[0]
    with analysed.sessions() as session:
        theme = session.get(Theme, first)
        assert theme is not None
        label = theme.label
    settings = analysed.settings
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    done = CliRunner().invoke(app, ["themes", "rename", first, "Late parcels"])
    assert done.exit_code == 0, done.output
    entry = last_entry(analysed)
    assert (entry.action, entry.person_id, entry.target) == ("codebook.rename", None, first)
    analyst = sign_in(Role.ANALYST)
    history = analyst.get(f"{THEMES}/history").text
    assert f"Renamed “{label}” to “Late parcels”" in history
    assert post(analyst, f"{THEMES}/history/{entry.id}/undo").status_code == 303
    with analysed.sessions() as session:
        theme = session.get(Theme, first)
        assert theme is not None
        assert theme.label == label
