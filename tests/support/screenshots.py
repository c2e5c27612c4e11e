"""Screenshots of the screens a browser test drives, for a look by eye: kept in the folder named by
$C122_SCREENSHOTS when it is set (made if missing), not taken otherwise, so a test run never writes into
the checkout."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Locator, Page


async def keep_screenshot(target: Page | Locator, name: str) -> None:
    """`name` without a suffix gets ".png"; a page is taken whole, a locator as it shows."""
    folder = os.environ.get("C122_SCREENSHOTS")
    if not folder:
        return
    path = Path(folder) / (name if name.endswith(".png") else f"{name}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(target, Page):
        await target.screenshot(path=str(path), full_page=True)
    else:
        await target.screenshot(path=str(path))
