"""Figures computed when the server starts, off the request path, so that the first person to open
a program after a start does not wait for what every later view reuses.

A theme page's drivers read the score patterns of every day of the selection, which each server
process then keeps per day (`insights.pattern_days`): on 100,000 responses the first view after a
start took 1.3 s, the next ones a fifth of that. On a thread of its own, each program with real
responses has its overview, its codebook and one theme's page (the drivers figure every theme page
of the selection shares) computed for the default filters, through the functions the pages call,
so what they keep is warm. A failure is logged and ignored: a page computes what was not warmed.
"""

from __future__ import annotations

import logging
import threading

from askwhy.bootstrap import Container
from askwhy.insights.overview import programs_with_responses
from askwhy.insights.theme_pages import codebook_page, theme_page
from askwhy.service.workspace.filters import Filters
from askwhy.service.workspace.overview import overview_context

log = logging.getLogger(__name__)


def warm_figures(container: Container) -> threading.Thread:
    """Start computing every program's default figures on a daemon thread; returns the thread."""
    thread = threading.Thread(target=_warm, args=(container,), name="askwhy-warm-figures", daemon=True)
    thread.start()
    return thread


def _warm(container: Container) -> None:
    try:
        with container.reads() as session:
            programs = programs_with_responses(session=session)
        for program in programs:
            _warm_program(container, program)
    except Exception:
        log.warning(
            "warming the workspace's figures failed; pages compute them when first shown", exc_info=True
        )


def _warm_program(container: Container, program: str) -> None:
    filters = Filters()
    overview_context(container=container, program=program, filters=filters)
    selection = filters.selection(program)
    with container.reads() as session:
        codebook = codebook_page(session=session, selection=selection, period=filters.period)
        if not codebook.rows:
            return
        theme_page(
            session=session,
            theme_id=codebook.rows[0].theme.id,
            selection=selection,
            period=filters.period,
            max_themes=container.settings.driver_max_themes,
            near_duplicate=container.near_duplicate,
        )
