"""The terminal channel: the real interviewer, typed at a prompt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console

from askwhy import conversations, interview
from askwhy.bootstrap import Container
from askwhy.clock import Clock, SystemClock
from askwhy.domain.conversation import Channel, Inbound, InterviewState, Outbound
from askwhy.domain.guide import Guide


@dataclass
class TerminalChat:
    """Runs one conversation at the terminal; stores it when given a container."""

    guide: Guide
    language: str | None = None
    container: Container | None = None
    console: Console = field(default_factory=Console)
    read: Callable[[], str] | None = None
    clock: Clock = field(default_factory=SystemClock)

    def run(self) -> str:
        """Hold the conversation until it ends (or end of input); returns the final status."""
        self.console.print(f"[dim]{self.guide.name} — type your replies; Ctrl-D to leave.[/]")
        if self.container is not None:
            return self._run_stored(self.container)
        turn = interview.open_conversation(self.guide, language=self.language, now=self.clock.now())
        state: InterviewState = turn.state
        self._show(turn.messages)
        while state.status.is_open:
            text = self._ask()
            if text is None:
                break
            turn = interview.next_turn(self.guide, state, Inbound(text=text), self.clock.now())
            state = turn.state
            self._show(turn.messages)
        return state.status.value

    def _run_stored(self, container: Container) -> str:
        with container.sessions.begin() as session:
            reply = conversations.start_conversation(
                session=session,
                guide=self.guide,
                program=self.guide.id,
                channel=Channel.TERMINAL,
                language=self.language,
                now=self.clock.now(),
            )
        self._show([Outbound(text=m.text) for m in reply.messages])
        while reply.status in ("invited", "active"):
            text = self._ask()
            if text is None:
                break
            with container.sessions.begin() as session:
                reply = conversations.receive_message(
                    session=session,
                    guides=container.guides,
                    conversation_id=reply.conversation_id,
                    inbound=Inbound(text=text),
                    channel=Channel.TERMINAL,
                    now=self.clock.now(),
                )
            self._show([Outbound(text=m.text) for m in reply.messages])
        self.console.print(f"[dim]stored as conversation {reply.conversation_id} ({reply.status})[/]")
        return reply.status

    def _ask(self) -> str | None:
        try:
            return self.read() if self.read else self.console.input("[bold cyan]you ›[/] ")
        except (EOFError, KeyboardInterrupt):
            self.console.print()
            return None

    def _show(self, messages: list[Outbound] | tuple[Outbound, ...]) -> None:
        for message in messages:
            self.console.print(f"[bold]{self.guide.brand} ›[/] {message.text}", highlight=False)
            if message.choices and len(message.choices) <= 11:
                options = "  ".join(choice.title for choice in message.choices)
                self.console.print(f"[dim]   {options}[/]", highlight=False)
