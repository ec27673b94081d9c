"""
The demo's recovery after a workout: the post-workout blueprint, ready to try.

The integration installs its blueprints once Home Assistant has started; the demo
waits until the Blueprints page lists them, then makes what a person would, each
through Home Assistant's own APIs:

- an input boolean *Workout finished* (the helpers' WebSocket API), the workout's
  end on the dashboard;
- a stand-in for a phone: the script *Demo phone* shows each notification as one
  of Home Assistant's own (the bell in the sidebar) and keeps its buttons, which
  the dashboard's *Phone* buttons tap through *Demo phone tap*, as the Companion
  app reports a tap (the script configuration API);
- the automation *Massage after a workout (demo)*, made from the post-workout
  blueprint with that switch and that phone (the automation configuration API).

Flip *Workout finished* on: the phone asks, *Start* begins the routine, and each
gun step waits for *Start the gun*.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .api import DemoError, HomeAssistantApi
from .from_entities import Helper, create_helpers

BLUEPRINT = "massage/post_workout_recovery.yaml"
AUTOMATION_ID = "massage_demo_post_workout"
AUTOMATION = "automation.massage_after_a_workout_demo"
PHONE_SCRIPT = "demo_phone"
TAP_SCRIPT = "demo_phone_tap"

WORKOUT = Helper(
    "input_boolean",
    "workout_finished",
    {"name": "Workout finished", "icon": "mdi:run"},
)
# The buttons of the phone's last notification with buttons, as JSON: title -> id.
BUTTONS = Helper(
    "input_text",
    "demo_phone_buttons",
    {"name": "Demo phone buttons", "max": 255, "icon": "mdi:gesture-tap-button"},
)
HELPERS = (WORKOUT, BUTTONS)

PHONE = {
    "alias": "Demo phone",
    "description": (
        "Stands in for a phone in the demo: each notification becomes one of Home "
        "Assistant's own, and its buttons are kept for Demo phone tap."
    ),
    "icon": "mdi:cellphone",
    "mode": "queued",
    "fields": {
        "title": {"selector": {"text": {}}},
        "message": {"selector": {"text": {}}},
        "data": {"selector": {"object": {}}},
    },
    "sequence": [
        {
            "variables": {
                "tag": "{{ (data | default({})).get('tag', 'demo_phone') }}",
                "buttons": "{{ (data | default({})).get('actions', []) }}",
            }
        },
        {
            "if": "{{ message == 'clear_notification' }}",
            "then": [
                {
                    "action": "persistent_notification.dismiss",
                    "data": {"notification_id": "{{ tag }}"},
                }
            ],
            "else": [
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "notification_id": "{{ tag }}",
                        "title": "{{ title | default('') }}",
                        "message": (
                            "{{ message }}{% if buttons %}\n\nAnswer with the Phone "
                            "buttons on the Massage dashboard: "
                            "{{ buttons | map(attribute='title') | join(', ') }}"
                            "{% endif %}"
                        ),
                    },
                },
                {
                    "if": "{{ buttons | count > 0 }}",
                    "then": [
                        {
                            "action": "input_text.set_value",
                            "target": {"entity_id": BUTTONS.entity_id},
                            "data": {
                                "value": (
                                    "{% set ns = namespace(tapped={}) %}"
                                    "{% for button in buttons %}"
                                    "{% set ns.tapped = dict(ns.tapped, "
                                    "**{button.title: button.action}) %}"
                                    "{% endfor %}{{ ns.tapped | to_json }}"
                                )
                            },
                        }
                    ],
                },
            ],
        },
    ],
}

TAP = {
    "alias": "Demo phone tap",
    "description": (
        "Taps a button of the Demo phone's last notification, as the Companion app "
        "reports a tap on a phone."
    ),
    "icon": "mdi:gesture-tap",
    "fields": {"button": {"required": True, "selector": {"text": {}}}},
    "sequence": [
        {
            "variables": {
                "buttons": (
                    f"{{{{ states('{BUTTONS.entity_id}') | from_json(default={{}}) }}}}"
                )
            }
        },
        {"condition": "template", "value_template": "{{ button in buttons }}"},
        {
            "event": "mobile_app_notification_action",
            "event_data": {"action": "{{ buttons[button] }}"},
        },
    ],
}

# The demo's massagers: two of them are foot and leg massagers, so the routine
# is told which one to use.
GUN_FAN = "fan.massage_gun"
FOOT_LEG_FAN = "fan.foot_and_leg_massager"


def recovery_automation(gun: str, foot_leg: str) -> dict[str, Any]:
    """Return the automation, with the device registry ids of its devices."""
    automation = dict(RECOVERY)
    automation["use_blueprint"] = {
        "path": BLUEPRINT,
        "input": RECOVERY["use_blueprint"]["input"]
        | {"gun": gun, "foot_leg": foot_leg},
    }
    return automation


RECOVERY: dict[str, Any] = {
    "id": AUTOMATION_ID,
    "alias": "Massage after a workout (demo)",
    "description": (
        "Made from the Massage after a workout blueprint: flip Workout finished "
        "on, and the Demo phone asks whether to start the post-workout routine."
    ),
    "use_blueprint": {
        "path": BLUEPRINT,
        "input": {
            "workout_ended": [
                {
                    "trigger": "state",
                    "entity_id": WORKOUT.entity_id,
                    "from": "off",
                    "to": "on",
                }
            ],
            "notify_action": f"script.{PHONE_SCRIPT}",
        },
    },
}


async def wait_for_blueprint(api: HomeAssistantApi, limit: float) -> None:
    """Wait until the integration has installed the post-workout blueprint."""
    deadline = time.monotonic() + limit
    while True:
        listed = await api.websocket_command(
            {"type": "blueprint/list", "domain": "automation"}
        )
        if BLUEPRINT in listed:
            return
        if time.monotonic() > deadline:
            raise DemoError(
                f"The integration did not install {BLUEPRINT} within {limit:.0f} s"
            )
        await asyncio.sleep(0.5)


async def add(api: HomeAssistantApi, limit: float) -> list[str]:
    """Make what is missing of the recovery demo; return what was made."""
    made = await create_helpers(api, HELPERS)
    for key, config in ((PHONE_SCRIPT, PHONE), (TAP_SCRIPT, TAP)):
        if await api.config_item("script", key) is None:
            await api.save_config_item("script", key, config)
            made.append(f"script.{key}")
    await wait_for_blueprint(api, limit)
    if await api.config_item("automation", AUTOMATION_ID) is None:
        gun, foot_leg = [
            await api.render_template(f"{{{{ device_id('{fan}') }}}}")
            for fan in (GUN_FAN, FOOT_LEG_FAN)
        ]
        await api.save_config_item(
            "automation", AUTOMATION_ID, recovery_automation(gun, foot_leg)
        )
        made.append(AUTOMATION)
    await _wait_for_state(api, AUTOMATION, limit)
    return made


async def _wait_for_state(api: HomeAssistantApi, entity_id: str, limit: float) -> Any:
    """Wait until an entity exists (a configuration just written is reloading)."""
    deadline = time.monotonic() + limit
    while True:
        try:
            return await api.state(entity_id)
        except DemoError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)
