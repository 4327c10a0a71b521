"""`askwhy guides check`: every example guide passes its scripted customers; bad files say why."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from askwhy.cli import app

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "examples" / "guides"
CUSTOMERS = Path(__file__).resolve().parent / "customers"


@pytest.mark.parametrize("guide", sorted(GUIDES.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_example_guide_passes(guide: Path) -> None:
    result = CliRunner().invoke(app, ["guides", "check", str(guide), "--customers", str(CUSTOMERS)])
    assert result.exit_code == 0, result.output
    assert f"PASS {guide.stem}" in result.output
    assert "customer" in result.output  # the transcripts are printed
    assert "Scripted customers" in result.output  # and the table


def test_a_failed_expectation_is_shown_and_exits_one(tmp_path: Path) -> None:
    customers = tmp_path / "customers.yaml"
    customers.write_text(
        '- name: expects the wrong question\n  turns:\n    - {say: "2", asks: "probe:fix"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["guides", "check", str(GUIDES / "post-checkout.yaml"), "-c", str(customers), "--no-transcripts"]
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "FAIL post-checkout: 0/1 customers" in output
    assert "turn 1 asks probe:fix" in output


def test_a_bad_customers_file_names_the_file_and_field(tmp_path: Path) -> None:
    customers = tmp_path / "customers.yaml"
    customers.write_text("- name: no turns\n  turns: []\n  mood: grumpy\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["guides", "check", str(GUIDES / "post-checkout.yaml"), "-c", str(customers)]
    )
    assert result.exit_code == 2
    output = result.output.replace("\n", "")  # lines wrapped at the terminal width
    assert f"{customers}: 0.turns" in output
    assert f"{customers}: 0.mood: unknown field" in output
