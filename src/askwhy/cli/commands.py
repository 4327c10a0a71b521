"""Every `askwhy` command, each area's from its own module: the command line's app."""

from __future__ import annotations

import typer

from askwhy.cli import (
    HELP,
    alert_rules,
    alerts,
    analysis,
    cases,
    chat,
    config,
    db,
    funnel,
    guides,
    inbox,
    keys,
    notifications,
    programs,
    retention,
    serve,
    simulate,
    themes,
    users,
    webhooks,
    worker,
)

app = typer.Typer(
    name="askwhy",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.command("chat")(chat.chat)
app.command("simulate")(simulate.simulate)
app.command("worker")(worker.worker)
app.command("import")(analysis.import_feedback)
app.command("analyze")(analysis.analyze)
app.command("funnel")(funnel.funnel)
app.add_typer(themes.app, name="themes")
app.add_typer(keys.app, name="keys")
app.add_typer(programs.app, name="programs")
app.add_typer(retention.app, name="retention")
app.add_typer(inbox.app, name="inbox")
app.add_typer(guides.app, name="guides")
app.add_typer(users.app, name="users")
app.add_typer(cases.app, name="cases")
app.add_typer(alerts.app, name="alerts")
app.add_typer(notifications.app, name="notifications")
app.add_typer(notifications.destinations_app, name="destinations")
app.add_typer(alert_rules.app, name="alert-rules")
app.add_typer(webhooks.app, name="webhooks")
