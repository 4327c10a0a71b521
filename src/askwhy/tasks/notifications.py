"""Alert routing and notification delivery: routed when alerts are written, each notification
delivered once its transaction commits, a sweep each minute for retries and anything a lost task
missed, and the daily and weekly digests."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from askwhy.alerts import digests, routing, sending
from askwhy.queue.jobs import Jobs
from askwhy.store.alert_tables import AlertRow
from askwhy.store.database import on_commit
from askwhy.store.notification_tables import Notification

if TYPE_CHECKING:
    from askwhy.bootstrap import Container

log = logging.getLogger(__name__)


def register(jobs: Jobs, container: Container) -> None:
    def routing_ports() -> routing.Routing:
        return routing.Routing(
            sessions=container.sessions, clock=container.clock, settings=container.settings
        )

    def notifying() -> sending.Notifying:
        return sending.Notifying(
            sessions=container.sessions, clock=container.clock, settings=container.settings
        )

    @jobs.task("deliver_notification")
    def deliver_notification(notification_id: str) -> str:
        def again(delay: float) -> None:
            jobs.enqueue_in(delay, "deliver_notification", notification_id)

        return sending.deliver(ports=notifying(), notification_id=notification_id, on_retry=again)

    @jobs.task("route_alerts")
    def route_alerts() -> int:
        jobs.nudge_taken("route_alerts")
        return len(routing.route_alerts(ports=routing_ports()))

    @jobs.periodic("notifications_sweep", minute="*")
    def notifications_sweep() -> int:
        routed = routing.route_alerts(ports=routing_ports())
        tried = sending.deliver_due(ports=notifying())
        if routed or tried:
            log.info("notifications sweep: %d routed, %d delivery attempts", len(routed), tried)
        return tried

    @jobs.periodic("daily_alert_digests", minute="0", hour="7")
    def daily_alert_digests() -> int:
        return len(digests.send_digests(ports=routing_ports(), name="daily"))

    @jobs.periodic("weekly_alert_digests", minute="0", hour="7", day_of_week="1")
    def weekly_alert_digests() -> int:
        return len(digests.send_digests(ports=routing_ports(), name="weekly"))

    watch_notifications(sessions=container.sessions, jobs=jobs)


def watch_notifications(*, sessions: sessionmaker[Session], jobs: Jobs) -> None:
    """After a commit: deliver each new notification, and route alerts written or resolved."""

    def collect(session: Session, _context: Any) -> None:
        for row in session.new:
            if isinstance(row, Notification):
                on_commit(session, _enqueue(jobs, row.id))
        if any(isinstance(row, AlertRow) for row in (*session.new, *session.dirty)):
            on_commit(session, lambda: jobs.nudge("route_alerts"))

    event.listen(sessions, "after_flush", collect)


def _enqueue(jobs: Jobs, notification_id: str) -> Any:
    return lambda: jobs.enqueue("deliver_notification", notification_id)
