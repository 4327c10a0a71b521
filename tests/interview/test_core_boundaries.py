"""The core knows nothing of the edges: domain, interview and analysis import no web, database or
provider code."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ["fastapi", "starlette", "sqlalchemy", "httpx", "alembic", "huey", "twilio", "redis", "psycopg"]

_CHECK = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    names = []
    for package_name in ("askwhy.domain", "askwhy.interview", "askwhy.analysis"):
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, package_name + "."):
            importlib.import_module(module.name)
            names.append(module.name)
    print(json.dumps({"modules": names, "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
    """
)


def test_core_imports_no_edge_library() -> None:
    result = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    assert "askwhy.interview.rules" in report["modules"]
    assert "askwhy.domain.conversation" in report["modules"]
    assert "askwhy.analysis.discovery" in report["modules"]
    assert sorted(set(FORBIDDEN) & set(report["loaded"])) == []
