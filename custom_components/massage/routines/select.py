"""The routine player's selects: which routine the start button starts, and on what."""

from __future__ import annotations

from typing import Any, Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import ATTR_DEVICE_ID, EntityCategory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.restore_state import (
    ExtraStoredData,
    RestoredExtraData,
    RestoreEntity,
)

from ..api import DeviceKind
from ..const import DOMAIN
from .entity import RoutinePlayerEntity
from .player import RoutinePlayer, loaded_devices

ROUTINE_SELECT: Final = SelectEntityDescription(
    key="routine", translation_key="routine"
)
# The option that leaves a role's device to the player: the only one that fits.
AUTOMATIC: Final = "automatic"
ROLE_DEVICE_SELECTS: Final = {
    DeviceKind.GUN: SelectEntityDescription(
        key="gun_device",
        translation_key="gun_device",
        entity_category=EntityCategory.CONFIG,
    ),
    DeviceKind.FOOT_LEG: SelectEntityDescription(
        key="foot_leg_device",
        translation_key="foot_leg_device",
        entity_category=EntityCategory.CONFIG,
    ),
}


def routine_player_selects(player: RoutinePlayer) -> list[SelectEntity]:
    """Make the player's selects."""
    return [
        RoutineSelect(player, ROUTINE_SELECT),
        *(
            RoleDeviceSelect(player, description, role)
            for role, description in ROLE_DEVICE_SELECTS.items()
        ),
    ]


class RoutineSelect(RoutinePlayerEntity, SelectEntity):
    """The built-in and declared routines; the choice is what start starts."""

    @property
    @override
    def options(self) -> list[str]:
        """Every routine on offer."""
        return list(self.player.routines)

    @property
    @override
    def current_option(self) -> str:
        """The chosen routine."""
        return self.player.selected

    @override
    async def async_select_option(self, option: str) -> None:
        """Choose a routine."""
        self.player.select(option)


def role_device_labels(
    hass: HomeAssistant, role: DeviceKind, chosen: str | None
) -> dict[str, str]:
    """Name each massager that can play a role, to its device id.

    The loaded massagers of the role's kind are on offer, and the chosen one
    while it is unloaded. Devices of one name are told apart by a number.
    """
    registry = dr.async_get(hass)
    device_ids = [
        device.device_id for device in loaded_devices(hass) if device.kind is role
    ]
    if chosen is not None and chosen not in device_ids:
        device_ids.append(chosen)
    labels: dict[str, str] = {}
    for device_id in device_ids:
        if (device := registry.async_get(device_id)) is None:
            continue  # removed, and the registry's event not handled yet
        name = device.name_by_user or device.name or device_id
        label, number = name, 1
        while label in labels or label == AUTOMATIC:
            number += 1
            label = f"{name} ({number})"
        labels[label] = device_id
    return labels


class RoleDeviceSelect(RoutinePlayerEntity, SelectEntity, RestoreEntity):
    """Which massager plays a role when the player starts a routine.

    With several of a kind (a foot massager in two rooms), the person chooses
    here; the choice outlives a restart.
    """

    def __init__(
        self,
        player: RoutinePlayer,
        description: SelectEntityDescription,
        role: DeviceKind,
    ) -> None:
        """Choose the device of one role."""
        super().__init__(player, description)
        self.role = role

    @override
    async def async_added_to_hass(self) -> None:
        """Take the choice made before a restart; follow the massagers on offer."""
        await super().async_added_to_hass()
        last = await self.async_get_last_extra_data()
        device_id = None if last is None else last.as_dict().get(ATTR_DEVICE_ID)
        if (
            isinstance(device_id, str)
            and dr.async_get(self.hass).async_get(device_id) is not None
        ):
            self.player.choose(self.role, device_id)
        self.async_on_remove(
            self.hass.bus.async_listen(
                dr.EVENT_DEVICE_REGISTRY_UPDATED,
                self._async_device_updated,
                event_filter=self._concerns_offer,
            )
        )
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed
            )
        )

    @callback
    def _concerns_offer(self, data: dr.EventDeviceRegistryUpdatedData) -> bool:
        """Whether a device registry change is the chosen device going, or a rename.

        Every device of every integration passes through here (hundreds at
        start-up); a massager that loads or unloads is heard of from its entry.
        """
        if data["action"] == "remove":
            return data["device_id"] == self.player.chosen.get(self.role)
        return (
            data["action"] == "update"
            and not {"name", "name_by_user"}.isdisjoint(data["changes"])
            and data["device_id"] in self._labels().values()
        )

    @callback
    def _async_device_updated(
        self, event: Event[dr.EventDeviceRegistryUpdatedData]
    ) -> None:
        """Leave the choice to the player when the chosen device goes; show renames."""
        if event.data["action"] == "remove":
            self.player.choose(self.role, None)
        else:
            self.async_write_ha_state()

    @callback
    def _async_entry_changed(
        self, _change: ConfigEntryChange, entry: ConfigEntry[Any]
    ) -> None:
        """Offer a massager that loads, and no longer one that unloads."""
        if entry.domain == DOMAIN:
            self.async_write_ha_state()

    @property
    @override
    def options(self) -> list[str]:
        """Automatic, then each massager that can play the role."""
        return [AUTOMATIC, *self._labels()]

    @property
    @override
    def current_option(self) -> str:
        """The chosen massager's name, or automatic."""
        chosen = self.player.chosen.get(self.role)
        return next(
            (
                label
                for label, device_id in self._labels().items()
                if device_id == chosen
            ),
            AUTOMATIC,
        )

    @override
    async def async_select_option(self, option: str) -> None:
        """Choose a massager, or automatic; Home Assistant offers only the options."""
        self.player.choose(self.role, self._labels().get(option))

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData:
        """Keep the chosen device's id, which a rename does not change."""
        return RestoredExtraData({ATTR_DEVICE_ID: self.player.chosen.get(self.role)})

    def _labels(self) -> dict[str, str]:
        return role_device_labels(
            self.hass, self.role, self.player.chosen.get(self.role)
        )
