"""The Themes pages: the two-level codebook of a program's selection, one theme's page, who may edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights import codebook
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention
from askwhy.store.tables import Conversation, Response
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)

EMAIL = "jane.doe@example.com"
THEMES = "/programs/reviews/themes"


@pytest.fixture
def container(insights_container: Container) -> Container:
    """The workspace runs on the container the reviews are analysed in (hashing embedder, no model)."""
    return insights_container


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    """The small reviews file, with customers who left their e-mail address in the comment."""
    from tests.insights.fixtures import write_reviews  # a plugin of this module: imported once loaded

    path = write_reviews(tmp_path / "reviews.csv")
    with path.open("a", encoding="utf-8") as handle:
        for i in range(3):
            handle.write(f'e{i},"My parcel arrived late again, mail me at {EMAIL}.",1,2024-04-2{i},Tops\n')
    return path


def by_size(container: Container) -> list[str]:
    """Live theme ids, most sentences first."""
    with container.sessions() as session:
        counts: dict[str, int] = {}
        for theme_id in session.scalars(select(ThemeMention.theme_id)):
            counts[theme_id] = counts.get(theme_id, 0) + 1
    return sorted(counts, key=lambda t: -counts[t])


def label_of(container: Container, theme_id: str) -> str:
    with container.sessions() as session:
        theme = session.get(Theme, theme_id)
        assert theme is not None
        return theme.label


def test_the_codebook_lists_top_level_themes_with_their_subthemes_beneath(
    analysed: Container, sign_in: SignIn
) -> None:
    first, second = by_size(analysed)[:2]
    with analysed.sessions.begin() as session:
        children = codebook.split(session=session, theme_id=first, now=analysed.clock.now())
        codebook.accept(session=session, theme_id=second, now=analysed.clock.now())
        child_labels = [c.label for c in children]
    page = sign_in(Role.VIEWER).get(THEMES)
    assert page.status_code == 200
    html = page.text
    parent_at = html.index(f">{label_of(analysed, first)}</a>")
    for label in child_labels:
        at = html.index(f">{label}</a>")
        assert at > parent_at
        row = html[html.rindex("<tr", 0, at) : at]
        assert 'class="subtheme"' in row
    second_row = html[html.index(f">{label_of(analysed, second)}</a>") :]
    assert "status-accepted" in second_row[: second_row.index("</tr>")]
    assert "status-proposed" in html
    assert re.search(r"n = \d+ analysed responses", html)
    assert "pts" in html  # a trend against the window before
    assert "chart-mix" in html


def test_filters_narrow_the_volumes(analysed: Container, sign_in: SignIn) -> None:
    browser = sign_in(Role.VIEWER)
    everything = browser.get(THEMES).text
    january = browser.get(f"{THEMES}?since=2024-01-01&until=2024-02-01").text
    n_all = int(re.search(r"n = (\d+) analysed", everything).group(1))  # type: ignore[union-attr]
    n_january = int(re.search(r"n = (\d+) analysed", january).group(1))  # type: ignore[union-attr]
    assert 0 < n_january < n_all
    assert "2023-12-01 to 2024-01-01" in january  # compared with the window of the same length before


def test_a_theme_page_shows_only_redacted_verbatims_with_links_to_conversations(
    analysed: Container, sign_in: SignIn
) -> None:
    with analysed.sessions.begin() as session:
        assert session.scalar(select(Response.id).where(Response.comment.contains(EMAIL))) is not None
        sentence = session.scalars(select(Sentence).where(Sentence.text.contains("mail me at"))).first()
        assert sentence is not None
        assert EMAIL not in sentence.text
        theme_id = session.scalars(
            select(ThemeMention.theme_id).where(ThemeMention.sentence_id == sentence.id)
        ).first()
        assert theme_id is not None
        theme = session.get(Theme, theme_id)
        assert theme is not None
        theme.examples = [sentence.id]  # chosen as the theme's example: shown first
        now = analysed.clock.now()
        conversation = Conversation(
            program="reviews", guide_id="reviews", channel="web", status="completed", language="en",
            started_at=now, last_activity_at=now,
        )  # fmt: skip
        session.add(conversation)
        session.flush()
        response = session.get(Response, sentence.response_id)
        assert response is not None
        response.conversation_id = conversation.id
        redacted, conversation_id = sentence.text, conversation.id
    page = sign_in(Role.ADMIN).get(f"{THEMES}/{theme_id}")
    assert page.status_code == 200
    assert EMAIL not in page.text
    assert "jane.doe" not in page.text
    assert redacted.replace("'", "&#39;") in page.text or redacted in page.text
    assert f'href="/programs/reviews/conversations/{conversation_id}"' in page.text


def test_a_theme_page_shows_subthemes_drivers_and_trend(analysed: Container, sign_in: SignIn) -> None:
    first = by_size(analysed)[0]
    with analysed.sessions.begin() as session:
        children = codebook.split(session=session, theme_id=first, now=analysed.clock.now())
    browser = sign_in(Role.VIEWER)
    parent = browser.get(f"{THEMES}/{first}").text
    assert all(f"/themes/{child.id}" in parent for child in children)
    assert "chart-trend" in parent
    top = by_size(analysed)[0]
    html = browser.get(f"{THEMES}/{top}").text
    assert "CSAT impact" in html
    assert "95% CI" in html
    nothing = browser.get(f"{THEMES}/{top}?channel=web").text
    assert "Not available: no scored responses match" in nothing


def test_an_unknown_theme_is_404_and_a_merged_one_redirects_to_where_it_went(
    analysed: Container, sign_in: SignIn
) -> None:
    first, second = by_size(analysed)[:2]
    with analysed.sessions.begin() as session:
        codebook.merge(session=session, theme_id=first, into_id=second, now=analysed.clock.now())
    browser = sign_in(Role.VIEWER)
    assert browser.get(f"{THEMES}/{'0' * 32}").status_code == 404
    moved = browser.get(f"{THEMES}/{first}?simulated=on")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{THEMES}/{second}?simulated=on"


EDITS = {
    "rename": {"label": "Renamed"},
    "accept": {},
    "merge": {"into": "OTHER"},
    "split": {},
    "move": {"sentence": "1", "to": "OTHER"},
}


def test_a_viewer_sees_no_edit_forms_and_every_edit_is_refused(analysed: Container, sign_in: SignIn) -> None:
    first, second = by_size(analysed)[:2]
    viewer = sign_in(None, programs={"reviews": Role.VIEWER})
    page = viewer.get(f"{THEMES}/{first}").text
    assert 'method="post"' not in page.replace('action="/sign-out"', "").split("</header>", 1)[1]
    assert "Undo" not in viewer.get(f"{THEMES}/history").text
    token = viewer.csrf(f"{THEMES}/{first}")
    for action, form in EDITS.items():
        data = {k: (second if v == "OTHER" else v) for k, v in form.items()}
        answer = viewer.post(f"{THEMES}/{first}/{action}", data={**data, "csrf": token})
        assert answer.status_code == 403, action
    assert viewer.post(f"{THEMES}/history/1/undo", data={"csrf": token}).status_code == 403
    assert label_of(analysed, first) != "Renamed"


def test_an_analyst_sees_the_forms_and_an_edit_without_csrf_token_is_refused(
    analysed: Container, sign_in: SignIn
) -> None:
    first, second = by_size(analysed)[:2]
    analyst = sign_in(Role.ANALYST)
    page = analyst.get(f"{THEMES}/{first}").text
    for action in EDITS:
        assert f'/themes/{first}/{action}"' in page, action
    for action, form in EDITS.items():
        data = {k: (second if v == "OTHER" else v) for k, v in form.items()}
        assert analyst.post(f"{THEMES}/{first}/{action}", data=data).status_code == 403, action
        wrong = analyst.post(f"{THEMES}/{first}/{action}", data={**data, "csrf": "0" * 64})
        assert wrong.status_code == 403, action
    assert analyst.post(f"{THEMES}/history/1/undo").status_code == 403
    assert label_of(analysed, first) != "Renamed"


def test_an_analyst_of_another_program_gets_404_on_every_theme_page(
    analysed: Container, sign_in: SignIn
) -> None:
    first, second = by_size(analysed)[:2]
    outsider = sign_in(None, programs={"post-checkout": Role.ANALYST})
    assert outsider.get("/programs/post-checkout/themes").status_code == 200
    token = outsider.csrf("/programs/post-checkout/themes/history")
    for path in (THEMES, f"{THEMES}/{first}", f"{THEMES}/history"):
        assert outsider.get(path).status_code == 404, path
    for action, form in EDITS.items():
        data = {k: (second if v == "OTHER" else v) for k, v in form.items()}
        answer = outsider.post(f"{THEMES}/{first}/{action}", data={**data, "csrf": token})
        assert answer.status_code == 404, action
    assert label_of(analysed, first) != "Renamed"
