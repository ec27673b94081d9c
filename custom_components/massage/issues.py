"""Repair issues: what a person has to do about a device that Home Assistant cannot."""

from __future__ import annotations

from enum import StrEnum

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


class Issue(StrEnum):
    """The repair issues an entry can raise; each value is its translation key."""

    CAP_OVERDUE = "cap_overdue"
    """A safety cap is due and the device cannot be made to take it."""
    WRONG_DEVICE = "wrong_device"
    """Another device answers at the entry's address."""
    INCOMPATIBLE_DEVICE = "incompatible_device"
    """The device speaks an API version this integration never will."""


def _issue_id(issue: Issue, entry: ConfigEntry) -> str:
    return f"{issue}_{entry.entry_id}"


@callback
def async_raise_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: Issue, **placeholders: str
) -> None:
    """Show the person an issue of this entry, or update the one shown."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(issue, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders=placeholders,
    )


@callback
def async_clear_issue(hass: HomeAssistant, entry: ConfigEntry, issue: Issue) -> None:
    """Take an issue of this entry away, if it is shown."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(issue, entry))


@callback
def async_clear_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Take every issue of this entry away."""
    for issue in Issue:
        async_clear_issue(hass, entry, issue)
