"""Config flow: user, zeroconf discovery, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import dataclass
import ipaddress
import re
from typing import Any, Final, override
import uuid

from homeassistant.components import onboarding
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_HOST,
    CONF_NAME,
    CONF_PORT,
    CONF_TOKEN,
)
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    DeviceSelector,
    DeviceSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from yarl import URL

from .api import (
    MAX_TEXT_LENGTH,
    Capabilities,
    DeviceInfo as MassageDeviceInfo,
    DeviceKind,
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionError,
    MassageDowngradeError,
    MassageError,
    MassageHostNotFoundError,
    MassageNotADeviceError,
    MassageTimeoutError,
    clean_text,
    is_device_id,
)
from .compat import vol
from .const import (
    CONF_DEFAULT_TIMER,
    CONF_HEAT_CAP,
    CONF_REQUIRE_DIGEST,
    CONF_SESSION_CAP,
    DEFAULT_HEAT_CAP,
    DEFAULT_PORT,
    DEFAULT_SESSION_CAP,
    DOMAIN,
    LOGGER,
    MAX_HEAT_CAP,
    MAX_SESSION_CAP,
)
from .data import MassageConfigEntry
from .drivers import DriverError
from .drivers.entities import (
    BACKEND as ENTITIES_BACKEND,
    CONF_BACKEND,
    ENTITIES_SCHEMA,
    ROLES,
    EntitiesDriver,
    EntityUnavailableError,
    EntityUnfitError,
)
from .drivers.entities.config import (
    CONF_KIND,
    CONF_MEANS,
    CONF_PROFILE,
    CONF_ROLES,
    CONF_SOURCE_DEVICE,
    CONF_VALUES,
    ROLE_HEAT,
    ROLE_POWER,
    ROLE_TIMER,
    own_timer_options,
)
from .drivers.entities.profiles import (
    PROFILES,
    async_prefill,
    async_suggest_profiles,
)
from .entities_form import (
    CONF_DEVICES,
    DEFAULT_NAMES,
    NONE,
    ROLE_MEANS,
    Reading,
    read_roles,
    roles_form,
    schema_errors,
    source_unique_id,
)
from .form_values import (
    UncheckedNumberSelector,
    whole,
)
from .routines import (
    CONF_ENTRY_TYPE,
    ENTRY_TYPE_ROUTINE_PLAYER,
    ROUTINE_PLAYER_TITLE,
    async_routine_player_removed,
    is_routine_player,
)
from .routines.options_flow import RoutinePlayerOptionsFlow

MAX_PORT: Final = 65535
MAX_TOKEN_LENGTH: Final = 256
# Long enough for a device on a slow network, short enough for a form.
PROBE_TIMEOUT: Final = 10.0
# A host name (RFC 1123 labels; underscores too, as some networks use them) or an
# IPv4 address; IPv6 addresses are checked apart.
_HOST_NAME: Final = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?")
_NOT_SET: Final = "\u2013"  # an en dash: no value


TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT_SELECTOR = UncheckedNumberSelector(
    NumberSelectorConfig(min=1, max=MAX_PORT, step=1, mode=NumberSelectorMode.BOX)
)


class _InvalidInputError(Exception):
    """A form value that cannot be used; `key` names its translated error."""

    def __init__(self, field: str, key: str) -> None:
        """Name the field and the error."""
        super().__init__(key)
        self.field = field
        self.key = key


def _port(value: object, field: str = CONF_PORT) -> int:
    """Return a port from a form: a whole number from 1 to 65535."""
    if (port := whole(value, 1, MAX_PORT)) is None:
        raise _InvalidInputError(field, "invalid_port")
    return port


def _host(text: str) -> str:
    """Check a bare host: a name, an IPv4 address or an IPv6 address."""
    if ":" in text:
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise _InvalidInputError(CONF_HOST, "invalid_host") from None
        return text
    if not _HOST_NAME.fullmatch(text) or ".." in text:
        raise _InvalidInputError(CONF_HOST, "invalid_host")
    return text


def _address(host_text: object, port_value: object) -> tuple[str, int]:
    """Return host and port from the form, whatever a person typed as the host.

    A URL gives its host and its port (when it has one); `host:port` and
    `[IPv6]:port` are split; a bare or bracketed IPv6 address is the host.
    """
    if not isinstance(host_text, str) or not (text := host_text.strip()):
        raise _InvalidInputError(CONF_HOST, "invalid_host")
    if "://" in text:
        try:
            url = URL(text)
            host, port = url.host, url.explicit_port
        except ValueError:
            host = port = None
        if not host:
            raise _InvalidInputError(CONF_HOST, "host_is_url")
        return _host(host), port if port is not None else _port(port_value)
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise _InvalidInputError(CONF_HOST, "invalid_host")
        if not inside or ":" not in inside:
            raise _InvalidInputError(CONF_HOST, "invalid_host")
        host = _host(inside)
        return host, _port(rest[1:], CONF_HOST) if rest else _port(port_value)
    if text.count(":") == 1:
        name, _, port_text = text.partition(":")
        return _host(name), _port(port_text, CONF_HOST)
    return _host(text), _port(port_value)


def _token(value: object) -> str | None:
    """Return the token from a form, or None when it was left empty."""
    if value is None or value == "":
        return None
    if (
        not isinstance(value, str)
        or len(value) > MAX_TOKEN_LENGTH
        or not value.isprintable()
        or value != value.strip()
    ):
        raise _InvalidInputError(CONF_TOKEN, "invalid_token")
    return value


def _connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Host, port and an optional token, filled in with what is known."""
    return vol.Schema(
        {
            vol.Required(
                CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)
            ): str,
            vol.Required(
                CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)
            ): PORT_SELECTOR,
            vol.Optional(CONF_TOKEN): TOKEN_SELECTOR,
        }
    )


def _connection_data(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Return what an entry stores of the form, or None with `errors` filled in."""
    try:
        host, port = _address(user_input.get(CONF_HOST), user_input.get(CONF_PORT))
        token = _token(user_input.get(CONF_TOKEN))
    except _InvalidInputError as err:
        errors[err.field] = err.key
        return None
    data: dict[str, Any] = {CONF_HOST: host, CONF_PORT: port}
    if token is not None:
        data[CONF_TOKEN] = token
    return data


def _address_text(data: Mapping[str, Any]) -> str:
    """Return host:port as a person reads it, IPv6 in brackets."""
    host = str(data[CONF_HOST])
    return f"[{host}]:{data[CONF_PORT]}" if ":" in host else f"{host}:{data[CONF_PORT]}"


@dataclass(frozen=True, slots=True)
class _Probe:
    """A device that answered: who it is, and whether it used Digest."""

    info: MassageDeviceInfo
    digest: bool

    def data(self, data: Mapping[str, Any], *, learned: bool = False) -> dict[str, Any]:
        """Return entry data, with what the entry learned about authentication."""
        if self.digest or learned:
            return {**data, CONF_REQUIRE_DIGEST: True}
        return dict(data)


class MassageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a massage device, by hand or from discovery."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered: dict[str, Any] = {}
        self._discovered_id = ""
        self._discovered_name = ""
        self._announced_digest = False
        self._needs_token = False
        self._moving: ConfigEntry | None = None
        # A massager built from entities, while its steps run.
        self._mapping: dict[str, Any] = {CONF_ROLES: {}}
        self._devices: list[str] = []
        self._title = ""
        self._new_unique_id = ""

    async def _async_probe(
        self,
        data: Mapping[str, Any],
        errors: dict[str, str],
        *,
        digest_only: bool = False,
    ) -> _Probe | None:
        """Ask the device who it is; fill `errors` and return None if that fails."""
        client = MassageClient(
            data[CONF_HOST],
            port=data[CONF_PORT],
            token=data.get(CONF_TOKEN),
            session=async_get_clientsession(self.hass),
            request_timeout=PROBE_TIMEOUT,
            digest_only=digest_only,
        )
        try:
            return _Probe(await client.info(), client.uses_digest)
        except MassageDowngradeError:
            errors["base"] = "auth_downgrade"
        except MassageAuthenticationError:
            errors["base"] = "invalid_auth"
        except MassageHostNotFoundError:
            errors["base"] = "cannot_resolve"
        except MassageTimeoutError:
            errors["base"] = "timeout"
        except MassageConnectionError:
            errors["base"] = "cannot_connect"
        except MassageNotADeviceError:
            errors["base"] = "not_a_massager"
        except MassageError:
            errors["base"] = "incompatible_device"
        except Exception:  # noqa: BLE001 - a flow must never crash on a device
            LOGGER.exception("Unexpected error while adding a massage device")
            errors["base"] = "unknown"
        return None

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what is added: a massager by its address or built from entities.

        The routine player is offered too when a person removed it before.
        """
        menu = ["local_api", "entities"]
        if await self._async_offer_routine_player():
            menu.append("routine_player")
        return self.async_show_menu(step_id="user", menu_options=menu)

    async def async_step_local_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a device that speaks the Massage Local API, by its address."""
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (data := _connection_data(user_input, errors))
            and (probe := await self._async_probe(data, errors))
        ):
            await self.async_set_unique_id(probe.info.id, raise_on_progress=False)
            self._abort_if_unique_id_configured()
            return self.async_create_entry(title=probe.info.name, data=probe.data(data))
        return self.async_show_form(
            step_id="local_api",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema({}), user_input
            ),
            errors=errors,
        )

    async def _async_offer_routine_player(self) -> bool:
        """Whether to offer the routine player: a person removed it before."""
        return not any(
            map(is_routine_player, self._async_current_entries())
        ) and await async_routine_player_removed(self.hass)

    async def async_step_system(
        self, discovery_info: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the routine player with the first massager, unless a person removed it.

        A person who removed it adds it again from the menu of the user step.
        """
        if await async_routine_player_removed(self.hass):
            return self.async_abort(reason="routine_player_removed")
        return await self.async_step_routine_player()

    async def async_step_routine_player(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the routine player: a device of its own for routines across massagers."""
        self._async_abort_entries_match({CONF_ENTRY_TYPE: ENTRY_TYPE_ROUTINE_PLAYER})
        return self.async_create_entry(
            title=ROUTINE_PLAYER_TITLE,
            data={CONF_ENTRY_TYPE: ENTRY_TYPE_ROUTINE_PLAYER},
        )

    @override
    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Offer a device that announced itself on the network.

        Nothing in an announcement is trusted: the id must be usable, and the
        device that answers must have that id.
        """
        properties = discovery_info.properties
        device_id = properties.get("id")
        if (
            not is_device_id(device_id)
            or properties.get("api") != "1"
            or discovery_info.port is None
        ):
            return self.async_abort(reason="invalid_discovery_info")
        self._discovered = {
            CONF_HOST: discovery_info.host,
            CONF_PORT: discovery_info.port,
        }
        self._discovered_id = str(device_id)
        if entry := await self.async_set_unique_id(self._discovered_id):
            return await self._async_step_known_device(entry)
        self._announced_digest = properties.get("minor", "0") not in ("", "0")
        self._needs_token = properties.get("auth") == "1"
        self._discovered_name = (
            clean_text(str(properties.get("model") or ""), MAX_TEXT_LENGTH)
            or self._discovered_id
        )
        self.context["title_placeholders"] = {"name": self._discovered_name}
        if not self._needs_token:
            self._set_confirm_only()
            if not onboarding.async_is_onboarded(self.hass):
                return await self.async_step_zeroconf_confirm({})
        return await self.async_step_zeroconf_confirm()

    async def _async_step_known_device(self, entry: ConfigEntry) -> ConfigFlowResult:
        """Handle a device we know, maybe at a new address.

        Without a token the entry follows the id, as before. With one it
        follows only a device that proves it knows the token; otherwise a person
        decides.
        """
        new_address = self._discovered
        moved = any(entry.data.get(key) != value for key, value in new_address.items())
        if entry.source == SOURCE_IGNORE or CONF_TOKEN not in entry.data:
            self._abort_if_unique_id_configured(updates=new_address)
        if not moved:
            self._abort_if_unique_id_configured()
        data = {**entry.data, **new_address}
        probe = await self._async_probe(data, {}, digest_only=True)
        if probe is not None and probe.info.id == entry.unique_id:
            self._abort_if_unique_id_configured(updates=probe.data(new_address))
        self._moving = entry
        self.context["title_placeholders"] = {"name": entry.title}
        return await self.async_step_confirm_move()

    async def async_step_confirm_move(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask a person before an entry with a token follows an unproven device."""
        moving = self._moving
        assert moving is not None  # noqa: S101 - only reached from a known device
        # The entry may have been removed while the question waited.
        entry = self.hass.config_entries.async_get_entry(moving.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            return self.async_update_reload_and_abort(
                entry, data_updates=self._discovered, reason="moved"
            )
        return self.async_show_form(
            step_id="confirm_move",
            description_placeholders={
                "name": entry.title,
                "old_address": _address_text(entry.data),
                "new_address": _address_text(self._discovered),
            },
        )

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let a person confirm the discovered device, and give its token if needed."""
        errors: dict[str, str] = {}
        if user_input is not None and (
            data := _connection_data({**self._discovered, **user_input}, errors)
        ):
            probe = await self._async_probe(
                data,
                errors,
                digest_only=self._announced_digest and CONF_TOKEN in data,
            )
            if probe:
                if probe.info.id != self._discovered_id:
                    return self.async_abort(
                        reason="id_mismatch",
                        description_placeholders={
                            "announced": self._discovered_id,
                            "found": probe.info.id,
                        },
                    )
                return self.async_create_entry(
                    title=probe.info.name, data=probe.data(data)
                )
            # The announcement said no token; the device wants one after all.
            self._needs_token |= errors.get("base") == "invalid_auth"
        schema = vol.Schema(
            {vol.Required(CONF_TOKEN): TOKEN_SELECTOR} if self._needs_token else {}
        )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=schema,
            description_placeholders={
                "name": self._discovered_name,
                "host": _address_text(self._discovered),
            },
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication: the device refused our token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the device's new token."""
        errors: dict[str, str] = {}
        entry = self._get_reauth_entry()
        if user_input is not None:
            try:
                token = _token(user_input.get(CONF_TOKEN))
            except _InvalidInputError as err:
                errors[err.field] = err.key
            else:
                data = {**entry.data, CONF_TOKEN: token}
                if token is None:
                    data.pop(CONF_TOKEN)
                learned = bool(entry.data.get(CONF_REQUIRE_DIGEST))
                if probe := await self._async_probe(data, errors, digest_only=learned):
                    await self.async_set_unique_id(probe.info.id)
                    self._abort_if_unique_id_mismatch(reason="wrong_device")
                    return self.async_update_reload_and_abort(
                        entry, data=probe.data(data, learned=learned)
                    )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address or token of a device, or the entities it is built from."""
        errors: dict[str, str] = {}
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_BACKEND) == ENTITIES_BACKEND:
            self._mapping = copy.deepcopy(dict(entry.data))
            self._title = entry.title
            self._new_unique_id = str(entry.unique_id)
            return await self.async_step_entities_means()
        if user_input is not None and (data := _connection_data(user_input, errors)):
            learned = bool(entry.data.get(CONF_REQUIRE_DIGEST))
            if probe := await self._async_probe(data, errors, digest_only=learned):
                await self.async_set_unique_id(probe.info.id)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data=probe.data(data, learned=learned)
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(entry.data), user_input or entry.data
            ),
            errors=errors,
        )

    # Build a massager from existing entities --------------------------------------

    async def async_step_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the kind of massager and the devices its entities come from."""
        errors: dict[str, str] = {}
        if user_input is not None:
            kind = str(user_input[CONF_KIND])
            devices = list(user_input.get(CONF_DEVICES) or [])
            registry = dr.async_get(self.hass)
            found = [registry.async_get(device_id) for device_id in devices]
            if None in found:
                errors[CONF_DEVICES] = "device_not_found"
            elif devices and self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, source_unique_id(devices[0])
            ):
                errors[CONF_DEVICES] = "device_in_use"
            else:
                self._mapping = {CONF_BACKEND: ENTITIES_BACKEND, CONF_KIND: kind}
                self._mapping[CONF_ROLES] = {}
                self._devices = devices
                if (source := next(iter(found), None)) is not None:
                    self._new_unique_id = source_unique_id(source.id)
                    self._title = source.name_by_user or source.name or ""
                    self._mapping[CONF_SOURCE_DEVICE] = source.id
                    return await self.async_step_entities_profile()
                self._new_unique_id = f"{ENTITIES_BACKEND}_{uuid.uuid4().hex}"
                self._title = DEFAULT_NAMES[kind]
                return await self.async_step_entities_means()
        schema = vol.Schema(
            {
                vol.Required(CONF_KIND, default=DeviceKind.FOOT_LEG.value): (
                    SelectSelector(
                        SelectSelectorConfig(
                            options=[kind.value for kind in DeviceKind],
                            translation_key="kind",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                ),
                vol.Optional(CONF_DEVICES): DeviceSelector(
                    DeviceSelectorConfig(multiple=True)
                ),
            }
        )
        return self.async_show_form(
            step_id="entities",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_entities_profile(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the profiles that fit the devices, the best one chosen."""
        if user_input is not None:
            profile = str(user_input[CONF_PROFILE])
            self._mapping.pop(CONF_PROFILE, None)
            self._mapping[CONF_ROLES] = {}
            if profile != NONE:
                proposed = async_prefill(self.hass, profile, self._devices)
                self._mapping[CONF_PROFILE] = profile
                self._mapping[CONF_ROLES] = proposed[CONF_ROLES]
            return await self.async_step_entities_means()
        fitting = async_suggest_profiles(self.hass, self._devices)
        others = [profile.key for profile in PROFILES if profile.key not in fitting]
        schema = vol.Schema(
            {
                vol.Required(CONF_PROFILE, default=next(iter(fitting), NONE)): (
                    SelectSelector(
                        SelectSelectorConfig(
                            options=[*fitting, *others, NONE],
                            translation_key="profile",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="entities_profile",
            data_schema=schema,
            description_placeholders={
                "device": self._title,
                "fitting": str(len(fitting)),
            },
        )

    async def async_step_entities_means(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how each role is served, or that the massager has no such role."""
        reconfiguring = self.source == SOURCE_RECONFIGURE
        roles: dict[str, Any] = self._mapping[CONF_ROLES]
        errors: dict[str, str] = {}
        if user_input is not None:
            name = clean_text(
                str(user_input.get(CONF_NAME, self._title)), MAX_TEXT_LENGTH
            )
            if not name.strip():
                errors[CONF_NAME] = "invalid_name"
            else:
                self._title = name.strip()
                chosen: dict[str, Any] = {}
                for role in ROLES:
                    means = user_input.get(role, NONE)
                    if means != NONE:
                        kept = roles.get(role, {})
                        same = kept.get(CONF_MEANS) == means
                        chosen[role] = dict(kept) if same else {CONF_MEANS: means}
                self._mapping[CONF_ROLES] = chosen
                return await self.async_step_entities_roles()
        fields: dict[vol.Marker, Any] = {}
        if not reconfiguring:
            fields[vol.Required(CONF_NAME, default=self._title)] = TextSelector()
        for role in ROLES:
            offered = (
                ROLE_MEANS[role] if role == ROLE_POWER else (NONE, *ROLE_MEANS[role])
            )
            means = roles.get(role, {}).get(CONF_MEANS, offered[0])
            fields[vol.Required(role, default=means)] = SelectSelector(
                SelectSelectorConfig(
                    options=list(offered),
                    translation_key=f"{role}_means",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(
            step_id="entities_means",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input
            ),
            description_placeholders={"name": self._title},
            errors=errors,
        )

    async def async_step_entities_roles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for each role's entities and settings; check that they serve."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, reading = read_roles(self.hass, self._mapping, user_input)
            if (config := await self._async_check_mapping(data, reading)) is not None:
                if self.source == SOURCE_RECONFIGURE:
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(), data=config
                    )
                await self.async_set_unique_id(self._new_unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=self._title, data=config)
            errors = reading.errors
        schema, values = roles_form(self._mapping)
        return self.async_show_form(
            step_id="entities_roles",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or values
            ),
            description_placeholders={"name": self._title},
            errors=errors,
        )

    async def _async_check_mapping(
        self, data: dict[str, Any], reading: Reading
    ) -> dict[str, Any] | None:
        """Return the entry data once it validates and a driver connects with it.

        Otherwise fill in the errors, on the field that is wrong where one is.
        The driver is built without an entry, so it raises no repair issue.
        """
        if reading.errors:
            return None
        try:
            config: dict[str, Any] = ENTITIES_SCHEMA(data)
        except vol.Invalid as err:
            schema_errors(data[CONF_ROLES], err, reading)
            return None
        driver = EntitiesDriver(
            self.hass, config, device_id=self._new_unique_id, name=self._title
        )
        try:
            await driver.async_connect()
        except (EntityUnfitError, EntityUnavailableError) as err:
            key = reading.entity_fields.get(err.entity_ids[0], "base")
            # Target temperatures the person gave are wrong, not the entity.
            given = CONF_VALUES in data[CONF_ROLES].get(ROLE_HEAT, {})
            reading.fail(
                "heat_values" if err.reason == "heat_values" and given else key,
                err.reason,
            )
        except DriverError:
            reading.fail("base", "invalid_mapping")
        else:
            return config
        return None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: MassageConfigEntry) -> OptionsFlow:
        """Options live in their own flow; the routine player has its own."""
        if is_routine_player(config_entry):
            return RoutinePlayerOptionsFlow()
        return MassageOptionsFlow()


def _minutes(value: object, field: str, maximum: int) -> int:
    """Return whole minutes from 1 to maximum from a form (not as text)."""
    if isinstance(value, str) or (minutes := whole(value, 1, maximum)) is None:
        raise _InvalidInputError(field, "invalid_minutes")
    return minutes


def _minutes_selector(maximum: int) -> NumberSelector:
    return UncheckedNumberSelector(
        NumberSelectorConfig(min=1, max=maximum, step=1, unit_of_measurement="min")
    )


def _effective(options: Mapping[str, int]) -> dict[str, int | None]:
    """Return what options mean, with the defaults for what they leave out."""
    return {
        CONF_SESSION_CAP: options.get(CONF_SESSION_CAP, DEFAULT_SESSION_CAP),
        CONF_HEAT_CAP: options.get(CONF_HEAT_CAP, DEFAULT_HEAT_CAP),
        CONF_DEFAULT_TIMER: options.get(CONF_DEFAULT_TIMER),
    }


def _shown(old: int | None, new: int | None) -> str:
    """Show a value in minutes for the summary, bold after its old one if changed."""

    def text(minutes: int | None) -> str:
        return _NOT_SET if minutes is None else f"{minutes} min"

    return text(new) if old == new else f"{text(old)} → **{text(new)}**"


class MassageOptionsFlow(OptionsFlowWithReload):
    """The safety caps and the default timer; changing them reloads the entry."""

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._options: dict[str, int] = {}

    def _offers(self) -> tuple[bool, tuple[int, ...] | None]:
        """Return whether the device may have heat, and its timer options if known.

        A loaded entry knows both from its device. A massager built from entities
        knows them from its mapping too: heat from its heat role, the options of
        the integration's own timer when it has no timer role.
        """
        entry = self.config_entry
        if (runtime_data := getattr(entry, "runtime_data", None)) is not None:
            capabilities: Capabilities = runtime_data.coordinator.info.capabilities
            return capabilities.heat_levels > 0, capabilities.timer_options
        if entry.data.get(CONF_BACKEND) != ENTITIES_BACKEND:
            return True, None
        roles = entry.data.get(CONF_ROLES, {})
        timer_options = None if ROLE_TIMER in roles else own_timer_options(entry.data)
        return ROLE_HEAT in roles, timer_options

    def _stored(self) -> dict[str, int]:
        """Return the stored options as numbers (older entries kept text).

        A value that is no number is left out, so its default applies.
        """
        stored: dict[str, int] = {}
        for key in (CONF_SESSION_CAP, CONF_HEAT_CAP, CONF_DEFAULT_TIMER):
            try:
                stored[key] = int(self.config_entry.options[key])
            except KeyError, TypeError, ValueError, OverflowError:
                continue
        return stored

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; a change is summed up before it is saved."""
        has_heat, timer_options = self._offers()
        errors: dict[str, str] = {}
        stored = self._stored()
        if user_input is not None:
            try:
                self._options = self._read(user_input, timer_options, has_heat=has_heat)
            except _InvalidInputError as err:
                errors[err.field] = err.key
            else:
                if _effective(self._options) == _effective(stored):
                    return self.async_abort(reason="no_changes")
                return await (
                    self.async_step_confirm()
                    if has_heat
                    else self.async_step_confirm_without_heat()
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(
                CONF_SESSION_CAP,
                default=stored.get(CONF_SESSION_CAP, DEFAULT_SESSION_CAP),
            ): _minutes_selector(MAX_SESSION_CAP),
        }
        if has_heat:
            fields[
                vol.Required(
                    CONF_HEAT_CAP, default=stored.get(CONF_HEAT_CAP, DEFAULT_HEAT_CAP)
                )
            ] = _minutes_selector(MAX_HEAT_CAP)
        if timer_options is not None:
            timer = stored.get(CONF_DEFAULT_TIMER)
            fields[
                vol.Optional(
                    CONF_DEFAULT_TIMER,
                    description={
                        "suggested_value": None if timer is None else str(timer)
                    },
                )
            ] = SelectSelector(
                SelectSelectorConfig(
                    options=[str(minutes) for minutes in timer_options],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input
            ),
            errors=errors,
        )

    def _read(
        self,
        user_input: Mapping[str, Any],
        timer_options: tuple[int, ...] | None,
        *,
        has_heat: bool,
    ) -> dict[str, int]:
        """Return the options the form asks for, as numbers, or raise."""
        stored = self._stored()
        options = {
            CONF_SESSION_CAP: _minutes(
                user_input.get(CONF_SESSION_CAP), CONF_SESSION_CAP, MAX_SESSION_CAP
            )
        }
        if has_heat:
            options[CONF_HEAT_CAP] = _minutes(
                user_input.get(CONF_HEAT_CAP), CONF_HEAT_CAP, MAX_HEAT_CAP
            )
        elif CONF_HEAT_CAP in stored:
            options[CONF_HEAT_CAP] = stored[CONF_HEAT_CAP]
        if timer_options is None:
            # The timer is not offered without the device; keep what is set.
            if CONF_DEFAULT_TIMER in stored:
                options[CONF_DEFAULT_TIMER] = stored[CONF_DEFAULT_TIMER]
        elif (timer := user_input.get(CONF_DEFAULT_TIMER)) not in (None, ""):
            offered = {str(minutes): minutes for minutes in timer_options}
            if timer not in offered:
                raise _InvalidInputError(CONF_DEFAULT_TIMER, "invalid_timer")
            options[CONF_DEFAULT_TIMER] = offered[timer]
        return options

    def _summary(self) -> dict[str, str]:
        """Return what the new options change, one placeholder per option."""
        old, new = _effective(self._stored()), _effective(self._options)
        return {
            "session_cap": _shown(old[CONF_SESSION_CAP], new[CONF_SESSION_CAP]),
            "heat_cap": _shown(old[CONF_HEAT_CAP], new[CONF_HEAT_CAP]),
            "default_timer": _shown(old[CONF_DEFAULT_TIMER], new[CONF_DEFAULT_TIMER]),
        }

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say what changes, and save it once confirmed."""
        return self._confirm("confirm", user_input)

    async def async_step_confirm_without_heat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say what changes on a device without a heater, and save it."""
        return self._confirm("confirm_without_heat", user_input)

    def _confirm(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(data=self._options)
        return self.async_show_form(
            step_id=step_id, description_placeholders=self._summary()
        )
