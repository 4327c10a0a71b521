"""Request dependencies as `Annotated` aliases, so route signatures read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from askwhy.bootstrap import Container
from askwhy.clock import Clock
from askwhy.guides import GuideLibrary


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _transaction(container: Annotated[Container, Depends(_container)]) -> Iterator[Session]:
    with container.sessions() as session, session.begin():
        yield session


def _sessions(container: Annotated[Container, Depends(_container)]) -> sessionmaker[Session]:
    return container.sessions


def _guides(container: Annotated[Container, Depends(_container)]) -> GuideLibrary:
    return container.guides


def _clock(container: Annotated[Container, Depends(_container)]) -> Clock:
    return container.clock


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


ContainerDep = Annotated[Container, Depends(_container)]
SessionsDep = Annotated[sessionmaker[Session], Depends(_sessions)]
"""Open the unit of work inside the route body: ``with sessions.begin() as session: ...``.

The transaction then begins and commits within one threadpool call, so no lock is ever held
while the request waits for another thread (response serialization also runs in the threadpool,
and threads blocked on a lock could otherwise starve the one holding it).
"""
TransactionDep = Annotated[Session, Depends(_transaction, scope="function")]
"""A session in one transaction, committed before the response is sent and rolled back on error."""
GuidesDep = Annotated[GuideLibrary, Depends(_guides)]
ClockDep = Annotated[Clock, Depends(_clock)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
