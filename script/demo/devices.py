"""
The emulated massagers of the demo: one gun and one foot and leg massager.

They run in the demo's own process, from the repository's `emulator` package, with
fixed device ids: Home Assistant's config entries are keyed on the device id, so a
second run of the demo finds the same devices again instead of new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.device import EmulatedDevice
from emulator.profiles import foot_leg_profile, gun_profile
from emulator.server import DeviceServer

from . import DEFAULT_EMULATOR_PORT

GUN_ID = "gun-demo01"
FOOT_LEG_ID = "footleg-demo01"
KINDS = ("gun", "foot_leg")


@dataclass(frozen=True, slots=True)
class RunningDevice:
    """One started device: its kind, id, name and where it listens."""

    kind: str
    device_id: str
    name: str
    port: int

    @property
    def url(self) -> str:
        """Base URL of its Massage Local API."""
        return f"http://127.0.0.1:{self.port}"


class EmulatedDevices:
    """Starts and stops the demo's two devices on 127.0.0.1."""

    def __init__(self) -> None:
        """Prepare the devices; nothing listens until `start()`."""
        self._servers: list[DeviceServer] = []

    async def start(self, ports: dict[str, int] | None = None) -> list[RunningDevice]:
        """
        Start both devices; `ports` maps a kind to its port, 0 for any free one.

        Without `ports`, the gun gets 8765 and the foot and leg massager 8766.
        Raises OSError when a port is taken.
        """
        if ports is None:
            ports = {
                "gun": DEFAULT_EMULATOR_PORT,
                "foot_leg": DEFAULT_EMULATOR_PORT + 1,
            }
        profiles = {
            "gun": gun_profile(device_id=GUN_ID),
            "foot_leg": foot_leg_profile(device_id=FOOT_LEG_ID),
        }
        try:
            for kind in KINDS:
                server = DeviceServer(EmulatedDevice(profiles[kind]), port=ports[kind])
                await server.start()
                self._servers.append(server)
        except BaseException:
            await self.stop()
            raise
        return [
            RunningDevice(
                kind=server.device.profile.kind,
                device_id=server.device.profile.device_id,
                name=server.device.profile.name,
                port=server.port,
            )
            for server in self._servers
        ]

    async def stop(self) -> None:
        """Stop every started device; safe to call more than once."""
        servers, self._servers = self._servers, []
        for server in servers:
            await server.stop()
            server.device.close()
