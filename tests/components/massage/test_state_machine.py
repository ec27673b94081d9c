"""Stateful property test: random use, device changes, faults, reloads and time.

A Hypothesis state machine drives a Home Assistant of its own, with an emulated
gun and foot and leg massager over loopback, on an event loop it owns: each rule
runs its async steps to completion on that loop, with Home Assistant's clock
frozen and moved on only by the rules. Against a small model it checks that:

- no cap is exceeded by more than the retry interval once the device answers;
- an automation never starts a gun;
- Home Assistant shows what the device does, or shows it unavailable;
- nothing raises where it should not.

`MASSAGE_HYPOTHESIS_PROFILE=long` runs many more and longer examples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import logging
import os
import tempfile
from typing import Any

from freezegun import freeze_time
from homeassistant import loader
from homeassistant.config_entries import SETUP_RETRY_MAX_WAIT, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import frame
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.massage.const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    DOMAIN,
    SAFETY_RETRY_INTERVAL,
)
from emulator import (
    DeviceServer,
    DeviceState,
    EmulatedDevice,
    foot_leg_profile,
    gun_profile,
)

from .conftest import end_push_cool_downs, entry_for

# About 15 s on two cores, and the same examples on every run, so that the suite
# gives one answer for one commit; "long" explores new examples, for a thorough
# run by hand.
settings.register_profile(
    "default",
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=500,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("MASSAGE_HYPOTHESIS_PROFILE", "default"))

START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
# The frozen clock moves in steps no longer than this, so that heartbeats,
# retries and caps fall due one after another, as they would in real time.
CLOCK_STEP = timedelta(seconds=2)
# A cap lands within one clock step of falling due, plus the half second that
# moving the clock adds.
LANDING = CLOCK_STEP + timedelta(seconds=1)
# Long enough for a push channel to reconnect and a set-up to be retried. A set-up
# that failed through a long outage (a reload while the device refused connections)
# is retried by Home Assistant after up to SETUP_RETRY_MAX_WAIT; on a real network
# the device's next zeroconf announcement has it retried at once.
RESYNC_LIMIT = timedelta(seconds=SETUP_RETRY_MAX_WAIT, minutes=1)
# Loop turns that let loopback traffic between Home Assistant and the devices
# settle, since a frozen clock lets no timer do it.
SETTLE_TURNS = 12
CAP_MINUTES = (1, 2, 5)
# Faults during which a device answers no command.
BLOCKING = frozenset({"refuse_connections", "server_error"})
FAULTS = ("refuse_connections", "server_error", "silent_websocket")

type Action = tuple[str, str, dict[str, Any]]
# What people and automations do with each kind of massager.
_FAN_ACTIONS: list[Action] = [
    ("fan", "turn_on", {}),
    ("fan", "turn_on", {"percentage": 60}),
    ("fan", "set_percentage", {"percentage": 100}),
    ("fan", "turn_off", {}),
    (DOMAIN, "start_session", {"level": 2}),
]
ACTIONS: dict[str, list[Action]] = {
    "gun": _FAN_ACTIONS,
    "foot": [
        *_FAN_ACTIONS,
        (DOMAIN, "start_session", {"heat": 1}),
        ("switch", "turn_on", {}),
        ("switch", "turn_off", {}),
        ("select", "select_option", {"option": "20"}),
    ],
}


@dataclass
class Massager:
    """One emulated device, its entry and what the model knows of it."""

    kind: str
    server: DeviceServer
    entry: MockConfigEntry
    fan: str
    on_since: datetime | None = None
    heat_since: datetime | None = None
    session_cap: timedelta = timedelta(minutes=CAP_MINUTES[0])
    heat_cap: timedelta = timedelta(minutes=CAP_MINUTES[0])
    faults: set[str] = field(default_factory=set)
    answering_since: datetime = START
    """Since when the device answers commands (no blocking fault)."""

    @property
    def device(self) -> EmulatedDevice:
        """The emulated device itself."""
        return self.server.device


class MassageMachine(RuleBasedStateMachine):
    """Home Assistant with two massagers, used and abused at random."""

    def __init__(self) -> None:
        """Start a loop, a frozen clock, Home Assistant and the devices."""
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.loop_errors: list[dict[str, Any]] = []
        self.loop.set_exception_handler(
            lambda _loop, context: self.loop_errors.append(context)
        )
        self.clock = freeze_time(START)
        self.frozen = self.clock.start()
        self.errors = _ErrorRecorder()
        logging.getLogger().addHandler(self.errors)
        self.massagers: dict[str, Massager] = {}
        # Its own configuration folder: setting up writes files there (the voice
        # sentences), which must not land in the test package's shared one.
        self.config_dir = tempfile.TemporaryDirectory(prefix="massage-machine-")
        self._hass_context = async_test_home_assistant(config_dir=self.config_dir.name)
        try:
            self._run(self._async_start())
        except BaseException:
            self._stop()
            raise

    def _run[T](self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    async def _async_start(self) -> None:
        self.hass = hass = await self._hass_context.__aenter__()
        frame.async_setup(hass)
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        self.person = MockUser(is_owner=True).add_to_hass(hass)
        for kind, profile, fan in (
            ("gun", gun_profile(device_id="gun-prop"), "fan.massage_gun"),
            (
                "foot",
                foot_leg_profile(device_id="footleg-prop", heat_cutoff_minutes=None),
                "fan.foot_and_leg_massager",
            ),
        ):
            server = DeviceServer(EmulatedDevice(profile))
            await server.start()
            entry = entry_for(server)
            entry.add_to_hass(hass)
            hass.config_entries.async_update_entry(
                entry,
                options={
                    CONF_SESSION_CAP: CAP_MINUTES[0],
                    CONF_HEAT_CAP: CAP_MINUTES[0],
                },
            )
            massager = Massager(kind, server, entry, fan)
            server.device.add_listener(
                lambda state, massager=massager: self._follow(massager, state)
            )
            self.massagers[kind] = massager
            assert await hass.config_entries.async_setup(entry.entry_id)
        for massager in self.massagers.values():
            await self._async_resync(massager)

    def teardown(self) -> None:
        """Check that Home Assistant catches up; then stop everything."""
        try:
            if self.massagers:
                self._run(self._async_heal())
        finally:
            self._stop()

    async def _async_heal(self) -> None:
        """End every fault: afterwards Home Assistant shows what each device does."""
        if any("silent_websocket" in m.faults for m in self.massagers.values()):
            # As toggle_fault: a peer that fell silent is noticed by its missing
            # heartbeat. A channel that lost pushes never speaks again as if
            # nothing happened (TCP would have broken it), so it must not here.
            await self._async_advance(timedelta(seconds=8))
        for massager in self.massagers.values():
            massager.server.faults.clear()
            massager.faults.clear()
        for massager in self.massagers.values():
            await self._async_resync(massager)

    def _stop(self) -> None:
        """Remove the entries, stop the devices, Home Assistant and the loop."""
        try:
            self._run(self._async_stop())
        finally:
            logging.getLogger().removeHandler(self.errors)
            self.clock.stop()
            self._run(_async_cancel_all())
            self._run(self.loop.shutdown_asyncgens())
            self._run(self.loop.shutdown_default_executor())
            self.loop.close()
            self.config_dir.cleanup()

    async def _async_stop(self) -> None:
        hass = getattr(self, "hass", None)
        if hass is not None:
            for entry in hass.config_entries.async_entries(DOMAIN):
                await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_block_till_done()
        for massager in self.massagers.values():
            await massager.server.stop()
            massager.device.close()
        if hass is not None:
            await hass.async_stop(force=True)
            await self._hass_context.__aexit__(None, None, None)
        # Home Assistant forgets a stopped instance one loop turn later.
        await asyncio.sleep(0)

    # The model

    def _follow(self, massager: Massager, state: DeviceState) -> None:
        """Note when a session and its heat begin and end, on the frozen clock."""
        now = datetime.now(UTC)
        if not state.on:
            massager.on_since = None
        elif massager.on_since is None:
            massager.on_since = now
        if not state.on or state.heat == 0:
            massager.heat_since = None
        elif massager.heat_since is None:
            massager.heat_since = now

    # Moving the world on

    async def _async_settle(self) -> None:
        """Let loopback traffic and the work it causes run to an end."""
        for _ in range(SETTLE_TURNS):
            await asyncio.sleep(0)
            end_push_cool_downs(self.hass)
            await self.hass.async_block_till_done()

    async def _async_advance(self, delta: timedelta) -> None:
        """Move the clock on in steps, letting everything that falls due run."""
        while delta > timedelta(0):
            step = min(delta, CLOCK_STEP)
            self.frozen.tick(step)
            async_fire_time_changed(self.hass)
            await self._async_settle()
            delta -= step

    def _in_step(self, massager: Massager) -> bool:
        """Whether Home Assistant shows what the device does (or unavailable)."""
        state = self.hass.states.get(massager.fan)
        if state is None or state.state == STATE_UNAVAILABLE:
            return True
        return (state.state == "on") == massager.device.state.on

    def _push_up(self, massager: Massager) -> bool:
        """Whether the entry is loaded and follows the device's push channel."""
        return (
            massager.entry.state is ConfigEntryState.LOADED
            and massager.entry.runtime_data.coordinator.push_connected
        )

    async def _async_resync(self, massager: Massager) -> None:
        """Give Home Assistant the time to hear of the device again, by push or poll."""
        waited = timedelta(0)
        while waited < RESYNC_LIMIT:
            state = self.hass.states.get(massager.fan)
            if (
                massager.entry.state is ConfigEntryState.LOADED
                and state is not None
                and state.state != STATE_UNAVAILABLE
                and self._in_step(massager)
            ):
                return
            await self._async_advance(CLOCK_STEP)
            waited += CLOCK_STEP
        pytest.fail(f"{massager.kind}: Home Assistant never caught up")

    # Rules

    def _use(self, kind: str, action: Action, context: Context) -> None:
        """Call an action on a massager's entity, as `context` asks for it."""
        massager = self.massagers[kind]
        domain, service, data = action
        entity_id = {
            "switch": "switch.foot_and_leg_massager_heat",
            "select": "select.foot_and_leg_massager_auto_off_timer_minutes",
        }.get(domain, massager.fan)

        async def call() -> None:
            # Refused, unreachable or busy: a clear, translated error is fine.
            with contextlib.suppress(HomeAssistantError):
                await self.hass.services.async_call(
                    domain,
                    service,
                    {ATTR_ENTITY_ID: entity_id, **data},
                    blocking=True,
                    context=context,
                )
            await self._async_settle()

        self._run(call())

    @rule(data=st.data())
    def person_uses(self, data: st.DataObject) -> None:
        """A person uses a massager: a dashboard, the app or a voice assistant."""
        kind = data.draw(st.sampled_from(["gun", "foot"]))
        action = data.draw(st.sampled_from(ACTIONS[kind]))
        self._use(kind, action, Context(user_id=self.person.id))

    @rule(data=st.data())
    def automation_uses(self, data: st.DataObject) -> None:
        """An automation uses a massager, on its own; it never starts a gun."""
        kind = data.draw(st.sampled_from(["gun", "foot"]))
        action = data.draw(st.sampled_from(ACTIONS[kind]))
        was_on = self.massagers[kind].device.state.on
        self._use(kind, action, Context())
        if kind == "gun":
            assert was_on or not self.massagers[kind].device.state.on, (
                f"an automation started the gun with {action}"
            )

    @rule(kind=st.sampled_from(["gun", "foot"]))
    def press_power(self, kind: str) -> None:
        """Someone presses the power button on the device itself.

        Only while Home Assistant can reach the device, by push or by poll: a
        session it cannot hear of is not its to cap. A silent push channel is
        fine, and makes what Home Assistant last heard out of date.
        """
        massager = self.massagers[kind]
        if (
            "refuse_connections" in massager.faults
            or massager.entry.state is not ConfigEntryState.LOADED
        ):
            return

        async def press() -> None:
            massager.device.press_power()
            await self._async_settle()

        self._run(press())

    @rule(kind=st.sampled_from(["gun", "foot"]))
    def press_power_unheard(self, kind: str) -> None:
        """The push channel falls silent, then someone presses the power button.

        What Home Assistant last heard is out of date until it notices.
        """
        massager = self.massagers[kind]
        if "silent_websocket" not in massager.faults:
            self.toggle_fault(kind, "silent_websocket")
        self.press_power(kind)

    @rule(kind=st.sampled_from(["gun", "foot"]), fault=st.sampled_from(FAULTS))
    def toggle_fault(self, kind: str, fault: str) -> None:
        """The device starts or stops misbehaving."""
        massager = self.massagers[kind]
        faults = massager.server.faults

        async def toggle() -> None:
            if fault not in massager.faults:
                massager.faults.add(fault)
                setattr(faults, fault, 503 if fault == "server_error" else True)
                await self._async_settle()
                return
            if fault == "silent_websocket":
                # A peer that fell silent is noticed by its missing heartbeat.
                await self._async_advance(timedelta(seconds=8))
            massager.faults.discard(fault)
            setattr(faults, fault, None if fault == "server_error" else False)
            if fault in BLOCKING and not BLOCKING & massager.faults:
                massager.answering_since = datetime.now(UTC)
            await self._async_settle()
            if not massager.faults:
                await self._async_resync(massager)

        self._run(toggle())

    @rule(
        kind=st.sampled_from(["gun", "foot"]),
        session=st.sampled_from(CAP_MINUTES),
        heat=st.sampled_from(CAP_MINUTES),
    )
    def reload(self, kind: str, session: int, heat: int) -> None:
        """The caps change, which reloads the entry."""
        massager = self.massagers[kind]

        async def reload() -> None:
            self.hass.config_entries.async_update_entry(
                massager.entry,
                options={CONF_SESSION_CAP: session, CONF_HEAT_CAP: heat},
            )
            await self.hass.config_entries.async_reload(massager.entry.entry_id)
            await self._async_settle()

        # Until the new caps are in force, the longer of old and new may apply.
        massager.session_cap = max(massager.session_cap, timedelta(minutes=session))
        massager.heat_cap = max(massager.heat_cap, timedelta(minutes=heat))
        self._run(reload())
        if massager.entry.state is ConfigEntryState.LOADED:
            massager.session_cap = timedelta(minutes=session)
            massager.heat_cap = timedelta(minutes=heat)

    @rule(seconds=st.sampled_from([1, 5, 20, 45, 70, 130]))
    def wait(self, seconds: int) -> None:
        """Time passes."""
        self._run(self._async_advance(timedelta(seconds=seconds)))

    # Invariants

    @invariant()
    def caps_hold(self) -> None:
        """No cap is overrun by more than the retry interval once the device answers."""
        now = datetime.now(UTC)
        for massager in self.massagers.values():
            if BLOCKING & massager.faults:
                continue
            for since, cap in (
                (massager.on_since, massager.session_cap),
                (massager.heat_since, massager.heat_cap),
            ):
                if since is None:
                    continue
                allowed = max(since + cap, massager.answering_since)
                assert now <= allowed + SAFETY_RETRY_INTERVAL + LANDING, (
                    f"{massager.kind} ran {now - since} under a cap of {cap}"
                )

    @invariant()
    def home_assistant_shows_the_device(self) -> None:
        """While push is up, Home Assistant shows what the device does.

        While it is down, polls catch up within their interval; teardown checks
        that Home Assistant catches up in the end.
        """
        for massager in self.massagers.values():
            if massager.faults or not self._push_up(massager):
                continue
            assert self._in_step(massager), (
                f"{massager.kind}: shown {self.hass.states.get(massager.fan)}, "
                f"device on={massager.device.state.on}"
            )

    @invariant()
    def nothing_raised(self) -> None:
        """No exception escaped into the log or the loop."""
        assert not self.errors.records, self.errors.records[0].getMessage()
        assert not self.loop_errors, self.loop_errors[0]


async def _async_cancel_all() -> None:
    """Cancel the tasks still running on this loop, and wait for them."""
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


class _ErrorRecorder(logging.Handler):
    """Keeps the errors logged with a traceback: exceptions nobody handled."""

    def __init__(self) -> None:
        """Record from ERROR up."""
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a record that carries an exception."""
        if record.exc_info:
            self.records.append(record)


@pytest.mark.usefixtures("socket_enabled")
def test_massagers_under_random_use_faults_and_time() -> None:
    """Random sequences keep every safety property."""
    run_state_machine_as_test(MassageMachine, settings=PROFILE)
