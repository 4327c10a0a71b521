"""The API docs work offline: Swagger UI's files are served from the package, never a CDN."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_references_no_external_host_and_its_assets_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert not re.search(r"https?://", page.text), "nothing is loaded from another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/docs/swagger-ui-bundle.js" in assets
    assert "/static/docs/swagger-ui.css" in assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 0
    bundle = client.get("/static/docs/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"]
    assert "SwaggerUIBundle" in bundle.text
    assert client.get("/openapi.json").json()["info"]["title"] == "askwhy"


def test_the_docs_page_starts_swagger_ui_from_a_static_script(client: TestClient) -> None:
    page = client.get("/docs").text
    assert all(" src=" in tag for tag in re.findall(r"<script\b[^>]*>", page)), "no inline script"
    assert 'data-openapi-url="/openapi.json"' in page
    starter = client.get("/static/api_docs.js").text
    assert "SwaggerUIBundle(" in starter
    assert "validatorUrl: null" in starter, "the spec is not sent to an outside validator"
