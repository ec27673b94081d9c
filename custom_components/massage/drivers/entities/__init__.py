"""A massager built from entities Home Assistant already has: the second driver.

An entry is driven by `EntitiesDriver` when its data says ``"backend": "entities"``.
`ENTITIES_SCHEMA` checks such data and fills in the defaults; a config flow
validates what a person picked with it before it creates the entry. The entry's
unique id is the device id (derived from the source device's id, or generated),
and its title is the device's name.

The entry data::

    {
        "backend": "entities",
        "kind": "foot_leg",              # or "gun"; default "foot_leg"
        "profile": "plug_with_pusher",   # optional: the profile that pre-filled it
        "source_device": "<device id>",  # optional: device registry id to link to
        "step_delay": 0.5,               # optional: seconds between two presses
        "timer_options": [10, 15, 30],   # optional: our own auto-off timer, in
                                         # minutes, used when there is no timer role
        "roles": {
            "power": ...,                # required; every other role is optional
            "start": ..., "level": ..., "mode": ...,
            "heat": ..., "timer": ..., "battery": ...,
        },
    }

A press is ``{"entity_id": "button.x"}`` (a ``button`` or ``input_button``) or
``{"entity_id": "remote.x", "command": "power", "device": "massager"}`` (a learned
command; ``device`` is optional). Each role names its means:

- power (on and off)
    - ``{"means": "toggle", "entity_id": "switch.plug"}``: a ``switch``, ``fan`` or
      ``input_boolean``;
    - ``{"means": "commands", "on": PRESS, "off": PRESS}``: the same press for both
      is a toggle, sent only when the state has to change;
    - both take ``"sensor": "sensor.plug_power"`` (a power reading that says whether
      the motor runs; an ``input_number`` in a demo), ``"threshold"`` (watts,
      default 5), ``"settle"`` (seconds a reading must hold before it counts,
      default 10) and ``"delay"`` (seconds the device needs after power-on before
      it takes a start or a setting, default 1).
- start, when power alone does not start the motor
    - ``{"means": "press", "press": PRESS}``;
    - ``{"means": "pulse", "entity_id": "switch.relay", "pulse": 0.5}``: on, then
      off after ``pulse`` seconds; ``"pulse": 0`` only switches on (a button pusher
      that returns by itself);
    - ``{"means": "hold", "entity_id": "switch.rollers"}``: on while the motor runs,
      so its state says whether it runs.
- level, from 1 up
    - ``{"means": "select", "entity_id": ...}``: the options, in order, are the levels;
    - ``{"means": "number", "entity_id": ...}``: each step from min to max is a level;
    - ``{"means": "fan", "entity_id": ...}``: the fan's speeds are the levels;
    - ``{"means": "steps", "up": PRESS, "down": PRESS, "levels": 5, "resets_to": 1}``.
- mode
    - ``{"means": "select", "entity_id": ...}``: the options, without "off"-like ones;
    - ``{"means": "cycle", "next": PRESS, "modes": [...], "resets_to": "kneading"}``:
      the modes in the order one press moves through them.
- heat: 0 is off, then the steps
    - ``{"means": "switch", "entity_id": ...}``: one step;
    - ``{"means": "select", "entity_id": ..., "switch": ...}``: the options are the
      steps; an "off"-like option (or else the heater ``switch``, or else the first
      option) is off;
    - ``{"means": "number", "entity_id": ..., "switch": ..., "values": [38, 42, 45]}``:
      a target temperature per step; off is the heater ``switch`` or else the
      minimum. Without ``values``, up to five values or three spread over the range.
- timer: the device's own auto-off, with the durations it offers in whole minutes
    - ``{"means": "select" | "number", "entity_id": ..., "remaining": "sensor.left"}``.
- battery: ``{"means": "sensor", "entity_id": ..., "charging": "binary_sensor.x"}``.

``resets_to`` is what a device without feedback shows after power-on; without it
the assumed value carries over. Without a timer role the driver keeps the session
end itself and stops the device at it.
"""

from __future__ import annotations

from .config import BACKEND, CONF_BACKEND, ENTITIES_SCHEMA, ROLES
from .driver import (
    ISSUE_ENTRY_ID,
    MISSING_ENTITY_ISSUE,
    EntitiesDriver,
    async_remove_issues,
    issue_id,
)
from .errors import EntityUnavailableError, EntityUnfitError

__all__ = [
    "BACKEND",
    "CONF_BACKEND",
    "ENTITIES_SCHEMA",
    "ISSUE_ENTRY_ID",
    "MISSING_ENTITY_ISSUE",
    "ROLES",
    "EntitiesDriver",
    "EntityUnavailableError",
    "EntityUnfitError",
    "async_remove_issues",
    "issue_id",
]
