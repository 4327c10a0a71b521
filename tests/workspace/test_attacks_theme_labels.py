"""Attack: a theme renamed with a line break, a control character or a bidirectional override in its
label, which every place that shows labels on one line (charts, CSV cells, Slack and Teams lines,
e-mail subjects) would then break or show reversed. The workspace refuses it with a form error
naming the field (422), and the codebook keeps its label; the CLI refuses it the same way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from askwhy.bootstrap import Container
from askwhy.domain.people import Role
from askwhy.insights import codebook
from askwhy.store.analysis_tables import Theme
from tests.workspace.conftest import SignIn

pytest_plugins = ("tests.insights.fixtures",)

THEMES = "/programs/reviews/themes"


@pytest.fixture
def container(insights_container: Container) -> Container:
    return insights_container


def labels(container: Container) -> dict[str, tuple[str, str]]:
    with container.sessions() as session:
        return {t.id: (t.label, t.description) for t in session.scalars(select(Theme))}


def a_theme(container: Container) -> str:
    return sorted(labels(container))[0]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"label": "Late\nparcels"}, "label"),
        ({"label": "Late\r\nparcels"}, "label"),
        ({"label": "Late\u2028parcels"}, "label"),
        ({"label": "Late\tparcels"}, "label"),
        ({"label": "Late \x1b[31mparcels"}, "label"),
        ({"label": "Late \u202esdrawkcab"}, "label"),
        ({"label": "Late parcels", "description": "ring \x07 the bell"}, "description"),
    ],
)
def test_a_label_with_a_line_break_or_a_control_character_is_a_form_error_naming_it(
    form: dict[str, str], field: str, analysed: Container, sign_in: SignIn
) -> None:
    theme_id, before = a_theme(analysed), labels(analysed)
    analyst = sign_in(Role.ANALYST)
    answer = analyst.post(
        f"{THEMES}/{theme_id}/rename", data={**form, "csrf": analyst.csrf(f"{THEMES}/{theme_id}")}
    )
    assert answer.status_code == 422, answer.text
    assert "That edit was not made" in answer.text
    assert f"{field.capitalize()}: " in answer.text
    assert labels(analysed) == before


def test_a_description_keeps_its_paragraphs(analysed: Container, sign_in: SignIn) -> None:
    theme_id = a_theme(analysed)
    analyst = sign_in(Role.ANALYST)
    answer = analyst.post(
        f"{THEMES}/{theme_id}/rename",
        data={
            "label": "  Late parcels ",
            "description": "Deliveries after the promised day.\r\n\r\nNot lost ones.",
            "csrf": analyst.csrf(f"{THEMES}/{theme_id}"),
        },
    )
    assert answer.status_code == 303, answer.text
    assert labels(analysed)[theme_id] == (
        "Late parcels",
        "Deliveries after the promised day.\r\n\r\nNot lost ones.",
    )


def test_the_use_case_refuses_it_whoever_calls(analysed: Container) -> None:
    theme_id = a_theme(analysed)
    with analysed.sessions.begin() as session, pytest.raises(codebook.ThemeTextRefused) as refused:
        codebook.rename(session=session, theme_id=theme_id, label="Late\nparcels", now=analysed.clock.now())
    assert refused.value.field == "label"
    assert str(refused.value) == "label: write it on one line (no line breaks)"
