"""A conversations worker and the server start without the analysis libraries.

SciPy, scikit-learn (with pandas) and the embedding models' libraries took about 1.3 s of a
worker's 2.7 s of CPU before its first task, and a restarted worker must take turns and deliveries
within seconds. They are imported where the analysis queue uses them; this keeps it so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import GUIDES

ANALYSIS_ONLY = (
    "scipy",
    "sklearn",
    "pandas",
    "statsmodels",
    "torch",
    "transformers",
    "sentence_transformers",
    "faster_whisper",
    "ctranslate2",
)

START_UP = """
import json, sys

import askwhy.cli  # what the `askwhy` command imports before it runs any command
from askwhy.cli.context import opened
from askwhy.cli.serve import _prepare
from askwhy.cli.worker import niceness_for
from askwhy.queue.jobs import Queue


def loaded():
    return sorted({name.partition(".")[0] for name in sys.modules} & set(sys.argv[1:]))


found = {}
with opened(migrate_sqlite=False) as container:
    container.jobs.consumer(workers=1, queue=Queue.CONVERSATIONS)
    found["conversations worker"] = loaded()
    from askwhy.service.app import create_app

    _prepare(container)
    create_app(container)
    found["server"] = loaded()
print(json.dumps(found))
"""


def test_a_conversations_worker_and_the_server_start_without_the_analysis_libraries(
    database_url: str, tmp_path: Path
) -> None:
    environment = {
        **os.environ,
        "ASKWHY_DATABASE_URL": database_url,
        "ASKWHY_DATA_DIR": str(tmp_path),
        "ASKWHY_GUIDES_DIR": str(GUIDES),
        "ASKWHY_SEED_DEMO": "false",
    }
    started = subprocess.run(
        [sys.executable, "-c", START_UP, *ANALYSIS_ONLY],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    found = json.loads(started.stdout.splitlines()[-1])
    assert found == {"conversations worker": [], "server": []}, (
        "imported at start-up, though only analysis uses them (run `python -X importtime` to see "
        f"which module imports them, and import them where they are used): {found}"
    )
