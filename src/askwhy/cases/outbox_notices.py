"""The `CaseNotifier` of the running product: everything it tells goes through the notification
outbox, in the transaction that changes the case.

Subscribed systems get ``case.opened``, ``case.updated`` and ``case.resolved``
(`askwhy.cases.webhook_events`); the case's people hear through their team's destinations
(`askwhy.cases.team_notices`), with a link to the case under ``base_url``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from askwhy.cases import team_notices, webhook_events
from askwhy.domain.cases import CaseEventKind
from askwhy.store.case_tables import Case

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxNotifier:
    base_url: str
    """The workspace's public address (``ASKWHY_PUBLIC_BASE_URL``), for the link to the case."""

    def case_event(
        self,
        *,
        session: Session,
        event: str,
        case: Case,
        happened: CaseEventKind,
        recipients: tuple[str, ...],
    ) -> None:
        webhook_events.record(session=session, event=event, case=case)
        told = team_notices.notify_team(
            session=session, case=case, happened=happened, recipients=recipients,
            data=webhook_events.payload(case), base_url=self.base_url,
        )  # fmt: skip
        log.info(
            "%s (%s): case=%s program=%s people=%d notifications=%d",
            event, happened.value, case.id, case.program, len(recipients), len(told),
        )  # fmt: skip
