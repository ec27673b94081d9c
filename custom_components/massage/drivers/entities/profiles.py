"""Known device families: each proposes an entity mapping from a device's entities.

A profile only pre-fills: the person sees the whole mapping and can change any of
it before the entry is made. Entities are matched by domain, device class, a pattern
searched in each of their translation key, original name, object id and unique id,
and where needed a pattern searched in their device's name and model.

What each profile is based on:

- ``xiaomi_miot_massager`` and ``xiaomi_miot_foot_bath``: the custom integration
  "Xiaomi Miot Auto" (al-one/hass-xiaomi-miot). It gives the ``massager`` and
  ``foot_bath`` MIoT services a main switch whose translation key is the service's
  name, and each property entity the translation key ``<service>-<property>``. Its
  built-in customisation for ``*.foot_bath.*`` makes ``foot_massage`` and
  ``constant_temperature_heating`` switches, ``heat_level`` and ``motor_control``
  selects, ``target_time`` and ``target_temperature`` numbers, and ``left_time``
  and ``temperature`` sensors. Massager (chair and cushion) models differ; their
  mode, strength, heating and time properties are matched by name. Home
  Assistant's own ``xiaomi_miio`` supports no massager.
- ``tuya_amy`` and ``tuya_liliao``: Tuya's standard instruction sets. Massage chair
  (``amy``): ``switch``, ``time_set`` (minutes 0 to 500), ``heat``,
  ``massage_speed`` (``level_1`` to ``level_3``), ``manual_mode`` (``pinch``,
  ``beat``, ``knock``, ``shiatsu``, ``tuina``, ``close``), ``auto_mode``,
  ``aircell_speed`` and more. Physiotherapy product (``liliao``): ``switch``,
  ``mode`` (``auto``, ``manual``), ``level`` (``level_1`` to ``level_5``),
  ``temp_set`` (°C 0 to 100), ``countdown`` (seconds, 0 to 86400, also the time left).
  Home Assistant's ``tuya`` integration knows both categories but makes no
  entities for them, and tuya-local has no device file for them; the entities
  come from localtuya, named by the person after the data point's code or Tuya's
  name for it, which is what the patterns match. The target temperatures offered
  for ``liliao`` heat are a suggestion, since the data point allows 0 to 100 °C.
- ``esphome_relays``: an ESP32 retrofit of a foot massager; ESPHome shows each
  ``switch:`` (a GPIO relay) as a switch named by its ``name:``, without a
  translation key. Relays for the motor and the heater fill power and heat; a
  pump relay (air compression) has no role and is left to the person.
- ``plug_with_pusher``: a smart plug's switch (device class ``outlet`` where its
  integration sets one) and power sensor (device class ``power``), with a button
  pusher: SwitchBot's Bot is a switch with the translation key ``bot`` in Home
  Assistant's ``switchbot`` integration (in press mode, on presses and it returns
  by itself), a Tuya Fingerbot (category ``szjqr``) is a switch with the
  translation key ``switch`` on a device named as one, or any button entity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import re
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, split_entity_id
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ...api import DeviceKind
from .config import (
    BACKEND,
    CONF_BACKEND,
    CONF_DELAY,
    CONF_KIND,
    CONF_MEANS,
    CONF_PROFILE,
    CONF_PULSE,
    CONF_REMAINING,
    CONF_ROLES,
    CONF_SENSOR,
    CONF_SOURCE_DEVICE,
    CONF_SWITCH,
    CONF_VALUES,
    ROLE_HEAT,
    ROLE_LEVEL,
    ROLE_MODE,
    ROLE_POWER,
    ROLE_START,
    ROLE_TIMER,
)


@dataclass(frozen=True, slots=True)
class Match:
    """Which entity of the chosen devices fills one field of a role."""

    domains: tuple[str, ...]
    pattern: str = ""
    device_class: str | None = None
    device: str = ""  # searched in the name and model of the entity's device
    optional: bool = False  # the role is proposed without this field
    reuse: bool = False  # may be an entity another field took already


# A role's template: its fields, each a Match or a constant. A role is proposed
# with the first of its templates whose required matches all find an entity.
type RoleTemplate = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    """A device family and how its entities fill the roles."""

    key: str
    kind: DeviceKind
    integrations: tuple[str, ...]  # the entities' platforms; empty for any
    roles: Mapping[str, Sequence[RoleTemplate]]


_SWITCH = ("switch",)
_SELECT = ("select",)
_NUMBER = ("number",)
_SENSOR = ("sensor",)
_TUYA = ("tuya", "tuya_local", "localtuya")
# Words a Tuya data point or its English name ends with.
_TUYA_POWER = r"(^|[\s_-])(switch|power)$"


def _last_word(words: str) -> str:
    """Return a pattern for names that end in one of the words.

    Entity ids begin with the device's name, which may say "massager" itself.
    """
    return rf"(^|[\s_-])({words})$"


def _xiaomi(service: str, prop: str) -> str:
    """Return a pattern for a property's translation key in Xiaomi Miot Auto."""
    return rf"^{service}-{prop}$"


PROFILES: tuple[Profile, ...] = (
    Profile(
        key="xiaomi_miot_massager",
        kind=DeviceKind.FOOT_LEG,
        integrations=("xiaomi_miot",),
        roles={
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH, r"^massager$"),
                    CONF_DELAY: 0,
                },
            ),
            ROLE_MODE: (
                {CONF_MEANS: "select", ATTR_ENTITY_ID: Match(_SELECT, r"-mode$")},
            ),
            ROLE_LEVEL: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(
                        _SELECT, r"-(massage_)?(strength|intensity|level|gear)$"
                    ),
                },
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(
                        _NUMBER, r"-(massage_)?(strength|intensity|level|gear)$"
                    ),
                },
            ),
            ROLE_HEAT: (
                {CONF_MEANS: "switch", ATTR_ENTITY_ID: Match(_SWITCH, r"-heat(ing)?$")},
            ),
            ROLE_TIMER: (
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(_NUMBER, r"-(target_time|timer|countdown)$"),
                    CONF_REMAINING: Match(_SENSOR, r"-left_time$", optional=True),
                },
            ),
        },
    ),
    Profile(
        key="xiaomi_miot_foot_bath",
        kind=DeviceKind.FOOT_LEG,
        integrations=("xiaomi_miot",),
        roles={
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH, r"^foot_bath$"),
                    CONF_DELAY: 0,
                },
            ),
            ROLE_START: (
                {
                    CONF_MEANS: "hold",
                    ATTR_ENTITY_ID: Match(
                        _SWITCH, _xiaomi("foot_bath", "foot_massage")
                    ),
                },
            ),
            ROLE_HEAT: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, _xiaomi("foot_bath", "heat_level")),
                    CONF_SWITCH: Match(
                        _SWITCH,
                        _xiaomi("foot_bath", "constant_temperature_heating"),
                        optional=True,
                    ),
                },
                {
                    CONF_MEANS: "switch",
                    ATTR_ENTITY_ID: Match(
                        _SWITCH, _xiaomi("foot_bath", "constant_temperature_heating")
                    ),
                },
            ),
            ROLE_TIMER: (
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(_NUMBER, _xiaomi("foot_bath", "target_time")),
                    CONF_REMAINING: Match(
                        _SENSOR, _xiaomi("foot_bath", "left_time"), optional=True
                    ),
                },
            ),
        },
    ),
    Profile(
        key="tuya_amy",
        kind=DeviceKind.FOOT_LEG,
        integrations=_TUYA,
        roles={
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH, _TUYA_POWER),
                    CONF_DELAY: 0,
                },
            ),
            ROLE_LEVEL: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, r"massage[\s_]?speed"),
                },
            ),
            ROLE_MODE: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, r"manual[\s_]?mode"),
                },
            ),
            ROLE_HEAT: (
                {
                    CONF_MEANS: "switch",
                    ATTR_ENTITY_ID: Match(_SWITCH, r"(^|[\s_-])heat(ing)?$"),
                },
            ),
            ROLE_TIMER: (
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(_NUMBER, r"time[\s_]?set"),
                },
            ),
        },
    ),
    Profile(
        key="tuya_liliao",
        kind=DeviceKind.FOOT_LEG,
        integrations=_TUYA,
        roles={
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH, _TUYA_POWER),
                    CONF_DELAY: 0,
                },
            ),
            ROLE_LEVEL: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, r"(^|[\s_-])level$"),
                },
            ),
            ROLE_MODE: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, r"(^|[\s_-])(working[\s_])?mode$"),
                },
            ),
            ROLE_HEAT: (
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(
                        _NUMBER, r"temp[\s_]?set|target[\s_]temperature"
                    ),
                    CONF_VALUES: [38, 42, 45],
                },
            ),
            ROLE_TIMER: (
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(_NUMBER, r"count[\s_]?down"),
                    CONF_REMAINING: Match(_NUMBER, r"count[\s_]?down", reuse=True),
                },
            ),
        },
    ),
    Profile(
        key="esphome_relays",
        kind=DeviceKind.FOOT_LEG,
        integrations=("esphome",),
        roles={
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(
                        _SWITCH, _last_word("motor|massage|rollers?|kneading")
                    ),
                    CONF_DELAY: 0,
                },
            ),
            ROLE_LEVEL: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(_SELECT, _last_word("level|intensity|speed")),
                },
                {
                    CONF_MEANS: "number",
                    ATTR_ENTITY_ID: Match(_NUMBER, _last_word("level|intensity|speed")),
                },
            ),
            ROLE_MODE: (
                {
                    CONF_MEANS: "select",
                    ATTR_ENTITY_ID: Match(
                        _SELECT, _last_word("mode|program|programme")
                    ),
                },
            ),
            ROLE_HEAT: (
                {
                    CONF_MEANS: "switch",
                    ATTR_ENTITY_ID: Match(_SWITCH, _last_word("heat|heater|heating")),
                },
            ),
        },
    ),
    Profile(
        key="plug_with_pusher",
        kind=DeviceKind.FOOT_LEG,
        integrations=(),
        roles={
            # The pusher first, so that the plug's switch is what is left for power.
            ROLE_START: (
                {
                    CONF_MEANS: "pulse",
                    ATTR_ENTITY_ID: Match(_SWITCH, r"^bot$|finger|pusher"),
                    CONF_PULSE: 0,
                },
                {
                    CONF_MEANS: "pulse",
                    ATTR_ENTITY_ID: Match(_SWITCH, device=r"finger ?bot|pusher"),
                    CONF_PULSE: 0,
                },
                {CONF_MEANS: "press", "press": {ATTR_ENTITY_ID: Match(("button",))}},
            ),
            ROLE_POWER: (
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH, device_class="outlet"),
                    CONF_SENSOR: Match(_SENSOR, device_class="power", optional=True),
                },
                {
                    CONF_MEANS: "toggle",
                    ATTR_ENTITY_ID: Match(_SWITCH),
                    CONF_SENSOR: Match(_SENSOR, device_class="power", optional=True),
                },
            ),
        },
    ),
)
PROFILES_BY_KEY: dict[str, Profile] = {profile.key: profile for profile in PROFILES}


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An entity of the chosen devices, with what a match looks at."""

    entity_id: str
    platform: str
    device_class: str | None
    texts: tuple[str, ...]
    device_texts: tuple[str, ...]

    def fits(self, match: Match) -> bool:
        """Tell whether the entity fits a match."""
        if split_entity_id(self.entity_id)[0] not in match.domains:
            return False
        if match.device_class is not None and self.device_class != match.device_class:
            return False
        return _found(match.pattern, self.texts) and _found(
            match.device, self.device_texts
        )


def _found(pattern: str, texts: tuple[str, ...]) -> bool:
    """Tell whether a pattern is found in one of the texts; "" is always found."""
    if not pattern:
        return True
    compiled = re.compile(pattern, re.IGNORECASE)
    return any(compiled.search(text) for text in texts)


def _candidates(hass: HomeAssistant, device_ids: Sequence[str]) -> list[_Candidate]:
    """Return the enabled entities of the devices, in a stable order."""
    entities, devices = er.async_get(hass), dr.async_get(hass)
    found: list[_Candidate] = []
    for device_id in device_ids:
        device = devices.async_get(device_id)
        about: tuple[str, ...] = ()
        if isinstance(device, dr.DeviceEntry):
            about = (device.name or "", device.model or "")
        for entry in sorted(
            er.async_entries_for_device(entities, device_id),
            key=lambda entry: entry.entity_id,
        ):
            texts = (
                entry.translation_key or "",
                entry.original_name or "",
                split_entity_id(entry.entity_id)[1],
                entry.unique_id,
            )
            found.append(
                _Candidate(
                    entry.entity_id,
                    entry.platform,
                    entry.device_class or entry.original_device_class,
                    tuple(text for text in texts if text),
                    tuple(text for text in about if text),
                )
            )
    return found


def _pick(match: Match, candidates: list[_Candidate], taken: set[str]) -> str | None:
    """Return the first entity that fits a match and is not taken."""
    return next(
        (
            candidate.entity_id
            for candidate in candidates
            if (match.reuse or candidate.entity_id not in taken)
            and candidate.fits(match)
        ),
        None,
    )


def _fill(
    template: Mapping[str, Any], candidates: list[_Candidate], taken: set[str]
) -> dict[str, Any] | None:
    """Fill a role's template, or return None when a required match finds nothing.

    The entities it fills with are added to `taken` only when the whole role fills.
    """
    filled: dict[str, Any] = {}
    took = set(taken)
    for key, value in template.items():
        if isinstance(value, Mapping):
            if (inner := _fill(value, candidates, took)) is None:
                return None
            filled[key] = inner
        elif isinstance(value, Match):
            if (fit := _pick(value, candidates, took)) is not None:
                filled[key] = fit
                took.add(fit)
            elif not value.optional:
                return None
        else:
            filled[key] = value
    taken.update(took)
    return filled


def async_prefill(
    hass: HomeAssistant, profile_key: str, device_ids: Sequence[str]
) -> dict[str, Any]:
    """Propose entry data for a profile from the chosen devices' entities.

    The first device is the one the massager links to. Roles whose entities are
    not found are left out; power may be missing too, which the entry's schema
    then reports, so that the person picks it.
    """
    profile = PROFILES_BY_KEY[profile_key]
    candidates = _candidates(hass, device_ids)
    taken: set[str] = set()
    roles: dict[str, Any] = {}
    for role, templates in profile.roles.items():
        for template in templates:
            if (filled := _fill(template, candidates, taken)) is not None:
                roles[role] = filled
                break
    data: dict[str, Any] = {
        CONF_BACKEND: BACKEND,
        CONF_KIND: profile.kind.value,
        CONF_PROFILE: profile.key,
        CONF_ROLES: roles,
    }
    if device_ids:
        data[CONF_SOURCE_DEVICE] = device_ids[0]
    return data


def async_suggest_profiles(hass: HomeAssistant, device_ids: Sequence[str]) -> list[str]:
    """Return the profiles that fit the devices, the one that fills most first.

    A profile fits when it knows the devices' integration and finds their power.
    """
    candidates = _candidates(hass, device_ids)
    platforms = {candidate.platform for candidate in candidates}
    scored: list[tuple[int, str]] = []
    for profile in PROFILES:
        if profile.integrations and not platforms & set(profile.integrations):
            continue
        roles = async_prefill(hass, profile.key, device_ids)[CONF_ROLES]
        if ROLE_POWER in roles:
            scored.append((len(roles), profile.key))
    return [key for _, key in sorted(scored, key=lambda item: -item[0])]
