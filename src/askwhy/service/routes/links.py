"""``GET /c/{token}``: the signed link of an e-mail invitation, opening its conversation in the web chat.

A genuine, unexpired link redirects to ``/chat/{guide}?c={conversation}``; an expired one gets a
friendly 410 page, a tampered one a 400 page, a conversation that no longer exists a 404 page.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from askwhy.outreach import chat_links
from askwhy.service.dependencies import ContainerDep, TemplatesDep

router = APIRouter(tags=["web chat"])

PROBLEMS = {
    status.HTTP_410_GONE: (
        "This link has expired",
        "Thank you for wanting to answer. The invitation is no longer open, so there is nothing more to do.",
    ),
    status.HTTP_400_BAD_REQUEST: (
        "This link does not work",
        "The link may have been cut short when it was copied. Please open it again from the e-mail.",
    ),
    status.HTTP_404_NOT_FOUND: (
        "This conversation is no longer available",
        "It may have been removed. Thank you for your time.",
    ),
}


@router.get("/c/{token}", response_class=HTMLResponse, response_model=None)
def open_link(
    *,
    token: str,
    request: Request,
    container: ContainerDep,
    templates: TemplatesDep,
) -> Response:
    settings = container.settings
    try:
        conversation_id = chat_links.conversation_of(
            secret_key=settings.secret_key.get_secret_value(),
            token=token,
            max_age=timedelta(hours=settings.email_link_max_age_hours),
            now=container.clock.now(),
        )
    except chat_links.LinkExpired:
        return _problem(request, templates, status.HTTP_410_GONE)
    except chat_links.LinkInvalid:
        return _problem(request, templates, status.HTTP_400_BAD_REQUEST)
    with container.sessions.begin() as session:
        location = chat_links.chat_location(session=session, conversation_id=conversation_id)
    if location is None:
        return _problem(request, templates, status.HTTP_404_NOT_FOUND)
    return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)


def _problem(request: Request, templates: TemplatesDep, code: int) -> Response:
    heading, explanation = PROBLEMS[code]
    context = {"heading": heading, "explanation": explanation}
    return templates.TemplateResponse(request, "link_problem.html", context, status_code=code)
