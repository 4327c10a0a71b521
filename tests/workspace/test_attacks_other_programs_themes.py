"""Attack: an analyst of one program reads or edits, by a guessed or stolen id, a theme that only
another program's customers mention. The codebook is shared, but a discovered theme's label is made
of its customers' words: a program's pages list only the themes its responses mention (with their
parents and their guide's themes), and any other theme answers 404 to its page and to every edit,
whether named in the path or in the form (merge into, move to), and stays as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.people_tables import AuditEntry
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)


@pytest.fixture
def container(analysed: Container) -> Container:
    return analysed


def mentioned_themes(container: Container) -> dict[str, str]:
    with container.sessions() as session:
        ids = set(session.scalars(select(ThemeMention.theme_id)))
        return {t.id: t.label for t in session.scalars(select(Theme)) if t.id in ids}


def unmentioned_theme(container: Container) -> str:
    """A theme no response of any program mentions (as if only a program just erased had)."""
    now = container.clock.now()
    with container.sessions.begin() as session:
        session.add(
            Theme(
                id="f" * 16, label="Secret project falcon", status="proposed", created_at=now, updated_at=now
            )
        )
    return "f" * 16


def test_another_programs_themes_are_neither_listed_nor_shown(container: Container, sign_in: SignIn) -> None:
    themes = mentioned_themes(container)
    assert themes
    stranger = sign_in(None, programs={"post-checkout": Role.ANALYST})
    page = stranger.get("/programs/post-checkout/themes")
    assert page.status_code == 200
    assert not [label for label in themes.values() if label in page.text]
    for theme_id in themes:
        assert stranger.get(f"/programs/post-checkout/themes/{theme_id}").status_code == 404
    own = sign_in(None, programs={"reviews": Role.ANALYST})
    listed = own.get("/programs/reviews/themes").text
    assert all(label in listed for label in themes.values())


def test_edits_of_another_programs_theme_are_not_found_and_change_nothing(
    container: Container, sign_in: SignIn
) -> None:
    themes = mentioned_themes(container)
    theme_id, label = sorted(themes.items())[0]
    stranger = sign_in(None, programs={"post-checkout": Role.ANALYST})
    csrf = stranger.csrf("/programs/post-checkout/themes/history")
    base = f"/programs/post-checkout/themes/{theme_id}"
    for action, form in (
        ("rename", {"label": "Renamed by a stranger"}),
        ("accept", {}),
        ("split", {}),
        ("merge", {"into": sorted(themes)[-1]}),
    ):
        answer = stranger.post(f"{base}/{action}", data={**form, "csrf": csrf})
        assert answer.status_code == 404, action
    assert mentioned_themes(container)[theme_id] == label


def test_a_form_naming_a_theme_the_program_does_not_see_is_not_found(
    container: Container, sign_in: SignIn
) -> None:
    own_theme = sorted(mentioned_themes(container))[0]
    hidden = unmentioned_theme(container)
    analyst = sign_in(None, programs={"reviews": Role.ANALYST})
    csrf = analyst.csrf("/programs/reviews/themes/history")
    merged = analyst.post(f"/programs/reviews/themes/{own_theme}/merge", data={"into": hidden, "csrf": csrf})
    assert merged.status_code == 404
    assert analyst.get(f"/programs/reviews/themes/{hidden}").status_code == 404
    assert "Secret project falcon" not in analyst.get(f"/programs/reviews/themes/{own_theme}").text
    with container.sessions() as session:
        assert session.get(Theme, own_theme).status != "merged"  # type: ignore[union-attr]


def test_another_programs_edits_are_not_in_the_history_and_cannot_be_undone(
    container: Container, sign_in: SignIn
) -> None:
    themes = mentioned_themes(container)
    first, second = sorted(themes)[:2]
    with container.sessions() as session:
        sentence = session.scalars(
            select(ThemeMention.sentence_id).where(ThemeMention.theme_id == first)
        ).first()
        words = session.get(Sentence, sentence).text  # type: ignore[union-attr]
    own = sign_in(None, programs={"reviews": Role.ANALYST})
    csrf = own.csrf("/programs/reviews/themes/history")
    base = f"/programs/reviews/themes/{first}"
    assert own.post(f"{base}/rename", data={"label": "Renamed in reviews", "csrf": csrf}).status_code == 303
    moved = own.post(f"{base}/move", data={"sentence": str(sentence), "to": second, "csrf": csrf})
    assert moved.status_code == 303
    assert "Renamed in reviews" in own.get("/programs/reviews/themes/history").text
    stranger = sign_in(None, programs={"post-checkout": Role.ANALYST})
    history = stranger.get("/programs/post-checkout/themes/history").text
    assert "Renamed in reviews" not in history
    assert words[:30] not in history
    token = stranger.csrf("/programs/post-checkout/themes/history")
    with container.sessions() as session:
        edits = list(session.scalars(select(AuditEntry.id).where(AuditEntry.action.startswith("codebook."))))
    assert len(edits) == 2
    for entry_id in edits:
        refused = stranger.post(
            f"/programs/post-checkout/themes/history/{entry_id}/undo", data={"csrf": token}
        )
        assert refused.status_code == 409
        assert f"no codebook edit #{entry_id}" in refused.text
    assert mentioned_themes(container)[first] == "Renamed in reviews"
