"""Request dependencies as `Annotated` aliases, so route signatures read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from askwhy.bootstrap import Container
from askwhy.clock import Clock
from askwhy.guides import GuideLibrary


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _transaction(container: Annotated[Container, Depends(_container)]) -> Iterator[Session]:
    with container.sessions() as session, session.begin():
        yield session


def _guides(container: Annotated[Container, Depends(_container)]) -> GuideLibrary:
    return container.guides


def _clock(container: Annotated[Container, Depends(_container)]) -> Clock:
    return container.clock


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


ContainerDep = Annotated[Container, Depends(_container)]
TransactionDep = Annotated[Session, Depends(_transaction, scope="function")]
"""A session in one transaction, committed before the response is sent and rolled back on error."""
GuidesDep = Annotated[GuideLibrary, Depends(_guides)]
ClockDep = Annotated[Clock, Depends(_clock)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
