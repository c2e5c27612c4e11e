"""The citizen app's service worker (web/public/app/sw.js) in Chromium: a push message shows its
notification, and opening the notification brings the app to the case it names.

The real push services (FCM, Mozilla autopush) cannot be reached from here, and a headless browser
subscribes to none: the message is handed to the service worker by the DevTools protocol
(`ServiceWorker.deliverPushMessage`), with the very payload the server's push sender encrypts
(`PushMessage.payload`; the encryption itself is tested against a local endpoint in
tests/integration/push). A headless browser shows no notification to tap either: the tap is the
`notificationclick` event the browser would fire, dispatched in the worker with the notification it
shows."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Browser, CDPSession, Page, expect

from c122.domain.push import Audience, Broadcast, broadcast_push, status_push
from tests.e2e.test_citizen_app import open_app
from tests.e2e.test_messages import shot
from tests.integration.citizen.support import registered
from tests.support.polling import until
from tests.support.server import RunningServer

SESSION_KEY = "c122.citizen.device"  # web/src/citizen/session.ts

SHOWN = """async () => {
  const registration = await navigator.serviceWorker.getRegistration('/app/');
  const shown = await registration.getNotifications();
  return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
}"""

# In the worker: the tap on the notification with `tag`, as the browser would fire it.
TAP = """tag => self.registration.getNotifications({tag}).then(found => {
  try {
    self.dispatchEvent(new NotificationEvent('notificationclick', {notification: found[0]}));
  } catch (refused) {}  // waitUntil refuses an untrusted event; the handler's work is already under way
  return found.length;
})"""


class PushedByDevTools:
    """The app's service worker registration as DevTools names it, and pushes delivered to it."""

    def __init__(self, cdp: CDPSession, registration: str, origin: str) -> None:
        self._cdp = cdp
        self._registration = registration
        self._origin = origin

    async def deliver(self, payload: bytes) -> None:
        await self._cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self._origin, "registrationId": self._registration, "data": payload.decode()},
        )


async def devtools_push(page: Page, origin: str) -> PushedByDevTools:
    """The registration whose worker is activated: a registration begun on a page the test left
    before its worker installed may still be listed (then deleted), and a push sent to it is lost."""
    cdp = await page.context.new_cdp_session(page)
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    app_scoped: set[str] = set()
    activated: set[str] = set()

    def settle() -> None:
        ready = app_scoped & activated
        if ready and not found.done():
            found.set_result(min(ready))

    def registrations(params: dict[str, Any]) -> None:
        for registration in params["registrations"]:
            if registration["isDeleted"] or not registration["scopeURL"].endswith("/app/"):
                app_scoped.discard(registration["registrationId"])
            else:
                app_scoped.add(registration["registrationId"])
        settle()

    def versions(params: dict[str, Any]) -> None:
        activated.update(v["registrationId"] for v in params["versions"] if v["status"] == "activated")
        settle()

    cdp.on("ServiceWorker.workerRegistrationUpdated", registrations)
    cdp.on("ServiceWorker.workerVersionUpdated", versions)
    await cdp.send("ServiceWorker.enable")
    return PushedByDevTools(cdp, await asyncio.wait_for(found, 10), origin)


async def test_a_pushed_status_shows_a_notification_that_opens_the_case(
    server: RunningServer, browser: Browser
) -> None:
    device = await registered(server, "+79035550031")
    case_id = (await device.create_case(description="Не горит фонарь")).json()["id"]
    app = await open_app(browser, server)
    await app.context.grant_permissions(["notifications"], origin=server.base_url)
    await app.goto("/app/register")
    session = {"deviceId": device.device_id, "token": device.token, "phone": "+79035550031"}
    await app.evaluate(
        "([key, value]) => localStorage.setItem(key, value)", [SESSION_KEY, json.dumps(session)]
    )
    await app.goto("/app/")
    await app.wait_for_function(
        "navigator.serviceWorker.getRegistration('/app/').then(r => !!(r && r.active))"
    )
    await app.evaluate("navigator.serviceWorker.ready")
    push = await devtools_push(app, server.base_url)

    status = status_push(case_id, "№ 7", "В работе")
    await push.deliver(status.payload())
    shown = await until(lambda: app.evaluate(SHOWN), lambda n: len(n) == 1, timeout=10)
    assert shown[0]["title"] == status.title
    assert shown[0]["body"] == "Новый статус: В работе"
    assert shown[0]["tag"] == f"case-{case_id}"
    assert shown[0]["data"]["url"] == f"/app/cases/{case_id}"

    # Opening it while the app is open: the app shows the case the notification names.
    worker = app.context.service_workers[-1]  # the newest: an abandoned first install may be listed
    assert await worker.evaluate(TAP, f"case-{case_id}") == 1
    await expect(app).to_have_url(re.compile(rf"/app/cases/{case_id}$"), timeout=10_000)
    await expect(app.get_by_text("Не горит фонарь")).to_be_visible()
    await until(lambda: app.evaluate(SHOWN), lambda n: n == [], timeout=10)  # closed once opened
    await shot(app, "citizen-push-opened-case")

    # A broadcast shows under its own tag and opens the news; a payload that is not JSON still shows.
    await push.deliver(broadcast_push_payload())
    await until(lambda: app.evaluate(SHOWN), lambda n: any(x["tag"] == "news-5" for x in n), timeout=10)
    await push.deliver("просто текст".encode())
    shown = await until(
        lambda: app.evaluate(SHOWN), lambda n: any(x["body"] == "просто текст" for x in n), timeout=10
    )
    plain = [n for n in shown if n["body"] == "просто текст"]
    assert plain[0]["title"] == "Линия 122"
    assert await worker.evaluate(TAP, "news-5") == 1
    await expect(app).to_have_url(re.compile(r"/app/news/5$"), timeout=10_000)


def broadcast_push_payload() -> bytes:
    news = Broadcast(5, "Отключение воды", "Завтра с 9 до 18", Audience(), 1, "Старший", datetime.now(UTC))
    return broadcast_push(news).payload()
