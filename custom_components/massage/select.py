"""Select entities: attachment head, auto-off timer, heat level and named levels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Capabilities, DeviceState
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry
from .drivers import StateUpdate
from .entity import MassageEntity, entities_for
from .routines import is_routine_player
from .routines.select import routine_player_selects

PARALLEL_UPDATES = 1

# Names for heat steps where a device has few enough of them to name.
HEAT_STEP_NAMES: dict[int, tuple[str, ...]] = {
    2: ("low", "high"),
    3: ("low", "medium", "high"),
}
HEAT_OFF = "off"


def heat_options(capabilities: Capabilities) -> list[str]:
    """Return the heat select's options, from off up to the hottest step."""
    steps = HEAT_STEP_NAMES.get(capabilities.heat_levels) or tuple(
        str(step) for step in range(1, capabilities.heat_levels + 1)
    )
    return [HEAT_OFF, *steps]


# Level names that have translations; a device's other names are shown as it
# spells them.
TRANSLATED_LEVEL_NAMES = frozenset({"low", "medium", "high"})


def intensity_options(capabilities: Capabilities) -> list[str]:
    """Return the named levels, lowest first: translation keys where known."""
    names = capabilities.level_names or ()
    options = [
        key if (key := name.casefold()) in TRANSLATED_LEVEL_NAMES else name
        for name in names
    ]
    # "Low" and "low" from one device would collide; its own names do not.
    return options if len(set(options)) == len(options) else list(names)


@dataclass(frozen=True, kw_only=True)
class MassageSelectEntityDescription(SelectEntityDescription):
    """How one select reads its options and value, and writes a choice."""

    exists_fn: Callable[[Capabilities], bool]
    options_fn: Callable[[Capabilities], list[str]]
    current_fn: Callable[[DeviceState, Capabilities], str | None]
    update_fn: Callable[[str, Capabilities], StateUpdate]


SELECTS: tuple[MassageSelectEntityDescription, ...] = (
    MassageSelectEntityDescription(
        key="attachment",
        translation_key="attachment",
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda caps: bool(caps.attachments),
        options_fn=lambda caps: list(caps.attachments),
        current_fn=lambda state, _caps: state.attachment,
        update_fn=lambda option, _caps: StateUpdate(attachment=option),
    ),
    MassageSelectEntityDescription(
        key="timer",
        translation_key="timer",
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda _caps: True,
        options_fn=lambda caps: [str(minutes) for minutes in caps.timer_options],
        current_fn=lambda state, _caps: str(state.timer),
        update_fn=lambda option, _caps: StateUpdate(timer=int(option)),
    ),
    MassageSelectEntityDescription(
        key="intensity",
        translation_key="intensity",
        exists_fn=lambda caps: caps.level_names is not None,
        options_fn=intensity_options,
        current_fn=lambda state, caps: intensity_options(caps)[state.level - 1],
        update_fn=lambda option, caps: StateUpdate(
            level=intensity_options(caps).index(option) + 1
        ),
    ),
    MassageSelectEntityDescription(
        key="heat_level",
        translation_key="heat_level",
        exists_fn=lambda caps: caps.heat_levels > 1,
        options_fn=heat_options,
        current_fn=lambda state, caps: heat_options(caps)[state.heat],
        update_fn=lambda option, caps: StateUpdate(
            heat=heat_options(caps).index(option)
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects this device has."""
    if is_routine_player(entry):  # the routine player's, apart from the massagers'
        async_add_entities(routine_player_selects(entry.runtime_data))
        return
    async_add_entities(
        entities_for(entry.runtime_data.coordinator, SELECTS, MassageSelect)
    )


class MassageSelect(MassageEntity, SelectEntity):
    """A setting with a fixed list of choices."""

    entity_description: MassageSelectEntityDescription

    def __init__(
        self,
        coordinator: MassageCoordinator,
        description: MassageSelectEntityDescription,
    ) -> None:
        """Take the choices from the device's capabilities."""
        super().__init__(coordinator, description)
        self._attr_options = description.options_fn(coordinator.info.capabilities)

    @property
    @override
    def current_option(self) -> str | None:
        """The device's current choice."""
        return self.entity_description.current_fn(self.device_state, self.capabilities)

    @override
    async def async_select_option(self, option: str) -> None:
        """Send the choice to the device."""
        await self.async_send(
            self.entity_description.update_fn(option, self.capabilities)
        )
