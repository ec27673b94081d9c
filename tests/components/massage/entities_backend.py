"""Real entities for the entities driver's tests: a small recording test platform.

The entities are ordinary Home Assistant entities on a test integration's
platforms, with unique ids, so the entity registry knows them. A `DumbMassager`
stands for a massager without feedback behind a plug, a button pusher and an IR
remote: the entities move it, and its plug reports watts.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.fan import FanEntity, FanEntityFeature
from homeassistant.components.number import NumberEntity
from homeassistant.components.remote import RemoteEntity
from homeassistant.components.select import SelectEntity
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.components.switch import SwitchEntity
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_CALL_SERVICE,
    UnitOfPower,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
    setup_test_component_platform,
)


class _Fake(Entity):
    """What every fake entity shares: a fixed entity id, a unique id, a device."""

    _attr_should_poll = False
    platform_domain = ""

    def __init__(self, object_id: str, **attributes: Any) -> None:
        """Name the entity and set its first state."""
        self.entity_id = f"{self.platform_domain}.{object_id}"
        self._attr_unique_id = object_id
        self._attr_name = object_id.replace("_", " ").capitalize()
        self.fail_with: Exception | None = None
        self.hangs = False
        self.calls = 0
        for name, value in attributes.items():
            setattr(self, f"_attr_{name}", value)

    async def _act(self) -> None:
        """Count a command, and fail it or never answer where a test asks."""
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        if self.hangs:
            await asyncio.Event().wait()

    def update(self, **attributes: Any) -> None:
        """Change the entity as its device would, and write its state."""
        for name, value in attributes.items():
            setattr(self, f"_attr_{name}", value)
        self.async_write_ha_state()


class FakeSwitch(_Fake, SwitchEntity):
    """A switch; `on_change` tells the simulated device."""

    platform_domain = "switch"

    def __init__(
        self,
        object_id: str,
        *,
        on_change: Callable[[bool], None] | None = None,
        is_on: bool = False,
        **attributes: Any,
    ) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, is_on=is_on, **attributes)
        self._on_change = on_change

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._act()
        self.update(is_on=True)
        if self._on_change:
            self._on_change(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._act()
        self.update(is_on=False)
        if self._on_change:
            self._on_change(False)


class FakeButton(_Fake, ButtonEntity):
    """A button, such as a pusher's or an ESPHome one."""

    platform_domain = "button"

    def __init__(
        self, object_id: str, *, on_press: Callable[[], None] | None = None
    ) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id)
        self._on_press = on_press

    async def async_press(self) -> None:
        """Press."""
        await self._act()
        if self._on_press:
            self._on_press()


class FakeRemote(_Fake, RemoteEntity):
    """An IR blaster with learned commands."""

    platform_domain = "remote"

    def __init__(
        self, object_id: str, *, on_command: Callable[[str], None] | None = None
    ) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, is_on=True)
        self._on_command = on_command

    async def async_send_command(self, command: Iterable[str], **kwargs: Any) -> None:
        """Send learned commands."""
        await self._act()
        for item in command:
            if self._on_command:
                self._on_command(item)


class FakeSelect(_Fake, SelectEntity):
    """A select."""

    platform_domain = "select"

    def __init__(self, object_id: str, options: list[str], current: str) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, options=options, current_option=current)

    async def async_select_option(self, option: str) -> None:
        """Select an option."""
        await self._act()
        self.update(current_option=option)


class FakeNumber(_Fake, NumberEntity):
    """A number."""

    platform_domain = "number"

    def __init__(
        self,
        object_id: str,
        *,
        minimum: float,
        maximum: float,
        step: float,
        value: float,
        unit: str | None = None,
    ) -> None:
        """Name the entity and set its first state."""
        super().__init__(
            object_id,
            native_min_value=minimum,
            native_max_value=maximum,
            native_step=step,
            native_value=value,
            native_unit_of_measurement=unit,
        )

    async def async_set_native_value(self, value: float) -> None:
        """Set the value."""
        await self._act()
        self.update(native_value=value)


class FakeFan(_Fake, FanEntity):
    """A fan with a few speeds."""

    platform_domain = "fan"
    _attr_supported_features = (
        FanEntityFeature.SET_SPEED
        | FanEntityFeature.TURN_ON
        | FanEntityFeature.TURN_OFF
    )

    def __init__(self, object_id: str, *, speed_count: int) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, speed_count=speed_count, percentage=0)
        self._last = 100 // speed_count

    @property
    def is_on(self) -> bool:
        """Whether it runs."""
        return bool(self._attr_percentage)

    async def async_turn_on(
        self,
        percentage: int | None = None,
        preset_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Switch on."""
        await self._act()
        self.update(percentage=percentage or self._last)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._act()
        self._last = self._attr_percentage or self._last
        self.update(percentage=0)

    async def async_set_percentage(self, percentage: int) -> None:
        """Set the speed."""
        await self._act()
        self.update(percentage=percentage)


class FakeSensor(_Fake, SensorEntity):
    """A sensor whose value a test sets."""

    platform_domain = "sensor"

    def __init__(self, object_id: str, value: Any = None, **attributes: Any) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, native_value=value, **attributes)

    def report(self, value: Any) -> None:
        """Report a reading, changed or not (a plug reports every so often)."""
        self.update(native_value=value)


class FakeBinarySensor(_Fake, BinarySensorEntity):
    """A binary sensor whose value a test sets."""

    platform_domain = "binary_sensor"

    def __init__(self, object_id: str, *, is_on: bool = False) -> None:
        """Name the entity and set its first state."""
        super().__init__(object_id, is_on=is_on)


async def async_add_entities(hass: HomeAssistant, *entities: _Fake) -> None:
    """Set the entities up on test platforms of their domains."""
    by_domain: dict[str, list[_Fake]] = defaultdict(list)
    for entity in entities:
        by_domain[entity.platform_domain].append(entity)
    for domain, items in by_domain.items():
        setup_test_component_platform(hass, domain, items)
        assert await async_setup_component(hass, domain, {domain: {"platform": "test"}})
    await hass.async_block_till_done()


@dataclass
class DumbMassager:
    """A massager without feedback: a plug, a start button, mode and level buttons.

    Powering on leaves it idle at level 1 and its first mode; the start button
    starts the motor; "mode" moves to the next mode; "up" and "down" move the
    level. The plug reports watts while the motor runs.
    """

    modes: tuple[str, ...] = ("kneading", "rolling", "air_compression", "combined")
    levels: int = 3
    powered: bool = False
    running: bool = False
    mode: int = 0
    level: int = 1
    watts_meter: FakeSensor | None = None
    log: list[str] = field(default_factory=list)

    def plug(self, on: bool) -> None:
        """Power comes or goes: the massager starts idle, at its first values."""
        self.powered = on
        self.running = False
        self.mode, self.level = 0, 1
        self._meter()

    def start(self) -> None:
        """The start button: start, or stop a running motor."""
        if self.powered:
            self.running = not self.running
        self._meter()

    def command(self, name: str) -> None:
        """A press of one of its buttons, or one learned command."""
        self.log.append(name)
        if name == "power":
            self.plug(not self.powered)
            self.start()
        elif self.running and name == "mode":
            self.mode = (self.mode + 1) % len(self.modes)
        elif self.running and name == "up":
            self.level = min(self.levels, self.level + 1)
        elif self.running and name == "down":
            self.level = max(1, self.level - 1)

    def _meter(self) -> None:
        if self.watts_meter is not None and self.watts_meter.hass is not None:
            self.watts_meter.report(35.0 if self.running else 0.4)

    def watts_sensor(self, object_id: str = "plug_power") -> FakeSensor:
        """The plug's power reading."""
        self.watts_meter = FakeSensor(
            object_id,
            0.4,
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.WATT,
        )
        return self.watts_meter


@dataclass(frozen=True, slots=True)
class Call:
    """A service call on a source entity, and when it came, from the start."""

    at: float
    service: str
    entity_id: str
    data: dict[str, Any]


class CallLog:
    """Records the service calls on some entities, as the event bus sees them."""

    def __init__(self, hass: HomeAssistant, entity_ids: Iterable[str]) -> None:
        """Name the entity and set its first state."""
        self.calls: list[Call] = []
        self.contexts: list[str] = []
        self._entity_ids = set(entity_ids)
        self._start = dt_util.utcnow()
        hass.bus.async_listen(EVENT_CALL_SERVICE, self._record)

    def restart(self) -> None:
        """Forget what was recorded and count time from now."""
        self.calls.clear()
        self.contexts.clear()
        self._start = dt_util.utcnow()

    @callback
    def _record(self, event: Event[Any]) -> None:
        data = dict(event.data["service_data"])
        entity_id = data.pop(ATTR_ENTITY_ID)
        if entity_id not in self._entity_ids:
            return
        at = (dt_util.utcnow() - self._start).total_seconds()
        service = f"{event.data['domain']}.{event.data['service']}"
        self.calls.append(Call(round(at, 3), service, entity_id, data))
        self.contexts.append(event.context.id)

    def brief(self) -> list[tuple[float, str, str]]:
        """The calls without their data."""
        return [(call.at, call.service, call.entity_id) for call in self.calls]


STEP = timedelta(milliseconds=100)


async def _until_only_timers_are_left(hass: HomeAssistant) -> None:
    """Let everything run that can run now, so that only timers are waiting."""
    for _ in range(10_000):
        await asyncio.sleep(0)
        if not hass.loop._ready:  # type: ignore[attr-defined]
            return
    msg = "the event loop never settled"
    raise AssertionError(msg)


async def in_virtual_time[T](
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, work: Awaitable[T]
) -> T:
    """Run `work`, moving the clock on in steps of 0.1 s only while it waits.

    Timers fire at their exact time, so the calls a test records show the pauses
    the driver made, to the step.
    """
    task = asyncio.ensure_future(work)
    for _ in range(10_000):
        await _until_only_timers_are_left(hass)
        if task.done():
            return await task
        freezer.tick(STEP)
        async_fire_time_changed_exact(
            hass, dt_util.utcnow() + timedelta(milliseconds=1)
        )
    task.cancel()
    msg = "work did not finish within 1000 virtual seconds"
    raise AssertionError(msg)


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock on and run what falls due, to the millisecond."""
    freezer.tick(delta)
    async_fire_time_changed_exact(hass, dt_util.utcnow() + timedelta(milliseconds=1))
    await hass.async_block_till_done()


def failing(message: str = "device did not answer") -> HomeAssistantError:
    """An error an integration raises when its device does not take a command."""
    return HomeAssistantError(message)


@dataclass
class Source:
    """A device of another integration, and the entities it registers."""

    hass: HomeAssistant
    platform: str
    device: dr.DeviceEntry
    entry: MockConfigEntry

    def add(
        self,
        domain: str,
        object_id: str,
        *,
        translation_key: str | None = None,
        name: str | None = None,
        device_class: str | None = None,
    ) -> str:
        """Register an entity of the device; return its entity id."""
        return (
            er.async_get(self.hass)
            .async_get_or_create(
                domain,
                self.platform,
                f"{self.device.id}-{object_id}",
                config_entry=self.entry,
                device_id=self.device.id,
                suggested_object_id=object_id,
                translation_key=translation_key,
                original_name=name,
                original_device_class=device_class,
            )
            .entity_id
        )


def source(hass: HomeAssistant, platform: str, name: str, model: str) -> Source:
    """Register a device of an integration."""
    entry = MockConfigEntry(domain=platform, title=name)
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(platform, name)},
        name=name,
        model=model,
        manufacturer="Maker",
    )
    return Source(hass, platform, device, entry)
