"""Interview guides: the examples load and speak English and Spanish; bad files say what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from askwhy.domain.guide import Guide
from askwhy.domain.scales import Metric
from askwhy.programs.guides import GuideError, GuideLibrary, load_guide

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "guides"
EXPECTED = {"post-checkout": Metric.NPS, "support-call": Metric.CSAT, "trial-end": Metric.CES}


@pytest.mark.parametrize(("guide_id", "metric"), EXPECTED.items())
def test_example_guide_loads(guide_id: str, metric: Metric) -> None:
    guide = load_guide(EXAMPLES / f"{guide_id}.yaml")
    assert guide.id == guide_id
    assert guide.metric is metric
    assert guide.brand == "Northwind"
    assert guide.languages == {"en", "es"}
    assert guide.close_the_loop is not None
    assert len(guide.themes) >= 5


@pytest.mark.parametrize("guide_id", EXPECTED)
def test_every_theme_has_keywords_in_both_languages(guide_id: str) -> None:
    guide = load_guide(EXAMPLES / f"{guide_id}.yaml")
    for theme in guide.themes:
        assert set(theme.keywords) == {"en", "es"}, theme.id
        assert all(len(words) >= 5 for words in theme.keywords.values()), theme.id


@pytest.mark.parametrize("guide_id", EXPECTED)
def test_no_question_asks_for_data_we_must_not_hold(guide_id: str) -> None:
    guide = load_guide(EXAMPLES / f"{guide_id}.yaml")
    forbidden = re.compile(r"card number|password|pin\b|cvv|tarjeta|contraseña|iban", re.IGNORECASE)
    said = [text for _, texts in guide.texts() for text in texts.values()]
    assert any(theme.probe["en"] in said for theme in guide.themes)
    assert not [text for text in said if forbidden.search(text)]


def test_example_folder_is_a_library() -> None:
    library = GuideLibrary.from_folder(EXAMPLES)
    assert set(library) == set(EXPECTED)


def _example_data() -> dict[str, object]:
    data = yaml.safe_load((EXAMPLES / "post-checkout.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_missing_field_is_named_with_the_file(tmp_path: Path) -> None:
    data = _example_data()
    del data["questions"]["why"]["detractor"]  # type: ignore[index]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(GuideError) as error:
        load_guide(path)
    assert f"{path}: questions.why.detractor: field required" in str(error.value).splitlines()


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    data = _example_data()
    del data["closings"]
    data["colour"] = "blue"
    data["limits"] = {"max_questions": 0}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(GuideError) as error:
        load_guide(path)
    lines = str(error.value).splitlines()
    assert f"{path}: closings: field required" in lines
    assert f"{path}: colour: unknown field" in lines
    assert any(line.startswith(f"{path}: limits.max_questions: ") for line in lines)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(GuideError, match=r"broken\.yaml: line \d+: not valid YAML"):
        load_guide(path)


def test_a_guide_is_plain_data() -> None:
    guide = load_guide(EXAMPLES / "trial-end.yaml")
    assert Guide.model_validate(guide.model_dump()) == guide
