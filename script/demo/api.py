"""
Home Assistant's own REST API, as the demo uses it.

Onboarding (`/api/onboarding/...`), logging in (`/auth/login_flow`, `/auth/token`)
and adding devices through the integration's config flow
(`/api/config/config_entries/flow`): the same calls the web interface makes.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import time
from typing import Any

import aiohttp

ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")


class DemoError(Exception):
    """Something the demo cannot get past; the message says what."""


class HomeAssistantApi:
    """A logged-in (or about to log in) client of one Home Assistant."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to the Home Assistant at `base_url`, such as http://127.0.0.1:8123."""
        self._session = session
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.redirect_uri = f"{base_url}/?auth_callback=1"
        self._access_token: str | None = None

    # -- plumbing ----------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        if self._access_token is None:
            return {}
        return {"Authorization": f"Bearer {self._access_token}"}

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        ok: tuple[int, ...] = (HTTPStatus.OK,),
    ) -> Any:
        async with self._session.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            data=data,
            headers=self._headers(),
        ) as response:
            body = await response.text()
            if response.status not in ok:
                raise DemoError(
                    f"{method} {path} answered {response.status}: {body[:300]}"
                )
            if response.content_type == "application/json":
                return await response.json()
            return body

    async def wait_until_up(self, limit: float) -> None:
        """Wait until the HTTP server answers at all."""
        deadline = time.monotonic() + limit
        while True:
            try:
                async with self._session.get(f"{self.base_url}/manifest.json") as resp:
                    if resp.status == HTTPStatus.OK:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise DemoError(
                    f"Home Assistant did not answer at {self.base_url} "
                    f"within {limit:.0f} s"
                )
            await asyncio.sleep(0.5)

    async def wait_until_running(self, limit: float) -> None:
        """Wait until Home Assistant has finished starting."""
        deadline = time.monotonic() + limit
        while (await self._request("GET", "/api/config"))["state"] != "RUNNING":
            if time.monotonic() > deadline:
                raise DemoError(f"Home Assistant did not start within {limit:.0f} s")
            await asyncio.sleep(0.5)

    # -- onboarding and login ------------------------------------------------------

    async def onboarding_done(self) -> set[str]:
        """Return the onboarding steps done; all of them once onboarding is over."""
        async with self._session.get(f"{self.base_url}/api/onboarding") as response:
            # The onboarding views are gone once every step is done.
            if response.status == HTTPStatus.NOT_FOUND:
                return set(ONBOARDING_STEPS)
            if response.status != HTTPStatus.OK:
                raise DemoError(f"GET /api/onboarding answered {response.status}")
            return {step["step"] for step in await response.json() if step["done"]}

    async def onboard(self, name: str, username: str, password: str) -> set[str]:
        """
        Finish onboarding with `username` as its owner; log in either way.

        Returns the steps this call did, empty when onboarding was done before.
        """
        done = await self.onboarding_done()
        if "user" not in done:
            answer = await self._request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            await self._token_from_code(answer["auth_code"])
        else:
            await self.login(username, password)
        if "core_config" not in done:
            await self._request("POST", "/api/onboarding/core_config", json={})
        if "analytics" not in done:
            await self._request("POST", "/api/onboarding/analytics", json={})
        if "integration" not in done:
            await self._request(
                "POST",
                "/api/onboarding/integration",
                json={"client_id": self.client_id, "redirect_uri": self.redirect_uri},
            )
        return set(ONBOARDING_STEPS) - done

    async def login(self, username: str, password: str) -> None:
        """Log in as a person does on the login page, through a login flow."""
        flow = await self._request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
        )
        result = await self._request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
        )
        if result.get("type") != "create_entry":
            raise DemoError(
                f"Could not log in as {username!r}: {result.get('errors') or result}. "
                "Was this configuration onboarded with another user? Remove the "
                "configuration directory to start afresh."
            )
        await self._token_from_code(result["result"])

    async def _token_from_code(self, code: str) -> None:
        self._access_token = None
        tokens = await self._request(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self._access_token = tokens["access_token"]

    async def websocket_command(self, command: dict[str, Any]) -> Any:
        """Send one command over the WebSocket API and return its result."""
        async with self._session.ws_connect(
            f"{self.base_url}/api/websocket"
        ) as websocket:
            await websocket.receive_json()  # auth_required
            await websocket.send_json(
                {"type": "auth", "access_token": self._access_token}
            )
            if (await websocket.receive_json())["type"] != "auth_ok":
                raise DemoError("The WebSocket API refused the demo's token")
            await websocket.send_json({"id": 1, **command})
            while True:
                message = await websocket.receive_json()
                if message.get("id") == 1 and message["type"] == "result":
                    break
        if not message["success"]:
            raise DemoError(f"{command['type']} failed: {message['error']}")
        return message["result"]

    # -- config entries --------------------------------------------------------------

    async def remove_entry(self, entry_id: str) -> None:
        """Delete a config entry."""
        await self._request("DELETE", f"/api/config/config_entries/entry/{entry_id}")

    async def entries(self, domain: str) -> dict[str, dict[str, Any]]:
        """Return the config entries of `domain`, by entry id."""
        entries = await self._request(
            "GET", f"/api/config/config_entries/entry?domain={domain}"
        )
        return {entry["entry_id"]: entry for entry in entries}

    async def start_flow(
        self, handler: str, *, entry_id: str | None = None
    ) -> dict[str, Any]:
        """Start a config flow (an entry's reconfigure flow, with `entry_id`)."""
        start: dict[str, Any] = {"handler": handler, "show_advanced_options": False}
        if entry_id is not None:
            start["entry_id"] = entry_id
        return dict(
            await self._request("POST", "/api/config/config_entries/flow", json=start)
        )

    async def run_flow(
        self, handler: str, *answers: dict[str, Any], entry_id: str | None = None
    ) -> dict[str, Any]:
        """
        Start a config flow and answer its steps in turn, a menu as a form.

        With `entry_id`, the flow is the entry's reconfigure flow. Returns the
        final result (create_entry or abort); a step that shows errors, or a flow
        that wants more answers than given, is an error.
        """
        result = await self.start_flow(handler, entry_id=entry_id)
        flow_id = result.get("flow_id")
        for answer in answers:
            if result["type"] not in ("form", "menu"):
                break
            result = await self._request(
                "POST", f"/api/config/config_entries/flow/{flow_id}", json=answer
            )
            if result.get("errors"):
                await self.abandon_flow(flow_id)
                raise DemoError(
                    f"The {handler} config flow refused {answer}: {result['errors']}"
                )
        if result["type"] in ("form", "menu"):
            await self.abandon_flow(flow_id)
            raise DemoError(
                f"The {handler} config flow wants more at step {result['step_id']}"
            )
        return dict(result)

    async def abandon_flow(self, flow_id: str) -> None:
        """Close a config flow that is not finished."""
        await self._request("DELETE", f"/api/config/config_entries/flow/{flow_id}")

    async def wait_for_entries(self, entry_ids: set[str], limit: float) -> None:
        """Wait until every entry in `entry_ids` is loaded."""
        deadline = time.monotonic() + limit
        while True:
            entries = await self.entries("massage")
            states = {entry_id: entries[entry_id]["state"] for entry_id in entry_ids}
            if all(state == "loaded" for state in states.values()):
                return
            if time.monotonic() > deadline:
                raise DemoError(f"Massage entries did not load: {states}")
            await asyncio.sleep(0.5)

    async def config_item(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return an automation's or a script's configuration; None if it has none."""
        async with self._session.get(
            f"{self.base_url}/api/config/{kind}/config/{key}",
            headers=self._headers(),
        ) as response:
            if response.status == HTTPStatus.NOT_FOUND:
                return None
            if response.status != HTTPStatus.OK:
                raise DemoError(
                    f"GET /api/config/{kind}/config/{key} answered {response.status}"
                )
            return dict(await response.json())

    async def save_config_item(
        self, kind: str, key: str, config: dict[str, Any]
    ) -> None:
        """Write an automation or a script, as its editor's Save does."""
        await self._request("POST", f"/api/config/{kind}/config/{key}", json=config)

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any]
    ) -> None:
        """Perform an action, as `POST /api/services/<domain>/<service>` does."""
        await self._request("POST", f"/api/services/{domain}/{service}", json=data)

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return an entity's state object, as `GET /api/states/<entity_id>` has it."""
        return dict(await self._request("GET", f"/api/states/{entity_id}"))

    async def render_template(self, template: str) -> str:
        """Render a template, such as `{{ device_id('fan.massage_gun') }}`."""
        return str(
            await self._request("POST", "/api/template", json={"template": template})
        )
