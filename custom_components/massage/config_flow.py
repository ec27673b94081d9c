"""Config flow: user, zeroconf discovery, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
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
import probatio as vol

from .api import (
    DeviceInfo as MassageDeviceInfo,
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionError,
    MassageError,
)
from .const import (
    CONF_DEFAULT_TIMER,
    CONF_HEAT_CAP,
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
from .routines import (
    CONF_ENTRY_TYPE,
    ENTRY_TYPE_ROUTINE_PLAYER,
    ROUTINE_PLAYER_TITLE,
    async_routine_player_removed,
    is_routine_player,
)
from .routines.options_flow import RoutinePlayerOptionsFlow

TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)


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


def _connection_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return what an entry stores of the form: no empty token."""
    data: dict[str, Any] = {
        CONF_HOST: user_input[CONF_HOST].strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
    }
    if token := user_input.get(CONF_TOKEN):
        data[CONF_TOKEN] = token
    return data


class MassageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a massage device, by hand or from discovery."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered: dict[str, Any] = {}
        self._discovered_name = ""
        self._needs_token = False
        self._adding_device = False

    async def _async_probe(
        self, data: Mapping[str, Any], errors: dict[str, str]
    ) -> MassageDeviceInfo | None:
        """Ask the device who it is; fill `errors` and return None if that fails."""
        client = MassageClient(
            data[CONF_HOST],
            port=data[CONF_PORT],
            token=data.get(CONF_TOKEN),
            session=async_get_clientsession(self.hass),
        )
        try:
            return await client.info()
        except MassageAuthenticationError:
            errors["base"] = "invalid_auth"
        except MassageConnectionError:
            errors["base"] = "cannot_connect"
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
        """Add a device by its address."""
        if user_input is None and await self._async_offer_routine_player():
            return await self.async_step_add()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection_data(user_input)
            if info := await self._async_probe(data, errors):
                await self.async_set_unique_id(info.id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=info.name, data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema({}), user_input
            ),
            errors=errors,
        )

    async def _async_offer_routine_player(self) -> bool:
        """Whether to offer the routine player: a person removed it before."""
        return (
            not self._adding_device
            and not any(map(is_routine_player, self._async_current_entries()))
            and await async_routine_player_removed(self.hass)
        )

    async def async_step_add(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what to add: a device, or the routine player a person removed."""
        return self.async_show_menu(
            step_id="add", menu_options=["device", "routine_player"]
        )

    async def async_step_device(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a massage device, chosen from the menu."""
        self._adding_device = True
        return await self.async_step_user()

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
        """Offer a device that announced itself on the network."""
        properties = discovery_info.properties
        device_id = properties.get("id")
        if not device_id or properties.get("api") != "1":
            return self.async_abort(reason="invalid_discovery_info")
        self._discovered = {
            CONF_HOST: discovery_info.host,
            CONF_PORT: discovery_info.port,
        }
        await self.async_set_unique_id(device_id)
        # A known device at a new address just moves.
        self._abort_if_unique_id_configured(updates=self._discovered)
        self._needs_token = properties.get("auth") == "1"
        self._discovered_name = properties.get("model") or discovery_info.name
        self.context["title_placeholders"] = {"name": self._discovered_name}
        if not self._needs_token:
            self._set_confirm_only()
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let a person confirm the discovered device, and give its token if needed."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection_data({**self._discovered, **user_input})
            if info := await self._async_probe(data, errors):
                return self.async_create_entry(title=info.name, data=data)
        schema = vol.Schema(
            {vol.Required(CONF_TOKEN): TOKEN_SELECTOR} if self._needs_token else {}
        )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=schema,
            description_placeholders={
                "name": self._discovered_name,
                "host": str(self._discovered[CONF_HOST]),
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
            data = {**entry.data, CONF_TOKEN: user_input[CONF_TOKEN]}
            if info := await self._async_probe(data, errors):
                await self.async_set_unique_id(info.id)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address or token of a device already added."""
        errors: dict[str, str] = {}
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            data = _connection_data(user_input)
            if info := await self._async_probe(data, errors):
                await self.async_set_unique_id(info.id)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(entry.data), user_input or entry.data
            ),
            errors=errors,
        )

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: MassageConfigEntry) -> OptionsFlow:
        """Options live in their own flow; the routine player has its own."""
        if is_routine_player(config_entry):
            return RoutinePlayerOptionsFlow()
        return MassageOptionsFlow()


class MassageOptionsFlow(OptionsFlowWithReload):
    """The safety caps and the default timer; changing them reloads the entry."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    key: int(value) if key != CONF_DEFAULT_TIMER else value
                    for key, value in user_input.items()
                }
            )
        options = self.config_entry.options
        fields: dict[vol.Marker, Any] = {
            vol.Required(
                CONF_SESSION_CAP,
                default=options.get(CONF_SESSION_CAP, DEFAULT_SESSION_CAP),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=MAX_SESSION_CAP, step=1, unit_of_measurement="min"
                )
            ),
            vol.Required(
                CONF_HEAT_CAP, default=options.get(CONF_HEAT_CAP, DEFAULT_HEAT_CAP)
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=MAX_HEAT_CAP, step=1, unit_of_measurement="min"
                )
            ),
        }
        if runtime_data := getattr(self.config_entry, "runtime_data", None):
            timer_options = runtime_data.coordinator.info.capabilities.timer_options
            fields[
                vol.Optional(
                    CONF_DEFAULT_TIMER,
                    description={"suggested_value": options.get(CONF_DEFAULT_TIMER)},
                )
            ] = SelectSelector(
                SelectSelectorConfig(
                    options=[str(minutes) for minutes in timer_options],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(step_id="init", data_schema=vol.Schema(fields))
