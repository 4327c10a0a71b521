"""``GET /c/{token}``: the signed link of an e-mail invitation, opening its conversation in the web chat.

A genuine, unexpired link to an open conversation answers the chat page itself, carrying a
conversation token for that conversation alone (`askwhy.service.conversation_tokens`); the page
keeps the token and shows ``/chat/{guide}`` in the address bar, so no id or token is left in it.
An expired link or an ended conversation gets a friendly 410 page, a tampered link a 400 page, a
conversation that no longer exists (or is not answered in the web chat) a 404 page.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response

from askwhy.cases import customer_replies
from askwhy.outreach import chat_links
from askwhy.service import conversation_tokens
from askwhy.service.dependencies import ContainerDep, TemplatesDep
from askwhy.service.rate_limits import LinkOpenLimit
from askwhy.store.tables import Conversation

router = APIRouter(tags=["web chat"])

EXPIRED, ENDED, BROKEN, GONE = "expired", "ended", "broken", "gone"
PROBLEMS = {
    EXPIRED: (
        status.HTTP_410_GONE,
        "This link has expired",
        "Thank you for wanting to answer. The invitation is no longer open, so there is nothing more to do.",
    ),
    ENDED: (
        status.HTTP_410_GONE,
        "This conversation has ended",
        "Your answers are in. Thank you for your time; there is nothing more to do.",
    ),
    BROKEN: (
        status.HTTP_400_BAD_REQUEST,
        "This link does not work",
        "The link may have been cut short when it was copied. Please open it again from the e-mail.",
    ),
    GONE: (
        status.HTTP_404_NOT_FOUND,
        "This conversation is no longer available",
        "It may have been removed. Thank you for your time.",
    ),
}


@router.get("/c/{token}", response_class=HTMLResponse, response_model=None, dependencies=[LinkOpenLimit])
def open_link(*, token: str, request: Request, container: ContainerDep, templates: TemplatesDep) -> Response:
    settings, now = container.settings, container.clock.now()
    secret_key = settings.secret_key.get_secret_value()
    try:
        conversation_id = chat_links.conversation_of(
            secret_key=secret_key,
            token=token,
            max_age=timedelta(hours=settings.email_link_max_age_hours),
            now=now,
        )
    except chat_links.LinkExpired:
        return _problem(request, templates, EXPIRED)
    except chat_links.LinkInvalid:
        return _problem(request, templates, BROKEN)
    with container.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not conversation_tokens.reachable(conversation):
            return _problem(request, templates, GONE)
        if not conversation_tokens.answerable(conversation) and not customer_replies.awaits_customer(
            session=session, conversation_id=conversation.id
        ):  # an ended interview whose case waits for the customer's answer stays open to them
            return _problem(request, templates, ENDED)
        guide_id = conversation.guide_id
    guide = container.guides.get(guide_id)
    if guide is None:
        return _problem(request, templates, GONE)
    context = {
        "program": guide_id,
        "title": guide.name,
        "brand": guide.brand,
        "conversation_id": conversation_id,
        "token": conversation_tokens.issue(secret_key=secret_key, conversation_id=conversation_id, now=now),
    }
    page = templates.TemplateResponse(request, "chat.html", context)
    page.headers["Cache-Control"] = "no-store"  # it carries a token
    return page


def _problem(request: Request, templates: TemplatesDep, problem: str) -> Response:
    code, heading, explanation = PROBLEMS[problem]
    context = {"heading": heading, "explanation": explanation}
    return templates.TemplateResponse(request, "link_problem.html", context, status_code=code)
