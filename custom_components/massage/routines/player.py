"""The routine player: the routines on offer, the one that runs, and who hears of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_translations

from ..api import DeviceKind
from ..consent import is_person_request
from ..const import DOMAIN, LOGGER
from ..errors import translated
from .engine import (
    AbortReason,
    EventType,
    RoutineDevice,
    RoutineRun,
    check_step_fits,
)
from .library import BUILT_IN_ROUTINES
from .model import Routine, parse_routine

if TYPE_CHECKING:
    from ..data import MassageConfigEntry
    from .model import Step

CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_TYPE_ROUTINE_PLAYER: Final = "routine_player"
CONF_CONFIRM_TIMEOUT: Final = "confirm_timeout_minutes"
CONF_ROUTINES: Final = "routines"
DEFAULT_CONFIRM_TIMEOUT: Final = 3
MAX_CONFIRM_TIMEOUT: Final = 30

# Where the prompts' texts live: the step sensor's prompt attribute states.
PROMPT_TRANSLATIONS: Final = (
    f"component.{DOMAIN}.entity.sensor.routine_step.state_attributes.prompt.state."
)
# The text that goes with a finished routine (not a step's prompt).
FINISHED_PROMPT: Final = "routine_finished"

type RoutinePlayerConfigEntry = ConfigEntry[RoutinePlayer]


def is_routine_player(entry: ConfigEntry[Any]) -> TypeGuard[RoutinePlayerConfigEntry]:
    """Whether an entry is the routine player rather than a massager."""
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_ROUTINE_PLAYER


def user_routines(options: Mapping[str, Any]) -> dict[str, Routine]:
    """Return the routines a person declared in the player's options.

    The options flow checks them before it stores them; one that fails all the
    same (stored by an older version, say) is left out, with a warning.
    """
    routines: dict[str, Routine] = {}
    for routine_id, steps in options.get(CONF_ROUTINES, {}).items():
        try:
            routines[routine_id] = parse_routine(routine_id, steps)
        except ServiceValidationError as err:
            LOGGER.warning("Routine %s is left out: %s", routine_id, err)
    return routines


def loaded_devices(hass: HomeAssistant) -> list[RoutineDevice]:
    """Every loaded massager, in the order its entry was added."""
    registry = dr.async_get(hass)
    devices = []
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if is_routine_player(entry):
            continue
        massager: MassageConfigEntry = entry
        info = massager.runtime_data.coordinator.info
        if device := registry.async_get_device_by_identifier(
            (DOMAIN, info.id), entry.entry_id
        ):
            devices.append(RoutineDevice(massager, device.id))
    return devices


def assign_roles(
    hass: HomeAssistant, routine: Routine, chosen: Mapping[DeviceKind, str]
) -> dict[DeviceKind, RoutineDevice]:
    """Find each role's device: the chosen one, or the only one that can play it.

    Of several devices of a role's kind, only those that can do each of its steps
    (levels, programmes, heat) are offered. Refused with a translated error that
    names the role when none or several remain.
    """
    devices = loaded_devices(hass)
    assigned: dict[DeviceKind, RoutineDevice] = {}
    for role in routine.roles:
        if (device_id := chosen.get(role)) is not None:
            device = next((d for d in devices if d.device_id == device_id), None)
            if device is None:
                raise translated(
                    ServiceValidationError,
                    translation_key="role_device_not_loaded",
                    role=role.value,
                )
            if device.kind is not role:
                raise translated(
                    ServiceValidationError,
                    translation_key="role_device_wrong_kind",
                    role=role.value,
                    name=device.name,
                )
            assigned[role] = device
            continue
        candidates = [device for device in devices if device.kind is role]
        if not candidates:
            raise translated(
                ServiceValidationError,
                translation_key="role_missing",
                routine=routine.id,
                role=role.value,
            )
        if len(candidates) > 1:
            candidates = able_to_play(routine, role, candidates)
        if len(candidates) > 1:
            raise translated(
                ServiceValidationError,
                translation_key="role_ambiguous",
                role=role.value,
                names=", ".join(device.name for device in candidates),
            )
        assigned[role] = candidates[0]
    return assigned


def able_to_play(
    routine: Routine, role: DeviceKind, devices: Sequence[RoutineDevice]
) -> list[RoutineDevice]:
    """Return the devices that can do each of the role's steps; all, if none can.

    A foot massager without a heater cannot play a warm step, say. With none
    that fits, the person chooses, and hears why it won't do.
    """
    return [device for device in devices if _can_play(routine, role, device)] or list(
        devices
    )


def _can_play(routine: Routine, role: DeviceKind, device: RoutineDevice) -> bool:
    """Whether the device can do each of the routine's steps of its role."""
    try:
        for number, step in enumerate(routine.steps, 1):
            if step.role is role:
                check_step_fits(step, number, device)
    except ServiceValidationError:
        return False
    return True


class RoutinePlayer:
    """Runs one routine at a time and tells its entities what happens."""

    def __init__(self, hass: HomeAssistant, entry: RoutinePlayerConfigEntry) -> None:
        """Offer the built-in routines and those in the entry's options."""
        self.hass = hass
        self.entry = entry
        self.routines: dict[str, Routine] = {}
        self.selected = next(iter(BUILT_IN_ROUTINES))
        self.run: RoutineRun | None = None
        # The device a person chose for a role; a role not in it is automatic.
        self.chosen: dict[DeviceKind, str] = {}
        self.prompts: dict[str, str] = {}
        self._listeners: list[Callable[[], None]] = []
        self._event_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.update_routines()

    async def async_setup(self) -> None:
        """Load the prompts and keep watch on the language and on shutdown."""
        await self._async_load_prompts()

        async def _async_language_changed(_event: Event) -> None:
            await self._async_load_prompts()

        async def _async_stop(_event: Event) -> None:
            await self.async_abort(AbortReason.SHUTDOWN)

        self.entry.async_on_unload(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE, _async_language_changed
            )
        )
        # A plain listener, not a once-listener: it stays removable after it fired.
        self.entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stop)
        )

    async def _async_load_prompts(self) -> None:
        translations = await async_get_translations(
            self.hass, self.hass.config.language, "entity", {DOMAIN}
        )
        self.prompts = {
            key.removeprefix(PROMPT_TRANSLATIONS): text
            for key, text in translations.items()
            if key.startswith(PROMPT_TRANSLATIONS)
        }

    @callback
    def update_routines(self) -> None:
        """Take the routines from the library and the options anew."""
        # A declared routine never replaces a built-in one of the same id.
        declared = user_routines(self.entry.options)
        self.routines = BUILT_IN_ROUTINES | {
            routine_id: routine
            for routine_id, routine in declared.items()
            if routine_id not in BUILT_IN_ROUTINES
        }
        if self.selected not in self.routines:
            self.selected = next(iter(self.routines))
        self._changed()

    # Listeners: the player's entities

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call back whenever what the player shows changes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_add_event_listener(
        self, listener: Callable[[str, dict[str, Any]], None]
    ) -> CALLBACK_TYPE:
        """Call back with every event a run fires."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    @callback
    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def _announce(self, event_type: EventType, data: dict[str, Any]) -> None:
        """Fire an event of the run, with the prompt in Home Assistant's language."""
        data = dict(data)
        if (key := data.get("prompt_key")) is not None:
            data["prompt"] = self.prompts.get(key, key)
        elif event_type is EventType.ROUTINE_FINISHED:
            data["prompt"] = self.prompts.get(FINISHED_PROMPT, "")
        for listener in list(self._event_listeners):
            listener(event_type.value, data)

    # What the player shows

    @property
    def step(self) -> tuple[int, Step] | None:
        """The index and step the person follows, while a routine runs."""
        return None if self.run is None else self.run.current_step

    @property
    def ends_at(self) -> datetime | None:
        """When the running routine ends, if known."""
        return None if self.run is None else self.run.ends_at

    # What people and actions ask for

    @callback
    def select(self, routine_id: str) -> None:
        """Choose the routine the start button starts."""
        self._routine(routine_id)
        self.selected = routine_id
        self._changed()

    @callback
    def choose(self, role: DeviceKind, device_id: str | None) -> None:
        """Choose the device that plays a role; None leaves the choice to the player."""
        if device_id is None:
            self.chosen.pop(role, None)
        else:
            self.chosen[role] = device_id
        self._changed()

    async def async_start(
        self,
        routine: Routine | str | None = None,
        devices: Mapping[DeviceKind, str] | None = None,
    ) -> None:
        """Start a routine (by default the selected one) on its roles' devices.

        A role's device is the one in `devices`, else the one a person chose on
        the player, else the only one that can play it.
        """
        if self.run is not None and not self.run.ended:
            raise translated(ServiceValidationError, translation_key="routine_running")
        if not isinstance(routine, Routine):
            routine = self._routine(routine or self.selected)
        assigned = assign_roles(self.hass, routine, self.chosen | dict(devices or {}))
        for number, step in enumerate(routine.steps, 1):
            check_step_fits(step, number, assigned[step.role])
        self.run = RoutineRun(
            self.hass,
            routine,
            assigned,
            confirm_timeout=timedelta(
                minutes=self.entry.options.get(
                    CONF_CONFIRM_TIMEOUT, DEFAULT_CONFIRM_TIMEOUT
                )
            ),
            announce=self._announce,
            changed=self._changed,
        )
        LOGGER.debug("Starting routine %s", routine.id)
        await self.run.async_start()

    async def async_confirm(
        self, context: Context | None, tap_context_id: str | None = None
    ) -> None:
        """Confirm the waiting gun step, if a person asks.

        A dashboard tap, a voice request or a tap on an actionable notification
        counts (see `consent`); an automation or a script acting on its own is
        refused, and the gun stays off.
        """
        if self.run is None or self.run.ended or not self.run.waiting:
            raise translated(
                ServiceValidationError, translation_key="nothing_to_confirm"
            )
        if not is_person_request(self.hass, context, tap_context_id):
            raise translated(
                ServiceValidationError, translation_key="confirm_needs_person"
            )
        await self.run.async_confirm()

    async def async_pause(self) -> None:
        """Pause the running routine."""
        await self._running().async_pause()

    async def async_resume(self) -> None:
        """Resume the paused routine."""
        await self._running().async_resume()

    async def async_skip(self, role: DeviceKind | None = None) -> None:
        """Skip the current step."""
        await self._running().async_skip(role)

    async def async_stop(self) -> None:
        """Stop the routine: every device of it goes off."""
        await self._running().async_abort(AbortReason.STOPPED)

    async def async_abort(self, reason: AbortReason) -> None:
        """End a running routine, if any, for `reason`."""
        if self.run is not None:
            await self.run.async_abort(reason)

    def _running(self) -> RoutineRun:
        if self.run is None or self.run.ended:
            raise translated(
                ServiceValidationError, translation_key="routine_not_running"
            )
        return self.run

    def _routine(self, routine_id: str) -> Routine:
        if (routine := self.routines.get(routine_id)) is None:
            raise translated(
                ServiceValidationError,
                translation_key="routine_unknown",
                routine=routine_id[:48],
                routines=", ".join(self.routines),
            )
        return routine
