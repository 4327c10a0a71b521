"""docs/architecture.md stays true: every path it names exists, and the package root stays small."""

from __future__ import annotations

import re
import subprocess

from .conftest import ROOT

PAGE = ROOT / "docs" / "architecture.md"
ROOT_MODULES = {"__init__.py", "__main__.py", "bootstrap.py", "clock.py", "settings.py"}


def test_every_path_named_in_docs_architecture_md_exists() -> None:
    named = set(re.findall(r"`((?:src|tests)/[\w/.]+)`", PAGE.read_text(encoding="utf-8")))
    assert len(named) > 20
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_package_is_in_the_layout_table() -> None:
    page = PAGE.read_text(encoding="utf-8")
    packages = sorted(p.name for p in (ROOT / "src" / "askwhy").iterdir() if (p / "__init__.py").exists())
    absent = [name for name in packages if f"`src/askwhy/{name}/`" not in page]
    assert not absent, f"packages missing from the layout table of docs/architecture.md: {absent}"


def test_only_the_composition_modules_live_at_the_package_root() -> None:
    modules = {p.name for p in (ROOT / "src" / "askwhy").glob("*.py")}
    assert modules <= ROOT_MODULES, f"modules at the root of src/askwhy: {sorted(modules - ROOT_MODULES)}"


def test_whatsapp_is_named_only_by_the_channel_table_and_its_adapter() -> None:
    found = subprocess.run(
        ["grep", "-rln", "Channel.WHATSAPP", str(ROOT / "src" / "askwhy")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    channels = ROOT / "src" / "askwhy" / "channels"
    # Twilio carries WhatsApp too, so its adapter and the sender registry name the channel.
    allowed = (
        ROOT / "src" / "askwhy" / "domain",
        channels / "whatsapp",
        channels / "twilio_sms.py",
        channels / "registry.py",
    )
    outside = sorted(path for path in found if not path.startswith(tuple(str(a) for a in allowed)))
    assert not outside, f"Channel.WHATSAPP named outside domain/ and channels/: {outside}"


def test_the_channel_table_knows_whatsapps_own_reply_window_code() -> None:
    from askwhy.channels.whatsapp.errors import REENGAGEMENT
    from askwhy.domain.channels import facts
    from askwhy.domain.conversation import Channel

    assert str(REENGAGEMENT) in facts(Channel.WHATSAPP).window_closed_codes
