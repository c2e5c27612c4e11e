"""Health for the indicator (OPS-07), metrics, request ids, and the web app's routes."""

from __future__ import annotations

from tests.support.server import RunningServer, settings_for

from c122.bootstrap import build_application


async def test_health_reports_each_component_and_an_overall_status(server: RunningServer) -> None:
    async with server.client() as client:
        health = (await client.get("/api/v1/health")).json()
    assert set(health["components"]) == {"db", "socket", "sip", "media"}
    assert health["components"]["db"]["status"] == "ok"
    assert health["components"]["socket"]["status"] == "ok"
    statuses = {c["status"] for c in health["components"].values()}
    expected = "ok" if statuses == {"ok"} else "degraded"
    assert health["status"] == expected


async def test_health_says_down_when_the_database_does_not_answer() -> None:
    # Port 1 on loopback is closed: the database probe gets "connection refused" at once.
    application = build_application(settings_for("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    health = await application.context.health.check()
    await application.uow_factory.dispose()
    assert health.components["db"].status.value == "down"
    assert (
        "refused" in health.components["db"].detail.lower()
        or "connect" in health.components["db"].detail.lower()
    )
    assert health.status.value == "down"


async def test_metrics_are_exposed_in_prometheus_format(server: RunningServer) -> None:
    async with server.client() as client:
        await client.get("/api/v1/health")
        metrics = await client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'c122_http_requests_total{method="GET",route="/api/v1/health",status="200"}' in metrics.text


async def test_every_answer_carries_a_request_id_and_keeps_a_given_one(server: RunningServer) -> None:
    async with server.client() as client:
        fresh = await client.get("/api/v1/health")
        kept = await client.get("/api/v1/health", headers={"X-Request-ID": "trace-42"})
    assert len(fresh.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "trace-42"


async def test_unknown_api_routes_answer_json_404_and_other_paths_the_web_app(server: RunningServer) -> None:
    async with server.client() as client:
        api = await client.get("/api/v1/nothing-here")
        page = await client.get("/auth")
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    assert page.headers["content-type"].startswith("text/html")
    assert "С-122" in page.text or '<div id="app">' in page.text


async def test_every_answer_carries_the_security_headers_and_names_no_server(server: RunningServer) -> None:
    async with server.client() as client:
        page = await client.get("/")
        api = await client.get("/api/v1/health")
        docs = await client.get("/api/docs")
    port = server.base_url.rsplit(":", 1)[1]
    for response in (page, api, docs):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert "server" not in response.headers
    directives = [d.partition(" ") for d in page.headers["content-security-policy"].split("; ")]
    policy = {name: value for name, _, value in directives}
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == f"'self' ws://127.0.0.1:{port} wss://127.0.0.1:{port}"
    assert policy["media-src"] == "'self' blob:"
    assert api.headers["content-security-policy"] == page.headers["content-security-policy"]
    assert "content-security-policy" not in docs.headers  # Swagger UI comes from its CDN
