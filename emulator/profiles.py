"""Built-in device profiles: the identity and capabilities of emulated devices."""

from __future__ import annotations

from dataclasses import dataclass
import secrets
from typing import Any, Literal

type DeviceKind = Literal["gun", "foot_leg"]

MANUFACTURER = "Massage Open Hardware"
API_VERSION = 1
API_MINOR = 1

# Device ids use a prefix without the underscore, as in `footleg-4f2a91`.
_ID_PREFIX: dict[DeviceKind, str] = {"gun": "gun", "foot_leg": "footleg"}


def new_device_id(kind: DeviceKind) -> str:
    """Return a fresh device id such as `gun-4f2a91` or `footleg-0c7d13`."""
    return f"{_ID_PREFIX[kind]}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceProfile:
    """What `GET /api/v1/info` reports: who a device is and what it can do."""

    device_id: str
    kind: DeviceKind
    name: str
    model: str
    firmware: str
    manufacturer: str = MANUFACTURER
    levels: int
    strokes_per_minute: tuple[int, ...] | None
    modes: tuple[str, ...]
    heat_levels: int
    heat_cutoff_minutes: int | None
    timer_options: tuple[int, ...]
    battery: bool
    force_sensor: bool
    attachments: tuple[str, ...]
    level_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        """Reject a profile that breaks the protocol's rules for capabilities."""
        problems: list[str] = []
        if not self.device_id:
            problems.append("device_id must not be empty")
        if self.kind not in _ID_PREFIX:
            problems.append("kind must be 'gun' or 'foot_leg'")
        if self.levels < 1:
            problems.append("levels must be at least 1")
        if (
            self.strokes_per_minute is not None
            and len(self.strokes_per_minute) != self.levels
        ):
            problems.append("strokes_per_minute needs one entry per level")
        if self.heat_levels < 0:
            problems.append("heat_levels must not be negative")
        if self.heat_cutoff_minutes is not None and (
            self.heat_levels == 0 or self.heat_cutoff_minutes < 1
        ):
            problems.append("heat_cutoff_minutes needs a heater and must be >= 1")
        if not self.timer_options or min(self.timer_options) < 1:
            problems.append("timer_options must be a non-empty list of minutes >= 1")
        if self.level_names is not None and len(self.level_names) != self.levels:
            problems.append("level_names needs one name per level")
        if problems:
            raise ValueError("; ".join(problems))

    def info(self) -> dict[str, Any]:
        """Return the body of `GET /api/v1/info`, as protocol 1.1 has it."""
        info: dict[str, Any] = {
            "id": self.device_id,
            "kind": self.kind,
            "name": self.name,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "firmware": self.firmware,
            "api_version": API_VERSION,
            "api_minor": API_MINOR,
            "capabilities": {
                "levels": self.levels,
                "strokes_per_minute": (
                    None
                    if self.strokes_per_minute is None
                    else list(self.strokes_per_minute)
                ),
                "modes": list(self.modes),
                "heat_levels": self.heat_levels,
                "heat_cutoff_minutes": self.heat_cutoff_minutes,
                "timer_options": list(self.timer_options),
                "battery": self.battery,
                "force_sensor": self.force_sensor,
                "attachments": list(self.attachments),
            },
        }
        if self.level_names is not None:
            info["capabilities"]["level_names"] = list(self.level_names)
        return info


def gun_profile(
    *, device_id: str | None = None, name: str = "Massage Gun"
) -> DeviceProfile:
    """Return the profile of a percussion massage gun with a fresh id by default."""
    return DeviceProfile(
        device_id=device_id or new_device_id("gun"),
        kind="gun",
        name=name,
        model="Percussion Pro",
        firmware="1.4.2",
        levels=5,
        strokes_per_minute=(1750, 2100, 2450, 2800, 3200),
        modes=(),
        heat_levels=0,
        heat_cutoff_minutes=None,
        timer_options=(5, 10, 15),
        battery=True,
        force_sensor=True,
        attachments=("ball", "flat", "bullet", "fork"),
    )


def foot_leg_profile(
    *,
    device_id: str | None = None,
    name: str = "Foot and Leg Massager",
    heat_cutoff_minutes: int | None = 15,
) -> DeviceProfile:
    """
    Return the profile of a shiatsu foot and leg massager with a fresh id by default.

    `heat_cutoff_minutes=None` gives a firmware without its own heat cut-off, so a
    controller has to prove it enforces a heat cap itself.
    """
    return DeviceProfile(
        device_id=device_id or new_device_id("foot_leg"),
        kind="foot_leg",
        name=name,
        model="Shiatsu Comfort FL-3",
        firmware="2.1.0",
        levels=3,
        strokes_per_minute=None,
        modes=("kneading", "rolling", "air_compression", "combined"),
        heat_levels=2,
        heat_cutoff_minutes=heat_cutoff_minutes,
        timer_options=(10, 15, 20, 30),
        battery=False,
        force_sensor=False,
        attachments=(),
        level_names=("Low", "Medium", "High"),
    )
