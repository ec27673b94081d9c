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
            manufacturer=info.manufacturer,
            model=info.model,
            sw_version=info.firmware,
            configuration_url=coordinator.driver.configuration_url,
        )

    @property
    def device_state(self) -> DeviceState:
        """The device's latest state."""
        return self.coordinator.data

    @property
    def capabilities(self) -> Capabilities:
        """What the device can do."""
        return self.coordinator.info.capabilities

    async def async_send(self, update: StateUpdate) -> None:
        """Change something on a device that may be running or not.

        Settings that need a running device start it, as the protocol allows
        only together with switching it on.
        """
        if self.device_state.on or not _needs_running_device(update):
            await self.coordinator.async_command(update)
        else:
            await self.async_start(update)

    async def async_start(self, update: StateUpdate) -> None:
        """Start a session with the given settings.

        A handheld gun starts only when a person asked for it: a dashboard, the
        app or a voice request, never an automation on its own.
        """
        if (
            self.coordinator.info.kind is DeviceKind.GUN
            and not self.device_state.on
            and not is_person_request(self.hass, self._context)
        ):
            raise translated(
                ServiceValidationError,
                translation_key="gun_needs_person",
                name=self.coordinator.name,
            )
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
