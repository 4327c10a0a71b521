"""Single sign-on with OpenID Connect, as a browser does it, against a fake provider on 127.0.0.1:
the code flow with PKCE, state and nonce gives the same workspace session a password does, and
every answer that cannot be trusted (wrong state, a replayed code, a bad signature, another
audience, an expired token, another nonce) or a person askwhy does not let in (a domain not
allowed, a disabled account) gets the sign-in page with the reason and no session."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from askwhy.bootstrap import Container, bootstrap
from askwhy.cli import app as cli
from askwhy.clock import FakeClock
from askwhy.domain.people import Role
from askwhy.people import accounts, browser_sessions
from askwhy.service.access_log import masked
from askwhy.service.app import create_app
from askwhy.service.workspace import oidc_flow_cookie
from askwhy.settings import Settings
from askwhy.store.people_tables import AuditEntry, Person, PersonIdentity
from tests.conftest import GUIDES
from tests.fakes.oidc_issuer import FakeIssuer, PersonAtProvider, rsa_key

EMAIL = "ana@example.com"
NAME = "Acme SSO"


@pytest.fixture(autouse=True)
def _only_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a host other than this machine fails the test."""
    connect = socket.socket.connect

    def local_only(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in {"127.0.0.1", "::1", "localhost"}:
            raise AssertionError(f"the test tried to reach {address[0]}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)


@pytest.fixture
def issuer(clock: FakeClock) -> Iterator[FakeIssuer]:
    with FakeIssuer(now=clock.now) as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, tmp_path: Path, issuer: FakeIssuer) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path, guides_dir=GUIDES, seed_demo=False, queue_inline=True,
        public_base_url="http://testserver", oidc_issuer=issuer.issuer, oidc_client_id=issuer.client_id,
        oidc_client_secret=issuer.client_secret, oidc_display_name=NAME,
    )  # fmt: skip


@pytest.fixture
def browser(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), follow_redirects=False) as client:
        yield client


@pytest.fixture
def ana(container: Container) -> str:
    with container.sessions.begin() as session:
        return accounts.create_person(
            session=session, email=EMAIL, name="Ana", role=Role.ANALYST, now=container.clock.now()
        ).id


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _leave_for_provider(browser: TestClient) -> str:
    """Press "Sign in with …" on the sign-in page; the provider's URL the browser is sent to."""
    page = browser.get("/sign-in")
    assert f'<a href="/sign-in/oidc">Sign in with {NAME}</a>' in page.text
    started = browser.get("/sign-in/oidc")
    assert started.status_code == 303
    return started.headers["location"]


def _at_provider(location: str) -> str:
    """The provider signs the person in and sends the browser back: the callback URL."""
    answer = httpx.get(location, follow_redirects=False)
    assert answer.status_code == 302
    return answer.headers["location"]


def _sign_in(browser: TestClient) -> httpx.Response:
    return browser.get(_at_provider(_leave_for_provider(browser)))


def _audit(container: Container) -> list[tuple[str, dict[str, Any]]]:
    with container.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, dict(entry.detail)) for entry in entries]


def _assert_refused(browser: TestClient, response: httpx.Response, status: int, says: str) -> None:
    assert response.status_code == status
    assert 'role="alert"' in response.text
    assert says in response.text
    assert browser_sessions.COOKIE not in response.cookies
    assert browser.get("/").status_code == 303, "no session was started"


def _refusal_reasons(container: Container) -> list[str]:
    return [detail["reason"] for action, detail in _audit(container) if action == "sign_in.refused"]


def test_signing_in_with_the_provider_gives_the_same_workspace_session(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    location = _leave_for_provider(browser)
    sent = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{issuer.issuer}/authorize?")
    assert sent["response_type"] == ["code"]
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["redirect_uri"] == ["http://testserver/sign-in/oidc/callback"]
    assert sent["scope"] == ["openid email profile"]
    assert len(sent["state"][0]) >= 32
    assert len(sent["nonce"][0]) >= 32
    back = browser.get(_at_provider(location))
    assert back.status_code == 303
    assert back.headers["location"] == "/"
    cookie = next(c for c in browser.cookies.jar if c.name == browser_sessions.COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Ana" in page.text
    assert issuer.token_answers == [200], "the code, the client's secret and the PKCE verifier were accepted"
    assert ("sign_in", {"how": "oidc", "issuer": issuer.issuer}) in _audit(container)
    assert oidc_flow_cookie.COOKIE not in {c.name for c in browser.cookies.jar}, "the flow is used once"


def test_the_session_ends_like_a_password_session(browser: TestClient, ana: str) -> None:
    assert _sign_in(browser).status_code == 303
    csrf = _csrf(browser.get("/").text)
    assert browser.post("/sign-out", data={"csrf": csrf}).status_code == 303
    assert browser.get("/").status_code == 303


def test_a_callback_with_another_state_is_refused(
    browser: TestClient, ana: str, issuer: FakeIssuer, container: Container
) -> None:
    back = urlsplit(_at_provider(_leave_for_provider(browser)))
    query = {key: values[0] for key, values in parse_qs(back.query).items()}
    forged = f"{back.path}?{urlencode({**query, 'state': 'not-the-state-this-browser-was-given'})}"
    _assert_refused(browser, browser.get(forged), 400, "did not start in this browser")
    assert issuer.token_answers == [], "the code was not even exchanged"


def test_a_callback_without_the_browsers_flow_cookie_is_refused(browser: TestClient, ana: str) -> None:
    back = _at_provider(_leave_for_provider(browser))
    browser.cookies.delete(oidc_flow_cookie.COOKIE, path=oidc_flow_cookie.PATH)
    _assert_refused(browser, browser.get(back), 400, "Start again from http://testserver/sign-in")


def test_a_flow_left_half_way_expires(browser: TestClient, ana: str, clock: FakeClock) -> None:
    back = _at_provider(_leave_for_provider(browser))
    clock.advance(minutes=11)
    _assert_refused(browser, browser.get(back), 400, "took longer than ten minutes")


def test_a_replayed_code_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    first = _at_provider(_leave_for_provider(browser))
    assert browser.get(first).status_code == 303
    # The same answer again in the same browser: its flow was used.
    browser.cookies.clear()
    _assert_refused(browser, browser.get(first), 400, "did not start in this browser")
    # The old code with a new flow's state: the provider refuses a code used once.
    again = urlsplit(_at_provider(_leave_for_provider(browser)))
    state = parse_qs(again.query)["state"][0]
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    replayed = browser.get(f"{again.path}?{urlencode({'code': old_code, 'state': state})}")
    _assert_refused(browser, replayed, 401, "refused the sign-in code (invalid_grant)")
    assert issuer.token_answers == [200, 400]
    assert _refusal_reasons(container) == ["code_refused"]


def test_an_id_token_signed_with_another_key_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    issuer.signing_key = rsa_key("someone else")  # the same key id, another key
    _assert_refused(browser, _sign_in(browser), 401, "signature does not check out")
    assert _refusal_reasons(container) == ["bad_signature"]


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_an_id_token_with_another_algorithm_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer, alg: str
) -> None:
    issuer.forged_alg = alg
    _assert_refused(browser, _sign_in(browser), 401, "signature does not check out")
    assert _refusal_reasons(container) == ["bad_signature"]


def test_a_key_the_provider_rotates_to_is_read_again(
    browser: TestClient, ana: str, issuer: FakeIssuer, container: Container
) -> None:
    assert _sign_in(browser).status_code == 303  # the provider's keys are read and kept
    issuer.rotate(rsa_key("next year's key", kid="fake-issuer-key-2"))
    browser.cookies.clear()
    assert _sign_in(browser).status_code == 303
    assert browser.get("/").status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-application"}, "bad_aud"),
        ({"iss": "http://127.0.0.1:9/another-issuer"}, "bad_iss"),
        ({"nonce": "the-nonce-of-another-sign-in"}, "bad_nonce"),
    ],
)
def test_an_id_token_for_another_audience_issuer_or_sign_in_is_refused(
    browser: TestClient,
    ana: str,
    container: Container,
    issuer: FakeIssuer,
    claims: dict[str, str],
    reason: str,
) -> None:
    issuer.claims = claims
    _assert_refused(browser, _sign_in(browser), 401, "could not be trusted")
    assert _refusal_reasons(container) == [reason]


def test_an_expired_id_token_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer, clock: FakeClock
) -> None:
    issued = int(clock.now().timestamp()) - 900
    issuer.claims = {"iat": issued, "exp": issued + 300}
    _assert_refused(browser, _sign_in(browser), 401, "could not be trusted")
    assert _refusal_reasons(container) == ["expired_token"]


def test_an_id_token_without_a_nonce_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    issuer.claims = {"nonce": None}
    _assert_refused(browser, _sign_in(browser), 401, "could not be trusted")
    assert _refusal_reasons(container) == ["missing_nonce"]


def test_a_disabled_account_is_refused(browser: TestClient, ana: str, container: Container) -> None:
    with container.sessions.begin() as session:
        accounts.disable(session=session, email=EMAIL, now=container.clock.now())
    _assert_refused(browser, _sign_in(browser), 403, f"The askwhy account for {EMAIL} is disabled")
    assert _refusal_reasons(container) == ["disabled"]


def test_an_unverified_email_is_refused(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    issuer.person.email_verified = False
    _assert_refused(browser, _sign_in(browser), 403, f"has not verified {EMAIL}")
    assert _refusal_reasons(container) == ["unverified_email"]


def _linked(container: Container) -> list[tuple[str, str, str]]:
    with container.sessions() as session:
        rows = session.scalars(select(PersonIdentity).order_by(PersonIdentity.linked_at))
        return [(row.issuer, row.subject, row.person_id) for row in rows]


def test_the_first_sign_in_links_the_account_to_the_providers_subject(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer
) -> None:
    assert _sign_in(browser).status_code == 303
    assert _linked(container) == [(issuer.issuer, "provider-user-1", ana)]
    browser.cookies.clear()
    issuer.person.email = "ana.new-name@example.com"  # the address changed at the provider
    assert _sign_in(browser).status_code == 303, "the subject still finds the account"
    assert browser.get("/").status_code == 200


def test_an_address_given_to_someone_else_at_the_provider_does_not_open_the_account(
    browser: TestClient, ana: str, container: Container, issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _sign_in(browser).status_code == 303
    browser.cookies.clear()
    issuer.person = PersonAtProvider(sub="provider-user-2", email=EMAIL, name="The next Ana")
    _assert_refused(browser, _sign_in(browser), 403, "belongs to another person at the identity provider")
    assert _refusal_reasons(container) == ["other_identity"]
    # An admin releases the account from the terminal; the next sign-in links it to the new person.
    settings = container.settings
    monkeypatch.setenv("ASKWHY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ASKWHY_DATA_DIR", str(settings.data_dir))
    done = CliRunner().invoke(cli, ["users", "unlink-sso", EMAIL])
    assert done.exit_code == 0, done.output
    assert "unlinked 1 single sign-on identity" in done.output
    assert _sign_in(browser).status_code == 303
    assert _linked(container) == [(issuer.issuer, "provider-user-2", ana)]
    assert "account.identities_unlinked" in [action for action, _ in _audit(container)]


def test_a_person_without_an_account_is_refused_unless_accounts_are_created(
    browser: TestClient, container: Container
) -> None:
    _assert_refused(browser, _sign_in(browser), 403, f"There is no askwhy account for {EMAIL}")
    assert _refusal_reasons(container) == ["no_account"]


@pytest.fixture
def creating(settings: Settings, clock: FakeClock) -> Iterator[tuple[Container, TestClient]]:
    """A server whose first sign-ins create viewer accounts for example.com addresses."""
    creating_settings = Settings(
        **{**settings.model_dump(), "oidc_create_accounts": True, "oidc_allowed_domains": ["example.com"]}
    )
    built = bootstrap(creating_settings, clock=clock)
    with TestClient(create_app(built), follow_redirects=False) as client:
        yield built, client
    built.close()


def test_a_first_sign_in_creates_a_viewer_account_in_an_allowed_domain(
    creating: tuple[Container, TestClient],
) -> None:
    container, browser = creating
    assert _sign_in(browser).status_code == 303
    assert browser.get("/").status_code == 200
    with container.sessions() as session:
        person = session.scalars(select(Person).where(Person.email == EMAIL)).one()
        assert (person.role, person.name, person.password_hash) == ("viewer", "Ana from the directory", None)
    assert [action for action, _ in _audit(container)] == ["account.created", "sign_in"]


def test_an_address_outside_the_allowed_domains_is_refused(
    creating: tuple[Container, TestClient], issuer: FakeIssuer
) -> None:
    container, browser = creating
    issuer.person.email = "eve@elsewhere.org"
    _assert_refused(browser, _sign_in(browser), 403, "Addresses at elsewhere.org may not sign in")
    assert _refusal_reasons(container) == ["domain_not_allowed"]
    with container.sessions() as session:
        assert session.scalars(select(Person)).all() == []


def test_the_provider_saying_no_is_shown(browser: TestClient, ana: str) -> None:
    location = _leave_for_provider(browser).replace("scope=openid", "scope=profile")
    _assert_refused(
        browser, browser.get(_at_provider(location)), 401, "did not sign you in (invalid_request)"
    )


def test_a_provider_that_does_not_answer_gets_a_clear_page(browser: TestClient, issuer: FakeIssuer) -> None:
    issuer.stop()
    answer = browser.get("/sign-in/oidc")
    _assert_refused(browser, answer, 502, f"Signing in with {NAME} is not possible right now")


def test_the_server_answers_others_while_it_waits_for_the_provider(
    browser: TestClient, ana: str, issuer: FakeIssuer
) -> None:
    back = _at_provider(_leave_for_provider(browser))
    issuer.hold = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        signing_in = pool.submit(browser.get, back)
        assert issuer.token_requested.wait(timeout=60), "the code is being exchanged"
        assert browser.get("/healthz").status_code == 200
        assert not issuer.held_too_long, "the server answered only once the provider had"
        issuer.hold.set()
        assert signing_in.result(timeout=60).status_code == 303


def test_without_a_provider_the_page_has_no_button_and_the_routes_answer_404(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    plain_settings = Settings(
        database_url=database_url, data_dir=tmp_path, guides_dir=GUIDES, seed_demo=False, queue_inline=True
    )
    plain = bootstrap(plain_settings, clock=clock)
    with TestClient(create_app(plain), follow_redirects=False) as client:
        page = client.get("/sign-in")
        assert "Sign in with" not in page.text
        assert client.get("/sign-in/oidc").status_code == 404
        assert client.get("/sign-in/oidc/callback?code=x&state=y").status_code == 404
    plain.close()


def test_the_access_log_masks_the_code_and_state() -> None:
    assert masked("/sign-in/oidc/callback?code=abc&state=xyz") == "/sign-in/oidc/callback?code=…&state=…"
