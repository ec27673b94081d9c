"""
The demo's routine player: the device "Massage routines" and its dashboard section.

The first massager brings the routine player along, once Home Assistant has
started, so the demo only waits for it. A person may have removed it from a
configuration the demo reuses; then the demo adds it again as a person would,
from the config flow's menu (Add integration → Massage → The routine player).
"""

from __future__ import annotations

import asyncio
import time

from .api import DemoError, HomeAssistantApi

DOMAIN = "massage"
TITLE = "Massage routines"
# The menu entry of the config flow's first step that adds it again.
MENU_STEP = "routine_player"
# How long after Home Assistant has started the player may take to show up.
APPEAR_TIMEOUT = 15.0

SELECT = "select.massage_routines_routine"
CURRENT_STEP = "sensor.massage_routines_current_step"
EVENT = "event.massage_routines_routine"


async def _find(api: HomeAssistantApi) -> str | None:
    """Return the routine player's entry id, if it has one."""
    entries = await api.entries(DOMAIN)
    return next(
        (entry_id for entry_id, entry in entries.items() if entry["title"] == TITLE),
        None,
    )


async def _offered(api: HomeAssistantApi) -> bool:
    """Whether the config flow's menu offers the player: a person removed it."""
    flow = await api.start_flow(DOMAIN)
    try:
        return MENU_STEP in flow.get("menu_options", ())
    finally:
        await api.abandon_flow(flow["flow_id"])


async def ensure(api: HomeAssistantApi) -> tuple[str, bool]:
    """
    Return the routine player's entry id, and whether the demo added it now.

    Home Assistant must be running: the player comes with the first massager
    only then.
    """
    deadline = time.monotonic() + APPEAR_TIMEOUT
    while (entry_id := await _find(api)) is None:
        if await _offered(api):
            result = await api.run_flow(DOMAIN, {"next_step_id": MENU_STEP})
            if result["type"] != "create_entry":
                raise DemoError(f"Could not add the routine player: {result}")
            return str(result["result"]["entry_id"]), True
        if time.monotonic() > deadline:
            raise DemoError(
                f"The routine player did not show up within {APPEAR_TIMEOUT:.0f} s"
            )
        await asyncio.sleep(0.5)
    return entry_id, False
