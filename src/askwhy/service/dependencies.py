"""Request dependencies as `Annotated` aliases, so route signatures read like prose.

They do no I/O, so they are plain coroutines: no threadpool hop per dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from askwhy.bootstrap import Container
from askwhy.clock import Clock
from askwhy.programs.guides import GuideLibrary


async def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _sessions(container: Annotated[Container, Depends(_container)]) -> sessionmaker[Session]:
    return container.sessions


async def _guides(container: Annotated[Container, Depends(_container)]) -> GuideLibrary:
    return container.guides


async def _clock(container: Annotated[Container, Depends(_container)]) -> Clock:
    return container.clock


async def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


ContainerDep = Annotated[Container, Depends(_container)]
SessionsDep = Annotated[sessionmaker[Session], Depends(_sessions)]
"""Open the unit of work inside the route body: ``with sessions.begin() as session: ...``.

The transaction then begins and commits within one threadpool call, so no lock is ever held
while the request waits for another thread (response serialization also runs in the threadpool,
and threads blocked on a lock could otherwise starve the one holding it).
"""
GuidesDep = Annotated[GuideLibrary, Depends(_guides)]
ClockDep = Annotated[Clock, Depends(_clock)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
