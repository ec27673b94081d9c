"""Repairs: the flows that fix the issues the integration raises."""

from __future__ import annotations

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    FlowType,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.config_entries import SOURCE_RECONFIGURE
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .drivers.entities import (
    ISSUE_ENTRY_ID,
    MISSING_ENTITY_ISSUE,
    async_remove_issues,
)

type IssueData = dict[str, str | int | float | None] | None


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: IssueData
) -> RepairsFlow:
    """Return the flow that fixes an issue."""
    if (flow := _entities_fix_flow(issue_id)) is not None:
        return flow
    return ConfirmRepairFlow()


def _entities_fix_flow(issue_id: str) -> RepairsFlow | None:
    """Return the fix flow of a massager built from entities that lost one."""
    if issue_id.startswith(MISSING_ENTITY_ISSUE):
        return MissingEntityRepairFlow()
    return None


class MissingEntityRepairFlow(RepairsFlow):
    """Opens the reconfigure step, where the person picks another entity.

    It leaves the issue to the driver: the issue goes once the reconfigured entry
    finds its entities, and stays while they are still missing.
    """

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start the entry's reconfigure flow and hand over to it."""
        entry_id = str((self.data or {}).get(ISSUE_ENTRY_ID))
        if (entry := self.hass.config_entries.async_get_entry(entry_id)) is None:
            # The massager was removed; its issues have nothing left to fix.
            async_remove_issues(self.hass, entry_id)
            return self.async_abort(reason="entry_removed")
        result = await self.hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
        )
        return self.async_abort(
            reason="reconfigure", next_flow=(FlowType.CONFIG_FLOW, result["flow_id"])
        )
