"""The driver whose backend is a set of entities Home Assistant already has."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util

from ...api import (
    Capabilities,
    DeviceInfo as MassageDeviceInfo,
    DeviceKind,
    DeviceState,
)
from ...compat import vol
from ...const import DOMAIN, LOGGER
from ..base import (
    CommandRejectedError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    MassageDriver,
    StateUpdate,
)
from .config import (
    CONF_KIND,
    CONF_ROLES,
    CONF_SOURCE_DEVICE,
    CONF_STEP_DELAY,
    DEFAULT_TIMER,
    DEFAULT_TIMER_OPTIONS,
    ENTITIES_SCHEMA,
    ROLE_BATTERY,
    ROLE_HEAT,
    ROLE_LEVEL,
    ROLE_MODE,
    ROLE_POWER,
    ROLE_START,
    ROLE_TIMER,
    ROLES,
    own_timer_options,
)
from .errors import EntityUnavailableError
from .means import (
    Battery,
    HeatMeans,
    LevelMeans,
    ModeMeans,
    PowerMeans,
    Runner,
    StartMeans,
    TimerMeans,
    TogglePower,
    heat_from_config,
    level_from_config,
    mode_from_config,
    power_from_config,
    start_from_config,
    timer_from_config,
    usable,
)

# A device's own countdown moves in whole minutes: a new estimate of the session
# end this close to the one shown is the same end, not a change.
_SESSION_END_TOLERANCE = timedelta(minutes=1)
# How soon our own auto-off tries again when the device could not take it.
_STOP_RETRY = timedelta(seconds=10)


# The repair issues of a lost entity; their data names the entry to reconfigure.
MISSING_ENTITY_ISSUE: Final = "missing_entity_"
ISSUE_ENTRY_ID: Final = "entry_id"


def issue_id(entry_id: str, role: str) -> str:
    """Return the id of the repair issue for an entry whose role lost its entity."""
    return f"{MISSING_ENTITY_ISSUE}{entry_id}_{role}"


def async_remove_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the repair issues of an entry that is removed."""
    for role in ROLES:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id, role))


def _optional[T](make: Callable[[Mapping[str, Any]], T], config: Any) -> T | None:
    return None if config is None else make(config)


@dataclass(frozen=True, slots=True)
class _Roles:
    """The means of each role a mapping fills; only power is required."""

    power: PowerMeans
    start: StartMeans | None
    level: LevelMeans | None
    mode: ModeMeans | None
    heat: HeatMeans | None
    timer: TimerMeans | None
    battery: Battery | None

    @classmethod
    def from_config(cls, roles: Mapping[str, Any]) -> _Roles:
        """Read validated roles."""
        return cls(
            power=power_from_config(roles[ROLE_POWER]),
            start=_optional(start_from_config, roles.get(ROLE_START)),
            level=_optional(level_from_config, roles.get(ROLE_LEVEL)),
            mode=_optional(mode_from_config, roles.get(ROLE_MODE)),
            heat=_optional(heat_from_config, roles.get(ROLE_HEAT)),
            timer=_optional(timer_from_config, roles.get(ROLE_TIMER)),
            battery=_optional(Battery.from_config, roles.get(ROLE_BATTERY)),
        )

    def entity_ids(self) -> dict[str, tuple[str, ...]]:
        """Return the entities of each filled role."""
        return {
            role: means.entity_ids
            for role, means in (
                (ROLE_POWER, self.power),
                (ROLE_START, self.start),
                (ROLE_LEVEL, self.level),
                (ROLE_MODE, self.mode),
                (ROLE_HEAT, self.heat),
                (ROLE_TIMER, self.timer),
                (ROLE_BATTERY, self.battery),
            )
            if means is not None
        }

    @property
    def power_assumed(self) -> bool:
        """Whether on and off are only what we last commanded."""
        if self.power.sensor is not None:
            return False
        if not isinstance(self.power, TogglePower):
            return True
        return self.start is not None and not self.start.holds


class EntitiesDriver(MassageDriver):
    """Drives a massager through entities of other integrations.

    It follows them with state-change events (push, no polling) and commands them
    through their services, with the Local API's rules. Where a role has no
    feedback (a remote, a button pusher, a cycling button) it keeps an assumed
    state; `assumed_roles` says which.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        data: Mapping[str, Any],
        *,
        device_id: str,
        name: str,
        entry_id: str | None = None,
    ) -> None:
        """Take an entry's data; nothing is read until `async_connect`.

        With an `entry_id`, a lost entity is reported as a repair issue.
        """
        self._hass = hass
        self._data = data
        self._device_id = device_id
        self._name = name
        self._entry_id = entry_id
        self._info: MassageDeviceInfo | None = None
        self._roles: _Roles | None = None
        self._via_device_id: str | None = None
        self._lock = asyncio.Lock()
        self._step_delay = 0.0
        self._timer_options: tuple[int, ...] = DEFAULT_TIMER_OPTIONS
        # What we know, or assume for the roles that cannot say it.
        self._on: bool | None = None
        self._assumed_on = False
        self._level = 1
        self._mode: str | None = None
        self._heat = 0
        self._timer = DEFAULT_TIMER
        self._session_end: datetime | None = None
        self._power_commanded: datetime | None = None
        self._missing: frozenset[str] = frozenset()
        # Listening, and what runs on the scheduler.
        self._on_state: Callable[[DeviceState], None] | None = None
        self._listening: asyncio.Future[None] | None = None
        self._delivered = False
        self._applying = False
        self._cancel_stop: CALLBACK_TYPE | None = None
        self._cancel_recheck: CALLBACK_TYPE | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # Identity -------------------------------------------------------------------

    @property
    @override
    def info(self) -> MassageDeviceInfo:
        """Identity and capabilities, known once connected."""
        if self._info is None:
            msg = "async_connect has not succeeded yet"
            raise DriverError(msg)
        return self._info

    @property
    @override
    def configuration_url(self) -> None:
        """Entities have no page of their own."""
        return None

    @property
    @override
    def via_device_id(self) -> str | None:
        """The registry id of the device the entities come from, to link to."""
        return self._via_device_id

    @property
    def assumed_roles(self) -> frozenset[str]:
        """The roles whose state is only what we last commanded, not read."""
        roles = self._roles
        if roles is None:
            return frozenset()
        assumed = {
            role
            for role, means in ((ROLE_LEVEL, roles.level), (ROLE_MODE, roles.mode))
            if means is not None and means.assumed
        }
        if roles.power_assumed:
            assumed.add(ROLE_POWER)
        return frozenset(assumed)

    @property
    @override
    def assumed_state(self) -> bool:
        """Whether any part of the state is assumed rather than read."""
        return bool(self.assumed_roles)

    @property
    def _connected(self) -> _Roles:
        if self._roles is None:
            msg = "async_connect has not succeeded yet"
            raise DeviceUnavailableError(msg)
        return self._roles

    # Connecting -----------------------------------------------------------------

    @override
    async def async_connect(self) -> MassageDeviceInfo:
        """Check the mapping, find its entities and learn what they offer."""
        try:
            config = ENTITIES_SCHEMA(dict(self._data))
        except vol.Invalid as err:
            msg = f"invalid entity mapping: {err}"
            raise DeviceIncompatibleError(msg) from err
        roles = _Roles.from_config(config[CONF_ROLES])
        self._roles = roles
        self._step_delay = config[CONF_STEP_DELAY]
        self._sync_issues(initial=True)
        for means in (roles.level, roles.mode, roles.heat, roles.timer):
            if means is not None:
                means.learn(self._hass)
        if roles.timer is not None:
            self._timer_options = roles.timer.options
        else:
            self._timer_options = own_timer_options(config)
        self._timer = (
            DEFAULT_TIMER
            if DEFAULT_TIMER in self._timer_options
            else self._timer_options[0]
        )
        if roles.level is not None and roles.level.resets_to is not None:
            self._level = roles.level.resets_to
        if roles.mode is not None:
            self._mode = roles.mode.resets_to or roles.mode.modes[0]
        capabilities = Capabilities(
            levels=1 if roles.level is None else roles.level.levels,
            strokes_per_minute=None,
            modes=() if roles.mode is None else roles.mode.modes,
            heat_levels=0 if roles.heat is None else roles.heat.levels,
            heat_cutoff_minutes=None,
            timer_options=self._timer_options,
            battery=roles.battery is not None,
            force_sensor=False,
            attachments=(),
            level_names=None if roles.level is None else roles.level.names,
        )
        manufacturer = model = firmware = ""
        source = config.get(CONF_SOURCE_DEVICE)
        if source and (device := dr.async_get(self._hass).async_get(source)):
            self._via_device_id = device.id
            if isinstance(device, dr.DeviceEntry):
                manufacturer = device.manufacturer or ""
                model = device.model or ""
                firmware = device.sw_version or ""
        self._info = MassageDeviceInfo(
            id=self._device_id,
            kind=DeviceKind(config[CONF_KIND]),
            name=self._name,
            manufacturer=manufacturer,
            model=model,
            firmware=firmware,
            api_version=0,  # not a Massage Local API device
            capabilities=capabilities,
        )
        return self._info

    # Reading --------------------------------------------------------------------

    def _sync_issues(self, *, initial: bool = False) -> None:
        """Say which role lost its entity (removed, renamed, disabled); raise if any."""
        registry = er.async_get(self._hass)
        missing: dict[str, list[str]] = {}
        for role, entity_ids in self._connected.entity_ids().items():
            for entity_id in entity_ids:
                if self._hass.states.get(entity_id) is not None:
                    continue
                entry = registry.async_get(entity_id)
                if entry is None or entry.disabled:
                    missing.setdefault(role, []).append(entity_id)
        lost = frozenset(missing)
        if self._entry_id is not None and (initial or lost != self._missing):
            for role in ROLES:
                if role not in lost:
                    ir.async_delete_issue(
                        self._hass, DOMAIN, issue_id(self._entry_id, role)
                    )
                elif initial or role not in self._missing:
                    ir.async_create_issue(
                        self._hass,
                        DOMAIN,
                        issue_id(self._entry_id, role),
                        is_fixable=True,
                        data={ISSUE_ENTRY_ID: self._entry_id},
                        severity=ir.IssueSeverity.ERROR,
                        translation_key=f"missing_entity_{role}",
                        translation_placeholders={
                            "name": self._name,
                            "entity_id": ", ".join(missing[role]),
                        },
                    )
        self._missing = lost
        if missing:
            gone = [entity for ids in missing.values() for entity in ids]
            msg = f"mapped entities are gone: {', '.join(gone)}"
            raise EntityUnavailableError(gone, msg)

    def _read_state(self) -> DeviceState:
        """Return the device's state from its entities and what we assume."""
        roles = self._connected
        self._sync_issues()
        for entity_id in roles.power.controls:
            if usable(self._hass.states.get(entity_id)) is None:
                msg = f"{entity_id} is unavailable"
                raise DeviceUnavailableError(msg)
        now = dt_util.utcnow()
        self._follow_power(self._sense_on(roles, now), now)
        self._read_settings(roles)
        battery, charging = (None, None)
        if roles.battery is not None:
            battery, charging = roles.battery.read(self._hass)
        return DeviceState(
            on=bool(self._on),
            level=self._level,
            mode=self._mode,
            heat=self._heat,
            timer=self._timer,
            session_end=self._session_end if self._on else None,
            heat_end=None,
            battery=battery,
            charging=charging,
            force=None,
            attachment=None,
        )

    def _read_settings(self, roles: _Roles) -> None:
        """Take what the entities show; keep what we know where they show nothing."""
        hass = self._hass
        if roles.level is not None and (level := roles.level.read(hass)) is not None:
            self._level = level
        if roles.mode is not None and (mode := roles.mode.read(hass)) is not None:
            self._mode = mode
        if roles.heat is not None and (heat := roles.heat.read(hass)) is not None:
            self._heat = heat
        if roles.timer is None:
            return
        if (timer := roles.timer.read(hass)) is not None:
            self._timer = timer
        ends = roles.timer.ends(hass) if self._on else None
        if ends is not None and (
            self._session_end is None
            or abs(ends - self._session_end) > _SESSION_END_TOLERANCE
        ):
            self._session_end = ends

    def _sense_on(self, roles: _Roles, now: datetime) -> bool:
        """Return whether the motor runs: read where we can, else assumed."""
        powered = roles.power.read(self._hass)
        if powered is False:
            return False
        if roles.start is not None and roles.start.read(self._hass) is False:
            return False
        if roles.power.sensor is not None:
            running, look_again = roles.power.sensor.running(
                self._hass, now, self._power_commanded
            )
            self._schedule_recheck(look_again)
            if running is not None:
                return running
        if powered and not roles.power_assumed:
            return True
        return self._assumed_on

    def _follow_power(self, on: bool, now: datetime) -> None:
        """Take a change of on or off that the entities report."""
        was, self._on, self._assumed_on = self._on, on, on
        if on and not was:
            if was is False:
                self._after_power_on()
            self._begin_session(now)
        elif was and not on:
            self._end_session()
            heat = self._connected.heat
            if heat is not None and heat.read(self._hass) and not self._applying:
                # It stopped by itself or by hand: no heat without a session.
                self._run(self._async_heat_off(heat), "heat off")

    def _after_power_on(self) -> None:
        """Take the values a device without feedback starts with, where known."""
        roles = self._connected
        if roles.level is not None and roles.level.resets_to is not None:
            self._level = roles.level.resets_to
        if roles.mode is not None and roles.mode.resets_to is not None:
            self._mode = roles.mode.resets_to

    def _begin_session(self, now: datetime) -> None:
        """Time a session; a device without a timer of its own is stopped by ours."""
        self._session_end = now + timedelta(minutes=self._timer)
        if self._connected.timer is None:
            self._schedule_stop(self._session_end)

    def _end_session(self) -> None:
        self._session_end = None
        if self._cancel_stop is not None:
            self._cancel_stop()
            self._cancel_stop = None

    # What runs on the scheduler -------------------------------------------------

    def _schedule_stop(self, when: datetime) -> None:
        if self._cancel_stop is not None:
            self._cancel_stop()
        self._cancel_stop = async_track_point_in_utc_time(
            self._hass, self._async_session_over, when
        )

    async def _async_session_over(self, _now: datetime) -> None:
        """Stop the device at the end of its session, as its own timer would."""
        self._cancel_stop = None
        LOGGER.debug("The auto-off timer of %s ran out", self._name)
        try:
            state = await self.async_apply(StateUpdate(on=False))
        except DriverError as err:
            LOGGER.warning(
                "Could not stop %s at the end of its timer (%s); retrying in %s",
                self._name,
                err,
                _STOP_RETRY,
            )
            self._schedule_stop(dt_util.utcnow() + _STOP_RETRY)
            return
        self._deliver(state)

    async def _async_heat_off(self, heat: HeatMeans) -> None:
        """Switch heat off after the device stopped without us."""
        async with self._lock:
            try:
                await heat.async_write(Runner(self._hass, self._step_delay), 0)
            except DriverError as err:
                LOGGER.warning(
                    "Could not switch off the heat of %s: %s", self._name, err
                )

    def _run(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        task = self._hass.async_create_background_task(
            coro, f"{DOMAIN} {self._name} {what}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_recheck(self, when: datetime | None) -> None:
        """Look at the power reading again once a low one has held long enough."""
        if self._cancel_recheck is not None:
            self._cancel_recheck()
            self._cancel_recheck = None
        if when is None:
            return

        @callback
        def _recheck(_now: datetime) -> None:
            self._cancel_recheck = None
            self._evaluate()

        self._cancel_recheck = async_track_point_in_utc_time(self._hass, _recheck, when)

    # The seam -------------------------------------------------------------------

    @override
    async def async_fetch_state(self) -> DeviceState:
        """Read the whole state once."""
        return self._read_state()

    def _check(self, update: StateUpdate) -> None:
        """Refuse what this device cannot do, before anything is sent."""
        caps = self.info.capabilities
        if update.attachment is not None:
            raise CommandRejectedError("unsupported", "this device has no attachments")
        if update.heat is not None and caps.heat_levels == 0:
            raise CommandRejectedError("unsupported", "this device has no heater")
        if update.mode is not None and not caps.modes:
            raise CommandRejectedError("unsupported", "this device has no modes")
        if update.level is not None and not 1 <= update.level <= caps.levels:
            msg = f"level must be between 1 and {caps.levels}"
            raise CommandRejectedError("invalid_value", msg)
        if update.mode is not None and update.mode not in caps.modes:
            msg = f"mode must be one of {', '.join(caps.modes)}"
            raise CommandRejectedError("invalid_value", msg)
        if update.heat is not None and not 0 <= update.heat <= caps.heat_levels:
            msg = f"heat must be between 0 and {caps.heat_levels}"
            raise CommandRejectedError("invalid_value", msg)
        if update.timer is not None and update.timer not in caps.timer_options:
            msg = f"timer must be one of {', '.join(map(str, caps.timer_options))}"
            raise CommandRejectedError("invalid_value", msg)

    @override
    async def async_apply(self, update: StateUpdate) -> DeviceState:
        """Apply a partial update with the Local API's rules; return the new state.

        Level, mode and heat need a running device: sent to one that is off
        without ``on=True`` they are refused with ``device_off``, so that the
        device never powers itself on as a side effect. Turning off switches heat
        off too.
        """
        self._check(update)
        async with self._lock:
            self._applying = True
            try:
                return await self._async_apply(update)
            finally:
                self._applying = False

    async def _async_apply(self, update: StateUpdate) -> DeviceState:
        current = self._read_state()
        settings = any(
            value is not None for value in (update.level, update.mode, update.heat)
        )
        if not current.on and update.on is not True and settings:
            raise CommandRejectedError("device_off", f"{self._name} is off")
        runner = Runner(self._hass, self._step_delay)
        running = current.on
        if update.on is False:
            await self._async_turn_off(runner, current)
            running = False
        elif update.on and not current.on:
            await self._async_turn_on(
                runner, settings_follow=settings or update.timer is not None
            )
            running = True
        if running:
            await self._async_settings(runner, update)
        if update.timer is not None:
            await self._async_timer(runner, update.timer, running=running)
        return self._read_state()

    async def _async_turn_on(self, runner: Runner, *, settings_follow: bool) -> None:
        roles = self._connected
        if roles.power.read(self._hass) is not True:
            await roles.power.async_write(runner, on=True)
            self._power_commanded = dt_util.utcnow()
            if roles.start is not None or settings_follow:
                # The device boots before it takes a start or a setting.
                await runner.async_sleep(roles.power.delay)
        if roles.start is not None:
            await roles.start.async_start(runner)
            self._power_commanded = dt_util.utcnow()
        self._on = self._assumed_on = True
        self._after_power_on()
        self._begin_session(dt_util.utcnow())

    async def _async_turn_off(self, runner: Runner, current: DeviceState) -> None:
        roles = self._connected
        heat_error: DriverError | None = None
        if roles.heat is not None and current.heat:
            try:
                await roles.heat.async_write(runner, 0)
            except DriverError as err:
                # Power off matters more, and takes the heat with it on most devices.
                heat_error = err
            else:
                self._heat = 0
        if current.on:
            if roles.start is not None:
                await roles.start.async_stop(runner)
            await roles.power.async_write(runner, on=False)
            self._power_commanded = dt_util.utcnow()
        self._on = self._assumed_on = False
        self._end_session()
        if heat_error is not None:
            raise heat_error

    async def _async_settings(self, runner: Runner, update: StateUpdate) -> None:
        """Set level, mode and heat of a running device, each only if it changes.

        Entities with feedback are read again first: a device may have reset them
        as it powered on.
        """
        roles, hass = self._connected, self._hass
        if roles.level is not None and update.level is not None:
            level = roles.level.read(hass) or self._level
            if update.level != level:
                await roles.level.async_write(runner, level, update.level)
            self._level = update.level
        if roles.mode is not None and update.mode is not None:
            mode = roles.mode.read(hass) or self._mode or roles.mode.modes[0]
            if update.mode != mode:
                await roles.mode.async_write(runner, mode, update.mode)
            self._mode = update.mode
        if roles.heat is not None and update.heat is not None:
            heat = roles.heat.read(hass)
            if update.heat != (self._heat if heat is None else heat):
                await roles.heat.async_write(runner, update.heat)
            self._heat = update.heat

    async def _async_timer(
        self, runner: Runner, minutes: int, *, running: bool
    ) -> None:
        """Set the auto-off timer; a running session restarts with it."""
        if (timer := self._connected.timer) is not None:
            await timer.async_write(runner, minutes)
        self._timer = minutes
        if running:
            self._begin_session(dt_util.utcnow())

    @override
    async def async_listen(self, on_state: Callable[[DeviceState], None]) -> None:
        """Follow the entities until stopped; raise once the device turns unavailable.

        Started while the device is unavailable, it waits for it to come back.
        """
        roles = self._connected
        self._on_state = on_state
        self._delivered = False
        self._listening = self._hass.loop.create_future()
        entity_ids = [
            entity_id for ids in roles.entity_ids().values() for entity_id in ids
        ]
        unsubscribe = [
            async_track_state_change_event(self._hass, entity_ids, self._handle_event)
        ]
        if roles.power.sensor is not None:
            # A plug that reports the same low reading again still says "off".
            unsubscribe.append(
                async_track_state_report_event(
                    self._hass, roles.power.sensor.entity_id, self._handle_event
                )
            )
        try:
            self._evaluate()
            await self._listening
        finally:
            for remove in unsubscribe:
                remove()
            self._on_state = None
            self._listening = None

    @callback
    def _handle_event(self, _event: Event[Any]) -> None:
        """Follow an entity's change; our own writes are answered by async_apply."""
        if not self._applying:
            self._evaluate()

    @callback
    def _evaluate(self) -> None:
        """Read the state and pass it on, or end listening once it cannot be read."""
        if self._listening is None:
            return
        try:
            state = self._read_state()
        except DeviceUnavailableError as err:
            if self._delivered and not self._listening.done():
                self._listening.set_exception(err)
            return
        self._deliver(state)

    def _deliver(self, state: DeviceState) -> None:
        if self._on_state is not None:
            self._delivered = True
            self._on_state(state)

    @override
    async def async_stop_listening(self) -> None:
        """End listening and our timers.

        Repair issues stay: what they say holds while the entry is not loaded
        too, and the next connect clears what no longer holds.
        """
        if self._listening is not None and not self._listening.done():
            self._listening.set_result(None)
        self._schedule_recheck(None)
        self._end_session()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
