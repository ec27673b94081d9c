"""Massage by voice: the integration's own intents, for Assist and LLM agents.

Each intent is one entry of `INTENTS`: what it is called, what it tells an LLM, the
slots it takes and the function that carries it out. A function finds the massager
the person means, acts through the entities' own actions (so the entities' rules and
caps apply), and answers in the person's language with what actually happened.
The routine intents act through the routine player, which knows the steps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
import re
from typing import Any, override

from homeassistant.components.fan import (
    ATTR_PERCENTAGE,
    ATTR_PRESET_MODE,
    DOMAIN as FAN_DOMAIN,
    SERVICE_SET_PERCENTAGE,
    SERVICE_SET_PRESET_MODE,
)
from homeassistant.components.homeassistant.const import DATA_EXPOSED_ENTITIES
from homeassistant.components.homeassistant.exposed_entities import (
    async_should_expose,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch.const import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    intent,
    translation,
)
from homeassistant.util import dt as dt_util, language as language_util
from homeassistant.util.percentage import ranged_value_to_percentage

from .api import Capabilities, DeviceKind, DeviceState
from .compat import vol
from .consent import is_person_request, person_request
from .const import DOMAIN
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry
from .routines import (
    RoutinePlayer,
    async_confirm_step,
    loaded_routine_player,
    routine_player,
)
from .routines.engine import RoutineRun, RunStatus, Track, TrackStatus
from .routines.model import Routine
from .routines.player import (
    FINISHED_PROMPT,
    PROMPT_TRANSLATIONS,
    able_to_play,
    loaded_devices,
)
from .select import HEAT_OFF, heat_options
from .services import (
    ATTR_HEAT,
    ATTR_LEVEL,
    ATTR_MINUTES,
    ATTR_MODE,
    ATTR_ROUTINE,
    SERVICE_START_SESSION,
)

# Languages the integration speaks; any other gets English answers.
LANGUAGES = ("en", "de", "es", "fr")
CAPITALIZED_NOUNS = {"de"}

# The keys of the entities voice acts on; their unique ids end in these.
MAIN_KEY = "massage"
HEAT_KEY = "heat"
HEAT_LEVEL_KEY = "heat_level"
BATTERY_KEY = "battery"

# Kinds a spoken word may stand for, as the shipped sentences' lists give them.
KIND_ANY = "any"
KINDS = {KIND_ANY, DeviceKind.GUN.value, DeviceKind.FOOT_LEG.value}

HEAT_ON = "on"
HEAT_WORDS = (HEAT_ON, HEAT_OFF, "low", "medium", "high")

INTENT_START = "MassageStart"
INTENT_STOP = "MassageStop"
INTENT_STOP_ALL = "MassageStopAll"
INTENT_SET_MODE = "MassageSetMode"
INTENT_SET_LEVEL = "MassageSetLevel"
INTENT_SET_HEAT = "MassageSetHeat"
INTENT_TIME_LEFT = "MassageTimeLeft"
INTENT_BATTERY = "MassageBattery"
INTENT_IS_RUNNING = "MassageIsRunning"
INTENT_ROUTINE_START = "MassageRoutineStart"
INTENT_ROUTINE_PAUSE = "MassageRoutinePause"
INTENT_ROUTINE_RESUME = "MassageRoutineResume"
INTENT_ROUTINE_SKIP = "MassageRoutineSkip"
INTENT_ROUTINE_STOP = "MassageRoutineStop"
INTENT_ROUTINE_CONFIRM = "MassageRoutineConfirm"
INTENT_ROUTINE_STATUS = "MassageRoutineStatus"

SLOT_NAME = "name"
SLOT_OTHER_NAME = "other_name"
SLOT_PREFERRED_AREA = "preferred_area_id"

# The translation keys (under "common") of everything voice says.
SAY_AND = "voice_and"
SAY_STARTED = "voice_started"
SAY_STOPPED = "voice_stopped"
SAY_ALREADY_OFF = "voice_already_off"
SAY_STOPPED_ALL = "voice_stopped_all"
SAY_NOTHING_RUNNING = "voice_nothing_running"
SAY_MODE_SET = "voice_mode_set"
SAY_LEVEL_SET = "voice_level_set"
SAY_HEAT_SET = "voice_heat_set"
SAY_HEAT_OFF = "voice_heat_off"
SAY_TIME_LEFT = "voice_time_left"
SAY_TIME_LEFT_MINUTE = "voice_time_left_minute"
SAY_NOT_RUNNING = "voice_not_running"
SAY_BATTERY = "voice_battery"
SAY_BATTERY_CHARGING = "voice_battery_charging"
SAY_RUNNING = "voice_running"
SAY_DETAIL_LEVEL = "voice_detail_level"
SAY_DETAIL_HEAT = "voice_detail_heat"
SAY_DETAIL_MINUTES = "voice_detail_minutes"
SAY_UNKNOWN_MASSAGER = "voice_unknown_massager"
SAY_NO_MASSAGER = "voice_no_massager"
SAY_WHICH_ONE = "voice_which_one"
SAY_UNKNOWN_MODE = "voice_unknown_mode"
SAY_NO_MODES = "voice_no_modes"
SAY_NO_HEAT = "voice_no_heat"
SAY_UNKNOWN_HEAT = "voice_unknown_heat"
SAY_NO_BATTERY = "voice_no_battery"
SAY_GUN_NEEDS_PERSON = "voice_gun_needs_person"
SAY_FAILED = "voice_failed"
SAY_ROUTINE_STARTED = "voice_routine_started"
SAY_ROUTINE_STEP = "voice_routine_step"
SAY_ROUTINE_AT = "voice_routine_at"
SAY_ROUTINE_WAITING = "voice_routine_waiting"
SAY_ROUTINE_PAUSED = "voice_routine_paused"
SAY_ROUTINE_RESUMED = "voice_routine_resumed"
SAY_ROUTINE_SKIPPED = "voice_routine_skipped"
SAY_ROUTINE_STOPPED = "voice_routine_stopped"
SAY_ROUTINE_CONFIRMED = "voice_routine_confirmed"
SAY_ROUTINE_TIME_LEFT = "voice_routine_time_left"
SAY_ROUTINE_TIME_LEFT_MINUTE = "voice_routine_time_left_minute"
SAY_ROUTINE_PAUSED_LEFT = "voice_routine_paused_left"
SAY_ROUTINE_PAUSED_LEFT_MINUTE = "voice_routine_paused_left_minute"
SAY_UNKNOWN_ROUTINE = "voice_unknown_routine"
SAY_ROUTINE_NO_PART = "voice_routine_no_part"
SAY_ROUTINE_NEEDS_GUN = "voice_routine_needs_gun"
SAY_ROUTINE_NEEDS_FOOT_LEG = "voice_routine_needs_foot_leg"
ROUTINE_NEEDS = {
    DeviceKind.GUN: SAY_ROUTINE_NEEDS_GUN,
    DeviceKind.FOOT_LEG: SAY_ROUTINE_NEEDS_FOOT_LEG,
}
SAY_CONFIRM_NEEDS_PERSON = "voice_confirm_needs_person"
# What the routine player says when no routine runs, or nothing can be done.
NO_ROUTINE = "routine_not_running"
NOTHING_TO_SKIP = "nothing_to_skip"
NOTHING_TO_CONFIRM = "nothing_to_confirm"
PLAYER_REFUSALS = (NO_ROUTINE, NOTHING_TO_SKIP, NOTHING_TO_CONFIRM)

# Refusals of the entities that voice words differently from an action's error.
VOICE_REFUSALS = {"gun_needs_person": SAY_GUN_NEEDS_PERSON}

_PUNCTUATION = re.compile(r"[^\w\s]")


def normalize(text: str) -> str:
    """Fold a spoken or written name for comparison."""
    return " ".join(_PUNCTUATION.sub(" ", text).casefold().replace("_", " ").split())


class Phrases:
    """What the integration says, in one language."""

    def __init__(self, language: str, strings: Mapping[str, str]) -> None:
        """Keep the integration's translated strings of one language."""
        self.language = language
        self._strings = strings

    @classmethod
    async def async_load(cls, hass: HomeAssistant, language: str) -> Phrases:
        """Load the phrases of the language closest to `language`."""
        matches = language_util.matches(language, LANGUAGES)
        chosen = matches[0] if matches else LANGUAGES[0]
        strings: dict[str, str] = {}
        for category in ("common", "exceptions", "entity"):
            strings |= await translation.async_get_translations(
                hass, chosen, category, [DOMAIN]
            )
        return cls(chosen, strings)

    def say(self, key: str, **placeholders: object) -> str:
        """Return the phrase `key` (under "common") with its placeholders filled."""
        return self._strings[f"component.{DOMAIN}.common.{key}"].format(**placeholders)

    def exception(self, key: str, **placeholders: object) -> str:
        """Return one of the integration's error messages in this language."""
        return self._strings[f"component.{DOMAIN}.exceptions.{key}.message"].format(
            **placeholders
        )

    def error(self, err: HomeAssistantError) -> str | None:
        """Return a refusal of the integration in words, or None if it is not ours."""
        if err.translation_domain != DOMAIN or err.translation_key is None:
            return None
        placeholders = err.translation_placeholders or {}
        if (voice_key := VOICE_REFUSALS.get(err.translation_key)) is not None:
            return self.say(voice_key, **placeholders)
        return self.exception(err.translation_key, **placeholders)

    def mode(self, mode: str) -> str:
        """Return a programme's name in this language, as said within a sentence."""
        name = self._strings.get(
            f"component.{DOMAIN}.entity.fan.massage.state_attributes"
            f".preset_mode.state.{mode}",
            mode.replace("_", " "),
        )
        # German writes nouns, as most programme names are, with a capital.
        return name if self.language in CAPITALIZED_NOUNS else name.lower()

    def modes(self, modes: tuple[str, ...]) -> str:
        """Return a device's programmes as a spoken list."""
        return self.join([self.mode(mode) for mode in modes])

    def heat(self, option: str) -> str:
        """Return a heat step's name in this language, as said within a sentence."""
        return self._strings.get(
            f"component.{DOMAIN}.entity.select.heat_level.state.{option}", option
        ).lower()

    def routine(self, routine_id: str) -> str:
        """Return a routine's name: a built-in one's in this language, else its id."""
        return self._strings.get(
            f"component.{DOMAIN}.entity.select.routine.state.{routine_id}",
            routine_id.replace("_", " "),
        )

    def step_title(self, prompt: str) -> str:
        """Return the short title of a routine step, by its prompt."""
        return self._strings.get(
            f"component.{DOMAIN}.entity.sensor.routine_step.state.{prompt}", prompt
        )

    def prompt(self, prompt: str) -> str:
        """Return what a routine step tells the person to do."""
        return self._strings.get(f"{PROMPT_TRANSLATIONS}{prompt}", prompt)

    def join(self, items: list[str]) -> str:
        """Join a few items as a sentence lists them: "a, b and c"."""
        if len(items) < 2:  # noqa: PLR2004 - one item needs no joining
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.say(SAY_AND)} {items[-1]}"


class RefusalError(Exception):
    """A request the integration will not or cannot carry out, said in words."""

    def __init__(self, speech: str) -> None:
        """Keep what to say."""
        super().__init__(speech)
        self.speech = speech


@dataclass(slots=True)
class Massager:
    """One massage device, as voice finds it."""

    entity_id: str
    name: str
    entry: MassageConfigEntry
    names: frozenset[str]
    area_id: str | None
    device_id: str | None = None

    @property
    def coordinator(self) -> MassageCoordinator | None:
        """The device's coordinator while its entry is loaded."""
        if self.entry.state is not ConfigEntryState.LOADED:
            return None
        return self.entry.runtime_data.coordinator

    @property
    def kind(self) -> DeviceKind | None:
        """Whether it is a gun or a foot and leg massager, once known."""
        coordinator = self.coordinator
        return None if coordinator is None else coordinator.info.kind


@dataclass(slots=True)
class Answer:
    """What an intent did, and what to say about it."""

    speech: str
    massagers: list[Massager] = field(default_factory=list)


@dataclass(slots=True)
class VoiceRequest:
    """One intent being handled: who asked, for what, and how to answer."""

    hass: HomeAssistant
    intent: intent.Intent
    slots: dict[str, Any]
    phrases: Phrases

    def slot(self, name: str) -> Any:
        """Return a slot's value, or None."""
        return self.slots.get(name, {}).get("value")

    def find(
        self,
        needs: Callable[[Capabilities], bool] | None = None,
        missing: str = SAY_NO_MASSAGER,
    ) -> list[Massager]:
        """Find the massagers the request means, the satellite's area first.

        Without a name, only the devices that can do what is asked (`needs`)
        are meant; a named device that cannot is refused with `missing`.
        """
        massagers = _massagers(self.hass, self.intent.assistant)
        spoken = self.slots.get(SLOT_NAME, {})
        if spoken:
            found = _by_name(massagers, spoken)
            if not found:
                raise RefusalError(
                    self.phrases.say(
                        SAY_UNKNOWN_MASSAGER, name=spoken.get("text", spoken["value"])
                    )
                )
        else:
            found = [
                massager
                for massager in massagers
                if needs is None or _can(massager, needs) is not False
            ]
            if not found:
                raise RefusalError(self.phrases.say(SAY_NO_MASSAGER))
        if len(found) > 1 and (area_id := self.slot(SLOT_PREFERRED_AREA)):
            found = [m for m in found if m.area_id == area_id] or found
        for massager in found:
            if needs is not None and _can(massager, needs) is False:
                raise RefusalError(self.phrases.say(missing, name=massager.name))
        return found

    def one(
        self,
        needs: Callable[[Capabilities], bool] | None = None,
        missing: str = SAY_NO_MASSAGER,
    ) -> tuple[Massager, MassageCoordinator]:
        """Find exactly one massager that can be reached."""
        found = self.find(needs, missing)
        if len(found) > 1:
            raise RefusalError(
                self.phrases.say(
                    SAY_WHICH_ONE,
                    names=self.phrases.join([massager.name for massager in found]),
                )
            )
        return found[0], self.reachable(found[0])

    def reachable(self, massager: Massager) -> MassageCoordinator:
        """Return the coordinator of a device that answers, or refuse in words."""
        coordinator = massager.coordinator
        if coordinator is None or not coordinator.last_update_success:
            raise RefusalError(
                self.phrases.exception("device_unreachable", name=massager.name)
            )
        return coordinator

    async def act(
        self,
        massager: Massager,
        domain: str,
        service: str,
        data: dict[str, Any],
        entity_id: str | None = None,
    ) -> None:
        """Run an entity's action as the person who asked; refusals become words."""
        with person_request(self.hass, self.intent) as context:
            try:
                await self.hass.services.async_call(
                    domain,
                    service,
                    {ATTR_ENTITY_ID: entity_id or massager.entity_id, **data},
                    blocking=True,
                    context=context,
                )
            except HomeAssistantError as err:
                raise RefusalError(
                    self.phrases.error(err)
                    or self.phrases.say(SAY_FAILED, name=massager.name, error=str(err))
                ) from err

    def player(self) -> RoutinePlayer:
        """Return the routine player, or refuse in words when it is not set up."""
        try:
            return routine_player(self.hass)
        except HomeAssistantError as err:
            raise RefusalError(self.phrases.error(err) or str(err)) from err

    async def ask(self, request: Awaitable[None]) -> None:
        """Ask the routine player for something; its refusals become words."""
        try:
            await request
        except HomeAssistantError as err:
            raise RefusalError(self.phrases.error(err) or str(err)) from err

    def mode(self, massager: Massager, capabilities: Capabilities) -> str:
        """Return the programme the request names, as the device calls it."""
        spoken = self.slots[ATTR_MODE]
        if not capabilities.modes:
            raise RefusalError(self.phrases.say(SAY_NO_MODES, name=massager.name))
        wanted = {normalize(str(spoken["value"])), normalize(spoken.get("text", ""))}
        for mode in capabilities.modes:
            if {normalize(mode), normalize(self.phrases.mode(mode))} & wanted:
                return mode
        raise RefusalError(
            self.phrases.say(
                SAY_UNKNOWN_MODE,
                name=massager.name,
                mode=spoken.get("text", spoken["value"]),
                modes=self.phrases.modes(capabilities.modes),
            )
        )

    def heat(self, massager: Massager, capabilities: Capabilities) -> int:
        """Return the heat step the request names: "on" is the gentlest."""
        value = self.slot(ATTR_HEAT)
        options = heat_options(capabilities)
        if value == HEAT_ON:
            return 1 if capabilities.heat_levels else 0
        if isinstance(value, int) and 0 <= value <= capabilities.heat_levels:
            return value
        if value in options:
            return options.index(value)
        raise RefusalError(
            self.phrases.say(
                SAY_UNKNOWN_HEAT,
                name=massager.name,
                heat=self.phrases.heat(str(value)),
                options=self.phrases.join(
                    [self.phrases.heat(option) for option in options]
                ),
            )
        )

    def settings(self, state: DeviceState, capabilities: Capabilities) -> str:
        """Say a running device's settings: level, programme, heat and timer."""
        details = [self.phrases.say(SAY_DETAIL_LEVEL, level=state.level)]
        if state.mode is not None:
            details.append(self.phrases.mode(state.mode))
        if capabilities.heat_levels:
            details.append(
                self.phrases.say(
                    SAY_DETAIL_HEAT,
                    heat=self.phrases.heat(heat_options(capabilities)[state.heat]),
                )
            )
        details.append(self.phrases.say(SAY_DETAIL_MINUTES, minutes=state.timer))
        return ", ".join(details)


def _can(massager: Massager, needs: Callable[[Capabilities], bool]) -> bool | None:
    """Whether a device can do something; None while it is not known."""
    coordinator = massager.coordinator
    return None if coordinator is None else needs(coordinator.info.capabilities)


@callback
def main_entities(
    hass: HomeAssistant,
) -> list[tuple[MassageConfigEntry, er.RegistryEntry]]:
    """Return every massager's config entry and the registry entry of its fan."""
    registry = er.async_get(hass)
    return [
        (config_entry, entry)
        for config_entry in hass.config_entries.async_entries(DOMAIN)
        for entry in er.async_entries_for_config_entry(registry, config_entry.entry_id)
        if entry.domain == FAN_DOMAIN and entry.unique_id.endswith(f"_{MAIN_KEY}")
    ]


@callback
def _massagers(hass: HomeAssistant, assistant: str | None) -> list[Massager]:
    """Return every massager whose main entity is exposed to the assistant."""
    devices = dr.async_get(hass)
    check_exposure = assistant is not None and DATA_EXPOSED_ENTITIES in hass.data
    massagers: list[Massager] = []
    for config_entry, entry in main_entities(hass):
        if check_exposure and not async_should_expose(
            hass, str(assistant), entry.entity_id
        ):
            continue
        device = devices.async_get(entry.device_id) if entry.device_id else None
        state = hass.states.get(entry.entity_id)
        name = (
            state.name
            if state is not None
            else er.async_get_full_entity_name(hass, entry)
        )
        names = {
            normalize(name),
            *map(normalize, er.async_get_entity_aliases(hass, entry)),
        }
        if device is not None:
            names.add(normalize(device.name_by_user or device.name or ""))
        massagers.append(
            Massager(
                entity_id=entry.entity_id,
                name=name,
                entry=config_entry,
                names=frozenset(names - {""}),
                area_id=entry.area_id
                or (device.area_id if device is not None else None),
                device_id=entry.device_id,
            )
        )
    return massagers


def _by_name(massagers: list[Massager], spoken: dict[str, Any]) -> list[Massager]:
    """Return the massagers a spoken name means: by their names, else by kind."""
    said = [normalize(str(spoken.get(key, ""))) for key in ("text", "value")]
    for text in said:
        if named := [massager for massager in massagers if text in massager.names]:
            return named
    kind = str(spoken["value"])
    if kind not in KINDS:
        return []
    return [
        massager
        for massager in massagers
        if kind == KIND_ANY or massager.kind is None or massager.kind.value == kind
    ]


def _state(request: VoiceRequest, massager: Massager) -> State | None:
    return request.hass.states.get(massager.entity_id)


async def _async_start(request: VoiceRequest) -> Answer:
    """Start a session, with whatever settings were asked for."""
    massager, coordinator = request.one()
    capabilities = coordinator.info.capabilities
    data: dict[str, Any] = {}
    if (level := request.slot(ATTR_LEVEL)) is not None:
        data[ATTR_LEVEL] = level
    if ATTR_MODE in request.slots:
        data[ATTR_MODE] = request.mode(massager, capabilities)
    if request.slot(ATTR_HEAT) is not None:
        if not capabilities.heat_levels:
            raise RefusalError(request.phrases.say(SAY_NO_HEAT, name=massager.name))
        data[ATTR_HEAT] = request.heat(massager, capabilities)
    if (minutes := request.slot(ATTR_MINUTES)) is not None:
        data[ATTR_MINUTES] = minutes
    await request.act(massager, DOMAIN, SERVICE_START_SESSION, data)
    return Answer(
        request.phrases.say(
            SAY_STARTED,
            name=massager.name,
            settings=request.settings(coordinator.data, capabilities),
        ),
        [massager],
    )


async def _async_stop(request: VoiceRequest) -> Answer:
    """Stop one massager."""
    massager, coordinator = request.one()
    if not coordinator.data.on:
        return Answer(
            request.phrases.say(SAY_ALREADY_OFF, name=massager.name), [massager]
        )
    await request.act(massager, FAN_DOMAIN, SERVICE_TURN_OFF, {})
    return Answer(request.phrases.say(SAY_STOPPED, name=massager.name), [massager])


async def _async_stop_all(request: VoiceRequest) -> Answer:
    """Stop every running massager at once, exposed to the assistant or not.

    Stopping is always safe, so nothing that runs is left out, a routine
    included (before it could start its next step); what cannot be stopped is
    named.
    """
    speech: list[str] = []
    if (run := _active_run(request.hass)) is not None:
        await request.ask(request.player().async_stop())
        speech.append(
            request.phrases.say(
                SAY_ROUTINE_STOPPED, routine=request.phrases.routine(run.routine.id)
            )
        )
    running = [
        massager
        for massager in _massagers(request.hass, None)
        if (coordinator := massager.coordinator) is not None and coordinator.data.on
    ]
    if not running:
        return Answer(" ".join(speech) or request.phrases.say(SAY_NOTHING_RUNNING))

    async def _async_stop_one(massager: Massager) -> str | None:
        """Stop one massager; return why not, if it could not be stopped."""
        try:
            request.reachable(massager)
            await request.act(massager, FAN_DOMAIN, SERVICE_TURN_OFF, {})
        except RefusalError as refusal:
            return refusal.speech
        return None

    refusals = await asyncio.gather(*map(_async_stop_one, running))
    stopped = [
        massager
        for massager, refusal in zip(running, refusals, strict=True)
        if refusal is None
    ]
    if stopped:
        names = request.phrases.join([massager.name for massager in stopped])
        speech.append(request.phrases.say(SAY_STOPPED_ALL, names=names))
    elif not speech:
        raise RefusalError(" ".join(filter(None, refusals)))
    speech.extend(refusal for refusal in refusals if refusal is not None)
    return Answer(" ".join(speech), stopped)


async def _async_set_mode(request: VoiceRequest) -> Answer:
    """Change the programme, starting a session if none runs."""
    massager, coordinator = request.one(
        needs=lambda caps: bool(caps.modes), missing=SAY_NO_MODES
    )
    mode = request.mode(massager, coordinator.info.capabilities)
    await request.act(
        massager, FAN_DOMAIN, SERVICE_SET_PRESET_MODE, {ATTR_PRESET_MODE: mode}
    )
    return Answer(
        request.phrases.say(
            SAY_MODE_SET, name=massager.name, mode=request.phrases.mode(mode)
        ),
        [massager],
    )


async def _async_set_level(request: VoiceRequest) -> Answer:
    """Change the level (speed or intensity), starting a session if none runs."""
    massager, coordinator = request.one()
    levels = coordinator.info.capabilities.levels
    level: int = request.slot(ATTR_LEVEL)
    if level > levels:
        raise RefusalError(
            request.phrases.exception(
                "invalid_level", level=str(level), levels=str(levels)
            )
        )
    await request.act(
        massager,
        FAN_DOMAIN,
        SERVICE_SET_PERCENTAGE,
        {ATTR_PERCENTAGE: ranged_value_to_percentage((1, levels), level)},
    )
    return Answer(
        request.phrases.say(
            SAY_LEVEL_SET, name=massager.name, level=level, levels=levels
        ),
        [massager],
    )


async def _async_set_heat(request: VoiceRequest) -> Answer:
    """Switch heat on or off, or set its step; the answer says the heat now."""
    massager, coordinator = request.one(
        needs=lambda caps: caps.heat_levels > 0, missing=SAY_NO_HEAT
    )
    capabilities = coordinator.info.capabilities
    step = request.heat(massager, capabilities)
    options = heat_options(capabilities)
    if step > 0 and capabilities.heat_levels > 1:
        domain, service, key = SELECT_DOMAIN, SERVICE_SELECT_OPTION, HEAT_LEVEL_KEY
        data = {ATTR_OPTION: options[step]}
    else:
        domain, key, data = SWITCH_DOMAIN, HEAT_KEY, {}
        service = SERVICE_TURN_ON if step else SERVICE_TURN_OFF
    entity_id = er.async_get(request.hass).async_get_entity_id(
        domain, DOMAIN, f"{coordinator.info.id}_{key}"
    )
    if entity_id is None:
        raise RefusalError(request.phrases.say(SAY_NO_HEAT, name=massager.name))
    await request.act(massager, domain, service, data, entity_id)
    if (heat := coordinator.data.heat) == 0:
        return Answer(request.phrases.say(SAY_HEAT_OFF, name=massager.name), [massager])
    return Answer(
        request.phrases.say(
            SAY_HEAT_SET, name=massager.name, heat=request.phrases.heat(options[heat])
        ),
        [massager],
    )


def _session_end(coordinator: MassageCoordinator) -> datetime | None:
    """When a running session ends: the device's timer or the session cap.

    The session cap always gives an end while a session runs.
    """
    ends = [
        moment
        for moment in (
            coordinator.data.session_end,
            coordinator.config_entry.runtime_data.safety.session_deadline,
        )
        if moment is not None
    ]
    return min(ends, default=None)


async def _async_time_left(request: VoiceRequest) -> Answer:
    """Say how long each meant massager still runs, or the routine, while one runs.

    Asked without a name during a routine, the person means the routine.
    """
    if SLOT_NAME not in request.slots and _active_run(request.hass) is not None:
        return await _async_routine_status(request)
    found = request.find()
    if SLOT_NAME not in request.slots:
        running = [
            massager
            for massager in found
            if (coordinator := massager.coordinator) is not None and coordinator.data.on
        ]
        if not running:
            return Answer(request.phrases.say(SAY_NOTHING_RUNNING))
        found = running
    now = dt_util.utcnow()
    speech = []
    for massager in found:
        coordinator = request.reachable(massager)
        if not coordinator.data.on or (ends := _session_end(coordinator)) is None:
            speech.append(request.phrases.say(SAY_NOT_RUNNING, name=massager.name))
        elif (minutes := _minutes(ends - now)) > 1:
            speech.append(
                request.phrases.say(SAY_TIME_LEFT, name=massager.name, minutes=minutes)
            )
        else:
            speech.append(request.phrases.say(SAY_TIME_LEFT_MINUTE, name=massager.name))
    return Answer(" ".join(speech), found)


async def _async_battery(request: VoiceRequest) -> Answer:
    """Say the battery of a device that has one."""
    massager, coordinator = request.one(
        needs=lambda caps: caps.battery, missing=SAY_NO_BATTERY
    )
    state = coordinator.data
    key = SAY_BATTERY_CHARGING if state.charging else SAY_BATTERY
    return Answer(
        request.phrases.say(key, name=massager.name, battery=state.battery), [massager]
    )


async def _async_is_running(request: VoiceRequest) -> Answer:
    """Say whether a device runs, and at what."""
    massager, coordinator = request.one()
    state = coordinator.data
    if not state.on:
        return Answer(
            request.phrases.say(SAY_NOT_RUNNING, name=massager.name), [massager]
        )
    return Answer(
        request.phrases.say(
            SAY_RUNNING,
            name=massager.name,
            settings=request.settings(state, coordinator.info.capabilities),
        ),
        [massager],
    )


def _minutes(left: timedelta) -> int:
    """Whole minutes, rounded up: a step never sounds shorter than it is."""
    return math.ceil(left.total_seconds() / 60)


# Routines


@callback
def _active_run(hass: HomeAssistant) -> RoutineRun | None:
    """Return the routine that runs or is paused, if any."""
    if (player := loaded_routine_player(hass)) is None or (run := player.run) is None:
        return None
    return None if run.ended else run


def _find_routine(request: VoiceRequest, player: RoutinePlayer) -> Routine:
    """Return the routine the person named, by its id or its name in their language.

    Without a name, the routine chosen on the player, as its start button does.
    """
    if not (spoken := request.slots.get(ATTR_ROUTINE)):
        return player.routines[player.selected]
    wanted = {normalize(str(spoken["value"])), normalize(spoken.get("text", ""))}
    for routine_id, routine in player.routines.items():
        if {normalize(routine_id), normalize(request.phrases.routine(routine_id))} & (
            wanted
        ):
            return routine
    raise RefusalError(
        request.phrases.say(
            SAY_UNKNOWN_ROUTINE,
            routine=spoken.get("text", spoken["value"]),
            routines=request.phrases.join(
                [request.phrases.routine(routine_id) for routine_id in player.routines]
            ),
        )
    )


def _routine_devices(
    request: VoiceRequest, routine: Routine, chosen: Mapping[DeviceKind, str]
) -> dict[DeviceKind, str]:
    """Choose the massager of each of the routine's roles, as the person named them.

    Of several the person could mean, the one in the satellite's area plays, else
    the one chosen on the routine player; otherwise the person is asked which.
    """
    phrases = request.phrases
    massagers = [
        massager
        for massager in _massagers(request.hass, request.intent.assistant)
        if massager.device_id is not None
    ]
    named = _named_roles(request, routine, massagers)
    devices: dict[DeviceKind, str] = {}
    for role in routine.roles:
        candidates = named.get(role) or [
            massager for massager in massagers if massager.kind is role
        ]
        if not candidates:
            raise RefusalError(
                phrases.say(ROUTINE_NEEDS[role], routine=phrases.routine(routine.id))
            )
        if len(candidates) > 1 and (area_id := request.slot(SLOT_PREFERRED_AREA)):
            candidates = [m for m in candidates if m.area_id == area_id] or candidates
        if len(candidates) > 1 and (chosen_id := chosen.get(role)) is not None:
            candidates = [
                m for m in candidates if m.device_id == chosen_id
            ] or candidates
        if len(candidates) > 1:
            candidates = _able_to_play(request.hass, routine, role, candidates)
        if len(candidates) > 1:
            raise RefusalError(
                phrases.say(
                    SAY_WHICH_ONE, names=phrases.join([m.name for m in candidates])
                )
            )
        request.reachable(candidates[0])
        if (device_id := candidates[0].device_id) is not None:
            devices[role] = device_id
    return devices


def _able_to_play(
    hass: HomeAssistant, routine: Routine, role: DeviceKind, massagers: list[Massager]
) -> list[Massager]:
    """Keep the massagers that can do each of the role's steps, as Start does."""
    loaded = {device.device_id: device for device in loaded_devices(hass)}
    able = {
        device.device_id
        for device in able_to_play(
            routine,
            role,
            [loaded[m.device_id] for m in massagers if m.device_id in loaded],
        )
    }
    return [m for m in massagers if m.device_id in able] or massagers


def _named_roles(
    request: VoiceRequest, routine: Routine, massagers: list[Massager]
) -> dict[DeviceKind, list[Massager]]:
    """Return the massagers the person named for a routine, by the role they play."""
    named: dict[DeviceKind, list[Massager]] = {}
    for slot in (SLOT_NAME, SLOT_OTHER_NAME):
        if not (spoken := request.slots.get(slot)):
            continue
        found = _by_name(massagers, spoken)
        if not found:
            raise RefusalError(
                request.phrases.say(
                    SAY_UNKNOWN_MASSAGER, name=spoken.get("text", spoken["value"])
                )
            )
        playing = [
            (massager, kind)
            for massager in found
            if (kind := request.reachable(massager).info.kind) in routine.roles
        ]
        if not playing:
            raise RefusalError(
                request.phrases.say(
                    SAY_ROUTINE_NO_PART,
                    name=found[0].name,
                    routine=request.phrases.routine(routine.id),
                )
            )
        for massager, kind in playing:
            if massager not in (chosen := named.setdefault(kind, [])):
                chosen.append(massager)
    return named


def _steps(request: VoiceRequest, run: RoutineRun, tracks: list[Track]) -> list[str]:
    """Say each track's current step, with what to do, then what waits for whom."""
    phrases = request.phrases
    speech = []
    for track in sorted(tracks, key=lambda track: track.index):
        step = run.routine.steps[track.index]
        speech.append(
            phrases.say(
                SAY_ROUTINE_STEP,
                step=track.index + 1,
                steps=len(run.routine.steps),
                title=phrases.step_title(step.prompt),
                prompt=phrases.prompt(step.prompt),
            )
        )
    return speech + _waiting(request, run)


def _waiting(request: VoiceRequest, run: RoutineRun) -> list[str]:
    """Tell the person how to start the gun, while a gun step waits for them."""
    if (track := run.waiting_track) is None:
        return []
    return [request.phrases.say(SAY_ROUTINE_WAITING, name=track.device.name)]


def _at(request: VoiceRequest, run: RoutineRun) -> list[str]:
    """Say the step the person follows."""
    if (current := run.current_step) is None:
        return []
    index, step = current
    return [
        request.phrases.say(
            SAY_ROUTINE_AT,
            step=index + 1,
            steps=len(run.routine.steps),
            title=request.phrases.step_title(step.prompt),
        )
    ]


def _active_tracks(run: RoutineRun) -> list[Track]:
    return [track for track in run.tracks if track.status is not TrackStatus.DONE]


def _running(request: VoiceRequest, player: RoutinePlayer) -> RoutineRun:
    """Return the routine that runs or is paused, or refuse: none does."""
    if player.run is None or player.run.ended:
        raise RefusalError(request.phrases.exception(NO_ROUTINE))
    return player.run


async def _async_routine_start(request: VoiceRequest) -> Answer:
    """Start a routine on the massagers the person named, or the only ones there are."""
    player = request.player()
    routine = _find_routine(request, player)
    devices = _routine_devices(request, routine, player.chosen)
    await request.ask(player.async_start(routine.id, devices))
    run = _running(request, player)
    speech = [
        request.phrases.say(
            SAY_ROUTINE_STARTED, routine=request.phrases.routine(routine.id)
        ),
        *_steps(request, run, _active_tracks(run)),
    ]
    return Answer(" ".join(speech))


async def _async_routine_pause(request: VoiceRequest) -> Answer:
    """Pause the routine: its massagers go off, the steps hold."""
    player = request.player()
    await request.ask(player.async_pause())
    run = _running(request, player)
    speech = [
        request.phrases.say(
            SAY_ROUTINE_PAUSED, routine=request.phrases.routine(run.routine.id)
        ),
        *_at(request, run),
    ]
    return Answer(" ".join(speech))


async def _async_routine_resume(request: VoiceRequest) -> Answer:
    """Go on with the paused routine; a gun step waits for the person again."""
    player = request.player()
    await request.ask(player.async_resume())
    run = _running(request, player)
    speech = [
        request.phrases.say(
            SAY_ROUTINE_RESUMED, routine=request.phrases.routine(run.routine.id)
        ),
        *_steps(request, run, _active_tracks(run)),
    ]
    return Answer(" ".join(speech))


async def _async_routine_skip(request: VoiceRequest) -> Answer:
    """Skip the step the person follows, and say what comes next."""
    player = request.player()
    run = _running(request, player)
    if (track := run.current_track) is None:
        raise RefusalError(request.phrases.exception(NOTHING_TO_SKIP))
    skipped = track.index
    await request.ask(player.async_skip())
    speech = [request.phrases.say(SAY_ROUTINE_SKIPPED, step=skipped + 1)]
    if run.ended:
        speech.append(request.phrases.prompt(FINISHED_PROMPT))
    elif track.status is not TrackStatus.DONE:
        speech.extend(_steps(request, run, [track]))
    elif (current := run.current_track) is not None:
        speech.extend(_steps(request, run, [current]))
    return Answer(" ".join(speech))


async def _async_routine_stop(request: VoiceRequest) -> Answer:
    """Stop the routine; every massager of it goes off."""
    player = request.player()
    run = _running(request, player)
    await request.ask(player.async_stop())
    return Answer(
        request.phrases.say(
            SAY_ROUTINE_STOPPED, routine=request.phrases.routine(run.routine.id)
        )
    )


async def _async_routine_confirm(request: VoiceRequest) -> Answer:
    """Start the gun for the step that waits: a person said so.

    Only a person's request confirms (the consent rules of every voice request);
    an automation passing "ready" to a conversation does not.
    """
    with person_request(request.hass, request.intent) as context:
        if not is_person_request(request.hass, context):
            raise RefusalError(request.phrases.say(SAY_CONFIRM_NEEDS_PERSON))
        run = _running(request, request.player())
        if (track := run.waiting_track) is None:
            raise RefusalError(request.phrases.exception(NOTHING_TO_CONFIRM))
        await request.ask(async_confirm_step(request.hass, context))
    return Answer(
        request.phrases.say(
            SAY_ROUTINE_CONFIRMED,
            name=track.device.name,
            step=track.index + 1,
            steps=len(run.routine.steps),
            title=request.phrases.step_title(run.routine.steps[track.index].prompt),
        )
    )


async def _async_routine_status(request: VoiceRequest) -> Answer:
    """Say how long the routine still takes, the step it is at, and what waits."""
    phrases = request.phrases
    run = _active_run(request.hass)
    if run is None or (left := run.time_left) is None:
        # Asked while nothing runs: an answer, not a refusal.
        request.player()
        return Answer(phrases.exception(NO_ROUTINE))
    name = phrases.routine(run.routine.id)
    minutes = _minutes(left)
    if run.status is RunStatus.PAUSED:
        key = SAY_ROUTINE_PAUSED_LEFT if minutes > 1 else SAY_ROUTINE_PAUSED_LEFT_MINUTE
    else:
        key = SAY_ROUTINE_TIME_LEFT if minutes > 1 else SAY_ROUTINE_TIME_LEFT_MINUTE
    speech = [phrases.say(key, routine=name, minutes=minutes), *_at(request, run)]
    if run.status is not RunStatus.PAUSED:
        speech.extend(_waiting(request, run))
    return Answer(" ".join(speech))


NAME_DESCRIPTION = (
    "Name of a massager, or its kind: 'gun' for a massage gun, 'foot_leg' for a "
    "foot and leg massager. Leave out when only one massager is meant."
)
LEVEL = vol.All(vol.Coerce(int), vol.Range(min=1))
MINUTES = vol.All(vol.Coerce(int), vol.Range(min=1))
HEAT = vol.Any(vol.All(vol.Coerce(int), vol.Range(min=0)), vol.In(HEAT_WORDS))
MODE_DESCRIPTION = "A massage programme of the device, such as kneading or rolling."
HEAT_DESCRIPTION = "Heat: 'on', 'off', a step from 0 (off), or low, medium or high."
ROUTINE_DESCRIPTION = (
    "The routine's id or name. Leave out to start the routine chosen on the "
    "routine player."
)
ROUTINE_NAME_DESCRIPTION = (
    "A massager to use in the routine, by name or kind ('gun', 'foot_leg'). Leave "
    "out to use the only massager of each kind."
)
OTHER_NAME_DESCRIPTION = (
    "A second massager to use, when the routine uses a gun and a foot and leg massager."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MassageIntent:
    """One voice intent: its name, what it tells an LLM, its slots and its work."""

    intent_type: str
    title: str
    description: str
    handle: Callable[[VoiceRequest], Awaitable[Answer]]
    slots: dict[Any, Any] = field(default_factory=dict)
    read_only: bool = False
    # Whether it acts on one massager the person may name (else on the routine).
    names_massager: bool = True


INTENTS: tuple[MassageIntent, ...] = (
    MassageIntent(
        intent_type=INTENT_START,
        title="Start a massage",
        description=(
            "Starts a massager: a massage gun or a foot and leg massager, "
            "optionally with a level, programme, heat and minutes. Use this, not "
            "HassTurnOn, to start a massager."
        ),
        handle=_async_start,
        slots={
            vol.Optional(ATTR_LEVEL, description="Level, from 1."): LEVEL,
            vol.Optional(ATTR_MODE, description=MODE_DESCRIPTION): cv.string,
            vol.Optional(ATTR_HEAT, description=HEAT_DESCRIPTION): HEAT,
            vol.Optional(
                ATTR_MINUTES, description="Minutes until it stops by itself."
            ): MINUTES,
        },
    ),
    MassageIntent(
        intent_type=INTENT_STOP,
        title="Stop a massager",
        description="Stops one massager.",
        handle=_async_stop,
    ),
    MassageIntent(
        intent_type=INTENT_STOP_ALL,
        title="Stop all massage",
        description="Stops every running massager, everywhere, at once.",
        handle=_async_stop_all,
    ),
    MassageIntent(
        intent_type=INTENT_SET_MODE,
        title="Set a massage programme",
        description=("Sets the programme of a massager, starting it if it is off."),
        handle=_async_set_mode,
        slots={vol.Required(ATTR_MODE, description=MODE_DESCRIPTION): cv.string},
    ),
    MassageIntent(
        intent_type=INTENT_SET_LEVEL,
        title="Set a massage level",
        description=(
            "Sets the level (speed of a gun, intensity of a foot and leg massager), "
            "starting it if it is off."
        ),
        handle=_async_set_level,
        slots={vol.Required(ATTR_LEVEL, description="Level, from 1."): LEVEL},
    ),
    MassageIntent(
        intent_type=INTENT_SET_HEAT,
        title="Set massage heat",
        description=(
            "Switches the heat of a massager on or off, or sets its step; heat "
            "on a massager that is off starts it."
        ),
        handle=_async_set_heat,
        slots={vol.Required(ATTR_HEAT, description=HEAT_DESCRIPTION): HEAT},
    ),
    MassageIntent(
        intent_type=INTENT_TIME_LEFT,
        title="Massage time left",
        description="Tells how long a massager, or every running one, still runs.",
        handle=_async_time_left,
        read_only=True,
    ),
    MassageIntent(
        intent_type=INTENT_BATTERY,
        title="Massage gun battery",
        description="Tells the battery level of a massage gun, and if it charges.",
        handle=_async_battery,
        read_only=True,
    ),
    MassageIntent(
        intent_type=INTENT_IS_RUNNING,
        title="Is a massager running",
        description="Tells whether a massager runs, and at which settings.",
        handle=_async_is_running,
        read_only=True,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_START,
        title="Start a massage routine",
        description=(
            "Starts a guided massage routine by name, optionally on named massagers. "
            "Built-in routines: post_workout_legs, lower_back_spasm, neck_tension, "
            "leg_cramp, foot_calf_circulation; the person may have their own. Each "
            "massage gun step then waits until the person confirms it."
        ),
        handle=_async_routine_start,
        names_massager=False,
        slots={
            vol.Optional(ATTR_ROUTINE, description=ROUTINE_DESCRIPTION): (
                intent.non_empty_string
            ),
            vol.Optional(SLOT_NAME, description=ROUTINE_NAME_DESCRIPTION): (
                intent.non_empty_string
            ),
            vol.Optional(SLOT_OTHER_NAME, description=OTHER_NAME_DESCRIPTION): (
                intent.non_empty_string
            ),
            vol.Optional(SLOT_PREFERRED_AREA): cv.string,
        },
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_PAUSE,
        title="Pause the massage routine",
        description=(
            "Pauses the running massage routine; its massagers go off until it resumes."
        ),
        handle=_async_routine_pause,
        names_massager=False,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_RESUME,
        title="Resume the massage routine",
        description="Resumes the paused massage routine where it stopped.",
        handle=_async_routine_resume,
        names_massager=False,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_SKIP,
        title="Skip a routine step",
        description="Skips the current step of the running massage routine.",
        handle=_async_routine_skip,
        names_massager=False,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_STOP,
        title="Stop the massage routine",
        description=(
            "Stops the running massage routine; every massager of it goes off."
        ),
        handle=_async_routine_stop,
        names_massager=False,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_CONFIRM,
        title="Confirm the massage gun step",
        description=(
            "Starts the massage gun for the routine step that waits for it. Use it "
            "only when the person says they are ready (ready, go ahead, confirm)."
        ),
        handle=_async_routine_confirm,
        names_massager=False,
    ),
    MassageIntent(
        intent_type=INTENT_ROUTINE_STATUS,
        title="Massage routine status",
        description=(
            "Tells how long the massage routine still takes, the step it is at, "
            "and whether a gun step waits for the person."
        ),
        handle=_async_routine_status,
        read_only=True,
        names_massager=False,
    ),
)


class MassageIntentHandler(intent.IntentHandler):
    """Handles one of the integration's intents, from Assist or an LLM agent."""

    def __init__(self, voice: MassageIntent) -> None:
        """Take the intent's description."""
        self.voice = voice
        self.intent_type = voice.intent_type
        self.description = voice.description

    @property
    @override
    def slot_schema(self) -> dict[Any, Any]:
        """The target's name and the satellite's area, if any, and its own slots."""
        if not self.voice.names_massager:
            return dict(self.voice.slots)
        return {
            vol.Optional(SLOT_NAME, description=NAME_DESCRIPTION): (
                intent.non_empty_string
            ),
            vol.Optional(SLOT_PREFERRED_AREA): cv.string,
            **self.voice.slots,
        }

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Carry the intent out and say what happened, or why not."""
        hass = intent_obj.hass
        request = VoiceRequest(
            hass,
            intent_obj,
            self.async_validate_slots(intent_obj.slots),
            await Phrases.async_load(hass, intent_obj.language),
        )
        response = intent_obj.create_response()
        try:
            answer = await self.voice.handle(request)
        except RefusalError as refusal:
            response.async_set_error(
                intent.IntentResponseErrorCode.FAILED_TO_HANDLE, refusal.speech
            )
            return response
        if self.voice.read_only:
            response.response_type = intent.IntentResponseType.QUERY_ANSWER
        response.async_set_speech(answer.speech)
        response.async_set_results(
            [
                intent.IntentResponseTarget(
                    name=massager.name,
                    type=intent.IntentResponseTargetType.ENTITY,
                    id=massager.entity_id,
                )
                for massager in answer.massagers
            ]
        )
        response.async_set_states(
            [
                state
                for massager in answer.massagers
                if (state := _state(request, massager)) is not None
            ]
        )
        return response


@callback
def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the integration's intents, once for all devices."""
    for voice in INTENTS:
        intent.async_register(hass, MassageIntentHandler(voice))
