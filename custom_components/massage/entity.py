"""The base class every Massage entity derives from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Capabilities, DeviceKind
from .consent import is_person_request
from .const import CONF_DEFAULT_TIMER, DOMAIN
from .coordinator import MassageCoordinator
from .drivers import StateUpdate
from .errors import translated

if TYPE_CHECKING:
    from .api import DeviceState
    from .safety import SafetyGuard


class CapabilityGated(Protocol):
    """An entity description that exists only on devices with some capability."""

    @property
    def exists_fn(self) -> Callable[[Capabilities], bool]:
        """Whether a device with these capabilities gets the entity."""
        ...


def entities_for[D: CapabilityGated, E: Entity](
    coordinator: MassageCoordinator,
    descriptions: Iterable[D],
    entity_class: Callable[[MassageCoordinator, D], E],
) -> list[E]:
    """Make the entities whose descriptions apply to this device."""
    capabilities = coordinator.info.capabilities
    return [
        entity_class(coordinator, description)
        for description in descriptions
        if description.exists_fn(capabilities)
    ]


class MassageEntity(CoordinatorEntity[MassageCoordinator]):
    """An entity of one massage device, described by an EntityDescription."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: MassageCoordinator, description: EntityDescription
    ) -> None:
        """Name the entity after its description and attach it to the device."""
        super().__init__(coordinator)
        self.entity_description = description
        info = coordinator.info
        self._attr_unique_id = f"{info.id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, info.id)},
            name=info.name,
            # An empty text would show as a blank line on the device page.
            manufacturer=info.manufacturer or None,
            model=info.model or None,
            sw_version=info.firmware or None,
            configuration_url=coordinator.driver.configuration_url,
        )
        if (via_device_id := coordinator.driver.via_device_id) is not None:
            self._attr_device_info["via_device_id"] = via_device_id

    @property
    def device_state(self) -> DeviceState:
        """The device's latest state."""
        return self.coordinator.data

    @property
    def capabilities(self) -> Capabilities:
        """What the device can do."""
        return self.coordinator.info.capabilities

    @property
    def safety(self) -> SafetyGuard:
        """The guard enforcing the device's caps."""
        return self.coordinator.config_entry.runtime_data.safety

    @property
    def _may_start(self) -> bool:
        """Whether the caller may start the device.

        A handheld gun starts only when a person asked for it: a dashboard, the
        app or a voice request, never an automation on its own.
        """
        return self.coordinator.info.kind is not DeviceKind.GUN or is_person_request(
            self.hass, self._context
        )

    async def async_send(self, update: StateUpdate) -> None:
        """Change something on a device that may be running or not.

        Settings that need a running device start it, as the protocol allows
        only together with switching it on.
        """
        if _needs_running_device(update) and not self.device_state.on:
            await self.async_start(update)
        else:
            await self.coordinator.async_command(update, may_start=self._may_start)

    async def async_start(self, update: StateUpdate) -> None:
        """Start a session with the given settings.

        For a caller that may not start a gun, this only adjusts a running gun.
        Whether it runs is left to the gun to answer, not to the state last
        heard: the command carries no "on", so a gun that stopped stays stopped.
        """
        if not self._may_start:
            state = await self.coordinator.async_command(update, may_start=False)
            if not state.on:
                raise translated(
                    ServiceValidationError,
                    translation_key="gun_needs_person",
                    name=self.coordinator.name,
                )
            return
        if update.timer is None and (
            default_timer := self.coordinator.config_entry.options.get(
                CONF_DEFAULT_TIMER
            )
        ):
            update = replace(update, timer=int(default_timer))
        await self.coordinator.async_command(replace(update, on=True))


def _needs_running_device(update: StateUpdate) -> bool:
    """Whether the protocol accepts this update only from a running device."""
    return any(value is not None for value in (update.level, update.mode)) or bool(
        update.heat
    )
